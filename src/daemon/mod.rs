//! The daemon: opens the store, starts the single writer, polls every feed when it is due (its
//! state, validators and next due time kept in the store across restarts), publishes its status,
//! and shuts down cleanly (every acknowledged append on disk).
//!
//! Orchestration only: the work of a poll is `ingest`, the bytes are `store`. No feed's
//! failure leaves that feed's task; only a dead store writer stops the daemon.

mod projections;

pub use crate::protocol::DaemonStatus;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Utc};
use tokio::sync::{Notify, Semaphore, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, warn};

use crate::config::{Config, FeedConfig};
use crate::feed::schedule::Policy;
use crate::feed::state::Validators;
use crate::feed::state::{FeedState, Limits, PollResult};
use crate::feed::{Fetched, Fetcher};
use crate::ingest::{self, PollError, PollReport, elapsed_ms};
use crate::matcher::Matcher;
use crate::profile::Profile;
use crate::projection::Projector;
use crate::store::{AppendHandle, Appender, EventLog, SledStore};

/// Runs the daemon until `shutdown` resolves, applying the feed lists of the configs sent on
/// `reloads` (the binary sends one per SIGHUP). See [`serve_with`].
pub async fn run(
    config: Config,
    profile: Profile,
    shutdown: impl Future<Output = ()>,
    reloads: mpsc::Receiver<Config>,
) -> anyhow::Result<()> {
    let (status, _) = watch::channel(DaemonStatus::default());
    serve_with(config, profile, shutdown, status, reloads).await
}

/// Runs the daemon until `shutdown` resolves, publishing progress on `status`; no reloads.
pub async fn serve(
    config: Config,
    profile: Profile,
    shutdown: impl Future<Output = ()>,
    status: watch::Sender<DaemonStatus>,
) -> anyhow::Result<()> {
    let (_, reloads) = mpsc::channel(1);
    serve_with(config, profile, shutdown, status, reloads).await
}

/// Runs the daemon until `shutdown` resolves, publishing progress on `status`. A config
/// received on `reloads` replaces the feed list without a restart: added feeds start, removed
/// ones stop, changed ones restart with their state; other sections apply at the next start.
/// Under systemd with `WatchdogSec=`, the watchdog is fed while the writer and the blocking
/// pool answer, so a hung daemon is restarted.
///
/// Shutdown order: stop starting polls and cancel fetches in flight; let polls that are
/// already appending finish; wait for every feed task; drain the writer and sync. Returns an
/// error if the store cannot be opened or the writer stopped on a failure.
pub async fn serve_with(
    config: Config,
    profile: Profile,
    shutdown: impl Future<Output = ()>,
    status: watch::Sender<DaemonStatus>,
    mut reloads: mpsc::Receiver<Config>,
) -> anyhow::Result<()> {
    let matcher = Arc::new(
        Matcher::for_profile(&profile).with_context(|| format!("compiling profile {}", profile.source.display()))?,
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
    // Stale projections (another profile or extractor) are dropped by the projection task, not
    // here: emptying one of a million events takes minutes, and the daemon answers and obeys
    // SIGTERM meanwhile.
    rematch(&store, &matcher, &handle).await;
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
    // Each feed's remembered state; a feed whose URL changed in the config starts afresh (its
    // validators and any gone mark belonged to the old URL).
    let stored = store.feed_states().context("reading the feed states")?;
    let states: BTreeMap<String, FeedState> = config
        .feeds
        .iter()
        .map(|f| {
            let state = stored
                .get(&f.id)
                .filter(|s| s.url == f.url.as_str())
                .cloned()
                .unwrap_or_else(|| FeedState::new(f.url.as_str()));
            (f.id.clone(), state)
        })
        .collect();
    let ctx = Arc::new(FeedContext {
        store: Arc::clone(&store),
        poll: config.poll.clone(),
        fetcher,
        matcher: Arc::clone(&matcher),
        appender: handle.clone(),
        permits,
        status: status.clone(),
        wake: Arc::clone(&wake),
    });
    status.send_modify(|s| {
        s.started_at = Some(Utc::now());
        s.last_seq = head;
        s.last_append = last_append;
        s.projection = projector.fingerprint().to_string();
        s.feeds = states.clone();
    });
    let mut running: BTreeMap<String, (FeedConfig, CancellationToken)> = BTreeMap::new();
    for feed in &config.feeds {
        let state = states.get(&feed.id).cloned().unwrap_or_default();
        let feed_token = token.child_token();
        tracker.spawn(feed_loop(feed.clone(), state, Arc::clone(&ctx), feed_token.clone()));
        running.insert(feed.id.clone(), (feed.clone(), feed_token));
    }
    let feed_list = Arc::new(std::sync::RwLock::new(config.feeds.clone()));
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
        answers: Arc::default(),
        feeds: Arc::clone(&feed_list),
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
    let watchdog = sd_notify::watchdog_enabled();
    let mut watchdog_tick = tokio::time::interval(watchdog.map_or(std::time::Duration::from_secs(3600), |d| d / 2));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => {
                info!("shutdown requested; finishing polls in progress");
                break;
            }
            () = handle.closed() => {
                error!("the store writer stopped; shutting down");
                writer_failed = true;
                break;
            }
            Some(new) = reloads.recv() => {
                reload(&new, &mut running, &ctx, &tracker, &token, &status);
                if let Ok(mut list) = feed_list.write() {
                    *list = new.feeds.clone();
                }
            }
            _ = watchdog_tick.tick(), if watchdog.is_some() => {
                // Fed only while the writer runs and the blocking pool (where parsing and the
                // views run) still takes work: a daemon hung there is restarted by systemd.
                let probe = tokio::time::timeout(
                    watchdog.unwrap_or_default() / 4,
                    tokio::task::spawn_blocking(|| ()),
                );
                if !handle.is_closed() && matches!(probe.await, Ok(Ok(()))) {
                    let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
                } else {
                    warn!("not feeding the systemd watchdog: the daemon is not answering");
                }
            }
        }
    }
    drop(ctx);
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

