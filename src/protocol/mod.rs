//! What the daemon and its clients both speak, in one place (as pueue's shared protocol crate):
//! the daemon's status, the feeds view, how an event is shown, and (re-exported from the
//! projection) the views' answers and the pages of citations. The API serves these shapes and the
//! CLI reads and prints them; neither depends on the other, nor the API on the daemon's insides.
//!
//! Types and pure builders only: no I/O.

pub mod events;
pub mod feeds;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::feed::state::FeedState;
pub use crate::projection::casualties::kept::CitationPage;
pub use crate::projection::ceasefire::kept::ReportPage;
pub use crate::projection::mentions::kept::ClaimPage;
pub use crate::projection::views::{Answer, View};

/// What the daemon is doing, updated after every poll. The API will serve it; tests wait on it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DaemonStatus {
    /// When the daemon started.
    pub started_at: Option<DateTime<Utc>>,
    /// True once the store is open and every feed task is running.
    pub ready: bool,
    /// Seq of the last event in the log.
    pub last_seq: u64,
    /// When the last event was appended (before this start too: read from the log).
    pub last_append: Option<DateTime<Utc>>,
    /// Polls finished (successful or not), all feeds together.
    pub polls: u64,
    /// Per feed id.
    pub feeds: BTreeMap<String, FeedState>,
    /// Fingerprint of the projection (profile, extractor and projection versions).
    pub projection: String,
    /// The last seq the projection has applied.
    pub projection_checkpoint: u64,
    /// A rebuild from scratch is running (the checkpoint counts up from 0).
    pub rebuilding: bool,
    /// Rebuilds from scratch requested through the API and finished since start, failed ones
    /// included.
    pub rebuilds: u64,
    /// Files imported through the API (`frontline import`) since start.
    pub imports: u64,
    /// Why the last projection update failed; none once one succeeds.
    pub projection_error: Option<String>,
}

/// `/v1/status`: the daemon's status and how long it has run.
#[derive(Debug, Serialize, Deserialize)]
pub struct StatusBody {
    /// What the daemon publishes after every poll.
    #[serde(flatten)]
    pub status: DaemonStatus,
    /// Seconds since start.
    pub uptime_secs: i64,
}

/// What `POST /v1/rebuild` answers.
#[derive(Debug, Serialize, Deserialize)]
pub struct RebuildStarted {
    /// Events in the log when it was asked for: the checkpoint to wait for.
    pub events: u64,
    /// `rebuilds` in the status before this one: it is done when the status shows more.
    pub rebuilds_before: u64,
}
