//! Projections: the state of the conflict derived from the log, a pure function of (log,
//! profile, extractor version).
//!
//! One projection is persisted: the facts of every article revision, with provenance, and a
//! checkpoint (the last seq applied) written in the same atomic batch (`FactStore`). The views
//! (`casualties`, `ceasefire`, `control`, `timeline`, `mentions`) are folds over those facts,
//! computed when asked, for any as-of date or sequence number — so "as it stood on DATE" and "as
//! frontline knew it at seq N" are exact by construction. Nothing here does I/O except through
//! the `FactStore` and `EventLog` traits.

pub mod articles;
pub mod audit;
pub mod casualties;
pub mod ceasefire;
pub mod control;
pub mod copies;
pub mod export;
pub mod kept;
pub mod mentions;
pub mod projector;
pub mod timeline;
pub mod views;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::event::StoredEvent;
use crate::extract::{self, EXTRACTOR_VERSION, Extraction, Lexicon, Scope};
use crate::profile::Profile;
use crate::store::StoreError;

pub use projector::{Projector, catch_up, catch_up_paged, refresh};

/// Bumped whenever the persisted projection's shape or the fold changes.
pub const PROJECTION_VERSION: u32 = 14;

/// Identifies a projection's inputs: the same fingerprint means the same state for the same log.
/// A new profile or extractor gives a new fingerprint, hence a rebuild.
pub fn fingerprint(profile: &Profile) -> String {
    let input = format!(
        "projection-v{PROJECTION_VERSION}|extractor-v{EXTRACTOR_VERSION}|profile-{}",
        profile.hash()
    );
    blake3::hash(input.as_bytes()).to_hex()[..16].to_string()
}

/// Where a revision's date comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatedBy {
    /// The feed's publication date.
    Published,
    /// The feed gave only an update date.
    Updated,
    /// The feed gave no date: when frontline recorded it.
    Recorded,
}

/// The facts of one version of an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    /// The event that recorded this version.
    pub seq: u64,
    /// Its date, for as-of queries.
    pub published: DateTime<Utc>,
    /// Where `published` came from.
    pub dated_by: DatedBy,
    /// What the extractor found in `title + "\n\n" + text` (spans index into that).
    pub facts: Extraction,
}

/// Everything the projection keeps about one article: what it is, and the facts of each of its
/// versions, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleFacts {
    /// The article's stream (`feed/key`).
    pub stream: String,
    /// Feed id.
    pub feed: String,
    /// Link, if any.
    pub url: Option<String>,
    /// Title of the latest version.
    pub title: Option<String>,
    /// MinHash signature of the latest version's text (`copies`), none for a short text.
    #[serde(default)]
    pub signature: Option<Vec<u32>>,
    /// Versions, in seq order.
    pub revisions: Vec<Revision>,
}

/// The text the extractor reads for an article: title, blank line, text.
pub fn article_text(title: Option<&str>, text: &str) -> String {
    match title {
        Some(t) if !t.trim().is_empty() => format!("{}\n\n{text}", t.trim()),
        _ => text.to_string(),
    }
}

/// What one event contributes to its article, computed without the article's state: the
/// expensive part of a fold (extraction), so pages of events can be analysed in parallel.
#[derive(Debug, Clone)]
pub struct Analysed {
    /// The version's facts.
    pub revision: Revision,
    /// The text's signature, for `copies`.
    pub signature: Option<Vec<u32>>,
}

/// Extracts the facts of `event`'s article version. Pure.
pub fn analyse(event: &StoredEvent, lex: &Lexicon) -> Analysed {
    let a = &event.payload.article;
    let (published, dated_by) = match (a.published_at, a.updated_at) {
        (Some(p), _) => (p, DatedBy::Published),
        (None, Some(u)) => (u, DatedBy::Updated),
        (None, None) => (
            DateTime::from_timestamp_micros(event.header.recorded_at_us).unwrap_or(DateTime::UNIX_EPOCH),
            DatedBy::Recorded,
        ),
    };
    let text = article_text(a.title.as_deref(), &a.text);
    let mut facts = extract::extract(&text, published, lex);
    drop_headline_duplicates(&mut facts, a.title.as_deref());
    Analysed {
        revision: Revision {
            seq: event.header.seq,
            published,
            dated_by,
            facts,
        },
        signature: copies::signature(&a.text),
    }
}

