//! Control claims: captures by active and passive verbs, lists of places, losses, contested
//! places, denials, and places only named in passing.

use crate::extract::testkit::run;

/// `location change side claimed_by` of each claim.
fn claims(text: &str) -> Vec<String> {
    run(text, "2020-10-20")
        .control
        .iter()
        .map(|c| {
            format!(
                "{} {} {} {}",
                c.location,
                serde_json::to_value(c.change).unwrap().as_str().unwrap(),
                c.side.as_deref().unwrap_or("-"),
                c.claimed_by.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

fn check(text: &str, expected: &[&str]) {
    assert_eq!(claims(text), expected, "\ntext: {text}");
}

#[test]
fn captures() {
    check(
        "Azerbaijani forces captured the town of Hadrut.",
        &["hadrut captured azerbaijan azerbaijan"],
    );
    check(
        "President Ilham Aliyev said the army had liberated Jabrayil.",
        &["jabrayil captured azerbaijan azerbaijan"],
    );
    check(
        "Shusha fell to Azerbaijani forces on Sunday.",
        &["shusha captured azerbaijan azerbaijan"],
    );
    check(
        "Hadrut was captured by Azerbaijani troops.",
        &["hadrut captured azerbaijan azerbaijan"],
    );
}

#[test]
fn a_list_of_places() {
    check(
        "Azerbaijan said it had liberated Fuzuli, Jabrayil and Zangilan.",
        &[
            "fuzuli captured azerbaijan azerbaijan",
            "jabrayil captured azerbaijan azerbaijan",
            "zangilan captured azerbaijan azerbaijan",
        ],
    );
}

#[test]
fn losses_and_contested_places() {
    check(
        "Armenian forces withdrew from Lachin under the agreement.",
        &["lachin lost armenia armenia"],
    );
    check(
        "Heavy fighting raged around Martuni, officials said.",
        &["martuni contested - -"],
    );
    check("The battle for Shusha continued.", &["shusha contested - -"]);
}

#[test]
fn a_denied_capture_is_contested() {
    check(
        "Azerbaijani forces captured Hadrut, Aliyev said, but Armenia denied that Hadrut had fallen.",
        &[
            "hadrut captured azerbaijan azerbaijan",
            "hadrut contested azerbaijan armenia",
        ],
    );
}

#[test]
fn places_named_in_passing_are_not_claims() {
    check(
        "Azerbaijan said it captured several villages in the Jabrayil district.",
        &[],
    );
    check("Shelling hit Stepanakert again.", &[]);
    check("Azerbaijani forces did not capture Shusha.", &[]);
}
