//! Event rows, the unit ACLED and UCDP count in: one row per incident (a strike, a day's shelling
//! of a place, with every outlet's figures) and one per dated change of a running death toll.
//!
//! Pure: built from the casualties view. Deaths are counted the conservative way ACLED does
//! (the lowest non-adversary figure), and a toll change leaves out the deaths of incidents of
//! the same side and group dated inside it, so that summing a side's rows gives its toll rather
//! than counting those incidents twice.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use crate::extract::{Group, Outcome};
use crate::profile::Profile;
use crate::projection::casualties::{Flag, Incident, Stance, Tally};
use crate::projection::{ArticleFacts, AsOf, Citation, casualties};

/// Whether a row is one event or a change of a running total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RowKind {
    /// One event, from the incidents of the casualties view.
    Incident,
    /// A running toll rose: the deaths between the previous change and this one.
    TollChange,
}

/// Deaths of one side and group in a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deaths {
    /// Side id, if known.
    pub party: Option<String>,
    /// Military, civilian, unknown.
    pub group: Group,
    /// The lowest figure (ACLED's rule).
    pub low: u64,
    /// The highest non-adversary figure.
    pub high: u64,
}

/// One figure as someone stated it, for the notes: competing claims side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stated {
    /// Who stated it (as cited, else the reporter id, else `unattributed`).
    pub by: String,
    /// Whose count it is.
    pub stance: Option<Stance>,
    /// Side of the people counted.
    pub party: Option<String>,
    /// Group.
    pub group: Group,
    /// Outcome.
    pub outcome: Outcome,
    /// How many.
    pub count: u64,
}

/// One exported event.
#[derive(Debug, Clone)]
pub struct Row {
    /// Incident or toll change.
    pub kind: RowKind,
    /// The first day the row covers (the day after the previous toll change; the incident's day).
    pub since: NaiveDate,
    /// The last day it covers.
    pub date: NaiveDate,
    /// Location id, if the reports name one.
    pub location: Option<String>,
    /// Deaths per side and group.
    pub deaths: Vec<Deaths>,
    /// Every figure behind the row, competing ones included.
    pub stated: Vec<Stated>,
    /// The articles behind it, oldest first.
    pub citations: Vec<Citation>,
}

impl Row {
    /// Total deaths, lowest figures.
    pub fn low(&self) -> u64 {
        self.deaths.iter().map(|d| d.low).sum()
    }

    /// Total deaths, highest figures.
    pub fn high(&self) -> u64 {
        self.deaths.iter().map(|d| d.high).sum()
    }

    /// The row's victims are civilians only.
    pub fn civilian(&self) -> bool {
        !self.deaths.is_empty() && self.deaths.iter().all(|d| d.group == Group::Civilian)
            || self.deaths.is_empty() && self.stated.iter().all(|s| s.group == Group::Civilian)
    }

    /// A stable number for the row: the same incident or toll change gets the same number in
    /// every export, as long as its first citation stays the same.
    pub fn number(&self) -> u64 {
        let first = self.citations.first().map(|c| (c.stream.as_str(), c.span));
        let side = self.deaths.first().map(|d| (&d.party, d.group));
        let key = format!("{:?}|{}|{:?}|{side:?}|{first:?}", self.kind, self.date, self.location);
        let hash = blake3::hash(key.as_bytes());
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&hash.as_bytes()[..8]);
        u64::from_le_bytes(bytes) % 1_000_000_000
    }

    /// The sides whose people the row counts.
    pub fn parties(&self) -> BTreeSet<&str> {
        self.stated.iter().filter_map(|s| s.party.as_deref()).collect()
    }
}

/// Every incident and every toll change known as of `as_of`, by date.
pub fn rows(articles: &[ArticleFacts], profile: &Profile, as_of: AsOf) -> Vec<Row> {
    let view = casualties::view(articles, profile, as_of);
    let mut out: Vec<Row> = view.incidents.iter().map(|i| incident_row(i, profile)).collect();
    let mut deaths = IncidentDeaths::default();
    for row in &out {
        deaths.add(row);
    }
    for tally in &view.tallies {
        out.extend(
            toll_changes(tally, &deaths, profile.started)
                .into_iter()
                .map(|(row, _)| row),
        );
    }
    sort(&mut out);
    out
}

/// Orders rows as every export lists them: by date, incidents before toll changes, by place,
/// then by first citation (a stable sort: ties keep the order they came in).
pub fn sort(rows: &mut [Row]) {
    rows.sort_by(|a, b| {
        (a.date, a.kind, &a.location, &a.citations.first()).cmp(&(b.date, b.kind, &b.location, &b.citations.first()))
    });
}

