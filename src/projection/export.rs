//! Exports of the projection for other tools: JSON Lines of every fact with its full provenance
//! (the lossless format); ACLED-style and UCDP-GED-style CSV of incidents and toll changes;
//! GDELT GKG counts per article; and a GeoJSON FeatureCollection of the profile's places with
//! their controller and how much the news mentions them.
//!
//! Pure: strings and JSON values built from `ArticleFacts`; the CLI and the API write them.

mod acled;
pub mod gkg;
pub mod kept;
pub mod rows;
mod ucdp;

pub use acled::COLUMNS as ACLED_COLUMNS;
pub use gkg::COLUMNS as GKG_COLUMNS;
pub use ucdp::COLUMNS as UCDP_COLUMNS;

use serde_json::{Value, json};

use super::{ArticleFacts, AsOf, control, mentions, select};
use crate::profile::Profile;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per fact, with its citation: lossless.
    Jsonl,
    /// ACLED's 31 columns, one row per incident or dated toll change.
    AcledCsv,
    /// UCDP GED's columns: deaths by side and civilians, best/low/high, precision codes.
    UcdpCsv,
    /// GDELT GKG V2.1 COUNTS per article, tab-separated.
    GkgCounts,
    /// A GeoJSON FeatureCollection of places.
    Geojson,
}

impl Format {
    /// As the API's `format=` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::AcledCsv => "acled-csv",
            Format::UcdpCsv => "ucdp-csv",
            Format::GkgCounts => "gkg-counts",
            Format::Geojson => "geojson",
        }
    }

    /// The MIME type of the output.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Jsonl => "application/x-ndjson",
            Format::AcledCsv | Format::UcdpCsv => "text/csv; charset=utf-8",
            Format::GkgCounts => "text/tab-separated-values; charset=utf-8",
            Format::Geojson => "application/geo+json",
        }
    }
}

/// Renders `format` for `articles` as of `as_of`.
pub fn render(format: Format, articles: &[ArticleFacts], profile: &Profile, as_of: AsOf) -> String {
    match format {
        Format::Jsonl => jsonl(articles, as_of),
        Format::AcledCsv => acled::render(&rows::rows(articles, profile, as_of), profile),
        Format::UcdpCsv => ucdp::render(&rows::rows(articles, profile, as_of), profile),
        Format::GkgCounts => gkg::render(articles, profile, as_of),
        Format::Geojson => geojson(articles, profile, as_of).to_string() + "\n",
    }
}

/// Every fact of the article versions that count for `as_of`, one JSON object a line:
/// `{"kind", "fact", "citation"}`, ordered by publication.
pub fn jsonl(articles: &[ArticleFacts], as_of: AsOf) -> String {
    let mut out = String::new();
    for sel in select(articles, &as_of) {
        article_lines(&sel, &mut out);
    }
    out
}

/// The JSON Lines of one counting article version's facts.
pub fn article_lines(sel: &super::Selected<'_>, out: &mut String) {
    let mut line = |kind: &str, fact: Value, sentence: &str, span: [usize; 2]| {
        let row = json!({ "kind": kind, "fact": fact, "citation": sel.cite(sentence, span) });
        out.push_str(&row.to_string());
        out.push('\n');
    };
    let f = &sel.revision.facts;
    for c in &f.casualties {
        line("casualty", json!(c), &c.evidence, c.span);
    }
    for c in &f.ceasefire {
        line("ceasefire", json!(c), &c.evidence, c.span);
    }
    for c in &f.control {
        line("control", json!(c), &c.evidence, c.span);
    }
    for c in &f.claims {
        line("claim", json!(c), &c.evidence, c.span);
    }
}

/// Places as GeoJSON points: every profile location that the news mentions or someone claims,
/// with its kind, controller, status and mention counts, from a fold of `articles`.
pub fn geojson(articles: &[ArticleFacts], profile: &Profile, as_of: AsOf) -> Value {
    places(
        &control::summary(articles, profile, as_of),
        &mentions::locations(articles, as_of),
        profile,
    )
}

/// The GeoJSON FeatureCollection of places from the control summary and the locations view,
/// whether folded or read from the kept state (`kept::geojson`): a few hundred places at most.
pub fn places(control: &control::ControlSummary, mentioned: &mentions::PresenceView, profile: &Profile) -> Value {
    let features: Vec<Value> = profile
        .locations
        .iter()
        .filter_map(|loc| {
            let place = control.places.iter().find(|p| p.location == loc.id);
            let presence = mentioned.entries.iter().find(|p| p.id == loc.id);
            if place.is_none() && presence.is_none() {
                return None;
            }
            Some(json!({
                "type": "Feature",
                // GeoJSON is longitude first.
                "geometry": { "type": "Point", "coordinates": [loc.lon, loc.lat] },
                "properties": {
                    "id": loc.id,
                    "name": loc.name,
                    "kind": loc.kind,
                    "initially_held_by": loc.held_by,
                    "controller": place.and_then(|p| p.controller.clone()).or_else(|| loc.held_by.clone()),
                    "status": place.map(|p| json!(p.status)),
                    "control_claims": place.map_or(0, |p| p.claims),
                    "mentions": presence.map_or(0, |p| p.mentions),
                    "articles": presence.map_or(0, |p| p.articles),
                    "last_seen": presence.map(|p| p.last_seen),
                }
            }))
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features })
}

#[cfg(test)]
mod tests;
