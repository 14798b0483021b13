//! The casualties view: every claimed figure kept with its reporter and the reporter's stance;
//! per side, group and outcome the dated series of each reporter's running totals, a low and
//! high across non-adversary reporters, and a headline chosen by a named rule; and incidents,
//! each one event with many citations, never added into totals.
//!
//! Pure: views are built from figures (`FigureFacts`: a figure's key, what its first citation
//! said, how many articles state it, and its citations), which come either from a fold over
//! selected article versions (`figures`: the full view, exports, audits) or from the kept state
//! (`kept`: the summaries the API and CLI answer with). Both go through the same `build_tally`
//! and `build_incident`, so they cannot disagree on a rule. Deterministic: inputs are sorted by
//! figure and citation, maps are ordered.

pub mod kept;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{ArticleFacts, AsOf, Citation, select};
use crate::extract::{Bound, Group, Outcome, ReporterRef, Scope};
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

/// What identifies a figure: the same reporter giving the same count of the same people for the
/// same date is one figure, however many articles state it (the bound and the wording may differ).
/// Its text form (`armenia:military:killed:cumulative:armenia-mod:2020-10-05:426`, `-` for an
/// unknown side) names it in `frontline casualties --citations KEY` and `/v1/citations`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FigureKey {
    /// Whose people.
    pub party: Option<String>,
    /// Who they were.
    pub group: Group,
    /// What happened to them.
    pub outcome: Outcome,
    /// Running total or one event.
    pub scope: Scope,
    /// Reporter id, or `unattributed`.
    pub reporter: String,
    /// The date it stands for.
    pub as_of: NaiveDate,
    /// How many.
    pub count: u64,
}

impl std::fmt::Display for FigureKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}:{}:{}:{}:{}",
            self.party.as_deref().unwrap_or("-"),
            self.group,
            self.outcome,
            self.scope,
            self.reporter,
            self.as_of,
            self.count
        )
    }
}

impl std::str::FromStr for FigureKey {
    type Err = String;

    fn from_str(s: &str) -> Result<FigureKey, String> {
        fn named<T: serde::de::DeserializeOwned>(what: &str, v: &str, allowed: &str) -> Result<T, String> {
            serde_json::from_value(serde_json::Value::String(v.to_string()))
                .map_err(|_| format!("{what} {v:?} is not one of {allowed}"))
        }
        let parts: Vec<&str> = s.split(':').collect();
        let [party, group, outcome, scope, reporter, as_of, count] = parts[..] else {
            return Err(format!(
                "figure key {s:?} does not have 7 parts like armenia:military:killed:cumulative:armenia-mod:2020-10-05:426"
            ));
        };
        Ok(FigureKey {
            party: (party != "-").then(|| party.to_string()),
            group: named("group", group, "military, civilian, unknown")?,
            outcome: named("outcome", outcome, "killed, injured, missing, captured")?,
            scope: named("scope", scope, "cumulative, incident")?,
            reporter: reporter.to_string(),
            as_of: NaiveDate::parse_from_str(as_of, "%Y-%m-%d")
                .map_err(|_| format!("date {as_of:?} in figure key is not like 2020-10-05"))?,
            count: count
                .parse()
                .map_err(|_| format!("count {count:?} in figure key is not a number"))?,
        })
    }
}

/// What one article said of a figure beyond its key, and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cited {
    /// How exact.
    pub bound: Bound,
    /// Where, for an incident.
    pub location: Option<String>,
    /// The reporter as the article names it.
    pub reported_by: Option<String>,
    /// The reporter resolved.
    pub reporter: Option<ReporterRef>,
    /// Where it was read.
    pub citation: Citation,
}

/// What a figure's first citation (in citation order) said: the figure's bound, place and
/// reporter; and where that citation stands in citation order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirstCited {
    /// How exact.
    pub bound: Bound,
    /// Where, for an incident.
    pub location: Option<String>,
    /// The reporter as the article names it.
    pub reported_by: Option<String>,
    /// The reporter resolved.
    pub reporter: Option<ReporterRef>,
    /// The citation's publication.
    pub published: DateTime<Utc>,
    /// Its article.
    pub stream: String,
    /// Its sentence's span.
    pub span: [usize; 2],
}

