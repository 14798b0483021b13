//! The actors, locations and claims views: how often each actor and place is mentioned, when it
//! was first and last seen; and every accusation and denial, grouped by who against whom.
//!
//! Pure folds over selected article versions (the oracle and `--at-seq`); `kept` keeps the same
//! answers as state folded page by page.

pub mod kept;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ArticleFacts, AsOf, Citation, select};
use crate::extract::ClaimKind;

/// How much an actor or place is in the news.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    /// Profile id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Mentions across articles.
    pub mentions: u64,
    /// Articles mentioning it.
    pub articles: u64,
    /// Publication of the first of them.
    pub first_seen: DateTime<Utc>,
    /// Publication of the last of them.
    pub last_seen: DateTime<Utc>,
    /// Latitude, for a location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude, for a location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

/// Mentions of actors and locations.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MentionsView {
    /// What it answers for.
    pub as_of: AsOf,
    /// Actors, most mentioned first.
    pub actors: Vec<Presence>,
    /// Locations, most mentioned first.
    pub locations: Vec<Presence>,
}

fn add(
    map: &mut BTreeMap<String, Presence>,
    id: &str,
    name: &str,
    mentions: u32,
    at: DateTime<Utc>,
    coords: Option<(f64, f64)>,
) {
    let p = map.entry(id.to_string()).or_insert_with(|| Presence {
        id: id.to_string(),
        name: name.to_string(),
        mentions: 0,
        articles: 0,
        first_seen: at,
        last_seen: at,
        lat: coords.map(|c| c.0),
        lon: coords.map(|c| c.1),
    });
    p.mentions += u64::from(mentions);
    p.articles += 1;
    p.first_seen = p.first_seen.min(at);
    p.last_seen = p.last_seen.max(at);
}

fn ranked(map: BTreeMap<String, Presence>) -> Vec<Presence> {
    let mut v: Vec<Presence> = map.into_values().collect();
    v.sort_by(|a, b| b.mentions.cmp(&a.mentions).then_with(|| a.id.cmp(&b.id)));
    v
}

/// One list of the mentions view: the actors, or the locations.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PresenceView {
    /// What it answers for.
    pub as_of: AsOf,
    /// Most mentioned first.
    pub entries: Vec<Presence>,
}

/// The actors in `articles` as of `as_of`.
pub fn actors(articles: &[ArticleFacts], as_of: AsOf) -> PresenceView {
    let v = view(articles, as_of);
    PresenceView {
        as_of: v.as_of,
        entries: v.actors,
    }
}

/// The locations in `articles` as of `as_of`.
pub fn locations(articles: &[ArticleFacts], as_of: AsOf) -> PresenceView {
    let v = view(articles, as_of);
    PresenceView {
        as_of: v.as_of,
        entries: v.locations,
    }
}

/// Builds the mentions view of `articles` as of `as_of`.
pub fn view(articles: &[ArticleFacts], as_of: AsOf) -> MentionsView {
    let mut actors = BTreeMap::new();
    let mut locations = BTreeMap::new();
    for sel in select(articles, &as_of) {
        let at = sel.revision.published;
        for a in &sel.revision.facts.actors {
            add(&mut actors, &a.id, &a.name, a.mentions, at, None);
        }
        for l in &sel.revision.facts.locations {
            add(&mut locations, &l.id, &l.name, l.mentions, at, Some((l.lat, l.lon)));
        }
    }
    MentionsView {
        as_of,
        actors: ranked(actors),
        locations: ranked(locations),
    }
}

/// Accusations or denials of one party against another.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClaimGroup {
    /// Accusation or denial.
    pub kind: ClaimKind,
    /// Who makes them.
    pub by: String,
    /// Against whom.
    pub against: Option<String>,
    /// What each is about, with where it was read, oldest first.
    pub items: Vec<(String, Citation)>,
}

/// The claims view.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClaimsView {
    /// What it answers for.
    pub as_of: AsOf,
    /// Groups, most claims first.
    pub groups: Vec<ClaimGroup>,
}

