//! Casualty figures: for each cardinal number in a sentence, whether it counts people who were
//! killed, wounded, went missing or were captured, and then whose people, how exact, running
//! total or one event, where, and by whose count.
//!
//! Pure rules over one analysed `Sentence`. A number must be followed by a person noun (or stand
//! in a toll phrase, or before an outcome word like "16 killed") and be tied to an outcome word;
//! years, ages, dates, distances, money, vague amounts and subsets ("including two children")
//! never count.

use std::ops::Range;

use super::lexicon::{Lexicon, Phrases};
use super::numbers::Number;
use super::text::{Kind, Token};
use super::{Bound, Casualty, Group, Outcome, Scope, Sentence};

// Words that may stand between a number and its noun: "16 more Armenian servicemen".
const MODIFIERS: &[&str] = &[
    "more", "other", "additional", "further", "young", "elderly", "local", "ethnic", "unarmed", "innocent", "peaceful",
    "civilian", "military", "army", "armed", "enemy", "own", "separatist", "separatists", "seriously", "severely",
    "badly", "critically", "lightly", "slightly", "newly", "wounded", "injured", "identified", "unidentified",
    "active", "regular", "reserve", "volunteer", "foreign", "syrian", "special", "forces", "backed", "led",
];
// Words after a number that make it something other than a count of people.
const UNITS: &[&str] = &[
    "percent", "per", "%", "km", "kilometres", "kilometers", "kilometre", "kilometer", "miles", "mile", "metres",
    "meters", "metre", "meter", "hectares", "tonnes", "tons", "dollars", "euros", "manats", "manat", "drams", "dram",
    "rubles", "roubles", "pounds", "million", "billion", "trillion", "days", "day", "hours", "hour", "minutes",
    "weeks", "week", "months", "month", "years", "year", "times", "am", "pm", "a.m", "p.m", "gmt", "utc", "mm", "mph",
];
const CURRENCY: &[&str] = &["$", "€", "£", "₼", "₽", "֏"];
// Words that introduce a subset of a figure already counted.
const SUBSET: &[&str] = &["including", "among", "of", "whom", "incl"];
// Words marking a running total.
const CUMULATIVE: &[&str] = &[
    "since", "so far", "in total", "in all", "total", "overall", "to date", "altogether", "cumulative", "toll",
    "has risen to", "rose to", "risen to", "bringing", "the number of", "losses", "list of", "names of", "thus far",
    "up to now", "until now", "throughout", "during the war", "during the conflict", "in the war",
];
// Nouns of one event; "the toll from the strike" is that strike's.
const INCIDENT_NOUNS: &[&str] = &[
    "strike", "strikes", "attack", "attacks", "shelling", "bombing", "blast", "explosion", "missile", "rocket", "raid",
    "ambush", "airstrike", "bombardment", "incident", "assault",
];
// Words naming who attacked: "Armenian shelling", "Azerbaijani forces".
const ATTACK_WORDS: &[&str] = &[
    "shelling", "shells", "fire", "strike", "strikes", "attack", "attacks", "drone", "drones", "missile", "missiles",
    "rocket", "rockets", "artillery", "forces", "troops", "army", "military", "bombardment", "airstrike", "soldiers",
    "armed", "aviation", "provocation", "provocations", "aggression", "bombing", "offensive", "units",
];
// Nouns for who attacks: "the armed forces of Armenia" names the attacker...
const ATTACKER_NOUNS: &[&str] = &[
    "forces", "troops", "army", "military", "units", "groups", "soldiers", "aviation", "aggression", "provocation",
    "provocations",
];
// ... while "shelling of Azerbaijani towns", "attacks on Azerbaijan" name the target.
const ACTION_NOUNS: &[&str] = &[
    "shelling", "fire", "strike", "strikes", "attack", "attacks", "bombardment", "bombing", "airstrike", "airstrikes",
    "missile", "missiles", "rocket", "rockets",
];
// Words that may follow a toll's figure: "rose to 45 since", "stood at 45, according to".
const TOLL_FOLLOWERS: &[&str] = &[
    "since", "as", "in", "on", "from", "so", "and", "according", "after", "by", "over", "during", "with", "including",
    "among", "today", "yesterday", "now", "the", "people", "persons",
];
const TOLL_WORDS: &[&str] = &["toll", "tally", "losses", "deaths", "fatalities", "dead"];

struct NounPhrase {
    group: Option<Group>,
    /// "100 wounded soldiers": the outcome given as an adjective.
    adj_outcome: Option<Outcome>,
    party: Option<String>,
    /// "its", "their", "our": the reporter's own people.
    own: bool,
    /// "enemy": the other side's people.
    enemy: bool,
    /// "others", "of them": the people of the previous figure.
    inherits: bool,
    /// A nationality that is no side's: "two French reporters".
    foreign: bool,
    end: usize,
}

