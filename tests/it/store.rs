//! The sled event log: gapless sequence across reopen, dedupe within and across batches,
//! retries that add nothing, locking, and `verify` finding each kind of damage.

use std::path::Path;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use frontline::article::{Article, ArticleKey};
use frontline::event::{EventType, Source};
use frontline::store::{Appender, Batch, EventLog, SledStore, StoreError};
use frontline::units::ByteSize;
use uuid::Uuid;

pub fn article(feed: &str, guid: &str, text: &str) -> Article {
    Article {
        feed: feed.into(),
        key: ArticleKey::Guid(guid.into()),
        guid: Some(guid.into()),
        link: Some(format!("https://wire.example/{guid}")),
        title: Some(format!("Report {guid}")),
        text: text.into(),
        authors: vec!["Desk".into()],
        categories: vec![],
        published_at: Some(Utc.with_ymd_and_hms(2020, 10, 4, 6, 0, 0).unwrap()),
        updated_at: None,
    }
}

pub fn batch(articles: Vec<Article>) -> Batch {
    Batch {
        source: Source {
            feed: articles.first().map(|a| a.feed.clone()).unwrap_or_default(),
            url: "https://wire.example/rss".into(),
        },
        correlation_id: Uuid::new_v4(),
        articles,
    }
}

fn open(path: &Path) -> SledStore {
    SledStore::open(path, ByteSize::mib(8)).unwrap()
}

#[test]
fn sequence_is_gapless_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..3u64 {
        let store = open(dir.path());
        assert_eq!(store.head().unwrap(), round * 2);
        let out = store
            .record(
                &batch(vec![
                    article("w", &format!("a{round}"), "x"),
                    article("w", &format!("b{round}"), "y"),
                ]),
                0,
            )
            .unwrap();
        store.sync().unwrap();
        let seqs: Vec<u64> = out.recorded.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, vec![round * 2 + 1, round * 2 + 2]);
    }
    let store = open(dir.path());
    let seqs: Vec<u64> = store.read_after(0, 100).unwrap().iter().map(|e| e.header.seq).collect();
    assert_eq!(seqs, (1..=6).collect::<Vec<_>>());
    assert!(store.verify().unwrap().is_clean());
}

/// A process killed while sled writes a snapshot (it writes one at every open) leaves an
/// unfinished `snap.<lsn>.generating`; sled 0.34 reads it at the next open and refuses the whole
/// store ("Read corrupted data at file offset None"), which the crash test met now and then
/// under load. The store opens anyway, with every event, and the unfinished file is gone.
#[test]
fn an_unfinished_sled_snapshot_left_by_a_kill_does_not_stop_the_store_opening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        store
            .record(&batch(vec![article("w", "a", "x"), article("w", "b", "y")]), 0)
            .unwrap();
        store.sync().unwrap();
    }
    let unfinished = dir.path().join("snap.7FFFFFFFFFFFFFFF.generating");
    std::fs::write(&unfinished, b"half of a snapshot, cut off by SIGKILL").unwrap();
    let store = SledStore::open(dir.path(), ByteSize::mib(8)).expect("the store opens");
    assert_eq!(store.head().unwrap(), 2);
    assert!(store.verify().unwrap().is_clean());
    assert!(!unfinished.exists(), "the unfinished snapshot was removed");
}

#[test]
fn duplicates_and_retries_add_nothing_and_changes_add_revisions() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    // The same entry twice in one document is one article.
    let out = store
        .record(
            &batch(vec![
                article("w", "a", "one"),
                article("w", "a", "one"),
                article("w", "b", "two"),
            ]),
            0,
        )
        .unwrap();
    assert_eq!((out.observed(), out.revised(), out.unchanged), (2, 0, 1));
    // A retried batch (same content) adds nothing.
    let retry = store
        .record(&batch(vec![article("w", "a", "one"), article("w", "b", "two")]), 0)
        .unwrap();
    assert_eq!((retry.recorded.len(), retry.unchanged), (0, 2));
    // Changed text: one revision; changing it twice in one batch gives two revisions in order.
    let out = store
        .record(
            &batch(vec![
                article("w", "a", "one, updated"),
                article("w", "a", "one, updated again"),
            ]),
            0,
        )
        .unwrap();
    assert_eq!(out.revised(), 2);
    // The same guid in another feed is another article.
    let other = store.record(&batch(vec![article("v", "a", "one")]), 0).unwrap();
    assert_eq!(other.observed(), 1);
    let events = store.read_after(0, 100).unwrap();
    let kinds: Vec<(EventType, u32)> = events
        .iter()
        .map(|e| (e.header.event_type, e.header.revision))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (EventType::ArticleObserved, 0),
            (EventType::ArticleObserved, 0),
            (EventType::ArticleRevised, 1),
            (EventType::ArticleRevised, 2),
            (EventType::ArticleObserved, 0),
        ]
    );
    assert_eq!(events[3].header.causation_id, Some(events[2].header.event_id));
    assert!(store.verify().unwrap().is_clean());
}

