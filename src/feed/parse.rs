//! Feed bytes → Articles: feed-rs (2.x) for RSS/Atom/JSON Feed, HTML reduced to plain text,
//! identity derived by us (never feed-rs's generated ids).
//!
//! Pure and synchronous: no I/O, no clock. The caller runs it off the async runtime. A panic
//! inside feed-rs is caught and becomes this feed's `ParseError`, never the caller's.

use std::panic::{AssertUnwindSafe, catch_unwind};

use feed_rs::model::{Entry, Text};
use url::Url;

use super::schedule::Hints;
use crate::article::{Article, ArticleKey, normalize_ws};

/// Why a document could not be turned into articles. Drives the poll's error class.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The server sent a web page where a feed was expected.
    #[error("not a feed: the document is an HTML page")]
    NotAFeed,
    /// feed-rs rejected the document.
    #[error("invalid feed: {0}")]
    Invalid(String),
    /// feed-rs panicked on this document; the panic was contained.
    #[error("feed parser panicked: {0}")]
    Panicked(String),
    /// Parsing did not finish within the feed's deadline (the caller stops waiting).
    #[error("parsing took longer than {}", humantime::format_duration(*.0))]
    TimedOut(std::time::Duration),
}

/// What one document yielded.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    /// The feed's own title, if any.
    pub title: Option<String>,
    /// Entries in the document.
    pub entries: usize,
    /// One Article per entry, in document order.
    pub articles: Vec<Article>,
    /// What the document says about how often to poll it.
    pub hints: Hints,
}

/// Parses `body` (the raw bytes, undecoded) as a feed. `feed_id` is stamped on every article;
/// `base` (the final URL after redirects) resolves relative links.
pub fn parse(feed_id: &str, body: &[u8], base: Option<&Url>) -> Result<ParsedFeed, ParseError> {
    parse_document(feed_id, body, base, None)
}

/// As [`parse`], with the charset the HTTP `Content-Type` named. The document is normalised
/// first (`normalize`); if feed-rs still rejects it, a truncated one is tried again with its
/// complete items (`normalize::recover`), and the first error is reported if that fails too.
pub fn parse_document(
    feed_id: &str,
    body: &[u8],
    base: Option<&Url>,
    charset: Option<&str>,
) -> Result<ParsedFeed, ParseError> {
    if looks_like_html(body) {
        return Err(ParseError::NotAFeed);
    }
    let normalized = super::normalize::normalize(body, charset);
    let feed = match feed_rs_parse(&normalized, base) {
        Ok(feed) => feed,
        Err(first) => match super::normalize::recover(&normalized) {
            Some(recovered) => feed_rs_parse(&recovered, base).map_err(|_| first)?,
            None => return Err(first),
        },
    };
    let articles = feed.entries.iter().map(|e| to_article(feed_id, e)).collect();
    Ok(ParsedFeed {
        title: feed.title.as_ref().map(text_of).filter(|t| !t.is_empty()),
        entries: feed.entries.len(),
        articles,
        hints: document_hints(&normalized, feed.ttl),
    })
}

