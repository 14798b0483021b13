//! Attribution: who a sentence says reported it ("Armenia's Defence Ministry said", "according
//! to the Prosecutor-General's office in Baku", "..., the ombudsman said"), resolved to a
//! reporter: one of the profile's, or one derived from the side and the kind of body named.
//!
//! Pure. Pronouns ("it said", "the ministry said") are marked as such; the caller resolves them
//! to the article's previous reporter.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::lexicon::Lexicon;
use super::text::{Kind, Token};
use crate::profile::{ReporterKind, Role};

/// Who reported a figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReporterRef {
    /// The profile's reporter id, or `<side>-<kind>` derived from the words.
    pub id: String,
    /// The side it speaks for; none for third parties and unknowns.
    pub side: Option<String>,
    /// What kind of body it is.
    pub kind: ReporterKind,
}

/// An attribution found in a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    /// The reporter as the sentence names it, without a leading "the".
    pub text: String,
    /// Tokens of the named reporter.
    pub toks: Range<usize>,
    /// Token of the attributing verb ("said") or of "according".
    pub verb: usize,
    /// The resolved reporter; `None` for a pronoun ("it", "the ministry").
    pub reporter: Option<ReporterRef>,
}

const PRONOUNS: &[&str] = &["it", "he", "she", "they", "we"];
// Nouns that head a reporting body or person.
const REPORTER_NOUNS: &[&str] = &[
    "ministry", "office", "ombudsman", "officials", "official", "authorities", "spokesman", "spokeswoman",
    "spokesperson", "government", "prosecutor", "prosecutors", "president", "army", "military", "committee", "service",
    "agency", "council", "defender", "commissioner", "leader", "minister", "presidency", "administration", "command",
    "headquarters", "source", "sources", "aide", "adviser", "advisor", "forces", "police", "mod", "kremlin", "icrc",
    "un", "statement", "media", "rescuers", "emergencies", "department", "envoy", "diplomat", "observers",
];
const TRAILING_NOISE: &[&str] = &[
    "has", "have", "had", "also", "later", "earlier", "previously", "separately", "again", "then", "on", "late",
    "officially", "publicly", "initially", "first", "last", "night", "today", "yesterday", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "would", "will", "could", "was", "were", "is", "are",
    "in", "a", "its", "their", "his", "her", "statement",
];

fn is_clause_break(t: &Token) -> bool {
    t.kind == Kind::Punct
        && matches!(
            t.norm.as_str(),
            "," | ";" | ":" | "(" | ")" | "\"" | "\u{201c}" | "\u{201d}" | "\u{2014}" | "\u{2013}"
        )
}

