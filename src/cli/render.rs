//! Output formats for the CLI: one text line per event, the JSON shape of an event, and the
//! verify report as text.
//!
//! Formatting only: no store access, no I/O beyond building strings.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::event::{ArticlePayload, EventType, Producer, Source, StoredEvent};
use crate::extract::Extraction;
use crate::store::VerifyReport;

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

/// The verify report as text: a summary line, then one line per problem.
pub fn verify_text(store: &Path, r: &VerifyReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "store {}: {} events (last seq {}), {} articles",
        store.display(),
        r.events,
        r.last_seq,
        r.articles
    );
    if r.is_clean() {
        s.push_str("ok: checksums, sequence and indexes are consistent\n");
    } else {
        for p in &r.problems {
            let _ = writeln!(s, "{}: {}", p.at, p.what);
        }
        let n = r.problems.len();
        let _ = writeln!(s, "damaged: {n} problem{} found", if n == 1 { "" } else { "s" });
    }
    s
}

/// What the extractor found, as readable text: one line per fact, with its sentence.
pub fn extraction_text(x: &Extraction) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "relevant: {}{}",
        if x.relevant { "yes" } else { "no" },
        if x.matched_rules.is_empty() {
            String::new()
        } else {
            format!(" (rules: {})", x.matched_rules.join(", "))
        }
    );
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    if !x.casualties.is_empty() {
        let _ = writeln!(s, "\ncasualties:");
        for c in &x.casualties {
            let _ = writeln!(
                s,
                "  {} {} {} party={} bound={} scope={} location={} as_of={} reported_by={}\n    \"{}\"",
                c.count,
                serde_name(&c.outcome),
                serde_name(&c.group),
                opt(&c.party),
                serde_name(&c.bound),
                serde_name(&c.scope),
                opt(&c.location),
                c.as_of,
                opt(&c.reported_by),
                c.evidence
            );
        }
    }
    if !x.ceasefire.is_empty() {
        let _ = writeln!(s, "\nceasefire:");
        for c in &x.ceasefire {
            let _ = writeln!(
                s,
                "  {} brokers=[{}] effective_at={} by={} against={}\n    \"{}\"",
                serde_name(&c.status),
                c.brokers.join(","),
                opt(&c.effective_at),
                opt(&c.by),
                opt(&c.against),
                c.evidence
            );
        }
    }
    if !x.control.is_empty() {
        let _ = writeln!(s, "\ncontrol:");
        for c in &x.control {
            let _ = writeln!(
                s,
                "  {} {} side={} claimed_by={}\n    \"{}\"",
                c.location,
                serde_name(&c.change),
                opt(&c.side),
                opt(&c.claimed_by),
                c.evidence
            );
        }
    }
    if !x.claims.is_empty() {
        let _ = writeln!(s, "\nclaims:");
        for c in &x.claims {
            let _ = writeln!(
                s,
                "  {} by={} against={} about=\"{}\"",
                serde_name(&c.kind),
                c.by,
                opt(&c.against),
                c.about
            );
        }
    }
    if !x.actors.is_empty() {
        let list: Vec<String> = x.actors.iter().map(|a| format!("{} ({})", a.id, a.mentions)).collect();
        let _ = writeln!(s, "\nactors: {}", list.join(", "));
    }
    if !x.locations.is_empty() {
        let list: Vec<String> = x
            .locations
            .iter()
            .map(|l| format!("{} ({})", l.id, l.mentions))
            .collect();
        let _ = writeln!(s, "locations: {}", list.join(", "));
    }
    s
}

/// The serde name of a unit enum value ("killed", "at_least").
pub fn serde_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}
