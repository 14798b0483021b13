//! Repairs what real feeds send before feed-rs sees it, because feed-rs fails a whole document on
//! one stray `&`, an undeclared Latin-1 byte, an `&nbsp;` or an `<rss>` without a version: decode
//! to UTF-8 (BOM, then the HTTP charset, then the XML declaration, then UTF-8 with the invalid
//! bytes replaced), drop characters XML forbids, turn HTML named entities into numeric ones,
//! escape stray ampersands, and give `<rss>` a version. `recover` is the second chance for a
//! document that still fails: it cuts a truncated document after its last complete item.
//!
//! Pure: bytes in, bytes out. Never touches CDATA sections, whose text is literal.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;

/// The document as UTF-8 text that an XML parser can read, or the JSON Feed without its BOM.
pub fn normalize(body: &[u8], http_charset: Option<&str>) -> Vec<u8> {
    let text = decode(body, http_charset);
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return trimmed.as_bytes().to_vec();
    }
    let text = declare_utf8(trimmed);
    let text = strip_illegal(&text);
    let text = outside_cdata(&text, |s| escape_ampersands(&named_entities(s)));
    fix_rss_root(&text).into_owned().into_bytes()
}

/// A second chance for a document feed-rs still rejects: everything after the last complete
/// `</item>` or `</entry>` is dropped and the open elements closed. None when there is no
/// complete item to keep.
pub fn recover(normalized: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(normalized).ok()?;
    let lower = text.to_ascii_lowercase();
    let (cut, closing) = match (lower.rfind("</item>"), lower.rfind("</entry>")) {
        (Some(i), e) if e.is_none_or(|e| i > e) => {
            let close = if lower.contains("<rdf:rdf") {
                "</rdf:RDF>"
            } else if lower.contains("<channel") && !lower[..i].contains("</channel>") {
                "</channel></rss>"
            } else {
                "</rss>"
            };
            (i + "</item>".len(), close)
        }
        (_, Some(e)) => (e + "</entry>".len(), "</feed>"),
        _ => return None,
    };
    let mut out = text[..cut].to_string();
    out.push_str(closing);
    (out.as_bytes() != normalized).then(|| out.into_bytes())
}

// BOM first, then the HTTP charset, then the XML declaration; a document that claims UTF-8 (or
// nothing) but is not valid UTF-8 has its bad bytes replaced rather than the document lost.
fn decode<'a>(body: &'a [u8], http_charset: Option<&str>) -> Cow<'a, str> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(body) {
        let (text, _) = encoding.decode_without_bom_handling(&body[bom..]);
        return text;
    }
    let declared = http_charset
        .and_then(|c| encoding_rs::Encoding::for_label(c.trim().as_bytes()))
        .or_else(|| xml_declared_encoding(body));
    match declared {
        // A server's default `charset=ISO-8859-1` on a UTF-8 document is a common mistake; valid
        // UTF-8 with non-ASCII bytes is almost never genuine single-byte text, so it wins then.
        Some(encoding) if encoding.is_single_byte() && std::str::from_utf8(body).is_ok() => {
            String::from_utf8_lossy(body)
        }
        Some(encoding) if encoding != encoding_rs::UTF_8 => encoding.decode_without_bom_handling(body).0,
        _ => String::from_utf8_lossy(body),
    }
}

fn xml_declared_encoding(body: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    static RE: OnceLock<regex::bytes::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::bytes::Regex::new(r#"(?i)^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']"#)
            .expect("invariant: a constant regex compiles")
    });
    let head = &body[..body.len().min(512)];
    let label = re.captures(head)?.get(1)?.as_bytes();
    encoding_rs::Encoding::for_label(label)
}

// The text is UTF-8 now; an XML declaration still naming another encoding would make the parser
// decode it a second time.
fn declare_utf8(text: &str) -> Cow<'_, str> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r#"(?i)^(<\?xml[^>]*?encoding\s*=\s*)["'][^"']*["']"#).expect("invariant: a constant regex compiles")
    });
    re.replace(text, r#"${1}"UTF-8""#)
}

