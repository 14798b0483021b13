//! Control claims: that a place was captured (taken, liberated, retaken), lost, or is
//! contested, by which side, and who claims it.
//!
//! Pure rules over one `Sentence`. The place must be the object of the verb ("captured Hadrut",
//! "liberated the town of Hadrut", "Shusha fell to"), not a place named in passing ("villages in
//! the Jabrayil district").

use super::lexicon::Lexicon;
use super::text::{Kind, Token};
use super::{Change, ControlClaim, Sentence};
use crate::profile::LocationKind;

// Words allowed between a verb and its place: "captured the strategic town of Hadrut".
const OBJECT_FILLER: &[&str] = &[
    "the", "town", "city", "village", "villages", "district", "region", "strategic", "key", "of", "control", "full",
    "entire", "whole", "historic", "ancient", "settlement", "centre", "center", "area", "territory", "part", "parts",
    "most", "much", "back",
];
const CONTEST_WORDS: &[&str] = &[
    "fighting", "battle", "battles", "clashes", "fight", "struggle", "contested", "disputed", "raged", "rages",
];

fn side_id(_s: &Sentence<'_>, lex: &Lexicon, m: &super::lexicon::Mention) -> String {
    lex.profile.sides[m.entry].id.clone()
}

/// Control claims of one sentence.
pub fn extract(s: &Sentence<'_>, lex: &Lexicon) -> Vec<ControlClaim> {
    let toks = &s.toks;
    let mut out: Vec<ControlClaim> = Vec::new();
    let places: Vec<&super::lexicon::Mention> = s
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
    let mut push = |location: String, side: Option<String>, change: Change, claimed_by: Option<String>| {
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
    };

    for m in &places {
        let loc = lex.profile.locations[m.entry].id.clone();
        // Verb before the place, through the filler: "Azerbaijani forces captured (the town of) Hadrut".
        if let Some((verb, verb_end, change)) = verb_before(toks, lex, m.toks.start, &places) {
            if negated(toks, verb) {
                continue;
            }
            // The side acting: the nearest side named before the verb, in the clause.
            let clause_start = clause_start(toks, verb);
            let agent = s
                .sides
                .iter()
                .rev()
                .find(|x| x.toks.start >= clause_start && x.toks.end <= verb)
                .map(|x| side_id(s, lex, x))
                .or_else(|| s.side_in(lex, clause_start..verb))
                .or_else(|| s.reporter_side(verb));
            // "Shusha fell to Azerbaijani forces" has its agent after the verb.
            let agent = if toks[verb].is("fell") || toks[verb].is("fallen") {
                s.sides
                    .iter()
                    .find(|x| x.toks.start >= verb_end && x.toks.start <= verb_end + 3)
                    .map(|x| side_id(s, lex, x))
                    .or(agent)
            } else {
                agent
            };
            let claimed_by = s.reporter_side(verb).or_else(|| agent.clone());
            match denial {
                Some(d) if d < verb => {
                    let denier = s
                        .sides
                        .iter()
                        .rev()
                        .find(|x| x.toks.end <= d)
                        .map(|x| side_id(s, lex, x))
                        .or_else(|| s.reporter_side(d));
                    push(loc, agent, Change::Contested, denier);
                }
                _ => push(loc, agent, change, claimed_by),
            }
            continue;
        }
        // Passive: "Hadrut was captured by Azerbaijani troops", "Shusha has been liberated".
        if let Some((verb, change)) = verb_after(toks, lex, m.toks.end) {
            if negated(toks, verb) {
                continue;
            }
            let by = s
                .sides
                .iter()
                .find(|x| x.toks.start > verb && x.toks.start <= verb + 5)
                .map(|x| side_id(s, lex, x));
            let agent = by.or_else(|| s.reporter_side(verb));
            let claimed_by = s.reporter_side(verb).or_else(|| agent.clone());
            match denial {
                Some(d) if d < m.toks.start => {
                    let denier = s
                        .sides
                        .iter()
                        .rev()
                        .find(|x| x.toks.end <= d)
                        .map(|x| side_id(s, lex, x))
                        .or_else(|| s.reporter_side(d));
                    push(loc, agent, Change::Contested, denier);
                }
                _ => push(loc, agent, change, claimed_by),
            }
            continue;
        }
        // "fighting for Shusha", "the battle for Hadrut", "clashes around Martuni".
        let before = &toks[m.toks.start.saturating_sub(4)..m.toks.start];
        let fought_over = before.iter().any(|t| CONTEST_WORDS.contains(&t.norm.as_str()))
            && before
                .iter()
                .any(|t| matches!(t.norm.as_str(), "for" | "over" | "around" | "near" | "in" | "outside"));
        let contested_after = toks[m.toks.end..(m.toks.end + 4).min(toks.len())]
            .iter()
            .any(|t| t.is("contested") || t.is("disputed"));
        if fought_over || contested_after {
            push(loc, None, Change::Contested, s.reporter_side(m.toks.start));
        }
    }
    out
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

// A capture or loss verb ending just before `start`, allowing filler words, other places of a
// list ("liberated Fuzuli, Jabrayil and Zangilan"), and the agent ("captured by").
fn verb_before(
    toks: &[Token],
    lex: &Lexicon,
    start: usize,
    places: &[&super::lexicon::Mention],
) -> Option<(usize, usize, Change)> {
    let mut k = start;
    let mut steps = 0;
    while k > 0 && steps < 14 {
        // Does a verb phrase end exactly at k?
        for len in 1..=4usize {
            if k < len {
                break;
            }
            let v = k - len;
            if lex.vocab.capture_verbs.at(toks, v) == Some(k) && !is_passive_agentless(toks, v) {
                return Some((v, k, Change::Captured));
            }
            if lex.vocab.loss_verbs.at(toks, v) == Some(k) {
                return Some((v, k, Change::Lost));
            }
        }
        let t = &toks[k - 1];
        let in_list = t.is("and") || t.is_punct(',') || places.iter().any(|p| p.toks.end == k);
        if !(OBJECT_FILLER.contains(&t.norm.as_str()) || in_list) {
            return None;
        }
        // Skip a whole listed place.
        if let Some(p) = places.iter().find(|p| p.toks.end == k) {
            k = p.toks.start;
        } else {
            k -= 1;
        }
        steps += 1;
    }
    None
}

// "Hadrut, captured by" reads as a passive with the place before; handled by `verb_after`.
fn is_passive_agentless(toks: &[Token], v: usize) -> bool {
    v > 0
        && matches!(
            toks[v - 1].norm.as_str(),
            "was" | "were" | "been" | "being" | "is" | "are"
        )
}

// A passive after the place: "Hadrut was captured", "Shusha has been liberated", "Shusha fell".
fn verb_after(toks: &[Token], lex: &Lexicon, end: usize) -> Option<(usize, Change)> {
    let mut k = end;
    let limit = (end + 5).min(toks.len());
    let mut saw_aux = false;
    while k < limit {
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
            k += 1;
            continue;
        }
        if (saw_aux || t.is("fell")) && lex.vocab.capture_verbs.starts(toks, k) {
            return Some((k, Change::Captured));
        }
        if saw_aux && (t.is("lost") || t.is("surrendered") || t.is("abandoned") || t.is("evacuated")) {
            return Some((k, Change::Lost));
        }
        if t.is("fell") || (saw_aux && t.is("fallen")) {
            return Some((k, Change::Captured));
        }
        return None;
    }
    None
}

#[cfg(test)]
mod tests;
