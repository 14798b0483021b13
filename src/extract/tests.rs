//! The whole extractor on one article: the DESIGN.md JSON contract (field names and value
//! sets), spans that point at their sentences, mention counts, and determinism.

use serde_json::Value;

use super::extract;
use super::testkit::{at, lex, run};

const ARTICLE: &str = "Missile strike on Ganja kills nine civilians\n\
A missile hit a residential block in Ganja, Azerbaijan's second-largest city, shortly after midnight. \
According to the Prosecutor-General's office in Baku, nine civilians were killed and 34 others were injured.\n\
Azerbaijan accused Armenia of violating the Russian-brokered humanitarian truce that took effect at noon on Saturday. \
Yerevan denied the claim and said Azerbaijani forces had shelled Stepanakert.\n\
Azerbaijani troops captured the town of Hadrut, President Ilham Aliyev said.";

#[test]
fn output_follows_the_design_contract() {
    let x = run(ARTICLE, "2020-10-11");
    let v: Value = serde_json::to_value(&x).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "relevant", "matched_rules", "casualties", "ceasefire", "control", "actors", "locations", "claims",
    ] {
        assert!(keys.contains(&k), "missing {k}");
    }
    assert_eq!(v["relevant"], true);
    let c = &v["casualties"][1];
    for (k, want) in [
        ("count", Value::from(9)),
        ("outcome", "killed".into()),
        ("group", "civilian".into()),
        ("party", "azerbaijan".into()),
        ("bound", "exact".into()),
        ("scope", "incident".into()),
        ("location", "ganja".into()),
        ("reported_by", "Prosecutor-General's office in Baku".into()),
    ] {
        assert_eq!(c[k], want, "casualties[1].{k}");
    }
    let span = c["span"].as_array().unwrap();
    let (a, b) = (span[0].as_u64().unwrap() as usize, span[1].as_u64().unwrap() as usize);
    assert_eq!(
        &ARTICLE[a..b],
        c["evidence"].as_str().unwrap(),
        "spans are byte offsets of the evidence"
    );
    assert!(c["evidence"].as_str().unwrap().starts_with("According to"));

    let cf = &v["ceasefire"][0];
    assert_eq!(cf["status"], "violated");
    assert_eq!(cf["brokers"], serde_json::json!(["russia"]));
    assert_eq!(cf["effective_at"], "2020-10-10T12:00:00+04:00");

    let control = &v["control"][0];
    assert_eq!(
        (
            control["location"].as_str(),
            control["side"].as_str(),
            control["change"].as_str()
        ),
        (Some("hadrut"), Some("azerbaijan"), Some("captured"))
    );
    assert_eq!(control["claimed_by"], "azerbaijan");

    let kinds: Vec<(&str, &str, &str)> = v["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap(),
                c["by"].as_str().unwrap(),
                c["against"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("accusation", "azerbaijan", "armenia"),
            ("denial", "armenia", "azerbaijan")
        ]
    );

    let ganja = v["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "ganja")
        .unwrap();
    assert_eq!(ganja["mentions"], 2);
    assert_eq!(ganja["lat"], 40.6828);
    let azerbaijan = v["actors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "azerbaijan")
        .unwrap();
    assert_eq!(azerbaijan["name"], "Azerbaijan");
    assert!(azerbaijan["mentions"].as_u64().unwrap() >= 4);
}

#[test]
fn the_title_line_is_its_own_sentence() {
    let x = run(ARTICLE, "2020-10-11");
    // "Missile strike on Ganja kills nine civilians" is a headline: its figure is there too.
    assert_eq!(x.casualties[0].evidence, "Missile strike on Ganja kills nine civilians");
    assert_eq!(x.casualties[0].count, 9);
}

#[test]
fn extraction_is_deterministic() {
    let a = serde_json::to_string(&extract(ARTICLE, at("2020-10-11"), lex())).unwrap();
    let b = serde_json::to_string(&extract(ARTICLE, at("2020-10-11"), lex())).unwrap();
    assert_eq!(a, b);
}

#[test]
fn irrelevant_text_says_so() {
    let x = run(
        "Azerbaijan signed a gas supply deal with Italy on Tuesday.",
        "2020-07-02",
    );
    assert!(!x.relevant);
    assert!(x.matched_rules.is_empty());
}
