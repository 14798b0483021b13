//! The ACLED-style CSV: ACLED's 31 columns in ACLED's order, one row per incident or dated toll
//! change, competing claims in `notes`, ACLED's time and geo precision codes and its
//! lowest-figure fatality rule.
//!
//! Pure: rows in, CSV text out. What frontline cannot know (admin areas, ACLED's own actor
//! coding of every group, source scale) is left empty rather than guessed.

use super::rows::{Row, RowKind, notes, to_csv};
use crate::extract::Group;
use crate::profile::{LocationKind, Profile};
use crate::projection::Citation;

/// ACLED's columns, in the order of its API since 2023.
pub const COLUMNS: [&str; 31] = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type", "actor1",
    "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting", "iso",
    "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp",
];

// ACLED's actor type codes.
const STATE_FORCES: u8 = 1;
const CIVILIANS: u8 = 7;

/// Writes `rows` as ACLED CSV with a header row.
pub fn render(rows: &[Row], profile: &Profile) -> String {
    to_csv(&COLUMNS, rows, profile, record)
}

/// One row's fields, in `COLUMNS` order.
pub(super) fn record(row: &Row, profile: &Profile) -> Vec<String> {
    let location = row.location.as_deref().and_then(|id| profile.location(id));
    let country = location.and_then(|l| profile.country_of(l));
    let (event_type, sub_event_type) = classify(row);
    let (actor1, inter1, actor2, inter2) = actors(row, profile);
    let interaction = match (inter1, inter2) {
        (Some(a), Some(b)) => format!("{}{}", a.min(b), a.max(b)),
        (Some(a), None) | (None, Some(a)) => format!("{a}0"),
        (None, None) => String::new(),
    };
    let id_prefix = country.map_or("FL", |c| c.iso3.as_str());
    let mut sources: Vec<&str> = row.citations.iter().map(|c| c.feed.as_str()).collect();
    sources.sort();
    sources.dedup();
    let timestamp = row.citations.iter().map(|c| c.published.timestamp()).max().unwrap_or(0);
    let tags = match row.kind {
        RowKind::Incident => "frontline: incident".to_string(),
        RowKind::TollChange => format!("frontline: toll change since {}", row.since),
    };
    vec![
        format!("{id_prefix}{}", row.number()),
        row.date.format("%d %B %Y").to_string(),
        row.date.format("%Y").to_string(),
        time_precision(row).to_string(),
        "Political violence".to_string(),
        event_type.to_string(),
        sub_event_type.to_string(),
        actor1,
        String::new(),
        inter1.map(|i| i.to_string()).unwrap_or_default(),
        actor2,
        String::new(),
        inter2.map(|i| i.to_string()).unwrap_or_default(),
        interaction,
        if row.civilian() {
            "Civilian targeting".to_string()
        } else {
            String::new()
        },
        country.map(|c| c.iso.to_string()).unwrap_or_default(),
        country.map(|c| c.region.clone()).unwrap_or_default(),
        country.map(|c| c.name.clone()).unwrap_or_default(),
        String::new(),
        String::new(),
        String::new(),
        location.map(|l| l.name.clone()).unwrap_or_default(),
        location.map(|l| format!("{:.4}", l.lat)).unwrap_or_default(),
        location.map(|l| format!("{:.4}", l.lon)).unwrap_or_default(),
        location.map(|l| geo_precision(l.kind).to_string()).unwrap_or_default(),
        sources.join("; "),
        String::new(),
        notes(row, profile),
        row.low().to_string(),
        tags,
        timestamp.to_string(),
    ]
}

// 1: the day is known; 2: within a week; 3: coarser.
fn time_precision(row: &Row) -> u8 {
    match (row.date - row.since).num_days() {
        0 => 1,
        1..=6 => 2,
        _ => 3,
    }
}

// 1: the town itself; 2: near it or a small part of a region; 3: a larger region.
fn geo_precision(kind: LocationKind) -> u8 {
    match kind {
        LocationKind::Capital | LocationKind::City | LocationKind::Town | LocationKind::Village => 1,
        LocationKind::District | LocationKind::Feature => 2,
        LocationKind::Region => 3,
    }
}

// ACLED's event type from the words of the sentences behind the row; frontline does not extract
// weapons, so this reads them here and falls back to the type the victims imply.
fn classify(row: &Row) -> (&'static str, &'static str) {
    let text: String = row
        .citations
        .iter()
        .map(|c: &Citation| c.sentence.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if has(&["drone", "air strike", "airstrike", "aircraft", "bomb"]) {
        ("Explosions/Remote violence", "Air/drone strike")
    } else if has(&["shell", "artillery", "missile", "rocket", "mortar", "smerch", "grad"]) {
        ("Explosions/Remote violence", "Shelling/artillery/missile attack")
    } else if has(&["mine", "explosive device"]) {
        ("Explosions/Remote violence", "Remote explosive/landmine/IED")
    } else if row.civilian() {
        ("Violence against civilians", "Attack")
    } else {
        ("Battles", "Armed clash")
    }
}

// ACLED codes the attacker as actor 1. With two sides, the people of one side were killed by the
// other; civilians are their own actor (actor 2, the target). With a side unknown or more than two
// sides, the attacker is left empty rather than guessed.
fn actors(row: &Row, profile: &Profile) -> (String, Option<u8>, String, Option<u8>) {
    let military = |id: &str| {
        let name = profile.side(id).map_or(id, |s| s.name.as_str());
        format!("Military Forces of {name}")
    };
    let parties = row.parties();
    let victim = parties.iter().next().copied();
    let attacker = victim
        .filter(|_| parties.len() == 1)
        .and_then(|v| profile.other_side(v))
        .map(|s| s.id.as_str());
    let civilians = row.civilian();
    let (actor2, inter2) = match (victim, civilians) {
        (Some(v), true) => {
            let name = profile.side(v).map_or(v, |s| s.name.as_str());
            (format!("Civilians ({name})"), Some(CIVILIANS))
        }
        (None, true) => ("Civilians".to_string(), Some(CIVILIANS)),
        (Some(v), false) if parties.len() == 1 && !row.stated.iter().all(|s| s.group == Group::Unknown) => {
            (military(v), Some(STATE_FORCES))
        }
        _ => (String::new(), None),
    };
    match attacker {
        Some(a) => (military(a), Some(STATE_FORCES), actor2, inter2),
        None => (String::new(), None, actor2, inter2),
    }
}
