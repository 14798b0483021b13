//! GDELT GKG V2.1 counts: one tab-separated line per article with casualty figures, carrying its
//! `V1COUNTS` and `V2.1COUNTS` fields (`CountType#Count#ObjectType#LocType#LocFullName#
//! LocCountryCode#LocADM1Code#Lat#Long#FeatureID[#CharOffset]`, blocks joined by `;`), after
//! the record id, date, collection, source name and document identifier GKG starts its rows
//! with. The other GKG fields (themes, tone, persons, ...) are not frontline's and are left out.
//!
//! Pure: article facts in, text out.

use super::super::{ArticleFacts, AsOf, Selected, select};
use crate::extract::{Casualty, Group, Outcome};
use crate::profile::{LocationKind, Profile};

/// The header row.
pub const COLUMNS: [&str; 7] = [
    "GKGRECORDID", "V2.1DATE", "V2SOURCECOLLECTIONIDENTIFIER", "V2SOURCECOMMONNAME", "V2DOCUMENTIDENTIFIER",
    "V1COUNTS", "V2.1COUNTS",
];

// GKG's collection code for web articles.
const WEB: &str = "1";

/// The header and one line per article version that counts for `as_of` and states a figure.
pub fn render(articles: &[ArticleFacts], profile: &Profile, as_of: AsOf) -> String {
    let mut out = header();
    for sel in select(articles, &as_of) {
        if let Some(l) = line(&sel, profile) {
            out.push_str(&l);
        }
    }
    out
}

/// The header row, with its newline.
pub fn header() -> String {
    COLUMNS.join("\t") + "\n"
}

/// The line of one counting article version, with its newline; none when it states no figure
/// GKG has a count type for.
pub fn line(sel: &Selected<'_>, profile: &Profile) -> Option<String> {
    let counts: Vec<(String, usize)> = sel
        .revision
        .facts
        .casualties
        .iter()
        .filter_map(|c| count(c, profile).map(|entry| (entry, c.figure[0])))
        .collect();
    if counts.is_empty() {
        return None;
    }
    let date = sel.revision.published.format("%Y%m%d%H%M%S").to_string();
    let url = sel.article.url.as_deref();
    let source = url
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(|h| h.trim_start_matches("www.").to_string()))
        .unwrap_or_else(|| sel.article.feed.clone());
    let v1: Vec<&str> = counts.iter().map(|(e, _)| e.as_str()).collect();
    let v21: Vec<String> = counts.iter().map(|(e, offset)| format!("{e}#{offset}")).collect();
    let fields = [
        format!("{date}-{}", sel.revision.seq),
        date,
        WEB.to_string(),
        clean(&source),
        clean(url.unwrap_or(&sel.article.stream)),
        v1.join(";"),
        v21.join(";"),
    ];
    Some(fields.join("\t") + "\n")
}

// One count block without its offset; none for an outcome GKG has no count type for.
fn count(c: &Casualty, profile: &Profile) -> Option<String> {
    let kind = match c.outcome {
        Outcome::Killed => "KILL",
        Outcome::Injured => "WOUND",
        // Prisoners taken: GKG's nearest type; "missing" has none.
        Outcome::Captured => "ARREST",
        Outcome::Missing => return None,
    };
    let noun = match c.group {
        Group::Military => "servicemen",
        Group::Civilian => "civilians",
        Group::Unknown => "people",
    };
    let object = match c.party.as_deref().and_then(|p| profile.side(p)) {
        Some(side) => format!("{} {noun}", side.name),
        None => noun.to_string(),
    };
    let location = c.location.as_deref().and_then(|id| profile.location(id));
    let place = match location {
        None => "0######".to_string(),
        Some(l) => {
            let country = profile.country_of(l);
            let fips = country.map_or("", |c| c.fips.as_str());
            let full = match country {
                Some(c) => format!("{}, {}", l.name, c.name),
                None => l.name.clone(),
            };
            // GKG's location types: 4 a world city, 5 a world state (first-order division).
            let loc_type = match l.kind {
                LocationKind::Region | LocationKind::District => 5,
                _ => 4,
            };
            format!(
                "{loc_type}#{}#{fips}#{fips}#{:.4}#{:.4}#{}",
                clean(&full),
                l.lat,
                l.lon,
                clean(&l.id)
            )
        }
    };
    Some(format!("{kind}#{}#{}#{place}", c.count, clean(&object)))
}

// GKG's separators may not appear inside a field.
fn clean(s: &str) -> String {
    s.replace(['#', ';', '\t', '\n', '\r'], " ")
}
