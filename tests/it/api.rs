//! The daemon's local API on its Unix socket, against the real `frontlined`: status, the views
//! with `as_of` (the same JSON the CLI prints from the store), JSON errors for bad requests, the
//! socket's mode, its removal on exit, a second daemon refused the socket, and the CLI asking
//! the daemon while it holds the store (or the store when the socket is stale).

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::support::daemon::Daemon;
use crate::support::{cli, data, write_config};

/// One HTTP/1.1 GET over the socket: (status code, lower-cased header block, body).
fn get_raw(socket: &Path, target: &str) -> (u16, String, String) {
    let mut stream = UnixStream::connect(socket).unwrap_or_else(|e| panic!("connecting {}: {e}", socket.display()));
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: frontline\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).expect("UTF-8 response");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a header block");
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status line");
    let head = head.to_ascii_lowercase();
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        body.to_string()
    };
    (code, head, body)
}

// A chunked HTTP/1.1 body (a streamed export) as its bytes: each chunk is its size in hex, CRLF,
// the data, CRLF; a zero size ends it. Panics on a body that does not end properly, so a stream
// cut short fails the test.
fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").expect("a chunk size line");
        let size = usize::from_str_radix(size.trim(), 16).expect("a hex chunk size");
        if size == 0 {
            return out;
        }
        out.push_str(&after[..size]);
        rest = after[size..].strip_prefix("\r\n").expect("CRLF after a chunk");
    }
}

/// One HTTP/1.1 GET over the socket: (status code, JSON body).
fn get(socket: &Path, target: &str) -> (u16, Value) {
    let (code, head, body) = get_raw(socket, target);
    assert!(
        head.contains("content-type: application/json"),
        "{target}: not JSON: {head}"
    );
    let body = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{target}: {e}: {body}"));
    (code, body)
}

/// Starts frontlined on the war fixture feed polled every `interval`, and waits until it is
/// polled and projected: (config, API socket, daemon).
fn start_war(dir: &Path, interval: &str) -> (frontline::config::Config, std::path::PathBuf, Daemon) {
    let war = url::Url::from_file_path(data("feeds/war-2020.xml"))
        .unwrap()
        .to_string();
    let config = write_config(dir, &[("War Wire", &war)], interval);
    let daemon = Daemon::start(&config.source, &[]);
    daemon.wait_log("the feed polled and projected", Duration::from_secs(60), |d| {
        d.count(&["poll finished"]) >= 1 && d.count(&["projections updated"]) >= 1
    });
    (config, dir.join("api.sock"), daemon)
}

/// The CLI's JSON for `args` (through the daemon while it runs, else from the store).
fn cli_json(config: &Path, args: &[&str]) -> Value {
    let out = cli(config, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

// The CLI arguments that ask for what the API was asked.
fn cli_args<'a>(command: &'a str, as_of: &'a str, stream: &'a str) -> Vec<&'a str> {
    match command {
        "articles" => vec!["articles", "--limit", "2", "--json"],
        "show" => vec!["show", stream, "--json"],
        _ => vec![command, "--as-of", as_of, "--json"],
    }
}