/// Casualty facts of one sentence.
pub fn extract(s: &Sentence<'_>, lex: &Lexicon) -> Vec<Casualty> {
    let toks = &s.toks;
    let mut out: Vec<Casualty> = Vec::new();
    if s.historical {
        return out;
    }
    let subset = subsets(s, lex);
    for (idx, n) in s.numbers.iter().enumerate() {
        if !could_count_people(toks, n) || subset[idx] {
            continue;
        }
        let next_number = s.numbers.get(idx + 1).map(|m| m.toks.start).unwrap_or(toks.len());
        let np = noun_phrase(s, lex, n.toks.end);
        let after = np.as_ref().map_or(n.toks.end, |p| p.end);
        let (mut outcome, agent_before) = match outcome_before(toks, n.toks.start) {
            Some((o, verb)) => (Some(o), Some(verb)),
            None => (None, None),
        };
        let toll = toll_before(toks, lex, n.toks.start, n.toks.end);
        if outcome.is_none() {
            outcome = outcome_after(s, lex, after, next_number, &subset);
        }
        if outcome.is_none() {
            outcome = np.as_ref().and_then(|p| p.adj_outcome);
        }
        if outcome.is_none()
            && let Some(t) = &toll
        {
            outcome = Some(t.outcome);
        }
        // "the wounding of nine soldiers and one civilian", "one civilian was killed in Armenia,
        // and 7 in Artsakh": a figure joined to the previous one shares its outcome.
        let joined = out.last().is_some_and(|p| {
            let prev_end = s
                .numbers
                .iter()
                .position(|m| toks[m.toks.start].span.start == p.figure[0])
                .and_then(|i| s.numbers.get(i).map(|m| m.toks.end));
            // "... and at least 90": the bound sits between the conjunction and the figure.
            let mut b = n.toks.start;
            while b > 0 && is_bound_word(&toks[b - 1]) {
                b -= 1;
            }
            prev_end.is_some_and(|e| e < b && toks[e..b].iter().any(|t| t.is("and")))
                && b >= 1
                && (toks[b - 1].is("and") || toks[b - 1].is_punct(','))
        });
        let gapped = joined
            && np.as_ref().is_none_or(|p| p.group.is_none())
            && toks.get(n.toks.end).is_some_and(|t| t.is("in") || t.is("at"));
        if outcome.is_none() && (gapped || (joined && np.as_ref().is_some_and(|p| p.group.is_some()))) {
            outcome = out.last().map(|p| p.outcome);
        }
        let Some(outcome) = outcome else { continue };
        // Without a person noun, a figure counts only in a toll phrase, right before an outcome
        // word ("16 killed"), or after an active verb in a sentence that already counted people.
        let has_noun = np.as_ref().is_some_and(|p| p.group.is_some() || p.inherits) || gapped;
        let bare_ok =
            toll.is_some() || starts_outcome(toks, lex, n.toks.end) || (agent_before.is_some() && !out.is_empty());
        if !has_noun && !bare_ok {
            continue;
        }
        let previous = out.last();
        let inherits =
            np.as_ref().is_some_and(|p| p.inherits) || gapped || (!has_noun && toll.is_none() && previous.is_some());
        let lost_men =
            agent_before.is_some_and(|v| matches!(toks[v].norm.as_str(), "lost" | "lose" | "loses" | "losing"));
        let mut group = np
            .as_ref()
            .and_then(|p| p.group)
            .or_else(|| toll.as_ref().and_then(|t| t.group))
            .or_else(|| if inherits { previous.map(|p| p.group) } else { None })
            .unwrap_or(Group::Unknown);
        if group == Group::Unknown && toll.is_some() && toks[..n.toks.start].iter().any(|t| t.is("losses")) {
            group = Group::Military;
        }
        // "Azerbaijan has lost 1,280 men": a side's losses are soldiers.
        if group == Group::Unknown && lost_men {
            group = Group::Military;
        }
        // "11 deaths ... have been recorded among civilians"
        if group == Group::Unknown {
            group = among_group(toks, lex, n.toks.end).unwrap_or(group);
        }

        let attribution = s.attribution_for(n.toks.start);
        let reporter = attribution.and_then(|a| a.reporter.clone());
        let reporter_side = reporter.as_ref().and_then(|r| r.side.clone());
        let scope = scope(s);
        let location = s
            .place_near(lex, n.toks.start, attribution.map(|a| &a.toks))
            .or(if scope == Scope::Incident {
                s.context_location
            } else {
                None
            })
            .map(|i| lex.profile.locations[i].id.clone());
        let ctx = PartyContext {
            np: np.as_ref(),
            own: np.as_ref().is_some_and(|p| p.own) || toll.as_ref().is_some_and(|t| t.own),
            toll_phrase: toll.as_ref().map(|t| t.phrase.clone()),
            agent_verb: agent_before,
            reporter_side: reporter_side.as_deref(),
            attribution: attribution.map(|a| a.toks.clone()),
            location: location.as_deref(),
            group,
        };
        // "and seven in Artsakh": a gapped figure names its own place.
        let gapped_party = if gapped && group != Group::Military {
            let at = n.toks.end + 1;
            s.sides
                .iter()
                .find(|m| m.toks.start == at)
                .map(|m| lex.profile.sides[m.entry].id.clone())
                .or_else(|| {
                    s.locations
                        .iter()
                        .find(|m| m.toks.start == at)
                        .and_then(|m| lex.profile.locations[m.entry].held_by.clone())
                })
        } else {
            None
        };
        // "34 others": the previous figure's people, unless the words say otherwise.
        let explicit = np.as_ref().and_then(|p| p.party.clone()).or(gapped_party);
        let party = match (
            explicit,
            inherits.then(|| previous.and_then(|p| p.party.clone())).flatten(),
        ) {
            (Some(p), _) => Some(p),
            (None, Some(p)) => Some(p),
            // "two French reporters": people of neither side.
            (None, None) if np.as_ref().is_some_and(|p| p.foreign) => None,
            (None, None) => party(s, lex, n, &ctx),
        };

        let figure = toks[n.toks.start].span.start..toks[n.toks.end - 1].span.end;
        out.push(Casualty {
            count: n.value,
            outcome,
            group,
            party,
            bound: bound(toks, n.toks.start),
            scope,
            location,
            reported_by: attribution.filter(|a| a.reporter.is_some()).map(|a| a.text.clone()),
            reporter,
            as_of: as_of(s),
            evidence: s.evidence(),
            span: s.span_pair(),
            figure: [figure.start, figure.end],
        });
    }
    out
}

