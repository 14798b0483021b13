//! The daemon's local API: HTTP/JSON on a Unix socket, versioned under `/v1`. Serves the
//! daemon's status and the projection views (each with `as_of` and `at_seq`), so the CLI can
//! read the state while the daemon holds the store.
//!
//! Only `POST /v1/import` appends to the log, through the same parser, matcher, dedupe and writer
//! as a poll; no route changes or removes what is stored. Every failure is a JSON body
//! `{"error": "..."}` with a 4xx or 5xx status; nothing a client sends can stop the daemon.

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::daemon::DaemonStatus;
use crate::profile::Profile;
use crate::projection::views::View;
use crate::projection::{self, ArticleFacts, AsOf, FactStore, Projector};
use crate::store::SledStore;

/// What the handlers share.
#[derive(Clone)]
pub struct ApiState {
    /// The daemon's store (the projection trees are read, never the log written).
    pub store: Arc<SledStore>,
    /// The profile the projection is built with.
    pub profile: Arc<Profile>,
    /// Its compiled form, for the fingerprint.
    pub projector: Arc<Projector>,
    /// The daemon's status.
    pub status: watch::Receiver<DaemonStatus>,
    /// Cancelled at shutdown: ends `events?follow=true` streams so shutdown does not wait on them.
    pub shutdown: CancellationToken,
    /// Set by `POST /v1/rebuild`; the projection task rebuilds from scratch when it sees it.
    pub rebuild: Arc<std::sync::atomic::AtomicBool>,
    /// Wakes the projection task.
    pub wake: Arc<tokio::sync::Notify>,
    /// Recent view answers (see `view_route`).
    pub answers: Arc<Answers>,
    /// The configured feeds, for `/v1/feeds` (replaced on a config reload).
    pub feeds: Arc<std::sync::RwLock<Vec<crate::config::FeedConfig>>>,
    /// What `POST /v1/import` appends with.
    pub import: Importer,
}

/// The daemon's ingest path, for `POST /v1/import`.
#[derive(Clone)]
pub struct Importer {
    /// The profile's topic rules.
    pub matcher: Arc<crate::matcher::Matcher>,
    /// The daemon's single writer.
    pub appender: crate::store::AppendHandle,
    /// Where the daemon's status is published (the head of the log moves).
    pub status: watch::Sender<DaemonStatus>,
}

/// An API error: a status and a message, sent as `{"error": message}`.
#[derive(Debug)]
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

