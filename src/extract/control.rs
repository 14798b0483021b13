//! Control claims: that a place was captured (taken, liberated, retaken), lost, or is
//! contested, by which side, and who claims it.
//!
//! Pure rules over one `Sentence`. The place must be the object of the verb ("captured Hadrut",
//! "liberated the town of Hadrut", "Shusha fell to"), not a place named in passing ("villages in
//! the Jabrayil district").

use super::lexicon::{Lexicon, Mention};
use super::text::{Kind, Token};
use super::{Change, ControlClaim, Sentence};
use crate::profile::LocationKind;

// Words allowed between a verb and its place: "captured the strategic town of Hadrut".
const OBJECT_FILLER: &[&str] = &[
    "the", "town", "city", "village", "district", "region", "strategic", "key", "of", "control", "full", "entire",
    "whole", "historic", "ancient", "settlement", "centre", "center", "area", "territory", "back",
];
const CONTEST_WORDS: &[&str] = &[
    "fighting", "battle", "battles", "clashes", "fight", "struggle", "raged", "rages",
];

/// Control claims of one sentence.
pub fn extract(s: &Sentence<'_>, lex: &Lexicon) -> Vec<ControlClaim> {
    let toks = &s.toks;
    let mut out: Vec<ControlClaim> = Vec::new();
    let places: Vec<&Mention> = s
        .locations
        .iter()
        .filter(|m| {
            !matches!(
                lex.profile.locations[m.entry].kind,
                LocationKind::Capital | LocationKind::Region
            )
        })
        .collect();
    if places.is_empty() {
        return out;
    }
    let denial = (0..toks.len()).find(|&i| lex.vocab.deny_verbs.starts(toks, i));
    // Who denies: the side named before the denial, else the reporter.
    let denier = denial.and_then(|d| {
        s.side_before(lex, clause_start(toks, d), d)
            .or_else(|| s.reporter_side(d))
    });

    for m in &places {
        let location = lex.profile.locations[m.entry].id.clone();
        let found = active(s, lex, m, &places).or_else(|| passive(s, lex, m));
        let claim = match found {
            Some((verb, change, side)) => {
                if negated(toks, verb) {
                    continue;
                }
                match denial {
                    // "Armenia denied that Hadrut had fallen": the capture is disputed.
                    Some(d) if d < verb => (Change::Contested, side, denier.clone()),
                    _ => (change, side.clone(), s.reporter_side(verb).or(side)),
                }
            }
            None if fought_over(toks, m) => (Change::Contested, None, s.reporter_side(m.toks.start)),
            None => continue,
        };
        let (change, side, claimed_by) = claim;
        if !out.iter().any(|c| c.location == location && c.change == change) {
            out.push(ControlClaim {
                location,
                side,
                change,
                claimed_by,
                evidence: s.evidence(),
                span: s.span_pair(),
            });
        }
    }
    out
}

// "Azerbaijani forces captured (the town of) Hadrut", "Armenian forces withdrew from Lachin",
// "liberated Fuzuli, Jabrayil and Zangilan": a verb before the place. Returns the verb, the change
// and the side that took or lost the place.
fn active(
    s: &Sentence<'_>,
    lex: &Lexicon,
    place: &Mention,
    places: &[&Mention],
) -> Option<(usize, Change, Option<String>)> {
    let toks = &s.toks;
    let (verb, verb_end, change) = verb_before(toks, lex, place.toks.start, places)?;
    if is_passive(toks, verb) {
        return None;
    }
    // "fell to Azerbaijani forces": the taker follows the verb.
    if toks[verb].is("fell") || toks[verb].is("fallen") {
        return Some((
            verb,
            change,
            s.side_after(lex, verb_end.saturating_sub(1), verb_end + 3),
        ));
    }
    // The side acting: named nearest before the verb in its clause, else the reporter ("the army
    // liberated Jabrayil, Aliyev said").
    let agent = s
        .side_before(lex, clause_start(toks, verb), verb)
        .or_else(|| s.reporter_side(verb));
    Some((verb, change, agent))
}

