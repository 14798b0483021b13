//! The event envelope: event types, the header every stored event carries, the binary frame it
//! is stored in (with checksums), deterministic event ids, and the rule that decides whether an
//! observed article is new, revised or unchanged.
//!
//! Pure: encoding and decoding bytes, no storage. Payload versions and upcasting live in
//! `upcast`; this module never interprets an old payload itself.

pub mod upcast;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::article::{Article, ContentHash};

pub use upcast::{ARTICLE_SCHEMA_VERSION, UpcastError};

/// The kinds of event in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    /// First sighting of an article that matched the profile.
    ArticleObserved,
    /// The same article seen again with different content.
    ArticleRevised,
}

impl EventType {
    /// The name as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ArticleObserved => "ArticleObserved",
            EventType::ArticleRevised => "ArticleRevised",
        }
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an event's article was fetched from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Feed id.
    pub feed: String,
    /// The feed URL as configured.
    pub url: String,
}

/// The program that wrote an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Producer {
    /// Always "frontline".
    pub app: String,
    /// Its version.
    pub version: String,
}

impl Producer {
    /// This build.
    pub fn current() -> Producer {
        Producer {
            app: "frontline".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// The envelope of one stored event.
///
/// Invariant: `seq` equals the event's key in the log, and the log's seqs are 1, 2, 3, ...
/// without gaps. `event_id` is a function of (type, stream, revision, content hash), so a
/// retried append computes the same id and is recognised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventHeader {
    /// Global position, gapless, assigned at append.
    pub seq: u64,
    /// Deterministic id (UUIDv5).
    pub event_id: Uuid,
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// Version of the payload's shape for this type, as stored.
    pub schema_version: u16,
    /// When the daemon recorded it, in microseconds since the Unix epoch. Informational: the
    /// log is ordered by `seq`, never by clock.
    pub recorded_at_us: i64,
    /// `<feed>/<article key>`: all events of one article.
    pub stream: String,
    /// Position within the stream: 0 for `ArticleObserved`, then 1, 2, ... per revision.
    pub revision: u32,
    /// Shared by all events appended from one poll.
    pub correlation_id: Uuid,
    /// The event this one follows (a revision's previous event).
    pub causation_id: Option<Uuid>,
    /// Where the article came from.
    pub source: Source,
    /// Who wrote the event.
    pub producer: Producer,
    /// Media type of the payload bytes.
    pub content_type: String,
    /// Length of the payload in bytes.
    pub payload_len: u32,
    /// CRC-32C of the payload bytes exactly as stored.
    pub payload_crc32c: u32,
}

/// The payload of both article events, current version: the article and its content hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticlePayload {
    /// The article as observed.
    pub article: Article,
    /// `article.content_hash()` at the time of recording.
    pub content_hash: ContentHash,
}

impl ArticlePayload {
    /// Wraps `article` with its content hash.
    pub fn new(article: Article) -> ArticlePayload {
        let content_hash = article.content_hash();
        ArticlePayload { article, content_hash }
    }

    /// The payload bytes as stored (JSON).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("invariant: an ArticlePayload always serializes to JSON")
    }
}

/// A decoded event: its header and its payload upcast to the current version.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// The envelope, as stored.
    pub header: EventHeader,
    /// The payload, upcast to [`ARTICLE_SCHEMA_VERSION`].
    pub payload: ArticlePayload,
}

// A fixed namespace for frontline's UUIDv5 event ids.
const EVENT_ID_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2b0e_8a57_4d0b_9c3e_5e1a_f7d2_4b61);

/// The deterministic id of an event: the same article content at the same revision of the
/// same stream always gets the same id.
pub fn event_id(event_type: EventType, stream: &str, revision: u32, hash: &ContentHash) -> Uuid {
    let mut name = Vec::with_capacity(stream.len() + 64);
    name.extend_from_slice(event_type.as_str().as_bytes());
    name.push(0);
    name.extend_from_slice(stream.as_bytes());
    name.push(0);
    name.extend_from_slice(&revision.to_be_bytes());
    name.extend_from_slice(&hash.0);
    Uuid::new_v5(&EVENT_ID_NAMESPACE, &name)
}

/// What the log knows of an article: its latest event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleHead {
    /// Seq of the article's latest event.
    pub last_seq: u64,
    /// Its revision number.
    pub revision: u32,
    /// The content hash it recorded.
    pub content_hash: ContentHash,
    /// Its event id.
    pub last_event_id: Uuid,
}

/// What to append for an observed article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Never seen: `ArticleObserved` at revision 0.
    Observe,
    /// Seen with other content: `ArticleRevised` at `revision`, caused by the previous event.
    Revise {
        /// The new revision number.
        revision: u32,
        /// The previous event's id.
        causation: Uuid,
    },
    /// Seen with the same content: nothing.
    Unchanged,
}

/// Decides what an observation of an article with content `hash` adds to the log, given what
/// the log holds for it.
pub fn decide(head: Option<&ArticleHead>, hash: &ContentHash) -> Decision {
    match head {
        None => Decision::Observe,
        Some(h) if h.content_hash == *hash => Decision::Unchanged,
        Some(h) => Decision::Revise {
            revision: h.revision.saturating_add(1),
            causation: h.last_event_id,
        },
    }
}

