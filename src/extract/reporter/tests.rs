//! Attribution: the reporter before or after the verb, "according to", pronouns, and derived
//! reporters for bodies the profile does not list.

use crate::extract::reporter::attributions;
use crate::extract::testkit::lex;
use crate::extract::text::tokenize;

fn who(text: &str) -> Vec<String> {
    let toks = tokenize(text, 0..text.len());
    attributions(&toks, text, lex())
        .iter()
        .map(|a| {
            format!(
                "{} => {}",
                a.text,
                a.reporter.as_ref().map(|r| r.id.as_str()).unwrap_or("(pronoun)")
            )
        })
        .collect()
}

#[test]
fn named_reporters_from_the_profile() {
    assert_eq!(
        who("Armenia's Defence Ministry said 16 servicemen died."),
        vec!["Armenia's Defence Ministry => armenia-mod"]
    );
    assert_eq!(
        who("According to the Prosecutor-General's office in Baku, nine civilians died."),
        vec!["Prosecutor-General's office in Baku => azerbaijan-prosecutor-general"]
    );
    assert_eq!(who("Two civilians died, the ICRC said."), vec!["ICRC => icrc"]);
    assert_eq!(
        who("Nine died, said Shushan Stepanyan, the ministry's spokeswoman."),
        vec!["Shushan Stepanyan => armenia-mod"]
    );
}

#[test]
fn unlisted_reporters_are_derived_from_side_and_kind() {
    assert_eq!(
        who("Azerbaijan's health ministry said 12 people were treated."),
        vec!["Azerbaijan's health ministry => azerbaijan-health"]
    );
    assert_eq!(
        who("The Armenian foreign ministry said talks would resume."),
        vec!["Armenian foreign ministry => armenia-government"]
    );
}

#[test]
fn pronouns_and_bare_bodies_are_left_for_the_article_to_resolve() {
    assert_eq!(
        who("It said 41 more servicemen had been killed."),
        vec!["It => (pronoun)"]
    );
    assert_eq!(who("The ministry said the toll rose."), vec!["ministry => (pronoun)"]);
}

#[test]
fn verbs_without_a_plausible_reporter_are_not_attributions() {
    assert!(
        who("Residents reported 16 explosions.").is_empty()
            || who("Residents reported 16 explosions.") == vec!["Residents => unknown-other"]
    );
    assert!(who("The figures were put at 40.").is_empty());
}
