//! A bounded record of recent entries the topic rules did not keep, per feed, in the store's
//! `unmatched` tree: when the profile changes, the daemon re-matches them at start, so articles
//! seen shortly before a rule was added are not lost. Not part of the log; at most `PER_FEED`
//! articles per feed, the oldest dropped first.
//!
//! Only reads and writes the tree; matching is the caller's.

use super::sled::engine;
use super::{SledStore, StoreError};
use crate::article::Article;

const TREE: &str = "unmatched";

/// Articles kept per feed.
pub const PER_FEED: usize = 200;

// Keys: `feed \0 stream`; values: a u64 BE arrival counter, then the article as JSON.
fn key(feed: &str, stream: &str) -> Vec<u8> {
    let mut k = feed.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(stream.as_bytes());
    k
}

impl SledStore {
    fn unmatched_tree(&self) -> Result<sled::Tree, StoreError> {
        self.db()
            .open_tree(TREE)
            .map_err(|e| engine(format!("opening tree {TREE}"), e))
    }

    /// Remembers `articles` of `feed` that no rule kept (the newest `PER_FEED` per feed).
    pub fn remember_unmatched(&self, feed: &str, articles: &[Article]) -> Result<(), StoreError> {
        if articles.is_empty() {
            return Ok(());
        }
        let tree = self.unmatched_tree()?;
        let counter = self
            .db()
            .generate_id()
            .map_err(|e| engine("numbering unmatched articles", e))?;
        for a in articles {
            let mut value = counter.to_be_bytes().to_vec();
            value.extend(serde_json::to_vec(a).map_err(|e| StoreError::Engine {
                context: "encoding an unmatched article".into(),
                message: e.to_string(),
            })?);
            tree.insert(key(feed, &a.stream()), value)
                .map_err(|e| engine(format!("writing tree {TREE}"), e))?;
        }
        // Over the cap: drop the oldest arrivals of this feed.
        let mut prefix = feed.as_bytes().to_vec();
        prefix.push(0);
        let mut entries: Vec<(u64, sled::IVec)> = tree
            .scan_prefix(&prefix)
            .filter_map(Result::ok)
            .map(|(k, v)| {
                (
                    v.get(..8).and_then(|b| b.try_into().ok()).map_or(0, u64::from_be_bytes),
                    k,
                )
            })
            .collect();
        if entries.len() > PER_FEED {
            entries.sort();
            for (_, k) in &entries[..entries.len() - PER_FEED] {
                tree.remove(k).map_err(|e| engine(format!("trimming tree {TREE}"), e))?;
            }
        }
        Ok(())
    }

    /// Every remembered unmatched article (undecodable entries are skipped).
    pub fn unmatched(&self) -> Result<Vec<Article>, StoreError> {
        let tree = self.unmatched_tree()?;
        let mut out = Vec::new();
        for item in tree.iter() {
            let (_, v) = item.map_err(|e| engine(format!("reading tree {TREE}"), e))?;
            if let Some(article) = v.get(8..).and_then(|json| serde_json::from_slice::<Article>(json).ok()) {
                out.push(article);
            }
        }
        Ok(out)
    }

    /// Forgets `article` (it matched after all and is in the log now).
    pub fn forget_unmatched(&self, article: &Article) -> Result<(), StoreError> {
        self.unmatched_tree()?
            .remove(key(&article.feed, &article.stream()))
            .map_err(|e| engine(format!("writing tree {TREE}"), e))?;
        Ok(())
    }
}
