//! Dates and times resolved against publication: weekdays by tense, month and day with the
//! right year, times of day with their zone.

use chrono::{NaiveDate, TimeZone, Utc};

use super::{Tense, find, tense};
use crate::extract::text::tokenize;

const OFFSET: i32 = 4 * 3600;

fn resolve(text: &str, published: &str) -> Vec<String> {
    let toks = tokenize(text, 0..text.len());
    let p = Utc.from_utc_datetime(&chrono::NaiveDateTime::parse_from_str(published, "%Y-%m-%dT%H:%M").unwrap());
    find(&toks, p, OFFSET, tense(&toks))
        .iter()
        .map(|w| w.to_rfc3339_or_date())
        .collect()
}

#[test]
fn weekdays_follow_the_tense() {
    // Friday 9 October 2020.
    assert_eq!(
        resolve(
            "The truce will take effect from noon local time on Saturday.",
            "2020-10-09T10:00"
        ),
        vec!["2020-10-10T12:00:00+04:00"]
    );
    assert_eq!(
        resolve("Shelling on Saturday killed two.", "2020-10-12T10:00"),
        vec!["2020-10-10"]
    );
    assert_eq!(
        resolve("Talks resume on Friday.", "2020-10-09T10:00"),
        vec!["2020-10-09"]
    );
}

#[test]
fn month_and_day_take_the_publication_year() {
    assert_eq!(resolve("since September 27", "2020-10-14T10:00"), vec!["2020-09-27"]);
    assert_eq!(
        resolve("on 10 October 2020 and Oct. 26", "2020-11-01T10:00"),
        vec!["2020-10-10", "2020-10-26"]
    );
    // A December date read in January is last year's.
    assert_eq!(resolve("on December 30", "2021-01-02T10:00"), vec!["2020-12-30"]);
}

#[test]
fn times_carry_their_zone() {
    assert_eq!(
        resolve("from 08:00 local time (0400 GMT) on October 26", "2020-10-25T10:00"),
        vec!["2020-10-26T08:00:00+04:00"]
    );
    assert_eq!(
        resolve("at midnight Moscow time on November 10", "2020-11-09T20:00"),
        vec!["2020-11-10T00:00:00+03:00"]
    );
    assert_eq!(
        resolve("it takes effect at 8 p.m.", "2020-10-17T06:00"),
        vec!["2020-10-17T20:00:00+04:00"]
    );
}

#[test]
fn a_passed_time_alone_in_the_future_tense_is_tomorrow() {
    // 20:00 local on 17 October; "from midnight" looks ahead to the 18th.
    assert_eq!(
        resolve("The truce will begin at midnight.", "2020-10-17T16:00"),
        vec!["2020-10-18T00:00:00+04:00"]
    );
}

#[test]
fn tense_from_verbs() {
    let t = |s: &str| tense(&tokenize(s, 0..s.len()));
    assert_eq!(t("It will take effect"), Tense::Future);
    assert_eq!(t("It took effect"), Tense::Past);
    assert_eq!(t("Shelling continues"), Tense::Unknown);
    let _ = NaiveDate::from_ymd_opt(2020, 1, 1);
}

#[test]
fn month_with_year_is_a_period_ending_on_its_last_day() {
    let toks = crate::extract::text::tokenize("In July 2020 and December 2019, not on 5 May.", 0..44);
    let found: Vec<String> = super::month_years(&toks).iter().map(|(d, _)| d.to_string()).collect();
    assert_eq!(found, ["2020-07-31", "2019-12-31"]);
}
