//! Casualty rules, one pattern per test: counts in digits and words, outcomes, groups, parties
//! from adjectives, possessives and agents, bounds, scope, places, reporters, and the traps
//! (years, ages, dates, money, distances, vague amounts, subsets, other wars).

use crate::extract::testkit::run;

/// `count outcome group party bound scope location reporter` for each figure, `-` for none.
fn facts(text: &str) -> Vec<String> {
    run(text, "2020-10-12")
        .casualties
        .iter()
        .map(|c| {
            format!(
                "{} {} {} {} {} {} {} {}",
                c.count,
                ser(&c.outcome),
                ser(&c.group),
                c.party.as_deref().unwrap_or("-"),
                ser(&c.bound),
                ser(&c.scope),
                c.location.as_deref().unwrap_or("-"),
                c.reporter.as_ref().map(|r| r.id.as_str()).unwrap_or("-"),
            )
        })
        .collect()
}

fn ser<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).unwrap().as_str().unwrap().to_string()
}

fn check(text: &str, expected: &[&str]) {
    assert_eq!(facts(text), expected, "\ntext: {text}");
}

#[test]
fn digits_and_number_words() {
    check(
        "Armenia's Defence Ministry said 16 servicemen had been killed.",
        &["16 killed military armenia exact incident - armenia-mod"],
    );
    check(
        "The Nagorno-Karabakh defence ministry said twenty-five soldiers were killed.",
        &["25 killed military armenia exact incident - artsakh-mod"],
    );
    check(
        "A hundred Armenian soldiers were killed, the Azerbaijani Defence Ministry said.",
        &["100 killed military armenia exact incident - azerbaijan-mod"],
    );
    // "Officials" with no body named before them attributes to no one.
    check(
        "Officials said 1,592 people were injured.",
        &["1592 injured unknown - exact incident - -"],
    );
}

#[test]
fn outcomes() {
    check(
        "Five soldiers died in the clashes.",
        &["5 killed military - exact incident - -"],
    );
    check(
        "Two civilians lost their lives in Tartar.",
        &["2 killed civilian azerbaijan exact incident tartar -"],
    );
    check(
        "Seven servicemen are missing.",
        &["7 missing military - exact incident - -"],
    );
    check(
        "Two Armenian soldiers were taken prisoner.",
        &["2 captured military armenia exact incident - -"],
    );
    // Soldiers of either side fight anywhere: the place says nothing about whose they were.
    check(
        "Three fighters were wounded near Fuzuli.",
        &["3 injured military - exact incident fuzuli -"],
    );
}

#[test]
fn two_figures_in_one_sentence_give_two_facts() {
    check(
        "According to the Prosecutor-General's office in Baku, nine civilians were killed and 34 others were injured in Ganja.",
        &[
            "9 killed civilian azerbaijan exact incident ganja azerbaijan-prosecutor-general",
            "34 injured civilian azerbaijan exact incident ganja azerbaijan-prosecutor-general",
        ],
    );
    check(
        "Armenia's Defence Ministry said 16 servicemen were killed and more than 100 wounded.",
        &[
            "16 killed military armenia exact incident - armenia-mod",
            "100 injured military armenia more_than incident - armenia-mod",
        ],
    );
    check(
        "Azerbaijani shelling hit Martuni, killing nine civilians and wounding 34.",
        &[
            "9 killed civilian armenia exact incident martuni -",
            "34 injured civilian armenia exact incident martuni -",
        ],
    );
}

#[test]
fn party_from_adjectives_possessives_and_agents() {
    check(
        "426 Armenian servicemen have been killed.",
        &["426 killed military armenia exact incident - -"],
    );
    check("Azerbaijani civilians were wounded in the attack, 12 in all.", &[]);
    check(
        "Twelve Azerbaijani civilians were wounded.",
        &["12 injured civilian azerbaijan exact incident - -"],
    );
    check(
        "Azerbaijan's military losses rose to 2,783, the Azerbaijani Defence Ministry said.",
        &["2783 killed military azerbaijan exact cumulative - azerbaijan-mod"],
    );
    check(
        "The Azerbaijani Defence Ministry said its forces had killed 1,000 enemy soldiers.",
        &["1000 killed military armenia exact incident - azerbaijan-mod"],
    );
    check(
        "Nagorno-Karabakh's defence ministry said two of its servicemen were killed.",
        &["2 killed military armenia exact incident - artsakh-mod"],
    );
    check(
        "Armenia lost 16 servicemen on Sunday.",
        &["16 killed military armenia exact incident - -"],
    );
}

