//! Feed parsing: formats, identity without feed-rs's invented ids, HTML to text, and failures
//! that stay contained.

use url::Url;

use super::{ParseError, contained, html_to_text, parse, plain_char, render_html, simple_paragraphs};
use crate::article::ArticleKey;

fn rss(items: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<description>Test wire</description>{items}</channel></rss>"#
    )
}

#[test]
fn rss_items_become_articles_with_plain_text() {
    let doc = rss(r#"
<item>
  <title>Truce &amp; talks</title>
  <link>https://wire.example/truce?utm_source=rss</link>
  <guid isPermaLink="false">wire-001</guid>
  <pubDate>Sat, 10 Oct 2020 09:00:00 +0000</pubDate>
  <author>desk@wire.example (Caucasus desk)</author>
  <category>Conflict</category>
  <description><![CDATA[<p>Russia said a <b>humanitarian truce</b> takes effect at noon.</p><p>Both sides&nbsp;agreed.</p><script>track()</script>]]></description>
</item>"#);
    let feed = parse("wire", doc.as_bytes(), None).unwrap();
    assert_eq!(feed.title.as_deref(), Some("Wire"));
    assert_eq!(feed.entries, 1);
    let a = &feed.articles[0];
    assert_eq!(a.feed, "wire");
    assert_eq!(a.key, ArticleKey::Guid("wire-001".into()));
    assert_eq!(a.title.as_deref(), Some("Truce & talks"));
    assert_eq!(a.link.as_deref(), Some("https://wire.example/truce?utm_source=rss"));
    assert_eq!(
        a.text,
        "Russia said a humanitarian truce takes effect at noon.\nBoth sides agreed."
    );
    assert_eq!(a.categories, vec!["Conflict"]);
    assert_eq!(
        a.published_at.map(|d| d.to_rfc3339()),
        Some("2020-10-10T09:00:00+00:00".into())
    );
    assert!(!a.authors.is_empty());
}

#[test]
fn identity_never_comes_from_generated_ids() {
    let doc = rss(r#"
<item><title>Linked</title><link>https://wire.example/b#comments</link><description>x</description></item>
<item><title>Bare</title><description>no guid, no link</description><pubDate>Sun, 11 Oct 2020 09:00:00 +0000</pubDate></item>"#);
    let first = parse("wire", doc.as_bytes(), None).unwrap();
    let second = parse("wire", doc.as_bytes(), None).unwrap();
    assert_eq!(first.articles[0].guid, None);
    assert_eq!(first.articles[0].key, ArticleKey::Link("https://wire.example/b".into()));
    assert!(matches!(first.articles[1].key, ArticleKey::Hash(_)));
    // feed-rs would invent a new random id on each parse; ours are stable.
    assert_eq!(first.articles, second.articles);
}

#[test]
fn atom_and_json_feed_parse_and_relative_links_resolve() {
    let atom = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom wire</title><id>urn:atom</id><updated>2020-10-27T08:00:00Z</updated>
<entry><id>urn:atom:1</id><title type="html">Truce &lt;em&gt;fails&lt;/em&gt;</title><updated>2020-10-27T08:00:00Z</updated>
<link rel="alternate" href="/news/1"/><content type="html">&lt;p&gt;The truce failed within hours.&lt;/p&gt;</content></entry></feed>"#;
    let base = Url::parse("https://atom.example/feeds/main.xml").unwrap();
    let feed = parse("atom", atom.as_bytes(), Some(&base)).unwrap();
    let a = &feed.articles[0];
    assert_eq!(a.key, ArticleKey::Guid("urn:atom:1".into()));
    assert_eq!(a.title.as_deref(), Some("Truce fails"));
    assert_eq!(a.link.as_deref(), Some("https://atom.example/news/1"));
    assert_eq!(a.text, "The truce failed within hours.");

    let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"JSON wire","items":[
        {"id":"j1","url":"https://json.example/1","title":"Barda struck","content_html":"<p>A strike hit Barda.</p>","date_published":"2020-10-28T10:00:00Z"}]}"#;
    let feed = parse("json", json.as_bytes(), None).unwrap();
    assert_eq!(feed.articles[0].key, ArticleKey::Guid("j1".into()));
    assert_eq!(feed.articles[0].text, "A strike hit Barda.");
}

#[test]
fn failures_are_typed_not_panics() {
    assert_eq!(
        parse("x", b"<!DOCTYPE html><html><body>Login</body></html>", None),
        Err(ParseError::NotAFeed)
    );
    assert_eq!(
        parse("x", b"\xEF\xBB\xBF  <HTML><head></head></html>", None),
        Err(ParseError::NotAFeed)
    );
    assert!(matches!(parse("x", b"", None), Err(ParseError::Invalid(_))));
    assert!(matches!(
        parse("x", b"just some words", None),
        Err(ParseError::Invalid(_))
    ));
    assert!(matches!(
        parse("x", b"<rss version=\"2.0\"><channel><item><title>cut", None),
        Err(ParseError::Invalid(_))
    ));
}

#[test]
fn missing_dates_stay_missing() {
    let doc = rss("<item><guid>g</guid><title>t</title><description>d</description></item>");
    let a = &parse("wire", doc.as_bytes(), None).unwrap().articles[0];
    assert_eq!(a.published_at, None);
}

#[test]
fn html_to_text_keeps_paragraphs_and_drops_markup() {
    assert_eq!(
        html_to_text("<p>One.</p>\n<p>Two <a href='x'>links</a>.</p>"),
        "One.\nTwo links."
    );
    assert_eq!(html_to_text("<h2>Head</h2><ul><li>a</li><li>b</li></ul>"), "Head\na\nb");
    assert_eq!(html_to_text("AT&T &amp; friends &eacute;"), "AT&T & friends é");
    assert_eq!(html_to_text("<style>p{}</style><p>kept</p><img src='x.png'>"), "kept");
    let long = "word ".repeat(5_000);
    assert_eq!(
        html_to_text(&format!("<p>{long}</p>")).lines().count(),
        1,
        "paragraphs are never wrapped"
    );
}

#[test]
fn simple_paragraphs_take_the_shortcut_and_anything_else_does_not() {
    assert_eq!(
        simple_paragraphs("<p>One  sentence.</p>\n<p> Two.\n</p>").as_deref(),
        Some("One sentence.\nTwo.")
    );
    assert_eq!(
        simple_paragraphs("plain  words\n here").as_deref(),
        Some("plain words here")
    );
    // Other markup, entities, and characters html2text drops or moves (BOM, zero-width space,
    // a combining accent, control characters, the soft hyphen) all take the general path.
    for other in [
        "<p class=x>a</p>", "<P>a</P>", "<p>a &amp; b</p>", "<p>a<br>b</p>", "<p>open", "x<p>a</p>", "\u{feff}a",
        "a\u{200b}b", "<p>e\u{301}</p>", "a\u{1}b", "a\u{7f}b", "co\u{ad}op", "\u{85}",
    ] {
        assert_eq!(simple_paragraphs(other), None, "{other}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, .. Default::default() })]

    /// Whatever the shortcut accepts, html2text renders to the very same bytes (else every
    /// stored article would become a revision after an upgrade).
    #[test]
    fn the_shortcut_renders_what_html2text_renders(
        // Only pieces the shortcut accepts, so that every case whose tags pair up is compared;
        // what it must refuse is listed in the test above.
        parts in proptest::collection::vec(proptest::sample::select(vec![
            "<p>", "</p>", "<p>", "</p>", " ", "  ", "\n", "\t", "\r", "\u{0c}", "\u{a0}",
            "word", "Šuša", "ə", "Ərazi", "Арцах", "Արցախ", ">", "\"", "'", "’", "—", "-", ".", "€",
        ]), 0..24)
    ) {
        let html: String = parts.concat();
        if let Some(fast) = simple_paragraphs(&html) {
            proptest::prop_assert_eq!(fast, render_html(&html), "input {:?}", html);
        } else {
            // Refused only for tags that do not pair up as paragraphs.
            proptest::prop_assert!(html.contains('<'), "plain text refused: {:?}", html);
        }
    }
}

#[test]
fn a_panic_inside_the_parser_becomes_this_feeds_error() {
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let str_panic = contained::<()>(|| panic!("quick-xml lost its place"));
    let string_panic = contained::<()>(|| panic!("{} bytes", 7));
    std::panic::set_hook(quiet);
    assert_eq!(str_panic, Err(ParseError::Panicked("quick-xml lost its place".into())));
    assert_eq!(string_panic, Err(ParseError::Panicked("7 bytes".into())));
    assert_eq!(contained(|| Ok::<_, ParseError>(5)), Ok(5));
}

#[test]
fn what_breaks_feed_rs_is_repaired_first() {
    // Latin-1 with a declaration saying so, `&nbsp;`, a stray `&`, an `<rss>` without a version,
    // a control character, and a date with a zone abbreviation: feed-rs alone fails the whole
    // document on several of these.
    let doc = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss><channel><title>Wire</title>\
<item><guid>a</guid><title>Shelling&nbsp;in Ganja & Barda\x01</title>\
<description>Caf\xe9 owners fled.</description><pubDate>Sat, 10 Oct 2020 12:00:00 CEST</pubDate></item>\
</channel></rss>";
    let feed = parse("wire", doc, None).expect("repaired and parsed");
    let a = &feed.articles[0];
    assert_eq!(a.title.as_deref(), Some("Shelling in Ganja & Barda"));
    assert_eq!(a.text, "Caf\u{e9} owners fled.");
    assert_eq!(a.published_at, Some("2020-10-10T10:00:00Z".parse().unwrap()));
}

#[test]
fn a_truncated_document_keeps_its_complete_items() {
    let doc = rss("<item><guid>a</guid><title>First</title></item><item><guid>b</guid><title>Sec");
    let cut = &doc[..doc.find("Sec").unwrap() + 3];
    let feed = parse("wire", cut.as_bytes(), None).expect("recovered");
    assert_eq!(feed.articles.len(), 1);
    assert_eq!(feed.articles[0].title.as_deref(), Some("First"));
}

#[test]
fn the_http_charset_decodes_an_undeclared_document() {
    let doc = b"<rss version=\"2.0\"><channel><item><guid>a</guid><title>\xc7ay</title></item></channel></rss>";
    let feed = super::parse_document("wire", doc, None, Some("windows-1254")).unwrap();
    assert_eq!(feed.articles[0].title.as_deref(), Some("\u{c7}ay"));
}

/// Every character the shortcut accepts, alone, at either end, between words and inside a
/// paragraph, renders as html2text renders it.
#[test]
fn every_plain_character_renders_as_html2text_renders_it() {
    let mut differ = Vec::new();
    for c in (0u32..0x2100).filter_map(char::from_u32).filter(|c| plain_char(*c)) {
        for html in [
            format!("{c}"),
            format!("a{c}b"),
            format!("{c}a"),
            format!("a{c}"),
            format!("a {c} b"),
            format!("<p>{c}</p>"),
            format!("<p>x {c}</p><p>{c} y</p>"),
        ] {
            if let Some(fast) = simple_paragraphs(&html)
                && fast != render_html(&html)
            {
                differ.push(html);
            }
        }
    }
    assert!(differ.is_empty(), "the shortcut differs from html2text on {differ:?}");
}
