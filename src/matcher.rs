//! Topic matching: does an article belong to the conflict, and by which of the profile's rules.
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

/// The profile's topic rules, compiled.
pub struct Matcher {
    rules: Vec<Rule>,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("rules", &self.rules.iter().map(|r| &r.id).collect::<Vec<_>>())
            .finish()
    }
}

impl Matcher {
    /// Compiles `topics`.
    pub fn new(topics: &[Topic]) -> Result<Matcher, MatcherError> {
        let rules = topics
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
            .collect::<Result<_, MatcherError>>()?;
        Ok(Matcher { rules })
    }

    /// The ids of the rules `article` matches, in profile order; empty means "not about the
    /// conflict".
    pub fn matches(&self, article: &Article) -> Vec<&str> {
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
        self.matches_text(&haystack)
    }

    /// The ids of the rules `text` matches.
    pub fn matches_text(&self, text: &str) -> Vec<&str> {
        let folded = fold(text);
        self.rules
            .iter()
            .filter(|r| r.is_match(&folded))
            .map(|r| r.id.as_str())
            .collect()
    }
}

impl Rule {
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
