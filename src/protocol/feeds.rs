//! The feed list as an operator sees it: every configured feed with its health, counts, last
//! error and next poll, from the daemon's status (or from the store when no daemon runs).
//!
//! Pure: status and config in, rows out; the API and the CLI print them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::FeedConfig;
pub use crate::feed::state::{FAILING_AFTER, FeedState, Health};

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
    /// Its remembered state: validators, next due, counts, last error.
    pub status: FeedState,
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

/// The rows for `configs`: their states from a running daemon (`live`), or as the store last
/// kept them (health unknown), and the number of stored articles per feed id.
pub fn view(
    configs: &[FeedConfig],
    states: &BTreeMap<String, FeedState>,
    live: bool,
    articles: &BTreeMap<String, u64>,
) -> FeedsView {
    let feeds = configs
        .iter()
        .map(|f| {
            let st = states.get(&f.id).cloned().unwrap_or_default();
            FeedRow {
                id: f.id.clone(),
                name: f.name.clone(),
                url: f.url.to_string(),
                interval_secs: f.interval.as_secs(),
                health: if live { st.health } else { Health::Unknown },
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
        live,
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