#[test]
fn the_api_serves_status_and_views_and_answers_bad_requests_with_json_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (config, socket, daemon) = start_war(dir.path(), "1h");

    let mode = std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o660, "socket mode");

    let (code, status) = get(&socket, "/v1/status");
    assert_eq!(code, 200);
    assert_eq!(status["ready"], true);
    let events = status["last_seq"].as_u64().unwrap();
    assert!(events > 0, "{status}");
    assert_eq!(status["projection_checkpoint"].as_u64(), Some(events), "{status}");
    assert_eq!(
        status["feeds"]["war-wire"]["appended"].as_u64(),
        Some(events),
        "{status}"
    );

    let mut views = Vec::new();
    for (route, command) in [
        ("casualties", "casualties"),
        ("ceasefire", "ceasefire"),
        ("control", "control"),
        ("timeline", "timeline"),
        ("actors", "actors"),
        ("locations", "locations"),
        ("claims", "claims"),
    ] {
        for as_of in ["2020-10-20", "2020-11-30"] {
            let (code, body) = get(&socket, &format!("/v1/{route}?as_of={as_of}"));
            assert_eq!(code, 200, "{route} {as_of}: {body}");
            assert_eq!(body["as_of"]["date"], as_of, "{route}");
            views.push((command, as_of, body));
        }
    }
    // Prometheus metrics from the same status.
    let (code, head, metrics) = get_raw(&socket, "/metrics");
    assert_eq!(code, 200);
    assert!(head.contains("content-type: text/plain; version=0.0.4"), "{head}");
    for line in [
        "frontline_polls_total{feed=\"war-wire\"} 1".to_string(),
        "frontline_poll_errors_total{feed=\"war-wire\"} 0".to_string(),
        format!("frontline_events_appended_total{{feed=\"war-wire\"}} {events}"),
        format!("frontline_log_events {events}"),
        "frontline_projection_lag_events 0".to_string(),
        "# TYPE frontline_fetched_bytes_total counter".to_string(),
    ] {
        assert!(metrics.lines().any(|l| l == line), "missing {line:?} in\n{metrics}");
    }

    // Exports: JSON Lines of every fact with its citation, GeoJSON of places.
    let (code, head, jsonl) = get_raw(&socket, "/v1/export?format=jsonl&as_of=2020-11-30");
    assert_eq!(code, 200);
    assert!(head.contains("content-type: application/x-ndjson"), "{head}");
    let facts: Vec<Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(facts.iter().any(|f| f["kind"] == "casualty"), "{jsonl}");
    assert!(facts.iter().any(|f| f["kind"] == "ceasefire"), "{jsonl}");
    for f in &facts {
        assert!(f["fact"].is_object() && f["citation"]["sentence"].is_string(), "{f}");
    }
    let (code, _, geo) = get_raw(&socket, "/v1/export?format=geojson&as_of=2020-11-30");
    assert_eq!(code, 200);
    let geo: Value = serde_json::from_str(&geo).unwrap();
    assert_eq!(geo["type"], "FeatureCollection");
    let features = geo["features"].as_array().unwrap();
    assert!(!features.is_empty());
    // GeoJSON is longitude first: Stepanakert is at 46.75 E, 39.82 N.
    let stepanakert = features
        .iter()
        .find(|f| f["properties"]["id"] == "stepanakert")
        .expect("Stepanakert is in the news");
    let c = &stepanakert["geometry"]["coordinates"];
    assert!((c[0].as_f64().unwrap() - 46.75).abs() < 0.1, "{stepanakert}");
    assert!((c[1].as_f64().unwrap() - 39.82).abs() < 0.1, "{stepanakert}");
    assert!(features.iter().all(|f| f["geometry"]["type"] == "Point"));
    // The CSVs open in any CSV reader: a header row in the documented order, every row as
    // wide as it; GKG counts are tab-separated with a header.
    for (format, content_type, header) in [
        (
            "acled-csv",
            "text/csv",
            frontline::projection::export::ACLED_COLUMNS.to_vec(),
        ),
        (
            "ucdp-csv",
            "text/csv",
            frontline::projection::export::UCDP_COLUMNS.to_vec(),
        ),
        (
            "gkg-counts",
            "text/tab-separated-values",
            frontline::projection::export::GKG_COLUMNS.to_vec(),
        ),
    ] {
        let (code, head, text) = get_raw(&socket, &format!("/v1/export?format={format}&as_of=2020-11-30"));
        assert_eq!(code, 200, "{format}: {text}");
        assert!(head.contains(&format!("content-type: {content_type}")), "{head}");
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(if format == "gkg-counts" { b'\t' } else { b',' })
            .from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), header, "{format}");
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a well-formed row")).collect();
        assert!(!rows.is_empty(), "{format} has rows: {text}");
    }
    let (code, body) = get(&socket, "/v1/export?format=xlsx");
    assert_eq!(code, 400, "{body}");
    // The CLI writes the daemon's export to a file, whole.
    let geo_file = dir.path().join("places.geojson");
    let out = cli(
        &config.source,
        &[
            "export",
            "--format",
            "geojson",
            "--as-of",
            "2020-11-30",
            "--output",
            geo_file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&geo_file).unwrap()).unwrap();
    assert_eq!(written, geo);

    // Articles, paged, and one article with its text and facts.
    let (code, page) = get(&socket, "/v1/articles?limit=2");
    assert_eq!(code, 200, "{page}");
    assert_eq!(
        page["total"].as_u64(),
        Some(events),
        "one article per event in this feed"
    );
    assert_eq!(page["entries"].as_array().unwrap().len(), 2);
    let stream = page["entries"][0]["stream"].as_str().unwrap().to_string();
    let enc: String = url::form_urlencoded::byte_serialize(stream.as_bytes()).collect();
    let (code, detail) = get(&socket, &format!("/v1/article?stream={enc}"));
    assert_eq!(code, 200, "{detail}");
    assert_eq!(detail["facts"]["stream"], stream.as_str());
    let title = page["entries"][0]["title"].as_str().unwrap();
    assert!(detail["text"].as_str().unwrap().starts_with(title), "{detail}");
    let (code, body) = get(&socket, "/v1/article?stream=nobody%2Fnothing");
    assert_eq!(code, 404, "{body}");
    let (code, body) = get(&socket, "/v1/articles?since=yesterday");
    assert_eq!(code, 400, "{body}");
    views.push(("articles", "page", page));
    views.push(("show", "detail", detail));

    let (code, body) = get(&socket, "/v1/casualties?at_seq=1");
    assert_eq!((code, body["as_of"]["seq"].as_u64()), (200, Some(1)));

    // Bad requests: a 4xx and a JSON error that says what was wrong.
    let (code, body) = get(&socket, "/v1/casualties?as_of=20-10-2020");
    assert_eq!(code, 400);
    assert!(
        body["error"].as_str().unwrap().contains("\"20-10-2020\" is not a date"),
        "{body}"
    );
    let (code, body) = get(&socket, "/v1/casualties?at_seq=minus-one");
    assert_eq!(code, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("at_seq"), "{body}");
    // A figure's citations, paged; a bad or unknown figure key is named.
    let (_, now) = get(&socket, "/v1/casualties");
    let key = now["tallies"][0]["headline"]["key"].as_str().unwrap().to_string();
    let (code, page) = get(&socket, &format!("/v1/citations?figure={key}&limit=1"));
    assert_eq!(code, 200, "{page}");
    assert_eq!(page["citations"].as_array().map(Vec::len), Some(1), "{page}");
    assert_eq!(page["total"], now["tallies"][0]["headline"]["citations"], "{page}");
    let (code, body) = get(&socket, "/v1/citations?figure=armenia:soldiers");
    assert_eq!(code, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("7 parts"), "{body}");
    let (code, body) = get(
        &socket,
        "/v1/citations?figure=armenia:military:killed:cumulative:nobody:2020-10-05:1",
    );
    assert_eq!(code, 404, "{body}");
    assert!(body["error"].as_str().unwrap().contains("no figure"), "{body}");
    let (code, body) = get(&socket, &format!("/v1/citations?figure={key}&limit=0"));
    assert_eq!(code, 400, "{body}");
    // A claim group's claims, the same way.
    let (_, claims) = get(&socket, "/v1/claims");
    let group = claims["groups"][0]["key"].as_str().unwrap().to_string();
    let (code, page) = get(&socket, &format!("/v1/citations?claims={group}"));
    assert_eq!(code, 200, "{page}");
    assert_eq!(page["total"], claims["groups"][0]["claims"], "{page}");
    assert_eq!(
        page["claims"].as_array().map(Vec::len),
        claims["groups"][0]["claims"].as_u64().map(|n| n as usize)
    );
    let (code, body) = get(&socket, "/v1/citations?claims=rumour:x:y");
    assert_eq!(code, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("accusation, denial"), "{body}");
    let (code, body) = get(&socket, "/v1/citations");
    assert_eq!(code, 400, "{body}");
    let (code, body) = get(&socket, "/v1/ceasefire?color=blue");
    assert_eq!(code, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("color"), "{body}");
    let (code, body) = get(&socket, "/v2/anything");
    assert_eq!(code, 404);
    assert!(body["error"].as_str().unwrap().contains("/v1"), "{body}");
    // ... and the daemon still answers.
    assert_eq!(get(&socket, "/v1/status").0, 200);

    // While the daemon holds the store, the CLI asks it through the socket: same JSON, and the
    // tables render from it.
    for (command, as_of, body) in &views {
        assert_eq!(
            &cli_json(&config.source, &cli_args(command, as_of, &stream)),
            body,
            "{command} through the daemon"
        );
    }
    let out = cli(&config.source, &["show", "nobody/nothing"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no article \"nobody/nothing\""));
    let out = cli(&config.source, &["casualties", "--as-of", "2020-11-30"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("armenia") && table.contains("killed"), "{table}");
    let status = cli_json(&config.source, &["status", "--json"]);
    assert_eq!(status["ready"], true);
    assert!(status["last_append"].is_string(), "{status}");
    assert_eq!(status["feeds"]["war-wire"]["failures"], 0, "{status}");
    let out = cli(&config.source, &["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("frontlined up ") && text.contains("war-wire"),
        "{text}"
    );
    // Feeds with their health, from the daemon, as JSON and as a table.
    let (code, feeds) = get(&socket, "/v1/feeds");
    assert_eq!(code, 200, "{feeds}");
    assert_eq!(feeds["live"], true);
    assert_eq!(feeds["feeds"][0]["id"], "war-wire");
    assert_eq!(feeds["feeds"][0]["health"], "healthy", "{feeds}");
    assert_eq!(feeds["feeds"][0]["articles"].as_u64(), Some(events));
    assert_eq!(feeds["feeds"][0]["status"]["polls"], 1);
    assert_eq!(cli_json(&config.source, &["feeds", "--json"]), feeds);
    let out = cli(&config.source, &["feeds"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("war-wire") && text.contains("healthy"), "{text}");
    // A bad date is refused by the CLI's own parser before any request.
    let out = cli(&config.source, &["control", "--as-of", "soon"]);
    assert_eq!(out.status.code(), Some(2));

    let (exit, log) = daemon.terminate();
    assert!(exit.success(), "{log:?}");
    assert!(!socket.exists(), "the socket is removed on a clean exit");

    // Without a daemon, status says why in one line.
    let out = cli(&config.source, &["status"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no daemon answers on") && stderr.lines().count() == 1,
        "{stderr}"
    );

    // Without a daemon, feeds come from the config and the store: health unknown, counts kept.
    let offline = cli_json(&config.source, &["feeds", "--json"]);
    assert_eq!(offline["live"], false);
    assert_eq!(offline["feeds"][0]["health"], "unknown");
    assert_eq!(offline["feeds"][0]["articles"].as_u64(), Some(events));

    // The same export from the store once the daemon is gone.
    let out = cli(
        &config.source,
        &["export", "--format", "jsonl", "--as-of", "2020-11-30"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), jsonl);

    // The API served exactly what the CLI computes from the store once the daemon is gone.
    for (command, as_of, body) in views {
        assert_eq!(
            body,
            cli_json(&config.source, &cli_args(command, as_of, &stream)),
            "{command} as of {as_of}"
        );
    }
}

/// Eight clients asking at once for a view at a sequence number (an audit question, the one kind
/// answered by a fold): it is folded once (one fold at a time, and the ones that waited find the
/// kept answer), and all get the same answer. Every view by date is read from the kept state and
/// needs no fold at all.
#[test]
fn a_view_asked_for_by_many_at_once_is_folded_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_config, socket, daemon) = start_war(dir.path(), "1h");
    let by_date = [
        "/v1/casualties",
        "/v1/casualties?as_of=2020-11-30",
        "/v1/ceasefire",
        "/v1/ceasefire?as_of=2020-10-20",
        "/v1/timeline?as_of=2020-10-20&offset=2&limit=3",
        "/v1/control",
        "/v1/claims",
    ];
    for target in by_date {
        let (code, _, body) = get_raw(&socket, target);
        assert_eq!(code, 200, "{body}");
    }
    let (_, _, metrics) = get_raw(&socket, "/metrics");
    assert!(
        metrics.lines().any(|l| l == "frontline_view_builds_total 0"),
        "views by date fold nothing:\n{metrics}"
    );
    let answers: Vec<String> = std::thread::scope(|scope| {
        let asks: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| get_raw(&socket, "/v1/ceasefire?at_seq=12")))
            .collect();
        asks.into_iter()
            .map(|a| {
                let (code, _, body) = a.join().unwrap();
                assert_eq!(code, 200, "{body}");
                body
            })
            .collect()
    });
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "every client got the same answer"
    );
    let (_, _, metrics) = get_raw(&socket, "/metrics");
    assert!(
        metrics.lines().any(|l| l == "frontline_view_builds_total 1"),
        "one fold for eight questions:\n{metrics}"
    );
    drop(daemon);
}