// "among civilians", "among the servicemen" shortly after a figure says who it counts.
fn among_group(toks: &[Token], lex: &Lexicon, from: usize) -> Option<Group> {
    let end = (from + 10).min(toks.len());
    let k = (from..end).find(|&k| toks[k].is("among"))?;
    let j = if toks.get(k + 1).is_some_and(|t| t.is("the")) {
        k + 2
    } else {
        k + 1
    };
    if lex.vocab.civilian.starts(toks, j) {
        Some(Group::Civilian)
    } else if lex.vocab.military.starts(toks, j) || toks.get(j).is_some_and(|t| t.is("military")) {
        Some(Group::Military)
    } else {
        None
    }
}

// Years, ages, dates, times, distances and money are never counts of people.
fn could_count_people(toks: &[Token], n: &Number) -> bool {
    let prev = n.toks.start.checked_sub(1).map(|i| &toks[i]);
    let next = toks.get(n.toks.end);
    let next2 = toks.get(n.toks.end + 1);
    let t = &toks[n.toks.start];
    // A year: four digits without a comma, unless people follow it directly.
    if !n.in_words && (1900..=2100).contains(&n.value) && !t.norm.contains(',') {
        return false;
    }
    if prev.is_some_and(|p| {
        CURRENCY.contains(&p.norm.as_str()) || p.is("aged") || p.is("age") || super::dates::month(p).is_some()
    }) {
        return false;
    }
    if next.is_some_and(|x| UNITS.contains(&x.norm.as_str()) || super::dates::month(x).is_some()) {
        return false;
    }
    // "12-year-old", "65 years old"
    if next.is_some_and(|x| x.is_punct('-')) && next2.is_some_and(|x| x.is("year") || x.is("years")) {
        return false;
    }
    // "one of them", "one another", "no one"
    if n.value == 1 && n.in_words && (next.is_some_and(|x| x.is("another")) || prev.is_some_and(|p| p.is("no"))) {
        return false;
    }
    true
}

// "including two children", "among them three women", "of whom 60 men and 13 women": parts of a
// figure already counted. A list that starts as a subset stays one.
fn subsets(s: &Sentence<'_>, lex: &Lexicon) -> Vec<bool> {
    let toks = &s.toks;
    let mut out: Vec<bool> = Vec::with_capacity(s.numbers.len());
    for (i, n) in s.numbers.iter().enumerate() {
        let start = n.toks.start;
        let from = if i > 0 { s.numbers[i - 1].toks.end } else { 0 };
        // An outcome word or a closing bracket ends a breakdown.
        let closed = |a: usize| {
            (a..start).any(|k| outcome_at(toks, lex, k).is_some() || toks[k].is_punct(')') || toks[k].is_punct(';'))
        };
        let marked = (from..start).any(|k| {
            let t = &toks[k];
            let marker = (SUBSET.contains(&t.norm.as_str()) && !t.is("of") && !t.is("among"))
                || (t.is("among")
                    && toks
                        .get(k + 1)
                        .is_some_and(|w| matches!(w.norm.as_str(), "them" | "whom" | "those")))
                || (t.is("of")
                    && toks
                        .get(k + 1)
                        .is_some_and(|w| matches!(w.norm.as_str(), "whom" | "them" | "those")));
            marker && !closed(k + 1)
        });
        // A breakdown goes on ("among them a girl, four women and two men") until it is closed.
        let listed = i > 0 && out[i - 1] && !closed(from);
        out.push(marked || listed);
    }
    out
}

