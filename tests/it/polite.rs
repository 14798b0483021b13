//! Polite fetching against a local server: conditional GET with both validators (a 304 costs no
//! parsing), `Retry-After` in seconds and as an HTTP date pausing the whole host, per-host
//! spacing between two feeds on one host, a slow-drip body and an endless body stopped by the
//! deadline and the cap, a redirect loop named, 301 then 308 seen as a permanent move (a 302
//! never), and a restarted daemon not re-polling feeds that are not due.

use std::time::{Duration, Instant};

use chrono::Utc;
use frontline::config::{Config, FeedConfig};
use frontline::daemon::{self, DaemonStatus};
use frontline::feed::state::{Health, Validators};
use frontline::feed::{FetchError, Fetcher};
use tokio::sync::{oneshot, watch};

use crate::support::feed_server::{Doc, FeedServer};
use crate::support::{fixture, shipped_profile, wait_for, write_config};

fn feed(url: &str, timeout: Duration) -> FeedConfig {
    crate::support::feed_config(url, timeout, 1_000_000)
}

// Fetches `path` of `server` as feed `t` with a 5 s deadline and no validators.
async fn get(f: &Fetcher, server: &FeedServer, path: &str) -> Result<frontline::feed::Fetched, FetchError> {
    f.fetch(&feed(&server.url(path), Duration::from_secs(5)), &Validators::default())
        .await
}

// A fetcher with `poll` settings edited by `edit`.
fn fetcher(edit: impl FnOnce(&mut frontline::config::PollConfig)) -> Fetcher {
    let dir = tempfile::tempdir().unwrap();
    let mut config = write_config(dir.path(), &[], "1m");
    edit(&mut config.poll);
    Fetcher::new(&config.poll).unwrap()
}

#[tokio::test]
async fn both_validators_are_stored_and_sent_back_and_a_304_has_no_body() {
    let server = FeedServer::start().await;
    server.set(
        "/feed.xml",
        Doc {
            etag: Some("W/\"v1-abc\"".into()),
            last_modified: Some("Sat, 10 Oct 2020 08:00:00 GMT".into()),
            ..Doc::rss(fixture("feeds/caucasus-wire.xml"))
        },
    );
    let f = fetcher(|_| {});
    let url = server.url("/feed.xml");
    let first = f
        .fetch(&feed(&url, Duration::from_secs(5)), &Validators::default())
        .await
        .unwrap();
    assert_eq!(first.status, 200);
    // Verbatim, weak marker and all.
    assert_eq!(first.validators.etag.as_deref(), Some("W/\"v1-abc\""));
    assert_eq!(
        first.validators.last_modified.as_deref(),
        Some("Sat, 10 Oct 2020 08:00:00 GMT")
    );
    let second = f
        .fetch(&feed(&url, Duration::from_secs(5)), &first.validators)
        .await
        .unwrap();
    assert!(second.not_modified() && second.body.is_empty());
    let asked = &server.requests()[1].headers;
    assert_eq!(asked["if-none-match"], "W/\"v1-abc\"");
    assert_eq!(asked["if-modified-since"], "Sat, 10 Oct 2020 08:00:00 GMT");
    // The 304 repeats the validators; they are kept from it too.
    assert_eq!(second.validators, first.validators);
}

#[tokio::test]
async fn retry_after_in_seconds_or_as_a_date_pauses_the_whole_host() {
    let server = FeedServer::start().await;
    server.set(
        "/busy.xml",
        Doc {
            headers: vec![("retry-after", "2".into())],
            ..Doc::status(429)
        },
    );
    server.set("/other.xml", Doc::rss("<rss version=\"2.0\"><channel></channel></rss>"));
    let f = fetcher(|p| p.host_spacing = Duration::ZERO);
    let err = get(&f, &server, "/busy.xml").await.unwrap_err();
    assert_eq!(err.class(), "http_429");
    let until = err.retry_after().expect("Retry-After read");
    assert!((until - Utc::now()).num_milliseconds() > 1000, "{until}");
    // Another feed on the same host waits out the pause.
    get(&f, &server, "/other.xml").await.unwrap();
    let seen = server.requests();
    assert!(
        seen[1].at - seen[0].at >= Duration::from_millis(1900),
        "{:?}",
        seen[1].at - seen[0].at
    );

    // An HTTP date works the same (a 503 this time).
    let at = Utc::now() + chrono::Duration::seconds(3);
    server.set(
        "/busy.xml",
        Doc {
            headers: vec![("retry-after", at.format("%a, %d %b %Y %H:%M:%S GMT").to_string())],
            ..Doc::status(503)
        },
    );
    let err = get(&f, &server, "/busy.xml").await.unwrap_err();
    assert_eq!(err.retry_after().map(|t| t.timestamp()), Some(at.timestamp()));
    get(&f, &server, "/other.xml").await.unwrap();
    let seen = server.requests();
    let last = seen.last().unwrap().at;
    assert!(
        last - seen[seen.len() - 2].at >= Duration::from_millis(1000),
        "paused until the date"
    );

    // With the scope set to the feed, the host is not paused.
    let per_feed = fetcher(|p| {
        p.host_spacing = Duration::ZERO;
        p.retry_after_scope = frontline::config::RetryScope::Feed;
    });
    server.set(
        "/busy.xml",
        Doc {
            headers: vec![("retry-after", "30".into())],
            ..Doc::status(429)
        },
    );
    let t0 = Instant::now();
    let _ = get(&per_feed, &server, "/busy.xml").await;
    get(&per_feed, &server, "/other.xml").await.unwrap();
    assert!(t0.elapsed() < Duration::from_secs(30), "the other feed was not held up");
}