// Entries recently seen but not kept are matched again with the current profile: after a rule
// was added, what it now keeps is recorded (through the writer, which dedupes) and forgotten
// from the unmatched record. Failures are logged; they never stop the start.
async fn rematch(store: &Arc<SledStore>, matcher: &Matcher, appender: &AppendHandle) {
    let unmatched = match store.unmatched() {
        Ok(u) => u,
        Err(e) => {
            warn!(error = %e, "could not read the unmatched record");
            return;
        }
    };
    let mut by_feed: BTreeMap<String, Vec<crate::article::Article>> = BTreeMap::new();
    for a in unmatched.into_iter().filter(|a| !matcher.matches(a).is_empty()) {
        by_feed.entry(a.feed.clone()).or_default().push(a);
    }
    for (feed, articles) in by_feed {
        let batch = crate::store::Batch {
            source: crate::event::Source {
                feed: feed.clone(),
                url: "frontline:unmatched-record".into(),
            },
            correlation_id: uuid::Uuid::new_v4(),
            articles: articles.clone(),
        };
        match appender.record(batch).await {
            Ok(outcome) => {
                for a in &articles {
                    let _ = store.forget_unmatched(a);
                }
                info!(feed = %feed, kept = articles.len(), appended = outcome.recorded.len(), "entries seen before the profile changed now match; recorded");
            }
            Err(e) => warn!(feed = %feed, error = %e, "could not record re-matched entries"),
        }
    }
}

