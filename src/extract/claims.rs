//! Accusations ("Azerbaijan accused Armenia of shelling Ganja") and denials ("Yerevan denied
//! the claims"), between sides or actors of the profile.
//!
//! Pure rules over one `Sentence`; the caller carries the article's last accusation so that a
//! denial can name who it answers.

use super::lexicon::{Lexicon, Mention};
use super::text::Kind;
use super::{Claim, ClaimKind, Sentence};

// Who a mention stands for in a claim: its side, else the actor itself.
fn party_of(lex: &Lexicon, side: Option<&Mention>, actor: Option<&Mention>) -> Option<String> {
    side.map(|m| lex.profile.sides[m.entry].id.clone()).or_else(|| {
        actor.map(|m| {
            lex.profile.actors[m.entry]
                .side
                .clone()
                .unwrap_or_else(|| lex.profile.actors[m.entry].id.clone())
        })
    })
}

// The party named nearest before token `at` (after `from`), or nearest after it.
fn party_before(s: &Sentence<'_>, lex: &Lexicon, from: usize, at: usize) -> Option<String> {
    let side = s.sides.iter().rev().find(|m| m.toks.start >= from && m.toks.end <= at);
    let actor = s.actors.iter().rev().find(|m| m.toks.start >= from && m.toks.end <= at);
    match (side, actor) {
        (Some(a), Some(b)) if b.toks.start > a.toks.start => party_of(lex, None, Some(b)),
        (a, b) => party_of(lex, a, b),
    }
}

fn party_after(s: &Sentence<'_>, lex: &Lexicon, at: usize, not: Option<&str>) -> Option<String> {
    let mut cands: Vec<(usize, String)> = s
        .sides
        .iter()
        .filter(|m| m.toks.start > at)
        .map(|m| (m.toks.start, lex.profile.sides[m.entry].id.clone()))
        .chain(
            s.actors
                .iter()
                .filter(|m| m.toks.start > at)
                .filter_map(|m| party_of(lex, None, Some(m)).map(|p| (m.toks.start, p))),
        )
        .collect();
    cands.sort();
    cands.into_iter().map(|(_, p)| p).find(|p| Some(p.as_str()) != not)
}

fn other_side(lex: &Lexicon, side: &str) -> Option<String> {
    lex.profile.other_side(side).map(|s| s.id.clone())
}

/// Claims of one sentence. `last_accusation` is the article's latest (by, against), updated here.
pub fn extract(s: &Sentence<'_>, lex: &Lexicon, last_accusation: &mut Option<(String, Option<String>)>) -> Vec<Claim> {
    let toks = &s.toks;
    let mut out = Vec::new();
    for i in 0..toks.len() {
        let (kind, verb_end) = if let Some(e) = lex.vocab.accuse_verbs.at(toks, i) {
            (ClaimKind::Accusation, e)
        } else if let Some(e) = lex.vocab.deny_verbs.at(toks, i) {
            (ClaimKind::Denial, e)
        } else {
            continue;
        };
        let clause_start = toks[..i]
            .iter()
            .rposition(|t| t.kind == Kind::Punct && matches!(t.norm.as_str(), ";" | ":"))
            .map_or(0, |p| p + 1);
        // The subject: the party named before the verb in its clause, else the reporter.
        let Some(by) = party_before(s, lex, clause_start, i).or_else(|| s.reporter_side(i)) else {
            continue;
        };
        // The object: the party named after the verb ("accused Armenia", "denied Azerbaijani
        // claims"), else for a denial the side whose accusation it answers.
        let against = party_after(s, lex, verb_end.saturating_sub(1), Some(&by)).or_else(|| match kind {
            // A denial answers the last accusation against its author, or, in a two-sided
            // conflict, the other side.
            ClaimKind::Denial => last_accusation
                .as_ref()
                .filter(|(accuser, _)| *accuser != by)
                .map(|(accuser, _)| accuser.clone())
                .or_else(|| other_side(lex, &by)),
            ClaimKind::Accusation => None,
        });
        if kind == ClaimKind::Accusation && against.is_none() {
            continue;
        }
        let about_start = toks[verb_end..]
            .iter()
            .position(|t| t.is("of") || t.is("for") || t.is("that"))
            .map_or(verb_end, |p| verb_end + p + 1);
        let about_end = toks[about_start..]
            .iter()
            .position(|t| t.kind == Kind::Punct && matches!(t.norm.as_str(), "," | ";" | "." | ":"))
            .map_or(toks.len(), |p| about_start + p);
        let about = if about_start < about_end {
            s.text[toks[about_start].span.start..toks[about_end - 1].span.end].to_string()
        } else {
            String::new()
        };
        if kind == ClaimKind::Accusation {
            *last_accusation = Some((by.clone(), against.clone()));
        }
        if !out
            .iter()
            .any(|c: &Claim| c.kind == kind && c.by == by && c.against == against)
        {
            out.push(Claim {
                kind,
                by,
                against,
                about,
                evidence: s.evidence(),
                span: s.span_pair(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
