//! The daemon's local API: HTTP/JSON on a Unix socket, versioned under `/v1`. Serves the
//! daemon's status and the projection views (each with `as_of` and `at_seq`), so the CLI can
//! read the state while the daemon holds the store.
//!
//! Only `POST /v1/import` appends to the log, through the same parser, matcher, dedupe and writer
//! as a poll; no route changes or removes what is stored. Every failure is a JSON body
//! `{"error": "..."}` with a 4xx or 5xx status; nothing a client sends can stop the daemon.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::profile::Profile;
use crate::projection::views::View;
use crate::projection::{self, AsOf, Projector};
use crate::protocol::{DaemonStatus, RebuildStarted, StatusBody};
use crate::store::SledStore;

mod events;
mod import;
mod metrics;
mod socket;
mod views;

pub use socket::{bind, serve, serve_tcp};
pub use views::{ANSWERS_MAX_BYTES, Answers, CITATIONS_MAX_LIMIT};

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
        router = router.route(&format!("/v1/{}", view.name()), views::view_route(view));
    }
    router
        .route("/v1/citations", get(views::citations))
        .route("/v1/articles", get(articles))
        .route("/v1/feeds", get(feeds))
        .route("/metrics", get(metrics::metrics))
        .route("/v1/events", get(events::events))
        .route("/v1/export", get(views::export))
        .route("/v1/rebuild", axum::routing::post(rebuild))
        .route(
            "/v1/import",
            axum::routing::post(import::import).layer(axum::extract::DefaultBodyLimit::max(
                usize::try_from(crate::import::MAX_FILE).unwrap_or(usize::MAX),
            )),
        )
        .route("/v1/article", get(article))
        .fallback(|| async { ApiError(StatusCode::NOT_FOUND, "no such route; routes are under /v1".into()) })
        .with_state(state)
}

async fn status(State(s): State<ApiState>) -> Json<StatusBody> {
    let status = s.status.borrow().clone();
    let uptime_secs = status.started_at.map_or(0, |t| (Utc::now() - t).num_seconds());
    Json(StatusBody { status, uptime_secs })
}

// Every configured feed with its health and counts, and the stored articles per feed.
async fn feeds(State(s): State<ApiState>) -> Result<Json<crate::protocol::feeds::FeedsView>, ApiError> {
    let status = s.status.borrow().clone();
    let configs = s.feeds.read().map(|f| f.clone()).unwrap_or_default();
    views::view(s, move |articles, _| {
        crate::protocol::feeds::view(
            &configs,
            &status.feeds,
            true,
            &crate::protocol::feeds::article_counts(articles),
        )
    })
    .await
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

/// `?as_of=YYYY-MM-DD&at_seq=N`, both optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsOfQuery {
    as_of: Option<String>,
    at_seq: Option<u64>,
}

/// `?as_of=YYYY-MM-DD&at_seq=N&offset=&limit=`, all optional; `offset` and `limit` page the
/// views whose answer is a page (the timeline).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewQuery {
    as_of: Option<String>,
    at_seq: Option<u64>,
    offset: Option<u64>,
    limit: Option<usize>,
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
    views::view(s, move |a, _| projection::articles::list(a, &filter)).await
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
    let found = tokio::task::spawn_blocking(move || {
        let facts = s.store.facts(s.projector.fingerprint())?;
        projection::articles::detail(s.store.as_ref(), &facts, &stream)
    })
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

#[cfg(test)]
mod tests;