// Applies a reloaded config's feed list: stops removed feeds, starts added ones, and restarts
// changed ones with their state (a changed URL starts afresh).
fn reload(
    new: &Config,
    running: &mut BTreeMap<String, (FeedConfig, CancellationToken)>,
    ctx: &Arc<FeedContext>,
    tracker: &TaskTracker,
    token: &CancellationToken,
    status: &watch::Sender<DaemonStatus>,
) {
    let (mut added, mut removed, mut changed) = (0, 0, 0);
    let keep: Vec<&str> = new.feeds.iter().map(|f| f.id.as_str()).collect();
    running.retain(|id, (_, t)| {
        let stays = keep.contains(&id.as_str());
        if !stays {
            t.cancel();
            removed += 1;
            info!(feed = %id, "feed removed from the config; stopped");
        }
        stays
    });
    status.send_modify(|s| s.feeds.retain(|id, _| keep.contains(&id.as_str())));
    let stored = ctx.store.feed_states().unwrap_or_default();
    for feed in &new.feeds {
        match running.get(&feed.id) {
            Some((old, _)) if old == feed => continue,
            Some((_, t)) => {
                t.cancel();
                changed += 1;
            }
            None => added += 1,
        }
        let state = status
            .borrow()
            .feeds
            .get(&feed.id)
            .or_else(|| stored.get(&feed.id))
            .filter(|s| s.url == feed.url.as_str())
            .cloned()
            .unwrap_or_else(|| FeedState::new(feed.url.as_str()));
        status.send_modify(|s| {
            s.feeds.insert(feed.id.clone(), state.clone());
        });
        let feed_token = token.child_token();
        tracker.spawn(feed_loop(feed.clone(), state, Arc::clone(ctx), feed_token.clone()));
        running.insert(feed.id.clone(), (feed.clone(), feed_token));
        info!(feed = %feed.id, url = %feed.url, "feed started after a config reload");
    }
    info!(
        config = %new.source.display(),
        added,
        removed,
        changed,
        "config reloaded; changes to [store], [api], [profile] and [poll] apply at the next start"
    );
}

struct FeedContext {
    store: Arc<SledStore>,
    poll: crate::config::PollConfig,
    fetcher: Fetcher,
    matcher: Arc<Matcher>,
    appender: AppendHandle,
    permits: Arc<Semaphore>,
    status: watch::Sender<DaemonStatus>,
    // Wakes the projection task after a poll that appended.
    wake: Arc<Notify>,
}

// One feed, for the daemon's life: wait until it is due, poll, record the result in its state
// (persisted, so a restart keeps the schedule), repeat.
async fn feed_loop(feed: FeedConfig, mut state: FeedState, ctx: Arc<FeedContext>, token: CancellationToken) {
    let limits = Limits {
        policy: Policy {
            interval: feed.interval,
            floor: ctx.poll.min_interval,
            max_backoff: ctx.poll.max_backoff,
        },
        gone_after: ctx.poll.gone_after,
    };
    loop {
        if let Some(due) = state.next_due {
            let wait = (due - Utc::now()).to_std().unwrap_or_default();
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = token.cancelled() => return,
            }
        }
        let permit = tokio::select! {
            p = ctx.permits.acquire() => match p {
                Ok(p) => p,
                Err(_) => return,
            },
            () = token.cancelled() => return,
        };
        let started = Instant::now();
        // The poll runs as its own task so that a panic in it (a bug) is caught at the join and
        // recorded like any failure, instead of silently ending this feed's loop.
        let validators = state.validators.clone();
        let identity = state.identity.clone();
        let poll = poll_once(feed.clone(), validators, identity, Arc::clone(&ctx), token.clone());
        let result = match tokio::spawn(poll).await {
            Ok(Some(result)) => result,
            Ok(None) => return, // cancelled during the fetch
            Err(join) => Outcome::Failed(PollError::Panicked(join.to_string())),
        };
        drop(permit);
        if let Outcome::Ingested { report, .. } = &result
            && report.new + report.revised > 0
        {
            ctx.wake.notify_one();
        }
        let took_ms = elapsed_ms(started);
        // Stopped by a config reload while this poll ran: what it appended is in the log, but
        // its state belongs to a feed that was removed or replaced; recording it would overwrite
        // the new task's state (or bring a removed feed back into the status).
        if token.is_cancelled() {
            return;
        }
        if let Outcome::Ingested { report, .. } = &result {
            if let Some(reason) = &report.identity_switch {
                warn!(feed = %feed.id, reason = %reason, "the feed's guids are unreliable; its articles are keyed by link from now on");
            }
            state.identity = report.identity.clone();
            if let Err(e) = ctx.store.remember_unmatched(&feed.id, &report.unmatched) {
                warn!(feed = %feed.id, error = %e, "could not record the unmatched entries");
            }
        }
        state.record(&result.as_poll_result(), Utc::now(), &limits, fastrand::f64());
        log_poll(&feed, &result, &state, took_ms);
        if let Err(e) = ctx.store.put_feed_state(&feed.id, &state) {
            warn!(feed = %feed.id, error = %e, "could not save the feed's state; it may be polled early after a restart");
        }
        let last_seq = match &result {
            Outcome::Ingested { report, .. } => report.last_seq,
            _ => None,
        };
        ctx.status.send_modify(|s| {
            s.polls += 1;
            if let Some(seq) = last_seq {
                s.last_seq = s.last_seq.max(seq);
                s.last_append = Some(Utc::now());
            }
            s.feeds.insert(feed.id.clone(), state.clone());
        });
    }
}

