//! The casualties view: every claimed figure kept with its reporter and the reporter's stance;
//! per side, group and outcome the dated series of each reporter's running totals, a low and
//! high across non-adversary reporters, and a headline chosen by a named rule; and incidents,
//! each one event with many citations, never added into totals.
//!
//! Pure: a fold over selected article versions. Deterministic: inputs are sorted by publication
//! and stream, maps are ordered.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{ArticleFacts, AsOf, Citation, select};
use crate::extract::{Bound, Casualty, Group, Outcome, ReporterRef, Scope};
use crate::profile::{Profile, ReporterKind};

/// Whose count a figure is, relative to the people counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stance {
    /// A side counting its own people.
    Own,
    /// A side counting the other side's people.
    EnemyClaim,
    /// A reporter belonging to no side (the UN, the ICRC, a mediator).
    ThirdParty,
    /// No reporter named.
    Unattributed,
}

/// Why a figure is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Lower than the same reporter's previous figure: kept, perhaps a correction.
    PossibleCorrection,
    /// An implausible jump not confirmed since; held out of the headline.
    Suspect,
}

crate::extract::names!(Stance { Own => "own", EnemyClaim => "enemy_claim", ThirdParty => "third_party", Unattributed => "unattributed" });
crate::extract::names!(Flag { PossibleCorrection => "possible_correction", Suspect => "suspect" });

/// One figure: the same reporter, count and as-of date from any number of articles.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figure {
    /// How many.
    pub count: u64,
    /// How exact (of the first citation).
    pub bound: Bound,
    /// The date it stands for.
    pub as_of: NaiveDate,
    /// Where, for an incident.
    pub location: Option<String>,
    /// The reporter as first cited.
    pub reported_by: Option<String>,
    /// Whose count it is.
    pub stance: Stance,
    /// Marks.
    pub flags: Vec<Flag>,
    /// Every article that states it, oldest first.
    pub citations: Vec<Citation>,
}

/// One reporter's running totals for one tally.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Series {
    /// Reporter id, or `unattributed`.
    pub reporter: String,
    /// The side it speaks for.
    pub side: Option<String>,
    /// What kind of body it is.
    pub kind: Option<ReporterKind>,
    /// Its stance towards the counted people.
    pub stance: Stance,
    /// Its figures, by as-of date.
    pub points: Vec<Figure>,
}

/// The figure a tally leads with, and the rule that chose it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Headline {
    /// How many.
    pub count: u64,
    /// How exact.
    pub bound: Bound,
    /// As of.
    pub as_of: NaiveDate,
    /// Reporter id.
    pub reporter: String,
    /// The reporter as cited.
    pub reported_by: Option<String>,
    /// The rule that chose it (`own-official`, `third-party`, ...).
    pub rule: String,
    /// Articles citing it.
    pub citations: usize,
}

/// Casualties of one side, group and outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tally {
    /// Side id; none when the text did not say whose.
    pub party: Option<String>,
    /// Military, civilian, unknown.
    pub group: Group,
    /// Killed, injured, missing, captured.
    pub outcome: Outcome,
    /// The figure to lead with.
    pub headline: Option<Headline>,
    /// Lowest latest figure among the side's own and third-party reporters.
    pub low: Option<u64>,
    /// Highest latest figure among them.
    pub high: Option<u64>,
    /// Every reporter's series, enemy claims included (never the headline).
    pub series: Vec<Series>,
}

/// One figure of an incident.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IncidentFigure {
    /// Side id.
    pub party: Option<String>,
    /// Group.
    pub group: Group,
    /// Outcome.
    pub outcome: Outcome,
    /// How many.
    pub count: u64,
    /// Reporter ids (or `unattributed`) that gave this count.
    pub reporters: Vec<String>,
    /// Articles stating it.
    pub citations: Vec<Citation>,
}

/// One event (a strike, a day's shelling of a place): its figures from every outlet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Incident {
    /// Location id, if the reports name one.
    pub location: Option<String>,
    /// The day.
    pub date: NaiveDate,
    /// Figures, competing counts side by side.
    pub figures: Vec<IncidentFigure>,
}

/// The casualties view.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CasualtyView {
    /// What it answers for.
    pub as_of: AsOf,
    /// Running totals per side, group and outcome.
    pub tallies: Vec<Tally>,
    /// Single events.
    pub incidents: Vec<Incident>,
}