fn noun_phrase(s: &Sentence<'_>, lex: &Lexicon, start: usize) -> Option<NounPhrase> {
    let toks = &s.toks;
    let mut np = NounPhrase {
        group: None,
        adj_outcome: None,
        party: None,
        own: false,
        enemy: false,
        inherits: false,
        foreign: false,
        end: start,
    };
    let mut hint: Option<Group> = None;
    let mut j = start;
    // Partitive: "one of the soldiers", "two of its servicemen", "three of them".
    if toks.get(j).is_some_and(|t| t.is("of")) {
        j += 1;
        match toks.get(j).map(|t| t.norm.as_str()) {
            // "39 of them": part of a figure given before, never a figure of its own.
            Some("them" | "those" | "these" | "whom") => return None,
            Some("the" | "its" | "their" | "our" | "his" | "her") => {
                np.own = matches!(toks[j].norm.as_str(), "its" | "their" | "our");
                j += 1;
            }
            _ => return None,
        }
    }
    for _ in 0..6 {
        let Some(t) = toks.get(j) else { break };
        if let Some(m) = s.sides.iter().find(|m| m.toks.start == j) {
            np.party = Some(lex.profile.sides[m.entry].id.clone());
            j = m.toks.end;
            continue;
        }
        // A place as an adjective: "Stepanakert residents", "Nagorno-Karabakh servicemen".
        if let Some(m) = s.locations.iter().find(|m| m.toks.start == j)
            && let Some(held) = lex.profile.locations[m.entry].held_by.clone()
        {
            np.party = Some(held);
            j = m.toks.end;
            continue;
        }
        match t.norm.as_str() {
            "its" | "their" | "our" => np.own = true,
            "enemy" => np.enemy = true,
            "civilian" => hint = Some(Group::Civilian),
            "wounded" | "injured" => np.adj_outcome = Some(Outcome::Injured),
            "missing" => np.adj_outcome = Some(Outcome::Missing),
            "captured" | "captive" => np.adj_outcome = Some(Outcome::Captured),
            "dead" | "killed" | "deceased" | "fallen" | "martyred" => np.adj_outcome = Some(Outcome::Killed),
            "military" | "army" | "armed" => hint = Some(Group::Military),
            w if MODIFIERS.contains(&w) => {}
            "-" if t.kind == Kind::Punct => {}
            // A nationality or a name as an adjective: "two French reporters".
            // "Turkish-backed" too: the hyphen and "backed" are skipped as modifiers.
            _ if t.kind == Kind::Word
                && t.upper
                && toks.get(j + 1).is_none_or(|n| n.kind != Kind::Punct || n.is_punct('-')) =>
            {
                np.foreign = true;
            }
            _ => break,
        }
        j += 1;
    }
    let noun = |p: &Phrases| p.at(toks, j);
    if let Some(end) = noun(&lex.vocab.military) {
        np.group = Some(Group::Military);
        np.end = end;
    } else if let Some(end) = noun(&lex.vocab.civilian) {
        np.group = Some(Group::Civilian);
        np.end = end;
    } else if let Some(end) = noun(&lex.vocab.person) {
        np.end = end;
        if toks[j].is("others") {
            np.inherits = true;
            np.group = hint;
        } else {
            np.group = Some(hint.unwrap_or(Group::Unknown));
        }
    } else if np.party.is_some()
        && toks.get(j).is_some_and(|t| t.is("and"))
        && let Some(next) = s.numbers.iter().find(|m| m.toks.start == j + 1)
        && let Some(shared) = noun_phrase(s, lex, next.toks.end).filter(|p| p.group.is_some())
    {
        // "93 Azerbaijani and 50 Armenian civilians": the noun is shared.
        np.group = shared.group;
        np.end = j;
        return Some(np);
    } else {
        // No noun ("16 killed"); adjectives alone may still say who ("45 civilian deaths"), but
        // not when another noun follows them ("40 civilian facilities").
        let other_noun = toks.get(j).is_some_and(|t| {
            t.kind == Kind::Word
                && outcome_at(toks, lex, j).is_none()
                && !matches!(
                    t.norm.as_str(),
                    "were"
                        | "was"
                        | "have"
                        | "has"
                        | "had"
                        | "are"
                        | "is"
                        | "been"
                        | "in"
                        | "on"
                        | "at"
                        | "since"
                        | "so"
                        | "and"
                        | "during"
                )
        });
        np.group = hint;
        np.end = start;
        np.adj_outcome = None;
        if other_noun || (np.party.is_none() && hint.is_none() && !np.own && !np.enemy) {
            return None;
        }
    }
    // "2,783 servicemen of the Azerbaijani armed forces": whose they are, after the noun.
    if np.party.is_none() && np.group.is_some() && toks.get(np.end).is_some_and(|t| t.is("of")) {
        let at = np.end + 1 + usize::from(toks.get(np.end + 1).is_some_and(|t| t.is("the")));
        if let Some(m) = s.sides.iter().find(|m| m.toks.start == at) {
            np.party = Some(lex.profile.sides[m.entry].id.clone());
        }
    }
    Some(np)
}

// An outcome word right at `i` (after optional adverbs): "16 killed", "45 dead".
fn starts_outcome(toks: &[Token], lex: &Lexicon, mut i: usize) -> bool {
    while toks.get(i).is_some_and(|t| {
        matches!(
            t.norm.as_str(),
            "were" | "was" | "have" | "had" | "been" | "more" | "others"
        )
    }) {
        i += 1;
    }
    outcome_at(toks, lex, i).is_some()
}

