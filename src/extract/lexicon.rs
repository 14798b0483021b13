//! The profile compiled for extraction: alias indexes for sides, actors, locations and
//! reporters over tokens, and the English vocabulary (built-in defaults plus the profile's
//! additions) as sets of folded words and phrases.
//!
//! Built once per profile; matching is pure. Nothing conflict-specific lives in this file:
//! every name comes from the profile, every default word is ordinary English.

use std::ops::Range;

use rustc_hash::FxHashMap;

use super::text::{Kind, Token, adjacent, tokenize};
use crate::matcher::{Matcher, MatcherError};
use crate::profile::Profile;

/// A match of an alias: which entry, over which tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Index of the entry (side, actor, location, reporter) in the profile.
    pub entry: usize,
    /// Token range in the sentence.
    pub toks: Range<usize>,
}

/// Aliases of one kind of entry, matched on folded word sequences. The longest alias starting
/// at a token wins; a possessive in the alias must be possessive in the text, but a plain alias
/// also matches a possessive word ("Armenia" matches "Armenia's").
#[derive(Debug, Default)]
pub struct AliasIndex {
    // Probed for every token by every index (sides, places, each word list): SipHash was a
    // tenth of extraction's time, and nothing here is keyed by an attacker's choice of a few
    // hundred profile words.
    by_first: FxHashMap<String, Vec<Alias>>,
}

// An alias as folded words (with their possessive flags), and the entry it names.
type Alias = (Vec<(String, bool)>, usize);

impl AliasIndex {
    /// Indexes `aliases` (alias text, entry index).
    pub fn new<'a>(aliases: impl IntoIterator<Item = (&'a str, usize)>) -> AliasIndex {
        let mut by_first: FxHashMap<String, Vec<Alias>> = FxHashMap::default();
        for (alias, entry) in aliases {
            let words: Vec<(String, bool)> = tokenize(alias, 0..alias.len())
                .into_iter()
                .filter(|t| t.kind != Kind::Punct)
                .map(|t| (t.norm, t.possessive))
                .collect();
            if let Some((first, _)) = words.first() {
                by_first.entry(first.clone()).or_default().push((words, entry));
            }
        }
        for list in by_first.values_mut() {
            // Longest first, then by entry order, so matching is deterministic.
            list.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
            list.dedup();
        }
        AliasIndex { by_first }
    }

    /// The longest alias starting at token `i`, if any.
    pub fn at(&self, toks: &[Token], i: usize) -> Option<Mention> {
        let first = toks.get(i)?;
        if first.kind == Kind::Punct {
            return None;
        }
        for (words, entry) in self.by_first.get(&first.norm)? {
            if let Some(end) = match_words(toks, i, words) {
                return Some(Mention {
                    entry: *entry,
                    toks: i..end,
                });
            }
        }
        None
    }

    /// Every non-overlapping mention in `toks`, left to right.
    pub fn all(&self, toks: &[Token]) -> Vec<Mention> {
        self.within(toks, 0..toks.len())
    }

    /// Every non-overlapping mention inside the token range `range`.
    pub fn within(&self, toks: &[Token], range: Range<usize>) -> Vec<Mention> {
        let mut out = Vec::new();
        let mut i = range.start;
        while i < range.end.min(toks.len()) {
            match self.at(toks, i) {
                Some(m) if m.toks.end <= range.end => {
                    i = m.toks.end;
                    out.push(m);
                }
                _ => i += 1,
            }
        }
        out
    }
}

// Matches `words` at token `i`, skipping joining punctuation ("-", ".", "/", "'") that touches
// the words on both sides, so "Nagorno-Karabakh" and "U.S." match their aliases. Returns the
// token index after the match.
fn match_words(toks: &[Token], i: usize, words: &[(String, bool)]) -> Option<usize> {
    let mut t = i;
    for (n, (w, possessive)) in words.iter().enumerate() {
        if n > 0 {
            while let Some(p) = toks.get(t) {
                let joining = p.kind == Kind::Punct && matches!(p.norm.as_str(), "-" | "." | "/" | "'" | "\u{2019}");
                if joining && t > 0 && adjacent(&toks[t - 1], p) && toks.get(t + 1).is_some_and(|nx| adjacent(p, nx)) {
                    t += 1;
                } else {
                    break;
                }
            }
        }
        let tok = toks.get(t)?;
        if tok.kind == Kind::Punct || tok.norm != *w || (*possessive && !tok.possessive) {
            return None;
        }
        t += 1;
    }
    // "U.S." ends with a dot that belongs to the alias.
    if toks
        .get(t)
        .is_some_and(|p| p.is_punct('.') && adjacent(&toks[t - 1], p) && toks[t - 1].norm.chars().count() == 1)
    {
        t += 1;
    }
    Some(t)
}

