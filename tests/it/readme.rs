//! The README's walkthrough, followed step by step with the real binaries: every command in the
//! block between `<!-- walkthrough -->` markers is run (the daemon on `config/offline.toml`,
//! copied so the store lands in a temp dir), and a step this test does not know fails it, so the
//! README cannot drift from what works.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::support::daemon::Daemon;
use crate::support::root;

fn walkthrough() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("<!-- walkthrough -->").expect("README has a walkthrough");
    let end = readme.find("<!-- /walkthrough -->").expect("the walkthrough ends");
    readme[start..end]
        .lines()
        .skip_while(|l| !l.starts_with("```sh"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        // Comments start at " #" (two or more spaces before them in the README).
        .map(|l| l.split("  #").next().unwrap().trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

// `config/offline.toml` in `dir/config/`, its feed and profile made absolute; the store and the
// socket land in `dir/data-offline`, as they would in a checkout.
fn offline_config(dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(root().join("config/offline.toml")).unwrap();
    let feed = url::Url::from_file_path(root().join("tests/data/feeds/war-2020.xml")).unwrap();
    let text = text
        .replace("file:../tests/data/feeds/war-2020.xml", feed.as_str())
        .replace(
            "profiles/nagorno-karabakh.toml",
            root().join("config/profiles/nagorno-karabakh.toml").to_str().unwrap(),
        );
    std::fs::create_dir(dir.join("config")).unwrap();
    let path = dir.join("config/offline.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_readme_walkthrough_works_from_daemon_start_to_casualties_ceasefire_and_timeline() {
    let steps = walkthrough();
    assert!(steps.len() >= 8, "{steps:?}");
    let dir = tempfile::tempdir().unwrap();
    let config = offline_config(dir.path());
    let mut daemon = None;
    let mut ran = Vec::new();
    for step in &steps {
        let words: Vec<&str> = step.split_whitespace().collect();
        match words.as_slice() {
            ["cargo", "build", "--release"] => {} // the test binaries are built already
            ["export", ..] => assert!(
                step.contains("FRONTLINE_CONFIG=config/offline.toml"),
                "the walkthrough points the CLI at the offline config: {step}"
            ),
            ["frontlined", "&"] => {
                let d = Daemon::start(&config, &[]);
                // A user reads the next line a moment later; the test waits for the same state.
                d.wait_log("the sample feed polled and projected", Duration::from_secs(60), |d| {
                    d.count(&["poll finished"]) >= 1 && d.count(&["projections updated"]) >= 1
                });
                daemon = Some(d);
            }
            ["kill", "%1"] => {
                let (status, log) = daemon.take().expect("kill after frontlined &").terminate();
                assert!(status.success(), "{log:?}");
                assert!(!dir.path().join("data-offline/api.sock").exists());
            }
            ["frontline", args @ ..] => {
                let out = Command::new(env!("CARGO_BIN_EXE_frontline"))
                    .args(args)
                    .env("FRONTLINE_CONFIG", &config)
                    .env("RUST_LOG", "off")
                    .output()
                    .unwrap();
                let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
                assert!(
                    out.status.success() && !stdout.is_empty(),
                    "{step}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                check(args, &stdout);
                ran.push(args.first().copied().unwrap_or_default().to_string());
            }
            _ => panic!("the README walkthrough has a step this test does not know: {step}"),
        }
    }
    assert!(daemon.is_none(), "the walkthrough stops the daemon it starts");
    for command in ["status", "casualties", "ceasefire", "timeline"] {
        assert!(ran.iter().any(|r| r == command), "the walkthrough runs {command}");
    }
}

// What each step must show: tables name reporters, dates and the feed; JSON carries citations.
fn check(args: &[&str], out: &str) {
    let json = args.contains(&"--json");
    let value = || -> Value { serde_json::from_str(out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}")) };
    match (args[0], json) {
        ("status", _) => assert!(
            out.starts_with("frontlined up") && out.contains("0 of 1 feeds failing"),
            "{out}"
        ),
        ("feeds", _) => assert!(out.contains("sample-wire") && out.contains("healthy"), "{out}"),
        ("casualties", false) => {
            assert!(out.contains("Nagorno-Karabakh defence ministry"), "{out}");
            assert!(out.contains("sample-wire 2020-"), "sources with their date: {out}");
        }
        ("casualties", true) => {
            let v = value();
            let cited = v["tallies"].as_array().unwrap().iter().any(|t| {
                t["series"][0]["latest"]["citations"][0]["sentence"]
                    .as_str()
                    .is_some_and(|s| !s.is_empty())
            });
            assert!(cited, "{v}");
        }
        ("ceasefire", false) => {
            assert!(out.contains("truce-2020-10-10") && out.contains("collapsed"), "{out}");
            assert!(out.contains("holding"), "the 10 November truce holds: {out}");
        }
        ("ceasefire", true) => assert!(value()["truces"].as_array().is_some_and(|t| t.len() >= 4)),
        ("timeline", false) => assert!(out.contains("2020-10-09") && out.contains("sample-wire"), "{out}"),
        ("timeline", true) => {
            let v = value();
            let entries = v["entries"].as_array().unwrap();
            assert!(!entries.is_empty());
            assert!(
                entries.iter().all(|e| e["date"].as_str().unwrap() <= "2020-10-21"),
                "as of 20 October: {v}"
            );
            assert!(entries.iter().all(|e| e["citation"]["url"].is_string()), "{v}");
        }
        ("show", _) => assert!(out.contains("Ganja"), "{out}"),
        _ => {}
    }
}
