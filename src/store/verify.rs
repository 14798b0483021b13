//! `verify`: a full scan of a store for damage — checksums, frames, gaps in the sequence, and
//! agreement between the log and its two indexes.
//!
//! Damage is data: it is returned in a `VerifyReport`. `Err` means the scan itself could not
//! run. Read-only: verify never repairs or rewrites anything.

use std::collections::HashMap;

use serde::Serialize;
use uuid::Uuid;

use super::StoreError;
use super::sled::{SledStore, decode_head, decode_seq_key};
use crate::event::{self, EventType, upcast};

/// One thing wrong with a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where: `event 42`, `by_article oc-media/guid:…`, `meta next_seq`.
    pub at: String,
    /// What.
    pub what: String,
}

/// The result of a scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Events scanned.
    pub events: u64,
    /// Last seq found.
    pub last_seq: u64,
    /// Articles in the article index.
    pub articles: u64,
    /// Everything found wrong, in scan order.
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    /// True when nothing is wrong.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, at: impl Into<String>, what: impl Into<String>) {
        self.problems.push(Problem {
            at: at.into(),
            what: what.into(),
        });
    }
}

// What the scan learned about one stream from the log itself.
struct StreamState {
    last_seq: u64,
    revision: u32,
    // None when the payload is damaged (already reported).
    content_hash: Option<crate::article::ContentHash>,
    last_event_id: Uuid,
}

fn engine(context: &str, e: sled::Error) -> StoreError {
    StoreError::Engine {
        context: context.to_string(),
        message: e.to_string(),
    }
}

impl SledStore {
    /// Scans the whole store. Memory grows with the number of articles (one small entry per
    /// stream), not with the size of the log.
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        let mut report = VerifyReport::default();
        let mut streams: HashMap<String, StreamState> = HashMap::new();
        let mut expected_seq = 1u64;

        for item in self.events.iter() {
            let (k, v) = item.map_err(|e| engine("scanning events", e))?;
            let seq = match decode_seq_key(&k) {
                Ok(seq) => seq,
                Err(r) => {
                    report.problem("events", format!("malformed key {k:?}: {r}"));
                    continue;
                }
            };
            report.events += 1;
            if seq != expected_seq {
                if seq > expected_seq {
                    report.problem(
                        format!("event {expected_seq}"),
                        format!("gap: events {expected_seq}..={} are missing", seq - 1),
                    );
                } else {
                    report.problem(format!("event {seq}"), "out of order".to_string());
                }
            }
            expected_seq = seq + 1;
            report.last_seq = seq;
            let at = format!("event {seq}");

            // The header first: with it, even a damaged payload still says which article and
            // revision it was, so index checks can tell damage from inconsistency.
            let (h, payload) = match event::decode_header(&v) {
                Ok(pair) => pair,
                Err(e) => {
                    report.problem(at, e.to_string());
                    continue;
                }
            };
            if h.seq != seq {
                report.problem(
                    &at,
                    format!("header says seq {} but the event is stored at {seq}", h.seq),
                );
            }
            let content_hash = match event::check_payload(&h, payload)
                .map_err(|e| e.to_string())
                .and_then(|()| {
                    upcast::article_payload(h.event_type, h.schema_version, payload).map_err(|e| e.to_string())
                }) {
                Ok(p) => {
                    let article_stream = p.article.stream();
                    if h.stream != article_stream {
                        report.problem(
                            &at,
                            format!("header stream {:?} but the article's is {article_stream:?}", h.stream),
                        );
                    }
                    let expected_id = event::event_id(h.event_type, &h.stream, h.revision, &p.content_hash);
                    if h.event_id != expected_id {
                        report.problem(
                            &at,
                            format!(
                                "event id {} does not match its content (expected {expected_id})",
                                h.event_id
                            ),
                        );
                    }
                    Some(p.content_hash)
                }
                Err(reason) => {
                    report.problem(&at, reason);
                    None
                }
            };
            match self
                .by_event_id
                .get(h.event_id.as_bytes())
                .map_err(|e| engine("reading by_event_id", e))?
            {
                Some(s) if decode_seq_key(&s) == Ok(seq) => {}
                Some(s) => report.problem(
                    &at,
                    format!("by_event_id maps {} to {:?}, not {seq}", h.event_id, decode_seq_key(&s)),
                ),
                None => report.problem(&at, format!("event id {} missing from by_event_id", h.event_id)),
            }
            match (streams.get(&h.stream), h.event_type) {
                (None, EventType::ArticleObserved) if h.revision == 0 => {}
                (None, t) => report.problem(
                    &at,
                    format!(
                        "first event of {} is {t} revision {}, expected ArticleObserved revision 0",
                        h.stream, h.revision
                    ),
                ),
                (Some(prev), EventType::ArticleRevised) if h.revision == prev.revision + 1 => {}
                (Some(prev), t) => report.problem(
                    &at,
                    format!(
                        "{t} revision {} of {} follows revision {}",
                        h.revision, h.stream, prev.revision
                    ),
                ),
            }
            streams.insert(
                h.stream.clone(),
                StreamState {
                    last_seq: seq,
                    revision: h.revision,
                    content_hash,
                    last_event_id: h.event_id,
                },
            );
        }