/// A set of folded words and phrases ("killed", "lost their lives").
#[derive(Debug, Default)]
pub struct Phrases {
    index: AliasIndex,
    longest: usize,
}

impl Phrases {
    /// Indexes the `builtin` phrases and the profile's `extra` ones.
    pub(super) fn new(builtin: &[&str], extra: &[String]) -> Phrases {
        let all: Vec<&str> = builtin
            .iter()
            .copied()
            .chain(extra.iter().map(String::as_str))
            .collect();
        let longest = all.iter().map(|p| p.split_whitespace().count()).max().unwrap_or(1);
        Phrases {
            index: AliasIndex::new(all.into_iter().map(|p| (p, 0))),
            longest,
        }
    }

    /// The token index after a phrase starting at `i`, if one does.
    pub fn at(&self, toks: &[Token], i: usize) -> Option<usize> {
        self.index.at(toks, i).map(|m| m.toks.end)
    }

    /// True when token `i` starts a phrase.
    pub fn starts(&self, toks: &[Token], i: usize) -> bool {
        self.at(toks, i).is_some()
    }

    /// The most words in one phrase.
    pub fn longest(&self) -> usize {
        self.longest
    }
}

/// The extractor's vocabulary.
#[derive(Debug)]
pub struct Vocab {
    /// Nouns for combatants.
    pub military: Phrases,
    /// Nouns for non-combatants.
    pub civilian: Phrases,
    /// Nouns for people of unstated status.
    pub person: Phrases,
    /// Dying.
    pub killed: Phrases,
    /// Being wounded.
    pub injured: Phrases,
    /// Going missing.
    pub missing: Phrases,
    /// Being captured.
    pub captured: Phrases,
    /// Names of a truce.
    pub ceasefire: Phrases,
    /// Taking a place.
    pub capture_verbs: Phrases,
    /// Losing a place.
    pub loss_verbs: Phrases,
    /// Accusing.
    pub accuse_verbs: Phrases,
    /// Denying.
    pub deny_verbs: Phrases,
    /// Attributing ("said").
    pub speech_verbs: Phrases,
}

const MILITARY_NOUNS: &[&str] = &[
    "soldier", "soldiers", "serviceman", "servicemen", "servicemember", "servicemembers", "service members",
    "service member", "service personnel", "military personnel", "army personnel", "troops", "fighter", "fighters",
    "officer", "officers", "conscript", "conscripts", "personnel", "combatant", "combatants", "militant", "militants",
    "mercenary", "mercenaries", "volunteers", "reservists", "guards", "sappers", "pilots", "commanders", "commander",
    "marines", "paratroopers", "contract soldiers", "members of the armed forces", "servicewomen",
];
const CIVILIAN_NOUNS: &[&str] = &[
    "civilian", "civilians", "resident", "residents", "child", "children", "women", "woman", "villager", "villagers",
    "journalist", "journalists", "reporter", "reporters", "medic", "medics", "doctor", "doctors", "teenager",
    "teenagers", "boy", "boys", "girl", "girls", "infant", "infants", "pensioners", "noncombatants", "inhabitants",
    "worker", "workers", "students", "farmers", "minors", "elderly people", "old people",
];
const PERSON_NOUNS: &[&str] = &[
    "people", "persons", "person", "individuals", "men", "man", "victims", "others", "bodies", "lives", "souls",
    "members", "member",
];
const KILLED: &[&str] = &[
    "killed", "dead", "died", "die", "dies", "dying", "lost their lives", "lost his life", "lost her life", "perished",
    "slain", "killing", "kill", "kills", "deaths", "death", "fatalities", "martyred", "martyrs", "shot dead",
];
const INJURED: &[&str] = &[
    "wounded", "injured", "hurt", "wounding", "injuring", "injuries", "wounds", "wound", "injure", "hospitalised",
    "hospitalized", "being treated", "receiving treatment", "under treatment",
];
const MISSING: &[&str] = &[
    "missing", "unaccounted for", "went missing", "gone missing", "disappeared",
];
const CAPTURED: &[&str] = &[
    "captured", "taken prisoner", "taken captive", "held captive", "held prisoner", "prisoners of war", "pows",
    "taken hostage", "captive", "capturing",
];
const CEASEFIRE: &[&str] = &[
    "ceasefire", "cease-fire", "cease fire", "truce", "humanitarian truce", "humanitarian ceasefire", "armistice",
    "trilateral statement", "peace deal", "peace agreement", "halt to hostilities", "cessation of hostilities",
    "pause in the fighting", "humanitarian pause",
];
const CAPTURE_VERBS: &[&str] = &[
    "captured", "capture", "captures", "seized", "seize", "seizes", "took control of", "taken control of",
    "take control of", "takes control of", "liberated", "liberate", "liberates", "retook", "retaken", "retake",
    "recaptured", "recapture", "regained control of", "regained", "entered", "occupied", "freed", "took", "taken",
    "fell to", "has fallen to", "fallen to",
];
const LOSS_VERBS: &[&str] = &[
    "lost", "lost control of", "withdrew from", "withdrawn from", "retreated from", "abandoned", "pulled out of",
    "handed over", "hand over", "surrendered", "ceded", "evacuated",
];
const ACCUSE_VERBS: &[&str] = &[
    "accused", "accuses", "accuse", "accusing", "blamed", "blames", "blame", "blaming", "charged", "held responsible",
];
const DENY_VERBS: &[&str] = &[
    "denied", "denies", "deny", "denying", "rejected", "rejects", "dismissed", "dismisses", "refuted", "refutes",
];
const SPEECH_VERBS: &[&str] = &[
    "said", "says", "say", "reported", "reports", "announced", "announces", "confirmed", "confirms", "stated",
    "states", "told", "tells", "added", "adds", "claimed", "claims", "published", "publishes", "updated", "put",
    "estimated", "estimates", "wrote", "writes", "tweeted", "posted", "noted", "declared", "acknowledged", "admitted",
    "insisted", "warned", "counted", "recorded", "registered", "according", "informed", "informs", "released",
    "releases", "issued", "issues", "disclosed", "revealed", "listed",
];

