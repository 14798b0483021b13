//! One poll of one feed: fetch → parse → match → record (durable) → report.
//!
//! `poll_feed` is the unit the daemon schedules and the tests call directly; it is two stages,
//! `Fetcher::fetch` (cancellable) and `ingest_document` (runs to completion once it starts
//! appending). Nothing here sleeps or decides when to poll (that is `daemon`), and a failure
//! stays in its result: nothing here can stop other feeds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::config::FeedConfig;
use crate::event::Source;
use crate::feed::identity::Memory;
use crate::feed::{self, FetchError, Fetched, Fetcher, ParseError};
use crate::matcher::Matcher;
use crate::store::{AppendHandle, Batch, StoreError};

/// What a successful poll did.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PollReport {
    /// HTTP status (200 for files).
    pub status: u16,
    /// Entries in the document.
    pub entries: usize,
    /// Entries the profile's topic rules kept.
    pub matched: usize,
    /// `ArticleObserved` events appended.
    pub new: usize,
    /// `ArticleRevised` events appended.
    pub revised: usize,
    /// Matching entries that added nothing (seen before with the same content).
    pub unchanged: usize,
    /// Seq of the last event appended, if any.
    pub last_seq: Option<u64>,
    /// Bytes of the document.
    pub bytes: usize,
    /// What the document said about how often to poll it (`ttl`, `skipHours`, ...).
    #[serde(skip)]
    pub hints: crate::feed::schedule::Hints,
    /// The feed's identity memory after this document.
    #[serde(skip)]
    pub identity: crate::feed::identity::Memory,
    /// Entries the topic rules did not keep (for the bounded unmatched record).
    #[serde(skip)]
    pub unmatched: Vec<crate::article::Article>,
    /// Why this document switched the feed to link identity, if it did.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub identity_switch: Option<String>,
}

/// Why a poll failed; the daemon logs it and polls again at the next interval.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// Fetching failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The document could not be parsed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Recording failed; nothing from this poll was acknowledged.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The poll itself panicked (a bug); the feed is polled again at its next interval.
    #[error("poll panicked: {0}")]
    Panicked(String),
}

impl PollError {
    /// The HTTP status, if the server answered with an error status.
    pub fn status(&self) -> Option<u16> {
        match self {
            PollError::Fetch(e) => e.status(),
            _ => None,
        }
    }

    /// `Retry-After`, if the server sent one.
    pub fn retry_after(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        match self {
            PollError::Fetch(e) => e.retry_after(),
            _ => None,
        }
    }

    /// A short stable name for the class, for logs and metrics.
    pub fn class(&self) -> &'static str {
        match self {
            PollError::Fetch(e) => e.class(),
            PollError::Parse(ParseError::NotAFeed) => "not_a_feed",
            PollError::Parse(_) => "parse",
            PollError::Store(_) => "store",
            PollError::Panicked(_) => "panic",
        }
    }
}

/// Polls `feed` once: fetches it and ingests the document. Returns after everything it
/// appended is durable.
pub async fn poll_feed(
    feed: &FeedConfig,
    fetcher: &Fetcher,
    matcher: &Arc<Matcher>,
    appender: &AppendHandle,
) -> Result<PollReport, PollError> {
    let fetched = fetcher.fetch(feed, &Default::default()).await?;
    ingest_document(feed, fetched, matcher, appender, Memory::default()).await
}

/// Parses a fetched document off the async runtime, keys its articles by the feed's identity
/// (`identity`, switched to links if the guids repeat or churn), keeps the entries `matcher`
/// accepts, and records them through `appender` as one batch, returning after it is durable.
pub async fn ingest_document(
    feed: &FeedConfig,
    fetched: Fetched,
    matcher: &Arc<Matcher>,
    appender: &AppendHandle,
    mut identity: Memory,
) -> Result<PollReport, PollError> {
    let status = fetched.status;
    let bytes = fetched.body.len();
    let feed_id = feed.id.clone();
    let m = Arc::clone(matcher);
    // Parsing and matching are CPU work on untrusted input: keep them off the runtime threads,
    // and stop waiting after the feed's deadline (a parser stuck on a hostile document then
    // holds one blocking thread, not this feed's task).
    let max_entries = feed.max_entries;
    let work = tokio::task::spawn_blocking(move || {
        let parsed = feed::parse_document(
            &feed_id,
            &fetched.body,
            Some(&fetched.final_url),
            fetched.charset.as_deref(),
        )?;
        let entries = parsed.entries;
        // Entries past the cap are ignored: a document of a million items is a mistake or an
        // attack, and the first ones are the newest in every real feed.
        let mut articles = parsed.articles;
        articles.truncate(max_entries);
        let switch = identity.apply(&mut articles, chrono::Utc::now());
        let (kept, unmatched): (Vec<_>, Vec<_>) = articles.into_iter().partition(|a| !m.matches(a).is_empty());
        Ok::<_, ParseError>((entries, kept, unmatched, parsed.hints, identity, switch))
    });
    let (entries, articles, unmatched, hints, identity, identity_switch) =
        match tokio::time::timeout(feed.timeout, work).await {
            Ok(Ok(result)) => result?,
            // parse() contains feed-rs panics itself; this only fires for a panic elsewhere.
            Ok(Err(join)) => return Err(ParseError::Panicked(join.to_string()).into()),
            Err(_) => return Err(ParseError::TimedOut(feed.timeout).into()),
        };

    let matched = articles.len();
    let outcome = if articles.is_empty() {
        Default::default()
    } else {
        appender
            .record(Batch {
                source: Source {
                    feed: feed.id.clone(),
                    url: feed.url.to_string(),
                },
                correlation_id: Uuid::new_v4(),
                articles,
            })
            .await?
    };
    Ok(PollReport {
        status,
        entries,
        matched,
        new: outcome.observed(),
        revised: outcome.revised(),
        unchanged: outcome.unchanged,
        last_seq: outcome.recorded.last().map(|r| r.seq),
        bytes,
        hints,
        identity,
        unmatched,
        identity_switch,
    })
}

/// Milliseconds of `d`, for log fields.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Time since `start` in milliseconds.
pub fn elapsed_ms(start: Instant) -> u64 {
    millis(start.elapsed())
}
