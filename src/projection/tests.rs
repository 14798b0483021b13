//! The fold and the views on small hand-made logs: revisions replace facts, headline rules and
//! their order, enemy claims and unattributed figures never headline, flags, truce grouping, and
//! control status.

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use super::casualties::{self, Flag};
use super::ceasefire::{self, TruceStatus};
use super::control::{self, PlaceStatus};
use super::{ArticleFacts, AsOf, apply, select};
use crate::article::{Article, ArticleKey};
use crate::event::{ARTICLE_SCHEMA_VERSION, ArticlePayload, EventHeader, EventType, Producer, Source, StoredEvent};
use crate::extract::testkit::lex;
use crate::extract::{Group, Outcome};

fn at(s: &str) -> DateTime<Utc> {
    Utc.from_utc_datetime(&chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
}

fn event(seq: u64, guid: &str, published: &str, text: &str) -> StoredEvent {
    let article = Article {
        feed: "wire".into(),
        key: ArticleKey::Guid(guid.into()),
        guid: Some(guid.into()),
        link: None,
        title: None,
        text: text.into(),
        authors: vec![],
        categories: vec![],
        published_at: Some(at(published)),
        updated_at: None,
    };
    StoredEvent {
        header: EventHeader {
            seq,
            event_id: Uuid::nil(),
            event_type: EventType::ArticleObserved,
            schema_version: ARTICLE_SCHEMA_VERSION,
            recorded_at_us: 0,
            stream: article.stream(),
            revision: 0,
            correlation_id: Uuid::nil(),
            causation_id: None,
            source: Source {
                feed: "wire".into(),
                url: "file:///wire".into(),
            },
            producer: Producer::current(),
            content_type: "application/json".into(),
            payload_len: 0,
            payload_crc32c: 0,
        },
        payload: ArticlePayload::new(article),
    }
}

/// Folds `(guid, published, text)` in order, one event each.
pub(crate) fn fold(items: &[(&str, &str, &str)]) -> Vec<ArticleFacts> {
    let mut state: std::collections::BTreeMap<String, ArticleFacts> = Default::default();
    for (i, (guid, published, text)) in items.iter().enumerate() {
        let e = event(i as u64 + 1, guid, published, text);
        let prev = state.remove(&e.header.stream);
        state.insert(e.header.stream.clone(), apply(prev, &e, lex()));
    }
    state.into_values().collect()
}

pub(crate) fn profile() -> &'static crate::profile::Profile {
    &lex().profile
}

#[test]
fn a_revision_replaces_the_facts_of_its_article() {
    let a = fold(&[
        (
            "a",
            "2020-10-11 10:00",
            "Azerbaijan's Prosecutor-General's Office said 41 civilians had been killed since September 27.",
        ),
        (
            "a",
            "2020-10-11 10:00",
            "Azerbaijan's Prosecutor-General's Office said 42 civilians had been killed since September 27.",
        ),
    ]);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].revisions.len(), 2);
    let counts = |as_of: AsOf| -> Vec<u64> {
        select(&a, &as_of)
            .iter()
            .flat_map(|s| s.revision.facts.casualties.iter().map(|c| c.count))
            .collect()
    };
    assert_eq!(counts(AsOf::default()), vec![42]);
    assert_eq!(
        counts(AsOf {
            date: None,
            seq: Some(1)
        }),
        vec![41],
        "as known before the revision"
    );
}

#[test]
fn headline_rules_prefer_third_parties_for_civilians_and_own_counts_for_soldiers() {
    let a = fold(&[
        (
            "p",
            "2020-10-20 10:00",
            "Azerbaijan's Prosecutor-General's Office said 61 civilians had been killed since September 27.",
        ),
        (
            "u",
            "2020-10-18 10:00",
            "The United Nations said 50 Azerbaijani civilians had been killed since September 27.",
        ),
        (
            "m",
            "2020-10-20 10:00",
            "The Nagorno-Karabakh defence ministry said the death toll among its servicemen had risen to 700 since September 27.",
        ),
        (
            "e",
            "2020-10-21 10:00",
            "The Azerbaijani Defence Ministry said its forces had killed 5,000 Armenian soldiers since September 27.",
        ),
        (
            "x",
            "2020-10-22 10:00",
            "Some 800 Armenian soldiers have been killed since September 27.",
        ),
    ]);
    let v = casualties::view(&a, profile(), AsOf::default());
    let tally = |party: &str, group: Group| {
        v.tallies
            .iter()
            .find(|t| t.party.as_deref() == Some(party) && t.group == group && t.outcome == Outcome::Killed)
            .unwrap()
    };
    let civ = tally("azerbaijan", Group::Civilian).headline.clone().unwrap();
    assert_eq!(
        (civ.count, civ.rule.as_str(), civ.reporter.as_str()),
        (50, "third-party", "united-nations")
    );
    assert_eq!(
        (
            tally("azerbaijan", Group::Civilian).low,
            tally("azerbaijan", Group::Civilian).high
        ),
        (Some(50), Some(61))
    );
    let mil = tally("armenia", Group::Military);
    let h = mil.headline.clone().unwrap();
    // The enemy's 5,000 and the unattributed 800 are shown but never the headline.
    assert_eq!((h.count, h.rule.as_str()), (700, "own-official"));
    assert!(mil.series.iter().any(|s| s.points.iter().any(|p| p.count == 5000)));
    assert!(mil.series.iter().any(|s| s.points.iter().any(|p| p.count == 800)));
    assert_eq!(
        (mil.low, mil.high),
        (Some(700), Some(700)),
        "low and high leave out enemy claims"
    );
}

