//! The event log: the `EventLog` trait (the seam for a shared log engine later), its error
//! type, and the batch an ingest poll records. `sled` implements it; `writer` serialises all
//! appends behind one thread; `verify` scans a store for damage.
//!
//! Only `store/sled.rs` touches sled. Nothing here fetches, parses or matches.

pub mod facts;
pub mod feeds;
pub mod sled;
pub mod unmatched;
pub mod verify;
pub mod writer;

use std::path::PathBuf;

use uuid::Uuid;

use crate::article::Article;
use crate::event::{EventType, Source, StoredEvent};

pub use self::sled::SledStore;
pub use facts::SledFacts;
pub use verify::{Problem, VerifyReport};
pub use writer::{AppendHandle, Appender};

/// Articles from one poll of one feed, recorded together: all or none.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The feed they came from.
    pub source: Source,
    /// Shared by every event this batch appends.
    pub correlation_id: Uuid,
    /// The matching articles, in feed order.
    pub articles: Vec<Article>,
}

/// One event a batch appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Its seq.
    pub seq: u64,
    /// Observed or revised.
    pub event_type: EventType,
    /// Its id.
    pub event_id: Uuid,
}

/// What recording a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordOutcome {
    /// Events appended, in seq order.
    pub recorded: Vec<Recorded>,
    /// Articles that added nothing (same content seen before, or a retried append).
    pub unchanged: usize,
}

impl RecordOutcome {
    /// How many `ArticleObserved` events were appended.
    pub fn observed(&self) -> usize {
        self.recorded
            .iter()
            .filter(|r| r.event_type == EventType::ArticleObserved)
            .count()
    }

    /// How many `ArticleRevised` events were appended.
    pub fn revised(&self) -> usize {
        self.recorded
            .iter()
            .filter(|r| r.event_type == EventType::ArticleRevised)
            .count()
    }
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the store (sled allows one). The CLI turns this into "the daemon
    /// is running".
    #[error("store {} is locked by another process{}", path.display(), holder.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Locked {
        /// The store directory.
        path: PathBuf,
        /// The pid recorded by the holder, if readable.
        holder: Option<u32>,
    },
    /// There is no store at the path (read-only commands never create one).
    #[error("no store at {}", path.display())]
    Missing {
        /// The store directory.
        path: PathBuf,
    },
    /// The store was written by an incompatible frontline.
    #[error("store {} has format {found:?}; this build reads {expected:?}", path.display())]
    Format {
        /// The store directory.
        path: PathBuf,
        /// Found.
        found: String,
        /// Expected.
        expected: &'static str,
    },
    /// A stored event or index entry is damaged; `verify` says more.
    #[error("event {seq}: {reason}")]
    Corrupt {
        /// The seq (or 0 when the damage is not in an event).
        seq: u64,
        /// What is wrong.
        reason: String,
    },
    /// A file-system error.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
    /// sled reported an error.
    #[error("{context}: {message}")]
    Engine {
        /// What was being done.
        context: String,
        /// sled's message.
        message: String,
    },
    /// The writer thread is gone (it stopped after a failure, or the daemon is shutting down).
    #[error("the store writer has stopped{}", .0.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
    WriterStopped(Option<String>),
}

/// An append-only, gapless, deduplicating log of article events.
///
/// Implementations must make `record` atomic (every event of the batch and every index entry,
/// or none) and assign seqs 1, 2, 3, ... without gaps; callers guarantee a single writer.
pub trait EventLog: Send + Sync + 'static {
    /// Appends the events `batch` implies (observations, revisions; nothing for unchanged
    /// articles) at `recorded_at_us`. Not durable until `sync` returns.
    fn record(&self, batch: &Batch, recorded_at_us: i64) -> Result<RecordOutcome, StoreError>;

    /// Makes everything recorded so far durable (survives a crash or power loss).
    fn sync(&self) -> Result<(), StoreError>;

    /// The seq of the last event, 0 when the log is empty.
    fn head(&self) -> Result<u64, StoreError>;

    /// Up to `limit` events with seq > `after`, in seq order, payloads upcast.
    fn read_after(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError>;
}
