//! Per-feed state (validators, next due, health, counts) in the store's `feed_state` tree, one
//! JSON value per feed id. Operational state, not part of the log: it is not replayed, and losing
//! its last writes costs at most one unconditional poll per feed.
//!
//! Only reads and writes the tree; the state's meaning lives in `feed::state`.

use std::collections::BTreeMap;

use super::sled::engine;
use super::{SledStore, StoreError};
use crate::feed::state::FeedState;

const TREE: &str = "feed_state";

impl SledStore {
    fn feed_tree(&self) -> Result<sled::Tree, StoreError> {
        self.db()
            .open_tree(TREE)
            .map_err(|e| engine(format!("opening tree {TREE}"), e))
    }

    /// Every feed's remembered state. A value that no longer decodes (written by another
    /// version) is left out, so that feed starts afresh.
    pub fn feed_states(&self) -> Result<BTreeMap<String, FeedState>, StoreError> {
        let mut out = BTreeMap::new();
        for item in self.feed_tree()?.iter() {
            let (k, v) = item.map_err(|e| engine(format!("reading tree {TREE}"), e))?;
            if let (Ok(id), Ok(state)) = (String::from_utf8(k.to_vec()), serde_json::from_slice::<FeedState>(&v)) {
                out.insert(id, state);
            }
        }
        Ok(out)
    }

    /// Remembers `state` for feed `id` (made durable with the store's next sync).
    pub fn put_feed_state(&self, id: &str, state: &FeedState) -> Result<(), StoreError> {
        let value = serde_json::to_vec(state).map_err(|e| StoreError::Engine {
            context: format!("encoding the state of feed {id}"),
            message: e.to_string(),
        })?;
        self.feed_tree()?
            .insert(id.as_bytes(), value)
            .map_err(|e| engine(format!("writing the state of feed {id}"), e))?;
        Ok(())
    }
}