// Claims of one kind by one party against another.
type ClaimKey = (ClaimKind, String, Option<String>);

/// Builds the claims view of `articles` as of `as_of`.
pub fn claims(articles: &[ArticleFacts], as_of: AsOf) -> ClaimsView {
    let mut groups: BTreeMap<ClaimKey, Vec<(String, Citation)>> = BTreeMap::new();
    for sel in select(articles, &as_of) {
        for c in &sel.revision.facts.claims {
            groups
                .entry((c.kind, c.by.clone(), c.against.clone()))
                .or_default()
                .push((c.about.clone(), sel.cite(&c.evidence, c.span)));
        }
    }
    let mut groups: Vec<ClaimGroup> = groups
        .into_iter()
        .map(|((kind, by, against), mut items)| {
            items.sort_by(|a, b| a.1.cmp(&b.1));
            ClaimGroup {
                kind,
                by,
                against,
                items,
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        b.items
            .len()
            .cmp(&a.items.len())
            .then_with(|| (a.kind, &a.by, &a.against).cmp(&(b.kind, &b.by, &b.against)))
    });
    ClaimsView { as_of, groups }
}

/// How many of a claim group's most recent claims a summary carries.
pub const RECENT_CLAIMS: usize = 3;

/// One group of claims in a summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimGroupSummary {
    /// Accusation or denial.
    pub kind: ClaimKind,
    /// Who makes them.
    pub by: String,
    /// Against whom.
    pub against: Option<String>,
    /// The group's key (`accusation:azerbaijan:armenia`, `-` for nobody named), for its claims.
    pub key: String,
    /// How many claims.
    pub claims: u64,
    /// The most recent of them, oldest first.
    pub recent: Vec<(String, Citation)>,
}

/// The claims summary: what `frontline claims` and `/v1/claims` answer with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimsSummary {
    /// What it answers for.
    pub as_of: AsOf,
    /// Groups, most claims first.
    pub groups: Vec<ClaimGroupSummary>,
}

/// The key of a claim group.
pub fn claim_group_key(kind: ClaimKind, by: &str, against: Option<&str>) -> String {
    format!("{kind}:{by}:{}", against.unwrap_or("-"))
}

/// Reads a claim group's key back.
pub fn parse_claim_group_key(s: &str) -> Result<(ClaimKind, String, Option<String>), String> {
    let parts: Vec<&str> = s.split(':').collect();
    let [kind, by, against] = parts[..] else {
        return Err(format!(
            "claim group {s:?} does not have 3 parts like accusation:azerbaijan:armenia"
        ));
    };
    let kind = match kind {
        "accusation" => ClaimKind::Accusation,
        "denial" => ClaimKind::Denial,
        other => return Err(format!("claim kind {other:?} is not one of accusation, denial")),
    };
    Ok((kind, by.to_string(), (against != "-").then(|| against.to_string())))
}

/// Orders claim groups as the view does: most claims first, then kind, by, against.
pub fn sort_claim_groups(groups: &mut [ClaimGroupSummary]) {
    groups.sort_by(|a, b| {
        b.claims
            .cmp(&a.claims)
            .then_with(|| (a.kind, &a.by, &a.against).cmp(&(b.kind, &b.by, &b.against)))
    });
}

/// The summary of the fold of `articles` (the kept state's oracle, and `--at-seq`).
pub fn claims_summary(articles: &[ArticleFacts], as_of: AsOf) -> ClaimsSummary {
    let mut groups: Vec<ClaimGroupSummary> = claims(articles, as_of)
        .groups
        .into_iter()
        .map(|g| {
            let cut = g.items.len().saturating_sub(RECENT_CLAIMS);
            ClaimGroupSummary {
                key: claim_group_key(g.kind, &g.by, g.against.as_deref()),
                claims: g.items.len() as u64,
                recent: g.items[cut..].to_vec(),
                kind: g.kind,
                by: g.by,
                against: g.against,
            }
        })
        .collect();
    sort_claim_groups(&mut groups);
    ClaimsSummary { as_of, groups }
}