impl From<&Cited> for FirstCited {
    fn from(c: &Cited) -> FirstCited {
        FirstCited {
            bound: c.bound,
            location: c.location.clone(),
            reported_by: c.reported_by.clone(),
            reporter: c.reporter.clone(),
            published: c.citation.published,
            stream: c.citation.stream.clone(),
            span: c.citation.span,
        }
    }
}

/// A figure as views are built from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FigureFacts {
    /// Which figure.
    pub key: FigureKey,
    /// What its first citation said.
    pub first: FirstCited,
    /// How many citations state it.
    pub cited: u64,
    /// Its citations in citation order: all of them, the most recent few, or none (a summary
    /// adds those of the figures it shows).
    pub citations: Vec<Citation>,
}

/// Every figure stated in the article versions that count for `as_of`, in key order, with all
/// its citations. The fold the kept state is checked against.
pub fn figures(articles: &[ArticleFacts], as_of: AsOf) -> Vec<FigureFacts> {
    let mut facts: BTreeMap<FigureKey, Vec<Cited>> = BTreeMap::new();
    for sel in select(articles, &as_of) {
        for c in &sel.revision.facts.casualties {
            let cited = Cited {
                bound: c.bound,
                location: c.location.clone(),
                reported_by: c.reported_by.clone(),
                reporter: c.reporter.clone(),
                citation: sel.cite(&c.evidence, c.span),
            };
            let entry = facts.entry(figure_key(c)).or_default();
            // One sentence stating the same figure twice is one citation.
            if !entry
                .iter()
                .any(|x| x.citation.stream == cited.citation.stream && x.citation.span == cited.citation.span)
            {
                entry.push(cited);
            }
        }
    }
    facts
        .into_iter()
        .map(|(key, mut cited)| {
            cited.sort_by(|a, b| a.citation.cmp(&b.citation));
            let first = FirstCited::from(&cited[0]);
            let citations: Vec<Citation> = cited.into_iter().map(|c| c.citation).collect();
            FigureFacts {
                key,
                first,
                cited: citations.len() as u64,
                citations,
            }
        })
        .collect()
}

/// The key of an extracted casualty figure.
pub fn figure_key(c: &crate::extract::Casualty) -> FigureKey {
    FigureKey {
        party: c.party.clone(),
        group: c.group,
        outcome: c.outcome,
        scope: c.scope,
        reporter: reporter_key(c.reporter.as_ref()),
        as_of: c.as_of,
        count: c.count,
    }
}

/// One figure of a series: the same reporter, count and as-of date from any number of articles.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figure {
    /// Its key (for its citations).
    pub key: String,
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
    /// How many articles state it.
    pub cited: u64,
    /// The articles that state it, oldest first: all of them in the full view, the most recent
    /// few in a summary.
    pub citations: Vec<Citation>,
    // The first citation's place in citation order (publication, stream, span): figures of the
    // same date are ordered by it.
    #[serde(skip)]
    first: (DateTime<Utc>, String, [usize; 2]),
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub citations: u64,
    /// Its figure key (for its citations).
    pub key: String,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// The figure keys behind it, one per reporter (for their citations).
    pub keys: Vec<String>,
    /// How many articles state it.
    pub cited: u64,
    /// Articles stating it (all of them, or the most recent few in a summary).
    pub citations: Vec<Citation>,
}

/// One event (a strike, a day's shelling of a place): its figures from every outlet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// Which incident a figure belongs to: its place, its day, and for an unlocated figure the
/// article of its first citation (without a place, only the same article can be known to
/// describe the same event). Ordered by day first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IncidentKey {
    /// The day.
    pub date: NaiveDate,
    /// Location id.
    pub location: Option<String>,
    /// The first citation's stream, for an unlocated figure; empty otherwise.
    pub unlocated: String,
}