/// Every attribution in the sentence `toks` (whose text is `text`), in order of their verbs.
pub fn attributions(toks: &[Token], text: &str, lex: &Lexicon) -> Vec<Attribution> {
    let mut out = Vec::new();
    let speech = &lex.vocab.speech_verbs;
    let mut i = 0;
    while i < toks.len() {
        if toks[i].is("according") && toks.get(i + 1).is_some_and(|t| t.is("to")) {
            let start = i + 2;
            let mut end = start;
            while end < toks.len() && end - start < 12 && !is_clause_break(&toks[end]) && !toks[end].is_punct('.') {
                end += 1;
            }
            if let Some(a) = make(toks, text, start..end, i, lex) {
                out.push(a);
            }
            i = end.max(i + 1);
            continue;
        }
        let Some(verb_end) = speech.at(toks, i) else {
            i += 1;
            continue;
        };
        if toks[i].is("according") {
            i += 1;
            continue;
        }
        // "put the toll at": only "put" followed by a figure word counts as attribution.
        if toks[i].is("put")
            && !toks.get(i + 1..i + 4).is_some_and(|w| {
                w.iter()
                    .any(|t| matches!(t.norm.as_str(), "toll" | "number" | "figure"))
            })
        {
            i += 1;
            continue;
        }
        // Passive: "the toll reported by the Artsakh Defence Army rose to ...": the name after
        // "by", as far as it reads like one.
        if toks.get(verb_end).is_some_and(|t| t.is("by")) {
            let start = verb_end + 1;
            let mut end = start;
            while end < toks.len()
                && end - start < 10
                && !is_clause_break(&toks[end])
                && (toks[end].upper
                    || toks[end].possessive
                    || toks[end].is_punct('-')
                    || REPORTER_NOUNS.contains(&toks[end].norm.as_str())
                    || matches!(
                        toks[end].norm.as_str(),
                        "the" | "of" | "defence" | "defense" | "general"
                    ))
            {
                end += 1;
            }
            if let Some(a) = make(toks, text, start..end, i, lex) {
                out.push(a);
                i = end;
                continue;
            }
        }
        // Before the verb: back to the clause start.
        // A parenthesis inside the name is part of it: "the Defense Ministry of the
        // Nagorno-Karabakh Republic (NKR) reported".
        let mut start = i;
        while start > 0 && i - start < 16 && !toks[start - 1].is("that") {
            if toks[start - 1].is_punct(')')
                && let Some(open) = toks[..start - 1].iter().rposition(|t| t.is_punct('('))
            {
                start = open;
                continue;
            }
            if is_clause_break(&toks[start - 1]) {
                break;
            }
            start -= 1;
        }
        let mut found = make(toks, text, start..i, i, lex);
        if found.is_none() {
            // After the verb: "..., said the ministry", "said Shushan Stepanyan, a spokeswoman".
            let mut end = verb_end;
            while end < toks.len() && end - verb_end < 10 && !is_clause_break(&toks[end]) && !toks[end].is_punct('.') {
                end += 1;
            }
            found = make(toks, text, verb_end..end, i, lex);
        }
        if let Some(a) = found {
            out.push(a);
        }
        i = verb_end;
    }
    // "the ministry's figures", "Baku's tally"
    for (k, t) in toks.iter().enumerate() {
        if t.possessive
            && toks.get(k + 1).is_some_and(|n| {
                matches!(
                    n.norm.as_str(),
                    "figures" | "data" | "statistics" | "tally" | "count" | "list" | "toll"
                )
            })
        {
            let mut start = k;
            while start > 0
                && k - start < 6
                && !is_clause_break(&toks[start - 1])
                && (toks[start - 1].upper || toks[start - 1].possessive || toks[start - 1].is_punct('-'))
            {
                start -= 1;
            }
            if let Some(a) = make(toks, text, start..k + 1, k + 1, lex)
                && !out.iter().any(|o| o.toks.start <= k && k < o.toks.end)
            {
                out.push(a);
            }
        }
    }
    out.sort_by_key(|a| a.verb);
    out
}

// Builds an attribution from the tokens `range` if they plausibly name a reporter.
fn make(toks: &[Token], text: &str, mut range: Range<usize>, verb: usize, lex: &Lexicon) -> Option<Attribution> {
    while range.end > range.start && TRAILING_NOISE.contains(&toks[range.end - 1].norm.as_str()) {
        range.end -= 1;
    }
    // "(published) by the ministry", "the", "and", "but" are not part of the name.
    while range.start < range.end && matches!(toks[range.start].norm.as_str(), "the" | "and" | "but" | "by") {
        range.start += 1;
    }
    // "the ministry on its official website", "the ministry via Telegram": where, not who.
    if let Some(cut) = toks[range.clone()]
        .iter()
        .position(|t| t.is("on") || t.is("via"))
        .filter(|&p| p > 0)
    {
        range.end = range.start + cut;
    }
    if range.is_empty() || range.len() > 16 {
        return None;
    }
    let np = &toks[range.clone()];
    // A figure or a quote is not a reporter: "16 servicemen were killed, said ..." is handled by
    // the other direction.
    if np.iter().any(|t| t.kind == Kind::Number) {
        return None;
    }
    let pronoun = np.len() == 1 && PRONOUNS.contains(&np[0].norm.as_str());
    let named = lex.reporters.within(toks, range.clone()).first().cloned();
    let side = lex.sides.within(toks, range.clone()).first().map(|m| m.entry);
    let actor = lex.actors.within(toks, range.clone()).first().map(|m| m.entry);
    let has_noun = np.iter().any(|t| REPORTER_NOUNS.contains(&t.norm.as_str()));
    // A capitalised word names something, unless it is capitalised only for starting the sentence.
    let first_word = toks.iter().position(|t| t.kind != Kind::Punct).unwrap_or(0);
    let has_name = np
        .iter()
        .enumerate()
        .any(|(k, t)| t.upper && range.start + k != first_word);
    if !(pronoun || named.is_some() || side.is_some() || actor.is_some() || has_noun || has_name) {
        return None;
    }
    let written = text[toks[range.start].span.start..toks[range.end - 1].span.end].to_string();
    let reporter = if let Some(m) = named {
        let r = &lex.profile.reporters[m.entry];
        Some(ReporterRef {
            id: r.id.clone(),
            side: r.side.clone(),
            kind: r.kind,
        })
    } else if pronoun || is_anaphoric(np, side.is_some() || actor.is_some() || has_name) {
        None
    } else {
        Some(derive(np, side, actor, lex))
    };
    Some(Attribution {
        text: written,
        toks: range,
        verb,
        reporter,
    })
}

