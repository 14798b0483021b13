//! Config errors: each kind of bad config gives its own message naming the file, the line and
//! the key, from the library and from `frontlined --check-config` (exit status 1).

use std::process::Command;

use frontline::config::Config;

use crate::support::{data, root};

// (fixture, expected message after "<path>:")
const CASES: &[(&str, &str)] = &[
    ("bad-toml.toml", "2:7: invalid TOML: unclosed table, expected `]`"),
    (
        "unknown-key.toml",
        "5:1: poll.intervall: unknown field `intervall`, expected one of `interval`, `concurrency`, `timeout`, `connect_timeout`, `max_body`, `max_redirects`, `contact`, `min_interval`, `max_backoff`, `host_concurrency`, `host_spacing`, `retry_after_scope`, `gone_after`, `max_entries`, `proxy`",
    ),
    (
        "unknown-feed-key.toml",
        "4:1: feed[0].frequency: unknown field `frequency`, expected one of `name`, `id`, `url`, `interval`, `timeout`, `max_body`",
    ),
    (
        "bad-duration.toml",
        "2:12: poll.interval: invalid duration \"15 mn\" (unknown time unit \"mn\", supported units: ns, us/µs, ms, sec, min, hours, days, weeks, months, years (and few variations)); write it like \"90s\", \"15m\" or \"6h\"",
    ),
    (
        "bad-size.toml",
        "2:12: poll.max_body: invalid size \"ten megabytes\"; write it like \"512KiB\" or \"10MiB\"",
    ),
    ("feed-without-url.toml", "5:1: feed[1]: missing field `url`"),
    (
        "public-listen.toml",
        "3:10: api.listen: 0.0.0.0:7878 is not a loopback address; the API has no authentication, so use 127.0.0.1 or [::1]",
    ),
    ("bad-listen.toml", "2:10: api.listen: invalid socket address syntax"),
    (
        "bad-proxy.toml",
        "2:9: poll.proxy: \"proxy.example:3128\" is not a proxy URL; write it like \"http://proxy.example:3128\"",
    ),
    (
        "backoff-below-floor.toml",
        "3:15: poll.max_backoff: must be at least poll.min_interval (10m)",
    ),
    (
        "bad-retry-scope.toml",
        "2:21: poll.retry_after_scope: unknown variant `planet`, expected `host` or `feed`",
    ),
    (
        "wrong-type.toml",
        "2:15: poll.concurrency: invalid type: string \"lots\", expected usize",
    ),
];

#[test]
fn each_kind_of_bad_config_has_its_own_located_message() {
    for (file, expected) in CASES {
        let path = data(&format!("config/{file}"));
        let err = Config::load(&path).expect_err(file);
        assert_eq!(err.to_string(), format!("{}:{expected}", path.display()), "{file}");
    }
}

#[test]
fn a_missing_config_file_is_named() {
    let path = data("config/does-not-exist.toml");
    let err = Config::load(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("cannot read {}: No such file or directory (os error 2)", path.display())
    );
}

fn check_config(path: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_frontlined"))
        .args(["--config", path.to_str().unwrap(), "--check-config"])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_config_exits_1_with_the_message_on_bad_configs() {
    for (file, expected) in CASES.iter().take(3) {
        let path = data(&format!("config/{file}"));
        let (code, _, stderr) = check_config(&path);
        assert_eq!(code, 1, "{file}");
        assert_eq!(stderr.trim_end(), format!("frontlined: {}:{expected}", path.display()));
    }
    let (code, _, stderr) = check_config(&data("config/does-not-exist.toml"));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("cannot read") && stderr.contains("does-not-exist.toml"),
        "{stderr}"
    );
}

#[test]
fn check_config_accepts_the_default_config() {
    let (code, stdout, stderr) = check_config(&root().join("config/frontline.toml"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("ok: 17 feeds, profile \"nagorno-karabakh\""),
        "{stdout}"
    );
}

#[test]
fn check_config_names_a_missing_profile() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontline.toml");
    std::fs::write(&path, "[profile]\npath = \"nowhere.toml\"\n").unwrap();
    let (code, _, stderr) = check_config(&path);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("loading the profile named by [profile] path in"),
        "{stderr}"
    );
    assert!(stderr.contains("nowhere.toml: No such file or directory"), "{stderr}");
}