fn outcome_at(toks: &[Token], lex: &Lexicon, i: usize) -> Option<(Outcome, usize)> {
    let v = &lex.vocab;
    [
        (Outcome::Killed, &v.killed),
        (Outcome::Injured, &v.injured),
        (Outcome::Missing, &v.missing),
        (Outcome::Captured, &v.captured),
    ]
    .into_iter()
    .filter_map(|(o, p)| p.at(toks, i).map(|end| (o, end)))
    .max_by_key(|&(_, end)| end)
}

// An outcome after the noun phrase, before the clause moves on to another figure.
fn outcome_after(s: &Sentence<'_>, lex: &Lexicon, from: usize, next_number: usize, subset: &[bool]) -> Option<Outcome> {
    let toks = &s.toks;
    let mut limit = (from + 18).min(toks.len());
    let mut k = from;
    while k < limit {
        let t = &toks[k];
        if t.kind == Kind::Punct && matches!(t.norm.as_str(), ";" | ":" | "." | "?" | "!") {
            return None;
        }
        // ", who fought for ..., were killed": a relative clause between the figure and its verb.
        if t.is_punct(',')
            && toks.get(k + 1).is_some_and(|w| w.is("who") || w.is("which"))
            && let Some(close) = toks[k + 1..].iter().position(|w| w.is_punct(','))
        {
            limit = (limit + close + 1).min(toks.len());
            k += close + 2;
            continue;
        }
        // "(7 females and 24 males)": a breakdown in parentheses, skipped.
        if t.is_punct('(')
            && let Some(close) = toks[k..].iter().position(|w| w.is_punct(')'))
        {
            limit = (limit + close + 1).min(toks.len());
            k += close + 1;
            continue;
        }
        // Another figure of its own starts here ("... and 34 others were injured"), unless it is
        // a second subject of the same verb ("200 Armenian soldiers and 80 Azerbaijani personnel
        // were killed").
        if k >= next_number
            && let Some(m) = s
                .numbers
                .iter()
                .enumerate()
                .find(|(i, m)| m.toks.start == k && !subset[*i])
                .map(|(_, m)| m)
        {
            let coordinated = k > 0 && (toks[k - 1].is("and") || toks[k - 1].is_punct(','));
            if !coordinated {
                return None;
            }
            // Skip the other figure and its noun phrase: only a verb after both is shared.
            k = noun_phrase(s, lex, m.toks.end).map_or(m.toks.end, |p| p.end);
            continue;
        }
        if matches!(
            t.norm.as_str(),
            "while" | "whereas" | "after" | "when" | "as" | "because" | "who" | "which"
        ) {
            return None;
        }
        if let Some((o, _)) = outcome_at(toks, lex, k) {
            // "were not killed", "no one was hurt"
            if k > 0 && (toks[k - 1].is("not") || toks[k - 1].is("never")) {
                return None;
            }
            return Some(o);
        }
        k += 1;
    }
    None
}

// An outcome verb before the figure: "killing nine civilians", "wounded 34", "lost 16
// servicemen", "the bodies of 30 soldiers". Returns the outcome and the verb's token.
fn outcome_before(toks: &[Token], start: usize) -> Option<(Outcome, usize)> {
    if start >= 2
        && toks[start - 1].is("of")
        && matches!(
            toks[start - 2].norm.as_str(),
            "bodies"
                | "deaths"
                | "death"
                | "remains"
                | "lives"
                | "names"
                | "murder"
                | "murders"
                | "killing"
                | "killings"
                | "loss"
                | "losses"
        )
    {
        return Some((Outcome::Killed, start - 2));
    }
    if start >= 2
        && toks[start - 1].is("of")
        && matches!(toks[start - 2].norm.as_str(), "wounding" | "injuring" | "injuries")
    {
        return Some((Outcome::Injured, start - 2));
    }
    let mut k = start;
    // Skip the bound: "killing at least nine".
    let mut skipped = 0;
    while k > 0 && skipped < 3 && is_bound_word(&toks[k - 1]) {
        k -= 1;
        skipped += 1;
    }
    let prev = k.checked_sub(1)?;
    let t = &toks[prev];
    let o = match t.norm.as_str() {
        "killing" | "killed" | "kill" | "kills" => Outcome::Killed,
        "wounding" | "wounded" | "injuring" | "injured" | "wound" | "injure" => Outcome::Injured,
        "capturing" | "captured" | "capture" => Outcome::Captured,
        "lost" | "lose" | "loses" | "losing" => Outcome::Killed,
        _ => return None,
    };
    Some((o, prev))
}

// "the death toll rose to 45", "a toll of 45", "losses stand at 2,783", "the number of dead
// reached 80": the figure is a toll. Returns the outcome and the group the words give.
struct Toll {
    outcome: Outcome,
    group: Option<Group>,
    /// The toll phrase, from a little before the toll word to the figure.
    phrase: Range<usize>,
    /// "its death toll", "the toll among their servicemen": the reporter's own people.
    own: bool,
}