impl IncidentKey {
    /// The incident of an incident-scope figure.
    pub fn of(f: &FigureFacts) -> IncidentKey {
        IncidentKey {
            date: f.key.as_of,
            location: f.first.location.clone(),
            unlocated: if f.first.location.is_none() {
                f.first.stream.clone()
            } else {
                String::new()
            },
        }
    }
}

/// The key of the tally a cumulative figure belongs to.
pub fn tally_of(k: &FigureKey) -> (Option<String>, Group, Outcome) {
    (k.party.clone(), k.group, k.outcome)
}

fn reporter_key(r: Option<&ReporterRef>) -> String {
    r.map(|r| r.id.clone()).unwrap_or_else(|| "unattributed".to_string())
}

pub(crate) fn stance(party: Option<&str>, reporter: Option<&ReporterRef>) -> Stance {
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

// Tallies in side order, then by side id, group and outcome.
fn tally_order(profile: &Profile, party: &Option<String>) -> usize {
    party
        .as_ref()
        .and_then(|p| profile.sides.iter().position(|s| &s.id == p))
        .unwrap_or(usize::MAX)
}

/// Builds the casualties view of `articles` as of `as_of`: every figure with every citation.
pub fn view(articles: &[ArticleFacts], profile: &Profile, as_of: AsOf) -> CasualtyView {
    let (tallies, incidents) = group(figures(articles, as_of));
    let mut tallies: Vec<Tally> = tallies.into_values().map(|f| build_tally(&f)).collect();
    tallies.sort_by(|a, b| {
        (tally_order(profile, &a.party), &a.party, a.group, a.outcome).cmp(&(
            tally_order(profile, &b.party),
            &b.party,
            b.group,
            b.outcome,
        ))
    });
    let mut incidents: Vec<(IncidentKey, Incident)> = incidents
        .into_iter()
        .map(|(k, f)| {
            let i = build_incident(&k, &f);
            (k, i)
        })
        .collect();
    // By place, then day (the order exports and the timeline have always used).
    incidents.sort_by(|(a, _), (b, _)| (&a.location, a.date, &a.unlocated).cmp(&(&b.location, b.date, &b.unlocated)));
    CasualtyView {
        as_of,
        tallies,
        incidents: incidents.into_iter().map(|(_, i)| i).collect(),
    }
}

type TallyFacts = BTreeMap<(Option<String>, Group, Outcome), Vec<FigureFacts>>;

// Figures (in key order) by tally and by incident.
fn group(figures: Vec<FigureFacts>) -> (TallyFacts, BTreeMap<IncidentKey, Vec<FigureFacts>>) {
    let mut tallies: TallyFacts = BTreeMap::new();
    let mut incidents: BTreeMap<IncidentKey, Vec<FigureFacts>> = BTreeMap::new();
    for f in figures {
        if f.key.scope == Scope::Incident {
            incidents.entry(IncidentKey::of(&f)).or_default().push(f);
        } else {
            tallies.entry(tally_of(&f.key)).or_default().push(f);
        }
    }
    (tallies, incidents)
}

/// One tally from its cumulative figures, in key order: each reporter's series with its flags,
/// the low and high, and the headline.
pub fn build_tally(figures: &[FigureFacts]) -> Tally {
    let mut by_reporter: BTreeMap<String, Series> = BTreeMap::new();
    for f in figures {
        let k = &f.key;
        let series = by_reporter.entry(k.reporter.clone()).or_insert_with(|| Series {
            reporter: k.reporter.clone(),
            side: f.first.reporter.as_ref().and_then(|r| r.side.clone()),
            kind: f.first.reporter.as_ref().map(|r| r.kind),
            stance: stance(k.party.as_deref(), f.first.reporter.as_ref()),
            points: Vec::new(),
        });
        let c = &f.first;
        series.points.push(Figure {
            key: k.to_string(),
            count: k.count,
            bound: f.first.bound,
            as_of: k.as_of,
            location: f.first.location.clone(),
            reported_by: f.first.reported_by.clone(),
            stance: series.stance,
            flags: Vec::new(),
            cited: f.cited,
            citations: f.citations.clone(),
            first: (c.published, c.stream.clone(), c.span),
        });
    }
    let (party, group, outcome) = figures
        .first()
        .map_or((None, Group::Unknown, Outcome::Killed), |f| tally_of(&f.key));
    let mut series: Vec<Series> = by_reporter.into_values().collect();
    for s in &mut series {
        s.points
            .sort_by(|a, b| a.as_of.cmp(&b.as_of).then_with(|| a.first.cmp(&b.first)));
        flag_series(&mut s.points);
    }
    confirm_across_reporters(&mut series);
    let latest: Vec<(&Series, &Figure)> = series
        .iter()
        .filter_map(|s| latest_counted(s).map(|p| (s, p)))
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
}

// A series' latest figure that is not held out as suspect.
fn latest_counted(s: &Series) -> Option<&Figure> {
    s.points.iter().rev().find(|p| !p.flags.contains(&Flag::Suspect))
}

/// One incident from its figures, in key order: competing counts side by side.
pub fn build_incident(key: &IncidentKey, facts: &[FigureFacts]) -> Incident {
    let mut figures: BTreeMap<(Option<String>, Group, Outcome, u64), IncidentFigure> = BTreeMap::new();
    for f in facts {
        let k = &f.key;
        let fig = figures
            .entry((k.party.clone(), k.group, k.outcome, k.count))
            .or_insert_with(|| IncidentFigure {
                party: k.party.clone(),
                group: k.group,
                outcome: k.outcome,
                count: k.count,
                reporters: Vec::new(),
                keys: Vec::new(),
                cited: 0,
                citations: Vec::new(),
            });
        if !fig.reporters.contains(&k.reporter) {
            fig.reporters.push(k.reporter.clone());
        }
        fig.keys.push(k.to_string());
        fig.cited += f.cited;
        fig.citations.extend(f.citations.iter().cloned());
        fig.citations.sort();
        fig.citations.dedup();
    }
    Incident {
        location: key.location.clone(),
        date: key.date,
        figures: figures.into_values().collect(),
    }
}

/// How many of a figure's most recent citations a summary carries.
pub const RECENT: usize = 3;
/// How many of the most recent incidents a summary lists.
pub const RECENT_INCIDENTS: usize = 20;

/// One reporter's series in a summary: its latest figure, and the latest one that counts when
/// the latest is held out as suspect.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeriesSummary {
    /// Reporter id, or `unattributed`.
    pub reporter: String,
    /// The side it speaks for.
    pub side: Option<String>,
    /// What kind of body it is.
    pub kind: Option<ReporterKind>,
    /// Its stance towards the counted people.
    pub stance: Stance,
    /// How many figures it has given.
    pub figures: usize,
    /// Its latest figure (with its most recent citations).
    pub latest: Figure,
    /// The latest figure that counts, when the latest is suspect.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub counted: Option<Figure>,
}