#[test]
fn a_second_daemon_cannot_take_a_live_socket() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "1h");
    let first = Daemon::start(&config.source, &[]);
    first.wait_log("the first daemon listening", Duration::from_secs(30), |d| {
        d.count(&["API listening"]) == 1
    });
    // Same socket, its own store: only the socket is in the way.
    let other = dir.path().join("other-store");
    let out = Command::new(env!("CARGO_BIN_EXE_frontlined"))
        .args([
            "--config",
            config.source.to_str().unwrap(),
            "--store",
            other.to_str().unwrap(),
        ])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("binding the API socket") && stderr.contains("in use by another process"),
        "{stderr}"
    );
    let (exit, log) = first.terminate();
    assert!(exit.success(), "{log:?}");
}

#[test]
fn a_stale_socket_falls_back_to_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let (config, socket, daemon) = start_war(dir.path(), "1h");
    let (exit, log) = daemon.terminate();
    assert!(exit.success(), "{log:?}");
    // What a daemon killed with SIGKILL leaves behind: a socket file nobody listens on.
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    let view = cli_json(&config.source, &["ceasefire", "--json"]);
    assert!(view["truces"].as_array().is_some_and(|t| !t.is_empty()), "{view}");
}

#[test]
fn a_burst_of_clients_and_garbage_leave_the_daemon_answering_and_polling() {
    let dir = tempfile::tempdir().unwrap();
    let (_config, socket, daemon) = start_war(dir.path(), "1s");

    // Garbage first: not HTTP, a request cut short, an enormous header, a connection dropped
    // at once.
    for junk in [
        &b"\x00\x01\x02 hello\r\n\r\n"[..],
        b"GET /v1/status HTTP/1.1\r\nHost: x\r\n",
        &[
            b"GET /v1/status HTTP/1.1\r\nX-Big: ".as_slice(),
            &[b'a'; 200_000],
            b"\r\n\r\n",
        ]
        .concat(),
        b"",
    ] {
        let mut s = UnixStream::connect(&socket).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = s.write_all(junk);
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
    }

    // 8 clients × 40 requests at once over the views and the status.
    let polls_before = get(&socket, "/v1/status").1["polls"].as_u64().unwrap();
    let routes = [
        "/v1/status", "/v1/casualties", "/v1/ceasefire?as_of=2020-10-20", "/v1/timeline", "/v1/claims",
    ];
    let clients: Vec<_> = (0..8)
        .map(|c| {
            let socket = socket.clone();
            std::thread::spawn(move || {
                (0..40)
                    .map(|i| get(&socket, routes[(c + i) % routes.len()]).0)
                    .filter(|&code| code != 200)
                    .count()
            })
        })
        .collect();
    let failed: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(failed, 0, "requests that did not get a 200");

    // Still polling on its 1 s interval, still answering.
    daemon.wait_log("two more polls after the burst", Duration::from_secs(30), |d| {
        d.count(&["poll finished"]) as u64 >= polls_before + 2
    });
    let (code, status) = get(&socket, "/v1/status");
    assert_eq!(code, 200);
    assert!(status["polls"].as_u64().unwrap() >= polls_before + 2, "{status}");
    let (exit, log) = daemon.terminate();
    assert!(exit.success(), "{log:?}");
}