#[test]
fn decreases_are_kept_and_confirmed_jumps_are_not_suspect() {
    let a = fold(&[
        (
            "1",
            "2020-10-10 10:00",
            "Azerbaijan's Prosecutor-General's Office said 40 civilians had been injured since September 27.",
        ),
        (
            "2",
            "2020-10-11 10:00",
            "Azerbaijan's Prosecutor-General's Office said 38 civilians had been injured since September 27.",
        ),
        (
            "3",
            "2020-10-12 10:00",
            "Azerbaijan's Prosecutor-General's Office said 200 civilians had been injured since September 27.",
        ),
        (
            "4",
            "2020-10-14 10:00",
            "Azerbaijan's Prosecutor-General's Office said 230 civilians had been injured since September 27.",
        ),
    ]);
    let v = casualties::view(&a, profile(), AsOf::default());
    let points = &v.tallies[0].series[0].points;
    let flags: Vec<(u64, Vec<Flag>)> = points.iter().map(|p| (p.count, p.flags.clone())).collect();
    assert_eq!(
        flags,
        vec![
            (40, vec![]),
            (38, vec![Flag::PossibleCorrection]),
            (200, vec![]),
            (230, vec![])
        ]
    );
    // Before the confirming figure of the 14th, the jump to 200 was suspect.
    let early = casualties::view(
        &a,
        profile(),
        AsOf {
            date: Some("2020-10-13".parse().unwrap()),
            seq: None,
        },
    );
    assert_eq!(early.tallies[0].headline.as_ref().map(|h| h.count), Some(38));
}

#[test]
fn dateless_truce_reports_belong_to_the_truce_of_their_day() {
    let a = fold(&[
        (
            "1",
            "2020-10-09 22:00",
            "Armenia and Azerbaijan agreed to a humanitarian ceasefire from noon local time on Saturday.",
        ),
        (
            "2",
            "2020-10-10 16:00",
            "Azerbaijan accused Armenia of violating the truce.",
        ),
        (
            "3",
            "2020-10-11 08:00",
            "Armenia accused Azerbaijan of violating the truce.",
        ),
        (
            "4",
            "2020-10-12 08:00",
            "The humanitarian truce between Armenia and Azerbaijan has collapsed.",
        ),
        (
            "5",
            "2020-10-15 08:00",
            "Armenia and Azerbaijan agreed to a new ceasefire, Russia said.",
        ),
    ]);
    let v = ceasefire::view(&a, AsOf::default());
    assert_eq!(v.truces.len(), 2);
    let first = &v.truces[0];
    assert_eq!(first.id, "truce-2020-10-10");
    assert_eq!(first.status, TruceStatus::Collapsed);
    assert_eq!(first.violations.get("azerbaijan"), Some(&1));
    assert_eq!(first.violations.get("armenia"), Some(&1));
    assert_eq!(v.truces[1].status, TruceStatus::Agreed);
    assert_eq!(v.truces[1].brokers, vec!["russia"]);
    // Before noon on the 10th the first truce was agreed; after its start, in effect.
    let before = ceasefire::view(
        &a,
        AsOf {
            date: Some("2020-10-09".parse().unwrap()),
            seq: None,
        },
    );
    assert_eq!(before.truces[0].status, TruceStatus::Agreed);
}

#[test]
fn a_place_is_contested_when_the_other_side_disputes_the_latest_change() {
    let a = fold(&[
        (
            "1",
            "2020-10-09 10:00",
            "Azerbaijani forces captured the town of Hadrut, the Azerbaijani Defence Ministry said.",
        ),
        ("2", "2020-10-09 14:00", "Armenia denied that Hadrut had been captured."),
        (
            "3",
            "2020-10-15 10:00",
            "Azerbaijani troops took full control of Hadrut, Aliyev said.",
        ),
    ]);
    let status = |date: &str| {
        control::view(
            &a,
            profile(),
            AsOf {
                date: Some(date.parse().unwrap()),
                seq: None,
            },
        )
        .places
        .into_iter()
        .find(|p| p.location == "hadrut")
        .map(|p| (p.status, p.controller, p.initially_held_by))
    };
    assert_eq!(status("2020-10-08"), None);
    assert_eq!(
        status("2020-10-10"),
        Some((
            PlaceStatus::Contested,
            Some("azerbaijan".into()),
            Some("armenia".into())
        ))
    );
    assert_eq!(
        status("2020-10-16"),
        Some((PlaceStatus::Held, Some("azerbaijan".into()), Some("armenia".into())))
    );
}