#[tokio::test]
async fn two_feeds_on_one_host_are_spaced_apart() {
    let server = FeedServer::start().await;
    let doc = Doc::rss("<rss version=\"2.0\"><channel></channel></rss>");
    server.set("/a.xml", doc.clone());
    server.set("/b.xml", doc);
    let f = fetcher(|p| p.host_spacing = Duration::from_millis(800));
    let a = feed(&server.url("/a.xml"), Duration::from_secs(5));
    let b = feed(&server.url("/b.xml"), Duration::from_secs(5));
    let none = Validators::default();
    let (ra, rb) = tokio::join!(f.fetch(&a, &none), f.fetch(&b, &none));
    ra.unwrap();
    rb.unwrap();
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    let gap = if seen[1].at > seen[0].at {
        seen[1].at - seen[0].at
    } else {
        seen[0].at - seen[1].at
    };
    assert!(gap >= Duration::from_millis(750), "{gap:?}");
}

#[tokio::test]
async fn a_slow_drip_hits_the_deadline_and_an_endless_body_hits_the_cap() {
    let server = FeedServer::start().await;
    server.set(
        "/drip.xml",
        Doc {
            drip: Some(Duration::from_millis(200)),
            ..Doc::rss(fixture("feeds/caucasus-wire.xml"))
        },
    );
    server.set(
        "/endless.xml",
        Doc {
            endless: true,
            ..Doc::rss(vec![b'x'; 8192])
        },
    );
    let f = fetcher(|_| {});
    // Headers come at once; the body would take minutes.
    let err = f
        .fetch(
            &feed(&server.url("/drip.xml"), Duration::from_millis(700)),
            &Validators::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Timeout(_)), "{err}");
    let err = f
        .fetch(
            &feed(&server.url("/endless.xml"), Duration::from_secs(20)),
            &Validators::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { limit: 1_000_000 }), "{err}");
}

#[tokio::test]
async fn redirects_are_followed_loops_named_and_only_permanent_chains_are_moves() {
    let server = FeedServer::start().await;
    let rss = Doc::rss("<rss version=\"2.0\"><channel></channel></rss>");
    server.set("/loop-a.xml", Doc::redirect(302, "/loop-b.xml"));
    server.set("/loop-b.xml", Doc::redirect(302, "/loop-a.xml"));
    server.set("/old.xml", Doc::redirect(301, "/mid.xml"));
    server.set("/mid.xml", Doc::redirect(308, &server.url("/new.xml")));
    server.set("/new.xml", rss);
    server.set("/temp.xml", Doc::redirect(302, "/new.xml"));
    server.set("/mixed.xml", Doc::redirect(301, "/temp.xml"));
    let f = fetcher(|p| p.host_spacing = Duration::ZERO);
    let get = |path: &str| {
        let (f, config) = (f.clone(), feed(&server.url(path), Duration::from_secs(5)));
        async move { f.fetch(&config, &Validators::default()).await }
    };
    let err = get("/loop-a.xml").await.unwrap_err();
    assert_eq!(err.class(), "redirect");
    assert!(
        err.to_string().contains("redirect loop") && err.to_string().contains("loop-b.xml"),
        "{err}"
    );
    let moved = get("/old.xml").await.unwrap();
    assert_eq!(moved.redirects.iter().map(|h| h.status).collect::<Vec<_>>(), [301, 308]);
    assert_eq!(moved.permanent_move().map(|u| u.path()), Some("/new.xml"));
    assert_eq!(
        moved.final_url.path(),
        "/new.xml",
        "relative links resolve against the final URL"
    );
    assert_eq!(
        get("/temp.xml").await.unwrap().permanent_move(),
        None,
        "a 302 is never adopted"
    );
    assert_eq!(
        get("/mixed.xml").await.unwrap().permanent_move(),
        None,
        "nor a chain with a 302 in it"
    );
}

