//! Accusations and denials between the profile's parties.

use crate::extract::testkit::run;

fn claims(text: &str) -> Vec<String> {
    run(text, "2020-10-20")
        .claims
        .iter()
        .map(|c| {
            format!(
                "{} {} {} | {}",
                serde_json::to_value(c.kind).unwrap().as_str().unwrap(),
                c.by,
                c.against.as_deref().unwrap_or("-"),
                c.about
            )
        })
        .collect()
}

#[test]
fn accusations_name_both_parties_and_the_charge() {
    assert_eq!(
        claims("Azerbaijan accused Armenia of shelling civilian areas in Ganja."),
        vec!["accusation azerbaijan armenia | shelling civilian areas in Ganja"]
    );
    // Actors count as their side; a non-belligerent actor stands for itself.
    assert_eq!(
        claims("Aliyev blamed Yerevan for the attack."),
        vec!["accusation azerbaijan armenia | the attack"]
    );
    assert_eq!(
        claims("Armenia accused Turkey of sending mercenaries."),
        vec!["accusation armenia turkey | sending mercenaries"]
    );
}

#[test]
fn denials_answer_the_last_accusation() {
    assert_eq!(
        claims("Armenia accused Azerbaijan of targeting Stepanakert. Baku denied the claim."),
        vec![
            "accusation armenia azerbaijan | targeting Stepanakert",
            "denial azerbaijan armenia | the claim"
        ]
    );
    assert_eq!(
        claims("Turkey denied sending Syrian fighters."),
        vec!["denial turkey syria | sending Syrian fighters"]
    );
}

#[test]
fn an_accusation_needs_someone_accused() {
    assert!(claims("Officials accused the press of exaggeration.").is_empty());
}
