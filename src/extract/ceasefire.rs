//! Ceasefire statements: the status a sentence asserts about a truce (proposed, agreed, in
//! effect, holding, violated, collapsed), who brokered it, when it takes effect, and for a
//! violation who accuses whom.
//!
//! Pure rules over one `Sentence`. A truce in another conflict ("a ceasefire in Libya") is left
//! out when the sentence names a place the profile does not know and nothing it does.

use std::sync::LazyLock;

use super::lexicon::{Lexicon, Phrases};
use super::text::{Kind, Token};
use super::{CeasefireStatement, CeasefireStatus, Sentence};
use crate::profile::Role;

// Status words, strongest first: one sentence asserts one status, the strongest it states.
const COLLAPSED: &[&str] = &[
    "collapsed", "collapse", "collapses", "broke down", "breaking down", "broken down", "fell apart", "falling apart",
    "unravelled", "unraveled", "crumbled", "shattered", "in tatters", "failed to hold", "no longer holding",
    "no longer holds",
];
const COLLAPSED_NEAR: &[&str] = &["failed", "fails", "failing", "was over", "is over", "ended"];
const VIOLATED: &[&str] = &[
    "violated",
    "violating",
    "violation",
    "violations",
    "violate",
    "violates",
    "breach",
    "breached",
    "breaches",
    "breaching",
    "flouted",
    "flouting",
    "despite the ceasefire",
    "despite the truce",
    "despite a ceasefire",
    "despite a truce",
    "despite the humanitarian truce",
    "despite the humanitarian ceasefire",
];
// Status words too common to count unless they stand next to the truce word: "the truce
// held", "broke the ceasefire" (but not "fighting broke out").
const VIOLATED_NEAR: &[&str] = &["broke", "broken", "breaks"];
const HOLDING: &[&str] = &[
    "holding", "held", "holds", "largely held", "being observed", "observed", "respected", "remains in place",
    "remained in place", "still in place",
];
const IN_EFFECT: &[&str] = &[
    "took effect", "takes effect", "take effect", "taking effect", "came into force", "comes into force",
    "come into force", "entered into force", "enters into force", "went into effect", "goes into effect",
    "came into effect", "comes into effect", "in force", "in effect", "kicked in",
];
// Generic verbs that count only right after the truce word: "the truce began at noon".
const IN_EFFECT_AFTER: &[&str] = &["began", "begins", "started", "starts", "effective"];
const AGREED: &[&str] = &[
    "agreed", "agree", "agrees", "agreeing", "signed", "sign", "announced", "announces", "reached", "reach", "struck",
    "sealed", "brokered", "mediated", "concluded", "accepted", "accept", "declared", "agreement", "deal",
];
const PROPOSED: &[&str] = &[
    "proposed", "propose", "proposes", "called for", "calls for", "calling for", "call for", "urged", "urges",
    "urging", "offered", "offers", "suggested", "demanded", "demands", "push for", "pushed for", "appeal", "appealed",
];
// Words after which a following actor is the broker: "brokered by Russia", "under the auspices of".
const BROKERING: &[&str] = &["brokered", "mediated", "hosted", "facilitated", "auspices", "sponsored"];

// The status lists as phrase indexes (the lexicon's own kind), built once: every list is tried
// at every token of every truce sentence.
struct StatusWords {
    collapsed: Phrases,
    collapsed_near: Phrases,
    violated: Phrases,
    violated_near: Phrases,
    holding: Phrases,
    in_effect: Phrases,
    in_effect_after: Phrases,
    agreed: Phrases,
    proposed: Phrases,
    held: Phrases,
}

static STATUS_WORDS: LazyLock<StatusWords> = LazyLock::new(|| {
    let phrases = |list: &[&str]| Phrases::new(list, &[]);
    StatusWords {
        collapsed: phrases(COLLAPSED),
        collapsed_near: phrases(COLLAPSED_NEAR),
        violated: phrases(VIOLATED),
        violated_near: phrases(VIOLATED_NEAR),
        holding: phrases(HOLDING),
        in_effect: phrases(IN_EFFECT),
        in_effect_after: phrases(IN_EFFECT_AFTER),
        agreed: phrases(AGREED),
        proposed: phrases(PROPOSED),
        held: phrases(&["held", "hold", "holding"]),
    }
});

