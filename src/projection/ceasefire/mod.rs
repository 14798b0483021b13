//! The ceasefire view: each distinct truce (brokers, when agreed, when effective) with its status
//! history — proposed, agreed, in effect, holding (only when stated), violated (counted per
//! accusing side; violations alone never mean collapse), collapsed, superseded by a later truce.
//!
//! Pure. Statements are grouped into truces by their effective time (within a day is the same
//! truce); a statement without one belongs to the truce in force (or about to be) when it was
//! published.

pub mod kept;

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// How many of a truce's most recent statements a summary carries.
pub const RECENT_REPORTS: usize = 3;

/// What is known of one truce after folding statements in citation order: all that grouping a
/// later statement and answering a question need. Its statements themselves are kept apart (a
/// truce gathers thousands).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruceState {
    /// When it took or takes effect, as first stated (RFC 3339, or a date).
    pub effective_at: Option<String>,
    /// Its effective day, when `effective_at` gives one.
    pub effective_day: Option<NaiveDate>,
    /// The publication day of its first statement.
    pub first_seen: NaiveDate,
    /// Some statement says it collapsed.
    pub collapsed: bool,
    /// Brokers, in the order reports named them.
    pub brokers: Vec<String>,
    /// Violation reports per accusing side.
    pub violations: BTreeMap<String, u32>,
    /// The first report of its agreement.
    pub agreed_on: Option<NaiveDate>,
    /// The status its latest statement asserts.
    pub last: TruceStatus,
    /// How many statements it has.
    pub statements: u64,
    /// The first report of each status it reached, in the order reached.
    pub reached: Vec<StatusReport>,
}

/// Every truce's state, in the order each was first reported: the fold of statements in
/// citation order, which `view` and the kept state (`kept`) both run, so they cannot disagree on
/// a rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Truces(pub Vec<TruceState>);

fn parse_effective(s: &str) -> (Option<DateTime<FixedOffset>>, Option<NaiveDate>) {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return (Some(t), Some(t.date_naive()));
    }
    (None, NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

impl Truces {
    /// Folds one statement published at `published` (statements come in citation order);
    /// returns the index of the truce it is about. `cite` gives the statement's citation, asked
    /// for only when the statement is the first to reach its status (the kept state keeps
    /// citations apart from what a replay reads).
    pub fn add<E>(
        &mut self,
        st: &CeasefireStatement,
        published: DateTime<Utc>,
        cite: impl FnOnce() -> Result<Citation, E>,
    ) -> Result<usize, E> {
        let published = published.date_naive();
        let effective_day = st.effective_at.as_deref().and_then(|e| parse_effective(e).1);
        let truces = &mut self.0;
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
            None => current_truce(truces, published, st.status),
        };
        let index = match index {
            Some(i) => {
                let t = &mut truces[i];
                if t.effective_day.is_none() && effective_day.is_some() {
                    t.effective_day = effective_day;
                    t.effective_at = st.effective_at.clone();
                }
                i
            }
            None => {
                truces.push(TruceState {
                    effective_at: st.effective_at.clone(),
                    effective_day,
                    first_seen: published,
                    collapsed: false,
                    brokers: Vec::new(),
                    violations: BTreeMap::new(),
                    agreed_on: None,
                    last: TruceStatus::Proposed,
                    statements: 0,
                    reached: Vec::new(),
                });
                truces.len() - 1
            }
        };
        let t = &mut truces[index];
        t.collapsed |= st.status == CeasefireStatus::Collapsed;
        for b in &st.brokers {
            if !t.brokers.contains(b) {
                t.brokers.push(b.clone());
            }
        }
        if st.status == CeasefireStatus::Violated {
            *t.violations
                .entry(st.by.clone().unwrap_or_else(|| "unattributed".into()))
                .or_default() += 1;
        }
        if matches!(st.status, CeasefireStatus::Agreed | CeasefireStatus::InEffect) && t.agreed_on.is_none() {
            t.agreed_on = Some(published);
        }
        let status = TruceStatus::from(st.status);
        t.last = status;
        t.statements += 1;
        if !t.reached.iter().any(|r| r.status == status) {
            t.reached.push(report(st, &cite()?));
        }
        Ok(index)
    }

    /// The truces in view order (by effective day, else first report; ties in the order first
    /// reported), each with its index and id.
    pub fn ordered(&self) -> Vec<(usize, String)> {
        let mut order: Vec<usize> = (0..self.0.len()).collect();
        order.sort_by_key(|&i| self.0[i].effective_day.unwrap_or(self.0[i].first_seen));
        order
            .into_iter()
            .map(|i| {
                let t = &self.0[i];
                (i, format!("truce-{}", t.effective_day.unwrap_or(t.first_seen)))
            })
            .collect()
    }
}

/// A statement as a truce's history carries it.
pub fn report(st: &CeasefireStatement, cite: &Citation) -> StatusReport {
    StatusReport {
        status: st.status.into(),
        by: st.by.clone(),
        citation: cite.clone(),
    }
}

/// The ceasefire statements of the relevant article versions that count for `as_of`, in
/// citation order.
pub fn statements(articles: &[ArticleFacts], as_of: &AsOf) -> Vec<(CeasefireStatement, Citation)> {
    let mut statements: Vec<(CeasefireStatement, Citation)> = Vec::new();
    for sel in select(articles, as_of) {
        for c in &sel.revision.facts.ceasefire {
            statements.push((c.clone(), sel.cite(&c.evidence, c.span)));
        }
    }
    statements.sort_by(|a, b| a.1.cmp(&b.1));
    statements
}

