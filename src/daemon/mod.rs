//! The daemon: opens the store, starts the single writer, polls every feed on its interval,
//! publishes its status, and shuts down cleanly (every acknowledged append on disk).
//!
//! Orchestration only: the work of a poll is `ingest`, the bytes are `store`. No feed's
//! failure leaves that feed's task; only a dead store writer stops the daemon.

pub mod feeds;
mod projections;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, Semaphore, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, warn};

use crate::config::{Config, FeedConfig};
use crate::feed::Fetcher;
use crate::ingest::{self, PollError, PollReport, elapsed_ms};
use crate::matcher::Matcher;
use crate::profile::Profile;
use crate::projection::Projector;
use crate::store::{AppendHandle, Appender, EventLog, SledStore};

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
    pub feeds: BTreeMap<String, FeedStatus>,
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

/// One feed's recent history.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FeedStatus {
    /// Polls finished.
    pub polls: u64,
    /// Polls that failed.
    pub failures: u64,
    /// Failures in a row, up to the last poll.
    pub consecutive_failures: u64,
    /// End of the last successful poll.
    pub last_success: Option<DateTime<Utc>>,
    /// The last error, with its class.
    pub last_error: Option<String>,
    /// Bytes fetched (after decompression) by successful polls.
    pub bytes: u64,
    /// Entries parsed.
    pub entries: u64,
    /// Entries the topic rules kept.
    pub matched: u64,
    /// Its class (`dns`, `timeout`, `http_5xx`, `parse`, ...), for grouping and alerts.
    pub last_error_class: Option<String>,
    /// Events this feed appended since start.
    pub appended: u64,
}

/// Runs the daemon until `shutdown` resolves. See [`serve`].
pub async fn run(config: Config, profile: Profile, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let (status, _) = watch::channel(DaemonStatus::default());
    serve(config, profile, shutdown, status).await
}

/// Runs the daemon until `shutdown` resolves, publishing progress on `status`.
///
/// Shutdown order: stop starting polls and cancel fetches in flight; let polls that are
/// already appending finish; wait for every feed task; drain the writer and sync. Returns an
/// error if the store cannot be opened or the writer stopped on a failure.
pub async fn serve(
    config: Config,
    profile: Profile,
    shutdown: impl Future<Output = ()>,
    status: watch::Sender<DaemonStatus>,
) -> anyhow::Result<()> {
    let matcher = Arc::new(
        Matcher::new(&profile.topics).with_context(|| format!("compiling profile {}", profile.source.display()))?,
    );
    let store = Arc::new(SledStore::open(&config.store.path, config.store.cache).context("opening the event log")?);
    let head = store.head().context("reading the event log")?;
    // Only for the status: a last event that cannot be read is `verify`'s business, not a reason
    // to refuse to start.
    let last_append = store
        .read_after(head.saturating_sub(1), 1)
        .ok()
        .and_then(|events| events.first().map(|e| e.header.recorded_at_us))
        .and_then(DateTime::from_timestamp_micros);
    let fetcher = Fetcher::new(&config.poll).context("building the HTTP client")?;
    let appender = Appender::start(store.clone() as Arc<dyn EventLog>);
    let handle = appender.handle();
    let projector =
        Arc::new(Projector::new(&profile).with_context(|| format!("compiling profile {}", profile.source.display()))?);
    let dropped = store
        .drop_other_projections(projector.fingerprint())
        .context("dropping stale projections")?;
    if !dropped.is_empty() {
        info!(fingerprint = %projector.fingerprint(), dropped = ?dropped, "profile or extractor changed; the projections will be rebuilt");
    }
    let wake = Arc::new(Notify::new());
    // The API socket is bound before anything starts, so a second daemon on the same socket
    // stops here with a clear error.
    if let Some(dir) = config.socket.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let listener = crate::api::bind(&config.socket)
        .with_context(|| format!("binding the API socket {}", config.socket.display()))?;
    let tcp = match config.listen {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding the API address {addr} ([api] listen)"))?,
        ),
        None => None,
    };

    let token = CancellationToken::new();
    let tracker = TaskTracker::new();
    let permits = Arc::new(Semaphore::new(config.poll.concurrency));
    let ctx = Arc::new(FeedContext {
        fetcher,
        matcher: Arc::clone(&matcher),
        appender: handle.clone(),
        permits,
        token: token.clone(),
        status: status.clone(),
        wake: Arc::clone(&wake),
    });
    status.send_modify(|s| {
        s.started_at = Some(Utc::now());
        s.last_seq = head;
        s.last_append = last_append;
        s.projection = projector.fingerprint().to_string();
        s.feeds = config
            .feeds
            .iter()
            .map(|f| (f.id.clone(), FeedStatus::default()))
            .collect();
    });
    for feed in &config.feeds {
        tracker.spawn(feed_loop(feed.clone(), Arc::clone(&ctx)));
    }
    let rebuild = Arc::new(std::sync::atomic::AtomicBool::new(false));
    tracker.spawn(projections::run(
        Arc::clone(&store),
        Arc::clone(&projector),
        Arc::clone(&wake),
        Arc::clone(&rebuild),
        token.clone(),
        status.clone(),
    ));
    let api = crate::api::router(crate::api::ApiState {
        store: Arc::clone(&store),
        profile: Arc::new(profile.clone()),
        projector,
        status: status.subscribe(),
        shutdown: token.clone(),
        rebuild,
        wake,
        feeds: Arc::new(config.feeds.clone()),
        import: crate::api::Importer {
            matcher: Arc::clone(&matcher),
            appender: handle.clone(),
            status: status.clone(),
        },
    });
    if let Some(tcp) = tcp {
        tracker.spawn(crate::api::serve_tcp(tcp, api.clone(), token.clone()));
    }
    tracker.spawn(crate::api::serve(listener, config.socket.clone(), api, token.clone()));
    tracker.close();
    drop(ctx);
    status.send_modify(|s| s.ready = true);
    info!(
        store = %config.store.path.display(),
        events = head,
        feeds = config.feeds.len(),
        profile = %profile.id,
        profile_hash = %profile.hash(),
        "daemon started"
    );
    if config.feeds.is_empty() {
        warn!(config = %config.source.display(), "no feeds configured; nothing will be polled");
    }
    // Tell systemd (Type=notify) that start-up is done; a no-op outside systemd.
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Ready]);

    let mut writer_failed = false;
    tokio::select! {
        () = shutdown => info!("shutdown requested; finishing polls in progress"),
        () = handle.closed() => {
            error!("the store writer stopped; shutting down");
            writer_failed = true;
        }
    }
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
    token.cancel();
    tracker.wait().await;
    drop(handle);
    let writer = tokio::task::spawn_blocking(move || appender.shutdown())
        .await
        .context("joining the store writer")?;
    writer.context("the store writer failed")?;
    if writer_failed {
        anyhow::bail!("the store writer stopped unexpectedly");
    }
    info!(events = store.head().unwrap_or(0), "daemon stopped; the log is synced");
    Ok(())
}