#[test]
fn events_follow_sees_an_article_appended_while_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("wire.xml");
    std::fs::copy(data("feeds/war-2020.xml"), &feed).unwrap();
    let url = url::Url::from_file_path(&feed).unwrap().to_string();
    let config = write_config(dir.path(), &[("War Wire", &url)], "1s");
    let daemon = Daemon::start(&config.source, &[]);
    daemon.wait_log("the feed polled", Duration::from_secs(60), |d| {
        d.count(&["poll finished"]) >= 1
    });
    let head = get(&dir.path().join("api.sock"), "/v1/status").1["last_seq"]
        .as_u64()
        .unwrap();

    let mut follow = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args([
            "--config",
            config.source.to_str().unwrap(),
            "events",
            "--follow",
            "--json",
        ])
        .args(["--after", &head.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = follow.stdout.take().unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });

    // A new story lands in the feed; the daemon's next poll appends it.
    let xml = std::fs::read_to_string(&feed).unwrap().replacen(
        "<item>",
        "<item>\n      <title>Shelling reported near Stepanakert overnight</title>\n      \
         <guid isPermaLink=\"false\">follow-test-1</guid>\n      \
         <pubDate>Mon, 12 Oct 2020 06:00:00 +0000</pubDate>\n      \
         <description>Artillery fire hit the outskirts of Stepanakert, Nagorno-Karabakh officials said.</description>\n    \
         </item>\n    <item>",
        1,
    );
    std::fs::write(&feed, xml).unwrap();

    let line = lines_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the followed stream shows the new event within 30 s");
    let event: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(event["seq"].as_u64(), Some(head + 1));
    assert_eq!(event["payload"]["article"]["guid"], "follow-test-1", "{event}");
    follow.kill().unwrap();
    let _ = follow.wait();

    // Shutdown is not held up by a follower still connected.
    let follower = UnixStream::connect(dir.path().join("api.sock")).unwrap();
    let mut w = &follower;
    write!(w, "GET /v1/events?follow=true HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let (exit, log) = daemon.terminate();
    assert!(exit.success(), "{log:?}");
    drop(follower);
}