/// The routes.
pub fn router(state: ApiState) -> Router {
    let mut router = Router::new().route("/v1/status", get(status));
    for view in View::ALL {
        router = router.route(&format!("/v1/{}", view.name()), view_route(view));
    }
    router
        .route("/v1/citations", get(citations))
        .route("/v1/articles", get(articles))
        .route("/v1/feeds", get(feeds))
        .route("/metrics", get(metrics))
        .route("/v1/events", get(events))
        .route("/v1/export", get(export))
        .route("/v1/rebuild", axum::routing::post(rebuild))
        .route(
            "/v1/import",
            axum::routing::post(import).layer(axum::extract::DefaultBodyLimit::max(
                usize::try_from(crate::import::MAX_FILE).unwrap_or(usize::MAX),
            )),
        )
        .route("/v1/article", get(article))
        .fallback(|| async { ApiError(StatusCode::NOT_FOUND, "no such route; routes are under /v1".into()) })
        .with_state(state)
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

async fn status(State(s): State<ApiState>) -> Json<StatusBody> {
    let status = s.status.borrow().clone();
    let uptime_secs = status.started_at.map_or(0, |t| (Utc::now() - t).num_seconds());
    Json(StatusBody { status, uptime_secs })
}

// Prometheus text exposition of the status snapshot. Written out here rather than through a
// metrics crate: every figure already lives in `DaemonStatus`, so there is nothing to register
// or update, only a few lines to print in the documented format.
async fn metrics(State(s): State<ApiState>) -> impl IntoResponse {
    use std::fmt::Write;
    let st = s.status.borrow().clone();
    let mut out = String::new();
    let mut family = |name: &str, kind: &str, help: &str, rows: Vec<(String, u64)>| {
        let _ = writeln!(out, "# HELP frontline_{name} {help}\n# TYPE frontline_{name} {kind}");
        for (labels, v) in rows {
            let _ = writeln!(out, "frontline_{name}{labels} {v}");
        }
    };
    let per_feed = |f: fn(&crate::feed::state::FeedState) -> u64| {
        st.feeds
            .iter()
            .map(|(id, s)| {
                (
                    format!("{{feed=\"{}\"}}", id.replace('\\', "\\\\").replace('"', "\\\"")),
                    f(s),
                )
            })
            .collect::<Vec<_>>()
    };
    type PerFeed = fn(&crate::feed::state::FeedState) -> u64;
    let feed_families: [(&str, &str, &str, PerFeed); 9] = [
        ("polls_total", "counter", "Polls finished, per feed.", |f| f.polls),
        (
            "not_modified_total",
            "counter",
            "Polls answered 304 Not Modified (nothing parsed), per feed.",
            |f| f.not_modified,
        ),
        (
            "feed_gone",
            "gauge",
            "1 while a feed is gone (410, or only 404s for poll.gone_after).",
            |f| u64::from(f.health == crate::feed::state::Health::Gone),
        ),
        ("poll_errors_total", "counter", "Polls that failed, per feed.", |f| {
            f.failures
        }),
        (
            "fetched_bytes_total",
            "counter",
            "Bytes fetched after decompression, per feed.",
            |f| f.bytes,
        ),
        ("entries_total", "counter", "Feed entries parsed, per feed.", |f| {
            f.entries
        }),
        (
            "matched_total",
            "counter",
            "Entries kept by the topic rules, per feed.",
            |f| f.matched,
        ),
        (
            "events_appended_total",
            "counter",
            "Events appended to the log, per feed.",
            |f| f.appended,
        ),
        ("feed_failing", "gauge", "1 while a feed's last poll failed.", |f| {
            u64::from(f.consecutive_failures > 0)
        }),
    ];
    for (name, kind, help, value) in feed_families {
        family(name, kind, help, per_feed(value));
    }
    family(
        "last_append_timestamp_seconds",
        "gauge",
        "Unix time of the last append to the log (0: none yet).",
        vec![(String::new(), st.last_append.map_or(0, |t| t.timestamp().max(0) as u64))],
    );
    family(
        "log_events",
        "gauge",
        "Events in the log (its last sequence number).",
        vec![(String::new(), st.last_seq)],
    );
    family(
        "projection_checkpoint",
        "gauge",
        "Last event applied to the projection.",
        vec![(String::new(), st.projection_checkpoint)],
    );
    family(
        "projection_lag_events",
        "gauge",
        "Events in the log not yet projected.",
        vec![(String::new(), st.last_seq.saturating_sub(st.projection_checkpoint))],
    );
    family(
        "view_builds_total",
        "counter",
        "Folds of the projection for API requests (a kept answer needs none).",
        vec![(
            String::new(),
            s.answers.built.load(std::sync::atomic::Ordering::Relaxed),
        )],
    );
    let uptime = st
        .started_at
        .map_or(0, |t| (Utc::now() - t).num_seconds().max(0) as u64);
    family(
        "uptime_seconds",
        "gauge",
        "Seconds since the daemon started.",
        vec![(String::new(), uptime)],
    );
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}

/// `/v1/export?format=jsonl|geojson&as_of=&at_seq=`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    format: String,
    as_of: Option<String>,
    at_seq: Option<u64>,
}

async fn export(
    State(s): State<ApiState>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    use clap::ValueEnum;
    let Query(q) = q.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let format = projection::export::Format::from_str(&q.format, true).map_err(|_| {
        let names: Vec<&str> = projection::export::Format::value_variants()
            .iter()
            .map(|f| f.name())
            .collect();
        ApiError(
            StatusCode::BAD_REQUEST,
            format!("format {:?} is not one of {}", q.format, names.join(", ")),
        )
    })?;
    let at = as_of(Ok(Query(AsOfQuery {
        as_of: q.as_of,
        at_seq: q.at_seq,
    })))?;
    let Json(body) = view(s, move |a, p| projection::export::render(format, a, p, at)).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, format.content_type())], body).into_response())
}

