//! Config validation: defaults, path resolution, and the located messages of semantic errors.

use std::path::Path;

use super::{Config, ConfigError, RawConfig, line_col, parse_toml, slug};

fn load_str(text: &str) -> Result<Config, ConfigError> {
    let path = Path::new("/etc/frontline/frontline.toml");
    let raw: RawConfig = parse_toml(path, text)?;
    Config::validate(raw, path, text)
}

fn check_err(text: &str, expected: &str) {
    match load_str(text) {
        Ok(c) => panic!("expected error {expected:?}, got {c:?}"),
        Err(e) => assert_eq!(e.to_string(), expected),
    }
}

#[test]
fn empty_file_gets_every_default() {
    let c = load_str("").unwrap();
    assert_eq!(c.store.path, Path::new("/var/lib/frontline"));
    assert_eq!(c.store.cache.bytes(), 64 * 1024 * 1024);
    assert_eq!(c.socket, Path::new("/run/frontline/api.sock"));
    assert_eq!(
        c.profile_path,
        Path::new("/etc/frontline/profiles/nagorno-karabakh.toml")
    );
    assert_eq!(c.poll.concurrency, 16);
    assert_eq!(c.poll.user_agent, format!("frontline/{}", env!("CARGO_PKG_VERSION")));
    assert!(c.feeds.is_empty());
}

#[test]
fn feeds_inherit_poll_defaults_and_get_slug_ids() {
    let c = load_str(
        r#"
[poll]
interval = "20m"
timeout = "5s"
contact = "https://example.org/ops"

[[feed]]
name = "OC Media"
url = "https://oc-media.org/feed/"

[[feed]]
name = "Local"
id = "local-copy"
url = "file:feeds/local.xml"
interval = "90s"
max_body = "1MiB"
"#,
    )
    .unwrap();
    assert_eq!(
        c.poll.user_agent,
        format!("frontline/{} (+https://example.org/ops)", env!("CARGO_PKG_VERSION"))
    );
    let [a, b] = &c.feeds[..] else {
        panic!("two feeds expected")
    };
    assert_eq!(
        (a.id.as_str(), a.interval.as_secs(), a.timeout.as_secs()),
        ("oc-media", 1200, 5)
    );
    assert_eq!(a.max_body, 10 * 1024 * 1024);
    assert_eq!(b.id, "local-copy");
    assert_eq!(b.url.as_str(), "file:///etc/frontline/feeds/local.xml");
    assert_eq!((b.interval.as_secs(), b.max_body), (90, 1024 * 1024));
}

#[test]
fn semantic_errors_name_line_and_key() {
    let path = "/etc/frontline/frontline.toml";
    check_err(
        "[poll]\nconcurrency = 0\n",
        &format!("{path}:2:15: poll.concurrency: must be at least 1"),
    );
    check_err(
        "[[feed]]\nname = \"A\"\nurl = \"ftp://example.org/feed\"\n",
        &format!(
            "{path}:3:7: feed[0].url: unsupported URL scheme \"ftp\" in \"ftp://example.org/feed\": use http, https or file"
        ),
    );
    check_err(
        "[[feed]]\nname = \"A\"\nurl = \"oc-media.org/feed\"\n",
        &format!(
            "{path}:3:7: feed[0].url: \"oc-media.org/feed\" is not a URL: write it with its scheme, like \"https://oc-media.org/feed\" or \"file:oc-media.org/feed\""
        ),
    );
    check_err(
        "[[feed]]\nname = \"OC Media\"\nurl = \"https://a.example/\"\n[[feed]]\nname = \"OC  media\"\nid = \"oc-media\"\nurl = \"https://b.example/\"\n",
        &format!("{path}:6:6: feed[1].id: id \"oc-media\" is used by two feeds; give one of them its own `id`"),
    );
    check_err(
        "[[feed]]\nname = \"Азатутюн\"\nurl = \"https://a.example/\"\n",
        &format!(
            "{path}:2:8: feed[0].id: cannot derive an id from the name \"Азатутюн\": add `id = \"...\"` (lower-case ASCII letters, digits and '-')"
        ),
    );
    check_err(
        "[[feed]]\nname = \"A\"\nurl = \"https://a.example/\"\ninterval = \"0s\"\n",
        &format!("{path}:4:12: feed[0].interval: must be at least 1s"),
    );
}

#[test]
fn slugs() {
    assert_eq!(slug("OC Media"), "oc-media");
    assert_eq!(slug("RFE/RL — all EN"), "rfe-rl-all-en");
    assert_eq!(slug("  BBC World  "), "bbc-world");
    assert_eq!(slug("Азатутюн"), "");
}

#[test]
fn line_and_column_count_characters() {
    let text = "a = 1\nbé = \"x\"\n";
    assert_eq!(line_col(text, 0), (1, 1));
    assert_eq!(line_col(text, 6), (2, 1));
    // "bé = " is 6 bytes but 5 characters.
    assert_eq!(line_col(text, 12), (2, 6));
    assert_eq!(line_col(text, 999), (3, 1));
}