#[test]
fn rebuild_through_the_daemon_gives_back_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let (config, socket, daemon) = start_war(dir.path(), "1h");
    let before = get(&socket, "/v1/casualties?as_of=2020-11-30").1;

    let out = cli(&config.source, &["rebuild"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the daemon rebuilt projection"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, status) = get(&socket, "/v1/status");
    assert_eq!(status["rebuilds"], 1);
    assert_eq!(status["rebuilding"], false);
    assert_eq!(status["projection_error"], Value::Null);
    assert_eq!(status["projection_checkpoint"], status["last_seq"]);
    assert_eq!(get(&socket, "/v1/casualties?as_of=2020-11-30").1, before);
    assert_eq!(daemon.count(&["rebuilding projections on request"]), 1);
    let (exit, log) = daemon.terminate();
    assert!(exit.success(), "{log:?}");
}

#[test]
fn the_api_can_also_listen_on_loopback_tcp() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "1h");
    let text = std::fs::read_to_string(&config.source).unwrap().replace(
        "socket = \"api.sock\"",
        "socket = \"api.sock\"\nlisten = \"127.0.0.1:0\"",
    );
    std::fs::write(&config.source, text).unwrap();
    let daemon = Daemon::start(&config.source, &[]);
    daemon.wait_log("the TCP listener", Duration::from_secs(30), |d| {
        d.count(&["API listening on TCP"]) == 1
    });
    let line = daemon
        .log()
        .into_iter()
        .find(|l| l.contains("API listening on TCP"))
        .unwrap();
    let addr = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("address="))
        .expect("the log names the address")
        .to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        stream,
        "GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(raw.contains("\"ready\":true"), "{raw}");
    let (exit, log) = daemon.terminate();
    assert!(exit.success(), "{log:?}");
}

