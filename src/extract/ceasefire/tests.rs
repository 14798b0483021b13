//! Ceasefire statements: each status, brokers, effective times, accusations of violation, and
//! truces of other wars left out.

use crate::extract::testkit::run;

/// `status brokers effective_at by against` of each statement.
fn statements(text: &str, date: &str) -> Vec<String> {
    run(text, date)
        .ceasefire
        .iter()
        .map(|c| {
            format!(
                "{} [{}] {} {} {}",
                serde_json::to_value(c.status).unwrap().as_str().unwrap(),
                c.brokers.join(","),
                c.effective_at.as_deref().unwrap_or("-"),
                c.by.as_deref().unwrap_or("-"),
                c.against.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

fn check(text: &str, date: &str, expected: &[&str]) {
    assert_eq!(statements(text, date), expected, "\ntext: {text}");
}

#[test]
fn each_status() {
    check(
        "France urged Armenia and Azerbaijan to agree to a ceasefire.",
        "2020-10-01",
        &["proposed [france] - - -"],
    );
    check(
        "After talks in Moscow, Armenia and Azerbaijan agreed to a humanitarian ceasefire from noon local time on Saturday.",
        "2020-10-10",
        &["agreed [russia] 2020-10-10T12:00:00+04:00 - -"],
    );
    check(
        "The Russian-brokered truce took effect at noon on Saturday.",
        "2020-10-11",
        &["in_effect [russia] 2020-10-10T12:00:00+04:00 - -"],
    );
    check(
        "The ceasefire was largely holding on Monday, residents said.",
        "2020-11-16",
        &["holding [] - - -"], // "on Monday" dates the report, not the truce
    );
    check(
        "The truce collapsed within hours as shelling resumed.",
        "2020-10-11",
        &["collapsed [] - - -"],
    );
    check("The ceasefire did not hold.", "2020-10-27", &["collapsed [] - - -"]);
}

#[test]
fn a_future_effect_is_an_agreement() {
    check(
        "A new ceasefire brokered by the United States will take effect at 08:00 local time (0400 GMT) on Monday.",
        "2020-10-25",
        &["agreed [united-states] 2020-10-26T08:00:00+04:00 - -"],
    );
}

#[test]
fn violations_name_who_accuses_whom() {
    check(
        "Azerbaijan accused Armenia of violating the truce within minutes of it taking effect.",
        "2020-10-10",
        &["violated [] - azerbaijan armenia"],
    );
    check(
        "Armenian forces breached the ceasefire overnight, the Azerbaijani Defence Ministry said.",
        "2020-10-18",
        &["violated [] - azerbaijan armenia"],
    );
    check(
        "Armenia and Azerbaijan accused each other of violating the ceasefire.",
        "2020-10-18",
        &["violated [] - - -"],
    );
}

#[test]
fn ordinary_verbs_far_from_the_truce_word_do_not_set_a_status() {
    // "held" and "began" describe the talks and the fighting, not the truce.
    check(
        "Talks were held in Geneva, and fighting began again; a truce was discussed.",
        "2020-10-30",
        &[],
    );
    check(
        "Fighting broke out again, days after the truce was agreed.",
        "2020-10-12",
        &["agreed [] - - -"],
    );
}

#[test]
fn other_wars_truces_are_left_out() {
    check(
        "Russia also brokered a ceasefire in Syria's Idlib province last March.",
        "2020-10-10",
        &[],
    );
    check("In 1994, a ceasefire ended the first war.", "2020-10-10", &[]);
}
