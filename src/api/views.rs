//! The view routes (`/v1/<view>` for every `View`), `/v1/citations` and `/v1/export`: answered
//! from the kept state where it exists, else folded from every article's facts one fold at a time
//! (`Answers`).
//!
//! Reads the projection only.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::{ApiError, ApiState, AsOfQuery, ViewQuery, as_of, date_param};
use crate::profile::Profile;
use crate::projection::timeline::Window;
use crate::projection::views::View;
use crate::projection::{self, ArticleFacts, AsOf, FactStore};

/// `/v1/export?format=jsonl|geojson&as_of=&at_seq=`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    format: String,
    as_of: Option<String>,
    at_seq: Option<u64>,
}

pub(super) async fn export(
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
    // Written from the kept state unless it is an audit at a seq (a fold of the log up to it).
    if !at.is_audit() {
        return Ok((
            [(axum::http::header::CONTENT_TYPE, format.content_type())],
            stream(s, format, at),
        )
            .into_response());
    }
    let Json(body) = view(s, move |a, p| projection::export::render(format, a, p, at)).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, format.content_type())], body).into_response())
}

// An export written from the kept state as it is read (`export::kept::write`): the daemon holds
// one article (a tally's figures or a day's CSV rows) and one chunk at a time, whatever the export's size. A failure after
// the first bytes can only end the body early (the status is sent), so the client sees a
// truncated stream and a broken connection, never a silently short file (the CLI writes files
// whole or not at all).
fn stream(s: ApiState, format: projection::export::Format, at: AsOf) -> axum::body::Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(8);
    tokio::task::spawn_blocking(move || {
        let mut out = ChunkWriter {
            tx: tx.clone(),
            buf: Vec::with_capacity(CHUNK),
        };
        let done = s
            .store
            .facts(s.projector.fingerprint())
            .map_err(projection::export::kept::ExportError::from)
            .and_then(|facts| projection::export::kept::write(format, &facts, &s.profile, at.date, &mut out));
        if let Err(e) = done {
            tracing::warn!(error = %e, format = format.name(), "the export stopped");
            let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    axum::body::Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

// Bytes per chunk of a streamed export.
const CHUNK: usize = 64 * 1024;

// Hands what is written to the response in chunks; fails once the client is gone, which stops
// the export.
struct ChunkWriter {
    tx: tokio::sync::mpsc::Sender<Result<axum::body::Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl std::io::Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = axum::body::Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

// Reads the projection off the runtime (sled reads block) and folds one view from it, when it
// is its turn (see `Answers::turn`).
pub(super) async fn view<V: Serialize + Send + 'static>(
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
        Ok::<_, String>((out, turn))
    })
    .await
    .map_err(|e| internal(format!("the view failed: {e}")))?
    .map_err(|e| internal(format!("reading the projection: {e}")))
}

// A route serving one view, with `as_of` and `at_seq`. A question by date is read from the kept
// state (no turn, nothing kept: it costs the same at any size). An audit by seq takes the events
// after it back out of the kept state (`projection::audit`): its answer is kept per question
// while the projection's checkpoint stays where it was, so repeated questions between appends
// cost nothing, and the first one after an append pays, one audit at a time.
pub(super) fn view_route(view: View) -> axum::routing::MethodRouter<ApiState> {
    get(
        move |State(s): State<ApiState>, q: Result<Query<ViewQuery>, QueryRejection>| async move {
            let Query(q) = q.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
            let window = view_window(view, q.offset, q.limit)?;
            let at = as_of(Ok(Query(AsOfQuery {
                as_of: q.as_of,
                at_seq: q.at_seq,
            })))?;
            if !at.is_audit() {
                let body = off_runtime(move || {
                    let facts = s.store.facts(s.projector.fingerprint())?;
                    Ok(serde_json::to_vec(&view.from_kept(&facts, &s.profile, at, window)?))
                })
                .await?
                .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
                return Ok(json_bytes(body.into()));
            }
            let checkpoint = s.status.borrow().projection_checkpoint;
            let key = (view.name(), at, window);
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
            s.answers.built.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // An audit takes the events after its seq back out of the kept state, in memory that
            // grows with them: one at a time. The turn is handed back only once the answer is
            // kept, so the ones waiting find it (also if this client went away meanwhile: the
            // turn lives in the blocking task's result).
            let (encoded, _turn) = off_runtime(move || {
                let facts = s.store.facts(s.projector.fingerprint())?;
                let answer = projection::audit::answer(&*s.store, &facts, &s.profile, view, at, window)?;
                let encoded = serde_json::to_vec(&answer);
                Ok((encoded, turn))
            })
            .await?;
            let body = axum::body::Bytes::from(
                encoded.map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?,
            );
            cache.put(key, checkpoint, body.clone());
            Ok::<_, ApiError>(json_bytes(body))
        },
    )
}

// The page a view answers: `offset` and `limit` only for a paged view.
fn view_window(view: View, offset: Option<u64>, limit: Option<usize>) -> Result<Window, ApiError> {
    if !view.pages() {
        if offset.is_some() || limit.is_some() {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                format!("/v1/{} is not paged: offset and limit page /v1/timeline", view.name()),
            ));
        }
        return Ok(Window::default());
    }
    let limit = limit.unwrap_or(projection::timeline::DEFAULT_LIMIT);
    if limit == 0 || limit > CITATIONS_MAX_LIMIT {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!("limit {limit} is not between 1 and {CITATIONS_MAX_LIMIT}"),
        ));
    }
    Ok(Window {
        offset: offset.unwrap_or(0),
        limit,
    })
}

