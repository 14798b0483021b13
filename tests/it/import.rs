//! `frontline import`: saved feed files into the log through the same matcher and dedupe as the
//! daemon, into the store when no daemon runs and through the daemon's API when one does;
//! repeated imports add nothing; a bad file is named and skipped, the others still imported.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use serde_json::Value;

use crate::support::daemon::Daemon;
use crate::support::{cli, data, write_config};

fn import_json(config: &Path, args: &[&str]) -> (Output, Value) {
    let mut all = vec!["import", "--json"];
    all.extend_from_slice(args);
    let out = cli(config, &all);
    let json =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out, json)
}

/// One HTTP/1.1 POST over the socket: (status code, JSON body).
fn post(socket: &Path, target: &str, body: &[u8]) -> (u16, Value) {
    use std::io::{Read, Write};
    let mut stream = std::os::unix::net::UnixStream::connect(socket).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        stream,
        "POST {target} HTTP/1.1\r\nHost: frontline\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let code = head.split(' ').nth(1).unwrap().parse().unwrap();
    (
        code,
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}")),
    )
}

fn total(summary: &Value, key: &str) -> u64 {
    summary["imported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[key].as_u64().unwrap())
        .sum()
}

fn log_len(config: &Path) -> usize {
    let out = cli(config, &["events", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().count()
}

#[test]
fn import_without_a_daemon_fills_the_store_once_and_names_a_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "1h");
    let war = data("feeds/war-2020.xml");
    let war = war.to_str().unwrap();

    // No store yet: an archive can be loaded before the daemon ever ran.
    let (out, first) = import_json(&config.source, &[war, "--feed", "war-wire"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(first["via"], "store");
    assert_eq!(total(&first, "entries"), 23);
    assert_eq!(total(&first, "new"), 21, "{first}");
    // Piped, the progress bar stays quiet.
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(log_len(&config.source), 21);

    // Again: nothing new, every matching entry recognised.
    let (out, again) = import_json(&config.source, &[war, "--feed", "war-wire"]);
    assert!(out.status.success());
    assert_eq!((total(&again, "new"), total(&again, "unchanged")), (0, 21), "{again}");
    assert_eq!(log_len(&config.source), 21);

    // A directory with a page that is not a feed: that file is named and skipped, the rest
    // imported, exit status 2, and nothing stored before changes.
    let archive = dir.path().join("archive");
    std::fs::create_dir(&archive).unwrap();
    std::fs::copy(data("feeds/caucasus-wire.xml"), archive.join("caucasus-wire.xml")).unwrap();
    std::fs::write(archive.join("broken.xml"), "<html><body>Not a feed</body></html>").unwrap();
    let before = cli(&config.source, &["events", "--json"]).stdout;
    let (out, mixed) = import_json(&config.source, &[archive.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.xml"), "{stderr}");
    assert_eq!(mixed["failed"].as_array().unwrap().len(), 1, "{mixed}");
    assert_eq!(mixed["imported"][0]["feed"], "caucasus-wire");
    assert_eq!(total(&mixed, "new"), 5);
    let after = cli(&config.source, &["events", "--json"]).stdout;
    assert!(after.starts_with(&before), "the log only grows");
    assert_eq!(log_len(&config.source), 26);

    // The imported articles are read like polled ones.
    let out = cli(&config.source, &["articles", "--feed", "war-wire", "--json"]);
    let page: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page["total"], 21, "{page}");

    // A missing path is one clear line.
    let out = cli(&config.source, &["import", "nowhere.xml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nowhere.xml") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn import_through_the_daemon_dedupes_against_its_polls() {
    let dir = tempfile::tempdir().unwrap();
    let war = url::Url::from_file_path(data("feeds/war-2020.xml"))
        .unwrap()
        .to_string();
    let config = write_config(dir.path(), &[("War Wire", &war)], "1h");
    let daemon = Daemon::start(&config.source, &[]);
    daemon.wait_log("the feed polled and projected", Duration::from_secs(60), |d| {
        d.count(&["poll finished"]) >= 1 && d.count(&["projections updated"]) >= 1
    });

    // The archive of the polled feed, under its id: everything is already there.
    let (out, same) = import_json(
        &config.source,
        &[data("feeds/war-2020.xml").to_str().unwrap(), "--feed", "war-wire"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(same["via"], "daemon");
    assert_eq!((total(&same, "new"), total(&same, "unchanged")), (0, 21), "{same}");

    // The same view twice: the second is the kept answer, identical.
    let casualties =
        |config: &Path| -> Value { serde_json::from_slice(&cli(config, &["casualties", "--json"]).stdout).unwrap() };
    let before = casualties(&config.source);
    assert_eq!(casualties(&config.source), before);

    // Another outlet's archive: appended by the daemon's writer while it holds the store, and
    // projected like a poll.
    let (out, other) = import_json(&config.source, &[data("feeds/caucasus-wire.xml").to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        (other["via"].as_str(), total(&other, "new")),
        (Some("daemon"), 5),
        "{other}"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let out = cli(&config.source, &["articles", "--feed", "caucasus-wire", "--json"]);
        let page: Value = serde_json::from_slice(&out.stdout).unwrap();
        if page["total"] == 5 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "import not projected: {page}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Bad imports get a 4xx with a JSON error and append nothing.
    let socket = dir.path().join("api.sock");
    let (code, body) = post(&socket, "/v1/import?feed=Bad%21", b"<rss/>");
    assert_eq!(code, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("not a valid id"), "{body}");
    let (code, body) = post(&socket, "/v1/import?feed=junk", b"\x00\x01 this is not a feed");
    assert_eq!(code, 422, "{body}");
    let (code, body) = post(
        &socket,
        "/v1/import?feed=junk&origin=http%3A%2F%2Fexample.org%2F",
        b"<rss/>",
    );
    assert_eq!(code, 400, "{body}");

    // The kept answer does not outlive the append: the view now has the new outlet's figures.
    assert_ne!(
        casualties(&config.source),
        before,
        "a stale view was served after an append"
    );
    let status: Value = serde_json::from_slice(&cli(&config.source, &["status", "--json"]).stdout).unwrap();
    assert_eq!(status["imports"], 2, "{status}");
    assert_eq!(status["last_seq"], 26, "{status}");
    let (code, log) = daemon.terminate();
    assert!(code.success(), "{log:?}");
    assert_eq!(log_len(&config.source), 26);
}

#[test]
fn one_wire_story_in_two_feeds_is_two_articles_recognised_as_copies() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "1h");
    let story = "Azerbaijan's Prosecutor-General's Office said on Sunday that a missile had hit a \
        residential block in Ganja shortly after midnight, killing nine civilians and wounding 34 others. \
        Armenia denied targeting civilians and said its forces had struck only military objects. Rescue \
        workers searched the rubble through the night as the Moscow truce appeared to be collapsing.";
    let feed = |guid: &str, date: &str, text: &str| {
        format!(
            "<rss version=\"2.0\"><channel><title>x</title><item><guid>{guid}</guid><title>Missile hits Ganja</title>\
             <description>{text}</description><pubDate>{date}</pubDate></item></channel></rss>"
        )
    };
    std::fs::write(
        dir.path().join("wire.xml"),
        feed("w1", "Sun, 11 Oct 2020 06:00:00 GMT", story),
    )
    .unwrap();
    let edited = story.replace("on Sunday", "on Sunday, 11 October,");
    std::fs::write(
        dir.path().join("daily.xml"),
        feed("d1", "Sun, 11 Oct 2020 09:00:00 GMT", &edited),
    )
    .unwrap();
    for f in ["wire.xml", "daily.xml"] {
        let out = cli(&config.source, &["import", dir.path().join(f).to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let out = cli(&config.source, &["articles", "--json"]);
    let page: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page["total"], 2, "kept as two articles: {page}");
    let daily = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["feed"] == "daily")
        .unwrap();
    assert_eq!(daily["copy_of"], "wire/guid:w1", "{page}");
    let out = cli(&config.source, &["show", "wire/guid:w1", "--json"]);
    let detail: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(detail["copies"], serde_json::json!(["daily/guid:d1"]));
    // The one figure both report is one fact with two citations.
    let casualties: Value = serde_json::from_slice(&cli(&config.source, &["casualties", "--json"]).stdout).unwrap();
    let ganja = &casualties["recent_incidents"][0]["figures"][0];
    assert_eq!(
        (
            ganja["count"].as_u64(),
            ganja["cited"].as_u64(),
            ganja["citations"].as_array().map(Vec::len)
        ),
        (Some(9), Some(2), Some(2)),
        "{casualties}"
    );
}
