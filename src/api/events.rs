//! `/v1/events`: the log, page by page, as JSON Lines or text lines; with `follow`, new events as
//! they are appended.
//!
//! Reads the log only.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tracing::warn;

use super::{ApiError, ApiState};

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
pub(super) async fn events(
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
                    crate::protocol::events::event_line(e, width).into_bytes()
                } else {
                    match serde_json::to_vec(&crate::protocol::events::EventJson::from(e)) {
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
