//! The extractor: a pure function from (article text, publication time, compiled profile) to
//! the facts it states, in the `frontline extract` shape of DESIGN.md: casualty figures,
//! ceasefire statuses, control claims, accusations and denials, and the actors and locations
//! it mentions, each with the sentence and byte span it came from.
//!
//! No I/O, no clock, no randomness: the same input always gives the same output, which is what
//! lets projections be rebuilt from the log. Rules live one file per fact kind; the profile
//! supplies every name (`lexicon`).

pub mod casualty;
pub mod ceasefire;
pub mod claims;
pub mod control;
pub mod dates;
pub mod lexicon;
pub mod numbers;
pub mod reporter;
pub mod text;

#[cfg(test)]
pub mod testkit;

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use lexicon::Lexicon;
pub use reporter::ReporterRef;

use dates::{Tense, When};
use lexicon::Mention;
use numbers::Number;
use reporter::Attribution;
use text::Token;

/// Bumped whenever a rule changes what any text yields; projections rebuild when it changes.
pub const EXTRACTOR_VERSION: u32 = 3;

/// Everything extracted from one text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    /// True when the profile's topic rules match the text.
    pub relevant: bool,
    /// The topic rules that matched.
    pub matched_rules: Vec<String>,
    /// Casualty figures.
    pub casualties: Vec<Casualty>,
    /// Statements about a truce.
    pub ceasefire: Vec<CeasefireStatement>,
    /// Claims that a place changed hands or is contested.
    pub control: Vec<ControlClaim>,
    /// Actors mentioned, most mentioned first.
    pub actors: Vec<ActorCount>,
    /// Locations mentioned, most mentioned first.
    pub locations: Vec<LocationCount>,
    /// Accusations and denials.
    pub claims: Vec<Claim>,
}

/// What happened to the people counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Killed, died, dead, lost their lives.
    Killed,
    /// Wounded, injured.
    Injured,
    /// Missing.
    Missing,
    /// Captured, taken prisoner.
    Captured,
}

/// Who the people counted were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Servicemen, soldiers, troops, fighters.
    Military,
    /// Civilians, residents, children.
    Civilian,
    /// People of unstated status.
    Unknown,
}

/// How exact the figure is said to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// As stated.
    Exact,
    /// "at least".
    AtLeast,
    /// "up to", "fewer than", "as many as".
    AtMost,
    /// "about", "nearly", "some".
    Approx,
    /// "more than", "over".
    MoreThan,
}

/// Whether a figure is a running total or one event's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// A running total ("since fighting began", "the death toll rose to").
    Cumulative,
    /// One strike, one attack, one day.
    Incident,
}

/// One stated casualty figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Casualty {
    /// How many.
    pub count: u64,
    /// What happened to them.
    pub outcome: Outcome,
    /// Who they were.
    pub group: Group,
    /// Whose people (a side id), when the text says or implies it.
    pub party: Option<String>,
    /// How exact.
    pub bound: Bound,
    /// Running total or one event.
    pub scope: Scope,
    /// Where (a location id), when the sentence names a place for it.
    pub location: Option<String>,
    /// The reporter as the article names it.
    pub reported_by: Option<String>,
    /// The reporter resolved to an id, side and kind.
    pub reporter: Option<ReporterRef>,
    /// The date the figure stands for: a date the sentence states, else publication.
    pub as_of: NaiveDate,
    /// The sentence.
    pub evidence: String,
    /// Byte span of the sentence in the input.
    pub span: [usize; 2],
    /// Byte span of the figure itself.
    pub figure: [usize; 2],
}

/// What a sentence says about a truce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CeasefireStatus {
    /// Called for, proposed.
    Proposed,
    /// Agreed, signed, announced.
    Agreed,
    /// Took effect.
    InEffect,
    /// Holding (only when stated).
    Holding,
    /// Violated, breached.
    Violated,
    /// Collapsed, broke down.
    Collapsed,
}

/// A statement about a truce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CeasefireStatement {
    /// The status asserted.
    pub status: CeasefireStatus,
    /// Actor ids of who brokered it, as far as the sentence says.
    pub brokers: Vec<String>,
    /// When it takes or took effect: RFC 3339 with offset, or a date.
    pub effective_at: Option<String>,
    /// For a violation: the side making the accusation.
    pub by: Option<String>,
    /// For a violation: the side accused.
    pub against: Option<String>,
    /// The sentence.
    pub evidence: String,
    /// Byte span of the sentence.
    pub span: [usize; 2],
}

/// What a control claim says happened to a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Taken (captured, liberated, retaken) by `side`.
    Captured,
    /// Lost by `side`.
    Lost,
    /// Fought over, or a capture denied.
    Contested,
}

