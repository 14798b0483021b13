//! Copies of one wire story in several feeds: kept as separate articles (each outlet's version is
//! evidence of who ran it), but recognisable as the same story — the same canonical link, or
//! near-identical text (a MinHash signature of three-word shingles estimating a Jaccard
//! similarity of at least 0.6) — so that views and readers can count them once.
//!
//! Pure: text and `ArticleFacts` in, hashes and streams out.

use super::ArticleFacts;
use crate::article::normalize_url;

// Texts shorter than this say too little to call two of them the same story.
const MIN_TEXT: usize = 300;
// Hash functions in a signature: 16 keeps it at 64 bytes an article; the Jaccard estimate's
// standard deviation is then under 0.13, and under 0.09 near the copies' usual 0.8 or more.
const SIGNATURE: usize = 16;
// Estimated Jaccard similarity of shingle sets from which two texts are one story. A wire story
// with a dateline and a few words changed scores about 0.8; another story about another strike
// in the same words about 0.3; unrelated reports of the same war near 0 (see the tests).
const MIN_SIMILARITY: f64 = 0.6;

// FNV-1a: a stable 64-bit hash (signatures are persisted in the projection, so the hash must
// not change between builds, unlike std's DefaultHasher).
fn fnv(words: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for w in words {
        for b in w.bytes().chain(std::iter::once(b' ')) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

// splitmix64: the i-th hash function of the signature from one FNV value.
fn mix(x: u64, i: usize) -> u32 {
    let mut z = x ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as u32
}

/// The MinHash signature of `text` over three-word shingles of its lower-cased words; none for
/// a text too short to compare.
pub fn signature(text: &str) -> Option<Vec<u32>> {
    if text.len() < MIN_TEXT {
        return None;
    }
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() < 3 {
        return None;
    }
    let mut mins = vec![u32::MAX; SIGNATURE];
    for shingle in words.windows(3) {
        let h = fnv(shingle);
        for (i, m) in mins.iter_mut().enumerate() {
            *m = (*m).min(mix(h, i));
        }
    }
    Some(mins)
}

/// The estimated Jaccard similarity of two signatures.
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len() as f64
}

/// Whether `a` and `b`, from different feeds, are the same story.
pub fn same_story(a: &ArticleFacts, b: &ArticleFacts) -> bool {
    let link = |x: &ArticleFacts| x.url.as_deref().map(normalize_url);
    same(a, link(a).as_deref(), b, link(b).as_deref())
}

// `same_story` with the canonical links already worked out (normalising a URL parses it: done
// once per article, not once per pair).
fn same(a: &ArticleFacts, link_a: Option<&str>, b: &ArticleFacts, link_b: Option<&str>) -> bool {
    if a.stream == b.stream || a.feed == b.feed {
        return false;
    }
    let same_link = matches!((link_a, link_b), (Some(x), Some(y)) if x == y);
    let near = match (&a.signature, &b.signature) {
        (Some(x), Some(y)) => similarity(x, y) >= MIN_SIMILARITY,
        _ => false,
    };
    same_link || near
}

/// Every article with its canonical link, for finding the copies of several articles.
pub struct Stories<'a> {
    all: &'a [ArticleFacts],
    links: Vec<Option<String>>,
}

impl<'a> Stories<'a> {
    /// Indexes `all`.
    pub fn new(all: &'a [ArticleFacts]) -> Stories<'a> {
        Stories {
            all,
            links: all.iter().map(|a| a.url.as_deref().map(normalize_url)).collect(),
        }
    }

    /// The other articles of `article`'s story, first published first.
    pub fn copies(&self, article: &ArticleFacts) -> Vec<&'a ArticleFacts> {
        let link = article.url.as_deref().map(normalize_url);
        let mut out: Vec<&ArticleFacts> = self
            .all
            .iter()
            .zip(&self.links)
            .filter(|(o, l)| same(article, link.as_deref(), o, l.as_deref()))
            .map(|(o, _)| o)
            .collect();
        out.sort_by(|x, y| {
            first_published(x)
                .cmp(&first_published(y))
                .then_with(|| x.stream.cmp(&y.stream))
        });
        out
    }

    /// The earliest article of `article`'s story if it is not `article` itself: what it copies.
    pub fn copy_of(&self, article: &ArticleFacts) -> Option<&'a ArticleFacts> {
        self.copies(article)
            .into_iter()
            .next()
            .filter(|first| (first_published(first), &first.stream) < (first_published(article), &article.stream))
    }
}

fn first_published(a: &ArticleFacts) -> Option<chrono::DateTime<chrono::Utc>> {
    a.revisions.first().map(|r| r.published)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIRE: &str = "Azerbaijan's Prosecutor-General's Office said on Sunday that a missile had hit a \
        residential block in Ganja shortly after midnight, killing nine civilians and wounding 34 others. \
        Armenia denied targeting civilians and said its forces had struck only military objects. \
        Rescue workers searched the rubble through the night as the Moscow truce, agreed a day earlier, \
        appeared to be collapsing along the whole line of contact.";

    fn article(feed: &str, url: Option<&str>, text: &str) -> ArticleFacts {
        ArticleFacts {
            stream: format!("{feed}/guid:1"),
            feed: feed.into(),
            url: url.map(String::from),
            title: None,
            signature: signature(text),
            revisions: Vec::new(),
        }
    }

    #[test]
    fn a_lightly_edited_copy_is_the_same_story_and_a_different_story_is_not() {
        let a = article("wire", None, WIRE);
        let edited = WIRE
            .replace("on Sunday", "on Sunday, 11 October,")
            .replace("searched", "were searching");
        let b = article("daily", None, &edited);
        let sim = |x: &ArticleFacts, y: &ArticleFacts| {
            similarity(x.signature.as_ref().unwrap(), y.signature.as_ref().unwrap())
        };
        assert!(sim(&a, &b) >= 0.7, "{}", sim(&a, &b));
        let unrelated = article(
            "daily",
            None,
            "The Armenian defence ministry said on Monday that its forces had repelled an attack in the \
             south of Nagorno-Karabakh overnight, and that 21 more servicemen had been killed, bringing the \
             military toll to 729 since fighting began. Azerbaijan did not give its own losses. The ministry \
             accused Baku of shelling villages near Martuni and Hadrut, which Azerbaijan denied.",
        );
        assert!(!same_story(&a, &unrelated));
        assert!(same_story(&a, &b));
        // Another strike reported with the same stock sentence in the middle.
        let other = article(
            "daily",
            None,
            "The Nagorno-Karabakh ombudsman said on Monday that rockets had hit the centre of \
             Stepanakert before dawn, killing two civilians and wounding eleven. Armenia denied \
             targeting civilians and said its forces had struck only military objects. Residents spent \
             the day in basements as sirens sounded again in the afternoon.",
        );
        assert!(!same_story(&a, &other), "{}", sim(&a, &other));
        assert!(sim(&a, &unrelated) < 0.2, "{}", sim(&a, &unrelated));
        assert_eq!(signature("too short"), None);
    }

    #[test]
    fn the_same_canonical_link_is_the_same_story_in_another_feed_only() {
        let a = article("wire", Some("https://x.example/a?utm_source=rss"), "short");
        let b = article("daily", Some("https://x.example/a#comments"), "also short");
        assert!(same_story(&a, &b));
        let same_feed = article("wire", Some("https://x.example/a"), "short");
        let mut same_feed = same_feed;
        same_feed.stream = "wire/guid:2".into();
        assert!(!same_story(&a, &same_feed));
    }
}