// What one poll came to, with what the log line needs.
enum Outcome {
    // 304: the stored document is current; nothing was parsed.
    NotModified(Fetched),
    // 200: parsed, matched, recorded (`fetched` without its body, which went to the parser).
    Ingested { fetched: Fetched, report: Box<PollReport> },
    Failed(PollError),
}

impl Outcome {
    fn as_poll_result(&self) -> PollResult {
        let fetched = |f: &Fetched, hints: crate::feed::schedule::Hints, counts| PollResult::Fetched {
            status: f.status,
            validators: f.validators.clone(),
            hints,
            permanent_move: f.permanent_move().map(|u| u.to_string()),
            counts,
        };
        match self {
            Outcome::NotModified(f) => fetched(f, f.hints.clone(), [0; 5]),
            Outcome::Ingested { fetched: f, report } => {
                // The server's hints and the document's (ttl, skipHours, ...), together.
                let hints = crate::feed::schedule::Hints {
                    ttl: report.hints.ttl,
                    update_period: report.hints.update_period,
                    skip_hours: report.hints.skip_hours.clone(),
                    skip_days: report.hints.skip_days.clone(),
                    ..f.hints.clone()
                };
                let counts =
                    [report.bytes, report.entries, report.matched, report.new, report.revised].map(|n| n as u64);
                fetched(f, hints, counts)
            }
            Outcome::Failed(e) => PollResult::Failed {
                class: e.class().to_string(),
                message: e.to_string(),
                status: e.status(),
                retry_after: e.retry_after(),
            },
        }
    }
}

// One poll. The fetch may be abandoned at shutdown (None); once a document is in hand,
// ingesting it, including the durable append, runs to completion.
async fn poll_once(
    feed: FeedConfig,
    validators: Validators,
    identity: crate::feed::identity::Memory,
    ctx: Arc<FeedContext>,
    token: CancellationToken,
) -> Option<Outcome> {
    let fetched = tokio::select! {
        r = ctx.fetcher.fetch(&feed, &validators) => r,
        () = token.cancelled() => return None,
    };
    Some(match fetched {
        Ok(doc) if doc.not_modified() => Outcome::NotModified(doc),
        Ok(mut doc) => {
            // Keep the answer's metadata for the feed's state; the body goes to the parser.
            let body = std::mem::take(&mut doc.body);
            let meta = doc.clone();
            doc.body = body;
            match ingest::ingest_document(&feed, doc, &ctx.matcher, &ctx.appender, identity).await {
                Ok(report) => Outcome::Ingested {
                    fetched: meta,
                    report: Box::new(report),
                },
                Err(e) => Outcome::Failed(e),
            }
        }
        Err(e) => Outcome::Failed(PollError::from(e)),
    })
}

fn log_poll(feed: &FeedConfig, outcome: &Outcome, state: &FeedState, took_ms: u64) {
    let next = state.next_due.map(|t| t.to_rfc3339()).unwrap_or_default();
    match outcome {
        Outcome::NotModified(_) => {
            info!(feed = %feed.id, status = 304, took_ms, next_due = %next, "poll finished: not modified")
        }
        Outcome::Ingested { report: r, .. } => info!(
            feed = %feed.id,
            status = r.status,
            entries = r.entries,
            matched = r.matched,
            new = r.new,
            revised = r.revised,
            bytes = r.bytes,
            took_ms,
            next_due = %next,
            "poll finished"
        ),
        Outcome::Failed(e) => warn!(
            feed = %feed.id,
            class = %e.class(),
            error = %e,
            url = %feed.url,
            health = state.health.name(),
            failures_in_a_row = state.consecutive_failures,
            took_ms,
            next_due = %next,
            "poll failed"
        ),
    }
    if let Some(to) = state.moved() {
        warn!(feed = %feed.id, from = %feed.url, to = %to, "the feed has moved permanently (301/308); update its url in the config");
    }
}