// Every position where one of `phrases` starts, in order.
fn positions<'a>(toks: &'a [Token], phrases: &'a Phrases) -> impl Iterator<Item = usize> + 'a {
    (0..toks.len()).filter(move |&i| phrases.starts(toks, i))
}

/// Ceasefire statements of one sentence (zero or one).
pub fn extract(s: &Sentence<'_>, lex: &Lexicon) -> Vec<CeasefireStatement> {
    let toks = &s.toks;
    let Some(at) = (0..toks.len()).find(|&i| lex.vocab.ceasefire.starts(toks, i)) else {
        return Vec::new();
    };
    if s.historical || is_foreign(s, lex, at) {
        return Vec::new();
    }
    let w = &*STATUS_WORDS;
    let negated = |i: usize| {
        i > 0 && (matches!(toks[i - 1].norm.as_str(), "not" | "never" | "no") || toks[i - 1].norm.ends_with("n't"))
    };
    // Every truce word's position: status words are judged by their distance to the nearest.
    let truce_words: Vec<usize> = (at..toks.len())
        .filter(|&i| lex.vocab.ceasefire.starts(toks, i))
        .collect();
    let same_clause = |a: usize, b: usize| {
        !toks[a.min(b)..a.max(b)]
            .iter()
            .any(|t| t.is_punct(';') || t.is_punct(':'))
    };
    let near = |i: usize| truce_words.iter().any(|&w| i.abs_diff(w) <= 6 && same_clause(i, w));
    let right_after = |i: usize| truce_words.iter().any(|&w| i > w && i - w <= 4 && same_clause(i, w));
    let any = |phrases: &Phrases| positions(toks, phrases).any(|i| !negated(i));
    let any_near = |phrases: &Phrases| positions(toks, phrases).any(|i| !negated(i) && near(i));
    // "has not collapsed" is no collapse; "did not hold" is one.
    let held_negated = positions(toks, &w.held).any(|i| negated(i) && near(i));
    let status = if held_negated || any(&w.collapsed) || any_near(&w.collapsed_near) {
        CeasefireStatus::Collapsed
    } else if any(&w.violated) || any_near(&w.violated_near) {
        CeasefireStatus::Violated
    } else if any_near(&w.holding) && !is_future(s) {
        CeasefireStatus::Holding
    } else if any_near(&w.in_effect) || positions(toks, &w.in_effect_after).any(|i| !negated(i) && right_after(i)) {
        // "will take effect at noon" is an agreement about the future; the projection moves it
        // into effect when the time comes.
        if is_future(s) {
            CeasefireStatus::Agreed
        } else {
            CeasefireStatus::InEffect
        }
    } else if agreed(toks) {
        CeasefireStatus::Agreed
    } else if any(&w.proposed) {
        CeasefireStatus::Proposed
    } else {
        return Vec::new();
    };

    let mut brokers: Vec<String> = Vec::new();
    for m in &s.actors {
        let actor = &lex.profile.actors[m.entry];
        let after_brokering = toks[..m.toks.start]
            .iter()
            .rev()
            .take(4)
            .any(|t| BROKERING.contains(&t.norm.as_str()));
        // "Russian-brokered", "US-mediated"
        let hyphen_brokered = toks.get(m.toks.end).is_some_and(|t| t.is_punct('-'))
            && toks
                .get(m.toks.end + 1)
                .is_some_and(|t| BROKERING.contains(&t.norm.as_str()));
        let mediator = matches!(actor.role, Role::Mediator);
        if actor.role != Role::Belligerent
            && (mediator || after_brokering || hyphen_brokered)
            && !brokers.contains(&actor.id)
        {
            brokers.push(actor.id.clone());
        }
    }

    // A date is the truce's effective time only in a sentence about its start ("from noon on
    // Saturday", "took effect at 08:00"); "was holding on Monday" dates the report, not the truce.
    let about_start = matches!(
        status,
        CeasefireStatus::Proposed | CeasefireStatus::Agreed | CeasefireStatus::InEffect
    ) || positions(toks, &w.in_effect).next().is_some();
    let effective_at = if about_start {
        s.dates
            .iter()
            .find(|w| w.time.is_some())
            .or(s.dates.first())
            .map(|w| w.to_rfc3339_or_date())
    } else {
        None
    };
    let (by, against) = if status == CeasefireStatus::Violated {
        accusation(s, lex)
    } else {
        (None, None)
    };
    vec![CeasefireStatement {
        status,
        brokers,
        effective_at,
        by,
        against,
        evidence: s.evidence(),
        span: s.span_pair(),
    }]
}