/// A tally in a summary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TallySummary {
    /// Side id; none when the text did not say whose.
    pub party: Option<String>,
    /// Military, civilian, unknown.
    pub group: Group,
    /// Killed, injured, missing, captured.
    pub outcome: Outcome,
    /// The figure to lead with, the rule that chose it, and how many articles cite it.
    pub headline: Option<Headline>,
    /// Lowest latest figure among the side's own and third-party reporters.
    pub low: Option<u64>,
    /// Highest latest figure among them.
    pub high: Option<u64>,
    /// Each reporter's latest figure.
    pub series: Vec<SeriesSummary>,
}

/// The casualties summary: what `frontline casualties` and `/v1/casualties` answer with. Every
/// citation of a figure is a separate, paged question (`/v1/citations`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CasualtySummary {
    /// What it answers for.
    pub as_of: AsOf,
    /// Running totals per side, group and outcome.
    pub tallies: Vec<TallySummary>,
    /// How many incidents are known.
    pub incidents: u64,
    /// The most recent of them (by day, then place), oldest first, each figure with its most
    /// recent citations.
    pub recent_incidents: Vec<Incident>,
}

fn recent(mut citations: Vec<Citation>) -> Vec<Citation> {
    let cut = citations.len().saturating_sub(RECENT);
    citations.drain(..cut);
    citations
}