/// The profile compiled for extraction.
#[derive(Debug)]
pub struct Lexicon {
    /// The profile itself.
    pub profile: Profile,
    /// Topic rules.
    pub matcher: Matcher,
    /// Side aliases (names, adjectives, demonyms) → index into `profile.sides`.
    pub sides: AliasIndex,
    /// Actor aliases → index into `profile.actors`.
    pub actors: AliasIndex,
    /// Location names and aliases → index into `profile.locations`.
    pub locations: AliasIndex,
    /// Reporter aliases → index into `profile.reporters`.
    pub reporters: AliasIndex,
    /// Words.
    pub vocab: Vocab,
}

impl Lexicon {
    /// Compiles `profile`.
    pub fn new(profile: &Profile) -> Result<Lexicon, MatcherError> {
        let sides = AliasIndex::new(profile.sides.iter().enumerate().flat_map(|(i, s)| {
            s.aliases
                .iter()
                .map(move |a| (a.as_str(), i))
                .chain([(s.id.as_str(), i)])
        }));
        let actors = AliasIndex::new(profile.actors.iter().enumerate().flat_map(|(i, a)| {
            a.aliases
                .iter()
                .map(move |x| (x.as_str(), i))
                .chain([(a.name.as_str(), i)])
        }));
        let locations = AliasIndex::new(profile.locations.iter().enumerate().flat_map(|(i, l)| {
            l.aliases
                .iter()
                .map(move |x| (x.as_str(), i))
                .chain([(l.name.as_str(), i)])
        }));
        let reporters = AliasIndex::new(profile.reporters.iter().enumerate().flat_map(|(i, r)| {
            r.aliases
                .iter()
                .map(move |x| (x.as_str(), i))
                .chain([(r.name.as_str(), i)])
        }));
        let v = &profile.vocabulary;
        let vocab = Vocab {
            military: Phrases::new(MILITARY_NOUNS, &v.military_nouns),
            civilian: Phrases::new(CIVILIAN_NOUNS, &v.civilian_nouns),
            person: Phrases::new(PERSON_NOUNS, &v.person_nouns),
            killed: Phrases::new(KILLED, &v.killed_words),
            injured: Phrases::new(INJURED, &v.injured_words),
            missing: Phrases::new(MISSING, &v.missing_words),
            captured: Phrases::new(CAPTURED, &v.captured_words),
            ceasefire: Phrases::new(CEASEFIRE, &v.ceasefire_words),
            capture_verbs: Phrases::new(CAPTURE_VERBS, &v.capture_verbs),
            loss_verbs: Phrases::new(LOSS_VERBS, &v.loss_verbs),
            accuse_verbs: Phrases::new(ACCUSE_VERBS, &v.accuse_verbs),
            deny_verbs: Phrases::new(DENY_VERBS, &v.deny_verbs),
            speech_verbs: Phrases::new(SPEECH_VERBS, &v.speech_verbs),
        };
        Ok(Lexicon {
            matcher: Matcher::for_profile(profile)?,
            profile: profile.clone(),
            sides,
            actors,
            locations,
            reporters,
            vocab,
        })
    }
}
