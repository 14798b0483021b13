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
    let mut through_daemon = Vec::new();
    let config = ingest_fixtures(dir.path(), |daemon, config| {
        // While the daemon runs, `events` asks it through the API socket...
        for args in [&["events", "--json"][..], &["events"][..]] {
            let out = frontline(&[&["--config", config.to_str().unwrap()][..], args].concat());
            assert!(out.status.success(), "{}", text(&out.stderr));
            through_daemon.push(text(&out.stdout));
        }
        // ... but it holds the store: reading it directly is refused in one line, exit 2.
        let store = config.parent().unwrap().join("store");
        let out = frontline(&["--store", store.to_str().unwrap(), "events"]);
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
    assert_eq!(
        text(&out.stdout),
        through_daemon[0],
        "the daemon streams what the store holds"
    );
    let lines = frontline(&["--config", config, "events"]);
    assert_eq!(text(&lines.stdout), through_daemon[1], "text lines too");
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
        let db = crate::support::raw_sled(&store);
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

    // The same for JSON written by serde (`extract --json`), whose error wraps the I/O error.
    let mut child = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(["extract", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let body = "Azerbaijani shelling of Martuni killed 3 civilians and wounded 12. ".repeat(400);
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), body.as_bytes()).unwrap();
    let mut stdout = child.stdout.take().unwrap();
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

/// Runs frontlined over the war fixtures until both feeds are polled and the projection has
/// caught up; returns the config path.
fn ingest_war(dir: &Path) -> std::path::PathBuf {
    let war = url::Url::from_file_path(data("feeds/war-2020.xml"))
        .unwrap()
        .to_string();
    let regional = url::Url::from_file_path(data("feeds/regional-2020.xml"))
        .unwrap()
        .to_string();
    let config = write_config(dir, &[("War Wire", &war), ("Regional Wire", &regional)], "1h");
    let daemon = Daemon::start(&config.source, &[]);
    daemon.wait_log("both feeds polled and projected", Duration::from_secs(60), |d| {
        d.count(&["poll finished"]) == 2 && d.count(&["projections updated"]) >= 1
    });
    let (status, log) = daemon.terminate();
    assert!(status.success(), "{log:?}");
    config.source
}

fn json(args: &[&str]) -> Value {
    let out = frontline(args);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", text(&out.stdout)))
}

#[test]
fn projection_commands_answer_as_of_dates_in_tables_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let config = ingest_war(dir.path());
    let c = config.to_str().unwrap();

    let v = json(&["--config", c, "casualties", "--json", "--as-of", "2020-10-16"]);
    let tally = |party: &str, group: &str, outcome: &str| {
        v["tallies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["party"] == party && t["group"] == group && t["outcome"] == outcome)
            .cloned()
            .unwrap()
    };
    let injured = tally("azerbaijan", "civilian", "injured");
    assert_eq!(injured["headline"]["count"], 205, "the unconfirmed 1,592 is held out");
    assert_eq!(injured["headline"]["rule"], "own-prosecutor-or-ombudsman");
    let military = tally("armenia", "military", "killed");
    assert_eq!(military["headline"]["count"], 555);
    assert_eq!(military["headline"]["reporter"], "artsakh-mod");
    let point = &military["series"][0]["latest"];
    assert_eq!(point["count"], 555, "{point}");
    assert_eq!(point["cited"], 2, "two outlets, one fact");
    assert_eq!(
        point["citations"].as_array().unwrap().len(),
        2,
        "the most recent citations"
    );
    assert!(point["citations"][0]["sentence"].as_str().unwrap().contains("555"));
    // Every citation of that figure, paged.
    let key = point["key"].as_str().unwrap();
    let page = json(&[
        "--config", c, "casualties", "--citations", key, "--limit", "1", "--json",
    ]);
    assert_eq!(
        (page["total"].as_u64(), page["citations"].as_array().map(Vec::len)),
        (Some(2), Some(1))
    );
    let rest = json(&[
        "--config", c, "casualties", "--citations", key, "--offset", "1", "--json",
    ]);
    assert_ne!(
        rest["citations"][0], page["citations"][0],
        "the second page starts after the first"
    );
    let listed = text(&frontline(&["--config", c, "casualties", "--citations", key, "--limit", "1"]).stdout);
    assert!(listed.contains("1–1 of 2; next: --offset 1"), "{listed}");

    let table = text(&frontline(&["--config", c, "casualties", "--as-of", "2020-10-16"]).stdout);
    assert!(table.starts_with("Casualties, as of 2020-10-16"), "{table}");
    assert!(
        table.contains("own-prosecutor-or-ombudsman") && table.contains("suspect"),
        "{table}"
    );
    assert!(
        table.contains("regional-wire 2020-10-14 (of 2)"),
        "the latest source and how many: {table}"
    );

    let truces = json(&["--config", c, "ceasefire", "--json", "--as-of", "2020-10-19"]);
    let statuses: Vec<(String, String)> = truces["truces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                t["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("truce-2020-10-10".to_string(), "collapsed".to_string()),
            ("truce-2020-10-18".to_string(), "violated".to_string())
        ]
    );
    // A truce's reports, paged; an unknown truce is named.
    let reports = json(&[
        "--config", c, "ceasefire", "--citations", "truce-2020-10-10", "--limit", "2", "--json",
    ]);
    assert_eq!(
        (reports["total"].as_u64(), reports["reports"].as_array().map(Vec::len)),
        (Some(4), Some(2)),
        "{reports}"
    );
    let listed = text(
        &frontline(&[
            "--config", c, "ceasefire", "--citations", "truce-2020-10-10", "--limit", "2",
        ])
        .stdout,
    );
    assert!(listed.contains("1–2 of 4; next: --offset 2"), "{listed}");
    let unknown = frontline(&["--config", c, "ceasefire", "--citations", "truce-1994-05-12"]);
    assert!(!unknown.status.success());
    assert!(
        text(&unknown.stderr).contains("no truce truce-1994-05-12"),
        "{}",
        text(&unknown.stderr)
    );
    let table = text(&frontline(&["--config", c, "ceasefire"]).stdout);
    assert!(
        table.contains("truce-2020-11-10")
            && table.contains("holding")
            && table.contains("superseded by truce-2020-10-26"),
        "{table}"
    );

    let places = json(&["--config", c, "control", "--json", "--as-of", "2020-11-08"]);
    let shusha = places["places"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["location"] == "shusha")
        .cloned()
        .unwrap();
    assert_eq!(
        (shusha["status"].as_str(), shusha["controller"].as_str()),
        (Some("contested"), Some("azerbaijan"))
    );
    let table = text(&frontline(&["--config", c, "control"]).stdout);
    assert!(table.contains("Shusha") && table.contains("held"), "{table}");

    let timeline = json(&["--config", c, "timeline", "--json", "--as-of", "2020-10-12"]);
    let entries = timeline["entries"].as_array().unwrap();
    assert!(entries.iter().all(|e| e["date"].as_str().unwrap() < "2020-10-13"));
    assert!(
        entries
            .iter()
            .any(|e| e["summary"] == "hadrut: captured by azerbaijan, claimed by azerbaijan"),
        "{entries:?}"
    );
    let table = text(&frontline(&["--config", c, "timeline"]).stdout);
    assert!(
        table.contains("truce-2020-10-26 agreed (brokers: united-states)"),
        "{table}"
    );
    // The timeline is paged back from the latest entry.
    let latest = json(&["--config", c, "timeline", "--json", "--limit", "3"]);
    let before = json(&["--config", c, "timeline", "--json", "--limit", "3", "--offset", "3"]);
    let (latest, before_entries) = (
        latest["entries"].as_array().unwrap(),
        before["entries"].as_array().unwrap(),
    );
    assert_eq!((latest.len(), before_entries.len()), (3, 3));
    assert!(before["total"].as_u64().unwrap() > 6);
    assert!(before_entries[2]["date"].as_str().unwrap() <= latest[0]["date"].as_str().unwrap());
    let paged = text(&frontline(&["--config", c, "timeline", "--limit", "3"]).stdout);
    assert!(
        paged.contains("earlier entries (next page back: --offset 3)"),
        "{paged}"
    );

    // As frontline knew it at seq 1 there was one article.
    let early = json(&["--config", c, "timeline", "--json", "--at-seq", "1"]);
    assert!(early["entries"].as_array().unwrap().len() <= 3);

    let out = frontline(&["--config", c, "rebuild"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("rebuilt projection") && text(&out.stderr).contains("from 23 events"),
        "{}",
        text(&out.stderr)
    );
    let after = json(&["--config", c, "casualties", "--json", "--as-of", "2020-10-16"]);
    assert_eq!(after, v, "a rebuild gives the same state");
}

#[test]
fn a_changed_profile_rebuilds_the_projection_on_next_use() {
    let dir = tempfile::tempdir().unwrap();
    let config = ingest_war(dir.path());
    let c = config.to_str().unwrap();
    let before = json(&["--config", c, "casualties", "--json"]);
    let reporter = |v: &Value| {
        let t = v["tallies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["party"] == "armenia" && t["group"] == "military" && t["outcome"] == "killed");
        t.unwrap()["headline"]["reporter"].as_str().unwrap().to_string()
    };
    assert_eq!(reporter(&before), "artsakh-mod");

    // The same profile without the Nagorno-Karabakh defence ministry as a named reporter: its
    // figures now come from a reporter derived from the words.
    let profile = crate::support::root().join("config/profiles/nagorno-karabakh.toml");
    let text_profile = std::fs::read_to_string(&profile).unwrap();
    let start = text_profile.find("[[reporter]]\nid = \"artsakh-mod\"").unwrap();
    let end = start + text_profile[start..].find("\n[[reporter]]").unwrap();
    let changed = format!("{}{}", &text_profile[..start], &text_profile[end + 1..]);
    let changed_path = dir.path().join("changed.toml");
    std::fs::write(&changed_path, changed).unwrap();
    let config_text = std::fs::read_to_string(&config)
        .unwrap()
        .replace(&profile.display().to_string(), &changed_path.display().to_string());
    std::fs::write(&config, config_text).unwrap();

    let after = json(&["--config", c, "casualties", "--json"]);
    assert_eq!(reporter(&after), "armenia-military");
}

#[test]
fn extract_prints_the_design_contract() {
    let dir = tempfile::tempdir().unwrap();
    let article = dir.path().join("a.txt");
    std::fs::write(
        &article,
        "According to the Prosecutor-General's office in Baku, nine civilians were killed and 34 others were injured in Ganja.\n\
         Armenia and Azerbaijan agreed to a humanitarian ceasefire from noon local time on Saturday.",
    )
    .unwrap();
    let profile = crate::support::root().join("config/profiles/nagorno-karabakh.toml");
    let v = json(&[
        "extract",
        "--profile",
        profile.to_str().unwrap(),
        "--published",
        "2020-10-10",
        article.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(v["relevant"], true);
    assert_eq!(v["casualties"][0]["count"], 9);
    assert_eq!(v["casualties"][1]["outcome"], "injured");
    assert_eq!(v["ceasefire"][0]["effective_at"], "2020-10-10T12:00:00+04:00");
    // From standard input, as text.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args([
            "extract",
            "--profile",
            profile.to_str().unwrap(),
            "--published",
            "2020-10-10",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Two Armenian soldiers were killed near Fuzuli.")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let s = text(&out.stdout);
    assert!(s.contains("2 killed military party=armenia"), "{s}");
    // A bad date is one clear line.
    let out = frontline(&[
        "extract",
        "--profile",
        profile.to_str().unwrap(),
        "--published",
        "10/10/2020",
        article.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("expected YYYY-MM-DD"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn completions_and_man_page_are_generated_from_the_commands() {
    let out = frontline(&["completions", "bash"]);
    assert!(out.status.success());
    let script = text(&out.stdout);
    for command in ["casualties", "ceasefire", "events", "articles", "status", "rebuild"] {
        assert!(script.contains(command), "bash completion lacks {command}");
    }
    // The script is valid bash.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontline.bash");
    std::fs::write(&path, &script).unwrap();
    let check = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(check.status.success(), "{}", text(&check.stderr));

    let out = frontline(&["completions", "zsh"]);
    assert!(out.status.success() && text(&out.stdout).starts_with("#compdef frontline"));

    let out = frontline(&["man"]);
    assert!(out.status.success());
    let man = text(&out.stdout);
    assert!(man.contains(".TH frontline 1"), "{man}");
    assert!(man.contains(".SH SUBCOMMANDS") && man.contains("casualties"), "{man}");
}
