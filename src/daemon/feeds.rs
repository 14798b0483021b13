//! The feed list as an operator sees it: every configured feed with its health, counts and last
//! error, from the daemon's status (or from the config alone when no daemon runs).
//!
//! Pure: status and config in, rows out; the API and the CLI print them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{DaemonStatus, FeedStatus};
use crate::config::FeedConfig;

/// Failures in a row from which a feed counts as failing rather than degraded.
pub const FAILING_AFTER: u64 = 3;

/// How a feed is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Not polled yet since the daemon started.
    Pending,
    /// The last poll succeeded.
    Healthy,
    /// The last one or two polls failed.
    Degraded,
    /// `FAILING_AFTER` or more polls in a row failed.
    Failing,
    /// No daemon runs: its health is not known.
    Unknown,
}

impl Health {
    /// Of a feed with `status`.
    pub fn of(status: &FeedStatus) -> Health {
        match (status.polls, status.consecutive_failures) {
            (0, _) => Health::Pending,
            (_, 0) => Health::Healthy,
            (_, n) if n < FAILING_AFTER => Health::Degraded,
            _ => Health::Failing,
        }
    }

    /// As the JSON says it.
    pub fn name(self) -> &'static str {
        match self {
            Health::Pending => "pending",
            Health::Healthy => "healthy",
            Health::Degraded => "degraded",
            Health::Failing => "failing",
            Health::Unknown => "unknown",
        }
    }
}

/// One configured feed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeedRow {
    /// Feed id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Where it is fetched from.
    pub url: String,
    /// Seconds between polls.
    pub interval_secs: u64,
    /// How it is doing.
    pub health: Health,
    /// Articles of this feed in the projection (all time, not only since start).
    pub articles: u64,
    /// Since the daemon started.
    pub status: FeedStatus,
}

/// The feeds view.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeedsView {
    /// Whether a running daemon supplied the health and counts.
    pub live: bool,
    /// Configured feeds, in config order.
    pub feeds: Vec<FeedRow>,
    /// Feeds with stored articles that the config no longer lists (or imported under their own
    /// id), with their article counts.
    pub other_feeds: BTreeMap<String, u64>,
}

/// The rows for `configs`, with `status` from a running daemon (none: health unknown) and the
/// number of stored articles per feed id.
pub fn view(configs: &[FeedConfig], status: Option<&DaemonStatus>, articles: &BTreeMap<String, u64>) -> FeedsView {
    let feeds = configs
        .iter()
        .map(|f| {
            let st = status.and_then(|s| s.feeds.get(&f.id)).cloned().unwrap_or_default();
            FeedRow {
                id: f.id.clone(),
                name: f.name.clone(),
                url: f.url.to_string(),
                interval_secs: f.interval.as_secs(),
                health: if status.is_some() {
                    Health::of(&st)
                } else {
                    Health::Unknown
                },
                articles: articles.get(&f.id).copied().unwrap_or(0),
                status: st,
            }
        })
        .collect();
    let other_feeds = articles
        .iter()
        .filter(|(id, _)| !configs.iter().any(|f| &f.id == *id))
        .map(|(id, n)| (id.clone(), *n))
        .collect();
    FeedsView {
        live: status.is_some(),
        feeds,
        other_feeds,
    }
}

/// Articles per feed id, from the projection's article list.
pub fn article_counts(articles: &[crate::projection::ArticleFacts]) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for a in articles {
        *out.entry(a.feed.clone()).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_follows_failures_in_a_row() {
        let st = |polls, consecutive_failures| FeedStatus {
            polls,
            consecutive_failures,
            ..Default::default()
        };
        assert_eq!(Health::of(&st(0, 0)), Health::Pending);
        assert_eq!(Health::of(&st(5, 0)), Health::Healthy);
        assert_eq!(Health::of(&st(5, 2)), Health::Degraded);
        assert_eq!(Health::of(&st(5, FAILING_AFTER)), Health::Failing);
    }
}