// The daemon running in-process, with its status.
struct Running {
    status: watch::Receiver<DaemonStatus>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    fn start(config: Config, profile: frontline::profile::Profile) -> Running {
        let (status_tx, status) = watch::channel(DaemonStatus::default());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(daemon::serve(
            config,
            profile,
            async {
                let _ = stopped.await;
            },
            status_tx,
        ));
        Running { status, stop, task }
    }

    // Stops it cleanly; returns its last status.
    async fn stop(self) -> DaemonStatus {
        let snapshot = self.status.borrow().clone();
        self.stop.send(()).unwrap();
        self.task.await.unwrap().expect("daemon stops cleanly");
        snapshot
    }
}

// Runs the daemon in-process on `config` until `until` holds over its status; returns the last
// status.
async fn run_daemon_until(
    config: Config,
    profile: frontline::profile::Profile,
    what: &str,
    until: impl Fn(&DaemonStatus) -> bool,
) -> DaemonStatus {
    let daemon = Running::start(config, profile);
    wait_for(what, Duration::from_secs(30), || until(&daemon.status.borrow())).await;
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_the_schedule_and_validators_and_a_304_parses_nothing() {
    let server = FeedServer::start().await;
    server.set(
        "/hourly.xml",
        Doc {
            etag: Some("\"h1\"".into()),
            ..Doc::rss(fixture("feeds/caucasus-wire.xml"))
        },
    );
    server.set(
        "/often.xml",
        Doc {
            etag: Some("\"o1\"".into()),
            ..Doc::rss(fixture("feeds/ministry-atom.xml"))
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let hourly = server.url("/hourly.xml");
    let often = server.url("/often.xml");
    let mut config = write_config(dir.path(), &[("Hourly", &hourly), ("Often", &often)], "1s");
    config.feeds[0].interval = Duration::from_secs(3600);
    let polls = |s: &DaemonStatus, id: &str| s.feeds.get(id).map_or(0, |f| f.polls);

    // First run: both polled; "often" a second time (a 304 this time).
    let first = run_daemon_until(
        config.clone(),
        shipped_profile(),
        "two polls of the frequent feed",
        |s| polls(s, "hourly") >= 1 && polls(s, "often") >= 2,
    )
    .await;
    let often_state = &first.feeds["often"];
    assert!(often_state.not_modified >= 1, "{often_state:?}");
    assert_eq!(often_state.entries, 3, "the 304 parsed nothing: entries counted once");
    assert_eq!(often_state.validators.etag.as_deref(), Some("\"o1\""));
    assert_eq!(first.feeds["hourly"].health, Health::Healthy);
    let hourly_due = first.feeds["hourly"].next_due.expect("a next due time");
    assert!(hourly_due > Utc::now() + chrono::Duration::minutes(50), "{hourly_due}");
    assert_eq!(server.hits("/hourly.xml"), 1);

    // Second run: the frequent feed is due and polled (with its stored validators: a 304); the
    // hourly one is not due and is left alone.
    let before = server.hits("/often.xml");
    let second = run_daemon_until(
        config,
        shipped_profile(),
        "the frequent feed polled after the restart",
        |s| polls(s, "often") > polls(&first, "often"),
    )
    .await;
    assert!(server.hits("/often.xml") > before);
    assert_eq!(server.hits("/hourly.xml"), 1, "not due: not polled again");
    assert_eq!(
        second.feeds["hourly"].next_due,
        Some(hourly_due),
        "the schedule survived the restart"
    );
    let last = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/often.xml")
        .last()
        .unwrap();
    assert_eq!(last.headers["if-none-match"], "\"o1\"");
}

fn item(guid: &str, link: &str, title: &str) -> String {
    format!(
        "<item><guid isPermaLink=\"false\">{guid}</guid><link>{link}</link><title>{title}</title>\
<description>Azerbaijan and Armenia traded artillery fire near Martuni, officials said.</description>\
<pubDate>Sat, 10 Oct 2020 10:00:00 GMT</pubDate></item>"
    )
}

fn channel(items: &[String]) -> String {
    format!(
        "<rss version=\"2.0\"><channel><title>Churn</title>{}</channel></rss>",
        items.concat()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn churning_guids_switch_the_feed_to_links_without_duplicates_and_an_edited_title_is_one_revision() {
    let server = FeedServer::start().await;
    let docs = [
        channel(&[
            item("g1", "https://wire.example/a", "Shelling near Martuni"),
            item("g2", "https://wire.example/b", "Clashes in Karabakh"),
        ]),
        // Every guid is new; the links are not: the CMS re-exported the feed.
        channel(&[
            item("x1", "https://wire.example/a?utm_source=rss", "Shelling near Martuni"),
            item("x2", "https://wire.example/b", "Clashes in Karabakh"),
            item("x3", "https://wire.example/c", "Karabakh truce talks"),
        ]),
        // And again, with one title edited.
        channel(&[
            item("y1", "https://wire.example/a", "Heavy shelling near Martuni"),
            item("y3", "https://wire.example/c", "Karabakh truce talks"),
        ]),
    ];
    server.set("/churn.xml", Doc::rss(docs[0].clone()));
    let dir = tempfile::tempdir().unwrap();
    let url = server.url("/churn.xml");
    let config = write_config(dir.path(), &[("Churn", &url)], "1s");
    let store_path = config.store.path.clone();

    let daemon = Running::start(config, shipped_profile());
    let polls = || daemon.status.borrow().feeds.get("churn").map_or(0, |f| f.polls);
    for (i, doc) in docs.iter().enumerate().skip(1) {
        wait_for("a poll", Duration::from_secs(30), || polls() as usize >= i).await;
        server.set("/churn.xml", Doc::rss(doc.clone()));
    }
    wait_for("the last poll", Duration::from_secs(30), || polls() >= 4).await;
    let state = daemon.stop().await.feeds["churn"].clone();

    assert_eq!(state.identity.mode, frontline::feed::identity::Mode::Link, "{state:?}");
    assert!(
        state.identity.reason.as_deref().unwrap().contains("new guid"),
        "{state:?}"
    );
    let store = crate::support::reopen_store(&store_path);
    let events = frontline::store::EventLog::read_after(&store, 0, 100).unwrap();
    let streams: std::collections::BTreeSet<String> = events.iter().map(|e| e.header.stream.clone()).collect();
    // a and b under their first guids, c by its link: three articles, no duplicates.
    assert_eq!(
        streams.into_iter().collect::<Vec<_>>(),
        ["churn/guid:g1", "churn/guid:g2", "churn/link:https://wire.example/c"]
    );
    let revised: Vec<_> = events
        .iter()
        .filter(|e| e.header.event_type == frontline::event::EventType::ArticleRevised)
        .collect();
    assert_eq!(revised.len(), 1, "the edited title is one revision");
    assert_eq!(revised[0].header.stream, "churn/guid:g1");
    assert_eq!(
        revised[0].payload.article.title.as_deref(),
        Some("Heavy shelling near Martuni")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_seen_before_a_profile_change_are_rematched_at_the_next_start() {
    let server = FeedServer::start().await;
    server.set("/wire.xml", Doc::rss(fixture("feeds/caucasus-wire.xml")));
    let dir = tempfile::tempdir().unwrap();
    let url = server.url("/wire.xml");
    let mut config = write_config(dir.path(), &[("Wire", &url)], "1h");
    config.feeds[0].interval = Duration::from_secs(3600);
    let store_path = config.store.path.clone();
    let count = || {
        let store = crate::support::reopen_store(&store_path);
        frontline::store::EventLog::head(&store).unwrap()
    };

    // A narrower profile first: only the rule on the region's own names.
    let mut narrow = shipped_profile();
    narrow.topics.retain(|t| t.id == "karabakh");
    run_daemon_until(config.clone(), narrow, "a poll", |s| {
        s.feeds.get("wire").is_some_and(|f| f.polls >= 1)
    })
    .await;
    let narrow_count = count();
    assert!(narrow_count >= 1);

    // The full profile: the feed is not due, yet what the new rules keep is recorded at start.
    let status = run_daemon_until(config, shipped_profile(), "the daemon ready", |s| s.ready).await;
    assert!(status.ready);
    assert_eq!(server.hits("/wire.xml"), 1, "not fetched again");
    assert!(narrow_count < 5, "the narrow profile kept fewer: {narrow_count}");
    assert_eq!(count(), 5, "every matching entry, the rest from the unmatched record");
}