/// A claim about who holds a place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlClaim {
    /// Location id.
    pub location: String,
    /// The side that took or lost it; none for a fight with no stated outcome.
    pub side: Option<String>,
    /// What happened.
    pub change: Change,
    /// The side making the claim.
    pub claimed_by: Option<String>,
    /// The sentence.
    pub evidence: String,
    /// Byte span of the sentence.
    pub span: [usize; 2],
}

/// An actor and how often the text mentions it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorCount {
    /// Actor id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Mentions.
    pub mentions: u32,
}

/// A location and how often the text mentions it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationCount {
    /// Location id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Mentions.
    pub mentions: u32,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// Accusation or denial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    /// X accuses Y of ...
    Accusation,
    /// Y denies ...
    Denial,
}

/// An accusation or a denial between parties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// Accusation or denial.
    pub kind: ClaimKind,
    /// Who makes it (a side or actor id).
    pub by: String,
    /// Who it is against (a side or actor id), when stated.
    pub against: Option<String>,
    /// What it is about, as written ("shelling civilian areas").
    pub about: String,
    /// The sentence.
    pub evidence: String,
    /// Byte span of the sentence.
    pub span: [usize; 2],
}

// `as_str` and `Display` giving each value's serialized name ("killed", "at_least").
macro_rules! names {
    ($ty:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $ty {
            /// The value's name, as serialized.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use names;

names!(Outcome { Killed => "killed", Injured => "injured", Missing => "missing", Captured => "captured" });
names!(Group { Military => "military", Civilian => "civilian", Unknown => "unknown" });
names!(Bound { Exact => "exact", AtLeast => "at_least", AtMost => "at_most", Approx => "approx", MoreThan => "more_than" });
names!(Scope { Cumulative => "cumulative", Incident => "incident" });
names!(CeasefireStatus {
    Proposed => "proposed", Agreed => "agreed", InEffect => "in_effect", Holding => "holding", Violated => "violated",
    Collapsed => "collapsed",
});
names!(Change { Captured => "captured", Lost => "lost", Contested => "contested" });
names!(ClaimKind { Accusation => "accusation", Denial => "denial" });

/// One sentence, analysed once and shared by every rule.
pub struct Sentence<'a> {
    /// The whole input text (spans index into it).
    pub text: &'a str,
    /// Byte span of the sentence.
    pub span: Range<usize>,
    /// Its tokens.
    pub toks: Vec<Token>,
    /// Cardinal numbers.
    pub numbers: Vec<Number>,
    /// Side mentions.
    pub sides: Vec<Mention>,
    /// Actor mentions.
    pub actors: Vec<Mention>,
    /// Location mentions.
    pub locations: Vec<Mention>,
    /// Attributions, pronouns resolved to the article's previous reporter.
    pub attributions: Vec<Attribution>,
    /// Dates and times stated.
    pub dates: Vec<When>,
    /// Tense of its verbs.
    pub tense: Tense,
    /// The article's publication date in the conflict zone.
    pub published: NaiveDate,
    /// The place the previous sentence of the same paragraph was about ("A missile hit Ganja.
    /// Nine civilians were killed."), as a location index.
    pub context_location: Option<usize>,
    /// The sentence looks back at an earlier year ("In 2016, ..."): background, not news.
    pub historical: bool,
    /// The side of the article's last named reporter before this sentence: who an unattributed
    /// figure most likely comes from.
    pub article_reporter_side: Option<String>,
}

impl Sentence<'_> {
    /// The sentence text.
    pub fn evidence(&self) -> String {
        self.text[self.span.clone()].to_string()
    }

    /// The sentence span as DESIGN.md writes it.
    pub fn span_pair(&self) -> [usize; 2] {
        [self.span.start, self.span.end]
    }

    /// The side a token range names: a side alias, or an actor that belongs to a side.
    pub fn side_in(&self, lex: &Lexicon, range: Range<usize>) -> Option<String> {
        let side = self
            .sides
            .iter()
            .find(|m| m.toks.start >= range.start && m.toks.end <= range.end);
        if let Some(m) = side {
            return Some(lex.profile.sides[m.entry].id.clone());
        }
        self.actors
            .iter()
            .filter(|m| m.toks.start >= range.start && m.toks.end <= range.end)
            .find_map(|m| lex.profile.actors[m.entry].side.clone())
    }

    /// The side named nearest before token `at` and not before `from`: a side alias, or an
    /// actor that belongs to a side ("Aliyev", "the Karabakh authorities").
    pub fn side_before(&self, lex: &Lexicon, from: usize, at: usize) -> Option<String> {
        let side = self
            .sides
            .iter()
            .rev()
            .find(|m| m.toks.start >= from && m.toks.end <= at);
        let actor = self
            .actors
            .iter()
            .rev()
            .filter(|m| m.toks.start >= from && m.toks.end <= at)
            .find(|m| lex.profile.actors[m.entry].side.is_some());
        match (side, actor) {
            (Some(s), Some(a)) if a.toks.start > s.toks.start => lex.profile.actors[a.entry].side.clone(),
            (Some(s), _) => Some(lex.profile.sides[s.entry].id.clone()),
            (None, Some(a)) => lex.profile.actors[a.entry].side.clone(),
            (None, None) => None,
        }
    }

    /// The side named within `range` after token `after` (first one), sides or actors.
    pub fn side_after(&self, lex: &Lexicon, after: usize, until: usize) -> Option<String> {
        let side = self
            .sides
            .iter()
            .find(|m| m.toks.start > after && m.toks.start <= until);
        let actor = self
            .actors
            .iter()
            .filter(|m| m.toks.start > after && m.toks.start <= until)
            .find(|m| lex.profile.actors[m.entry].side.is_some());
        match (side, actor) {
            (Some(s), Some(a)) if a.toks.start < s.toks.start => lex.profile.actors[a.entry].side.clone(),
            (Some(s), _) => Some(lex.profile.sides[s.entry].id.clone()),
            (None, Some(a)) => lex.profile.actors[a.entry].side.clone(),
            (None, None) => None,
        }
    }

    /// The nearest attribution to token `at`: the closest one whose verb comes before it, else
    /// the first after it.
    pub fn attribution_for(&self, at: usize) -> Option<&Attribution> {
        self.attributions
            .iter()
            .rev()
            .find(|a| a.verb < at)
            .or_else(|| self.attributions.iter().find(|a| a.verb >= at))
    }

    /// The place a token is about: the profile location named after a preposition ("in
    /// Ganja", "the town of Hadrut"), outside `exclude` (an attribution), nearest token `at`.
    pub fn place_near(&self, lex: &Lexicon, at: usize, exclude: Option<&Range<usize>>) -> Option<usize> {
        let toks = &self.toks;
        self.locations
            .iter()
            .filter(|m| exclude.is_none_or(|a| !(a.start <= m.toks.start && m.toks.end <= a.end)))
            .filter(|m| {
                toks[m.toks.start.saturating_sub(6)..m.toks.start].iter().any(|t| {
                    matches!(
                        t.norm.as_str(),
                        "in" | "at"
                            | "near"
                            | "on"
                            | "around"
                            | "outside"
                            | "of"
                            | "into"
                            | "across"
                            | "inside"
                            | "hit"
                            | "struck"
                            | "shelled"
                            | "targeted"
                    )
                })
            })
            .filter(|m| {
                !matches!(
                    lex.profile.locations[m.entry].kind,
                    crate::profile::LocationKind::Region | crate::profile::LocationKind::Capital
                )
            })
            .min_by_key(|m| m.toks.start.abs_diff(at))
            .map(|m| m.entry)
    }

    /// The side of the reporter of whatever is at token `at`.
    pub fn reporter_side(&self, at: usize) -> Option<String> {
        self.attribution_for(at)
            .and_then(|a| a.reporter.as_ref())
            .and_then(|r| r.side.clone())
    }
}

// Words that make a sentence about a strike on a place.
const STRIKE_WORDS: &[&str] = &[
    "hit", "hits", "struck", "strike", "strikes", "shelled", "shelling", "attack", "attacked", "attacks", "missile",
    "missiles", "rocket", "rockets", "bombed", "bombing", "fired", "targeted", "shell", "shells", "drone", "airstrike",
];

/// Extracts every fact from `text`, published at `published`, with the compiled profile `lex`.
pub fn extract(text: &str, published: DateTime<Utc>, lex: &Lexicon) -> Extraction {
    let matched_rules: Vec<String> = lex.matcher.matches_text(text).into_iter().map(String::from).collect();
    let mut out = Extraction {
        relevant: !matched_rules.is_empty(),
        matched_rules,
        ..Extraction::default()
    };
    let offset = lex.profile.utc_offset_secs;
    let published_local = published
        .with_timezone(
            &chrono::FixedOffset::east_opt(offset)
                .unwrap_or(chrono::FixedOffset::east_opt(0).expect("invariant: UTC exists")),
        )
        .date_naive();
    let mut actor_counts: BTreeMap<usize, u32> = BTreeMap::new();
    let mut location_counts: BTreeMap<usize, u32> = BTreeMap::new();
    // The article's most recent named reporter, for "it said" and "the ministry said".
    let mut last_reporter: Option<(String, ReporterRef)> = None;
    let mut article_reporter: Option<String> = None;
    let mut last_accuser: Option<(String, Option<String>)> = None;
    let mut previous: Option<(Range<usize>, Option<usize>)> = None;
    // Sentences about years before the conflict began (or, without a start date, before the
    // article's year) are background.
    let current_year = lex.profile.started.map_or(published_local.year(), |d| d.year());

    for span in text::sentences(text) {
        let toks = text::tokenize(text, span.clone());
        let mut attributions = reporter::attributions(&toks, text, lex);
        for a in &mut attributions {
            match &a.reporter {
                Some(r) => last_reporter = Some((a.text.clone(), r.clone())),
                None => {
                    if let Some((t, r)) = &last_reporter {
                        a.text = t.clone();
                        a.reporter = Some(r.clone());
                    }
                }
            }
        }
        let tense = dates::tense(&toks);
        // A blank line (between title and text, or a new section) breaks the context; a single
        // line break between paragraphs of one story does not.
        let same_paragraph = previous
            .as_ref()
            .is_some_and(|(p, _)| !text[p.end..span.start].contains("\n\n"));
        let historical = toks.iter().enumerate().any(|(i, t)| {
            // "born in 2013" dates a person, not the events.
            let born = toks[i.saturating_sub(2)..i].iter().any(|w| w.is("born"));
            t.kind == text::Kind::Number && !born && {
                let digits: String = t.norm.chars().take_while(char::is_ascii_digit).collect();
                let suffix = &t.norm[digits.len()..];
                digits.len() == 4
                    && (suffix.is_empty() || suffix == "s")
                    && digits.parse::<i32>().is_ok_and(|y| (1900..current_year).contains(&y))
            }
        });
        let dates = dates::find(&toks, published, offset, tense);
        // "In July 2020, 16 soldiers were killed": a dated event before the war began is
        // background too ("since September 27" counts from the start, so it is not).
        let historical = historical
            || lex.profile.started.is_some_and(|started| {
                let periods = dates::month_years(&toks);
                let days = dates.iter().map(|w| (w.date, w.toks.clone()));
                days.chain(periods).any(|(date, at)| {
                    let born = toks[at.start.saturating_sub(2)..at.start].iter().any(|t| t.is("born"));
                    let since = at.start >= 1 && matches!(toks[at.start - 1].norm.as_str(), "since" | "from");
                    date < started && !born && !since
                })
            });
        let s = Sentence {
            text,
            span: span.clone(),
            numbers: numbers::numbers(&toks),
            sides: lex.sides.all(&toks),
            actors: lex.actors.all(&toks),
            locations: lex.locations.all(&toks),
            dates,
            attributions,
            tense,
            published: published_local,
            article_reporter_side: article_reporter.clone(),
            context_location: if same_paragraph {
                previous.as_ref().and_then(|(_, l)| *l)
            } else {
                None
            },
            historical,
            toks,
        };
        // Only a sentence about a strike sets the place for the next one ("A missile hit Ganja.
        // Nine were killed."); a place named in passing does not.
        let place = s.place_near(lex, 0, None).filter(|&entry| {
            // The place must be what was struck: within a few words after the strike word.
            s.locations.iter().filter(|m| m.entry == entry).any(|m| {
                let before = &s.toks[m.toks.start.saturating_sub(8)..m.toks.start];
                before.iter().any(|t| STRIKE_WORDS.contains(&t.norm.as_str()))
            })
        });
        previous = Some((span.clone(), place.or(s.context_location)));
        for m in &s.actors {
            *actor_counts.entry(m.entry).or_default() += 1;
        }
        for m in &s.locations {
            *location_counts.entry(m.entry).or_default() += 1;
        }
        out.casualties.extend(casualty::extract(&s, lex));
        if let Some(side) = s
            .attributions
            .iter()
            .rev()
            .find_map(|a| a.reporter.as_ref().and_then(|r| r.side.clone()))
        {
            article_reporter = Some(side);
        }
        out.ceasefire.extend(ceasefire::extract(&s, lex));
        out.control.extend(control::extract(&s, lex));
        let claims = claims::extract(&s, lex, &mut last_accuser);
        out.claims.extend(claims);
    }

    out.actors = actor_counts
        .into_iter()
        .map(|(i, mentions)| {
            let a = &lex.profile.actors[i];
            ActorCount {
                id: a.id.clone(),
                name: a.name.clone(),
                mentions,
            }
        })
        .collect();
    out.actors
        .sort_by(|a, b| b.mentions.cmp(&a.mentions).then_with(|| a.id.cmp(&b.id)));
    out.locations = location_counts
        .into_iter()
        .map(|(i, mentions)| {
            let l = &lex.profile.locations[i];
            LocationCount {
                id: l.id.clone(),
                name: l.name.clone(),
                mentions,
                lat: l.lat,
                lon: l.lon,
            }
        })
        .collect();
    out.locations
        .sort_by(|a, b| b.mentions.cmp(&a.mentions).then_with(|| a.id.cmp(&b.id)));
    out
}

#[cfg(test)]
mod tests;
