//! `frontline-bench`: the whole-process figures of BENCHMARKS.md on seeded synthetic feeds
//! (`frontline::bench`): ingest through the import path into a fresh store (durable at the end),
//! the store's size against the raw text, a rebuild of the projection from the log with the peak
//! memory, and query latency through the real API on a Unix socket. Prints a table.
//!
//! A measuring tool, not part of the product: it owns temp directories and a runtime; the work it
//! measures is the library's.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use frontline::bench::Generator;
use frontline::matcher::Matcher;
use frontline::profile::Profile;
use frontline::projection::{FactStore, Projector, catch_up, refresh};
use frontline::store::{Appender, EventLog, SledStore};
use frontline::units::ByteSize;

/// Measures ingest, store size, rebuild and queries on generated feeds.
#[derive(Debug, Parser)]
#[command(name = "frontline-bench")]
struct Args {
    /// Articles to generate
    #[arg(long, default_value_t = 50_000)]
    articles: usize,
    /// Articles per feed file
    #[arg(long, default_value_t = 500)]
    per_file: usize,
    /// Seed of the generator
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of articles about the war (the rest is ordinary news)
    #[arg(long, default_value_t = 0.25)]
    war_share: f64,
    /// Write the generated feed files here and stop (for the Python baseline)
    #[arg(long, value_name = "DIR")]
    generate_only: Option<PathBuf>,
    /// Requests per query kind
    #[arg(long, default_value_t = 50)]
    queries: usize,
    /// Feeds for the daemon round (0: skip); needs `frontlined` built next to this binary
    #[arg(long, default_value_t = 1000)]
    daemon_feeds: usize,
    /// Keep the store here; if it already holds events, measure on it instead of generating one
    /// (a million events take a while to generate once)
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
    /// With a reused store: catch its projection up instead of rebuilding it from scratch
    #[arg(long)]
    no_rebuild: bool,
    /// Rounds of 1,000 new events caught up one after another, as a live daemon does (the first
    /// follows a read of every article, so its kept pages are cold; the rest are steady state)
    #[arg(long, default_value_t = 3)]
    catch_up_rounds: usize,
    /// sled's page cache for the rebuild and the catch-up, in MiB (the daemon's default is 64)
    #[arg(long, default_value_t = 64)]
    cache_mib: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let profile = Profile::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config/profiles/nagorno-karabakh.toml"))?;
    let tmp = tempfile::tempdir()?;
    let feeds_dir = args.generate_only.clone().unwrap_or_else(|| tmp.path().join("feeds"));
    if args.generate_only.is_some() {
        let raw = generate(&args, &feeds_dir)?;
        eprintln!(
            "wrote {} articles in {} files ({}) to {}",
            args.articles,
            args.articles.div_ceil(args.per_file),
            ByteSize(raw),
            feeds_dir.display()
        );
        return Ok(());
    }
    let store_path = args.store.clone().unwrap_or_else(|| tmp.path().join("store"));
    let mut rows: Vec<[String; 3]> = Vec::new();

    let reused = match SledStore::open_existing(&store_path, ByteSize::mib(64)) {
        Ok(s) => s.head()?,
        Err(_) => 0,
    };
    if reused > 0 {
        rows.push([
            "store".into(),
            format!("reused, {reused} events"),
            store_path.display().to_string(),
        ]);
    } else {
        // Ingest: every file through parse, match, dedupe and the single writer; synced at the end.
        let raw = generate(&args, &feeds_dir)?;
        let (secs, appended, text_bytes) = ingest(&feeds_dir, &store_path, &profile)?;
        rows.push([
            "ingest (import path, one core, synced)".into(),
            format!("{:.0} articles/s", args.articles as f64 / secs),
            format!("{} articles, {appended} appended, {secs:.2} s", args.articles),
        ]);
        let store = SledStore::open_existing(&store_path, ByteSize::mib(64))?;
        let size = store.size_on_disk()?;
        let mut trees = store.logical_sizes()?;
        trees.retain(|(_, bytes)| *bytes > 0);
        trees.sort_by_key(|(_, bytes)| std::cmp::Reverse(*bytes));
        let logical: u64 = trees.iter().map(|(_, bytes)| bytes).sum();
        let trees: Vec<String> = trees
            .iter()
            .map(|(name, bytes)| format!("{name} {}", ByteSize(*bytes)))
            .collect();
        rows.push([
            "store size / raw article text".into(),
            format!("{:.2}x", size as f64 / text_bytes.max(1) as f64),
            format!(
                "{} on disk ({} of keys and values: {}), {} of text ({} of feed XML)",
                ByteSize(size),
                ByteSize(logical),
                trees.join(", "),
                ByteSize(text_bytes),
                ByteSize(raw)
            ),
        ]);
    }
    let store = Arc::new(SledStore::open_existing(&store_path, ByteSize::mib(args.cache_mib))?);