/// The row of one incident, with the citations its figures carry.
pub fn incident_row(inc: &Incident, profile: &Profile) -> Row {
    let reporter = |id: &String| {
        profile
            .reporters
            .iter()
            .find(|r| &r.id == id)
            .map_or(id.clone(), |r| r.name.clone())
    };
    let mut deaths: Vec<Deaths> = Vec::new();
    for f in inc.figures.iter().filter(|f| f.outcome == Outcome::Killed) {
        match deaths.iter_mut().find(|d| d.party == f.party && d.group == f.group) {
            Some(d) => {
                d.low = d.low.min(f.count);
                d.high = d.high.max(f.count);
            }
            None => deaths.push(Deaths {
                party: f.party.clone(),
                group: f.group,
                low: f.count,
                high: f.count,
            }),
        }
    }
    let stated = inc
        .figures
        .iter()
        .map(|f| Stated {
            by: f.reporters.iter().map(reporter).collect::<Vec<_>>().join(", "),
            stance: None,
            party: f.party.clone(),
            group: f.group,
            outcome: f.outcome,
            count: f.count,
        })
        .collect();
    let mut citations: Vec<Citation> = inc.figures.iter().flat_map(|f| f.citations.clone()).collect();
    citations.sort();
    citations.dedup();
    Row {
        kind: RowKind::Incident,
        since: inc.date,
        date: inc.date,
        location: inc.location.clone(),
        deaths,
        stated,
        citations,
    }
}

/// The deaths of incident rows per side and group and per day: what a toll change leaves out,
/// kept apart from the rows so that an export streamed from the kept state need not hold them.
#[derive(Debug, Default)]
pub struct IncidentDeaths(BTreeMap<(Option<String>, Group), DeathsByDay>);

// The lowest and highest deaths per day.
type DeathsByDay = BTreeMap<NaiveDate, (u64, u64)>;

impl IncidentDeaths {
    /// Counts an incident row's deaths (lowest and highest figures).
    pub fn add(&mut self, row: &Row) {
        for d in &row.deaths {
            let day = self
                .0
                .entry((d.party.clone(), d.group))
                .or_default()
                .entry(row.date)
                .or_default();
            day.0 += d.low;
            day.1 += d.high;
        }
    }

    // The lowest and highest deaths of a side and group's incidents after `after` (from the
    // start when none), up to and including `until`.
    fn within(&self, party: &Option<String>, group: Group, after: Option<NaiveDate>, until: NaiveDate) -> (u64, u64) {
        let Some(days) = self.0.get(&(party.clone(), group)) else {
            return (0, 0);
        };
        let from = match after {
            Some(a) => std::ops::Bound::Excluded(a),
            None => std::ops::Bound::Unbounded,
        };
        days.range((from, std::ops::Bound::Included(until)))
            .fold((0, 0), |(l, h), (_, (dl, dh))| (l + dl, h + dh))
    }
}