        let next_seq = match self.next_seq() {
            Ok(n) => Some(n),
            Err(e) => {
                report.problem("meta next_seq", e.to_string());
                None
            }
        };
        if let Some(next) = next_seq
            && next != report.last_seq + 1
        {
            report.problem(
                "meta next_seq",
                format!("is {next} but the last event is {}", report.last_seq),
            );
        }

        let mut indexed = 0usize;
        for item in self.by_article.iter() {
            let (k, v) = item.map_err(|e| engine("scanning by_article", e))?;
            report.articles += 1;
            let stream = String::from_utf8_lossy(&k).into_owned();
            let at = format!("by_article {stream}");
            let head = match decode_head(&v) {
                Ok(h) => h,
                Err(r) => {
                    report.problem(at, r);
                    continue;
                }
            };
            let Some(state) = streams.get(&stream) else {
                report.problem(
                    at,
                    format!(
                        "points to event {} but the log has no event for this article",
                        head.last_seq
                    ),
                );
                continue;
            };
            indexed += 1;
            if head.last_seq != state.last_seq || head.revision != state.revision {
                report.problem(
                    &at,
                    format!(
                        "says latest is event {} revision {}, the log says event {} revision {}",
                        head.last_seq, head.revision, state.last_seq, state.revision
                    ),
                );
            }
            if state.content_hash.is_some_and(|h| h != head.content_hash) || head.last_event_id != state.last_event_id {
                report.problem(
                    &at,
                    format!("content hash or event id differs from event {}", state.last_seq),
                );
            }
        }
        if indexed < streams.len() {
            let mut missing: Vec<&String> = streams
                .keys()
                .filter(|s| self.by_article.get(s.as_bytes()).ok().flatten().is_none())
                .collect();
            missing.sort();
            for s in missing {
                report.problem(
                    format!("by_article {s}"),
                    format!("missing; the log's latest event for it is {}", streams[s].last_seq),
                );
            }
        }

        let mut ids = 0u64;
        for item in self.by_event_id.iter() {
            let (k, v) = item.map_err(|e| engine("scanning by_event_id", e))?;
            ids += 1;
            let id = Uuid::from_slice(&k)
                .map(|u| u.to_string())
                .unwrap_or_else(|_| format!("{k:?}"));
            match decode_seq_key(&v) {
                Ok(seq)
                    if seq >= 1 && seq <= report.last_seq && self.events.contains_key(v.as_ref()).unwrap_or(false) => {}
                Ok(seq) => report.problem(
                    format!("by_event_id {id}"),
                    format!("points to event {seq}, which does not exist"),
                ),
                Err(r) => report.problem(format!("by_event_id {id}"), r),
            }
        }
        if ids != report.events {
            report.problem("by_event_id", format!("has {ids} entries for {} events", report.events));
        }
        Ok(report)
    }
}
