//! Shared helpers for the integration tests: fixture paths, temp configs, a feed server,
//! waiting with a deadline.

pub mod daemon;
pub mod feed_server;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use frontline::config::Config;
use frontline::profile::Profile;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file under tests/data.
pub fn data(rel: &str) -> PathBuf {
    root().join("tests/data").join(rel)
}

/// The text of a fixture under tests/data.
pub fn fixture(rel: &str) -> String {
    std::fs::read_to_string(data(rel)).unwrap_or_else(|e| panic!("reading fixture {rel}: {e}"))
}

/// The shipped profile.
pub fn shipped_profile() -> Profile {
    Profile::load(&root().join("config/profiles/nagorno-karabakh.toml")).expect("shipped profile loads")
}

/// Writes a config into `dir` with the store at `dir/store`, the API socket at `dir/api.sock`,
/// the shipped profile, the given
/// `[[feed]]` tables, and `interval`; returns it loaded.
pub fn write_config(dir: &Path, feeds: &[(&str, &str)], interval: &str) -> Config {
    let mut text = format!(
        "[store]\npath = \"store\"\ncache = \"8MiB\"\n\n[api]\nsocket = \"api.sock\"\n\n[profile]\npath = {:?}\n\n[poll]\ninterval = \"{interval}\"\ntimeout = \"10s\"\nmin_interval = \"1s\"\nhost_spacing = \"0s\"\n",
        root()
            .join("config/profiles/nagorno-karabakh.toml")
            .display()
            .to_string()
    );
    for (name, url) in feeds {
        text.push_str(&format!("\n[[feed]]\nname = {name:?}\nurl = {url:?}\n"));
    }
    let path = dir.join("frontline.toml");
    std::fs::write(&path, text).expect("writing test config");
    Config::load(&path).expect("test config is valid")
}

/// A feed with id `t` at `url` with the given deadline and body cap (for fetcher tests).
pub fn feed_config(url: &str, timeout: std::time::Duration, max_body: u64) -> frontline::config::FeedConfig {
    frontline::config::FeedConfig {
        id: "t".into(),
        name: "t".into(),
        url: url.parse().expect("a test URL"),
        interval: std::time::Duration::from_secs(60),
        timeout,
        max_body,
        max_entries: 2000,
    }
}

/// Runs the real `frontline` with `--config config` and `args` (logging off).
pub fn cli(config: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(["--config", config.to_str().expect("UTF-8 temp path")])
        .args(args)
        .env("RUST_LOG", "off")
        .output()
        .expect("frontline runs")
}

/// Every file under `dir` (recursively) whose extension is one of `exts`, sorted.
pub fn files_with_ext(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("reading {}: {e}", d.display())) {
            let p = entry.expect("directory entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Polls `cond` until it holds or `timeout` passes; panics with `what` on timeout.
pub async fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Opens an existing store just closed by a daemon or a writer, retrying while sled's flusher
/// still holds its lock (see `raw_sled`).
pub fn reopen_store(path: &Path) -> frontline::store::SledStore {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match frontline::store::SledStore::open_existing(path, frontline::units::ByteSize::mib(8)) {
            Ok(store) => return store,
            Err(e) if std::time::Instant::now() < deadline && e.to_string().to_lowercase().contains("lock") => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => panic!("reopening {}: {e}", path.display()),
        }
    }
}

/// Opens a store's sled database directly (tests that damage or age a store on purpose). A
/// store just dropped may still be held for a moment by sled's flusher thread, which keeps the
/// database (and its file lock) alive until its next tick; so a lock error is retried for a few
/// seconds instead of failing the test under load.
pub fn raw_sled(path: &Path) -> sled::Db {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let segment = frontline::store::sled::stored_segment_size(path).unwrap();
        let config = sled::Config::new().path(path);
        match segment.map_or(config.clone(), |size| config.segment_size(size)).open() {
            Ok(db) => return db,
            Err(e) if std::time::Instant::now() < deadline && e.to_string().contains("lock") => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => panic!("opening {} with sled: {e}", path.display()),
        }
    }
}
