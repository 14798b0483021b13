//! Compatibility: every payload version ever written keeps a frozen fixture under
//! `tests/data/events/v<N>/`, and each must still decode and upcast to the current shape, both
//! directly and when read from a store by `frontline events`.

use std::process::Command;

use frontline::article::ArticleKey;
use frontline::event::{self, ARTICLE_SCHEMA_VERSION, EventHeader, EventType};
use frontline::store::{EventLog, SledStore};
use frontline::units::ByteSize;
use serde_json::Value;

use crate::store::{article, batch};
use crate::support::{data, fixture};

struct Fixture {
    header: EventHeader,
    payload: Vec<u8>,
}

fn load(rel: &str) -> Fixture {
    let v: Value = serde_json::from_str(&fixture(rel)).unwrap();
    Fixture {
        header: serde_json::from_value(v["header"].clone()).unwrap(),
        payload: serde_json::to_vec(&v["payload"]).unwrap(),
    }
}

fn frame(f: &Fixture) -> Vec<u8> {
    let mut header = f.header.clone();
    event::encode(&mut header, &f.payload)
}

#[test]
fn every_version_directory_has_fixtures() {
    for version in 1..ARTICLE_SCHEMA_VERSION {
        let dir = data(&format!("events/v{version}"));
        let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        assert!(
            n > 0,
            "payload version {version} has no frozen fixture in {}",
            dir.display()
        );
    }
}

#[test]
fn v1_observed_upcasts_to_current() {
    let f = load("events/v1/article-observed.json");
    let bytes = frame(&f);
    let (header, payload) = event::decode(&bytes).unwrap();
    assert_eq!(header.schema_version, 1);
    let p = event::upcast::article_payload(header.event_type, header.schema_version, payload).unwrap();
    let a = &p.article;
    assert_eq!(a.key, ArticleKey::Guid("cw-2020-0927-01".into()));
    assert_eq!(a.stream(), header.stream);
    assert_eq!(
        a.text,
        "Artillery fire struck residential streets of Stepanakert on Sunday morning."
    );
    assert_eq!(a.authors, vec!["Caucasus desk"]);
    assert!(a.categories.is_empty());
    assert_eq!(a.published_at.unwrap().to_rfc3339(), "2020-09-27T11:40:00+00:00");
    assert_eq!(a.updated_at, None);
    assert_eq!(p.content_hash, a.content_hash());
}

#[test]
fn v1_revised_without_guid_or_author_upcasts_to_link_identity() {
    let f = load("events/v1/article-revised.json");
    let bytes = frame(&f);
    let (header, payload) = event::decode(&bytes).unwrap();
    assert_eq!(header.event_type, EventType::ArticleRevised);
    let p = event::upcast::article_payload(header.event_type, header.schema_version, payload).unwrap();
    assert_eq!(
        p.article.key,
        ArticleKey::Link("https://caucasus-wire.example/2020/10/02/martuni-damage".into())
    );
    assert_eq!(p.article.stream(), header.stream);
    assert!(p.article.authors.is_empty());
    assert_eq!(p.article.published_at, None);
}

#[test]
fn events_command_shows_a_v1_event_upcast() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path(), ByteSize::mib(8)).unwrap();
        store.record(&batch(vec![article("w", "a", "current")]), 0).unwrap();
        store.sync().unwrap();
    }
    {
        // Place the frozen v1 event at seq 2, as an old frontline would have written it.
        let db = crate::support::raw_sled(dir.path());
        let f = load("events/v1/article-observed.json");
        db.open_tree("events")
            .unwrap()
            .insert(2u64.to_be_bytes(), frame(&f))
            .unwrap();
        db.open_tree("meta")
            .unwrap()
            .insert("next_seq", &3u64.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args([
            "--store",
            dir.path().to_str().unwrap(),
            "events",
            "--json",
            "--after",
            "1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["seq"], 2);
    assert_eq!(line["schema_version"], 1, "the header is shown as stored");
    assert_eq!(
        line["payload"]["article"]["authors"][0], "Caucasus desk",
        "the payload is upcast"
    );
    assert_eq!(line["payload"]["article"]["key"]["kind"], "guid");
}