// XML 1.0 allows tab, newline, carriage return and U+0020 up; not the other C0 controls, nor
// U+FFFE and U+FFFF.
fn strip_illegal(text: &str) -> Cow<'_, str> {
    let illegal = |c: char| (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}';
    if text.contains(illegal) {
        Cow::Owned(text.chars().filter(|c| !illegal(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

// Applies `f` to the text outside `<![CDATA[ ... ]]>` sections.
fn outside_cdata(text: &str, f: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find("<![CDATA[") {
        out.push_str(&f(&rest[..start]));
        let after = &rest[start..];
        match after.find("]]>") {
            Some(end) => {
                out.push_str(&after[..end + 3]);
                rest = &after[end + 3..];
            }
            None => {
                // An unterminated section: keep it as it is, the parser will say.
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(&f(rest));
    out
}

// `&nbsp;`, `&eacute;`, `&mdash;` ... are HTML, not XML: replaced by numeric references. The five
// XML entities are left alone; an unknown name is left for `escape_ampersands`.
fn named_entities(text: &str) -> String {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re =
        RE.get_or_init(|| Regex::new(r"&([A-Za-z][A-Za-z0-9]{1,31});").expect("invariant: a constant regex compiles"));
    re.replace_all(text, |c: &regex::Captures<'_>| {
        let name = &c[1];
        if matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
            return c[0].to_string();
        }
        let decoded = html_escape::decode_html_entities(&c[0]);
        if decoded == c[0] {
            return c[0].to_string();
        }
        decoded.chars().map(|ch| format!("&#{};", ch as u32)).collect()
    })
    .into_owned()
}

// An `&` that does not start a character or entity reference becomes `&amp;`.
fn escape_ampersands(text: &str) -> String {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"&(#[0-9]{1,7};|#[xX][0-9A-Fa-f]{1,6};|[A-Za-z][A-Za-z0-9._-]{0,31};)?")
            .expect("invariant: a constant regex compiles")
    });
    re.replace_all(text, |c: &regex::Captures<'_>| match c.get(1) {
        Some(_) => c[0].to_string(),
        None => "&amp;".to_string(),
    })
    .into_owned()
}

// feed-rs accepts `<rss version="2.0">` (and 0.9x), not a missing or odd version.
fn fix_rss_root(text: &str) -> Cow<'_, str> {
    static RE: OnceLock<[Regex; 2]> = OnceLock::new();
    let [root, version] = RE.get_or_init(|| {
        [
            Regex::new(r"(?i)<rss(\s[^>]*)?>").expect("invariant: a constant regex compiles"),
            Regex::new(r#"\sversion\s*=\s*["']([^"']*)["']"#).expect("invariant: a constant regex compiles"),
        ]
    });
    let Some(m) = root.find(text) else {
        return Cow::Borrowed(text);
    };
    let tag = m.as_str();
    let ok = version
        .captures(tag)
        .is_some_and(|c| matches!(&c[1], "2.0" | "0.91" | "0.92" | "0.93" | "0.94"));
    if ok {
        return Cow::Borrowed(text);
    }
    let attrs = version.replace(&tag[4..tag.len() - 1], "");
    let fixed = format!("<rss version=\"2.0\"{attrs}>");
    Cow::Owned(format!("{}{fixed}{}", &text[..m.start()], &text[m.end()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &[u8]) -> String {
        String::from_utf8(normalize(s, None)).unwrap()
    }

    #[test]
    fn encodings_are_decoded_and_declared_as_utf8() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><t>Caf\xe9</t></rss>";
        assert_eq!(
            norm(latin1),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><t>Caf\u{e9}</t></rss>"
        );
        // The HTTP charset wins over the declaration.
        let out = String::from_utf8(normalize(b"<t>\xe9</t>", Some("windows-1252"))).unwrap();
        assert_eq!(out, "<t>\u{e9}</t>");
        // UTF-16 with a BOM.
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<t>Ş</t>".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(norm(&utf16), "<t>Ş</t>");
        // A server that says Latin-1 about a UTF-8 document is not believed.
        let out = String::from_utf8(normalize("<t>Şuşa</t>".as_bytes(), Some("ISO-8859-1"))).unwrap();
        assert_eq!(out, "<t>Şuşa</t>");
        // Claimed UTF-8 with a bad byte: replaced, the rest kept.
        assert_eq!(norm(b"<t>ok \xff ok</t>"), "<t>ok \u{fffd} ok</t>");
    }

    #[test]
    fn entities_ampersands_and_control_characters_are_repaired_outside_cdata() {
        assert_eq!(
            norm(b"<t>A&nbsp;B &eacute; &amp; &#233; &x</t>"),
            "<t>A&#160;B &#233; &amp; &#233; &amp;x</t>"
        );
        assert_eq!(norm(b"<t>Tom & Jerry\x01</t>"), "<t>Tom &amp; Jerry</t>");
        assert_eq!(
            norm(b"<t><![CDATA[a & b &nbsp;]]> & c</t>"),
            "<t><![CDATA[a & b &nbsp;]]> &amp; c</t>"
        );
    }

    #[test]
    fn an_rss_root_without_a_usable_version_gets_2_0() {
        assert_eq!(norm(b"<rss><channel/></rss>"), "<rss version=\"2.0\"><channel/></rss>");
        assert_eq!(
            norm(b"<rss version=\"2.00\" xmlns:dc=\"x\"><channel/></rss>"),
            "<rss version=\"2.0\" xmlns:dc=\"x\"><channel/></rss>"
        );
        assert_eq!(
            norm(b"<rss version=\"0.91\"><channel/></rss>"),
            "<rss version=\"0.91\"><channel/></rss>"
        );
    }

    #[test]
    fn json_feeds_only_lose_their_bom() {
        assert_eq!(norm(b"\xEF\xBB\xBF{\"version\": \"x\"}"), "{\"version\": \"x\"}");
    }

    #[test]
    fn recovery_keeps_the_complete_items_of_a_truncated_document() {
        let cut = b"<rss version=\"2.0\"><channel><item><title>a</title></item><item><title>b";
        assert_eq!(
            String::from_utf8(recover(cut).unwrap()).unwrap(),
            "<rss version=\"2.0\"><channel><item><title>a</title></item></channel></rss>"
        );
        let atom = b"<feed><entry><id>1</id></entry><entry><id>2";
        assert_eq!(
            String::from_utf8(recover(atom).unwrap()).unwrap(),
            "<feed><entry><id>1</id></entry></feed>"
        );
        assert_eq!(recover(b"<rss><channel><item>"), None);
    }
}