fn toll_before(toks: &[Token], lex: &Lexicon, start: usize, end: usize) -> Option<Toll> {
    // The figure must end the phrase, or be followed by people or an outcome: "rose to 45.",
    // "rose to 45 people", "stands at 45 dead"; "1,165 houses" is no toll.
    let after_ok = match toks.get(end) {
        None => true,
        Some(t) if t.kind == Kind::Punct => true,
        Some(t) if t.kind == Kind::Number => false,
        Some(_) => {
            let v = &lex.vocab;
            [
                &v.military, &v.civilian, &v.person, &v.killed, &v.injured, &v.missing, &v.captured,
            ]
            .iter()
            .any(|p| p.starts(toks, end))
                || TOLL_FOLLOWERS.contains(&toks[end].norm.as_str())
        }
    };
    if !after_ok {
        return None;
    }
    let mut k = start;
    let mut steps = 0;
    while k > 0 && steps < 18 {
        let t = &toks[k - 1];
        if TOLL_WORDS.contains(&t.norm.as_str()) || (t.is("number") && toks.get(k).is_some_and(|n| n.is("of"))) {
            let window = &toks[k.saturating_sub(4)..(k + 5).min(toks.len())];
            let outcome = if window
                .iter()
                .any(|w| matches!(w.norm.as_str(), "wounded" | "injured" | "injuries"))
            {
                Outcome::Injured
            } else {
                Outcome::Killed
            };
            // "the number of" needs a casualty word after it.
            if t.is("number")
                && !window.iter().any(|w| {
                    matches!(
                        w.norm.as_str(),
                        "dead" | "killed" | "deaths" | "victims" | "fatalities" | "wounded" | "injured"
                    )
                })
            {
                return None;
            }
            let phrase = &toks[k.saturating_sub(4)..start];
            let phrase_at = |p: &Phrases| (k.saturating_sub(4)..start).any(|i| p.at(toks, i).is_some());
            let group = if phrase.iter().any(|w| w.is("civilian")) || phrase_at(&lex.vocab.civilian) {
                Some(Group::Civilian)
            } else if phrase.iter().any(|w| w.is("military") || w.is("army")) || phrase_at(&lex.vocab.military) {
                Some(Group::Military)
            } else {
                None
            };
            let own = phrase
                .iter()
                .any(|w| matches!(w.norm.as_str(), "its" | "their" | "our"));
            return Some(Toll {
                outcome,
                group,
                own,
                phrase: k.saturating_sub(4)..start,
            });
        }
        // The phrase between the toll word and the figure may say anything ("the number of its
        // servicemen killed in hostilities with Azerbaijani forces had increased by 35 to"), but
        // not end a clause or hold another figure (other than "by 35" and dates).
        let stop = match t.kind {
            Kind::Punct => matches!(t.norm.as_str(), ";" | ":" | "." | "?" | "!"),
            Kind::Number => {
                let increment = k >= 2 && toks[k - 2].is("by");
                let date = k >= 2 && super::dates::month(&toks[k - 2]).is_some();
                !(increment || date)
            }
            Kind::Word => matches!(t.norm.as_str(), "but" | "while" | "whereas" | "although"),
        };
        if stop {
            return None;
        }
        k -= 1;
        steps += 1;
    }
    None
}

fn is_bound_word(t: &Token) -> bool {
    matches!(
        t.norm.as_str(),
        "at" | "least"
            | "most"
            | "more"
            | "than"
            | "over"
            | "about"
            | "around"
            | "some"
            | "nearly"
            | "almost"
            | "approximately"
            | "roughly"
            | "an"
            | "estimated"
            | "up"
            | "to"
            | "fewer"
            | "less"
            | "under"
            | "as"
            | "many"
            | "just"
            | "well"
            | "upwards"
            | "another"
            | "further"
            | "close"
    )
}

fn bound(toks: &[Token], start: usize) -> Bound {
    let w = |back: usize| start.checked_sub(back).map(|i| toks[i].norm.as_str()).unwrap_or("");
    match (w(2), w(1)) {
        ("at", "least") => Bound::AtLeast,
        ("at", "most") | ("up", "to") | ("fewer", "than") | ("less", "than") | ("no", "more") => Bound::AtMost,
        ("more", "than") | ("upwards", "of") | ("in", "excess") => Bound::MoreThan,
        ("as", "many") => Bound::AtMost,
        ("close", "to") => Bound::Approx,
        (_, "over") => Bound::MoreThan,
        (_, "under") => Bound::AtMost,
        (_, "about" | "around" | "some" | "nearly" | "almost" | "approximately" | "roughly" | "estimated") => {
            Bound::Approx
        }
        _ => {
            // "more than" with "as many as" three back: "as many as 100".
            if w(3) == "as" && w(2) == "many" && w(1) == "as" {
                Bound::AtMost
            } else {
                Bound::Exact
            }
        }
    }
}

fn scope(s: &Sentence<'_>) -> Scope {
    let toks = &s.toks;
    let has_phrase = |p: &str| {
        let words: Vec<&str> = p.split(' ').collect();
        toks.windows(words.len())
            .any(|w| w.iter().zip(&words).all(|(t, x)| t.norm == *x))
    };
    // "the toll from Sunday's strike": one event's toll.
    let incident = toks.iter().enumerate().any(|(i, t)| {
        (t.is("from") || t.is("in"))
            && toks[i + 1..(i + 5).min(toks.len())]
                .iter()
                .any(|n| INCIDENT_NOUNS.contains(&n.norm.as_str()))
    });
    if incident && !has_phrase("since") && !has_phrase("so far") && !has_phrase("in total") {
        return Scope::Incident;
    }
    if CUMULATIVE.iter().any(|p| has_phrase(p)) {
        Scope::Cumulative
    } else {
        Scope::Incident
    }
}