/// A tally as a summary carries it.
pub fn summarize_tally(t: Tally) -> TallySummary {
    let series = t
        .series
        .into_iter()
        .map(|s| {
            let n = s.points.len();
            (s, n)
        })
        .collect();
    summarize_series(t.party, t.group, t.outcome, series)
}

/// A tally's summary from its reporters' flagged series (each with how many figures it has:
/// a series may hold only its latest figures, as long as its latest counted one is among them).
pub fn summarize_series(
    party: Option<String>,
    group: Group,
    outcome: Outcome,
    series: Vec<(Series, usize)>,
) -> TallySummary {
    let latest: Vec<(&Series, &Figure)> = series
        .iter()
        .filter_map(|(s, _)| latest_counted(s).map(|p| (s, p)))
        .collect();
    let non_adversary: Vec<u64> = latest
        .iter()
        .filter(|(s, _)| matches!(s.stance, Stance::Own | Stance::ThirdParty))
        .map(|(_, p)| p.count)
        .collect();
    let headline = headline(&latest, group, outcome);
    let (low, high) = (non_adversary.iter().min().copied(), non_adversary.iter().max().copied());
    let series = series
        .into_iter()
        .filter_map(|(s, figures)| {
            let counted = latest_counted(&s).cloned();
            let mut latest = s.points.last()?.clone();
            latest.citations = recent(latest.citations);
            let counted = counted.filter(|c| c.key != latest.key).map(|mut c| {
                c.citations = recent(c.citations);
                c
            });
            Some(SeriesSummary {
                reporter: s.reporter,
                side: s.side,
                kind: s.kind,
                stance: s.stance,
                figures,
                latest,
                counted,
            })
        })
        .collect();
    TallySummary {
        party,
        group,
        outcome,
        headline,
        low,
        high,
        series,
    }
}

/// An incident as a summary carries it.
pub fn summarize_incident(mut i: Incident) -> Incident {
    for f in &mut i.figures {
        f.citations = recent(std::mem::take(&mut f.citations));
    }
    i
}

/// Orders a summary's tallies as the view does (by the profile's sides, then id, group and
/// outcome).
pub fn sort_tallies(tallies: &mut [TallySummary], profile: &Profile) {
    tallies.sort_by(|a, b| {
        (tally_order(profile, &a.party), &a.party, a.group, a.outcome).cmp(&(
            tally_order(profile, &b.party),
            &b.party,
            b.group,
            b.outcome,
        ))
    });
}

/// The summary of the fold of `articles`: what the kept state must answer (the oracle of its
/// tests, and the answer for `--at-seq`).
pub fn summary(articles: &[ArticleFacts], profile: &Profile, as_of: AsOf) -> CasualtySummary {
    let (tallies, incidents) = group(figures(articles, as_of));
    let mut tallies: Vec<TallySummary> = tallies
        .into_values()
        .map(|f| summarize_tally(build_tally(&f)))
        .collect();
    sort_tallies(&mut tallies, profile);
    let total = incidents.len();
    let recent_incidents = incidents
        .iter()
        .skip(total.saturating_sub(RECENT_INCIDENTS))
        .map(|(k, f)| summarize_incident(build_incident(k, f)))
        .collect();
    CasualtySummary {
        as_of,
        tallies,
        incidents: total as u64,
        recent_incidents,
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
                citations: p.cited,
                key: p.key.clone(),
            });
        }
    }
    None
}
