//! The ceasefire view: each distinct truce (brokers, when agreed, when effective) with its status
//! history — proposed, agreed, in effect, holding (only when stated), violated (counted per
//! accusing side; violations alone never mean collapse), collapsed, superseded by a later truce.
//!
//! Pure. Statements are grouped into truces by their effective time (within a day is the same
//! truce); a statement without one belongs to the truce in force (or about to be) when it was
//! published.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{ArticleFacts, AsOf, Citation, select};
use crate::extract::{CeasefireStatement, CeasefireStatus};

/// A truce's status, including the derived `superseded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TruceStatus {
    /// Called for.
    Proposed,
    /// Agreed, not yet in effect.
    Agreed,
    /// In effect (stated, or its effective time has passed).
    InEffect,
    /// Stated to be holding.
    Holding,
    /// Violations reported.
    Violated,
    /// Collapsed.
    Collapsed,
    /// A later truce took its place.
    Superseded,
}

crate::extract::names!(TruceStatus {
    Proposed => "proposed", Agreed => "agreed", InEffect => "in_effect", Holding => "holding", Violated => "violated",
    Collapsed => "collapsed", Superseded => "superseded",
});

impl From<CeasefireStatus> for TruceStatus {
    fn from(s: CeasefireStatus) -> Self {
        match s {
            CeasefireStatus::Proposed => TruceStatus::Proposed,
            CeasefireStatus::Agreed => TruceStatus::Agreed,
            CeasefireStatus::InEffect => TruceStatus::InEffect,
            CeasefireStatus::Holding => TruceStatus::Holding,
            CeasefireStatus::Violated => TruceStatus::Violated,
            CeasefireStatus::Collapsed => TruceStatus::Collapsed,
        }
    }
}

/// One statement about a truce, with where it was read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusReport {
    /// The status asserted.
    pub status: TruceStatus,
    /// For a violation, the accusing side.
    pub by: Option<String>,
    /// Where it was read.
    pub citation: Citation,
}

/// One truce.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Truce {
    /// A stable name: `truce-<effective date>`, or `truce-<first report date>` when no effective
    /// time was ever stated.
    pub id: String,
    /// Who brokered it, as far as reports say.
    pub brokers: Vec<String>,
    /// The first report of its agreement.
    pub agreed_on: Option<NaiveDate>,
    /// When it took or takes effect, as reported (RFC 3339, or a date).
    pub effective_at: Option<String>,
    /// Its status as of the view's date.
    pub status: TruceStatus,
    /// The truce that superseded it.
    pub superseded_by: Option<String>,
    /// Violation reports per accusing side (`unattributed` when no side is named).
    pub violations: BTreeMap<String, u32>,
    /// Every statement, oldest first.
    pub history: Vec<StatusReport>,
}

/// The ceasefire view.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CeasefireView {
    /// What it answers for.
    pub as_of: AsOf,
    /// Truces, oldest first.
    pub truces: Vec<Truce>,
}

struct Building {
    effective: Option<DateTime<FixedOffset>>,
    effective_text: Option<String>,
    effective_day: Option<NaiveDate>,
    first_seen: NaiveDate,
    statements: Vec<(CeasefireStatement, Citation)>,
    // Some statement so far says it collapsed (kept, not searched: a truce gathers thousands of
    // statements, and every dateless one asks).
    collapsed: bool,
}

