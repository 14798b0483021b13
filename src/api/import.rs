//! `POST /v1/import`: a saved feed document ingested as a poll of its feed would be, through the
//! daemon's matcher and single writer (the only route that appends).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::Utc;
use serde::Deserialize;
use tracing::info;

use super::{ApiError, ApiState};

/// `POST /v1/import?feed=ID&origin=URL`, the body a saved feed document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    feed: String,
    origin: Option<String>,
}

// Ingests one saved document as a poll of `feed` would, and answers when it is durable.
pub(super) async fn import(
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