/// Builds the ceasefire view of `articles` as of `as_of`, with every statement of every truce.
pub fn view(articles: &[ArticleFacts], as_of: AsOf) -> CeasefireView {
    let mut truces = Truces::default();
    let mut histories: Vec<Vec<StatusReport>> = Vec::new();
    for (st, cite) in statements(articles, &as_of) {
        let i = truces
            .add(&st, cite.published, || Ok::<_, std::convert::Infallible>(cite.clone()))
            .unwrap_or_else(|e| match e {});
        if i == histories.len() {
            histories.push(Vec::new());
        }
        histories[i].push(report(&st, &cite));
    }
    let out = summaries(&truces, as_of.date, |_| Ok::<_, std::convert::Infallible>(Vec::new()))
        .unwrap_or_else(|e| match e {})
        .into_iter()
        .map(|(i, s)| Truce {
            id: s.id,
            brokers: s.brokers,
            agreed_on: s.agreed_on,
            effective_at: s.effective_at,
            status: s.status,
            superseded_by: s.superseded_by,
            violations: s.violations,
            history: std::mem::take(&mut histories[i]),
        })
        .collect();
    CeasefireView { as_of, truces: out }
}

/// One truce as a summary carries it: its state, the first report of each status it reached,
/// and its latest statements (all of them are paged apart: `/v1/citations?truce=ID`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruceSummary {
    /// `truce-<effective date>`, or `truce-<first report date>` when no effective time was ever
    /// stated.
    pub id: String,
    /// Who brokered it, as far as reports say.
    pub brokers: Vec<String>,
    /// The first report of its agreement.
    pub agreed_on: Option<NaiveDate>,
    /// When it took or takes effect, as reported.
    pub effective_at: Option<String>,
    /// Its status as of the view's date.
    pub status: TruceStatus,
    /// The truce that superseded it.
    pub superseded_by: Option<String>,
    /// Violation reports per accusing side (`unattributed` when no side is named).
    pub violations: BTreeMap<String, u32>,
    /// How many statements are about it.
    pub statements: u64,
    /// The first report of each status it reached, in the order reached.
    pub reached: Vec<StatusReport>,
    /// Its latest statements, oldest first.
    pub recent: Vec<StatusReport>,
}

/// The ceasefire view as a reader gets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CeasefireSummary {
    /// What it answers for.
    pub as_of: AsOf,
    /// Truces, oldest first.
    pub truces: Vec<TruceSummary>,
}

/// Every truce's summary in view order, with its index: `recent(i)` gives truce `i`'s latest
/// statements. A later truce (known by the view's date) supersedes one that has not collapsed.
pub fn summaries<E>(
    truces: &Truces,
    date: Option<NaiveDate>,
    mut recent: impl FnMut(usize) -> Result<Vec<StatusReport>, E>,
) -> Result<Vec<(usize, TruceSummary)>, E> {
    let ordered = truces.ordered();
    let mut out = Vec::with_capacity(ordered.len());
    for (n, (i, id)) in ordered.iter().enumerate() {
        let t = &truces.0[*i];
        let later = ordered.get(n + 1).map(|(_, id)| id);
        let effective = t.effective_at.as_deref().and_then(|e| parse_effective(e).0);
        let (status, superseded_by) = status_as_of(t.collapsed, t.last, effective, date, later);
        out.push((
            *i,
            TruceSummary {
                id: id.clone(),
                brokers: t.brokers.clone(),
                agreed_on: t.agreed_on,
                effective_at: t.effective_at.clone(),
                status,
                superseded_by,
                violations: t.violations.clone(),
                statements: t.statements,
                reached: t.reached.clone(),
                recent: recent(*i)?,
            },
        ));
    }
    Ok(out)
}

/// The ceasefire summary of `articles` as of `as_of` (the fold the kept state is checked against).
pub fn summary(articles: &[ArticleFacts], as_of: AsOf) -> CeasefireSummary {
    let v = view(articles, as_of);
    CeasefireSummary {
        as_of,
        truces: v
            .truces
            .into_iter()
            .map(|t| {
                let mut reached: Vec<StatusReport> = Vec::new();
                for h in &t.history {
                    if !reached.iter().any(|r| r.status == h.status) {
                        reached.push(h.clone());
                    }
                }
                let cut = t.history.len().saturating_sub(RECENT_REPORTS);
                TruceSummary {
                    id: t.id,
                    brokers: t.brokers,
                    agreed_on: t.agreed_on,
                    effective_at: t.effective_at,
                    status: t.status,
                    superseded_by: t.superseded_by,
                    violations: t.violations,
                    statements: t.history.len() as u64,
                    reached,
                    recent: t.history[cut..].to_vec(),
                }
            })
            .collect(),
    }
}

// The truce a dateless statement is about: the one in force or about to be when it was
// published. A new proposal or agreement after a truce has collapsed or been superseded is a new
// truce.
fn current_truce(truces: &[TruceState], published: NaiveDate, status: CeasefireStatus) -> Option<usize> {
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

// The status on `date` (every report counted is from on or before it): collapsed once any
// report says so; else the last report, where a passed effective time turns "agreed" into "in
// effect" (holding and violations never end a truce); and a later truce supersedes one that has
// not collapsed.
fn status_as_of(
    collapsed: bool,
    last: TruceStatus,
    effective: Option<DateTime<FixedOffset>>,
    date: Option<NaiveDate>,
    later: Option<&String>,
) -> (TruceStatus, Option<String>) {
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