/// The toll-change rows of one tally (none unless it counts deaths), each with the keys of the
/// figures whose citations it carries (the figures' citations as the tally holds them: all of
/// them in a fold, none in a tally built from the kept state, whose rows read them when they are
/// written).
///
/// Walks the days its figures stand for; on each day the counted reporters' latest figures give
/// a low and a high; a row is written whenever the low passes every earlier low (a new reporter
/// with a partial count must not make the toll go down and up again). The first change of a
/// toll covers the days since the conflict began, when the profile says.
pub fn toll_changes(tally: &Tally, incidents: &IncidentDeaths, started: Option<NaiveDate>) -> Vec<(Row, Vec<String>)> {
    let mut out = Vec::new();
    if tally.outcome != Outcome::Killed {
        return out;
    }
    let usable = |p: &&casualties::Figure| !p.flags.contains(&Flag::Suspect);
    let days: BTreeSet<NaiveDate> = tally
        .series
        .iter()
        .flat_map(|s| s.points.iter().filter(usable).map(|p| p.as_of))
        .collect();
    let (mut low_so_far, mut high_so_far, mut previous) = (0u64, 0u64, None::<NaiveDate>);
    for day in days {
        let latest: Vec<(&casualties::Series, &casualties::Figure)> = tally
            .series
            .iter()
            .filter_map(|s| s.points.iter().filter(usable).rfind(|p| p.as_of <= day).map(|p| (s, p)))
            .collect();
        let trusted: Vec<u64> = latest
            .iter()
            .filter(|(s, _)| matches!(s.stance, Stance::Own | Stance::ThirdParty))
            .map(|(_, p)| p.count)
            .collect();
        // Without any side's own or a third party's figure, unattributed ones stand in; an
        // enemy's claim never makes a toll.
        let counted = if trusted.is_empty() {
            latest
                .iter()
                .filter(|(s, _)| s.stance == Stance::Unattributed)
                .map(|(_, p)| p.count)
                .collect()
        } else {
            trusted
        };
        let (Some(&low), Some(&high)) = (counted.iter().min(), counted.iter().max()) else {
            continue;
        };
        if low <= low_so_far {
            continue;
        }
        let since = match previous {
            Some(p) => p.succ_opt().unwrap_or(p),
            None => started.filter(|s| *s <= day).unwrap_or(day),
        };
        let within = |d: NaiveDate| previous.is_none_or(|p| d > p) && d <= day;
        let (in_low, in_high) = incidents.within(&tally.party, tally.group, previous, day);
        let low_delta = (low - low_so_far).saturating_sub(in_low);
        let high_delta = high.saturating_sub(high_so_far).saturating_sub(in_high).max(low_delta);
        let stated = latest
            .iter()
            .map(|(s, p)| Stated {
                by: p.reported_by.clone().unwrap_or_else(|| s.reporter.clone()),
                stance: Some(s.stance),
                party: tally.party.clone(),
                group: tally.group,
                outcome: tally.outcome,
                count: p.count,
            })
            .collect();
        let cited: Vec<&casualties::Figure> = latest
            .iter()
            .filter(|(_, p)| within(p.as_of))
            .map(|(_, p)| *p)
            .collect();
        let mut citations: Vec<Citation> = cited.iter().flat_map(|p| p.citations.clone()).collect();
        citations.sort();
        citations.dedup();
        out.push((
            Row {
                kind: RowKind::TollChange,
                since,
                date: day,
                location: None,
                deaths: vec![Deaths {
                    party: tally.party.clone(),
                    group: tally.group,
                    low: low_delta,
                    high: high_delta,
                }],
                stated,
                citations,
            },
            cited.iter().map(|p| p.key.clone()).collect(),
        ));
        low_so_far = low;
        high_so_far = high_so_far.max(high);
        previous = Some(day);
    }
    out
}

/// A short English summary of who said what, for ACLED's `notes` and UCDP's `source_original`.
pub fn notes(row: &Row, profile: &Profile) -> String {
    let side = |p: &Option<String>| {
        p.as_deref()
            .map(|id| profile.side(id).map_or(id.to_string(), |s| s.name.clone()))
    };
    let what = |s: &Stated| {
        let group = match s.group {
            Group::Military => "military",
            Group::Civilian => "civilians",
            Group::Unknown => "people",
        };
        let outcome = match s.outcome {
            Outcome::Killed => "killed",
            Outcome::Injured => "injured",
            Outcome::Missing => "missing",
            Outcome::Captured => "captured",
        };
        match side(&s.party) {
            Some(p) => format!("{} {p} {group} {outcome}", s.count),
            None => format!("{} {group} {outcome}", s.count),
        }
    };
    let place = row
        .location
        .as_deref()
        .map(|id| profile.location(id).map_or(id.to_string(), |l| l.name.clone()));
    let mut text = match (row.kind, place) {
        (RowKind::Incident, Some(p)) => format!("On {}, in {p}: ", row.date),
        (RowKind::Incident, None) => format!("On {}: ", row.date),
        (RowKind::TollChange, _) => format!("Death toll as of {}: ", row.date),
    };
    let claims: Vec<String> = row
        .stated
        .iter()
        .map(|s| {
            let stance = match s.stance {
                Some(Stance::EnemyClaim) => " (enemy claim)",
                Some(Stance::ThirdParty) => " (third party)",
                _ => "",
            };
            format!("{} according to {}{stance}", what(s), s.by)
        })
        .collect();
    text.push_str(&claims.join("; "));
    text.push('.');
    if let Some(c) = row.citations.first() {
        text.push_str(&format!(" Source sentence: \"{}\"", c.sentence.trim()));
    }
    text
}

/// `rows` as CSV with a header row of `columns`, each row written by `record`.
pub fn to_csv(columns: &[&str], rows: &[Row], profile: &Profile, record: fn(&Row, &Profile) -> Vec<String>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail; the csv crate only reports I/O errors of its writer.
    let _ = w.write_record(columns);
    for row in rows {
        let _ = w.write_record(record(row, profile));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
