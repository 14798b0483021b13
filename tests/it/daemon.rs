//! The real `frontlined` binary: it starts with feeds it cannot reach, logs each failure once
//! per poll, keeps running, and stops cleanly on SIGTERM with its appends on disk.

use std::time::Duration;

use frontline::store::EventLog;

use crate::support::daemon::Daemon;
use crate::support::{data, write_config};

#[test]
fn starts_offline_logs_each_failure_once_per_poll_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let atom = url::Url::from_file_path(data("feeds/ministry-atom.xml"))
        .unwrap()
        .to_string();
    let config = write_config(
        dir.path(),
        &[
            ("Refused", "http://127.0.0.1:9/feed.xml"),
            ("Missing file", "file:missing.xml"),
            ("Bulletin", &atom),
        ],
        "1s",
    );
    let daemon = Daemon::start(&config.source, &[]);
    daemon.wait_log("three polls of each failing feed", Duration::from_secs(30), |d| {
        d.count(&["poll failed", "feed=refused"]) >= 3 && d.count(&["poll failed", "feed=missing-file"]) >= 3
    });
    let (status, log) = daemon.terminate();
    assert!(status.success(), "exit status {status:?}; log:\n{}", log.join("\n"));

    let started = log.iter().filter(|l| l.contains("daemon started")).count();
    assert_eq!(started, 1);
    // Once per poll: the failure count tracks the poll count, with no retries or repeats.
    let polls = |feed: &str| log.iter().filter(|l| l.contains(&format!("feed={feed} "))).count();
    let failures = |feed: &str| {
        log.iter()
            .filter(|l| l.contains("poll failed") && l.contains(&format!("feed={feed} ")))
            .count()
    };
    assert_eq!(polls("refused"), failures("refused"));
    assert!(
        log.iter()
            .any(|l| l.contains("feed=refused") && l.contains("class=connect")),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("feed=missing-file") && l.contains("class=file")),
        "{log:?}"
    );
    let ok = log
        .iter()
        .filter(|l| l.contains("poll finished") && l.contains("feed=bulletin"))
        .collect::<Vec<_>>();
    assert!(
        ok[0].contains("entries=3") && ok[0].contains("matched=2") && ok[0].contains("new=2"),
        "{ok:?}"
    );
    assert!(
        ok.iter()
            .skip(1)
            .all(|l| l.contains("new=0") && l.contains("revised=0")),
        "{ok:?}"
    );
    assert!(
        log.last().unwrap().contains("daemon stopped; the log is synced"),
        "{log:?}"
    );

    let store = crate::support::reopen_store(&config.store.path);
    assert_eq!(store.head().unwrap(), 2);
    assert!(store.verify().unwrap().is_clean());
}

#[test]
fn a_second_daemon_on_the_same_store_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "1m");
    let first = Daemon::start(&config.source, &[]);
    first.wait_log("start-up", Duration::from_secs(20), |d| {
        d.count(&["daemon started"]) == 1
    });
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_frontlined"))
        .args(["--config", config.source.to_str().unwrap()])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("is locked by another process (pid {})", first.pid())),
        "{stderr}"
    );
    let (status, _) = first.terminate();
    assert!(status.success());
}

#[test]
fn tells_systemd_when_ready_and_when_stopping() {
    use std::os::unix::net::UnixDatagram;

    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "1m");
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    // NOTIFY_SOCKET is how systemd's Type=notify hands a service its readiness socket.
    let daemon = Daemon::start_with_env(&config.source, &[], &[("NOTIFY_SOCKET", socket_path.as_os_str())]);
    let mut buf = [0u8; 256];
    let n = socket.recv(&mut buf).expect("READY=1 within 20 s");
    assert_eq!(String::from_utf8_lossy(&buf[..n]).trim(), "READY=1");
    // Ready comes after start-up; the log line was written before it (the thread that
    // collects the child's log may lag, hence the wait).
    daemon.wait_log("the start-up line", Duration::from_secs(5), |d| {
        d.count(&["daemon started"]) == 1
    });
    let (status, _) = daemon.terminate();
    assert!(status.success());
    let n = socket.recv(&mut buf).expect("STOPPING=1 on shutdown");
    assert_eq!(String::from_utf8_lossy(&buf[..n]).trim(), "STOPPING=1");
}

#[test]
fn sighup_reloads_the_feed_list_and_a_broken_config_is_refused_without_stopping() {
    let dir = tempfile::tempdir().unwrap();
    let url = |f: &str| url::Url::from_file_path(crate::support::data(f)).unwrap().to_string();
    let config = write_config(dir.path(), &[("Wire", &url("feeds/caucasus-wire.xml"))], "1h");
    let daemon = Daemon::start(&config.source, &[]);
    daemon.wait_log("the first feed polled", Duration::from_secs(30), |d| {
        d.count(&["poll finished", "wire"]) == 1
    });
    let hup = |pid: u32| {
        let ok = std::process::Command::new("kill")
            .args(["-HUP", &pid.to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    };

    // A broken config: logged with its location, the daemon keeps what it has.
    let good = std::fs::read_to_string(&config.source).unwrap();
    std::fs::write(&config.source, good.replace("[poll]", "[poll]\nbogus = 1")).unwrap();
    hup(daemon.pid());
    daemon.wait_log("the refusal", Duration::from_secs(10), |d| {
        d.count(&["the config does not load", "poll.bogus"]) == 1
    });

    // Another feed instead of the first: it starts, the first stops, no restart.
    let swapped = write_config(dir.path(), &[("Bulletin", &url("feeds/ministry-atom.xml"))], "1h");
    hup(daemon.pid());
    daemon.wait_log("the new feed polled", Duration::from_secs(30), |d| {
        d.count(&["poll finished", "bulletin"]) == 1
    });
    assert_eq!(
        daemon.count(&["feed removed from the config", "wire"]),
        1,
        "{:?}",
        daemon.log()
    );
    let out = crate::support::cli(&swapped.source, &["feeds", "--json"]);
    let feeds: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = feeds["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["bulletin"], "{feeds}");
    assert_eq!(daemon.count(&["daemon started"]), 1, "no restart");
    let (status, log) = daemon.terminate();
    assert!(status.success(), "{log:?}");
}

#[test]
fn the_systemd_watchdog_is_fed_while_the_daemon_answers() {
    use std::os::unix::net::UnixDatagram;

    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "1m");
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let daemon = Daemon::start_with_env(
        &config.source,
        &[],
        &[
            ("NOTIFY_SOCKET", socket_path.as_os_str()),
            ("WATCHDOG_USEC", std::ffi::OsStr::new("400000")),
        ],
    );
    let mut buf = [0u8; 256];
    let mut seen = Vec::new();
    while seen.iter().filter(|m: &&String| m.as_str() == "WATCHDOG=1").count() < 3 {
        let n = socket.recv(&mut buf).expect("a notification within 20 s");
        seen.push(String::from_utf8_lossy(&buf[..n]).trim().to_string());
    }
    assert_eq!(seen[0], "READY=1", "{seen:?}");
    let (status, _) = daemon.terminate();
    assert!(status.success());
}