// The date a figure stands for: a date the sentence states ("on Sunday", "as of October 14"),
// but not the start of a period ("since September 27", "since fighting began on September 27");
// else the publication date.
fn as_of(s: &Sentence<'_>) -> chrono::NaiveDate {
    s.dates
        .iter()
        .find(|w| !starts_period(s, w.toks.start))
        .map(|w| w.date)
        .unwrap_or(s.published)
}

// Whether the date at token `at` bounds a period rather than naming the day a figure stands for:
// right after "since", "from", "after", "before", "until", or in a "since ..." clause of a few
// words with no punctuation in between ("since the fighting began on September 27").
fn starts_period(s: &Sentence<'_>, at: usize) -> bool {
    const CLAUSE: usize = 7;
    let before = |i: usize| s.toks[i].norm.as_str();
    if at > 0 && matches!(before(at - 1), "since" | "from" | "after" | "before" | "until" | "till") {
        return true;
    }
    (at.saturating_sub(CLAUSE)..at)
        .rev()
        .take_while(|&i| before(i).chars().any(char::is_alphanumeric))
        .any(|i| before(i) == "since")
}

struct PartyContext<'a> {
    np: Option<&'a NounPhrase>,
    own: bool,
    toll_phrase: Option<Range<usize>>,
    agent_verb: Option<usize>,
    reporter_side: Option<&'a str>,
    attribution: Option<Range<usize>>,
    location: Option<&'a str>,
    group: Group,
}

