//! The UCDP-GED-style CSV: GED's column names in GED's order for what frontline knows — deaths by
//! side and civilians with best, low and high, precision codes and the source fields — one row
//! per incident (`event_clarity` 1) or dated toll change (2, a summary).
//!
//! Pure: rows in, CSV text out. UCDP's internal ids (conflict, dyad, side, Gleditsch-Ward
//! country numbers, PRIO-GRID cells) are not frontline's to assign, so their columns are left out.

use super::rows::{Deaths, Row, RowKind, notes, to_csv};
use crate::extract::Group;
use crate::profile::{LocationKind, Profile};

/// The columns, a subset of GED's in GED's order.
pub const COLUMNS: [&str; 32] = [
    "id", "year", "type_of_violence", "conflict_name", "dyad_name", "side_a", "side_b", "number_of_sources",
    "source_article", "source_office", "source_date", "source_headline", "source_original", "where_prec",
    "where_coordinates", "where_description", "adm_1", "latitude", "longitude", "geom_wkt", "country", "event_clarity",
    "date_prec", "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best",
    "high", "low",
];

/// Writes `rows` as UCDP-GED-style CSV with a header row.
pub fn render(rows: &[Row], profile: &Profile) -> String {
    to_csv(&COLUMNS, rows, profile, record)
}

/// One row's fields, in `COLUMNS` order.
pub(super) fn record(row: &Row, profile: &Profile) -> Vec<String> {
    let location = row.location.as_deref().and_then(|id| profile.location(id));
    let country = location.and_then(|l| profile.country_of(l));
    let side_name = |i: usize| profile.sides.get(i).map(|s| s.name.clone()).unwrap_or_default();
    let (side_a, side_b) = (side_name(0), side_name(1));
    let [a, b, civilians, unknown] = split_deaths(&row.deaths, profile);
    let join = |f: &dyn Fn(&crate::projection::Citation) -> String| {
        let mut v: Vec<String> = row.citations.iter().map(f).collect();
        v.dedup();
        v.join(" ; ")
    };
    let where_prec = match location.map(|l| l.kind) {
        Some(LocationKind::Capital | LocationKind::City | LocationKind::Town | LocationKind::Village) => "1",
        Some(LocationKind::Feature) => "5",
        Some(LocationKind::District) => "3",
        Some(LocationKind::Region) => "4",
        None => "",
    };
    let date_prec = match (row.date - row.since).num_days() {
        0 => 1,
        1..=6 => 2,
        7..=30 => 4,
        _ => 5,
    };
    vec![
        row.number().to_string(),
        row.date.format("%Y").to_string(),
        "1".to_string(),
        profile.name.clone(),
        format!("{side_a} - {side_b}"),
        side_a,
        side_b,
        row.citations.len().to_string(),
        join(&|c| c.url.clone().unwrap_or_else(|| c.stream.clone())),
        join(&|c| c.feed.clone()),
        join(&|c| c.published.date_naive().to_string()),
        join(&|c| c.title.clone().unwrap_or_default()),
        notes(row, profile),
        where_prec.to_string(),
        location.map(|l| l.name.clone()).unwrap_or_default(),
        location
            .map(|l| format!("{} ({:?})", l.name, l.kind).to_lowercase())
            .unwrap_or_default(),
        String::new(),
        location.map(|l| format!("{:.4}", l.lat)).unwrap_or_default(),
        location.map(|l| format!("{:.4}", l.lon)).unwrap_or_default(),
        location
            .map(|l| format!("POINT ({:.4} {:.4})", l.lon, l.lat))
            .unwrap_or_default(),
        country.map(|c| c.name.clone()).unwrap_or_default(),
        match row.kind {
            RowKind::Incident => "1",
            RowKind::TollChange => "2",
        }
        .to_string(),
        date_prec.to_string(),
        row.since.to_string(),
        row.date.to_string(),
        a.to_string(),
        b.to_string(),
        civilians.to_string(),
        unknown.to_string(),
        row.low().to_string(),
        row.high().to_string(),
        row.low().to_string(),
    ]
}

// Deaths of side A's and side B's combatants, of civilians, and of people whose side or status
// the reports do not give. Best estimates are the lowest figures, as in ACLED.
fn split_deaths(deaths: &[Deaths], profile: &Profile) -> [u64; 4] {
    let mut out = [0u64; 4];
    for d in deaths {
        let slot = match (d.group, d.party.as_deref()) {
            (Group::Civilian, _) => 2,
            (Group::Military, Some(p)) if profile.sides.first().is_some_and(|s| s.id == p) => 0,
            (Group::Military, Some(p)) if profile.sides.get(1).is_some_and(|s| s.id == p) => 1,
            _ => 3,
        };
        out[slot] += d.low;
    }
    out
}
