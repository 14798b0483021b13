//! The real `frontline` binary: `events` (text, JSON Lines, paging) and `verify` over a store
//! that the real `frontlined` filled from local feeds, and the one-line errors when the daemon
//! holds the store or there is no store.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use frontline::store::{EventLog, SledStore};
use frontline::units::ByteSize;
use serde_json::Value;

use crate::store::{article, batch};

use crate::support::daemon::Daemon;
use crate::support::{data, write_config};

fn frontline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(args)
        .env("RUST_LOG", "off")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs frontlined over the wire (RSS) and bulletin (Atom) fixtures until both are ingested,
/// with `while_running` called while it still holds the store; returns the config path.
fn ingest_fixtures(dir: &Path, while_running: impl FnOnce(&Daemon, &Path)) -> std::path::PathBuf {
    let wire = url::Url::from_file_path(data("feeds/caucasus-wire.xml"))
        .unwrap()
        .to_string();
    let atom = url::Url::from_file_path(data("feeds/ministry-atom.xml"))
        .unwrap()
        .to_string();
    let config = write_config(dir, &[("Caucasus Wire", &wire), ("Bulletin", &atom)], "1h");
    let daemon = Daemon::start(&config.source, &[]);
    daemon.wait_log("both feeds ingested", Duration::from_secs(30), |d| {
        d.count(&["poll finished"]) == 2
    });
    while_running(&daemon, &config.source);
    let (status, log) = daemon.terminate();
    assert!(status.success(), "{log:?}");
    config.source
}

#[test]
fn events_shows_what_the_daemon_ingested_in_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let config = ingest_fixtures(dir.path(), |daemon, config| {
        // While the daemon runs it holds the store: the CLI says so in one line, exit 2.
        let out = frontline(&["--config", config.to_str().unwrap(), "events"]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(&format!("is in use by another process, pid {}", daemon.pid())),
            "{stderr}"
        );
        assert!(stderr.contains("stop the daemon"), "{stderr}");
    });
    let config = config.to_str().unwrap();

    let out = frontline(&["--config", config, "events", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let events: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 7, "5 wire + 2 bulletin articles");
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"], i as u64 + 1);
        assert_eq!(e["type"], "ArticleObserved");
        assert_eq!(e["schema_version"], 2);
        assert_eq!(e["revision"], 0);
        assert!(e["recorded_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(e["payload"]["content_hash"].as_str().unwrap().len(), 64);
    }
    let ganja = events
        .iter()
        .find(|e| e["payload"]["article"]["title"] == "Missile strike on Ganja apartment block")
        .unwrap();
    assert_eq!(ganja["source"]["feed"], "caucasus-wire");
    assert_eq!(ganja["stream"], "caucasus-wire/guid:cw-2020-1011-01");
    assert!(
        ganja["payload"]["article"]["text"]
            .as_str()
            .unwrap()
            .contains("nine civilians were killed and 34 others were injured")
    );
    assert_eq!(ganja["payload"]["article"]["published_at"], "2020-10-11T07:30:00Z");

    let out = frontline(&["--config", config, "events"]);
    let lines: Vec<String> = text(&out.stdout).lines().map(String::from).collect();
    assert_eq!(lines.len(), 7);
    // Feeds are polled concurrently, so which feed came first varies; the line format does not.
    let ganja = lines.iter().find(|l| l.contains("Missile strike on Ganja")).unwrap();
    let seq = ganja.split_whitespace().next().unwrap();
    assert!(seq.parse::<u64>().is_ok(), "{ganja}");
    let rest = ganja.trim_start().strip_prefix(seq).unwrap();
    assert!(
        rest.contains("Z  observed r0  caucasus-wire   2020-10-11  Missile strike on Ganja apartment block"),
        "{ganja}"
    );

    let out = frontline(&["--config", config, "events", "--json", "--after", "2", "--limit", "3"]);
    let seqs: Vec<u64> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, vec![3, 4, 5]);

    let out = frontline(&["--config", config, "verify"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("7 events (last seq 7), 7 articles\nok:"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn verify_exits_1_and_says_what_and_where_on_damage() {
    let dir = tempfile::tempdir().unwrap();
    let config = ingest_fixtures(dir.path(), |_, _| {});
    let store = dir.path().join("store");
    {
        let db = sled::open(&store).unwrap();
        let events = db.open_tree("events").unwrap();
        let mut frame = events.get(4u64.to_be_bytes()).unwrap().unwrap().to_vec();
        let n = frame.len();
        frame[n - 5] ^= 0xff;
        events.insert(4u64.to_be_bytes(), frame).unwrap();
        db.flush().unwrap();
    }
    let out = frontline(&["--store", store.to_str().unwrap(), "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("event 4: payload checksum mismatch"), "{stdout}");
    assert!(stdout.trim_end().ends_with("damaged: 1 problem found"), "{stdout}");

    let out = frontline(&["--store", store.to_str().unwrap(), "verify", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["problems"][0]["at"], "event 4");

    // Listing stops at the damage with a pointer to verify, after printing what is intact.
    let out = frontline(&["--config", config.to_str().unwrap(), "events"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("event 4: payload checksum mismatch"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("run `frontline verify`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_missing_store_or_config_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-store");
    let out = frontline(&["--store", missing.to_str().unwrap(), "events"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr).trim_end(),
        format!(
            "frontline: no store at {}: frontlined has not run with this config yet (or pass --store PATH)",
            missing.display()
        )
    );
    assert!(!missing.exists());

    let out = frontline(&["--config", dir.path().join("nope.toml").to_str().unwrap(), "verify"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("frontline: finding the store (pass --store PATH to skip the config): cannot read"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    {
        // Far more output than a pipe buffers (64 KiB), so the CLI is still writing when the
        // reader goes away.
        let store = SledStore::open(dir.path(), ByteSize::mib(8)).unwrap();
        let body = "Artillery fire was reported along the line of contact. ".repeat(40);
        let articles = (0..400).map(|i| article("w", &format!("a{i}"), &body)).collect();
        store.record(&batch(articles), 0).unwrap();
        store.sync().unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(["--store", dir.path().to_str().unwrap(), "events", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1024];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}
