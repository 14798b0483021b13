//! The Article (one feed entry, as frontline keeps it), its identity (`ArticleKey`: guid, else
//! normalised link, else a hash of title and date) and its content hash (what makes a revision).
//!
//! Pure: no I/O, no clock. Feed parsing builds Articles; the store keys and dedupes on them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

/// How an article is identified within its feed, in order of preference (DESIGN.md).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ArticleKey {
    /// The feed's own id for the entry (RSS guid, Atom id, JSON Feed id).
    Guid(String),
    /// The entry's link, normalised.
    Link(String),
    /// blake3 of title and publication date, when the feed gives neither guid nor link.
    Hash(String),
}

// Keys longer than this are replaced by a hash so that a hostile feed cannot bloat the index.
const MAX_KEY_LEN: usize = 512;

impl ArticleKey {
    /// Derives the key from what the entry carries: guid, else link, else title and date.
    pub fn derive(
        guid: Option<&str>,
        link: Option<&str>,
        title: Option<&str>,
        published: Option<DateTime<Utc>>,
    ) -> ArticleKey {
        if let Some(g) = guid.map(str::trim).filter(|g| !g.is_empty()) {
            return ArticleKey::Guid(g.to_string());
        }
        if let Some(l) = link.map(str::trim).filter(|l| !l.is_empty()) {
            return ArticleKey::Link(normalize_url(l));
        }
        let mut h = blake3::Hasher::new();
        h.update(title.unwrap_or("").trim().as_bytes());
        h.update(b"\0");
        if let Some(p) = published {
            h.update(p.to_rfc3339().as_bytes());
        }
        ArticleKey::Hash(h.finalize().to_hex()[..32].to_string())
    }

    /// The key as one string (`guid:…`, `link:…`, `hash:…`), used in stream names. Over-long
    /// keys are shortened to a hash of themselves, so the result is bounded.
    pub fn as_stream_part(&self) -> String {
        let (tag, value) = match self {
            ArticleKey::Guid(v) => ("guid", v),
            ArticleKey::Link(v) => ("link", v),
            ArticleKey::Hash(v) => ("hash", v),
        };
        if value.len() > MAX_KEY_LEN {
            format!("{tag}#{}", blake3::hash(value.as_bytes()).to_hex())
        } else {
            format!("{tag}:{value}")
        }
    }
}

/// One feed entry as frontline keeps it: the fields a reader and the extractor need, with the
/// HTML already reduced to plain text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Id of the feed it came from (config `feed.id`).
    pub feed: String,
    /// Identity within the feed.
    pub key: ArticleKey,
    /// The entry's guid/id as given, if any.
    pub guid: Option<String>,
    /// The entry's link (absolute), if any.
    pub link: Option<String>,
    /// Title as plain text.
    pub title: Option<String>,
    /// Plain text of the content (or summary when there is no content).
    pub text: String,
    /// Author names.
    pub authors: Vec<String>,
    /// Category terms.
    pub categories: Vec<String>,
    /// When the publisher says it was published; never invented.
    pub published_at: Option<DateTime<Utc>>,
    /// When the publisher says it was last updated; never invented.
    pub updated_at: Option<DateTime<Utc>>,
}

impl Article {
    /// The stream this article's events belong to: `<feed>/<key>`.
    pub fn stream(&self) -> String {
        format!("{}/{}", self.feed, self.key.as_stream_part())
    }

    /// blake3 over the normalised title, link, text, authors and categories: what a reader
    /// would call the article's content. Dates are deliberately left out: feeds rewrite them
    /// without changing a word, and that is not a revision.
    pub fn content_hash(&self) -> ContentHash {
        let mut h = blake3::Hasher::new();
        let mut field = |s: &str| {
            let norm = normalize_ws(s);
            h.update(&(norm.len() as u64).to_le_bytes());
            h.update(norm.as_bytes());
        };
        field(self.title.as_deref().unwrap_or(""));
        field(&self.link.as_deref().map(normalize_url).unwrap_or_default());
        field(&self.text);
        field(&self.authors.join("\u{1f}"));
        field(&self.categories.join("\u{1f}"));
        ContentHash(*h.finalize().as_bytes())
    }
}

/// A 32-byte blake3 digest of an article's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentHash(pub [u8; 32]);

impl ContentHash {
    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Option<ContentHash> {
        if s.len() != 64 || !s.is_ascii() {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(ContentHash(out))
    }
}

impl Serialize for ContentHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for ContentHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ContentHash::from_hex(&s).ok_or_else(|| serde::de::Error::custom(format!("invalid content hash {s:?}")))
    }
}

/// Collapses runs of whitespace to one space and trims, so that re-wrapped text is the same text.
pub fn normalize_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// Query parameters that track the reader, not the article.
const TRACKING_PARAMS: &[&str] = &["fbclid", "gclid", "mc_cid", "mc_eid", "ref", "ref_src", "cmpid", "ito"];

/// Normalises a link for identity: lower-case scheme and host (the `url` crate does this),
/// no fragment, no `utm_*` or other tracking parameters. Unparseable links are only trimmed.
pub fn normalize_url(link: &str) -> String {
    let link = link.trim();
    let Ok(mut url) = Url::parse(link) else {
        return link.to_string();
    };
    url.set_fragment(None);
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| {
                let k = k.to_ascii_lowercase();
                !k.starts_with("utm_") && !TRACKING_PARAMS.contains(&k.as_str())
            })
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests;
