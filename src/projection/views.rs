//! The views a reader asks for, in one list: each with its name (the CLI command and the API
//! route `/v1/<name>`), how it is answered (from the kept state, or by a fold of every article's
//! facts where no kept state exists yet for that view or question), and the answer's shape.
//!
//! The API and the CLI both go through here, so a view is added in one place. No I/O except
//! through `KeptRead` and the facts the caller hands in.

use serde::Serialize;

use super::kept::KeptRead;
use super::timeline::Window;
use super::{ArticleFacts, AsOf, casualties, ceasefire, control, mentions, timeline};
use crate::profile::Profile;
use crate::store::StoreError;

/// A view of the conflict's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// Casualties per side, group and outcome, and incidents.
    Casualties,
    /// Truces and their status.
    Ceasefire,
    /// Who holds each place.
    Control,
    /// The first report of each notable fact.
    Timeline,
    /// Actors in the news.
    Actors,
    /// Places in the news.
    Locations,
    /// Accusations and denials.
    Claims,
}

/// A view's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// `casualties`: the summary (citations of a figure are paged apart).
    Casualties(casualties::CasualtySummary),
    /// `ceasefire`: the summary (a truce's statements are paged apart).
    Ceasefire(ceasefire::CeasefireSummary),
    /// `control`: the summary (each place's status, latest claim per side, latest claims).
    Control(control::ControlSummary),
    /// `timeline`: one page of entries, counted back from the latest.
    Timeline(timeline::TimelineSummary),
    /// `actors`.
    Actors(mentions::PresenceView),
    /// `locations`.
    Locations(mentions::PresenceView),
    /// `claims`: the summary (a group's claims are paged apart).
    Claims(mentions::ClaimsSummary),
}

impl View {
    /// Every view, in the order the CLI's help lists them.
    pub const ALL: [View; 7] = [
        View::Casualties,
        View::Ceasefire,
        View::Control,
        View::Timeline,
        View::Actors,
        View::Locations,
        View::Claims,
    ];

    /// Its name: the CLI command and the API route's last segment.
    pub fn name(self) -> &'static str {
        match self {
            View::Casualties => "casualties",
            View::Ceasefire => "ceasefire",
            View::Control => "control",
            View::Timeline => "timeline",
            View::Actors => "actors",
            View::Locations => "locations",
            View::Claims => "claims",
        }
    }

    /// Whether its answer is a page (`offset`, `limit`): only the timeline's.
    pub fn pages(self) -> bool {
        self == View::Timeline
    }

    /// The answer from the kept state, now or as of a date; an audit (`AsOf::is_audit`) goes
    /// through `audit`, which overlays it. `window` is the page a paged view answers.
    pub fn from_kept(
        self,
        read: &dyn KeptRead,
        profile: &Profile,
        at: AsOf,
        window: Window,
    ) -> Result<Answer, StoreError> {
        match self {
            View::Casualties => casualties::kept::summary(read, profile, at.date).map(|mut s| {
                s.as_of = at;
                Answer::Casualties(s)
            }),
            View::Actors => mentions::kept::presence(read, mentions::kept::Kind::Actors, at).map(Answer::Actors),
            View::Locations => {
                mentions::kept::presence(read, mentions::kept::Kind::Locations, at).map(Answer::Locations)
            }
            View::Claims => mentions::kept::claims(read, at).map(Answer::Claims),
            View::Control => control::kept::summary(read, profile, at).map(Answer::Control),
            View::Ceasefire => ceasefire::kept::summary(read, at).map(Answer::Ceasefire),
            View::Timeline => timeline::kept::summary(read, at, window).map(Answer::Timeline),
        }
    }

    /// The answer from a fold of `articles`.
    pub fn from_fold(self, articles: &[ArticleFacts], profile: &Profile, at: AsOf, window: Window) -> Answer {
        match self {
            View::Casualties => Answer::Casualties(casualties::summary(articles, profile, at)),
            View::Ceasefire => Answer::Ceasefire(ceasefire::summary(articles, at)),
            View::Control => Answer::Control(control::summary(articles, profile, at)),
            View::Timeline => Answer::Timeline(timeline::summary(articles, profile, at, window)),
            View::Actors => Answer::Actors(mentions::actors(articles, at)),
            View::Locations => Answer::Locations(mentions::locations(articles, at)),
            View::Claims => Answer::Claims(mentions::claims_summary(articles, at)),
        }
    }

    /// Reads this view's answer back from its JSON (what the API sends).
    pub fn decode(self, json: &[u8]) -> Result<Answer, serde_json::Error> {
        Ok(match self {
            View::Casualties => Answer::Casualties(serde_json::from_slice(json)?),
            View::Ceasefire => Answer::Ceasefire(serde_json::from_slice(json)?),
            View::Control => Answer::Control(serde_json::from_slice(json)?),
            View::Timeline => Answer::Timeline(serde_json::from_slice(json)?),
            View::Actors => Answer::Actors(serde_json::from_slice(json)?),
            View::Locations => Answer::Locations(serde_json::from_slice(json)?),
            View::Claims => Answer::Claims(serde_json::from_slice(json)?),
        })
    }
}
