//! Catching a projection up with the log: read the events after its checkpoint, fold each into
//! its article's state, and commit a page of articles together with the new checkpoint.
//!
//! The only I/O is through `EventLog` and `FactStore`; the fold itself is `projection::apply`.
//! Safe to interrupt anywhere: a page is committed atomically, and re-reading a page after a
//! crash applies nothing twice.

use std::collections::BTreeMap;

use super::{ArticleFacts, FactStore, apply, fingerprint};
use crate::extract::Lexicon;
use crate::matcher::MatcherError;
use crate::profile::Profile;
use crate::store::{EventLog, StoreError};

/// Events folded and committed together.
pub const PAGE: usize = 256;

/// The profile compiled for projection, with the fingerprint of its inputs.
#[derive(Debug)]
pub struct Projector {
    lex: Lexicon,
    fingerprint: String,
}

impl Projector {
    /// Compiles `profile`.
    pub fn new(profile: &Profile) -> Result<Projector, MatcherError> {
        Ok(Projector {
            lex: Lexicon::new(profile)?,
            fingerprint: fingerprint(profile),
        })
    }

    /// Identifies this projection's inputs (profile, extractor version, projection version).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The compiled profile.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lex
    }
}

/// Applies every event after `facts`' checkpoint. Calls `progress(applied_so_far, head)` after
/// each committed page. Returns how many events were applied.
pub fn catch_up(
    projector: &Projector,
    log: &dyn EventLog,
    facts: &dyn FactStore,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<u64, StoreError> {
    let head = log.head()?;
    let mut checkpoint = facts.checkpoint()?;
    let start = checkpoint;
    while checkpoint < head {
        let page = log.read_after(checkpoint, PAGE)?;
        let Some(last) = page.last() else { break };
        let last_seq = last.header.seq;
        let mut changed: BTreeMap<String, ArticleFacts> = BTreeMap::new();
        for event in &page {
            let stream = &event.header.stream;
            let state = match changed.remove(stream) {
                Some(s) => Some(s),
                None => facts.get(stream)?,
            };
            changed.insert(stream.clone(), apply(state, event, &projector.lex));
        }
        let articles: Vec<ArticleFacts> = changed.into_values().collect();
        facts.commit(&articles, last_seq)?;
        checkpoint = last_seq;
        progress(checkpoint - start, head - start);
    }
    Ok(checkpoint - start)
}