fn parse_effective(s: &str) -> (Option<DateTime<FixedOffset>>, Option<NaiveDate>) {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return (Some(t), Some(t.date_naive()));
    }
    (None, NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

/// Builds the ceasefire view of `articles` as of `as_of`.
pub fn view(articles: &[ArticleFacts], as_of: AsOf) -> CeasefireView {
    let mut statements: Vec<(CeasefireStatement, Citation)> = Vec::new();
    for sel in select(articles, &as_of) {
        for c in &sel.revision.facts.ceasefire {
            statements.push((c.clone(), sel.cite(&c.evidence, c.span)));
        }
    }
    statements.sort_by(|a, b| a.1.cmp(&b.1));

    let mut truces: Vec<Building> = Vec::new();
    for (st, cite) in statements {
        let published = cite.published.date_naive();
        let (effective, effective_day) = st.effective_at.as_deref().map(parse_effective).unwrap_or((None, None));
        let index = match effective_day {
            // The same truce: effective within a day of one already known.
            Some(day) => truces
                .iter()
                .position(|t| t.effective_day.is_some_and(|d| (d - day).num_days().abs() <= 1))
                .or_else(|| {
                    // A truce first reported without a time, now given one.
                    truces
                        .iter()
                        .rposition(|t| t.effective_day.is_none() && (day - t.first_seen).num_days().abs() <= 2)
                }),
            None => current_truce(&truces, published, st.status),
        };
        match index {
            Some(i) => {
                let t = &mut truces[i];
                if t.effective_day.is_none() && effective_day.is_some() {
                    t.effective_day = effective_day;
                    t.effective = effective;
                    t.effective_text = st.effective_at.clone();
                }
                t.collapsed |= st.status == CeasefireStatus::Collapsed;
                t.statements.push((st, cite));
            }
            None => truces.push(Building {
                effective,
                effective_text: st.effective_at.clone(),
                effective_day,
                first_seen: published,
                collapsed: st.status == CeasefireStatus::Collapsed,
                statements: vec![(st, cite)],
            }),
        }
    }
    truces.sort_by_key(|t| t.effective_day.unwrap_or(t.first_seen));

    let ids: Vec<String> = truces
        .iter()
        .map(|t| format!("truce-{}", t.effective_day.unwrap_or(t.first_seen)))
        .collect();
    let out = truces
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let mut brokers: Vec<String> = Vec::new();
            let mut violations: BTreeMap<String, u32> = BTreeMap::new();
            let mut history = Vec::new();
            let mut agreed_on = None;
            for (s, c) in t.statements {
                for b in &s.brokers {
                    if !brokers.contains(b) {
                        brokers.push(b.clone());
                    }
                }
                if s.status == CeasefireStatus::Violated {
                    *violations
                        .entry(s.by.clone().unwrap_or_else(|| "unattributed".into()))
                        .or_default() += 1;
                }
                if matches!(s.status, CeasefireStatus::Agreed | CeasefireStatus::InEffect) && agreed_on.is_none() {
                    agreed_on = Some(c.published.date_naive());
                }
                history.push(StatusReport {
                    status: s.status.into(),
                    by: s.by.clone(),
                    citation: c,
                });
            }
            // Any later truce (it is in the view, so it was reported by the view's date)
            // supersedes this one unless this one had already collapsed.
            let later = ids.get(i + 1);
            let (status, superseded_by) = status_as_of(&history, t.effective, as_of.date, later);
            Truce {
                id: ids[i].clone(),
                brokers,
                agreed_on,
                effective_at: t.effective_text,
                status,
                superseded_by,
                violations,
                history,
            }
        })
        .collect();
    CeasefireView { as_of, truces: out }
}

// The truce a dateless statement is about: the one in force or about to be when it was
// published. A new proposal or agreement after a truce has collapsed or been superseded is a new
// truce.
fn current_truce(truces: &[Building], published: NaiveDate, status: CeasefireStatus) -> Option<usize> {
    let candidate = truces.iter().rposition(|t| match t.effective_day {
        Some(d) => (d - published).num_days() <= 1,
        None => t.first_seen <= published,
    })?;
    let fresh = matches!(status, CeasefireStatus::Proposed | CeasefireStatus::Agreed);
    if fresh && truces[candidate].collapsed {
        None
    } else {
        Some(candidate)
    }
}

// The status on `date` (every report in `history` is from on or before it): collapsed once any
// report says so; else the last report, where a passed effective time turns "agreed" into "in
// effect" (holding and violations never end a truce); and a later truce supersedes one that has
// not collapsed.
fn status_as_of(
    history: &[StatusReport],
    effective: Option<DateTime<FixedOffset>>,
    date: Option<NaiveDate>,
    later: Option<&String>,
) -> (TruceStatus, Option<String>) {
    let collapsed = history.iter().any(|h| h.status == TruceStatus::Collapsed);
    let last = history.last().map_or(TruceStatus::Proposed, |h| h.status);
    let started = effective.is_some_and(|e| date.is_none_or(|d| e.date_naive() <= d));
    let status = if collapsed {
        TruceStatus::Collapsed
    } else if later.is_some() {
        TruceStatus::Superseded
    } else if last == TruceStatus::Agreed && started {
        TruceStatus::InEffect
    } else {
        last
    };
    (status, later.cloned())
}
