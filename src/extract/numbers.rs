//! Cardinal numbers in a sentence: digits ("16", "1,592") and English number words ("nine",
//! "twenty-five", "a hundred", "one hundred and twenty", via text2num), with vague amounts
//! ("hundreds", "several dozen"), ordinals, decimals, times and suffixed forms left out.
//!
//! Pure. Whether a number counts people is decided by the rules that use it, not here.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

use text2num::{Language, find_numbers};

use super::text::{Kind, Token};

/// A cardinal number over a token range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    /// Its tokens.
    pub toks: Range<usize>,
    /// Its value.
    pub value: u64,
    /// Written in words rather than digits.
    pub in_words: bool,
}

// Counts of people in war reports stay far below this; anything larger is money, area, or
// population.
const MAX_COUNT: u64 = 10_000_000;

fn english() -> &'static Language {
    static EN: OnceLock<Language> = OnceLock::new();
    EN.get_or_init(Language::english)
}

struct NumTok<'a>(&'a Token);

impl text2num::Token for NumTok<'_> {
    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.0.norm)
    }

    fn text_lowercase(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.0.norm)
    }

    fn nt_separated(&self, _previous: &Self) -> bool {
        false
    }

    fn not_a_number_part(&self) -> bool {
        // Digits are parsed by us; punctuation other than the hyphen of "twenty-five" breaks a
        // number.
        match self.0.kind {
            Kind::Number => true,
            Kind::Punct => self.0.norm != "-",
            Kind::Word => false,
        }
    }
}

/// The cardinal numbers among `toks`, left to right.
pub fn numbers(toks: &[Token]) -> Vec<Number> {
    let mut out: Vec<Number> = toks
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let value = parse_digits(t)?;
            Some(Number {
                toks: i..i + 1,
                value,
                in_words: false,
            })
        })
        .collect();
    for occ in find_numbers(toks.iter().map(NumTok), english(), 0.0) {
        if occ.is_ordinal || occ.value.fract() != 0.0 || occ.value < 1.0 || occ.value >= MAX_COUNT as f64 {
            continue;
        }
        let last = &toks[occ.end - 1];
        // "hundreds", "thousands", "tens": vague, never a count.
        if last.norm.ends_with('s') {
            continue;
        }
        // "several hundred", "a few thousand", "many dozen".
        if occ.start > 0
            && matches!(toks[occ.start - 1].norm.as_str(), "several" | "few" | "many")
            && occ.value >= 100.0
        {
            continue;
        }
        out.push(Number {
            toks: occ.start..occ.end,
            value: occ.value as u64,
            in_words: true,
        });
    }
    // "a dozen" is specific enough to count (12); "dozens" never is.
    for (i, t) in toks.iter().enumerate() {
        if t.is("dozen") && i > 0 && toks[i - 1].is("a") && !(i > 1 && toks[i - 2].is("half")) {
            out.push(Number {
                toks: i - 1..i + 1,
                value: 12,
                in_words: true,
            });
        }
    }
    out.sort_by_key(|n| n.toks.start);
    out
}

// "16" → 16, "1,592" → 1592; decimals ("3.5"), times ("10:00"), badly grouped digits and suffixed
// forms ("27th", "1990s", "5km") are not cardinals.
fn parse_digits(t: &Token) -> Option<u64> {
    if t.kind != Kind::Number || t.norm.contains(['.', ':']) || t.norm.ends_with(char::is_alphabetic) {
        return None;
    }
    if t.norm.contains(',') {
        let mut groups = t.norm.split(',');
        let head = groups.next()?;
        if head.is_empty() || head.len() > 3 || groups.clone().any(|g| g.len() != 3) {
            return None;
        }
    }
    let value: u64 = t.norm.replace(',', "").parse().ok()?;
    (1..MAX_COUNT).contains(&value).then_some(value)
}

#[cfg(test)]
mod tests;
