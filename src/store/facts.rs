//! The persisted projection on sled: one tree per projection fingerprint
//! (`projection:<fingerprint>`), holding each article's facts under `a/<stream>`, the kept view
//! state under `k/` and the checkpoint under `checkpoint`, written together by one atomic batch.
//!
//! Part of the store module, the only code that touches sled. Knows nothing of what the facts
//! mean.

use super::StoreError;
use super::sled::SledStore;
use crate::projection::kept::{KeptRead, Writes};
use crate::projection::{ArticleFacts, FactStore};

const PREFIX: &str = "projection:";
const CHECKPOINT: &[u8] = b"checkpoint";
// Written before a projection tree is emptied and removed after: a tree that still holds it was
// being emptied when the process stopped, and is emptied before anyone reads it.
const RESETTING: &[u8] = b"resetting";
// Keys removed per batch while emptying a tree.
const CLEAR_BATCH: usize = 4096;
const ARTICLE: &[u8] = b"a/";

/// One projection's tree.
#[derive(Debug, Clone)]
pub struct SledFacts {
    tree: sled::Tree,
}

fn engine(context: impl Into<String>, e: sled::Error) -> StoreError {
    StoreError::Engine {
        context: context.into(),
        message: e.to_string(),
    }
}

impl SledStore {
    /// The projection tree for `fingerprint`, created empty (checkpoint 0) if new.
    pub fn facts(&self, fingerprint: &str) -> Result<SledFacts, StoreError> {
        let name = format!("{PREFIX}{fingerprint}");
        let tree = self
            .db()
            .open_tree(&name)
            .map_err(|e| engine(format!("opening {name}"), e))?;
        if tree
            .contains_key(RESETTING)
            .map_err(|e| engine(format!("reading {name}"), e))?
        {
            clear(&tree, &name, usize::MAX)?;
        }
        Ok(SledFacts { tree })
    }

    /// Drops every projection tree except `keep`'s (stale ones from an older profile or
    /// extractor). Returns the fingerprints dropped.
    pub fn drop_other_projections(&self, keep: &str) -> Result<Vec<String>, StoreError> {
        self.drop_others(keep, usize::MAX)
    }

    // `drop_other_projections`, stopping after `batches` batches of removals as a crash would
    // (tests cut it short).
    fn drop_others(&self, keep: &str, batches: usize) -> Result<Vec<String>, StoreError> {
        let mut dropped = Vec::new();
        for name in self.db().tree_names() {
            let name = String::from_utf8_lossy(&name).into_owned();
            if let Some(fp) = name.strip_prefix(PREFIX)
                && fp != keep
            {
                // Emptied first: sled's drop_tree reads every page of the tree into memory at
                // once (a stale projection of a million events is 16 GiB). Marked first: "stale"
                // is only this binary's view, and a binary of the other version (a downgrade, or
                // two versions run one after the other on one store) opens that tree as its own;
                // a crash half-way must leave it to be finished emptying, never a checkpoint
                // over half its articles.
                let tree = self
                    .db()
                    .open_tree(&name)
                    .map_err(|e| engine(format!("opening {name}"), e))?;
                mark_resetting(&tree, &name)?;
                if !clear(&tree, &name, batches)? {
                    return Ok(dropped);
                }
                drop(tree);
                self.db()
                    .drop_tree(name.as_bytes())
                    .map_err(|e| engine(format!("dropping {name}"), e))?;
                dropped.push(fp.to_string());
            }
        }
        Ok(dropped)
    }

    /// Empties the projection tree for `fingerprint`, so the next catch-up rebuilds it. A few
    /// thousand keys at a time (sled's drop_tree reads every page of a tree into memory at once),
    /// behind a marker: a crash half-way leaves a tree that `facts` finishes emptying before it is
    /// read, never a partial projection with its checkpoint gone.
    pub fn reset_facts(&self, fingerprint: &str) -> Result<(), StoreError> {
        let name = format!("{PREFIX}{fingerprint}");
        let tree = self
            .db()
            .open_tree(&name)
            .map_err(|e| engine(format!("opening {name}"), e))?;
        mark_resetting(&tree, &name)?;
        clear(&tree, &name, usize::MAX).map(|_| ())
    }
}

impl FactStore for SledFacts {
    fn checkpoint(&self) -> Result<u64, StoreError> {
        match self
            .tree
            .get(CHECKPOINT)
            .map_err(|e| engine("reading projection checkpoint", e))?
        {
            None => Ok(0),
            Some(v) => <[u8; 8]>::try_from(v.as_ref())
                .map(u64::from_be_bytes)
                .map_err(|_| StoreError::Corrupt {
                    seq: 0,
                    reason: format!("projection checkpoint has {} bytes", v.len()),
                }),
        }
    }

    fn get(&self, stream: &str) -> Result<Option<ArticleFacts>, StoreError> {
        let key = [ARTICLE, stream.as_bytes()].concat();
        match self.tree.get(key).map_err(|e| engine("reading projection", e))? {
            None => Ok(None),
            Some(v) => serde_json::from_slice(&v).map(Some).map_err(|e| StoreError::Corrupt {
                seq: 0,
                reason: format!("projection entry {stream}: {e}"),
            }),
        }
    }

