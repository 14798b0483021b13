//! An event as both faces show it: one text line (`frontline events`, `/v1/events?format=text`)
//! or the JSON of `frontline events --json` and `/v1/events`.
//!
//! Pure: an event in, a line or a serializable shape out.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::event::{ArticlePayload, EventType, Producer, Source, StoredEvent};

fn time_us(us: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us)
}

/// One event as a text line: seq, record time, kind, revision, feed, publication date, title.
pub fn event_line(e: &StoredEvent, seq_width: usize) -> String {
    let h = &e.header;
    let a = &e.payload.article;
    let recorded = time_us(h.recorded_at_us)
        .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_else(|| "?".into());
    let kind = match h.event_type {
        EventType::ArticleObserved => "observed",
        EventType::ArticleRevised => "revised",
    };
    let published = a
        .published_at
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "-".into());
    let title = a.title.as_deref().unwrap_or("(no title)");
    // Feed ids are at most 64 characters but usually under 16; padding to 14 aligns most lines
    // without knowing every id in advance (the list is streamed).
    format!(
        "{:>seq_width$}  {recorded}  {kind:<8} r{}  {:<14}  {published}  {title}",
        h.seq, h.revision, a.feed
    )
}

/// The JSON shape of an event, as `frontline events --json` prints it (one per line). The
/// header fields are as stored; the payload is upcast to the current version.
#[derive(Debug, Serialize)]
pub struct EventJson<'a> {
    seq: u64,
    event_id: Uuid,
    #[serde(rename = "type")]
    event_type: EventType,
    schema_version: u16,
    recorded_at: Option<String>,
    stream: &'a str,
    revision: u32,
    correlation_id: Uuid,
    causation_id: Option<Uuid>,
    source: &'a Source,
    producer: &'a Producer,
    payload_crc32c: String,
    payload: &'a ArticlePayload,
}

impl<'a> From<&'a StoredEvent> for EventJson<'a> {
    fn from(e: &'a StoredEvent) -> Self {
        let h = &e.header;
        EventJson {
            seq: h.seq,
            event_id: h.event_id,
            event_type: h.event_type,
            schema_version: h.schema_version,
            recorded_at: time_us(h.recorded_at_us).map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true)),
            stream: &h.stream,
            revision: h.revision,
            correlation_id: h.correlation_id,
            causation_id: h.causation_id,
            source: &h.source,
            producer: &h.producer,
            payload_crc32c: format!("{:08x}", h.payload_crc32c),
            payload: &e.payload,
        }
    }
}