// "the ministry", "officials", "the spokesman": a body already named earlier in the article.
fn is_anaphoric(np: &[Token], named: bool) -> bool {
    !named && np.len() <= 3
}

// A reporter the profile does not list: its side from the side or actor it names, its kind from
// the words.
fn derive(np: &[Token], side: Option<usize>, actor: Option<usize>, lex: &Lexicon) -> ReporterRef {
    let has = |w: &str| np.iter().any(|t| t.norm == w);
    let kind = if has("prosecutor") || has("prosecutors") || has("prosecutor-general") {
        ReporterKind::Prosecutor
    } else if has("ombudsman") || (has("rights") && (has("defender") || has("commissioner"))) {
        ReporterKind::Ombudsman
    } else if has("health") || has("forensic") || has("hospital") || has("hospitals") {
        ReporterKind::Health
    } else if has("defence")
        || has("defense")
        || has("mod")
        || has("army")
        || has("military")
        || has("armed")
        || has("forces")
        || has("command")
    {
        ReporterKind::Military
    } else if has("icrc") || (has("red") && has("cross")) || has("amnesty") || (has("watch") && has("rights")) {
        ReporterKind::International
    } else if has("agency") || has("news") || has("television") || has("newspaper") || has("outlet") || has("channel") {
        ReporterKind::Media
    } else if has("president")
        || has("government")
        || has("minister")
        || has("ministry")
        || has("spokesman")
        || has("spokeswoman")
        || has("spokesperson")
        || has("officials")
        || has("authorities")
        || has("aide")
        || has("presidency")
        || has("kremlin")
        || has("leader")
    {
        ReporterKind::Government
    } else {
        ReporterKind::Other
    };
    let actor = actor.map(|a| &lex.profile.actors[a]);
    // "the Nagorno-Karabakh defence ministry", "Ganja's mayor": a place speaks for its holder.
    let place_side = || {
        let words: Vec<Token> = np.to_vec();
        lex.locations
            .all(&words)
            .iter()
            .find_map(|m| lex.profile.locations[m.entry].held_by.clone())
    };
    let side = side
        .map(|s| lex.profile.sides[s].id.clone())
        .or_else(|| actor.and_then(|a| a.side.clone()))
        .or_else(place_side);
    // A body of a non-belligerent actor (the UN, Russia as mediator) is a third party.
    let kind = match (actor, &side) {
        (Some(a), None) if matches!(a.role, Role::InternationalBody) => ReporterKind::International,
        _ => kind,
    };
    let owner = match (&side, actor) {
        (Some(s), _) => s.clone(),
        (None, Some(a)) => a.id.clone(),
        (None, None) => "unknown".to_string(),
    };
    ReporterRef {
        id: format!("{owner}-{}", kind_slug(kind)),
        side,
        kind,
    }
}

/// The kebab-case name of a kind, as in reporter ids.
pub fn kind_slug(kind: ReporterKind) -> &'static str {
    match kind {
        ReporterKind::Military => "military",
        ReporterKind::Prosecutor => "prosecutor",
        ReporterKind::Ombudsman => "ombudsman",
        ReporterKind::Health => "health",
        ReporterKind::Government => "government",
        ReporterKind::International => "international",
        ReporterKind::Media => "media",
        ReporterKind::Other => "other",
    }
}

#[cfg(test)]
mod tests;
