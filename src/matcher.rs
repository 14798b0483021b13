//! Topic matching: does an article belong to the conflict, by which of the profile's keep rules,
//! and is it blocked by one of its block rules; and `explain`, which says why, term by term.
//!
//! Pure: compiled once from the profile, then a function of the article's text. Matching is
//! whole-word, case-insensitive and diacritic-insensitive (`Şuşa` = `Susa`, `Armenia’s` =
//! `Armenia's`), on the title, text and categories together.

use regex::{Regex, RegexBuilder};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::article::Article;
use crate::profile::Topic;

/// A topic rule that failed to compile (only possible past regex size limits, since the
/// profile's validation already compiled every regex once).
#[derive(Debug, thiserror::Error)]
#[error("topic rule {rule:?}: {message}")]
pub struct MatcherError {
    /// The rule id.
    pub rule: String,
    /// What went wrong.
    pub message: String,
}

struct Rule {
    id: String,
    all: Vec<Regex>,
    any: Option<Regex>,
    none: Option<Regex>,
    regex: Vec<Regex>,
}

/// The profile's topic (keep) and block rules, compiled.
pub struct Matcher {
    rules: Vec<Rule>,
    blocks: Vec<Rule>,
}

/// Why an article was kept or rejected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Explanation {
    /// Kept: some keep rule matched and no block rule did.
    pub kept: bool,
    /// Every rule's verdict, keep rules first, in profile order.
    pub rules: Vec<Verdict>,
}

/// One rule's verdict on one article.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verdict {
    /// The rule id.
    pub rule: String,
    /// `keep` or `block`.
    pub kind: &'static str,
    /// Whether the rule matched.
    pub matched: bool,
    /// Each condition: what was looked for and what was found (folded text) or not.
    pub reasons: Vec<String>,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("rules", &self.rules.iter().map(|r| &r.id).collect::<Vec<_>>())
            .finish()
    }
}

impl Matcher {
    /// Compiles `topics` as keep rules, without block rules.
    pub fn new(topics: &[Topic]) -> Result<Matcher, MatcherError> {
        Matcher::with_blocks(topics, &[])
    }

    /// Compiles a profile's keep and block rules.
    pub fn for_profile(profile: &crate::profile::Profile) -> Result<Matcher, MatcherError> {
        Matcher::with_blocks(&profile.topics, &profile.blocks)
    }

    /// Compiles `topics` as keep rules and `blocks` as block rules.
    pub fn with_blocks(topics: &[Topic], blocks: &[Topic]) -> Result<Matcher, MatcherError> {
        Ok(Matcher {
            rules: compile(topics)?,
            blocks: compile(blocks)?,
        })
    }
}

