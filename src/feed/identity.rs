//! Which identity a feed's articles get. By default the guid (DESIGN.md); but some feeds repeat
//! one guid for different articles, or hand out a new guid for the same article on every poll
//! (CMS re-exports, tracking ids), which would merge distinct stories or duplicate one story.
//! Such a feed is switched to link identity, once and for good, and the switch is remembered in
//! its state (when and why), so every later poll keys its articles the same way. Articles already
//! stored under their old guid keep that key while the feed still lists them, so the switch
//! itself duplicates nothing.
//!
//! Pure: articles and the remembered links in, re-keyed articles and the updated memory out.
//! Keys are stored in each event's payload, so replaying the log never re-derives them.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::article::{Article, ArticleKey, normalize_url};

/// How a feed's articles are keyed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The feed's guid (else the link, else a hash): the default.
    #[default]
    Guid,
    /// The normalised link, for articles that have one.
    Link,
}

/// What a feed's identity decision remembers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Memory {
    /// The current mode.
    pub mode: Mode,
    /// When the feed was switched to link identity.
    pub switched_at: Option<DateTime<Utc>>,
    /// Why.
    pub reason: Option<String>,
    /// Recently seen (hash of the normalised link, guid) pairs, newest last, at most `RECENT`.
    pub recent: VecDeque<(String, String)>,
    /// After the switch: links stored under a guid before it, and that guid, kept while the
    /// feed still lists them.
    pub legacy: std::collections::BTreeMap<String, String>,
}

// Pairs remembered per feed: a few documents' worth.
const RECENT: usize = 256;
// Churn is declared when at least this share of re-seen links come with a new guid ...
const CHURN_SHARE: f64 = 0.05;
// ... and at least this many.
const CHURN_MIN: usize = 2;

fn short(s: &str) -> String {
    blake3::hash(s.as_bytes()).to_hex()[..12].to_string()
}

impl Memory {
    /// Decides on this document's `articles` (switching to link identity if their guids repeat
    /// or churn), re-keys them if the feed uses links, and remembers their pairs. Returns the
    /// reason when this call made the switch.
    pub fn apply(&mut self, articles: &mut [Article], now: DateTime<Utc>) -> Option<String> {
        let pairs: Vec<(String, String)> = articles
            .iter()
            .filter_map(|a| {
                let guid = a.guid.as_deref().map(str::trim).filter(|g| !g.is_empty())?;
                Some((short(&normalize_url(a.link.as_deref()?)), guid.to_string()))
            })
            .collect();
        let mut switched = None;
        if self.mode == Mode::Guid
            && let Some(reason) = self.diagnose(&pairs)
        {
            self.mode = Mode::Link;
            self.switched_at = Some(now);
            self.reason = Some(reason.clone());
            // What is stored already keeps its key (the first guid its link was seen with).
            self.legacy = self.recent.iter().cloned().collect();
            switched = Some(reason);
        }
        if self.mode == Mode::Link {
            for a in articles.iter_mut() {
                if let Some(link) = a.link.as_deref().filter(|l| !l.trim().is_empty()) {
                    let normalized = normalize_url(link);
                    a.key = match self.legacy.get(&short(&normalized)) {
                        Some(guid) => ArticleKey::Guid(guid.clone()),
                        None => ArticleKey::Link(normalized),
                    };
                }
            }
        }
        for pair in pairs {
            // Before a switch the first guid of a link is the one its article is stored under.
            if self.recent.iter().any(|(link, _)| *link == pair.0) {
                continue;
            }
            self.recent.push_back(pair);
        }
        while self.recent.len() > RECENT {
            self.recent.pop_front();
        }
        let recent: std::collections::HashSet<&String> = self.recent.iter().map(|(l, _)| l).collect();
        self.legacy.retain(|link, _| recent.contains(link));
        switched
    }

    fn diagnose(&self, pairs: &[(String, String)]) -> Option<String> {
        // One guid for different links in the same document.
        let mut links_of: HashMap<&str, &str> = HashMap::new();
        for (link, guid) in pairs {
            if let Some(other) = links_of.insert(guid.as_str(), link.as_str())
                && other != link
            {
                return Some("the same guid is used for different links in one document".to_string());
            }
        }
        // A known link under a new guid.
        let known: HashMap<&str, &str> = self.recent.iter().map(|(l, g)| (l.as_str(), g.as_str())).collect();
        let compared: Vec<bool> = pairs
            .iter()
            .filter_map(|(link, guid)| known.get(link.as_str()).map(|g| g != guid))
            .collect();
        let changed = compared.iter().filter(|c| **c).count();
        if changed >= CHURN_MIN && changed as f64 >= CHURN_SHARE * compared.len() as f64 {
            return Some(format!(
                "{changed} of {} links seen before came back with a new guid",
                compared.len()
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(guid: &str, link: &str) -> Article {
        Article {
            feed: "f".into(),
            key: ArticleKey::derive(Some(guid), Some(link), None, None),
            guid: Some(guid.into()),
            link: Some(link.into()),
            title: Some("t".into()),
            text: String::new(),
            authors: vec![],
            categories: vec![],
            published_at: None,
            updated_at: None,
        }
    }

    fn now() -> DateTime<Utc> {
        "2020-10-10T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn stable_guids_keep_guid_identity() {
        let mut m = Memory::default();
        for _ in 0..3 {
            let mut doc = vec![article("1", "https://x/a"), article("2", "https://x/b")];
            assert_eq!(m.apply(&mut doc, now()), None);
            assert_eq!(doc[0].key, ArticleKey::Guid("1".into()));
        }
    }

    #[test]
    fn churning_guids_switch_the_feed_to_links_for_good() {
        let mut m = Memory::default();
        let mut first = vec![
            article("a1", "https://x/a"),
            article("b1", "https://x/b?utm_source=rss"),
        ];
        assert_eq!(m.apply(&mut first, now()), None);
        let mut second = vec![article("a2", "https://x/a"), article("b2", "https://x/b")];
        let reason = m.apply(&mut second, now()).expect("switched");
        assert!(reason.contains("2 of 2 links"), "{reason}");
        assert_eq!((m.mode, m.switched_at), (Mode::Link, Some(now())));
        // What is stored keeps its first key: the switch duplicates nothing.
        assert_eq!(second[1].key, ArticleKey::Guid("b1".into()));
        // Later documents: known articles keep their key, new ones are keyed by link, and no
        // second switch happens.
        let mut third = vec![article("a3", "https://x/a#top"), article("c3", "https://x/c")];
        assert_eq!(m.apply(&mut third, now()), None);
        assert_eq!(third[0].key, ArticleKey::Guid("a1".into()));
        assert_eq!(third[1].key, ArticleKey::Link("https://x/c".into()));
        let mut fourth = vec![article("c4", "https://x/c")];
        m.apply(&mut fourth, now());
        assert_eq!(fourth[0].key, ArticleKey::Link("https://x/c".into()));
    }

    #[test]
    fn one_guid_for_two_links_switches_at_once() {
        let mut m = Memory::default();
        let mut doc = vec![article("same", "https://x/a"), article("same", "https://x/b")];
        assert!(m.apply(&mut doc, now()).is_some());
        assert_ne!(doc[0].key, doc[1].key);
    }
}