// An agreement stated as done: "agreed to a truce", not "urged them to agree to a truce".
fn agreed(toks: &[Token]) -> bool {
    let w = &*STATUS_WORDS;
    let first_proposal = positions(toks, &w.proposed).next();
    positions(toks, &w.agreed).any(|i| {
        let infinitive = i > 0 && toks[i - 1].is("to");
        let after_proposal = first_proposal.is_some_and(|p| p < i);
        !infinitive && !after_proposal
    })
}

fn is_future(s: &Sentence<'_>) -> bool {
    s.toks.iter().any(|t| matches!(t.norm.as_str(), "will" | "shall")) || s.tense == super::dates::Tense::Future
}

// Who accuses whom of a violation: "Azerbaijan accused Armenia of violating", "Armenia violated
// the truce, Azerbaijan said", "Baku and Yerevan accused each other" (no single accuser).
fn accusation(s: &Sentence<'_>, lex: &Lexicon) -> (Option<String>, Option<String>) {
    let toks = &s.toks;
    if toks.iter().any(|t| t.is("each")) && toks.iter().any(|t| t.is("other")) {
        return (None, None);
    }
    let sides: Vec<(usize, String)> = s
        .sides
        .iter()
        .map(|m| (m.toks.start, lex.profile.sides[m.entry].id.clone()))
        .collect();
    if let Some(v) = (0..toks.len()).find(|&i| lex.vocab.accuse_verbs.starts(toks, i)) {
        let by = sides
            .iter()
            .rev()
            .find(|(i, _)| *i < v)
            .map(|(_, id)| id.clone())
            .or_else(|| s.reporter_side(v));
        let against = sides
            .iter()
            .find(|(i, id)| *i > v && Some(id) != by.as_ref())
            .map(|(_, id)| id.clone());
        return (by, against);
    }
    // "Armenian forces violated the truce, the Azerbaijani defence ministry said"
    let verb = positions(toks, &STATUS_WORDS.violated).next().unwrap_or(0);
    let by = s.reporter_side(verb);
    let against = sides
        .iter()
        .rev()
        .find(|(i, id)| *i < verb && Some(id) != by.as_ref())
        .map(|(_, id)| id.clone());
    (by, against)
}

// "a ceasefire in Libya", "the truce between Israel and Hamas": a capitalised name after the
// truce word that the profile does not know, in a sentence that names nothing it does.
fn is_foreign(s: &Sentence<'_>, lex: &Lexicon, at: usize) -> bool {
    if !s.sides.is_empty()
        || !s.locations.is_empty()
        || s.actors
            .iter()
            .any(|m| lex.profile.actors[m.entry].role == Role::Belligerent)
    {
        return false;
    }
    let toks = &s.toks;
    toks[at..(at + 6).min(toks.len())].windows(2).any(|w| {
        matches!(w[0].norm.as_str(), "in" | "for" | "between" | "across" | "over")
            && w[1].kind == Kind::Word
            && w[1].upper
    })
}

#[cfg(test)]
mod tests;
