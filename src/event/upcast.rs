//! Old payload versions → the current one, on read. Stored bytes are never rewritten.
//!
//! Each step takes version n to n+1 on a `serde_json::Value`; reading chains them. A payload
//! newer than this build is an error naming the event, never a guess. Every version ever
//! written keeps a frozen fixture under `tests/data/events/` that must load forever.
//!
//! Version history of the article payload (shared by `ArticleObserved` and `ArticleRevised`):
//! - v1: the first draft: `{feed, guid, link, title, summary, author, published}` with one
//!   optional author, no categories and no stored identity or content hash.
//! - v2: `{article: Article, content_hash}`: identity (`key`), authors and categories as lists,
//!   `published_at`/`updated_at`, and the content hash that drives revisions.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::{ArticlePayload, EventType};
use crate::article::{Article, ArticleKey};

/// The article payload version this build writes.
pub const ARTICLE_SCHEMA_VERSION: u16 = 2;

/// A payload that cannot be brought to the current version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpcastError {
    /// Written by a newer frontline.
    #[error(
        "{event_type} payload version {found} is newer than this build understands ({ARTICLE_SCHEMA_VERSION}); upgrade frontline"
    )]
    Newer {
        /// The event type.
        event_type: EventType,
        /// The stored version.
        found: u16,
    },
    /// Version 0 or otherwise never written.
    #[error("{event_type} payload version {found} was never written by any frontline")]
    Unknown {
        /// The event type.
        event_type: EventType,
        /// The stored version.
        found: u16,
    },
    /// The bytes do not have the shape their version promises.
    #[error("{event_type} payload v{version} is malformed: {message}")]
    Malformed {
        /// The event type.
        event_type: EventType,
        /// The version being read.
        version: u16,
        /// What serde said.
        message: String,
    },
}

/// Reads an article payload stored at `version` and returns it at the current version.
pub fn article_payload(event_type: EventType, version: u16, bytes: &[u8]) -> Result<ArticlePayload, UpcastError> {
    let malformed = |version: u16, e: serde_json::Error| UpcastError::Malformed {
        event_type,
        version,
        message: e.to_string(),
    };
    match version {
        ARTICLE_SCHEMA_VERSION => serde_json::from_slice(bytes).map_err(|e| malformed(version, e)),
        0 => Err(UpcastError::Unknown { event_type, found: 0 }),
        v if v > ARTICLE_SCHEMA_VERSION => Err(UpcastError::Newer { event_type, found: v }),
        v => {
            let mut value: Value = serde_json::from_slice(bytes).map_err(|e| malformed(v, e))?;
            for from in v..ARTICLE_SCHEMA_VERSION {
                value = step(from, value).map_err(|e| malformed(from, e))?;
            }
            serde_json::from_value(value).map_err(|e| malformed(ARTICLE_SCHEMA_VERSION, e))
        }
    }
}

// One step of the chain: `value` at version `from` → `from + 1`.
fn step(from: u16, value: Value) -> Result<Value, serde_json::Error> {
    match from {
        1 => v1_to_v2(value),
        _ => unreachable!("invariant: article_payload only chains versions 1..ARTICLE_SCHEMA_VERSION"),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct V1 {
    feed: String,
    guid: Option<String>,
    link: Option<String>,
    title: Option<String>,
    summary: String,
    author: Option<String>,
    published: Option<DateTime<Utc>>,
}

fn v1_to_v2(value: Value) -> Result<Value, serde_json::Error> {
    let v1: V1 = serde_json::from_value(value)?;
    // v1 stored no identity; derive it the way v2 does, so both versions of the same entry
    // share a stream.
    let key = ArticleKey::derive(
        v1.guid.as_deref(),
        v1.link.as_deref(),
        v1.title.as_deref(),
        v1.published,
    );
    let article = Article {
        feed: v1.feed,
        key,
        guid: v1.guid,
        link: v1.link,
        title: v1.title,
        text: v1.summary,
        authors: v1.author.into_iter().filter(|a| !a.trim().is_empty()).collect(),
        categories: Vec::new(),
        published_at: v1.published,
        updated_at: None,
    };
    serde_json::to_value(ArticlePayload::new(article))
}
