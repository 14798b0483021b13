//! The dry runs, with the real binary: `frontline match --explain` on a saved feed and on plain
//! text, and `frontline feed test URL` against a local server; neither records anything.

use serde_json::Value;

use crate::support::feed_server::{Doc, FeedServer};
use crate::support::{cli, data, fixture, write_config};

#[test]
fn match_explains_which_rule_kept_or_rejected_each_article() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "1h");
    let feed = data("feeds/caucasus-wire.xml");
    let out = cli(&config.source, &["match", "--explain", feed.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Shelling of Stepanakert kills two civilians — KEPT by karabakh"),
        "{text}"
    );
    assert!(
        text.contains("keep rule karabakh matched: any: found \"stepanakert\""),
        "{text}"
    );
    assert!(text.contains("rejected: no topic rule matched"), "{text}");

    // Plain text, blocked by the profile's block rule, as JSON.
    let note = dir.path().join("note.txt");
    std::fs::write(
        &note,
        "Baku hosts the Azerbaijan Grand Prix\nA crash on lap one; Armenia's driver was unhurt.",
    )
    .unwrap();
    let out = cli(&config.source, &["match", note.to_str().unwrap(), "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["kept"], false, "{v}");
    let block = v[0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "block")
        .unwrap();
    assert_eq!(
        (block["rule"].as_str(), block["matched"].as_bool()),
        (Some("formula-1"), Some(true))
    );
    // Nothing was recorded: no store was even created.
    assert!(!config.store.path.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_test_fetches_and_parses_without_recording() {
    let server = FeedServer::start().await;
    server.set(
        "/wire.xml",
        Doc {
            etag: Some("\"w1\"".into()),
            ..Doc::rss(fixture("feeds/caucasus-wire.xml"))
        },
    );
    server.set("/old.xml", Doc::redirect(301, "/wire.xml"));
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "1h");
    let url = server.url("/old.xml");
    let source = config.source.clone();
    let out = tokio::task::spawn_blocking(move || cli(&source, &["feed", "test", &url, "--json"]))
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["status"].as_u64(), v["entries"].as_u64(), v["would_record"].as_u64()),
        (Some(200), Some(9), Some(5)),
        "{v}"
    );
    assert!(v["redirects"][0].as_str().unwrap().starts_with("301 "), "{v}");
    assert_eq!(v["validators"]["etag"], "\"w1\"");
    assert!(!config.store.path.exists(), "nothing recorded");
    // An unreachable URL is one clear line.
    let source = config.source.clone();
    let out = tokio::task::spawn_blocking(move || cli(&source, &["feed", "test", "http://127.0.0.1:9/feed.xml"]))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fetching http://127.0.0.1:9/feed.xml") && stderr.contains("connect"),
        "{stderr}"
    );
}

#[test]
fn the_feed_list_goes_out_as_opml_and_comes_back_as_new_feed_tables_only() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &[
            ("OC Media", "https://oc-media.org/feed/"),
            ("JAMnews", "https://jam-news.net/feed/"),
        ],
        "1h",
    );
    let out = cli(&config.source, &["feed", "export-opml"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let opml = String::from_utf8(out.stdout).unwrap();
    assert!(opml.contains("xmlUrl=\"https://jam-news.net/feed/\""), "{opml}");
    // Another reader's list: one feed we have, one we do not.
    let theirs = dir.path().join("theirs.opml");
    std::fs::write(
        &theirs,
        opml.replace("https://jam-news.net/feed/", "https://eurasianet.org/rss.xml")
            .replace("JAMnews", "Eurasianet"),
    )
    .unwrap();
    let out = cli(&config.source, &["feed", "import-opml", theirs.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "[[feed]]\nname = \"Eurasianet\"\nid = \"eurasianet\"\nurl = \"https://eurasianet.org/rss.xml\"\n\n"
    );
    let out = cli(
        &config.source,
        &["feed", "import-opml", config.source.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "a TOML file is not OPML");
    assert!(String::from_utf8_lossy(&out.stderr).contains("OPML"));
}
