//! Ingestion end to end against a local feed server: exactly the matching articles are
//! appended, a second poll appends nothing, a changed entry appends one revision, and the
//! daemon keeps running when feeds fail.

use std::sync::Arc;
use std::time::Duration;

use frontline::config::FeedConfig;
use frontline::daemon::{self, DaemonStatus};
use frontline::event::EventType;
use frontline::feed::Fetcher;
use frontline::ingest::poll_feed;
use frontline::matcher::Matcher;
use frontline::protocol::feeds::Health;
use frontline::store::{Appender, EventLog, SledStore};
use frontline::units::ByteSize;
use tokio::sync::{oneshot, watch};

use crate::support::feed_server::{Doc, FeedServer};
use crate::support::{fixture, shipped_profile, wait_for, write_config};

const MATCHING_TITLES: [&str; 5] = [
    "Shelling of Stepanakert kills two civilians",
    "Armenia reports 16 servicemen killed as fighting spreads",
    "Missile strike on Ganja apartment block",
    "Humanitarian truce agreed after talks in Moscow",
    "Homes damaged in Martuni, local officials say",
];

fn titles(store: &SledStore) -> Vec<String> {
    store
        .read_after(0, 1000)
        .unwrap()
        .iter()
        .map(|e| e.payload.article.title.clone().unwrap_or_default())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_appends_matching_then_nothing_then_one_revision() {
    let server = FeedServer::start().await;
    server.set("/wire.xml", Doc::rss(fixture("feeds/caucasus-wire.xml")));
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[("Caucasus Wire", &server.url("/wire.xml"))], "15m");
    let feed: &FeedConfig = &config.feeds[0];
    let store = Arc::new(SledStore::open(&config.store.path, ByteSize::mib(8)).unwrap());
    let appender = Appender::start(store.clone());
    let handle = appender.handle();
    let fetcher = Fetcher::new(&config.poll).unwrap();
    let matcher = Arc::new(Matcher::for_profile(&shipped_profile()).unwrap());

    let first = poll_feed(feed, &fetcher, &matcher, &handle).await.unwrap();
    assert_eq!((first.status, first.entries, first.matched), (200, 9, 5));
    assert_eq!(
        (first.new, first.revised, first.unchanged, first.last_seq),
        (5, 0, 0, Some(5))
    );
    assert_eq!(titles(&store), MATCHING_TITLES);

    let second = poll_feed(feed, &fetcher, &matcher, &handle).await.unwrap();
    assert_eq!(
        (second.new, second.revised, second.unchanged, second.last_seq),
        (0, 0, 5, None)
    );
    assert_eq!(store.head().unwrap(), 5);

    // One item's text changed (a revision); another only changed its date (not a revision).
    server.set("/wire.xml", Doc::rss(fixture("feeds/caucasus-wire-revised.xml")));
    let third = poll_feed(feed, &fetcher, &matcher, &handle).await.unwrap();
    assert_eq!(
        (third.new, third.revised, third.unchanged, third.last_seq),
        (0, 1, 4, Some(6))
    );

    let events = store.read_after(0, 100).unwrap();
    assert_eq!(events.len(), 6);
    let revised = &events[5];
    let original = &events[1];
    assert_eq!(revised.header.event_type, EventType::ArticleRevised);
    assert_eq!(revised.header.revision, 1);
    assert_eq!(revised.header.stream, original.header.stream);
    assert_eq!(revised.header.causation_id, Some(original.header.event_id));
    assert!(
        revised.payload.article.text.contains("31 servicemen"),
        "{}",
        revised.payload.article.text
    );
    // The item without a guid is identified by its link, tracking parameters dropped.
    assert_eq!(
        events[4].header.stream,
        format!(
            "{}/link:https://caucasus-wire.example/2020/10/02/martuni-damage",
            feed.id
        )
    );
    assert_eq!(server.hits("/wire.xml"), 3);

    drop(handle);
    appender.shutdown().unwrap();
    assert!(store.verify().unwrap().is_clean());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_ingests_from_http_and_file_feeds_and_survives_failing_ones() {
    let server = FeedServer::start().await;
    server.set("/wire.xml", Doc::rss(fixture("feeds/caucasus-wire.xml")));
    server.set("/broken.xml", Doc::status(500));
    server.set(
        "/moved.xml",
        Doc {
            content_type: "text/html",
            ..Doc::rss(&b"<!DOCTYPE html><html><body>This site has moved</body></html>"[..])
        },
    );
    let atom = crate::support::data("feeds/ministry-atom.xml");
    let dir = tempfile::tempdir().unwrap();
    let atom_url = url::Url::from_file_path(&atom).unwrap().to_string();
    let wire_url = server.url("/wire.xml");
    let broken_url = server.url("/broken.xml");
    let moved_url = server.url("/moved.xml");
    let config = write_config(
        dir.path(),
        &[
            ("Caucasus Wire", &wire_url),
            ("Defence Bulletin", &atom_url),
            ("Broken", &broken_url),
            ("Moved", &moved_url),
            ("Nobody home", "http://127.0.0.1:9/feed.xml"),
            ("Missing file", "file:does-not-exist.xml"),
        ],
        "1s",
    );
    let store_path = config.store.path.clone();
    let (status_tx, status) = watch::channel(DaemonStatus::default());
    let (stop, stopped) = oneshot::channel::<()>();
    let daemon = tokio::spawn(daemon::serve(
        config,
        shipped_profile(),
        async {
            let _ = stopped.await;
        },
        status_tx,
    ));

    let polls = |feed: &str| status.borrow().feeds.get(feed).map(|f| f.polls).unwrap_or(0);
    // Two polls of every feed: the second must append nothing new.
    wait_for("two polls of every feed", Duration::from_secs(30), || {
        [
            "caucasus-wire", "defence-bulletin", "broken", "moved", "nobody-home", "missing-file",
        ]
        .iter()
        .all(|f| polls(f) >= 2)
    })
    .await;
    // Then a revision: wait for two more polls so at least one starts after the swap.
    server.set("/wire.xml", Doc::rss(fixture("feeds/caucasus-wire-revised.xml")));
    let after_swap = polls("caucasus-wire") + 2;
    wait_for("polls after the swap", Duration::from_secs(30), || {
        polls("caucasus-wire") >= after_swap
    })
    .await;

    // The projection task follows the log.
    wait_for("the projection to catch up", Duration::from_secs(30), || {
        let s = status.borrow();
        s.last_seq == 8 && s.projection_checkpoint == s.last_seq
    })
    .await;
    let snapshot = status.borrow().clone();
    stop.send(()).unwrap();
    daemon.await.unwrap().expect("daemon stops cleanly");

    assert!(snapshot.ready);
    let feed = |id: &str| snapshot.feeds[id].clone();
    assert_eq!(feed("caucasus-wire").failures, 0);
    assert_eq!(feed("caucasus-wire").appended, 6, "5 observed + 1 revised");
    assert_eq!(feed("defence-bulletin").appended, 2);
    for (id, class) in [
        ("broken", "http_5xx"),
        ("moved", "not_a_feed"),
        ("nobody-home", "connect"),
        ("missing-file", "file"),
    ] {
        let f = feed(id);
        assert_eq!(f.failures, f.polls, "{id} fails every poll");
        assert_eq!(f.last_error_class.as_deref(), Some(class), "{id}: {:?}", f.last_error);
        assert!(f.last_error.as_deref().is_some_and(|e| !e.is_empty()), "{id}");
        // Every poll failed: after two it is degraded, from three on failing.
        let expected = if f.polls >= frontline::protocol::feeds::FAILING_AFTER {
            Health::Failing
        } else {
            Health::Degraded
        };
        assert_eq!(f.health, expected, "{id}");
    }
    assert_eq!(feed("caucasus-wire").health, Health::Healthy);

    let store = crate::support::reopen_store(&store_path);
    let events = store.read_after(0, 1000).unwrap();
    let observed: Vec<_> = events
        .iter()
        .filter(|e| e.header.event_type == EventType::ArticleObserved)
        .collect();
    let revised: Vec<_> = events
        .iter()
        .filter(|e| e.header.event_type == EventType::ArticleRevised)
        .collect();
    assert_eq!(observed.len(), 7, "5 wire + 2 bulletin articles");
    assert_eq!(revised.len(), 1);
    let mut got: Vec<String> = observed
        .iter()
        .map(|e| e.payload.article.title.clone().unwrap())
        .collect();
    got.sort();
    let mut want: Vec<String> = MATCHING_TITLES.iter().map(|s| s.to_string()).collect();
    want.extend([
        "US-brokered ceasefire takes effect".to_string(),
        "Trilateral statement ends the fighting".to_string(),
    ]);
    want.sort();
    assert_eq!(got, want);
    assert!(store.verify().unwrap().is_clean());
}