#[test]
fn bounds() {
    check(
        "At least 41 civilians have been killed.",
        &["41 killed civilian - at_least incident - -"],
    );
    check(
        "More than 100 soldiers were wounded.",
        &["100 injured military - more_than incident - -"],
    );
    check(
        "About 50 fighters were killed.",
        &["50 killed military - approx incident - -"],
    );
    check(
        "Up to 30 soldiers are missing.",
        &["30 missing military - at_most incident - -"],
    );
    check(
        "Nearly 200 troops were killed.",
        &["200 killed military - approx incident - -"],
    );
}

#[test]
fn scope_running_totals_and_single_events() {
    check(
        "The death toll among Nagorno-Karabakh servicemen has risen to 1,177 since September 27.",
        &["1177 killed military armenia exact cumulative - -"],
    );
    check(
        "In all, 85 civilians have been killed.",
        &["85 killed civilian - exact cumulative - -"],
    );
    check(
        "The death toll from Sunday's strike on Ganja rose to 13.",
        &["13 killed unknown azerbaijan exact incident ganja -"],
    );
    check(
        "A strike on Barda killed 21 civilians.",
        &["21 killed civilian azerbaijan exact incident barda -"],
    );
}

#[test]
fn reporter_by_pronoun_carries_over() {
    let text = "The Artsakh Defence Army published a new list on Tuesday. It said 41 more servicemen had been killed.";
    check(text, &["41 killed military armenia exact incident - artsakh-mod"]);
}

#[test]
fn place_from_the_previous_sentence() {
    check(
        "A missile struck an apartment block in Ganja overnight. Nine civilians were killed and 34 were injured.",
        &[
            "9 killed civilian azerbaijan exact incident ganja -",
            "34 injured civilian azerbaijan exact incident ganja -",
        ],
    );
}

#[test]
fn traps_are_never_casualties() {
    // Years, ages, dates, money, distances, durations, vague amounts.
    check("In 2020 soldiers were killed.", &[]);
    check("A 65-year-old man was killed.", &[]);
    check("Shelling on October 10 killed civilians.", &[]);
    check("The war cost $5 million and displaced 90,000 people.", &[]);
    check("Troops advanced 20 kilometres and 3 days later were killed.", &[]);
    check(
        "Hundreds of people were killed and dozens of soldiers were wounded.",
        &[],
    );
    check("Several hundred troops were killed.", &[]);
    // Counts of things, not people.
    check("Azerbaijan said it destroyed 14 tanks and damaged 1,165 houses.", &[]);
    // Subsets are part of a figure already counted.
    check(
        "Nine civilians, including two children, were killed.",
        &["9 killed civilian - exact incident - -"],
    );
    // Background about another year.
    check("In 2016, some 200 people died in four days of fighting.", &[]);
    // Negation.
    check("No civilians were killed, and 3 soldiers were not hurt.", &[]);
}

#[test]
fn shared_verb_across_coordinated_figures() {
    check(
        "The ministry of defence of Azerbaijan said 200 Armenian soldiers and 80 Armenian civilians were killed.",
        &[
            "200 killed military armenia exact incident - azerbaijan-mod",
            "80 killed civilian armenia exact incident - azerbaijan-mod",
        ],
    );
}

#[test]
fn gapped_figure_takes_the_outcome_of_the_first() {
    check(
        "Twelve civilians were killed in Azerbaijan and seven in Artsakh.",
        &[
            "12 killed civilian azerbaijan exact incident - -",
            "7 killed civilian armenia exact incident - -",
        ],
    );
}

#[test]
fn numbers_inside_parentheses_and_relative_clauses_are_skipped() {
    check(
        "Nine civilians (three of them children) were killed in Stepanakert.",
        &["9 killed civilian armenia exact incident stepanakert -"],
    );
    check(
        "Officials, who said 3 villages were shelled, reported 14 soldiers killed.",
        &["14 killed military - exact incident - -"],
    );
}

#[test]
fn subsets_after_among_them_are_not_new_figures() {
    check(
        "Eleven people were killed in Barda, among them two children.",
        &["11 killed unknown azerbaijan exact incident barda -"],
    );
    check(
        "Thirty servicemen were wounded; four of them are in serious condition.",
        &["30 injured military - exact incident - -"],
    );
}