// Whose people a figure counts, from the strongest evidence to the weakest.
fn party(s: &Sentence<'_>, lex: &Lexicon, n: &Number, c: &PartyContext<'_>) -> Option<String> {
    let toks = &s.toks;
    let other = |side: &str| -> Option<String> { lex.profile.other_side(side).map(|s| s.id.clone()) };
    let outside_attribution = |m: &&super::lexicon::Mention| {
        c.attribution
            .as_ref()
            .is_none_or(|a| m.toks.end <= a.start || m.toks.start >= a.end)
    };
    let side_id = |m: &super::lexicon::Mention| lex.profile.sides[m.entry].id.clone();
    // A side named right after "with", "by", "against" or "from" is someone else: "killed in
    // hostilities with Azerbaijani forces".
    let as_agent = |m: &super::lexicon::Mention| {
        m.toks.start >= 1 && matches!(toks[m.toks.start - 1].norm.as_str(), "with" | "by" | "against" | "from")
    };

    // "426 Armenian servicemen", "Stepanakert residents"
    if let Some(p) = c.np.and_then(|p| p.party.clone()) {
        return Some(p);
    }
    // "its servicemen", "the death toll among its servicemen": the reporter's own.
    if c.own && c.reporter_side.is_some() {
        return c.reporter_side.map(String::from);
    }
    // "the death toll among Nagorno-Karabakh servicemen"
    if let Some(phrase) = &c.toll_phrase {
        let inside = |m: &&super::lexicon::Mention| m.toks.start >= phrase.start && m.toks.end <= phrase.end;
        if let Some(m) = s
            .sides
            .iter()
            .filter(outside_attribution)
            .filter(inside)
            .find(|m| !as_agent(m))
        {
            return Some(side_id(m));
        }
        let place = s
            .locations
            .iter()
            .filter(outside_attribution)
            .filter(inside)
            .find(|m| !as_agent(m));
        if let Some(held) = place.and_then(|m| lex.profile.locations[m.entry].held_by.clone()) {
            return Some(held);
        }
    }
    let np_end = c.np.map_or(n.toks.end, |p| p.end);
    // "on the Armenian side", "among Azerbaijani servicemen", "of the Azerbaijani army"
    for k in np_end..(np_end + 10).min(toks.len()) {
        if matches!(
            toks[k].norm.as_str(),
            "side" | "army" | "forces" | "servicemen" | "soldiers" | "civilians"
        ) && let Some(m) = s.sides.iter().find(|m| m.toks.end == k)
            && m.toks.start >= 1
            && matches!(toks[m.toks.start - 1].norm.as_str(), "the" | "among")
            // "shelling from the Armenian side" names the attacker, not the victims.
            && !(m.toks.start >= 2 && toks[m.toks.start - 2].is("from"))
        {
            return Some(side_id(m));
        }
    }
    // "Azerbaijan has more than 2,700 wounded soldiers": the side that has them.
    let mut k = n.toks.start;
    while k > 0 && is_bound_word(&toks[k - 1]) {
        k -= 1;
    }
    if k >= 2
        && matches!(toks[k - 1].norm.as_str(), "has" | "had" | "have")
        && let Some(m) = s.sides.iter().filter(outside_attribution).find(|m| m.toks.end == k - 1)
    {
        return Some(side_id(m));
    }
    // "Azerbaijan's military losses rose to 2,783": a possessive side just before the figure.
    let before = n.toks.start.saturating_sub(5)..n.toks.start;
    if let Some(m) = s
        .sides
        .iter()
        .filter(outside_attribution)
        .rev()
        .find(|m| m.toks.start >= before.start && m.toks.end <= before.end && toks[m.toks.end - 1].possessive)
    {
        return Some(side_id(m));
    }
    if c.np.is_some_and(|p| p.enemy) {
        return c.reporter_side.and_then(other);
    }
    // "attacks against Azerbaijan", "shelling of Azerbaijani towns", "strikes on Armenian
    // villages": the victims' side, never the attacker.
    let is_target = |m: &&super::lexicon::Mention| {
        let st = m.toks.start;
        (st >= 1 && toks[st - 1].is("against"))
            || (st >= 2
                && (toks[st - 1].is("of") || toks[st - 1].is("on"))
                && ACTION_NOUNS.contains(&toks[st - 2].norm.as_str()))
    };
    // "Azerbaijani shelling killed nine civilians": the side opposite the agent; "Armenia lost 16
    // servicemen": the agent's own.
    if let Some(verb) = c.agent_verb {
        let clause_start = toks[..verb]
            .iter()
            .rposition(|t| t.kind == Kind::Punct && matches!(t.norm.as_str(), "," | ";" | ":"))
            .map_or(0, |i| i + 1);
        let agent = s
            .sides
            .iter()
            .filter(outside_attribution)
            .filter(|m| !is_target(m))
            .rev()
            .find(|m| m.toks.start >= clause_start && m.toks.end <= verb)
            .map(side_id)
            .or_else(|| {
                // "it", "its forces", "we": the reporter.
                toks[clause_start..verb]
                    .iter()
                    .any(|t| matches!(t.norm.as_str(), "it" | "its" | "we" | "our"))
                    .then(|| c.reporter_side.map(String::from))
                    .flatten()
            });
        if let Some(a) = agent {
            return if matches!(toks[verb].norm.as_str(), "lost" | "lose" | "loses" | "losing") {
                Some(a)
            } else {
                other(&a)
            };
        }
    }
    if let Some(m) = s.sides.iter().filter(outside_attribution).find(|m| is_target(m)) {
        return Some(side_id(m));
    }
    // "Azerbaijani shelling", "as a result of Armenian provocation", "killed by Armenian forces",
    // "the armed forces of Armenia": the people counted are of the side opposite the one named
    // as attacker, when the sentence names exactly one.
    let attackers: Vec<String> = s
        .sides
        .iter()
        .filter(outside_attribution)
        .filter(|m| {
            let next = toks.get(m.toks.end);
            let attack_after = next.is_some_and(|w| ATTACK_WORDS.contains(&w.norm.as_str()))
                || (toks[m.toks.end - 1].possessive && next.is_some_and(|w| w.is("armed") || w.is("forces")));
            let before = &toks[m.toks.start.saturating_sub(3)..m.toks.start];
            // "shelling from the Armenian side", "fire from Azerbaijani positions"
            let from_at = m.toks.start - usize::from(m.toks.start >= 1 && toks[m.toks.start - 1].is("the"));
            let fired_from =
                from_at >= 2 && toks[from_at - 1].is("from") && ATTACK_WORDS.contains(&toks[from_at - 2].norm.as_str());
            let agent_before = fired_from
                || before.last().is_some_and(|w| w.is("by"))
                || before.windows(2).any(|w| w[0].is("result") && w[1].is("of"))
                || (m.toks.start >= 2
                    && toks[m.toks.start - 1].is("of")
                    && ATTACKER_NOUNS.contains(&toks[m.toks.start - 2].norm.as_str()));
            attack_after || agent_before
        })
        .map(side_id)
        .collect();
    if let Some(first) = attackers.first()
        && attackers.iter().all(|a| a == first)
    {
        return other(first);
    }
    if c.group != Group::Military {
        // Civilians belong to the side holding the place they were hit in.
        if let Some(held) = c
            .location
            .and_then(|loc| lex.profile.location(loc))
            .and_then(|l| l.held_by.clone())
        {
            return Some(held);
        }
        // "one civilian was killed in Armenia", "civilians killed in Artsakh": a side as a place.
        if let Some(m) = s
            .sides
            .iter()
            .filter(outside_attribution)
            .find(|m| m.toks.start >= 1 && toks[m.toks.start - 1].is("in"))
        {
            return Some(side_id(m));
        }
        // "... killed since the beginning of hostilities in Nagorno-Karabakh": a region.
        let region = s.locations.iter().filter(outside_attribution).find(|m| {
            matches!(
                lex.profile.locations[m.entry].kind,
                crate::profile::LocationKind::Region
            ) && m.toks.start >= 1
                && matches!(toks[m.toks.start - 1].norm.as_str(), "in" | "of")
        });
        if let Some(held) = region.and_then(|m| lex.profile.locations[m.entry].held_by.clone()) {
            return Some(held);
        }
    }
    // A side reporting casualties without saying whose reports its own; a figure with no
    // reporter in its sentence is taken to be the article's last named reporter's.
    c.reporter_side
        .map(String::from)
        .or_else(|| s.article_reporter_side.clone())
}

#[cfg(test)]
mod tests;
