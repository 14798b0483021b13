//! The fetcher's limits against a local server: the body cap (counted after decompression, so
//! a gzip bomb stops at the cap), the wall-clock deadline, the status classes, and the headers
//! every request carries.

use std::io::Write;
use std::time::Duration;

use frontline::config::FeedConfig;
use frontline::feed::state::Validators;
use frontline::feed::{FetchError, Fetcher};

use crate::support::feed_server::{Doc, FeedServer};
use crate::support::write_config;

fn feed(url: &str, timeout: Duration, max_body: u64) -> FeedConfig {
    crate::support::feed_config(url, timeout, max_body)
}

fn fetcher() -> Fetcher {
    let dir = tempfile::tempdir().unwrap();
    let mut config = write_config(dir.path(), &[], "1m");
    config.poll.user_agent = "frontline/test (+https://ops.example/contact)".into();
    Fetcher::new(&config.poll).unwrap()
}

#[tokio::test]
async fn bodies_over_the_cap_are_refused_even_when_compressed() {
    let server = FeedServer::start().await;
    server.set("/big.xml", Doc::rss(vec![b'x'; 200_000]));
    // 5 MB of zeros gzip to about 5 KB: only the decoded size can catch it.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b' '; 5_000_000]).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 20_000);
    server.set(
        "/bomb.xml",
        Doc {
            headers: vec![("content-encoding", "gzip".into())],
            ..Doc::rss(bomb)
        },
    );
    let f = fetcher();
    let err = f
        .fetch(
            &feed(&server.url("/big.xml"), Duration::from_secs(10), 100_000),
            &Validators::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { limit: 100_000 }), "{err}");
    let err = f
        .fetch(
            &feed(&server.url("/bomb.xml"), Duration::from_secs(10), 1_000_000),
            &Validators::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { limit: 1_000_000 }), "{err}");
    assert_eq!(err.class(), "too_large");
    // Under the cap, the decoded body comes back whole.
    let ok = f
        .fetch(
            &feed(&server.url("/bomb.xml"), Duration::from_secs(10), 6_000_000),
            &Validators::default(),
        )
        .await
        .unwrap();
    assert_eq!(ok.body.len(), 5_000_000);
}

#[tokio::test]
async fn a_slow_server_hits_the_deadline() {
    let server = FeedServer::start().await;
    server.set(
        "/slow.xml",
        Doc {
            delay: Duration::from_secs(5),
            ..Doc::rss("<rss/>")
        },
    );
    let err = fetcher()
        .fetch(
            &feed(&server.url("/slow.xml"), Duration::from_millis(300), 100_000),
            &Validators::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Timeout(_)), "{err}");
    assert_eq!(err.to_string(), "timeout after 300ms");
}

#[tokio::test]
async fn statuses_are_classified_and_requests_identify_themselves() {
    let server = FeedServer::start().await;
    server.set("/gone.xml", Doc::status(410));
    server.set("/down.xml", Doc::status(503));
    let f = fetcher();
    let gone = f
        .fetch(
            &feed(&server.url("/gone.xml"), Duration::from_secs(5), 1000),
            &Validators::default(),
        )
        .await
        .unwrap_err();
    assert_eq!((gone.class(), gone.to_string().as_str()), ("http_4xx", "http 410 Gone"));
    let down = f
        .fetch(
            &feed(&server.url("/down.xml"), Duration::from_secs(5), 1000),
            &Validators::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(down.class(), "http_5xx");
    let seen = &server.requests()[0];
    assert_eq!(
        seen.headers["user-agent"],
        "frontline/test (+https://ops.example/contact)"
    );
    assert!(
        seen.headers["accept"]
            .to_str()
            .unwrap()
            .starts_with("application/rss+xml")
    );
    assert!(seen.headers["accept-encoding"].to_str().unwrap().contains("gzip"));
}

#[tokio::test]
async fn files_are_capped_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.xml");
    std::fs::write(&path, vec![b'x'; 5000]).unwrap();
    let url = url::Url::from_file_path(&path).unwrap();
    let f = fetcher();
    let err = f
        .fetch(
            &feed(url.as_str(), Duration::from_secs(5), 4096),
            &Validators::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { limit: 4096 }), "{err}");
    assert_eq!(
        f.fetch(
            &feed(url.as_str(), Duration::from_secs(5), 5000),
            &Validators::default()
        )
        .await
        .unwrap()
        .body
        .len(),
        5000
    );
}