fn compile(topics: &[Topic]) -> Result<Vec<Rule>, MatcherError> {
    topics
        .iter()
        .map(|t| {
            let err = |e: regex::Error| MatcherError {
                rule: t.id.clone(),
                message: e.to_string(),
            };
            Ok(Rule {
                id: t.id.clone(),
                all: t
                    .all
                    .iter()
                    .map(|g| terms_regex(g).map_err(err))
                    .collect::<Result<_, _>>()?,
                any: optional(&t.any).map_err(err)?,
                none: optional(&t.none).map_err(err)?,
                regex: t
                    .regex
                    .iter()
                    .map(|r| RegexBuilder::new(r).case_insensitive(true).build().map_err(err))
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect::<Result<_, MatcherError>>()
}

impl Matcher {
    /// The ids of the keep rules `article` matches, in profile order; empty means "not about the
    /// conflict" (or blocked by a block rule).
    pub fn matches(&self, article: &Article) -> Vec<&str> {
        self.matches_text(&haystack(article))
    }

    /// Why `article` is kept or rejected, rule by rule.
    pub fn explain(&self, article: &Article) -> Explanation {
        let folded = fold(&haystack(article));
        let verdicts = |rules: &[Rule], kind: &'static str| -> Vec<Verdict> {
            rules
                .iter()
                .map(|r| Verdict {
                    rule: r.id.clone(),
                    kind,
                    matched: r.is_match(&folded),
                    reasons: r.reasons(&folded),
                })
                .collect()
        };
        let mut rules = verdicts(&self.rules, "keep");
        rules.extend(verdicts(&self.blocks, "block"));
        let kept = rules.iter().any(|v| v.kind == "keep" && v.matched)
            && !rules.iter().any(|v| v.kind == "block" && v.matched);
        Explanation { kept, rules }
    }

    /// The ids of the keep rules `text` matches; none when a block rule matches.
    pub fn matches_text(&self, text: &str) -> Vec<&str> {
        let folded = fold(text);
        if self.blocks.iter().any(|r| r.is_match(&folded)) {
            return Vec::new();
        }
        self.rules
            .iter()
            .filter(|r| r.is_match(&folded))
            .map(|r| r.id.as_str())
            .collect()
    }
}

// Title, text and categories: what the rules look at.
fn haystack(article: &Article) -> String {
    let mut haystack = String::with_capacity(article.text.len() + 256);
    if let Some(t) = &article.title {
        haystack.push_str(t);
        haystack.push('\n');
    }
    haystack.push_str(&article.text);
    for c in &article.categories {
        haystack.push('\n');
        haystack.push_str(c);
    }
    haystack
}

impl Rule {
    // Each condition of the rule and what it found, for `explain`.
    fn reasons(&self, folded: &str) -> Vec<String> {
        let found = |re: &Regex| re.find(folded).map(|m| format!("{:?}", m.as_str()));
        let mut out = Vec::new();
        for (i, g) in self.all.iter().enumerate() {
            out.push(match found(g) {
                Some(t) => format!("all[{i}]: found {t}"),
                None => format!("all[{i}]: none of its terms found"),
            });
        }
        if let Some(a) = &self.any {
            out.push(match found(a) {
                Some(t) => format!("any: found {t}"),
                None => "any: none of its terms found".to_string(),
            });
        }
        if !self.regex.is_empty() {
            out.push(match self.regex.iter().find_map(found) {
                Some(t) => format!("regex: matched {t}"),
                None => "regex: no match".to_string(),
            });
        }
        if let Some(n) = &self.none
            && let Some(t) = found(n)
        {
            out.push(format!("none: found {t}, so the rule does not match"));
        }
        out
    }

    fn is_match(&self, folded: &str) -> bool {
        self.all.iter().all(|g| g.is_match(folded))
            && self.any.as_ref().is_none_or(|a| a.is_match(folded))
            && (self.regex.is_empty() || self.regex.iter().any(|r| r.is_match(folded)))
            && !self.none.as_ref().is_some_and(|n| n.is_match(folded))
    }
}

fn optional(terms: &[String]) -> Result<Option<Regex>, regex::Error> {
    if terms.is_empty() {
        Ok(None)
    } else {
        terms_regex(terms).map(Some)
    }
}

// One alternation per group: `(?:\bterm1\b|\bterm2\b)`. The regex crate turns a literal
// alternation into an Aho-Corasick search, so a long list costs little.
fn terms_regex(terms: &[String]) -> Result<Regex, regex::Error> {
    let alternatives: Vec<String> = terms.iter().map(|t| term_pattern(&fold(t))).collect();
    RegexBuilder::new(&format!("(?:{})", alternatives.join("|"))).build()
}

// Whole-word: a boundary is required only where the term's edge is a word character, so that
// terms like "U.S." or "(AP)" still match.
fn term_pattern(term: &str) -> String {
    let term = term.trim();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut p = String::new();
    if word(term.chars().next()) {
        p.push_str(r"\b");
    }
    // Inner whitespace in a term matches any run of whitespace in the text.
    let escaped: Vec<String> = term.split_whitespace().map(regex::escape).collect();
    p.push_str(&escaped.join(r"\s+"));
    if word(term.chars().next_back()) {
        p.push_str(r"\b");
    }
    p
}

/// Folds text for matching: compatibility-decomposed, diacritics removed, lower-cased, and the
/// typographic apostrophes and hyphens mapped to ASCII. Letters that do not decompose but are
/// written without their mark in English copy (Azerbaijani `ı` and `ə`) are mapped too.
pub fn fold(s: &str) -> String {
    // Most English copy is ASCII, where decomposition is the identity and no mark exists: the
    // result is the lower-cased input (the slow path below gives the same, byte for byte; a
    // property test holds them together). This halves the matcher's and extractor's work.
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    fold_any(s)
}

// `fold` for any text.
fn fold_any(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{2032}' => out.push('\''),
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2212}' => out.push('-'),
            'ı' | 'İ' => out.push('i'),
            'ə' | 'Ə' => out.push('e'),
            'ł' | 'Ł' => out.push('l'),
            'ø' | 'Ø' => out.push('o'),
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests;