#[test]
fn tolls_with_increments_and_long_phrases() {
    check(
        "The toll of military dead reported by the Artsakh Defence Army rose by 35 to 1,068.",
        &["1068 killed military armenia exact cumulative - artsakh-mod"],
    );
    check(
        "The number of civilians killed by Armenian shelling since September 27 has reached 63.",
        &["63 killed civilian azerbaijan exact cumulative - -"],
    );
    // The figure after the toll belongs to the toll only when nothing else claims it.
    check(
        "The death toll rose to 40 soldiers and 12 civilians.",
        &[
            "40 killed military - exact cumulative - -",
            "12 killed civilian - exact cumulative - -",
        ],
    );
}

#[test]
fn side_lost_men_means_military_dead() {
    check(
        "Azerbaijan has not disclosed its losses, but Armenia said it had lost 710 men.",
        &["710 killed military armenia exact cumulative - armenia-other"],
    );
}

#[test]
fn party_from_the_shelling_of_forces_of_or_attacks_against_a_side() {
    check(
        "The shelling of Azerbaijani villages killed four civilians.",
        &["4 killed civilian azerbaijan exact incident - -"],
    );
    check(
        "Artillery fire by the forces of Azerbaijan wounded 6 civilians in Martakert.",
        &["6 injured civilian armenia exact incident martakert -"],
    );
    check(
        "Rocket attacks against Armenia killed 3 civilians.",
        &["3 killed civilian armenia exact incident - -"],
    );
}

#[test]
fn figures_from_before_the_war_are_background() {
    // The profile says the war began on 2020-09-27: an earlier dated figure is history.
    check("In July 2020, 16 soldiers were killed in clashes on the border.", &[]);
    check("About 30,000 people were killed in the war that ended in 1994.", &[]);
    check(
        "A soldier born in 1999 was among 24 servicemen killed on Monday.",
        &["24 killed military - exact incident - -"],
    );
}

#[test]
fn place_from_context_only_after_a_strike() {
    // The previous sentence names a place without a strike: no location is inherited.
    check(
        "The president visited Ganja on Friday. Seven soldiers were killed, the ministry said.",
        &["7 killed military - exact incident - -"],
    );
}

#[test]
fn foreign_reporters_are_not_a_party() {
    check(
        "Two French reporters were wounded in Martuni.",
        &["2 injured civilian - exact incident martuni -"],
    );
}

#[test]
fn a_noun_shared_by_coordinated_sides() {
    check(
        "The fighting killed 2,300 soldiers and at least 90 Azerbaijani and 60 Armenian civilians.",
        &[
            "2300 killed military - exact incident - -",
            "90 killed civilian azerbaijan at_least incident - -",
            "60 killed civilian armenia exact incident - -",
        ],
    );
}

#[test]
fn side_named_after_the_noun() {
    check(
        "It said 412 servicemen of the Azerbaijani army had been killed.",
        &["412 killed military azerbaijan exact incident - -"],
    );
}

#[test]
fn hyphenated_backers_and_toll_nouns_from_the_vocabulary() {
    check(
        "At least 12 Turkish-backed Syrian mercenaries were killed.",
        &["12 killed military - at_least incident - -"],
    );
    check(
        "The death toll among the foreign mercenaries has risen to 75.",
        &["75 killed military - exact cumulative - -"],
    );
}

#[test]
fn fire_from_a_side_names_the_attacker() {
    check(
        "Officials in Baku said 11 people were injured by shelling from the Armenian side.",
        &["11 injured unknown azerbaijan exact incident - azerbaijan-government"],
    );
}

#[test]
fn a_breakdown_of_them_lists_no_new_figures() {
    check(
        "Twenty civilians were wounded, 8 of them children and 3 elderly people.",
        &["20 injured civilian - exact incident - -"],
    );
}

#[test]
fn a_running_total_stands_for_the_report_not_the_start_of_its_period() {
    let as_of = |text: &str| -> Vec<String> {
        run(text, "2020-10-12")
            .casualties
            .iter()
            .map(|c| c.as_of.to_string())
            .collect()
    };
    for text in [
        "The toll among its servicemen had risen to 480 since fighting began on September 27.",
        "Since September 27, 480 servicemen have been killed.",
        "480 servicemen have been killed since the war broke out on September 27.",
    ] {
        assert_eq!(as_of(text), ["2020-10-12"], "\ntext: {text}");
    }
    // A day the figure stands for is kept, even in a sentence with a period.
    assert_eq!(
        as_of("On October 10, 45 servicemen were killed, the ministry said."),
        ["2020-10-10"]
    );
}