/// Folds one event into the article's projected state. Pure: the same event and profile give
/// the same state, which is what makes incremental application equal to a rebuild.
pub fn apply(state: Option<ArticleFacts>, event: &StoredEvent, lex: &Lexicon) -> ArticleFacts {
    fold_in(state, event, analyse(event, lex))
}

/// Folds an analysed event into the article's state (cheap; in seq order per article).
pub fn fold_in(state: Option<ArticleFacts>, event: &StoredEvent, analysed: Analysed) -> ArticleFacts {
    let a = &event.payload.article;
    let revision = analysed.revision;
    let mut state = state.unwrap_or_else(|| ArticleFacts {
        stream: event.header.stream.clone(),
        feed: a.feed.clone(),
        url: a.link.clone(),
        title: a.title.clone(),
        signature: None,
        revisions: Vec::new(),
    });
    state.url = a.link.clone().or(state.url);
    state.title = a.title.clone().or(state.title);
    // The latest version's text stands for the article (a revision seen late changes nothing
    // here: the newest event by seq wins, as for the title).
    if state.revisions.iter().all(|r| r.seq < event.header.seq) {
        state.signature = analysed.signature;
    }
    // Applying the same event twice changes nothing (a resumed catch-up may re-read a page).
    if !state.revisions.iter().any(|r| r.seq == revision.seq) {
        state.revisions.push(revision);
        state.revisions.sort_by_key(|r| r.seq);
    }
    state
}

// A headline usually repeats what the body says, without its source ("Strike kills nine",
// "Truce violated, Armenia says"); keeping both would count one report twice. Headline facts
// that the body also states are dropped.
fn drop_headline_duplicates(facts: &mut Extraction, title: Option<&str>) {
    let Some(title) = title.map(str::trim).filter(|t| !t.is_empty()) else {
        return;
    };
    let in_body = |span: [usize; 2]| span[0] > title.len();
    fn dedupe<T, K: PartialEq>(items: &mut Vec<T>, in_body: impl Fn(&T) -> bool, key: impl Fn(&T) -> K) {
        let body: Vec<K> = items.iter().filter(|x| in_body(x)).map(&key).collect();
        items.retain(|x| in_body(x) || !body.contains(&key(x)));
    }
    dedupe(&mut facts.casualties, |c| in_body(c.span), |c| (c.count, c.outcome));
    dedupe(&mut facts.ceasefire, |c| in_body(c.span), |c| c.status);
    dedupe(
        &mut facts.control,
        |c| in_body(c.span),
        |c| (c.location.clone(), c.change),
    );
    dedupe(&mut facts.claims, |c| in_body(c.span), |c| (c.kind, c.by.clone()));
}

/// Which state to answer for: as it stood on a date (by publication), and/or as frontline knew
/// it at a sequence number (for audit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsOf {
    /// Only articles published on or before this date (UTC).
    pub date: Option<NaiveDate>,
    /// Only what the log held at this seq.
    pub seq: Option<u64>,
}

impl AsOf {
    /// Whether this is an audit (what the log held at a seq): answered by taking the events after
    /// it back out of the kept state (`audit`); a question by date alone is read from it.
    pub fn is_audit(&self) -> bool {
        self.seq.is_some()
    }
}

/// Where a fact was read: the article, its date, the sentence and the span. Ordered by
/// publication, then article (stream), then position in the article (the order the kept state's
/// keys have).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    /// Publication date of the article.
    pub published: DateTime<Utc>,
    /// Feed id.
    pub feed: String,
    /// Article stream.
    pub stream: String,
    /// The event the facts come from.
    pub seq: u64,
    /// Byte span of the sentence in `title + "\n\n" + text`.
    pub span: [usize; 2],
    /// Link.
    pub url: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// The sentence.
    pub sentence: String,
}

