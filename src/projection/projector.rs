//! Catching a projection up with the log: read the events after its checkpoint, fold each into
//! its article's state and the changed articles into the kept view state, and commit a page of
//! articles and view state together with the new checkpoint.
//!
//! The only I/O is through `EventLog` and `FactStore`; the fold itself is `projection::apply`,
//! split so that each page's extraction runs on every core and the fold stays in seq order.
//! Safe to interrupt anywhere: a page is committed atomically, and re-reading a page after a
//! crash applies nothing twice.

use std::collections::BTreeMap;

use super::kept::{Overlay, Writes};
use super::{
    Analysed, ArticleFacts, FactStore, Projections, analyse, casualties, ceasefire, control, fingerprint, fold_in,
    mentions,
};
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
        handles.into_iter().flat_map(joined).collect()
    })
}

/// Applies every event after `facts`' checkpoint. Calls `progress(applied_so_far, head)` after
/// each committed page, and stops there when it returns false (the daemon shutting down: the
/// state stays at that page's checkpoint, as after a crash). Returns how many events were
/// applied.
///
/// Three pages are in flight: while one page is extracted (on every core), the page before it
/// is committed and the page after it is read and decoded. Only the fold runs alone, in seq
/// order, after the previous commit has landed, since it reads the articles that commit writes.
pub fn catch_up(
    projector: &Projector,
    log: &dyn EventLog,
    facts: &dyn FactStore,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<u64, StoreError> {
    catch_up_paged(projector, log, facts, PAGE, progress)
}

/// Drops the projections of other fingerprints, then brings the projection of `projector` up to
/// date with the log (from scratch when `rebuild`): the one catch-up the daemon, the CLI and the
/// benchmark all run. Calls `progress` (and stops) as `catch_up` does; returns the events applied.
pub fn refresh<S: Projections>(
    store: &S,
    projector: &Projector,
    rebuild: bool,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<u64, StoreError> {
    // Other fingerprints go first: no one reads them any more, and sled never shrinks its page
    // table, which it holds in memory; a new projection built beside the old one before the old
    // was dropped left both projections' worth of page entries (452 MiB resident at 1M events
    // after one profile change instead of 181), where built after the drop it reuses the
    // freed pages.
    store.drop_projections_except(projector.fingerprint())?;
    if rebuild {
        store.reset_projection(projector.fingerprint())?;
    }
    let facts = store.open_projection(projector.fingerprint())?;
    catch_up(projector, store, &facts, progress)
}

/// `catch_up` with pages of `page` events (tests move the page boundaries).
pub fn catch_up_paged(
    projector: &Projector,
    log: &dyn EventLog,
    facts: &dyn FactStore,
    page_size: usize,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<u64, StoreError> {
    let page_size = page_size.max(1);
    let head = log.head()?;
    let start = facts.checkpoint()?;
    let mut checkpoint = start;
    let mut pending: Option<(Changes, u64)> = None;
    let mut page = if start < head {
        log.read_after(start, page_size)?
    } else {
        Vec::new()
    };
    while let Some(last) = page.last() {
        let last_seq = last.header.seq;
        let (analysed, committed, next) = std::thread::scope(|scope| {
            let commit = pending.take().map(|(changes, seq)| {
                scope.spawn(move || commit(facts, &projector.lex.profile, changes, seq).map(|()| seq))
            });
            let next = (last_seq < head).then(|| scope.spawn(move || log.read_after(last_seq, page_size)));
            let analysed = analyse_page(&page, &projector.lex);
            (analysed, commit.map(joined).transpose(), next.map(joined).transpose())
        });
        if let Some(seq) = committed?
            && !progress(seq - start, head - start)
        {
            // Asked to stop: the page just extracted is dropped before it is folded; the state
            // stays at the checkpoint just committed.
            return Ok(seq - start);
        }
        let mut changed: BTreeMap<String, ArticleFacts> = BTreeMap::new();
        let mut before: BTreeMap<String, Option<ArticleFacts>> = BTreeMap::new();
        for (event, a) in page.iter().zip(analysed) {
            let stream = &event.header.stream;
            let state = match changed.remove(stream) {
                Some(s) => Some(s),
                None => {
                    let s = facts.get(stream)?;
                    before.insert(stream.clone(), s.clone());
                    s
                }
            };
            changed.insert(stream.clone(), fold_in(state, event, a));
        }
        pending = Some(((before, changed), last_seq));
        checkpoint = last_seq;
        page = next?.unwrap_or_default();
    }
    if let Some((changes, seq)) = pending {
        commit(facts, &projector.lex.profile, changes, seq)?;
        progress(seq - start, head - start);
    }
    Ok(checkpoint - start)
}

// A page's changed articles: their states before the page, and after it.
type Changes = (BTreeMap<String, Option<ArticleFacts>>, BTreeMap<String, ArticleFacts>);

// Folds a page's changed articles into the kept views and commits both with the checkpoint. Runs
// beside the next page's extraction; it reads the kept state the previous commit left.
fn commit(facts: &dyn FactStore, profile: &Profile, (before, changed): Changes, seq: u64) -> Result<(), StoreError> {
    let writes = fold_views(facts, profile, &before, &changed)?;
    let articles: Vec<ArticleFacts> = changed.into_values().collect();
    facts.commit(&articles, &writes, seq)
}

// The kept view state's changes for a page: each changed article, with its state before the page,
// folded into every kept view (reading the state as the previous page's commit left it).
fn fold_views(
    facts: &dyn FactStore,
    profile: &Profile,
    before: &BTreeMap<String, Option<ArticleFacts>>,
    changed: &BTreeMap<String, ArticleFacts>,
) -> Result<Writes, StoreError> {
    let mut overlay = Overlay::new(facts);
    fold_into(&mut overlay, profile, before, changed)?;
    Ok(overlay.writes)
}

/// Folds changed articles (each with its state before) into every kept view, through `overlay`.
pub(crate) fn fold_into(
    overlay: &mut Overlay<'_>,
    profile: &Profile,
    before: &BTreeMap<String, Option<ArticleFacts>>,
    changed: &BTreeMap<String, ArticleFacts>,
) -> Result<(), StoreError> {
    let changes: Vec<(Option<&ArticleFacts>, &ArticleFacts)> = changed
        .iter()
        .map(|(stream, after)| (before.get(stream).and_then(Option::as_ref), after))
        .collect();
    casualties::kept::fold_page(overlay, &changes)?;
    mentions::kept::fold_page(overlay, &changes)?;
    control::kept::fold_page(overlay, &changes, profile)?;
    ceasefire::kept::fold_page(overlay, &changes)?;
    super::export::kept::fold_page(overlay, &changes);
    Ok(())
}

// A panic on a helper thread (extraction, a commit, a read) is a bug; it surfaces here as it
// would have on one thread.
fn joined<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
}
