//! The timeline: the first report of each notable fact, dated by publication — each running
//! total a reporter gives, each incident with deaths, each status a truce reaches, each change of
//! hands claimed — with the article that first reported it.
//!
//! Pure: built from the other views, so it never disagrees with them.

pub mod kept;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::casualties::{self, Stance};
use super::{ArticleFacts, AsOf, Citation, ceasefire, control};
use crate::extract::{Change, Group, Outcome, Scope};
use crate::profile::Profile;

/// What kind of fact an entry reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A reporter's running total.
    Casualties,
    /// One event with deaths.
    Incident,
    /// A truce reached a status.
    Ceasefire,
    /// A place changed hands, or is contested.
    Control,
}

crate::extract::names!(EntryKind { Casualties => "casualties", Incident => "incident", Ceasefire => "ceasefire", Control => "control" });

/// One entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// When it was first reported.
    pub date: DateTime<Utc>,
    /// What kind of fact.
    pub kind: EntryKind,
    /// One line saying what.
    pub summary: String,
    /// The first report.
    pub citation: Citation,
}

/// The timeline view.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TimelineView {
    /// What it answers for.
    pub as_of: AsOf,
    /// Entries, oldest first.
    pub entries: Vec<Entry>,
}

/// The timeline as a reader gets it: one page of entries, counted back from the latest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineSummary {
    /// What it answers for.
    pub as_of: AsOf,
    /// How many entries there are (as of the date).
    pub total: u64,
    /// How many of the latest entries come after this page.
    pub offset: u64,
    /// The entries, oldest first: the `limit` entries before the `offset` latest.
    pub entries: Vec<Entry>,
}

/// Which entries a timeline answer carries: the `limit` before the `offset` latest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// How many of the latest entries to pass over.
    pub offset: u64,
    /// At most this many.
    pub limit: usize,
}

/// Entries a timeline answer carries unless asked otherwise.
pub const DEFAULT_LIMIT: usize = 50;

impl Default for Window {
    fn default() -> Window {
        Window {
            offset: 0,
            limit: DEFAULT_LIMIT,
        }
    }
}

fn side(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "unknown side".into())
}

/// The entry of a reporter's running total, dated by its first citation (none for a figure no
/// reporter is named for).
pub fn casualty_entry(k: &casualties::FigureKey, stance: Stance, first: &Citation) -> Option<Entry> {
    if !has_casualty_entry(k, stance) {
        return None;
    }
    let claim = if stance == Stance::EnemyClaim {
        " (enemy claim)"
    } else {
        ""
    };
    Some(Entry {
        date: first.published,
        kind: EntryKind::Casualties,
        summary: format!(
            "{}: {} {} {} of {}{claim}, as of {}",
            k.reporter,
            k.count,
            k.group,
            k.outcome,
            side(&k.party),
            k.as_of
        ),
        citation: first.clone(),
    })
}

/// Whether a figure has a timeline entry: a running total some reporter is named for.
pub fn has_casualty_entry(k: &casualties::FigureKey, stance: Stance) -> bool {
    stance != Stance::Unattributed && k.scope == Scope::Cumulative
}

/// The entry of an incident's death count (one per side, group and count, whoever reported
/// it), dated by its first citation.
pub fn incident_entry(
    location: &Option<String>,
    date: NaiveDate,
    party: &Option<String>,
    group: Group,
    count: u64,
    first: &Citation,
) -> Entry {
    let place = location.clone().unwrap_or_else(|| "unknown place".into());
    Entry {
        date: first.published,
        kind: EntryKind::Incident,
        summary: format!("{place}: {count} {group} killed ({}), on {date}", side(party)),
        citation: first.clone(),
    }
}

/// The entries of truces: the first report of each status each reached. Built from the
/// ceasefire summary as of the same date (a truce's id and brokers can change with later reports).
pub fn ceasefire_entries(truces: &[ceasefire::TruceSummary]) -> Vec<Entry> {
    let mut out = Vec::new();
    for t in truces {
        let brokers = if t.brokers.is_empty() {
            String::new()
        } else {
            format!(" (brokers: {})", t.brokers.join(", "))
        };
        for h in &t.reached {
            out.push(Entry {
                date: h.citation.published,
                kind: EntryKind::Ceasefire,
                summary: format!("{} {}{brokers}", t.id, h.status),
                citation: h.citation.clone(),
            });
        }
    }
    out
}

/// The entry of the first claim that a place changed hands this way (or is contested), by
/// this side.
pub fn control_entry(
    location: &str,
    change: Change,
    side_id: &Option<String>,
    claimed_by: &Option<String>,
    citation: &Citation,
) -> Entry {
    let by = claimed_by
        .as_ref()
        .map(|b| format!(", claimed by {b}"))
        .unwrap_or_default();
    let what = match change {
        Change::Captured => format!("captured by {}", side(side_id)),
        Change::Lost => format!("lost by {}", side(side_id)),
        Change::Contested => change.to_string(),
    };
    Entry {
        date: citation.published,
        kind: EntryKind::Control,
        summary: format!("{location}: {what}{by}"),
        citation: citation.clone(),
    }
}

/// The timeline's order: by date, kind, summary, then citation.
pub fn order(a: &Entry, b: &Entry) -> std::cmp::Ordering {
    (a.date, a.kind, &a.summary, &a.citation).cmp(&(b.date, b.kind, &b.summary, &b.citation))
}

/// Every entry of `articles` as of `as_of`, oldest first (the fold the kept state is checked
/// against).
pub fn view(articles: &[ArticleFacts], profile: &Profile, as_of: AsOf) -> TimelineView {
    let mut entries = Vec::new();
    let cas = casualties::view(articles, profile, as_of);
    for t in &cas.tallies {
        for s in &t.series {
            for p in &s.points {
                let key = casualties::FigureKey {
                    party: t.party.clone(),
                    group: t.group,
                    outcome: t.outcome,
                    scope: Scope::Cumulative,
                    reporter: s.reporter.clone(),
                    as_of: p.as_of,
                    count: p.count,
                };
                entries.extend(casualty_entry(&key, s.stance, &p.citations[0]));
            }
        }
    }
    for i in &cas.incidents {
        for f in i.figures.iter().filter(|f| f.outcome == Outcome::Killed) {
            entries.push(incident_entry(
                &i.location, i.date, &f.party, f.group, f.count, &f.citations[0],
            ));
        }
    }
    entries.extend(ceasefire_entries(&ceasefire::summary(articles, as_of).truces));
    for p in &control::view(articles, profile, as_of).places {
        let mut seen = Vec::new();
        for c in &p.claims {
            let key = (c.change, c.side.clone());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            entries.push(control_entry(
                &p.location, c.change, &c.side, &c.claimed_by, &c.citation,
            ));
        }
    }
    entries.sort_by(order);
    TimelineView { as_of, entries }
}

/// One page of the timeline of `articles` as of `as_of`.
pub fn summary(articles: &[ArticleFacts], profile: &Profile, as_of: AsOf, window: Window) -> TimelineSummary {
    let entries = view(articles, profile, as_of).entries;
    let total = entries.len() as u64;
    let end = entries
        .len()
        .saturating_sub(usize::try_from(window.offset).unwrap_or(usize::MAX));
    let start = end.saturating_sub(window.limit);
    TimelineSummary {
        as_of,
        total,
        offset: window.offset,
        entries: entries[start..end].to_vec(),
    }
}