/// `POST /v1/import?feed=ID&origin=URL`, the body a saved feed document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    feed: String,
    origin: Option<String>,
}

// Ingests one saved document as a poll of `feed` would, and answers when it is durable.
async fn import(
    State(s): State<ApiState>,
    q: Result<Query<ImportQuery>, QueryRejection>,
    body: axum::body::Bytes,
) -> Result<Json<crate::import::ImportReport>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    if !crate::config::is_valid_id(&q.feed) {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!(
                "feed {:?} is not a valid id: use lower-case ASCII letters, digits and '-'",
                q.feed
            ),
        ));
    }
    let origin = match &q.origin {
        None => url::Url::parse(&format!("file:///imported/{}", q.feed)),
        Some(o) => url::Url::parse(o),
    }
    .ok()
    .filter(|u| u.scheme() == "file")
    .ok_or_else(|| {
        ApiError(
            StatusCode::BAD_REQUEST,
            format!("origin {:?} is not a file: URL", q.origin),
        )
    })?;
    let file = origin.path().to_string();
    let identity = s
        .import
        .status
        .borrow()
        .feeds
        .get(&q.feed)
        .map(|f| f.identity.clone())
        .unwrap_or_default();
    let result = crate::import::ingest(
        &q.feed,
        origin,
        body.to_vec(),
        &s.import.matcher,
        &s.import.appender,
        identity,
    )
    .await;
    let report = match result {
        Ok(r) => r,
        Err(e @ crate::ingest::PollError::Parse(_)) => {
            return Err(ApiError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()));
        }
        Err(e) => return Err(ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    };
    s.import.status.send_modify(|st| {
        st.imports += 1;
        if let Some(seq) = report.last_seq {
            st.last_seq = st.last_seq.max(seq);
            st.last_append = Some(Utc::now());
        }
    });
    if report.new + report.revised > 0 {
        s.wake.notify_one();
    }
    info!(feed = %q.feed, file = %file, entries = report.entries, matched = report.matched, new = report.new, revised = report.revised, "import finished");
    Ok(Json(crate::import::ImportReport {
        file,
        feed: q.feed.clone(),
        report,
    }))
}

// Every configured feed with its health and counts, and the stored articles per feed.
async fn feeds(State(s): State<ApiState>) -> Result<Json<crate::daemon::feeds::FeedsView>, ApiError> {
    let status = s.status.borrow().clone();
    let configs = s.feeds.read().map(|f| f.clone()).unwrap_or_default();
    view(s, move |articles, _| {
        crate::daemon::feeds::view(
            &configs,
            &status.feeds,
            true,
            &crate::daemon::feeds::article_counts(articles),
        )
    })
    .await
}

/// What `POST /v1/rebuild` answers.
#[derive(Debug, Serialize, Deserialize)]
pub struct RebuildStarted {
    /// Events in the log when it was asked for: the checkpoint to wait for.
    pub events: u64,
    /// `rebuilds` in the status before this one: it is done when the status shows more.
    pub rebuilds_before: u64,
}

// Asks the projection task for a rebuild from scratch; answers at once (202) with the log's
// size, and `/v1/status` shows `rebuilding` and the checkpoint climbing.
async fn rebuild(State(s): State<ApiState>) -> impl IntoResponse {
    let (events, rebuilds_before) = {
        let st = s.status.borrow();
        (st.last_seq, st.rebuilds)
    };
    s.rebuild.store(true, std::sync::atomic::Ordering::SeqCst);
    s.wake.notify_one();
    info!(events, "projection rebuild requested through the API");
    (
        StatusCode::ACCEPTED,
        Json(RebuildStarted {
            events,
            rebuilds_before,
        }),
    )
}

/// `/v1/events?after=N&limit=M&follow=true&format=text`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    after: Option<u64>,
    limit: Option<usize>,
    follow: Option<bool>,
    format: Option<String>,
}

