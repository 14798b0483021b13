//! Catching a projection up with the log: read the events after its checkpoint, fold each into
//! its article's state, and commit a page of articles together with the new checkpoint.
//!
//! The only I/O is through `EventLog` and `FactStore`; the fold itself is `projection::apply`,
//! split so that each page's extraction runs on every core and the fold stays in seq order.
//! Safe to interrupt anywhere: a page is committed atomically, and re-reading a page after a
//! crash applies nothing twice.

use std::collections::BTreeMap;

use super::{Analysed, ArticleFacts, FactStore, analyse, fingerprint, fold_in};
use crate::event::StoredEvent;
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

// Extraction, the expensive part, runs on every core: events are independent until the fold,
// which stays sequential and in seq order, so the result is the same as one thread's.
fn analyse_page(page: &[StoredEvent], lex: &Lexicon) -> Vec<Analysed> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads < 2 || page.len() < 32 {
        return page.iter().map(|e| analyse(e, lex)).collect();
    }
    let chunk = page.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = page
            .chunks(chunk)
            .map(|events| scope.spawn(move || events.iter().map(|e| analyse(e, lex)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            // A panic in extraction is a bug; it surfaces here as it would on one thread.
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
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
        let analysed = analyse_page(&page, &projector.lex);
        for (event, a) in page.iter().zip(analysed) {
            let stream = &event.header.stream;
            let state = match changed.remove(stream) {
                Some(s) => Some(s),
                None => facts.get(stream)?,
            };
            changed.insert(stream.clone(), fold_in(state, event, a));
        }
        let articles: Vec<ArticleFacts> = changed.into_values().collect();
        facts.commit(&articles, last_seq)?;
        checkpoint = last_seq;
        progress(checkpoint - start, head - start);
    }
    Ok(checkpoint - start)
}