impl Ord for Citation {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (
            self.published, &self.stream, self.span, self.seq, &self.feed, &self.url, &self.title, &self.sentence,
        )
            .cmp(&(
                other.published, &other.stream, other.span, other.seq, &other.feed, &other.url, &other.title,
                &other.sentence,
            ))
    }
}

impl PartialOrd for Citation {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// An article's version that counts for `as_of`, with its metadata.
#[derive(Debug, Clone, Copy)]
pub struct Selected<'a> {
    /// The article.
    pub article: &'a ArticleFacts,
    /// The version that counts.
    pub revision: &'a Revision,
}

impl Selected<'_> {
    /// A citation of the sentence at `span` with text `sentence`.
    pub fn cite(&self, sentence: &str, span: [usize; 2]) -> Citation {
        Citation {
            published: self.revision.published,
            feed: self.article.feed.clone(),
            stream: self.article.stream.clone(),
            url: self.article.url.clone(),
            title: self.article.title.clone(),
            seq: self.revision.seq,
            sentence: sentence.to_string(),
            span,
        }
    }
}

/// The relevant article versions that count for `as_of`: for each article the latest version the
/// log held at `as_of.seq`, if it was published by `as_of.date`. Sorted by (publication, stream),
/// never by arrival, so that views do not depend on the order feeds were polled in.
pub fn select<'a>(articles: &'a [ArticleFacts], as_of: &AsOf) -> Vec<Selected<'a>> {
    let mut out: Vec<Selected<'a>> = articles
        .iter()
        .filter_map(|article| {
            let revision = article
                .revisions
                .iter()
                .rev()
                .find(|r| as_of.seq.is_none_or(|n| r.seq <= n))?;
            let day = revision.published.date_naive();
            if as_of.date.is_some_and(|d| day > d) || !revision.facts.relevant {
                return None;
            }
            Some(Selected { article, revision })
        })
        .collect();
    out.sort_by(|a, b| {
        a.revision
            .published
            .cmp(&b.revision.published)
            .then_with(|| a.article.stream.cmp(&b.article.stream))
    });
    out
}

/// Whether `scope` is a running total.
pub fn is_cumulative(scope: Scope) -> bool {
    scope == Scope::Cumulative
}

/// The persisted projection. `commit` writes the changed articles, the kept view state's changes
/// and the checkpoint atomically.
pub trait FactStore: Send + Sync + kept::KeptRead {
    /// The last seq applied (0 for a new projection).
    fn checkpoint(&self) -> Result<u64, StoreError>;
    /// One article's state.
    fn get(&self, stream: &str) -> Result<Option<ArticleFacts>, StoreError>;
    /// Writes `articles` and the kept state's `writes`, and moves the checkpoint to `checkpoint`,
    /// all or nothing.
    fn commit(&self, articles: &[ArticleFacts], writes: &kept::Writes, checkpoint: u64) -> Result<(), StoreError>;
    /// Every article's state, in stream order.
    fn all(&self) -> Result<Vec<ArticleFacts>, StoreError>;
}

/// Where a store keeps its projections: one `FactStore` per fingerprint, next to its log.
pub trait Projections: crate::store::EventLog {
    /// The persisted projection of a fingerprint.
    type Facts: FactStore;
    /// Opens the projection of `fingerprint`, empty (checkpoint 0) if new.
    fn open_projection(&self, fingerprint: &str) -> Result<Self::Facts, StoreError>;
    /// Empties the projection of `fingerprint`, so that the next catch-up rebuilds it.
    fn reset_projection(&self, fingerprint: &str) -> Result<(), StoreError>;
    /// Drops every projection but `keep`'s; returns the fingerprints dropped.
    fn drop_projections_except(&self, keep: &str) -> Result<Vec<String>, StoreError>;
}

#[cfg(test)]
mod tests;