/// `/v1/citations?figure=KEY&as_of=&offset=&limit=` (a casualty figure's citations) or
/// `?claims=KEY` (a claim group's claims) or `?truce=ID` (a truce's reports).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitationsQuery {
    figure: Option<String>,
    claims: Option<String>,
    truce: Option<String>,
    as_of: Option<String>,
    offset: Option<u64>,
    limit: Option<usize>,
}

/// The most citations one page carries.
pub const CITATIONS_MAX_LIMIT: usize = 1000;

// One page of a figure's citations or a claim group's claims, from the kept state.
pub(super) async fn citations(
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
    match (q.figure, q.claims, q.truce) {
        (Some(figure), None, None) => {
            let key: projection::casualties::FigureKey = figure
                .parse()
                .map_err(|e: String| ApiError(StatusCode::BAD_REQUEST, e))?;
            let missing = format!("no figure {key}{when}; `frontline casualties --json` gives each figure's key");
            lookup(s, missing, move |facts| {
                projection::casualties::kept::citations(facts, &key, date, offset, limit)
            })
            .await
        }
        (None, Some(group), None) => {
            projection::mentions::parse_claim_group_key(&group).map_err(|e| ApiError(StatusCode::BAD_REQUEST, e))?;
            let missing = format!("no claim group {group}{when}; `frontline claims --json` gives each group's key");
            lookup(s, missing, move |facts| {
                projection::mentions::kept::claim_page(facts, &group, date, offset, limit)
            })
            .await
        }
        (None, None, Some(truce)) => {
            let missing = format!("no truce {truce}{when}; `frontline ceasefire` lists each truce's id");
            lookup(s, missing, move |facts| {
                projection::ceasefire::kept::citations(facts, &truce, date, offset, limit)
            })
            .await
        }
        _ => Err(ApiError(
            StatusCode::BAD_REQUEST,
            "give one of figure=KEY (a casualty figure), claims=KEY (a claim group) or truce=ID (a truce)".into(),
        )),
    }
}

// Runs a read of the store off the runtime (sled reads block); a failure is a 500 naming it.
async fn off_runtime<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let internal = |e: String| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e);
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| internal(format!("the read failed: {e}")))?
        .map_err(|e| internal(format!("reading the projection: {e}")))
}

// One page read from the kept state off the runtime; 404 with `missing` when there is none.
async fn lookup<P: Serialize + Send + 'static>(
    s: ApiState,
    missing: String,
    read: impl FnOnce(&crate::store::SledFacts) -> Result<Option<P>, crate::store::StoreError> + Send + 'static,
) -> Result<Response, ApiError> {
    let page = off_runtime(move || read(&s.store.facts(s.projector.fingerprint())?)).await?;
    page.map(|p| Json(p).into_response())
        .ok_or(ApiError(StatusCode::NOT_FOUND, missing))
}

pub(super) fn json_bytes(body: axum::body::Bytes) -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Recent view answers, valid while the projection's checkpoint does not move; at most
/// `ANSWERS_MAX_BYTES`, the oldest dropped first. Also whose turn it is to fold one.
#[derive(Debug)]
pub struct Answers {
    inner: std::sync::Mutex<AnswersInner>,
    // One audit or export fold at a time: an audit holds the events after its seq in memory and
    // a non-JSONL export decodes every article's facts, so clients asking at once must not hold
    // several; and the ones waiting for the same answer find it kept when their turn comes.
    turns: Arc<tokio::sync::Semaphore>,
    /// Audits and export folds done for API requests (`frontline_view_builds_total`).
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
    entries: std::collections::VecDeque<((&'static str, AsOf, Window), u64, axum::body::Bytes)>,
}

/// The most bytes of view answers kept.
pub const ANSWERS_MAX_BYTES: usize = 16 * 1024 * 1024;

impl Answers {
    pub(super) async fn turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        Arc::clone(&self.turns)
            .acquire_owned()
            .await
            .map_err(|_| ApiError(StatusCode::SERVICE_UNAVAILABLE, "the daemon is stopping".into()))
    }

    pub(super) fn get(&self, key: &(&'static str, AsOf, Window), checkpoint: u64) -> Option<axum::body::Bytes> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner
            .entries
            .iter()
            .find(|(k, c, _)| k == key && *c == checkpoint)
            .map(|(_, _, b)| b.clone())
    }

    pub(super) fn put(&self, key: (&'static str, AsOf, Window), checkpoint: u64, body: axum::body::Bytes) {
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