#[test]
fn appender_acknowledges_after_sync_and_shuts_down_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(dir.path()));
    let appender = Appender::start(store.clone());
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let h = appender.handle();
            std::thread::spawn(move || {
                (0..20)
                    .map(|i| {
                        h.record_blocking(batch(vec![article("w", &format!("t{t}-{i}"), "x")]))
                            .unwrap()
                            .recorded[0]
                            .seq
                    })
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut seqs: Vec<u64> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    seqs.sort();
    assert_eq!(
        seqs,
        (1..=160).collect::<Vec<_>>(),
        "concurrent producers, one gapless sequence"
    );
    appender.shutdown().unwrap();
    drop(store);
    assert!(open(dir.path()).verify().unwrap().is_clean());
}

#[test]
fn articles_larger_than_a_sled_segment_share_round_trip() {
    // sled stores items over a quarter of a segment (2 MiB with frontline's segments) as
    // separate blob files, which `sync` must fsync itself.
    let dir = tempfile::tempdir().unwrap();
    let long = "Shelling continued along the line of contact through the night. ".repeat(40_000);
    {
        let store = open(dir.path());
        store
            .record(&batch(vec![article("w", "long", &long), article("w", "short", "x")]), 0)
            .unwrap();
        store.sync().unwrap();
        let blobs = std::fs::read_dir(dir.path().join("blobs")).unwrap().count();
        assert!(blobs >= 1, "the long article should have gone to a blob file");
    }
    let store = open(dir.path());
    let events = store.read_after(0, 10).unwrap();
    assert_eq!(events[0].payload.article.text, long);
    assert!(store.verify().unwrap().is_clean());
}

/// A store made with sled's default 512 KiB segments (every store before frontline chose its own)
/// still opens, with the size it was made with, and keeps what it holds; a new store gets
/// frontline's size.
#[test]
fn a_store_made_with_another_segment_size_still_opens_with_it() {
    let segment = |dir: &Path| {
        String::from_utf8_lossy(&std::fs::read(dir.join("conf")).unwrap_or_default())
            .lines()
            .find_map(|l| l.strip_prefix("segment_size: ").map(str::to_string))
    };
    let old = tempfile::tempdir().unwrap();
    drop(sled::Config::new().path(old.path()).open().unwrap());
    assert_eq!(segment(old.path()).as_deref(), Some("524288"));
    {
        let store = open(old.path());
        store
            .record(&batch(vec![article("w", "a", "Shelling at dawn.")]), 0)
            .unwrap();
        store.sync().unwrap();
    }
    let store = open(old.path());
    assert_eq!(store.read_after(0, 10).unwrap().len(), 1);
    assert_eq!(segment(old.path()).as_deref(), Some("524288"));

    let new = tempfile::tempdir().unwrap();
    drop(open(new.path()));
    assert_eq!(
        segment(new.path()),
        Some(frontline::store::sled::SEGMENT_SIZE.to_string())
    );
}

#[test]
fn a_second_open_is_refused_as_locked_and_a_missing_store_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    match SledStore::open_existing(dir.path(), ByteSize::mib(8)) {
        Err(StoreError::Locked { holder, .. }) => assert_eq!(holder, Some(std::process::id())),
        other => panic!("expected Locked, got {other:?}"),
    }
    drop(store);
    assert!(
        SledStore::open_existing(dir.path(), ByteSize::mib(8)).is_ok(),
        "the lock is released on drop"
    );

    let empty = tempfile::tempdir().unwrap();
    let missing = empty.path().join("nothing-here");
    assert!(matches!(
        SledStore::open_existing(&missing, ByteSize::mib(8)),
        Err(StoreError::Missing { .. })
    ));
    assert!(!missing.exists(), "a read-only open must not create a store");
}

/// Writes a store with three events, then damages it through sled directly.
fn damaged(damage: impl FnOnce(&sled::Db)) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        store
            .record(
                &batch(vec![
                    article("w", "a", "one"),
                    article("w", "b", "two"),
                    article("w", "c", "three"),
                ]),
                0,
            )
            .unwrap();
        store.sync().unwrap();
    }
    {
        let db = crate::support::raw_sled(dir.path());
        damage(&db);
        db.flush().unwrap();
    }
    let report = open(dir.path()).verify().unwrap();
    report
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.at, p.what))
        .collect()
}

#[test]
fn verify_finds_a_flipped_payload_byte() {
    let problems = damaged(|db| {
        let events = db.open_tree("events").unwrap();
        let mut frame = events.get(2u64.to_be_bytes()).unwrap().unwrap().to_vec();
        let last = frame.len() - 10;
        frame[last] ^= 0x04;
        events.insert(2u64.to_be_bytes(), frame).unwrap();
    });
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("event 2: payload checksum mismatch"),
        "{problems:?}"
    );
}

#[test]
fn verify_finds_a_gap_and_dangling_indexes() {
    let problems = damaged(|db| {
        db.open_tree("events").unwrap().remove(2u64.to_be_bytes()).unwrap();
    });
    assert!(
        problems.iter().any(|p| p == "event 2: gap: events 2..=2 are missing"),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("by_article w/guid:b: points to event 2")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("points to event 2, which does not exist")),
        "{problems:?}"
    );
}

#[test]
fn verify_finds_index_disagreements() {
    let problems = damaged(|db| {
        db.open_tree("by_article").unwrap().remove("w/guid:c").unwrap();
        let ids = db.open_tree("by_event_id").unwrap();
        let first = ids.iter().next().unwrap().unwrap().0;
        ids.remove(first).unwrap();
    });
    assert!(
        problems
            .iter()
            .any(|p| p == "by_article w/guid:c: missing; the log's latest event for it is 3"),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("missing from by_event_id")),
        "{problems:?}"
    );

    let problems = damaged(|db| {
        db.open_tree("meta")
            .unwrap()
            .insert("next_seq", &9u64.to_be_bytes())
            .unwrap();
    });
    assert_eq!(problems, vec!["meta next_seq: is 9 but the last event is 3"]);
}
