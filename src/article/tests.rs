//! Identity and content hash: what makes two sightings the same article, and what makes a
//! revision.

use chrono::{TimeZone, Utc};

use super::{Article, ArticleKey, ContentHash, normalize_url};

fn article() -> Article {
    Article {
        feed: "wire".into(),
        key: ArticleKey::Guid("urn:wire:1".into()),
        guid: Some("urn:wire:1".into()),
        link: Some("https://wire.example/a?utm_source=rss".into()),
        title: Some("Shelling hits Stepanakert".into()),
        text: "Artillery struck the city overnight.".into(),
        authors: vec!["Desk".into()],
        categories: vec!["Caucasus".into()],
        published_at: Some(Utc.with_ymd_and_hms(2020, 10, 4, 6, 0, 0).unwrap()),
        updated_at: None,
    }
}

#[test]
fn key_prefers_guid_then_link_then_hash() {
    let date = Some(Utc.with_ymd_and_hms(2020, 10, 4, 6, 0, 0).unwrap());
    assert_eq!(
        ArticleKey::derive(Some(" g1 "), Some("https://x/a"), None, None),
        ArticleKey::Guid("g1".into())
    );
    assert_eq!(
        ArticleKey::derive(Some("  "), Some("HTTPS://X.example/a#top"), None, None),
        ArticleKey::Link("https://x.example/a".into())
    );
    let h1 = ArticleKey::derive(None, None, Some("Title"), date);
    let h2 = ArticleKey::derive(None, None, Some("Title"), date);
    let h3 = ArticleKey::derive(None, None, Some("Title"), None);
    assert_eq!(h1, h2, "same title and date, same key: never random");
    assert_ne!(h1, h3);
    assert!(matches!(h1, ArticleKey::Hash(ref h) if h.len() == 32));
}

#[test]
fn long_keys_are_bounded_in_stream_names() {
    let long = "x".repeat(10_000);
    let part = ArticleKey::Guid(long).as_stream_part();
    assert!(part.starts_with("guid#") && part.len() < 80, "{part}");
    assert_eq!(
        ArticleKey::Link("https://a/b".into()).as_stream_part(),
        "link:https://a/b"
    );
}

#[test]
fn tracking_parameters_and_fragments_are_dropped() {
    assert_eq!(
        normalize_url("https://News.example/a?id=7&utm_source=rss&utm_medium=x#c"),
        "https://news.example/a?id=7"
    );
    assert_eq!(
        normalize_url("https://news.example/a?fbclid=abc"),
        "https://news.example/a"
    );
    assert_eq!(normalize_url("not a url"), "not a url");
}

#[test]
fn content_hash_ignores_dates_and_whitespace_but_not_words() {
    let a = article();
    let mut dated = a.clone();
    dated.published_at = Some(Utc.with_ymd_and_hms(2020, 10, 5, 0, 0, 0).unwrap());
    dated.updated_at = dated.published_at;
    assert_eq!(a.content_hash(), dated.content_hash());

    let mut rewrapped = a.clone();
    rewrapped.text = "Artillery  struck\nthe city overnight. ".into();
    assert_eq!(a.content_hash(), rewrapped.content_hash());

    let mut tracked = a.clone();
    tracked.link = Some("https://wire.example/a?utm_source=twitter".into());
    assert_eq!(a.content_hash(), tracked.content_hash());

    let mut edited = a.clone();
    edited.text = "Artillery struck the city overnight, killing two.".into();
    assert_ne!(a.content_hash(), edited.content_hash());

    let mut retitled = a.clone();
    retitled.title = Some("Shelling hits Stepanakert again".into());
    assert_ne!(a.content_hash(), retitled.content_hash());

    // Field boundaries matter: moving a word from the title to the text is a change.
    let mut moved = a.clone();
    moved.title = Some("Shelling hits".into());
    moved.text = format!("Stepanakert {}", a.text);
    assert_ne!(a.content_hash(), moved.content_hash());
}

#[test]
fn content_hash_hex_round_trips() {
    let h = article().content_hash();
    assert_eq!(ContentHash::from_hex(&h.to_hex()), Some(h));
    assert_eq!(ContentHash::from_hex("zz"), None);
}