/// A headline rule: its name, and which series it accepts.
pub type Rule = (&'static str, fn(&Series) -> bool);

// Tallies in side order, then by side id, group and outcome.
type TallyKey = (usize, Option<String>, Group, Outcome);
// An incident: its place, its day, and for an unlocated one the article reporting it.
type IncidentKey = (Option<String>, NaiveDate, String);

// Figures are the same fact when these agree (the bound and the wording may differ).
type FactKey = (Option<String>, Group, Outcome, Scope, String, NaiveDate, u64);

fn reporter_key(r: Option<&ReporterRef>) -> String {
    r.map(|r| r.id.clone()).unwrap_or_else(|| "unattributed".to_string())
}

fn stance(party: Option<&str>, reporter: Option<&ReporterRef>) -> Stance {
    match reporter {
        None => Stance::Unattributed,
        Some(r) => match (&r.side, party) {
            (None, _) => Stance::ThirdParty,
            (Some(s), Some(p)) if s == p => Stance::Own,
            (Some(_), Some(_)) => Stance::EnemyClaim,
            // A side's count of people it does not place: treat as its own report.
            (Some(_), None) => Stance::Own,
        },
    }
}

/// Builds the casualties view of `articles` as of `as_of`.
pub fn view(articles: &[ArticleFacts], profile: &Profile, as_of: AsOf) -> CasualtyView {
    let mut facts: BTreeMap<FactKey, (Casualty, Vec<Citation>)> = BTreeMap::new();
    for sel in select(articles, &as_of) {
        for c in &sel.revision.facts.casualties {
            let key = (
                c.party.clone(),
                c.group,
                c.outcome,
                c.scope,
                reporter_key(c.reporter.as_ref()),
                c.as_of,
                c.count,
            );
            let citation = sel.cite(&c.evidence, c.span);
            let entry = facts.entry(key).or_insert_with(|| (c.clone(), Vec::new()));
            if !entry
                .1
                .iter()
                .any(|x| x.stream == citation.stream && x.span == citation.span)
            {
                entry.1.push(citation);
            }
        }
    }

    let mut tallies: BTreeMap<TallyKey, BTreeMap<String, Series>> = BTreeMap::new();
    let mut incidents: BTreeMap<IncidentKey, Vec<(Casualty, Vec<Citation>)>> = BTreeMap::new();
    for ((party, group, outcome, scope, rkey, _, _), (c, mut citations)) in facts {
        citations.sort();
        if scope == Scope::Incident {
            // Without a place, only the same article can be known to describe the same event.
            let unlocated = if c.location.is_none() {
                citations[0].stream.clone()
            } else {
                String::new()
            };
            incidents
                .entry((c.location.clone(), c.as_of, unlocated))
                .or_default()
                .push((c, citations));
            continue;
        }
        let side_order = party
            .as_ref()
            .and_then(|p| profile.sides.iter().position(|s| &s.id == p))
            .unwrap_or(usize::MAX);
        let series = tallies
            .entry((side_order, party.clone(), group, outcome))
            .or_default()
            .entry(rkey.clone())
            .or_insert_with(|| Series {
                reporter: rkey.clone(),
                side: c.reporter.as_ref().and_then(|r| r.side.clone()),
                kind: c.reporter.as_ref().map(|r| r.kind),
                stance: stance(party.as_deref(), c.reporter.as_ref()),
                points: Vec::new(),
            });
        series.points.push(Figure {
            count: c.count,
            bound: c.bound,
            as_of: c.as_of,
            location: c.location.clone(),
            reported_by: c.reported_by.clone(),
            stance: series.stance,
            flags: Vec::new(),
            citations,
        });
    }

    let tallies: Vec<Tally> = tallies
        .into_iter()
        .map(|((_, party, group, outcome), series)| {
            let mut series: Vec<Series> = series.into_values().collect();
            for s in &mut series {
                s.points
                    .sort_by(|a, b| a.as_of.cmp(&b.as_of).then(a.citations[0].cmp(&b.citations[0])));
                flag_series(&mut s.points);
            }
            confirm_across_reporters(&mut series);
            let latest: Vec<(&Series, &Figure)> = series
                .iter()
                .filter_map(|s| {
                    s.points
                        .iter()
                        .rev()
                        .find(|p| !p.flags.contains(&Flag::Suspect))
                        .map(|p| (s, p))
                })
                .collect();
            let non_adversary: Vec<u64> = latest
                .iter()
                .filter(|(s, _)| matches!(s.stance, Stance::Own | Stance::ThirdParty))
                .map(|(_, p)| p.count)
                .collect();
            Tally {
                headline: headline(&latest, group, outcome),
                low: non_adversary.iter().min().copied(),
                high: non_adversary.iter().max().copied(),
                party,
                group,
                outcome,
                series,
            }
        })
        .collect();

    let incidents = incidents
        .into_iter()
        .map(|((location, date, _), facts)| {
            let mut figures: BTreeMap<(Option<String>, Group, Outcome, u64), IncidentFigure> = BTreeMap::new();
            for (c, citations) in facts {
                let f = figures
                    .entry((c.party.clone(), c.group, c.outcome, c.count))
                    .or_insert_with(|| IncidentFigure {
                        party: c.party.clone(),
                        group: c.group,
                        outcome: c.outcome,
                        count: c.count,
                        reporters: Vec::new(),
                        citations: Vec::new(),
                    });
                let r = reporter_key(c.reporter.as_ref());
                if !f.reporters.contains(&r) {
                    f.reporters.push(r);
                }
                f.citations.extend(citations);
                f.citations.sort();
                f.citations.dedup();
            }
            Incident {
                location,
                date,
                figures: figures.into_values().collect(),
            }
        })
        .collect();

    CasualtyView {
        as_of,
        tallies,
        incidents,
    }
}

// How close in time two figures of one reporter must be for a jump between them to be suspect.
const JUMP_DAYS: i64 = 7;

// A drop below the same reporter's previous figure may be a correction; a jump of more than three
// times within a week, or a figure far above the reporter's next one, is suspect until a later
// figure of the same reporter confirms it.
fn flag_series(points: &mut [Figure]) {
    let counts: Vec<(u64, NaiveDate)> = points.iter().map(|p| (p.count, p.as_of)).collect();
    for (i, p) in points.iter_mut().enumerate() {
        if i > 0 && p.count < counts[i - 1].0 {
            p.flags.push(Flag::PossibleCorrection);
        }
        let jump = i > 0
            && counts[i - 1].0 >= 10
            && p.count > 3 * counts[i - 1].0
            && (p.as_of - counts[i - 1].1).num_days() <= JUMP_DAYS;
        let breaks_next = counts
            .get(i + 1)
            .is_some_and(|&(next, date)| p.count * 2 > 5 * next && (date - p.as_of).num_days() <= JUMP_DAYS);
        let confirmed = counts[i + 1..].iter().any(|&(later, _)| later * 5 >= p.count * 4);
        if (jump || breaks_next) && !confirmed {
            p.flags.push(Flag::Suspect);
        }
    }
}

// A suspect figure that another non-adversary reporter matches (within 10%, within two days) is
// confirmed after all.
fn confirm_across_reporters(series: &mut [Series]) {
    let others: Vec<(String, u64, NaiveDate)> = series
        .iter()
        .filter(|s| matches!(s.stance, Stance::Own | Stance::ThirdParty))
        .flat_map(|s| s.points.iter().map(move |p| (s.reporter.clone(), p.count, p.as_of)))
        .collect();
    for s in series.iter_mut() {
        for p in &mut s.points {
            let matched = others.iter().any(|(r, c, d)| {
                *r != s.reporter
                    && (*c as f64 - p.count as f64).abs() <= 0.1 * p.count as f64
                    && (*d - p.as_of).num_days().abs() <= 2
            });
            if matched {
                p.flags.retain(|f| *f != Flag::Suspect);
            }
        }
    }
}

/// The headline rules, in order of preference for each kind of tally. The output names the
/// rule that chose the figure.
pub fn rules(group: Group, outcome: Outcome) -> &'static [Rule] {
    fn own_official(s: &Series) -> bool {
        s.stance == Stance::Own
            && matches!(
                s.kind,
                Some(ReporterKind::Military | ReporterKind::Government | ReporterKind::Health)
            )
    }
    fn own_prosecutor_or_ombudsman(s: &Series) -> bool {
        s.stance == Stance::Own && matches!(s.kind, Some(ReporterKind::Prosecutor | ReporterKind::Ombudsman))
    }
    fn own_any(s: &Series) -> bool {
        s.stance == Stance::Own
    }
    fn third_party(s: &Series) -> bool {
        s.stance == Stance::ThirdParty
    }
    match (group, outcome) {
        (Group::Military, Outcome::Killed) => &[
            ("own-official", own_official),
            ("own-any", own_any),
            ("third-party", third_party),
        ],
        (Group::Civilian, _) => &[
            ("third-party", third_party),
            ("own-prosecutor-or-ombudsman", own_prosecutor_or_ombudsman),
            ("own-any", own_any),
        ],
        _ => &[("own-any", own_any), ("third-party", third_party)],
    }
}

fn bound_rank(b: Bound) -> u8 {
    match b {
        Bound::Exact => 0,
        Bound::AtLeast | Bound::MoreThan => 1,
        Bound::Approx => 2,
        Bound::AtMost => 3,
    }
}

// The first rule with a candidate wins; among its candidates the latest as-of date, then the
// more exact bound, then the larger count, then the reporter id.
fn headline(latest: &[(&Series, &Figure)], group: Group, outcome: Outcome) -> Option<Headline> {
    for (rule, accepts) in rules(group, outcome) {
        let best = latest.iter().filter(|(s, _)| accepts(s)).max_by(|(sa, a), (sb, b)| {
            a.as_of
                .cmp(&b.as_of)
                .then(bound_rank(b.bound).cmp(&bound_rank(a.bound)))
                .then(a.count.cmp(&b.count))
                .then(sb.reporter.cmp(&sa.reporter))
        });
        if let Some((s, p)) = best {
            return Some(Headline {
                count: p.count,
                bound: p.bound,
                as_of: p.as_of,
                reporter: s.reporter.clone(),
                reported_by: p.reported_by.clone(),
                rule: rule.to_string(),
                citations: p.citations.len(),
            });
        }
    }
    None
}
