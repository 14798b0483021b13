//! Topic matching against the shipped profile and against small hand-written rules.

use std::path::Path;

use super::{Matcher, fold, fold_any};
use crate::profile::{Profile, Topic};

fn shipped() -> Matcher {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/profiles/nagorno-karabakh.toml");
    let profile = Profile::load(&path).expect("the shipped profile loads");
    Matcher::for_profile(&profile).expect("the shipped profile compiles")
}

fn check(m: &Matcher, text: &str, expected: &[&str]) {
    assert_eq!(m.matches_text(text), expected, "text: {text}");
}

#[test]
fn shipped_profile_keeps_war_reports() {
    let m = shipped();
    check(
        &m,
        "Heavy shelling hit Stepanakert overnight, officials said.",
        &["karabakh"],
    );
    check(&m, "Şuşa was shelled again on Thursday.", &[]);
    check(
        &m,
        "Armenia and Azerbaijan agreed to a humanitarian ceasefire after talks in Moscow.",
        &["armenia-azerbaijan-conflict", "side-at-war"],
    );
    check(
        &m,
        "A missile struck Ganja, Azerbaijan's second city, killing nine civilians.",
        &["war-zone-places", "side-at-war"],
    );
    check(
        &m,
        "Fighting over Nagorno-Karabakh: Armenian and Azerbaijani troops clashed again.",
        &["karabakh", "armenia-azerbaijan-conflict"],
    );
}

#[test]
fn shipped_profile_keeps_one_sided_war_reports() {
    let m = shipped();
    check(
        &m,
        "Azerbaijan's prosecutor said 41 civilians had been killed and 205 wounded.",
        &["side-at-war"],
    );
    check(
        &m,
        "Armenia's defence ministry reported heavy shelling overnight.",
        &["side-at-war"],
    );
    check(&m, "Armenia's national football team drew with Estonia.", &[]);
}

#[test]
fn shipped_profile_rejects_lookalikes() {
    let m = shipped();
    // The Baku Formula 1 race names Azerbaijan and even "attack" but is never the war.
    check(
        &m,
        "Verstappen's attack on the final lap won the Azerbaijan Grand Prix in Baku; Armenia's fans cheered.",
        &[],
    );
    check(&m, "Armenia's cognac exports rose by a fifth this year.", &[]);
    check(&m, "Azerbaijan signed a gas deal with the European Union.", &[]);
    check(&m, "Police seized ganja and a rifle after an attack in Kingston.", &[]);
    // Whole words only: "Karabakhian" is not "Karabakh", "warm" is not "war".
    check(&m, "Armenian and Azerbaijani chefs shared a warm kitchen.", &[]);
}

#[test]
fn matching_is_case_and_diacritic_insensitive() {
    let topics = vec![Topic {
        id: "t".into(),
        all: vec![],
        any: vec!["Şuşa".into(), "Tərtər".into(), "Armenia's".into()],
        none: vec![],
        regex: vec![],
    }];
    let m = Matcher::new(&topics).unwrap();
    check(&m, "SUSA was hit", &["t"]);
    check(&m, "shells fell on Terter", &["t"]);
    check(&m, "Armenia’s defence ministry said", &["t"]);
    check(&m, "Susanna", &[]);
}

#[test]
fn all_groups_none_and_regex_combine() {
    let topics = vec![Topic {
        id: "r".into(),
        all: vec![vec!["alpha".into()], vec!["beta".into(), "gamma".into()]],
        any: vec![],
        none: vec!["omega".into()],
        regex: vec![r"\b\d+ (?:killed|dead)\b".into()],
    }];
    let m = Matcher::new(&topics).unwrap();
    check(&m, "alpha gamma: 12 killed", &["r"]);
    check(&m, "alpha: 12 killed", &[]);
    check(&m, "alpha beta, nobody killed", &[]);
    check(&m, "alpha beta 3 dead omega", &[]);
}

#[test]
fn terms_with_punctuation_edges_still_match() {
    let topics = vec![Topic {
        id: "p".into(),
        all: vec![],
        any: vec!["U.S.".into(), "front line".into()],
        none: vec![],
        regex: vec![],
    }];
    let m = Matcher::new(&topics).unwrap();
    check(&m, "the U.S. envoy", &["p"]);
    check(&m, "along the front\nline", &["p"]);
    check(&m, "confrontline", &[]);
}

#[test]
fn fold_maps_typography_and_marks() {
    assert_eq!(fold("Şuşa–Ağdam’s Gəncə"), "susa-agdam's gence");
    assert_eq!(fold("İLHAM"), "ilham");
}

proptest::proptest! {
    #[test]
    fn fold_of_ascii_takes_a_shortcut_to_the_same_bytes(s in "[\\x00-\\x7f]{0,64}") {
        proptest::prop_assert_eq!(fold(&s), fold_any(&s));
    }
}

#[test]
fn a_block_rule_rejects_what_a_keep_rule_kept_and_explain_says_which() {
    let keep = vec![Topic {
        id: "karabakh".into(),
        all: vec![],
        any: vec!["Karabakh".into()],
        none: vec![],
        regex: vec![],
    }];
    let block = vec![Topic {
        id: "football".into(),
        all: vec![],
        any: vec!["Qarabag FK".into(), "Europa League".into()],
        none: vec![],
        regex: vec![],
    }];
    let m = Matcher::with_blocks(&keep, &block).unwrap();
    check(&m, "Fighting in Karabakh", &["karabakh"]);
    check(&m, "Qarabag FK, the Karabakh club, wins", &[]);
    let article = |title: &str| crate::article::Article {
        feed: "f".into(),
        key: crate::article::ArticleKey::Hash("h".into()),
        guid: None,
        link: None,
        title: Some(title.into()),
        text: String::new(),
        authors: vec![],
        categories: vec![],
        published_at: None,
        updated_at: None,
    };
    let e = m.explain(&article("Qarabag FK, the Karabakh club, wins"));
    assert!(!e.kept);
    assert_eq!(
        e.rules
            .iter()
            .map(|r| (r.rule.as_str(), r.kind, r.matched))
            .collect::<Vec<_>>(),
        [("karabakh", "keep", true), ("football", "block", true)]
    );
    assert_eq!(e.rules[1].reasons, ["any: found \"qarabag fk\""]);
    let e = m.explain(&article("Markets rally"));
    assert!(!e.kept);
    assert_eq!(e.rules[0].reasons, ["any: none of its terms found"]);
}