// Events after `after`, one per line (JSON Lines, or the text lines of `frontline events`),
// streamed page by page; with `follow`, new events as they are appended, until the client goes
// away or the daemon stops.
async fn events(
    State(s): State<ApiState>,
    q: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    use tokio::io::AsyncWriteExt;
    let Query(q) = q.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let text = match q.format.as_deref() {
        None | Some("json") => false,
        Some("text") => true,
        Some(other) => {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                format!("format {other:?} is not one of \"json\", \"text\""),
            ));
        }
    };
    let follow = q.follow.unwrap_or(false);
    let mut after = q.after.unwrap_or(0);
    let mut remaining = q.limit.unwrap_or(usize::MAX);
    let width = s.status.borrow().last_seq.to_string().len();
    let (mut tx, rx) = tokio::io::duplex(64 * 1024);
    let mut status = s.status.clone();
    tokio::spawn(async move {
        use crate::store::EventLog;
        while remaining > 0 {
            let store = Arc::clone(&s.store);
            let want = remaining.min(512);
            let page = match tokio::task::spawn_blocking(move || store.read_after(after, want)).await {
                Ok(Ok(p)) => p,
                Ok(Err(e)) => {
                    warn!(error = %e, "events stream: reading the log failed");
                    return;
                }
                Err(_) => return,
            };
            if page.is_empty() {
                if !follow {
                    return;
                }
                tokio::select! {
                    changed = status.changed() => if changed.is_err() { return },
                    () = s.shutdown.cancelled() => return,
                }
                continue;
            }
            for e in &page {
                let mut line = if text {
                    crate::cli::render::event_line(e, width).into_bytes()
                } else {
                    match serde_json::to_vec(&crate::cli::render::EventJson::from(e)) {
                        Ok(l) => l,
                        Err(_) => return,
                    }
                };
                line.push(b'\n');
                // The client went away.
                if tx.write_all(&line).await.is_err() {
                    return;
                }
            }
            after = page.last().map_or(after, |e| e.header.seq);
            remaining = remaining.saturating_sub(page.len());
        }
    });
    let content_type = if text {
        "text/plain; charset=utf-8"
    } else {
        "application/x-ndjson"
    };
    Ok((
        [(axum::http::header::CONTENT_TYPE, content_type)],
        axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(rx)),
    )
        .into_response())
}

/// `?as_of=YYYY-MM-DD&at_seq=N`, both optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsOfQuery {
    as_of: Option<String>,
    at_seq: Option<u64>,
}

fn as_of(q: Result<Query<AsOfQuery>, QueryRejection>) -> Result<AsOf, ApiError> {
    let Query(q) = q.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let date = match q.as_of.as_deref() {
        None => None,
        Some(d) => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            ApiError(
                StatusCode::BAD_REQUEST,
                format!("as_of {d:?} is not a date like 2020-10-10"),
            )
        })?),
    };
    Ok(AsOf { date, seq: q.at_seq })
}

// Reads the projection off the runtime (sled reads block) and folds one view from it, when it
// is its turn (see `Answers::turn`).
async fn view<V: Serialize + Send + 'static>(
    s: ApiState,
    f: impl FnOnce(&[ArticleFacts], &Profile) -> V + Send + 'static,
) -> Result<Json<V>, ApiError> {
    let turn = s.answers.turn().await?;
    Ok(Json(view_in_turn(s, turn, f).await?.0))
}

// Folds while holding `turn`, and hands the turn back with the result, so that a route can keep
// the answer before the next fold starts. If the client goes away meanwhile, the turn is still
// held until the fold is done (it lives in the blocking task's result).
async fn view_in_turn<O: Send + 'static>(
    s: ApiState,
    turn: tokio::sync::OwnedSemaphorePermit,
    f: impl FnOnce(&[ArticleFacts], &Profile) -> O + Send + 'static,
) -> Result<(O, tokio::sync::OwnedSemaphorePermit), ApiError> {
    let internal = |e: String| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e);
    s.answers.built.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tokio::task::spawn_blocking(move || {
        let facts = s.store.facts(s.projector.fingerprint()).map_err(|e| e.to_string())?;
        let articles = facts.all().map_err(|e| e.to_string())?;
        let out = f(&articles, &s.profile);
        drop(articles);
        give_back_freed_memory();
        Ok::<_, String>((out, turn))
    })
    .await
    .map_err(|e| internal(format!("the view failed: {e}")))?
    .map_err(|e| internal(format!("reading the projection: {e}")))
}