// Frame layout (all integers little-endian):
//   "FLE" | frame version u8 | header_len u32 | header_crc32c u32 | header (JSON) | payload
// The header checksum catches torn or flipped header bytes; the payload checksum, kept in the
// header, catches damage to the payload. Frame version 1 is the only one so far.
const MAGIC: &[u8; 3] = b"FLE";
/// The frame version this build writes.
pub const FRAME_VERSION: u8 = 1;
const PREFIX_LEN: usize = 3 + 1 + 4 + 4;

/// Damage or incompatibility found while decoding a frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Fewer bytes than the fixed prefix, or than the header length says.
    #[error("frame truncated: {0}")]
    Truncated(String),
    /// The first bytes are not "FLE".
    #[error("not an event frame (bad magic bytes)")]
    BadMagic,
    /// Written by a newer frontline.
    #[error("frame version {0} is newer than this build understands ({FRAME_VERSION}); upgrade frontline")]
    NewerFrame(u8),
    /// The header checksum does not match.
    #[error("header checksum mismatch (stored {stored:#010x}, computed {computed:#010x})")]
    HeaderChecksum {
        /// As stored.
        stored: u32,
        /// As computed.
        computed: u32,
    },
    /// The header is not valid JSON of the expected shape.
    #[error("header unreadable: {0}")]
    Header(String),
    /// The payload length differs from the header's.
    #[error("payload length {actual} differs from the header's {expected}")]
    PayloadLength {
        /// From the header.
        expected: u32,
        /// Present.
        actual: usize,
    },
    /// The payload checksum does not match.
    #[error("payload checksum mismatch (stored {stored:#010x}, computed {computed:#010x})")]
    PayloadChecksum {
        /// As stored in the header.
        stored: u32,
        /// As computed.
        computed: u32,
    },
}

/// Encodes `header` and `payload` into a frame. `header.payload_len` and
/// `header.payload_crc32c` are set here from `payload`.
pub fn encode(header: &mut EventHeader, payload: &[u8]) -> Vec<u8> {
    header.payload_len =
        u32::try_from(payload.len()).expect("invariant: payloads are bounded by max_body, far below 4 GiB");
    header.payload_crc32c = crc32c::crc32c(payload);
    let header_bytes = serde_json::to_vec(header).expect("invariant: an EventHeader always serializes to JSON");
    let header_len = u32::try_from(header_bytes.len()).expect("invariant: headers are small");
    let mut out = Vec::with_capacity(PREFIX_LEN + header_bytes.len() + payload.len());
    out.extend_from_slice(MAGIC);
    out.push(FRAME_VERSION);
    out.extend_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(&crc32c::crc32c(&header_bytes).to_le_bytes());
    out.extend_from_slice(&header_bytes);
    out.extend_from_slice(payload);
    out
}

/// Decodes a frame into its header and payload bytes, checking both checksums.
pub fn decode(frame: &[u8]) -> Result<(EventHeader, &[u8]), FrameError> {
    let (header, payload) = decode_header(frame)?;
    check_payload(&header, payload)?;
    Ok((header, payload))
}

/// Decodes a frame's header (checking the header checksum) and returns the payload bytes
/// unchecked. `verify` uses it to learn which article a damaged payload belonged to.
pub fn decode_header(frame: &[u8]) -> Result<(EventHeader, &[u8]), FrameError> {
    if frame.len() < PREFIX_LEN {
        return Err(FrameError::Truncated(format!(
            "{} bytes, the prefix alone is {PREFIX_LEN}",
            frame.len()
        )));
    }
    if &frame[..3] != MAGIC {
        return Err(FrameError::BadMagic);
    }
    if frame[3] != FRAME_VERSION {
        // Frame version 0 was never written; anything else is from the future.
        return Err(FrameError::NewerFrame(frame[3]));
    }
    let header_len = u32::from_le_bytes([frame[4], frame[5], frame[6], frame[7]]) as usize;
    let stored_crc = u32::from_le_bytes([frame[8], frame[9], frame[10], frame[11]]);
    let rest = &frame[PREFIX_LEN..];
    if rest.len() < header_len {
        return Err(FrameError::Truncated(format!(
            "header length {header_len} but only {} bytes follow",
            rest.len()
        )));
    }
    let (header_bytes, payload) = rest.split_at(header_len);
    let computed = crc32c::crc32c(header_bytes);
    if computed != stored_crc {
        return Err(FrameError::HeaderChecksum {
            stored: stored_crc,
            computed,
        });
    }
    let header: EventHeader = serde_json::from_slice(header_bytes).map_err(|e| FrameError::Header(e.to_string()))?;
    Ok((header, payload))
}

/// Checks `payload` against the length and checksum its header recorded.
pub fn check_payload(header: &EventHeader, payload: &[u8]) -> Result<(), FrameError> {
    if payload.len() != header.payload_len as usize {
        return Err(FrameError::PayloadLength {
            expected: header.payload_len,
            actual: payload.len(),
        });
    }
    let computed = crc32c::crc32c(payload);
    if computed != header.payload_crc32c {
        return Err(FrameError::PayloadChecksum {
            stored: header.payload_crc32c,
            computed,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
