//! Questions by sequence number ("as frontline knew it when the log ended at event N"), answered
//! from the kept state with the events after N taken back out: each article those events touched
//! is folded from its state now back to the versions it had at N, into an overlay of the kept
//! state that is read and dropped, never written. What it costs grows with the events after N,
//! not with the log: an audit of last week reads last week.
//!
//! Reads the log and the projection; writes nothing.

use std::collections::{BTreeMap, BTreeSet};

use super::kept::Overlay;
use super::projector::fold_into;
use super::timeline::Window;
use super::views::{Answer, View};
use super::{ArticleFacts, AsOf, FactStore};
use crate::profile::Profile;
use crate::store::{EventLog, StoreError};

// Events read from the log at a time while collecting what changed after N.
const PAGE: usize = 1024;

/// `view`'s answer as of `at` (its `seq` given: the log as it ended there, and its `date` if
/// given) from the kept state in `facts` and the events after `at.seq` in `log`.
pub fn answer(
    log: &dyn EventLog,
    facts: &dyn FactStore,
    profile: &Profile,
    view: View,
    at: AsOf,
    window: Window,
) -> Result<Answer, StoreError> {
    let checkpoint = facts.checkpoint()?;
    let seq = at.seq.unwrap_or(checkpoint);
    // The articles the events after `seq` (up to what the projection holds) touched.
    let mut streams: BTreeSet<String> = BTreeSet::new();
    let mut cursor = seq;
    while cursor < checkpoint {
        let page = log.read_after(cursor, PAGE)?;
        let Some(last) = page.last() else { break };
        cursor = last.header.seq;
        streams.extend(
            page.into_iter()
                .filter(|e| e.header.seq <= checkpoint)
                .map(|e| e.header.stream),
        );
    }
    let mut before: BTreeMap<String, Option<ArticleFacts>> = BTreeMap::new();
    let mut then: BTreeMap<String, ArticleFacts> = BTreeMap::new();
    for stream in streams {
        let Some(now) = facts.get(&stream)? else { continue };
        let mut at_seq = now.clone();
        at_seq.revisions.retain(|r| r.seq <= seq);
        before.insert(stream.clone(), Some(now));
        then.insert(stream, at_seq);
    }
    let mut overlay = Overlay::new(facts);
    fold_into(&mut overlay, profile, &before, &then)?;
    view.from_kept(&overlay, profile, at, window)
}