// glibc keeps freed heap pages mapped. A fold frees a decoded projection as large as the log
// (1.2 GiB at 190k events), which stayed resident until the daemon exited; trimming hands the
// free pages back (BENCHMARKS.md).
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system; it may be called at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

// A route serving one view, with `as_of` and `at_seq`. A question the kept state answers is read
// from it (no turn, nothing kept: it costs the same at any size). Any other is folded from the
// whole projection: its answer is kept per (view, as-of) while the projection's checkpoint stays
// where it was, so repeated questions between appends cost nothing, and the first one after an
// append pays the fold, one fold at a time.
fn view_route(view: View) -> axum::routing::MethodRouter<ApiState> {
    get(
        move |State(s): State<ApiState>, q: Result<Query<AsOfQuery>, QueryRejection>| async move {
            let at = as_of(q)?;
            if view.is_kept(at) {
                let body = tokio::task::spawn_blocking(move || {
                    let facts = s.store.facts(s.projector.fingerprint())?;
                    let answer = view.from_kept(&facts, &s.profile, at)?;
                    Ok::<_, crate::store::StoreError>(serde_json::to_vec(&answer))
                })
                .await
                .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("the view failed: {e}")))?
                .map_err(|e| {
                    ApiError(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("reading the projection: {e}"),
                    )
                })?
                .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
                return Ok(json_bytes(body.into()));
            }
            let checkpoint = s.status.borrow().projection_checkpoint;
            let key = (view.name(), at);
            if let Some(body) = s.answers.get(&key, checkpoint) {
                return Ok(json_bytes(body));
            }
            let turn = s.answers.turn().await?;
            // The same question may have been answered while this one waited for its turn.
            let checkpoint = s.status.borrow().projection_checkpoint;
            if let Some(body) = s.answers.get(&key, checkpoint) {
                return Ok(json_bytes(body));
            }
            let cache = Arc::clone(&s.answers);
            // Encoded inside the fold's turn, so the view is freed before the memory is trimmed.
            let (encoded, _turn) =
                view_in_turn(s, turn, move |a, p| serde_json::to_vec(&view.from_fold(a, p, at))).await?;
            let body = axum::body::Bytes::from(
                encoded.map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?,
            );
            cache.put(key, checkpoint, body.clone());
            Ok::<_, ApiError>(json_bytes(body))
        },
    )
}

/// `/v1/citations?figure=KEY&as_of=&offset=&limit=` (a casualty figure's citations) or
/// `?claims=KEY` (a claim group's claims).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitationsQuery {
    figure: Option<String>,
    claims: Option<String>,
    as_of: Option<String>,
    offset: Option<u64>,
    limit: Option<usize>,
}

/// The most citations one page carries.
pub const CITATIONS_MAX_LIMIT: usize = 1000;