#[test]
fn a_user_outside_the_sockets_group_is_told_permission_denied() {
    use std::os::unix::fs::MetadataExt;
    // Needs root to run the CLI as another user; CI runs as root, a developer may not.
    if std::fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(1) != 0 {
        eprintln!("skipped: run as root to test the socket refusing another user");
        return;
    }
    let Ok(setpriv) = which_setpriv() else {
        eprintln!("skipped: setpriv (util-linux) is not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // The directory is open to everyone: only the socket's own mode (0660, root's group) may
    // keep the other user out.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = write_config(dir.path(), &[], "1h");
    let daemon = Daemon::start(&config.source, &[]);
    daemon.wait_log("the API listening", Duration::from_secs(30), |d| {
        d.count(&["API listening"]) == 1
    });
    let socket = dir.path().join("api.sock");
    let as_nobody = |args: &[&str]| {
        Command::new(&setpriv)
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_frontline"))
            .args(["--socket", socket.to_str().unwrap()])
            .args(["--store", config.store.path.to_str().unwrap()])
            .args(args)
            .env("RUST_LOG", "off")
            .output()
            .unwrap()
    };
    let out = as_nobody(&["casualties"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("refused this user (permission denied; join its group or use sudo)"),
        "{stderr}"
    );
    let out = as_nobody(&["status"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("permission denied; join the socket's group or use sudo") && stderr.lines().count() == 1,
        "{stderr}"
    );
    let (exit, log) = daemon.terminate();
    assert!(exit.success(), "{log:?}");
}

fn which_setpriv() -> Result<std::path::PathBuf, ()> {
    ["/usr/bin/setpriv", "/bin/setpriv"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists())
        .ok_or(())
}