/// RSS `<ttl>` (minutes, as feed-rs read it), `<skipHours>`, `<skipDays>` and the syndication
/// module's `sy:updatePeriod`/`sy:updateFrequency`, which feed-rs drops: read from the channel
/// head (before the first item) with a few regexes.
pub fn document_hints(body: &[u8], ttl_minutes: Option<u32>) -> Hints {
    use std::sync::OnceLock;
    static RE: OnceLock<[regex::Regex; 5]> = OnceLock::new();
    let [hours_re, hour_re, days_re, day_re, sy_re] = RE.get_or_init(|| {
        let re = |p: &str| regex::Regex::new(p).expect("invariant: a constant regex compiles");
        [
            re(r"(?is)<skiphours>(.*?)</skiphours>"),
            re(r"(?is)<hour>\s*(\d{1,2})\s*</hour>"),
            re(r"(?is)<skipdays>(.*?)</skipdays>"),
            re(r"(?is)<day>\s*([a-z]+)\s*</day>"),
            re(r"(?is)<sy:update(period|frequency)>\s*([a-z0-9]+)\s*</sy:update(?:period|frequency)>"),
        ]
    });
    // The channel's own elements come before its items; reading only that far keeps this cheap
    // and ignores any look-alike inside an article.
    let head = &body[..body.len().min(64 * 1024)];
    let head = String::from_utf8_lossy(head);
    let head = match head.to_ascii_lowercase().find("<item") {
        Some(i) => head[..i].to_string(),
        None => head.into_owned(),
    };
    let mut hints = Hints {
        ttl: ttl_minutes
            .filter(|m| *m > 0)
            .map(|m| std::time::Duration::from_secs(u64::from(m) * 60)),
        ..Hints::default()
    };
    if let Some(block) = hours_re.captures(&head) {
        hints.skip_hours = hour_re
            .captures_iter(&block[1])
            .filter_map(|c| c[1].parse::<u8>().ok())
            // RSS says 0-23; some feeds write 24 for midnight.
            .map(|h| if h == 24 { 0 } else { h })
            .filter(|h| *h < 24)
            .collect();
    }
    if let Some(block) = days_re.captures(&head) {
        hints.skip_days = day_re
            .captures_iter(&block[1])
            .filter_map(|c| c[1].parse::<chrono::Weekday>().ok())
            .collect();
    }
    let (mut period, mut frequency) = (None, 1u32);
    for c in sy_re.captures_iter(&head) {
        match c[1].to_ascii_lowercase().as_str() {
            "period" => {
                period = match c[2].to_ascii_lowercase().as_str() {
                    "hourly" => Some(3600u64),
                    "daily" => Some(86_400),
                    "weekly" => Some(7 * 86_400),
                    "monthly" => Some(30 * 86_400),
                    "yearly" => Some(365 * 86_400),
                    _ => None,
                }
            }
            _ => frequency = c[2].parse::<u32>().ok().filter(|f| *f > 0).unwrap_or(1),
        }
    }
    hints.update_period = period.map(|p| std::time::Duration::from_secs(p / u64::from(frequency)));
    hints
}

fn feed_rs_parse(body: &[u8], base: Option<&Url>) -> Result<feed_rs::model::Feed, ParseError> {
    // A new parser per document: feed-rs parsers are not reusable after a failure in every
    // version (3.0 panics on every later feed), and building one costs nothing.
    let parser = feed_rs::parser::Builder::new()
        .base_uri(base.map(Url::as_str))
        // An empty id marks "the feed gave none"; we derive identity ourselves. feed-rs's
        // default invents a random UUID on every parse, which would duplicate the article.
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        // Ours reads what feed-rs's gives up on (zone abbreviations, AM/PM, no zone) and never
        // answers "now" for a date it cannot read.
        .timestamp_parser(super::dates::parse)
        .build();
    contained(|| parser.parse(body).map_err(|e| ParseError::Invalid(e.to_string())))
}

/// Runs `f`, turning a panic inside it into `ParseError::Panicked` with the panic's message.
fn contained<T>(f: impl FnOnce() -> Result<T, ParseError>) -> Result<T, ParseError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| Err(ParseError::Panicked(panic_message(panic.as_ref()))))
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

// An HTML page served instead of a feed (a login wall, a CDN challenge, a moved site).
fn looks_like_html(body: &[u8]) -> bool {
    let start = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = start.trim_ascii_start();
    let head: Vec<u8> = start.iter().take(64).map(u8::to_ascii_lowercase).collect();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html")
}

fn to_article(feed_id: &str, e: &Entry) -> Article {
    let guid = Some(e.id.trim()).filter(|s| !s.is_empty()).map(str::to_string);
    let link = e
        .links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .or_else(|| e.links.first())
        .map(|l| l.href.trim().to_string())
        .filter(|l| !l.is_empty());
    let title = e.title.as_ref().map(text_of).filter(|t| !t.is_empty());
    let content = e
        .content
        .as_ref()
        .and_then(|c| c.body.as_deref())
        .map(html_to_text)
        .unwrap_or_default();
    let summary = e.summary.as_ref().map(text_of).unwrap_or_default();
    // Content is usually the full article and the summary its teaser; some feeds put the full
    // text in the summary and a stub in the content, so keep whichever says more.
    let text = if content.len() >= summary.len() {
        content
    } else {
        summary
    };
    let key = ArticleKey::derive(guid.as_deref(), link.as_deref(), title.as_deref(), e.published);
    Article {
        feed: feed_id.to_string(),
        key,
        guid,
        link,
        title,
        text,
        authors: e
            .authors
            .iter()
            .map(|p| normalize_ws(&p.name))
            .filter(|n| !n.is_empty())
            .collect(),
        categories: e
            .categories
            .iter()
            .map(|c| normalize_ws(&c.term))
            .filter(|c| !c.is_empty())
            .collect(),
        published_at: e.published,
        updated_at: e.updated,
    }
}