// One page of a figure's citations or a claim group's claims, from the kept state.
async fn citations(
    State(s): State<ApiState>,
    q: Result<Query<CitationsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let date = date_param("as_of", q.as_of.as_deref())?;
    let limit = q.limit.unwrap_or(50);
    if limit == 0 || limit > CITATIONS_MAX_LIMIT {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!("limit {limit} is not between 1 and {CITATIONS_MAX_LIMIT}"),
        ));
    }
    let offset = q.offset.unwrap_or(0);
    let when = date.map(|d| format!(" as of {d}")).unwrap_or_default();
    let internal = |e: String| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e);
    match (q.figure, q.claims) {
        (Some(figure), None) => {
            let key: projection::casualties::FigureKey = figure
                .parse()
                .map_err(|e: String| ApiError(StatusCode::BAD_REQUEST, e))?;
            let lookup = key.clone();
            let page = tokio::task::spawn_blocking(move || {
                let facts = s.store.facts(s.projector.fingerprint())?;
                projection::casualties::kept::citations(&facts, &lookup, date, offset, limit)
            })
            .await
            .map_err(|e| internal(format!("the lookup failed: {e}")))?
            .map_err(|e| internal(format!("reading the projection: {e}")))?;
            page.map(|p| Json(p).into_response()).ok_or_else(|| {
                ApiError(
                    StatusCode::NOT_FOUND,
                    format!("no figure {key}{when}; `frontline casualties --json` gives each figure's key"),
                )
            })
        }
        (None, Some(group)) => {
            projection::mentions::parse_claim_group_key(&group).map_err(|e| ApiError(StatusCode::BAD_REQUEST, e))?;
            let lookup = group.clone();
            let page = tokio::task::spawn_blocking(move || {
                let facts = s.store.facts(s.projector.fingerprint())?;
                projection::mentions::kept::claim_page(&facts, &lookup, date, offset, limit)
            })
            .await
            .map_err(|e| internal(format!("the lookup failed: {e}")))?
            .map_err(|e| internal(format!("reading the projection: {e}")))?;
            page.map(|p| Json(p).into_response()).ok_or_else(|| {
                ApiError(
                    StatusCode::NOT_FOUND,
                    format!("no claim group {group}{when}; `frontline claims --json` gives each group's key"),
                )
            })
        }
        _ => Err(ApiError(
            StatusCode::BAD_REQUEST,
            "give one of figure=KEY (a casualty figure) or claims=KEY (a claim group)".into(),
        )),
    }
}

fn json_bytes(body: axum::body::Bytes) -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Recent view answers, valid while the projection's checkpoint does not move; at most
/// `ANSWERS_MAX_BYTES`, the oldest dropped first. Also whose turn it is to fold one.
#[derive(Debug)]
pub struct Answers {
    inner: std::sync::Mutex<AnswersInner>,
    // One fold of the projection at a time: each decodes every article's facts (1.3 GiB at
    // 190k events, BENCHMARKS.md), so a dashboard asking for seven views at once must not hold
    // seven copies; and the ones waiting for the same answer find it kept when their turn comes.
    turns: Arc<tokio::sync::Semaphore>,
    /// Folds of the projection done for API requests (`frontline_view_builds_total`).
    pub built: std::sync::atomic::AtomicU64,
}

impl Default for Answers {
    fn default() -> Answers {
        Answers {
            inner: Default::default(),
            turns: Arc::new(tokio::sync::Semaphore::new(1)),
            built: Default::default(),
        }
    }
}

#[derive(Debug, Default)]
struct AnswersInner {
    entries: std::collections::VecDeque<((&'static str, AsOf), u64, axum::body::Bytes)>,
}

/// The most bytes of view answers kept.
pub const ANSWERS_MAX_BYTES: usize = 16 * 1024 * 1024;

impl Answers {
    async fn turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        Arc::clone(&self.turns)
            .acquire_owned()
            .await
            .map_err(|_| ApiError(StatusCode::SERVICE_UNAVAILABLE, "the daemon is stopping".into()))
    }

    fn get(&self, key: &(&'static str, AsOf), checkpoint: u64) -> Option<axum::body::Bytes> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner
            .entries
            .iter()
            .find(|(k, c, _)| k == key && *c == checkpoint)
            .map(|(_, _, b)| b.clone())
    }

    fn put(&self, key: (&'static str, AsOf), checkpoint: u64, body: axum::body::Bytes) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        // Answers for an older checkpoint are stale for good.
        inner.entries.retain(|(k, c, _)| *c == checkpoint && *k != key);
        if body.len() > ANSWERS_MAX_BYTES {
            return;
        }
        // A handful of entries: summing them is cheaper than keeping a running total right.
        while inner.entries.iter().map(|(_, _, b)| b.len()).sum::<usize>() + body.len() > ANSWERS_MAX_BYTES {
            inner.entries.pop_front();
        }
        inner.entries.push_back((key, checkpoint, body));
    }
}

/// `/v1/articles?feed=&since=&until=&text=&offset=&limit=`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticlesQuery {
    feed: Option<String>,
    since: Option<String>,
    until: Option<String>,
    text: Option<String>,
    offset: Option<usize>,
    limit: Option<usize>,
}

fn date_param(name: &str, v: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    v.map(|d| {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            ApiError(
                StatusCode::BAD_REQUEST,
                format!("{name} {d:?} is not a date like 2020-10-10"),
            )
        })
    })
    .transpose()
}

