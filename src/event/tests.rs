//! The envelope: frames round-trip, every kind of damage is detected, ids are deterministic,
//! and the observe/revise/unchanged decision.

use uuid::Uuid;

use super::*;
use crate::article::{Article, ArticleKey};

fn article(text: &str) -> Article {
    Article {
        feed: "wire".into(),
        key: ArticleKey::Guid("g-1".into()),
        guid: Some("g-1".into()),
        link: None,
        title: Some("Barda struck".into()),
        text: text.into(),
        authors: vec![],
        categories: vec![],
        published_at: None,
        updated_at: None,
    }
}

fn header(seq: u64) -> EventHeader {
    EventHeader {
        seq,
        event_id: Uuid::nil(),
        event_type: EventType::ArticleObserved,
        schema_version: ARTICLE_SCHEMA_VERSION,
        recorded_at_us: 1_600_000_000_000_000,
        stream: "wire/guid:g-1".into(),
        revision: 0,
        correlation_id: Uuid::nil(),
        causation_id: None,
        source: Source {
            feed: "wire".into(),
            url: "https://wire.example/rss".into(),
        },
        producer: Producer::current(),
        content_type: "application/json".into(),
        payload_len: 0,
        payload_crc32c: 0,
    }
}

fn frame() -> (EventHeader, Vec<u8>, Vec<u8>) {
    let payload = ArticlePayload::new(article("A strike hit Barda.")).to_bytes();
    let mut h = header(7);
    let f = encode(&mut h, &payload);
    (h, payload, f)
}

#[test]
fn frames_round_trip() {
    let (h, payload, f) = frame();
    let (decoded, p) = decode(&f).unwrap();
    assert_eq!(decoded, h);
    assert_eq!(p, &payload[..]);
    assert_eq!(decoded.payload_len as usize, payload.len());
    let back = upcast::article_payload(decoded.event_type, decoded.schema_version, p).unwrap();
    assert_eq!(back.article.text, "A strike hit Barda.");
}

#[test]
fn every_kind_of_damage_is_detected() {
    let (_, _, f) = frame();
    let header_len = u32::from_le_bytes(f[4..8].try_into().unwrap()) as usize;

    let mut payload_flip = f.clone();
    *payload_flip.last_mut().unwrap() ^= 0x01;
    assert!(matches!(decode(&payload_flip), Err(FrameError::PayloadChecksum { .. })));

    let mut header_flip = f.clone();
    header_flip[12 + header_len / 2] ^= 0x20;
    assert!(matches!(decode(&header_flip), Err(FrameError::HeaderChecksum { .. })));

    assert!(matches!(
        decode(&f[..f.len() - 3]),
        Err(FrameError::PayloadLength { .. })
    ));
    assert!(matches!(decode(&f[..20]), Err(FrameError::Truncated(_))));
    assert!(matches!(decode(&f[..5]), Err(FrameError::Truncated(_))));

    let mut magic = f.clone();
    magic[0] = b'X';
    assert_eq!(decode(&magic), Err(FrameError::BadMagic));

    let mut newer = f.clone();
    newer[3] = FRAME_VERSION + 1;
    assert_eq!(decode(&newer), Err(FrameError::NewerFrame(FRAME_VERSION + 1)));
}

#[test]
fn event_ids_are_deterministic_and_distinct() {
    let h1 = article("one").content_hash();
    let h2 = article("two").content_hash();
    let id = event_id(EventType::ArticleObserved, "wire/guid:g-1", 0, &h1);
    assert_eq!(id, event_id(EventType::ArticleObserved, "wire/guid:g-1", 0, &h1));
    assert_eq!(id.get_version_num(), 5);
    assert_ne!(id, event_id(EventType::ArticleObserved, "wire/guid:g-1", 0, &h2));
    assert_ne!(id, event_id(EventType::ArticleRevised, "wire/guid:g-1", 0, &h1));
    assert_ne!(id, event_id(EventType::ArticleObserved, "wire/guid:g-2", 0, &h1));
    // Content that flips back later is a new revision, hence a new event.
    assert_ne!(
        event_id(EventType::ArticleRevised, "wire/guid:g-1", 1, &h1),
        event_id(EventType::ArticleRevised, "wire/guid:g-1", 3, &h1)
    );
}

#[test]
fn decide_observe_revise_unchanged() {
    let h1 = article("one").content_hash();
    let h2 = article("two").content_hash();
    let head = ArticleHead {
        last_seq: 9,
        revision: 2,
        content_hash: h1,
        last_event_id: Uuid::from_u128(42),
    };
    assert_eq!(decide(None, &h1), Decision::Observe);
    assert_eq!(decide(Some(&head), &h1), Decision::Unchanged);
    assert_eq!(
        decide(Some(&head), &h2),
        Decision::Revise {
            revision: 3,
            causation: Uuid::from_u128(42)
        }
    );
}

#[test]
fn newer_and_never_written_payload_versions_are_refused() {
    let bytes = ArticlePayload::new(article("x")).to_bytes();
    let newer = upcast::article_payload(EventType::ArticleRevised, ARTICLE_SCHEMA_VERSION + 1, &bytes).unwrap_err();
    assert_eq!(
        newer.to_string(),
        format!(
            "ArticleRevised payload version {} is newer than this build understands ({ARTICLE_SCHEMA_VERSION}); upgrade frontline",
            ARTICLE_SCHEMA_VERSION + 1
        )
    );
    assert!(matches!(
        upcast::article_payload(EventType::ArticleObserved, 0, &bytes),
        Err(UpcastError::Unknown { .. })
    ));
    assert!(matches!(
        upcast::article_payload(EventType::ArticleObserved, ARTICLE_SCHEMA_VERSION, b"{}"),
        Err(UpcastError::Malformed { .. })
    ));
}
