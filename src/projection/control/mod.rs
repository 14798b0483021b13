//! The control view: per place, who held it when the conflict began, every claim about it, the
//! latest claim per claiming side, and its status: held by a side, or contested when the sides'
//! claims disagree within two days or a denial is on file.
//!
//! Pure. Claims are ordered by publication, never by arrival. `view` folds every article (the
//! oracle, `--at-seq`, the timeline); `kept` keeps the summary as state.

pub mod kept;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ArticleFacts, AsOf, Citation, select};
use crate::extract::{Change, ControlClaim};
use crate::profile::Profile;

/// A claim with where it was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimReport {
    /// What was claimed.
    pub change: Change,
    /// The side that took or lost the place.
    pub side: Option<String>,
    /// The side claiming it.
    pub claimed_by: Option<String>,
    /// Where it was read.
    pub citation: Citation,
}

/// Who holds a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceStatus {
    /// Held by `controller` (by the latest uncontested claim, or since the start).
    Held,
    /// The sides' claims disagree, or a capture is denied.
    Contested,
}

crate::extract::names!(PlaceStatus { Held => "held", Contested => "contested" });

/// One place.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Place {
    /// Location id.
    pub location: String,
    /// Display name.
    pub name: String,
    /// The side holding it when the conflict began (from the profile).
    pub initially_held_by: Option<String>,
    /// Held or contested.
    pub status: PlaceStatus,
    /// Who holds it, as far as the claims say.
    pub controller: Option<String>,
    /// The latest claim of each claiming side.
    pub latest_by_claimant: BTreeMap<String, ClaimReport>,
    /// Every claim, oldest first.
    pub claims: Vec<ClaimReport>,
}

/// The control view.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ControlView {
    /// What it answers for.
    pub as_of: AsOf,
    /// Places with at least one claim, in profile order.
    pub places: Vec<Place>,
}

// Claims by different sides closer than this disagree about the same moment.
pub(crate) const WINDOW_HOURS: i64 = 48;

/// Builds the control view of `articles` as of `as_of`.
pub fn view(articles: &[ArticleFacts], profile: &Profile, as_of: AsOf) -> ControlView {
    let mut by_place: BTreeMap<String, Vec<ClaimReport>> = BTreeMap::new();
    for sel in select(articles, &as_of) {
        for c in &sel.revision.facts.control {
            let ControlClaim {
                location,
                side,
                change,
                claimed_by,
                evidence,
                span,
            } = c;
            by_place.entry(location.clone()).or_default().push(ClaimReport {
                change: *change,
                side: side.clone(),
                claimed_by: claimed_by.clone(),
                citation: sel.cite(evidence, *span),
            });
        }
    }
    let places = profile
        .locations
        .iter()
        .filter_map(|loc| {
            let mut claims = by_place.remove(&loc.id)?;
            claims.sort_by(|a, b| a.citation.cmp(&b.citation));
            let mut latest_by_claimant: BTreeMap<String, ClaimReport> = BTreeMap::new();
            for c in &claims {
                let who = c.claimed_by.clone().unwrap_or_else(|| "unattributed".into());
                latest_by_claimant.insert(who, c.clone());
            }
            let (status, controller) = status(&claims, loc.held_by.clone());
            Some(Place {
                location: loc.id.clone(),
                name: loc.name.clone(),
                initially_held_by: loc.held_by.clone(),
                status,
                controller,
                latest_by_claimant,
                claims,
            })
        })
        .collect();
    ControlView { as_of, places }
}

// Controller: the side of the latest capture (or the other side of the latest loss), else the
// initial holder. Contested when a claim within the window after the latest change disagrees
// with it (a denial, a capture by the other side) or fighting for the place is reported after it.
fn status(claims: &[ClaimReport], initial: Option<String>) -> (PlaceStatus, Option<String>) {
    let last_change = claims
        .iter()
        .rposition(|c| matches!(c.change, Change::Captured | Change::Lost) && c.side.is_some());
    let controller = match last_change {
        Some(i) => match claims[i].change {
            Change::Captured => claims[i].side.clone(),
            // Lost by a side: held by whoever else is claimed to hold it, if known.
            _ => claims[..i]
                .iter()
                .rev()
                .find(|c| c.change == Change::Captured && c.side != claims[i].side)
                .and_then(|c| c.side.clone())
                .or_else(|| initial.clone().filter(|s| Some(s) != claims[i].side.as_ref())),
        },
        None => initial.clone(),
    };
    let since = last_change.map_or(0, |i| i);
    let contested = claims[since..].iter().enumerate().any(|(k, c)| {
        let within = last_change
            .is_none_or(|i| (c.citation.published - claims[i].citation.published).num_hours() <= WINDOW_HOURS);
        let disagrees = match c.change {
            Change::Contested => true,
            Change::Captured => c.side != controller,
            Change::Lost => c.side == controller,
        };
        (k > 0 || last_change.is_none()) && within && disagrees
    });
    (
        if contested {
            PlaceStatus::Contested
        } else {
            PlaceStatus::Held
        },
        controller,
    )
}

/// How many of a place's most recent claims a summary carries.
pub const RECENT_CLAIMS: usize = 3;

/// One place in a summary: its status, and the latest claims instead of all of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceSummary {
    /// Location id.
    pub location: String,
    /// Display name.
    pub name: String,
    /// The side holding it when the conflict began (from the profile).
    pub initially_held_by: Option<String>,
    /// Held or contested.
    pub status: PlaceStatus,
    /// Who holds it, as far as the claims say.
    pub controller: Option<String>,
    /// The latest claim of each claiming side.
    pub latest_by_claimant: BTreeMap<String, ClaimReport>,
    /// How many claims.
    pub claims: u64,
    /// The most recent claims, oldest first.
    pub recent: Vec<ClaimReport>,
}

/// The control summary: what `frontline control` and `/v1/control` answer with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlSummary {
    /// What it answers for.
    pub as_of: AsOf,
    /// Places with at least one claim, in profile order.
    pub places: Vec<PlaceSummary>,
}

/// The summary of the fold of `articles` (the kept state's oracle, and `--at-seq`).
pub fn summary(articles: &[ArticleFacts], profile: &Profile, as_of: AsOf) -> ControlSummary {
    let places = view(articles, profile, as_of)
        .places
        .into_iter()
        .map(|p| {
            let cut = p.claims.len().saturating_sub(RECENT_CLAIMS);
            PlaceSummary {
                claims: p.claims.len() as u64,
                recent: p.claims[cut..].to_vec(),
                location: p.location,
                name: p.name,
                initially_held_by: p.initially_held_by,
                status: p.status,
                controller: p.controller,
                latest_by_claimant: p.latest_by_claimant,
            }
        })
        .collect();
    ControlSummary { as_of, places }
}
