//! OPML, the feed readers' exchange format: the configured feed list out as OPML 2.0, and an
//! OPML file's feeds in as `[[feed]]` tables for the config. frontline never rewrites the
//! operator's config; `import` produces text to paste.
//!
//! Pure: text in, text out (quick-xml for reading, so attribute order and escaping do not
//! matter).

use quick_xml::events::Event;

use crate::config::{FeedConfig, slug};

/// Why an OPML file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    /// The XML is malformed.
    #[error("invalid OPML at byte {position}: {message}")]
    Xml {
        /// Where.
        position: u64,
        /// What.
        message: String,
    },
    /// No outline has an `xmlUrl`.
    #[error("no feeds in this OPML (no <outline> with an xmlUrl attribute)")]
    Empty,
}

/// One feed of an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// `title`, else `text`, else the URL.
    pub name: String,
    /// `xmlUrl`.
    pub url: String,
}

fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// The feed list as OPML 2.0.
pub fn export(feeds: &[FeedConfig], title: &str) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n");
    out.push_str(&format!(
        "  <head>\n    <title>{}</title>\n  </head>\n  <body>\n",
        escape(title)
    ));
    for f in feeds {
        out.push_str(&format!(
            "    <outline type=\"rss\" text=\"{}\" title=\"{}\" xmlUrl=\"{}\"/>\n",
            escape(&f.name),
            escape(&f.name),
            escape(f.url.as_str())
        ));
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

/// The feeds of an OPML document (outlines with an `xmlUrl`, at any depth), in document order,
/// without repeats of one URL.
pub fn import(text: &str) -> Result<Vec<Outline>, OpmlError> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out: Vec<Outline> = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| OpmlError::Xml {
            position: reader.error_position(),
            message: e.to_string(),
        })?;
        match event {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref().eq_ignore_ascii_case(b"outline") => {
                let decoder = reader.decoder();
                let attr = |name: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref().eq_ignore_ascii_case(name))
                        .and_then(|a| {
                            a.decoded_and_normalized_value(quick_xml::XmlVersion::Implicit1_0, decoder)
                                .ok()
                                .map(|v| v.trim().to_string())
                        })
                        .filter(|v| !v.is_empty())
                };
                let Some(url) = attr(b"xmlUrl") else { continue };
                let name = attr(b"title").or_else(|| attr(b"text")).unwrap_or_else(|| url.clone());
                if !out.iter().any(|o| o.url == url) {
                    out.push(Outline { name, url });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if out.is_empty() {
        return Err(OpmlError::Empty);
    }
    Ok(out)
}

/// `[[feed]]` tables for `outlines`, leaving out URLs and names the config already has; ids
/// are made unique against `existing`.
pub fn to_toml(outlines: &[Outline], existing: &[FeedConfig]) -> String {
    let mut ids: Vec<String> = existing.iter().map(|f| f.id.clone()).collect();
    let mut out = String::new();
    for o in outlines {
        if existing.iter().any(|f| f.url.as_str() == o.url || f.name == o.name) {
            continue;
        }
        let base = match slug(&o.name) {
            s if s.is_empty() => "feed".to_string(),
            s => s,
        };
        let mut id = base.clone();
        let mut n = 2;
        while ids.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        ids.push(id.clone());
        // TOML basic strings: escape backslashes and quotes.
        let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        out.push_str(&format!(
            "[[feed]]\nname = {}\nid = {}\nurl = {}\n\n",
            quote(&o.name),
            quote(&id),
            quote(&o.url)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(id: &str, name: &str, url: &str) -> FeedConfig {
        FeedConfig {
            id: id.into(),
            name: name.into(),
            url: url.parse().unwrap(),
            interval: std::time::Duration::from_secs(900),
            timeout: std::time::Duration::from_secs(30),
            max_body: 1 << 20,
            max_entries: 2000,
        }
    }

    #[test]
    fn export_then_import_gives_the_same_feeds() {
        let feeds = [
            feed("oc-media", "OC Media", "https://oc-media.org/feed/"),
            feed("q", "Q & A <news>", "https://example.org/rss?a=1&b=2"),
        ];
        let opml = export(&feeds, "frontline");
        let back = import(&opml).unwrap();
        assert_eq!(
            back,
            [
                Outline {
                    name: "OC Media".into(),
                    url: "https://oc-media.org/feed/".into()
                },
                Outline {
                    name: "Q & A <news>".into(),
                    url: "https://example.org/rss?a=1&b=2".into()
                },
            ]
        );
    }

    #[test]
    fn nested_outlines_any_attribute_order_and_new_feeds_only() {
        let opml = r#"<opml version="1.0"><body>
            <outline text="News"><outline xmlUrl="https://jam-news.net/feed/" text="JAMnews"/>
            <outline title="OC Media" xmlUrl="https://oc-media.org/feed/"/></outline>
            <outline text="no feed here"/></body></opml>"#;
        let outlines = import(opml).unwrap();
        assert_eq!(outlines.len(), 2);
        let existing = [
            feed("oc-media", "OC Media", "https://oc-media.org/feed/"),
            feed("jamnews", "Other", "https://x/"),
        ];
        let toml = to_toml(&outlines, &existing);
        assert_eq!(
            toml,
            "[[feed]]\nname = \"JAMnews\"\nid = \"jamnews-2\"\nurl = \"https://jam-news.net/feed/\"\n\n"
        );
    }

    #[test]
    fn bad_opml_says_where() {
        assert!(matches!(import("<opml><body></body></opml>"), Err(OpmlError::Empty)));
        let e = import("<opml><body><outline xmlUrl=\"x\"></body>").unwrap_err();
        assert!(e.to_string().starts_with("invalid OPML at byte"), "{e}");
    }
}
