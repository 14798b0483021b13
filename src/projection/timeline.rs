//! The timeline: the first report of each notable fact, dated by publication — each running
//! total a reporter gives, each incident with deaths, each status a truce reaches, each change of
//! hands claimed — with the article that first reported it.
//!
//! Pure: built from the other views, so it never disagrees with them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::casualties::{self, Stance};
use super::{ArticleFacts, AsOf, Citation, ceasefire, control};
use crate::extract::{Change, Outcome};
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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

fn side(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "unknown side".into())
}

/// Builds the timeline of `articles` as of `as_of`.
pub fn view(articles: &[ArticleFacts], profile: &Profile, as_of: AsOf) -> TimelineView {
    let mut entries = Vec::new();
    let mut push = |kind: EntryKind, summary: String, citation: &Citation| {
        entries.push(Entry {
            date: citation.published,
            kind,
            summary,
            citation: citation.clone(),
        });
    };

    let cas = casualties::view(articles, profile, as_of);
    for t in &cas.tallies {
        for s in t.series.iter().filter(|s| s.stance != Stance::Unattributed) {
            for p in &s.points {
                let claim = if s.stance == Stance::EnemyClaim {
                    " (enemy claim)"
                } else {
                    ""
                };
                push(
                    EntryKind::Casualties,
                    format!(
                        "{}: {} {} {} of {}{claim}, as of {}",
                        s.reporter,
                        p.count,
                        t.group,
                        t.outcome,
                        side(&t.party),
                        p.as_of
                    ),
                    &p.citations[0],
                );
            }
        }
    }
    for i in &cas.incidents {
        for f in i.figures.iter().filter(|f| f.outcome == Outcome::Killed) {
            let place = i.location.clone().unwrap_or_else(|| "unknown place".into());
            push(
                EntryKind::Incident,
                format!(
                    "{place}: {} {} killed ({}), on {}",
                    f.count,
                    f.group,
                    side(&f.party),
                    i.date
                ),
                &f.citations[0],
            );
        }
    }
    for t in &ceasefire::view(articles, as_of).truces {
        let mut seen = Vec::new();
        for h in &t.history {
            if !seen.contains(&h.status) {
                seen.push(h.status);
                let brokers = if t.brokers.is_empty() {
                    String::new()
                } else {
                    format!(" (brokers: {})", t.brokers.join(", "))
                };
                push(
                    EntryKind::Ceasefire,
                    format!("{} {}{brokers}", t.id, h.status),
                    &h.citation,
                );
            }
        }
    }
    for p in &control::view(articles, profile, as_of).places {
        let mut seen = Vec::new();
        for c in &p.claims {
            let key = (c.change, c.side.clone());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let by = c
                .claimed_by
                .as_ref()
                .map(|b| format!(", claimed by {b}"))
                .unwrap_or_default();
            let what = match c.change {
                Change::Captured => format!("captured by {}", side(&c.side)),
                Change::Lost => format!("lost by {}", side(&c.side)),
                Change::Contested => c.change.to_string(),
            };
            push(EntryKind::Control, format!("{}: {what}{by}", p.location), &c.citation);
        }
    }
    entries.sort_by(|a, b| (a.date, a.kind, &a.summary).cmp(&(b.date, b.kind, &b.summary)));
    TimelineView { as_of, entries }
}