    fn commit(&self, articles: &[ArticleFacts], writes: &Writes, checkpoint: u64) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for (k, v) in &writes.changes {
            match v {
                Some(v) => batch.insert(k.as_slice(), v.as_slice()),
                None => batch.remove(k.as_slice()),
            }
        }
        for a in articles {
            let value = serde_json::to_vec(a).expect("invariant: ArticleFacts always serializes");
            batch.insert([ARTICLE, a.stream.as_bytes()].concat(), value);
        }
        batch.insert(CHECKPOINT, &checkpoint.to_be_bytes());
        // One batch on one tree is atomic in sled: the checkpoint never runs ahead of the state,
        // and the kept view state never disagrees with the facts.
        self.tree
            .apply_batch(batch)
            .map_err(|e| engine("writing projection", e))
    }

    fn all(&self) -> Result<Vec<ArticleFacts>, StoreError> {
        self.tree
            .scan_prefix(ARTICLE)
            .map(|item| {
                let (k, v) = item.map_err(|e| engine("scanning projection", e))?;
                serde_json::from_slice(&v).map_err(|e| StoreError::Corrupt {
                    seq: 0,
                    reason: format!("projection entry {}: {e}", String::from_utf8_lossy(&k[ARTICLE.len()..])),
                })
            })
            .collect()
    }
}

impl KeptRead for SledFacts {
    fn kept_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.tree
            .get(key)
            .map(|v| v.map(|v| v.to_vec()))
            .map_err(|e| engine("reading kept view state", e))
    }

    fn kept_scan(
        &self,
        prefix: &[u8],
        lower: Option<&[u8]>,
        upper: Option<&[u8]>,
        reverse: bool,
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        let start = crate::projection::kept::start_of(prefix, lower);
        // The end of the range: `upper` when it lies under the prefix, else the first key after
        // every key with the prefix (none when the prefix is all 0xFF).
        let end = match upper {
            Some(u) if u.starts_with(prefix) => Some(u.to_vec()),
            _ => prefix_end(prefix),
        };
        let iter = match end {
            // An empty range (sled, like BTreeMap, wants start <= end).
            Some(e) if e.as_slice() <= start => return Ok(()),
            Some(e) => self.tree.range(start.to_vec()..e),
            None => self.tree.range(start.to_vec()..),
        };
        let mut step = |item: Result<(sled::IVec, sled::IVec), sled::Error>| -> Result<bool, StoreError> {
            let (k, v) = item.map_err(|e| engine("scanning kept view state", e))?;
            Ok(visit(&k, &v))
        };
        if reverse {
            for item in iter.rev() {
                if !step(item)? {
                    break;
                }
            }
        } else {
            for item in iter {
                if !step(item)? {
                    break;
                }
            }
        }
        Ok(())
    }
}

impl crate::projection::Projections for SledStore {
    type Facts = SledFacts;

    fn open_projection(&self, fingerprint: &str) -> Result<SledFacts, StoreError> {
        self.facts(fingerprint)
    }

    fn reset_projection(&self, fingerprint: &str) -> Result<(), StoreError> {
        self.reset_facts(fingerprint)
    }

    fn drop_projections_except(&self, keep: &str) -> Result<Vec<String>, StoreError> {
        self.drop_other_projections(keep)
    }
}

// The first key after every key starting with `prefix`.
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

// Removes every key of `tree`, a batch at a time, the marker last.
// Marks a projection tree as being emptied (durably, before the first key goes): `facts`
// finishes emptying a marked tree before anyone reads it.
fn mark_resetting(tree: &sled::Tree, name: &str) -> Result<(), StoreError> {
    tree.insert(RESETTING, &b"1"[..])
        .and_then(|_| tree.flush())
        .map(|_| ())
        .map_err(|e| engine(format!("marking {name} for a reset"), e))
}

// Removes every key of a marked tree, `CLEAR_BATCH` at a time, then the marker; stops after
// `batches` batches (tests), returning whether it finished.
fn clear(tree: &sled::Tree, name: &str, batches: usize) -> Result<bool, StoreError> {
    for _ in 0..batches {
        let keys: Vec<sled::IVec> = tree
            .iter()
            .keys()
            .filter(|k| k.as_ref().map_or(true, |k| k.as_ref() != RESETTING))
            .take(CLEAR_BATCH)
            .collect::<Result<_, _>>()
            .map_err(|e| engine(format!("reading {name}"), e))?;
        if keys.is_empty() {
            tree.remove(RESETTING)
                .and_then(|_| tree.flush())
                .map_err(|e| engine(format!("emptying {name}"), e))?;
            return Ok(true);
        }
        let mut batch = sled::Batch::default();
        for k in keys {
            batch.remove(k);
        }
        tree.apply_batch(batch)
            .map_err(|e| engine(format!("emptying {name}"), e))?;
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projection::FactStore;

    #[test]
    fn a_drop_cut_short_leaves_the_tree_to_be_emptied_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(&dir.path().join("store"), crate::units::ByteSize::mib(8)).unwrap();
        let tree = store.db().open_tree(format!("{PREFIX}old")).unwrap();
        // More articles than one batch removes, and a checkpoint (which sorts after them).
        for i in 0..CLEAR_BATCH + 10 {
            tree.insert(format!("a/{i:06}"), &b"{}"[..]).unwrap();
        }
        tree.insert(CHECKPOINT, &42u64.to_be_bytes()).unwrap();
        drop(tree);
        // A binary of another version drops "old" as stale and is stopped after one batch.
        assert!(store.drop_others("new", 1).unwrap().is_empty());
        // A binary of the old version then opens it: an empty projection to rebuild, not a
        // checkpoint over part of its articles.
        let facts = store.facts("old").unwrap();
        assert_eq!(facts.checkpoint().unwrap(), 0);
        assert!(facts.tree.is_empty());
        // Finished, the drop leaves no tree behind.
        drop(facts);
        assert_eq!(store.drop_other_projections("new").unwrap(), vec!["old".to_string()]);
        assert!(
            !store
                .db()
                .tree_names()
                .iter()
                .any(|n| n.as_ref() == format!("{PREFIX}old").as_bytes())
        );
    }
}