    // Rebuild: replay the log, extract, fold, persist the projection.
    let projector = Projector::new(&profile)?;
    let rss_before = peak_rss_kib();
    let t = Instant::now();
    let events = refresh(
        store.as_ref(),
        &projector,
        !(args.no_rebuild && reused > 0),
        &mut |_, _| true,
    )?;
    let facts = store.facts(projector.fingerprint())?;
    let secs = t.elapsed().as_secs_f64();
    rows.push([
        "rebuild (replay, extract, fold, persist)".into(),
        format!("{:.0} events/s", events as f64 / secs),
        format!(
            "{events} events, {secs:.2} s, peak RSS {} (was {} before)",
            ByteSize(peak_rss_kib() * 1024),
            ByteSize(rss_before * 1024)
        ),
    ]);
    assert_eq!(facts.checkpoint()?, store.head()?, "the rebuild reached the head");
    // What every view query pays first today: reading and decoding every article's facts.
    let t = Instant::now();
    let all = facts.all()?;
    let read = t.elapsed();
    let t = Instant::now();
    let view = frontline::projection::casualties::view(&all, &profile, Default::default());
    let fold = t.elapsed();
    rows.push([
        "read the projection / fold the casualties view".into(),
        format!(
            "{:.1} ms / {:.1} ms",
            read.as_secs_f64() * 1e3,
            fold.as_secs_f64() * 1e3
        ),
        format!("{} articles, {} tallies", all.len(), view.tallies.len()),
    ]);
    let last = all
        .iter()
        .filter_map(|a| a.revisions.last())
        .map(|r| r.published)
        .max()
        .unwrap_or_default();
    drop(all);

    // A live daemon's pages: rounds of 1,000 new reports published after the stored ones, each
    // caught up as it arrives.
    let extra = 1_000;
    let mut last = last;
    let mut times = Vec::new();
    for round in 1..=args.catch_up_rounds.max(1) {
        let head = store.head()?;
        last = append_new_reports(&store, head, last, extra)?;
        let t = Instant::now();
        let applied = catch_up(&projector, store.as_ref(), &facts, &mut |_, _| true)?;
        let secs = t.elapsed().as_secs_f64();
        times.push(secs);
        rows.push([
            format!("catch up {applied} new events, round {round} (a live daemon's pages)"),
            format!("{:.0} ms", secs * 1e3),
            format!("{:.0} events/s, on top of {head} events", applied as f64 / secs),
        ]);
    }
    if times.len() > 2 {
        // The first round follows the read of every article above; the others are what a
        // running daemon pays.
        let mut steady = times[1..].to_vec();
        steady.sort_by(f64::total_cmp);
        rows.push([
            "catch up 1,000 new events, median of rounds 2 on".into(),
            format!("{:.0} ms", steady[steady.len() / 2] * 1e3),
            format!("{} rounds", steady.len()),
        ]);
    }
    drop(facts);
    drop(store);

    // Queries through the real daemon's API on its socket.
    for row in queries(&store_path, &profile, args.queries)? {
        rows.push(row);
    }

    if args.daemon_feeds > 0 {
        rows.extend(daemon_round(args.daemon_feeds, &profile, tmp.path())?);
    }

    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(vec!["measure", "result", "detail"]);
    for r in rows {
        table.add_row(r.to_vec());
    }
    println!("{table}");
    Ok(())
}