// Plain text of a feed Text: HTML (declared, or evidently escaped markup) is rendered to text;
// plain text only has its whitespace normalised.
fn text_of(t: &Text) -> String {
    let is_html = t.content_type.subty() == "html" || t.content_type.suffix().is_some_and(|s| s == "xml");
    if is_html || t.content.contains('<') || t.content.contains('&') {
        html_to_text(&t.content)
    } else {
        normalize_ws(&t.content)
    }
}

// Wide enough that html2text never wraps a paragraph: the extractor's sentences and spans need
// paragraphs on one line each.
const NO_WRAP: usize = 1 << 20;

/// Renders an HTML fragment as plain text: one line per paragraph, entities decoded, scripts,
/// styles and images dropped, inner whitespace collapsed. Never fails: if the renderer gives
/// up, the tags are stripped crudely instead, so no text is lost.
pub fn html_to_text(html: &str) -> String {
    simple_paragraphs(html).unwrap_or_else(|| render_html(html))
}

// Most feed HTML is paragraphs of plain words, `<p>…</p><p>…</p>`, or no markup at all. For
// exactly those shapes (lower-case `<p>` without attributes, no other tag, no entity, no NUL)
// the rendering is each paragraph's words on a line of its own, which is what html2text gives,
// byte for byte (property-tested against it, and over the peer corpus), at a fraction of the
// cost: html2text was a third of ingest. Any other input is `None` and goes to html2text. The
// stored text feeds the content hash, so a difference here would turn every article into a
// revision; that is why the shape is this narrow.
pub(crate) fn simple_paragraphs(html: &str) -> Option<String> {
    if html.len() >= NO_WRAP || html.contains('&') || !html.chars().all(plain_char) {
        return None;
    }
    if !html.contains('<') {
        return Some(normalize_ws(html));
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Some(out);
        }
        let body_and_rest = rest.strip_prefix("<p>")?;
        let end = body_and_rest.find("</p>")?;
        let body = &body_and_rest[..end];
        if body.contains('<') {
            return None;
        }
        let line = normalize_ws(body);
        if !line.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&line);
        }
        rest = &body_and_rest[end + "</p>".len()..];
    }
}

// Characters html2text passes through unchanged wherever they stand: printable ASCII and its
// whitespace, Latin-1 to IPA (the Azerbaijani `ə` is there) without the soft hyphen, Cyrillic
// without its combining marks, Armenian, general punctuation without the invisible format
// characters, currency signs. html2text drops control, format and zero-width characters (and
// combining marks at a line's start), so text holding any of those takes the general path.
// Each of these characters is checked against html2text in every position by a test.
pub(crate) fn plain_char(c: char) -> bool {
    matches!(c, ' '..='~' | '\t' | '\n' | '\r' | '\u{0c}')
        || matches!(c, '\u{a0}'..='\u{2af}') && c != '\u{ad}'
        || matches!(c, '\u{400}'..='\u{482}' | '\u{48a}'..='\u{52f}' | '\u{531}'..='\u{58f}')
        || matches!(c, '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205e}' | '\u{20a0}'..='\u{20c0}')
}

// The general path: html2text, then one line per paragraph with its whitespace normalised.
pub(crate) fn render_html(html: &str) -> String {
    // The trivial decorator adds no markdown-like marks ("[link]", "* item", "# Title").
    let rendered = html2text::config::with_decorator(html2text::render::TrivialDecorator::new())
        .allow_width_overflow()
        .string_from_read(html.as_bytes(), NO_WRAP)
        .unwrap_or_else(|_| strip_tags(html));
    let mut out = String::with_capacity(rendered.len());
    for line in rendered.lines() {
        let line = normalize_ws(line);
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&line);
    }
    out
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests;
