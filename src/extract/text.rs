//! Text for extraction: sentences (UAX #29 boundaries, repaired after abbreviations) and tokens
//! with byte spans into the original text, folded for matching.
//!
//! Pure. Spans always point into the caller's text, so every fact can cite its exact sentence.

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

use crate::matcher::fold;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Letters (and inner apostrophes): "Armenia", "don't".
    Word,
    /// Starts with a digit: "16", "1,592", "3.5", "27th", "10:00".
    Number,
    /// One punctuation or symbol character.
    Punct,
}

/// A token of a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Word, number or punctuation.
    pub kind: Kind,
    /// Byte offsets into the whole text.
    pub span: Range<usize>,
    /// Folded (lower-case, diacritics removed) word; the digits of a number as written; the
    /// punctuation character.
    pub norm: String,
    /// Followed by a possessive `'s` or `'` (which is part of this token's span).
    pub possessive: bool,
    /// Starts with an upper-case letter.
    pub upper: bool,
}

impl Token {
    /// True for a word whose folded form is `w`.
    pub fn is(&self, w: &str) -> bool {
        self.kind != Kind::Punct && self.norm == w
    }

    /// True for the punctuation character `c`.
    pub fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct && self.norm.starts_with(c) && self.norm.chars().count() == 1
    }
}

// Abbreviations after which a full stop does not end a sentence (folded, without the dot).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "cpt", "sgt", "cpl", "adm", "gov", "sen",
    "rep", "st", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "nos",
    "vs", "inc", "co", "corp", "ltd", "approx", "est", "dept", "govt", "jr", "sr", "mt", "ft",
];

/// The sentences of `text` as byte ranges, whitespace trimmed, empty ones dropped.
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut glue = false;
    for (start, piece) in text.split_sentence_bound_indices() {
        let trimmed_start = start + (piece.len() - piece.trim_start().len());
        let trimmed_end = start + piece.trim_end().len();
        if trimmed_end <= trimmed_start {
            continue;
        }
        let span = trimmed_start..trimmed_end;
        match out.last_mut() {
            // UAX #29 breaks after "Gen." or "U.S." before a capital; such a break is undone
            // unless a paragraph ended there.
            Some(prev) if glue && !text[prev.end..span.start].contains('\n') => prev.end = span.end,
            _ => out.push(span.clone()),
        }
        glue = ends_with_abbreviation(&text[span]);
    }
    out.into_iter().flat_map(|r| split_before_digits(text, r)).collect()
}

// UAX #29 does not break before a sentence that starts with a figure ("... of law. 46 civilians
// were hurt"), which is how news often starts one. Splits there, unless the full stop ends an
// abbreviation ("No. 10", "Oct. 26").
fn split_before_digits(text: &str, r: Range<usize>) -> Vec<Range<usize>> {
    let s = &text[r.clone()];
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if matches!(bytes[i], b'.' | b'!' | b'?') {
            // The end of the sentence, after any closing quotes.
            let mut end = i + 1;
            while end < bytes.len() && matches!(bytes[end], b'"' | b'\'' | b')') {
                end += 1;
            }
            let rest = &s[end..];
            let trimmed = rest.trim_start();
            let gap = rest.len() - trimmed.len();
            if gap > 0
                && !rest[..gap].contains('\n')
                && trimmed.starts_with(|c: char| c.is_ascii_digit())
                && !ends_with_abbreviation(&s[start..=i])
            {
                out.push(r.start + start..r.start + end);
                start = end + gap;
                i = start;
                continue;
            }
        }
        i += 1;
    }
    out.push(r.start + start..r.end);
    out
}

fn ends_with_abbreviation(s: &str) -> bool {
    let Some(body) = s.strip_suffix('.') else { return false };
    let last = body
        .rsplit(|c: char| c.is_whitespace() || c == '(' || c == '"')
        .next()
        .unwrap_or("");
    if last.is_empty() {
        return false;
    }
    // Initials and dotted acronyms: "J.", "U.S.", "U.N."
    let letters: Vec<&str> = last.split('.').collect();
    if letters
        .iter()
        .all(|l| l.chars().count() == 1 && l.chars().all(char::is_alphabetic))
    {
        return true;
    }
    ABBREVIATIONS.contains(&fold(last).as_str())
}

/// The tokens of `text[range]`, with spans into `text`.
pub fn tokenize(text: &str, range: Range<usize>) -> Vec<Token> {
    let base = range.start;
    let s = &text[range];
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let pos = |i: usize| chars.get(i).map(|&(p, _)| p).unwrap_or(s.len());
    let is_apostrophe = |c: char| c == '\'' || c == '\u{2019}';
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() {
            i += 1;
            loop {
                match (at(i), at(i + 1)) {
                    (Some(d), _) if d.is_ascii_digit() => i += 1,
                    (Some(',' | '.' | ':'), Some(d)) if d.is_ascii_digit() => i += 2,
                    _ => break,
                }
            }
            // Suffixes like "27th", "1990s", "5km" stay on the number.
            while at(i).is_some_and(char::is_alphabetic) {
                i += 1;
            }
            let raw = &s[pos(start)..pos(i)];
            out.push(Token {
                kind: Kind::Number,
                span: base + pos(start)..base + pos(i),
                norm: raw.to_ascii_lowercase(),
                possessive: false,
                upper: false,
            });
            continue;
        }
        if c.is_alphabetic() {
            i += 1;
            loop {
                match (at(i), at(i + 1)) {
                    (Some(d), _) if d.is_alphanumeric() || is_combining(d) => i += 1,
                    // An inner apostrophe that is not a possessive: "don't", "Hadrut'un".
                    (Some(a), Some(l)) if is_apostrophe(a) && l.is_alphabetic() && !is_possessive_s(&chars, i) => {
                        i += 2
                    }
                    _ => break,
                }
            }
            let word_end = i;
            let mut possessive = false;
            if at(i).is_some_and(is_apostrophe) {
                if is_possessive_s(&chars, i) {
                    possessive = true;
                    i += 2;
                } else if s[pos(start)..pos(word_end)].ends_with(['s', 'S'])
                    && !at(i + 1).is_some_and(char::is_alphanumeric)
                {
                    // A plural possessive: "soldiers' bodies".
                    possessive = true;
                    i += 1;
                }
            }
            let word = &s[pos(start)..pos(word_end)];
            out.push(Token {
                kind: Kind::Word,
                span: base + pos(start)..base + pos(i),
                norm: fold(word),
                possessive,
                upper: c.is_uppercase(),
            });
            continue;
        }
        i += 1;
        out.push(Token {
            kind: Kind::Punct,
            span: base + pos(start)..base + pos(i),
            norm: c.to_string(),
            possessive: false,
            upper: false,
        });
    }
    out
}

fn is_combining(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

// An apostrophe at `i` followed by "s" and then a non-letter: "Armenia's".
fn is_possessive_s(chars: &[(usize, char)], i: usize) -> bool {
    matches!(chars.get(i + 1), Some((_, 's' | 'S'))) && !chars.get(i + 2).is_some_and(|&(_, c)| c.is_alphanumeric())
}

/// True when tokens `a` and `b` touch (no whitespace between), as in "U.S" or "US-brokered".
pub fn adjacent(a: &Token, b: &Token) -> bool {
    a.span.end == b.span.start
}

#[cfg(test)]
mod tests;