// Writes the feed files; returns their total size in bytes.
fn generate(args: &Args, dir: &Path) -> anyhow::Result<u64> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut g = Generator::new(args.seed);
    g.war_share = args.war_share;
    let mut left = args.articles;
    let mut bytes = 0u64;
    let mut n = 0;
    while left > 0 {
        let items = left.min(args.per_file);
        let doc = g.feed(&format!("bench {n}"), items);
        bytes += doc.len() as u64;
        std::fs::write(dir.join(format!("bench-{n:05}.xml")), doc)?;
        left -= items;
        n += 1;
    }
    Ok(bytes)
}

// Appends `n` war reports published from `last` (the stored corpus's latest publication) on, as
// a live daemon receives them, after event `after`, through the single writer.
fn append_new_reports(
    store: &Arc<SledStore>,
    after: u64,
    last: chrono::DateTime<chrono::Utc>,
    n: usize,
) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    let mut g = Generator::after(7, last);
    let mut newest = last;
    g.war_share = 1.0;
    let appender = Appender::start(Arc::clone(store) as Arc<dyn EventLog>);
    let handle = appender.handle();
    let mut batch = Vec::new();
    for _ in 0..n {
        let it = g.item();
        newest = newest.max(it.published);
        batch.push(frontline::article::Article {
            feed: "bench-live".into(),
            key: frontline::article::ArticleKey::Guid(format!("{}-after-{after}", it.guid)),
            guid: Some(format!("{}-after-{after}", it.guid)),
            link: Some(it.link),
            title: Some(it.title),
            text: it.html.replace("<p>", "").replace("</p>", "\n"),
            authors: vec![],
            categories: vec![],
            published_at: Some(it.published),
            updated_at: None,
        });
    }
    handle.record_blocking(frontline::store::Batch {
        source: frontline::event::Source {
            feed: "bench-live".into(),
            url: "file:///bench-live".into(),
        },
        correlation_id: uuid::Uuid::nil(),
        articles: batch,
    })?;
    drop(handle);
    appender.shutdown()?;
    Ok(newest)
}

// The import path: returns (seconds, events appended, bytes of appended articles' text).
fn ingest(dir: &Path, store_path: &Path, profile: &Profile) -> anyhow::Result<(f64, usize, u64)> {
    let matcher = Arc::new(Matcher::for_profile(profile)?);
    let files = frontline::import::collect(&[dir.to_path_buf()], Some("bench"))?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let t = Instant::now();
    let store: Arc<dyn EventLog> = Arc::new(SledStore::open(store_path, ByteSize::mib(64))?);
    let appender = Appender::start(Arc::clone(&store));
    let handle = appender.handle();
    let mut appended = 0;
    for f in &files {
        let body = frontline::import::read(&f.path)?;
        let origin = frontline::import::origin(&f.path);
        let r = rt.block_on(frontline::import::ingest(
            &f.feed,
            origin,
            body,
            &matcher,
            &handle,
            Default::default(),
        ))?;
        appended += r.new + r.revised;
    }
    drop(handle);
    appender.shutdown()?;
    let secs = t.elapsed().as_secs_f64();
    // Page through the log: holding it all would inflate the peak RSS the rebuild row reports.
    let mut text = 0u64;
    let mut after = 0;
    loop {
        let page = store.read_after(after, 1024)?;
        let Some(last) = page.last() else { break };
        after = last.header.seq;
        text += page
            .iter()
            .map(|e| (e.payload.article.text.len() + e.payload.article.title.as_deref().map_or(0, str::len)) as u64)
            .sum::<u64>();
    }
    Ok((secs, appended, text))
}