// "Hadrut was captured by Azerbaijani troops", "Shusha has been liberated", "Shusha fell to ...",
// "Shusha had been lost to Azerbaijani forces".
fn passive(s: &Sentence<'_>, lex: &Lexicon, place: &Mention) -> Option<(usize, Change, Option<String>)> {
    let toks = &s.toks;
    let (verb, change) = verb_after(toks, lex, place.toks.end)?;
    let to_or_by = |w: &str| toks.get(verb + 1).is_some_and(|t| t.is(w));
    let named = s.side_after(lex, verb, verb + 5);
    Some(match change {
        // "lost to Azerbaijani forces": taken by them.
        Change::Lost if to_or_by("to") && named.is_some() => (verb, Change::Captured, named),
        // "was lost": by the side reporting it.
        Change::Lost => (verb, Change::Lost, s.reporter_side(verb)),
        _ => (verb, change, named.or_else(|| s.reporter_side(verb))),
    })
}

// "fighting for Shusha", "the battle for Hadrut", "clashes around Martuni", "Lachin is contested".
fn fought_over(toks: &[Token], place: &Mention) -> bool {
    let before = &toks[place.toks.start.saturating_sub(4)..place.toks.start];
    let fight = before.iter().any(|t| CONTEST_WORDS.contains(&t.norm.as_str()))
        && before
            .iter()
            .any(|t| matches!(t.norm.as_str(), "for" | "over" | "around" | "near" | "in" | "outside"));
    let after = &toks[place.toks.end..(place.toks.end + 4).min(toks.len())];
    fight || after.iter().any(|t| t.is("contested") || t.is("disputed"))
}

fn negated(toks: &[Token], verb: usize) -> bool {
    toks[verb.saturating_sub(2)..verb]
        .iter()
        .any(|t| matches!(t.norm.as_str(), "not" | "never") || t.norm.ends_with("n't"))
}

fn clause_start(toks: &[Token], at: usize) -> usize {
    toks[..at]
        .iter()
        .rposition(|t| t.kind == Kind::Punct && matches!(t.norm.as_str(), ";" | ":" | "."))
        .map_or(0, |i| i + 1)
}

// A capture or loss verb ending just before `start`, allowing filler words and the other places of
// a list.
fn verb_before(toks: &[Token], lex: &Lexicon, start: usize, places: &[&Mention]) -> Option<(usize, usize, Change)> {
    let mut k = start;
    let mut steps = 0;
    while k > 0 && steps < 14 {
        for len in 1..=4usize.min(k) {
            let v = k - len;
            if lex.vocab.capture_verbs.at(toks, v) == Some(k) {
                return Some((v, k, Change::Captured));
            }
            if lex.vocab.loss_verbs.at(toks, v) == Some(k) {
                return Some((v, k, Change::Lost));
            }
        }
        let t = &toks[k - 1];
        if let Some(p) = places.iter().find(|p| p.toks.end == k) {
            k = p.toks.start;
        } else if OBJECT_FILLER.contains(&t.norm.as_str()) || t.is("and") || t.is_punct(',') {
            k -= 1;
        } else {
            return None;
        }
        steps += 1;
    }
    None
}

// "was captured", "has been liberated": the verb is the passive's, handled by `passive`.
fn is_passive(toks: &[Token], v: usize) -> bool {
    v > 0
        && matches!(
            toks[v - 1].norm.as_str(),
            "was" | "were" | "been" | "being" | "is" | "are"
        )
}

// A verb after the place: "Hadrut was captured", "Shusha has been liberated", "Shusha fell".
fn verb_after(toks: &[Token], lex: &Lexicon, end: usize) -> Option<(usize, Change)> {
    let mut saw_aux = false;
    for k in end..(end + 5).min(toks.len()) {
        let t = &toks[k];
        if matches!(
            t.norm.as_str(),
            "was"
                | "were"
                | "has"
                | "had"
                | "have"
                | "been"
                | "is"
                | "are"
                | "now"
                | "reportedly"
                | "finally"
                | "fully"
        ) {
            saw_aux = true;
            continue;
        }
        if t.is("fell") || (saw_aux && t.is("fallen")) {
            return Some((k, Change::Captured));
        }
        if saw_aux && matches!(t.norm.as_str(), "lost" | "surrendered" | "abandoned" | "evacuated") {
            return Some((k, Change::Lost));
        }
        if saw_aux && lex.vocab.capture_verbs.starts(toks, k) {
            return Some((k, Change::Captured));
        }
        return None;
    }
    None
}

#[cfg(test)]
mod tests;