async fn articles(
    State(s): State<ApiState>,
    q: Result<Query<ArticlesQuery>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(q) = q.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let filter = projection::articles::ArticleFilter {
        since: date_param("since", q.since.as_deref())?,
        until: date_param("until", q.until.as_deref())?,
        feed: q.feed,
        text: q.text,
        offset: q.offset.unwrap_or(0),
        limit: q.limit.unwrap_or(50),
    };
    view(s, move |a, _| projection::articles::list(a, &filter)).await
}

/// `/v1/article?stream=feed/key`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleQuery {
    stream: String,
}

async fn article(
    State(s): State<ApiState>,
    q: Result<Query<ArticleQuery>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(q) = q.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let stream = q.stream;
    let found = tokio::task::spawn_blocking(move || article_detail(&s.store, s.projector.fingerprint(), &stream))
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("the lookup failed: {e}")))?
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("reading the store: {e}")))?;
    found.map(Json).ok_or_else(|| {
        ApiError(
            StatusCode::NOT_FOUND,
            "no such article; `frontline articles` lists them".into(),
        )
    })
}

/// The projection's facts of `stream` and its latest text from the log; `None` if unknown.
pub fn article_detail(
    store: &SledStore,
    fingerprint: &str,
    stream: &str,
) -> Result<Option<projection::articles::ArticleDetail>, crate::store::StoreError> {
    use crate::store::EventLog;
    let projection = store.facts(fingerprint)?;
    let Some(facts) = projection.get(stream)? else {
        return Ok(None);
    };
    let all = projection.all()?;
    let copies = projection::copies::Stories::new(&all)
        .copies(&facts)
        .into_iter()
        .map(|c| c.stream.clone())
        .collect();
    let text = match facts.revisions.last() {
        Some(r) => store
            .read_after(r.seq.saturating_sub(1), 1)?
            .into_iter()
            .find(|e| e.header.seq == r.seq)
            .map(|e| projection::article_text(e.payload.article.title.as_deref(), &e.payload.article.text)),
        None => None,
    };
    Ok(Some(projection::articles::ArticleDetail { facts, text, copies }))
}

/// Binds the API socket at `path`: a stale socket (nobody answering) is replaced, a live one is
/// an error (another daemon serves it); the socket is made mode 0660.
pub fn bind(path: &Path) -> io::Result<tokio::net::UnixListener> {
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!("{} is in use by another process", path.display()),
            ));
        }
        std::fs::remove_file(path)?;
    }
    let listener = tokio::net::UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
    Ok(listener)
}

/// Serves `router` on the loopback TCP `listener` until `token` is cancelled.
pub async fn serve_tcp(listener: tokio::net::TcpListener, router: Router, token: CancellationToken) {
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    info!(address = %addr, "API listening on TCP");
    if let Err(e) = axum::serve(listener, router)
        .with_graceful_shutdown(async move { token.cancelled().await })
        .await
    {
        warn!(address = %addr, error = %e, "TCP API server stopped");
    }
}

/// Serves `router` on `listener` until `token` is cancelled, then removes the socket file.
pub async fn serve(listener: tokio::net::UnixListener, path: PathBuf, router: Router, token: CancellationToken) {
    info!(socket = %path.display(), "API listening");
    if let Err(e) = axum::serve(listener, router)
        .with_graceful_shutdown(async move { token.cancelled().await })
        .await
    {
        warn!(socket = %path.display(), error = %e, "API server stopped");
    }
    if let Err(e) = std::fs::remove_file(&path)
        && e.kind() != io::ErrorKind::NotFound
    {
        warn!(socket = %path.display(), error = %e, "could not remove the API socket");
    }
}

#[cfg(test)]
mod tests;