// Starts the real `frontlined` on the store (no feeds), times API requests over its socket, and
// reads the daemon's peak RSS after them all.
fn queries(store_path: &Path, profile: &Profile, n: usize) -> anyhow::Result<Vec<[String; 3]>> {
    anyhow::ensure!(n >= 2, "--queries must be at least 2 (one first, the rest repeated)");
    let daemon_bin = std::env::current_exe()?.with_file_name("frontlined");
    anyhow::ensure!(
        daemon_bin.exists(),
        "{} is missing: run `cargo build --release` first",
        daemon_bin.display()
    );
    let dir = store_path.parent().context("store has a parent")?;
    let config_path = dir.join("bench-queries.toml");
    let socket = dir.join("bench-queries.sock");
    std::fs::write(
        &config_path,
        format!(
            "[store]\npath = {:?}\ncache = \"64MiB\"\n[api]\nsocket = {:?}\n[profile]\npath = {:?}\n",
            store_path.display().to_string(),
            socket.display().to_string(),
            profile.source.display().to_string()
        ),
    )?;
    let mut child = std::process::Command::new(&daemon_bin)
        .arg("--config")
        .arg(&config_path)
        .env("RUST_LOG", "warn")
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let pid = child.id();
    let status = |socket: &Path| -> Option<serde_json::Value> {
        frontline::cli::client::get::<serde_json::Value>(socket, "/v1/status")
            .ok()
            .and_then(Result::ok)
    };
    let deadline = Instant::now() + Duration::from_secs(1800);
    loop {
        if let Some(s) = status(&socket)
            && s["ready"] == true
            && s["projection_checkpoint"] == s["last_seq"]
        {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "the daemon did not get ready");
        std::thread::sleep(Duration::from_millis(100));
    }
    let rss_ready = proc_kib(pid, "VmRSS:");
    let mut rows = Vec::new();
    // A figure with many citations, for the citations route.
    let mut body = Vec::new();
    frontline::cli::client::stream(&socket, "/v1/casualties", &mut body)?
        .map_err(|u| anyhow::anyhow!("the daemon went away: {}", u.describe()))?;
    let summary: serde_json::Value = serde_json::from_slice(&body)?;
    let figure = summary["tallies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["headline"]["key"].as_str())
        .next()
        .unwrap_or("none")
        .to_string();
    let mut targets: Vec<(String, String)> = vec![("status".into(), "/v1/status".into())];
    for view in frontline::projection::views::View::ALL {
        let name = view.name();
        targets.push((name.into(), format!("/v1/{name}")));
        targets.push((format!("{name} as of a date"), format!("/v1/{name}?as_of=2020-10-20")));
    }
    targets.push((
        "citations of a headline, a page of 50".into(),
        format!("/v1/citations?figure={figure}&limit=50"),
    ));
    for (name, target) in targets {
        let mut times = Vec::with_capacity(n);
        let mut size = 0;
        for _ in 0..n {
            // The answer's bytes, as they arrive: the server's time and the transfer, not the
            // client's JSON decoding.
            let mut body = Vec::new();
            let t = Instant::now();
            frontline::cli::client::stream(&socket, &target, &mut body)?
                .map_err(|u| anyhow::anyhow!("the daemon went away: {}", u.describe()))?;
            times.push(t.elapsed());
            size = body.len();
        }
        let first = times.remove(0);
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        rows.push([
            format!("query: {name}"),
            format!(
                "{:.2} ms median ({:.1} ms first)",
                ms(times[times.len() / 2]),
                ms(first)
            ),
            format!(
                "p10 {:.2} ms, p90 {:.2} ms, {} more requests; answer {}",
                ms(times[times.len() / 10]),
                ms(times[times.len() * 9 / 10]),
                times.len(),
                ByteSize(size as u64)
            ),
        ]);
    }
    let hwm = proc_kib(pid, "VmHWM:");
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();
    rows.push([
        format!("daemon peak RSS while answering {n} of each query"),
        format!("{}", ByteSize(hwm * 1024)),
        format!(
            "VmHWM of frontlined (sled cache 64 MiB); {} resident when ready",
            ByteSize(rss_ready * 1024)
        ),
    ]);
    Ok(rows)
}

// The real `frontlined` with `feeds` feeds served by a local HTTP server (20 items each, with
// ETags), until every feed has been polled once: its peak RSS and the CPU time of that round;
// then a second round, answered 304, for the steady state.
fn daemon_round(feeds: usize, profile: &Profile, dir: &Path) -> anyhow::Result<Vec<[String; 3]>> {
    let daemon_bin = std::env::current_exe()?.with_file_name("frontlined");
    anyhow::ensure!(
        daemon_bin.exists(),
        "{} is missing: run `cargo build --release` first",
        daemon_bin.display()
    );
    let rt = tokio::runtime::Runtime::new()?;
    let mut g = Generator::new(99);
    let docs: Arc<Vec<String>> = Arc::new((0..feeds).map(|i| g.feed(&format!("feed {i}"), 20)).collect());
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().route(
        "/feed/{n}",
        axum::routing::get(
            move |axum::extract::Path(n): axum::extract::Path<String>, headers: axum::http::HeaderMap| {
                let docs = Arc::clone(&docs);
                async move {
                    let i: usize = n.trim_end_matches(".xml").parse().unwrap_or(usize::MAX);
                    let etag = format!("\"v{i}\"");
                    match docs.get(i) {
                        Some(_)
                            if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) =>
                        {
                            (axum::http::StatusCode::NOT_MODIFIED, [("etag", etag)], String::new())
                        }
                        Some(doc) => (axum::http::StatusCode::OK, [("etag", etag)], doc.clone()),
                        None => (
                            axum::http::StatusCode::NOT_FOUND,
                            [("etag", String::new())],
                            String::new(),
                        ),
                    }
                }
            },
        ),
    );
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let mut config = format!(
        "[store]\npath = \"round-store\"\ncache = \"16MiB\"\n[api]\nsocket = \"round.sock\"\n[profile]\npath = {:?}\n\
         [poll]\ninterval = \"2s\"\nmin_interval = \"1s\"\nconcurrency = 16\nhost_concurrency = 16\nhost_spacing = \"0s\"\n",
        profile.source.display().to_string()
    );
    for i in 0..feeds {
        config.push_str(&format!(
            "[[feed]]\nname = \"feed {i}\"\nurl = \"http://{addr}/feed/{i}.xml\"\n"
        ));
    }
    let config_path = dir.join("round.toml");
    std::fs::write(&config_path, config)?;
    let mut child = std::process::Command::new(&daemon_bin)
        .arg("--config")
        .arg(&config_path)
        .env("RUST_LOG", "warn")
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let pid = child.id();
    let socket = dir.join("round.sock");
    let polls = |socket: &Path| -> u64 {
        frontline::cli::client::get::<serde_json::Value>(socket, "/v1/status")
            .ok()
            .and_then(Result::ok)
            .and_then(|v| v["polls"].as_u64())
            .unwrap_or(0)
    };
    // Asked four times a second: each answer renders every feed's state (1,000 here), and asking
    // every 20 ms cost the daemon 0.35 s of CPU per round, measuring the bench instead of it.
    // Wall times are therefore good to a quarter of a second.
    let wait_for = |target: u64| -> anyhow::Result<f64> {
        let t = Instant::now();
        while polls(&socket) < target {
            anyhow::ensure!(t.elapsed() < Duration::from_secs(600), "the round did not finish");
            std::thread::sleep(Duration::from_millis(250));
        }
        Ok(t.elapsed().as_secs_f64())
    };
    let cpu0 = cpu_secs(pid);
    let first = wait_for(feeds as u64)?;
    let cpu1 = cpu_secs(pid);
    let second = wait_for(2 * feeds as u64)?;
    let cpu2 = cpu_secs(pid);
    let rss = proc_kib(pid, "VmHWM:");
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();
    Ok(vec![
        [
            format!("daemon: first round of {feeds} feeds (200s, 20 items each)"),
            format!("{:.2} s CPU", cpu1 - cpu0),
            format!("{first:.2} s wall, start-up excluded"),
        ],
        [
            format!("daemon: second round of {feeds} feeds (304s)"),
            format!("{:.2} s CPU", cpu2 - cpu1),
            format!("{second:.2} s wall"),
        ],
        [
            format!("daemon: peak RSS with {feeds} feeds"),
            format!("{}", ByteSize(rss * 1024)),
            "VmHWM of frontlined, sled cache 16 MiB".into(),
        ],
    ])
}

// User + system CPU seconds of process `pid` (clock ticks of 1/100 s, Linux's USER_HZ).
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<f64>().ok())
        .sum();
    ticks / 100.0
}

// A `VmXxx:` line of /proc/<pid>/status, in KiB.
fn proc_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

// Peak resident set size of this process (VmHWM), in KiB; 0 where /proc is missing.
fn peak_rss_kib() -> u64 {
    proc_kib(std::process::id(), "VmHWM:")
}