struct FeedContext {
    fetcher: Fetcher,
    matcher: Arc<Matcher>,
    appender: AppendHandle,
    permits: Arc<Semaphore>,
    token: CancellationToken,
    status: watch::Sender<DaemonStatus>,
    // Wakes the projection task after a poll that appended.
    wake: Arc<Notify>,
}

async fn feed_loop(feed: FeedConfig, ctx: Arc<FeedContext>) {
    loop {
        let permit = tokio::select! {
            p = ctx.permits.acquire() => match p {
                Ok(p) => p,
                Err(_) => return,
            },
            () = ctx.token.cancelled() => return,
        };
        let started = Instant::now();
        // The poll runs as its own task so that a panic in it (a bug) is caught at the join and
        // logged like any failure, instead of silently ending this feed's loop.
        let result = match tokio::spawn(poll_once(feed.clone(), Arc::clone(&ctx))).await {
            Ok(Some(result)) => result,
            Ok(None) => return, // cancelled during the fetch
            Err(join) => Err(PollError::Panicked(join.to_string())),
        };
        drop(permit);
        if result.as_ref().is_ok_and(|r| r.new + r.revised > 0) {
            ctx.wake.notify_one();
        }
        report(&feed, &result, elapsed_ms(started), &ctx.status);

        tokio::select! {
            () = tokio::time::sleep(feed.interval) => {}
            () = ctx.token.cancelled() => return,
        }
    }
}

// One poll. The fetch may be abandoned at shutdown (None); once a document is in hand,
// ingesting it, including the durable append, runs to completion.
async fn poll_once(feed: FeedConfig, ctx: Arc<FeedContext>) -> Option<Result<PollReport, PollError>> {
    let fetched = tokio::select! {
        r = ctx.fetcher.fetch(&feed) => r,
        () = ctx.token.cancelled() => return None,
    };
    Some(match fetched {
        Ok(doc) => ingest::ingest_document(&feed, doc, &ctx.matcher, &ctx.appender).await,
        Err(e) => Err(PollError::from(e)),
    })
}

fn report(
    feed: &FeedConfig,
    result: &Result<PollReport, PollError>,
    took_ms: u64,
    status: &watch::Sender<DaemonStatus>,
) {
    match result {
        Ok(r) => info!(
            feed = %feed.id,
            status = r.status,
            entries = r.entries,
            matched = r.matched,
            new = r.new,
            revised = r.revised,
            bytes = r.bytes,
            took_ms,
            "poll finished"
        ),
        Err(e) => warn!(feed = %feed.id, class = %e.class(), error = %e, url = %feed.url, took_ms, "poll failed"),
    }
    status.send_modify(|s| {
        s.polls += 1;
        if let Ok(Some(seq)) = result.as_ref().map(|r| r.last_seq) {
            s.last_seq = s.last_seq.max(seq);
            s.last_append = Some(Utc::now());
        }
        let f = s.feeds.entry(feed.id.clone()).or_default();
        f.polls += 1;
        match result {
            Ok(r) => {
                f.last_success = Some(Utc::now());
                f.consecutive_failures = 0;
                f.appended += (r.new + r.revised) as u64;
                f.bytes += r.bytes as u64;
                f.entries += r.entries as u64;
                f.matched += r.matched as u64;
            }
            Err(e) => {
                f.failures += 1;
                f.consecutive_failures += 1;
                f.last_error = Some(e.to_string());
                f.last_error_class = Some(e.class().to_string());
            }
        }
    });
}
