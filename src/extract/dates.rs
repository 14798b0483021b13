//! Dates and times stated in a sentence ("on Saturday", "October 10", "from noon local time",
//! "at 08:00 (0400 GMT)"), resolved against the article's publication time in the conflict
//! zone's UTC offset.
//!
//! Pure. Weekdays resolve to the occurrence within six days of publication that the verb's tense
//! points at; a bare month and day takes the publication year, or the year before when that
//! would put it more than half a year in the future.

use std::ops::Range;

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};

use super::text::{Kind, Token};

/// Which way a sentence points in time, from its verbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tense {
    /// "took effect", "was agreed".
    Past,
    /// "will take effect", "from noon on Saturday".
    Future,
    /// No signal.
    Unknown,
}

/// A resolved date, with a time of day when the sentence gives one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct When {
    /// The date in the zone of `offset_secs`.
    pub date: NaiveDate,
    /// The time of day, if stated.
    pub time: Option<NaiveTime>,
    /// The UTC offset the date and time are in.
    pub offset_secs: i32,
    /// The tokens that stated it.
    pub toks: Range<usize>,
}

impl When {
    /// As an instant, when a time of day is known.
    pub fn instant(&self) -> Option<DateTime<FixedOffset>> {
        let tz = FixedOffset::east_opt(self.offset_secs)?;
        tz.from_local_datetime(&self.date.and_time(self.time?)).single()
    }

    /// RFC 3339 with the offset when a time is known (`2020-10-10T12:00:00+04:00`), else the
    /// date alone (`2020-10-10`).
    pub fn to_rfc3339_or_date(&self) -> String {
        match self.instant() {
            Some(t) => t.to_rfc3339(),
            None => self.date.to_string(),
        }
    }
}

const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("february", 2),
    ("feb", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
];

/// The month a token names ("October", "Oct"), if any; "May" and "March" only capitalised.
pub fn month(t: &Token) -> Option<u32> {
    if t.kind != Kind::Word {
        return None;
    }
    // "May" and "March" are also ordinary words; only take them capitalised.
    if (t.norm == "may" || t.norm == "mar" || t.norm == "march") && !t.upper {
        return None;
    }
    MONTHS.iter().find(|(m, _)| *m == t.norm).map(|&(_, n)| n)
}

fn weekday(t: &Token) -> Option<Weekday> {
    let w = t.norm.as_str();
    Some(match w {
        "monday" => Weekday::Mon,
        "tuesday" => Weekday::Tue,
        "wednesday" => Weekday::Wed,
        "thursday" => Weekday::Thu,
        "friday" => Weekday::Fri,
        "saturday" => Weekday::Sat,
        "sunday" => Weekday::Sun,
        _ => return None,
    })
}

// A day of the month: "10", "10th", "1st".
fn day_number(t: &Token) -> Option<u32> {
    if t.kind != Kind::Number {
        return None;
    }
    let digits: String = t.norm.chars().take_while(char::is_ascii_digit).collect();
    let suffix = &t.norm[digits.len()..];
    if !matches!(suffix, "" | "st" | "nd" | "rd" | "th") {
        return None;
    }
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

fn year_number(t: &Token) -> Option<i32> {
    if t.kind != Kind::Number || t.norm.len() != 4 {
        return None;
    }
    t.norm.parse().ok().filter(|y| (1900..=2100).contains(y))
}

/// Months named with their year ("in July 2020"), as the last day of the month, with the
/// token range: a period, not a day, so [`find`] leaves them out.
pub fn month_years(toks: &[Token]) -> Vec<(NaiveDate, Range<usize>)> {
    toks.windows(2)
        .enumerate()
        .filter_map(|(i, w)| {
            let (m, y) = (month(&w[0])?, year_number(&w[1])?);
            let next = if m == 12 {
                NaiveDate::from_ymd_opt(y + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(y, m + 1, 1)
            };
            Some((next?.pred_opt()?, i..i + 2))
        })
        .collect()
}

/// Whether the sentence's verbs point to the past or the future.
pub fn tense(toks: &[Token]) -> Tense {
    let future = toks.iter().enumerate().any(|(i, t)| {
        matches!(t.norm.as_str(), "will" | "shall" | "from" | "starting" | "tomorrow")
            || (t.is("to")
                && toks
                    .get(i + 1)
                    .is_some_and(|n| matches!(n.norm.as_str(), "take" | "come" | "enter" | "begin")))
    });
    let past = toks.iter().any(|t| {
        matches!(
            t.norm.as_str(),
            "took" | "came" | "went" | "entered" | "began" | "was" | "were" | "had" | "yesterday"
        )
    });
    match (past, future) {
        (true, false) => Tense::Past,
        (false, true) => Tense::Future,
        _ => Tense::Unknown,
    }
}

/// Every date or time stated in `toks`, resolved against `published` in the zone `offset_secs`.
pub fn find(toks: &[Token], published: DateTime<Utc>, offset_secs: i32, tense: Tense) -> Vec<When> {
    let tz = FixedOffset::east_opt(offset_secs).unwrap_or(FixedOffset::east_opt(0).expect("invariant: UTC exists"));
    let local = published.with_timezone(&tz);
    let today = local.date_naive();
    let mut out: Vec<When> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        let found: Option<(NaiveDate, Range<usize>)> = if let Some(w) = weekday(t) {
            Some((resolve_weekday(today, w, tense), i..i + 1))
        } else if let Some(m) = month(t) {
            // "October 10", "Oct. 10", "October 10, 2020"
            let mut j = i + 1;
            if toks.get(j).is_some_and(|p| p.is_punct('.')) {
                j += 1;
            }
            match toks.get(j).and_then(day_number) {
                Some(d) => {
                    let mut end = j + 1;
                    let mut year = None;
                    if toks.get(end).is_some_and(|p| p.is_punct(','))
                        && toks.get(end + 1).and_then(year_number).is_some()
                    {
                        year = toks.get(end + 1).and_then(year_number);
                        end += 2;
                    } else if let Some(y) = toks.get(end).and_then(year_number) {
                        year = Some(y);
                        end += 1;
                    }
                    resolve_month_day(today, m, d, year).map(|date| (date, i..end))
                }
                None => None,
            }
        } else if let Some(d) = day_number(t) {
            // "10 October", "10th of October", "10 October 2020"
            let mut j = i + 1;
            if toks.get(j).is_some_and(|p| p.is("of")) {
                j += 1;
            }
            match toks.get(j).and_then(month) {
                Some(m) => {
                    let year = toks.get(j + 1).and_then(year_number);
                    let end = if year.is_some() { j + 2 } else { j + 1 };
                    resolve_month_day(today, m, d, year).map(|date| (date, i..end))
                }
                None => None,
            }
        } else {
            match t.norm.as_str() {
                "today" | "tonight" => Some((today, i..i + 1)),
                "yesterday" => today.checked_sub_days(Days::new(1)).map(|d| (d, i..i + 1)),
                "tomorrow" => today.checked_add_days(Days::new(1)).map(|d| (d, i..i + 1)),
                _ => None,
            }
        };
        if let Some((date, range)) = found {
            i = range.end;
            out.push(When {
                date,
                time: None,
                offset_secs,
                toks: range,
            });
        } else {
            i += 1;
        }
    }
    attach_time(toks, &mut out, today, local.time(), offset_secs, tense);
    out
}

fn resolve_weekday(today: NaiveDate, w: Weekday, tense: Tense) -> NaiveDate {
    let cur = today.weekday().num_days_from_monday() as i64;
    let want = w.num_days_from_monday() as i64;
    if cur == want {
        return today;
    }
    let forward = (want - cur).rem_euclid(7);
    let backward = forward - 7;
    let d = match tense {
        Tense::Future => forward,
        Tense::Past => backward,
        // The nearer one; on a tie, the past (reports look back more than ahead).
        Tense::Unknown => {
            if forward < -backward {
                forward
            } else {
                backward
            }
        }
    };
    if d >= 0 {
        today.checked_add_days(Days::new(d as u64)).unwrap_or(today)
    } else {
        today.checked_sub_days(Days::new((-d) as u64)).unwrap_or(today)
    }
}

fn resolve_month_day(today: NaiveDate, m: u32, d: u32, year: Option<i32>) -> Option<NaiveDate> {
    if let Some(y) = year {
        return NaiveDate::from_ymd_opt(y, m, d);
    }
    let this_year = NaiveDate::from_ymd_opt(today.year(), m, d)?;
    if (this_year - today).num_days() > 183 {
        NaiveDate::from_ymd_opt(today.year() - 1, m, d)
    } else {
        Some(this_year)
    }
}

// Finds a time of day ("noon", "midnight", "12:00", "8 a.m.", "0800 GMT") and its zone, and
// attaches it to the sentence's first date, or to the publication date when there is none.
fn attach_time(toks: &[Token], out: &mut Vec<When>, today: NaiveDate, now: NaiveTime, offset_secs: i32, tense: Tense) {
    let Some((time, zone, range)) = find_time(toks) else {
        return;
    };
    let offset = zone.unwrap_or(offset_secs);
    match out.first_mut() {
        Some(w) => {
            w.time = Some(time);
            w.offset_secs = offset;
        }
        None => {
            // A time alone ("takes effect at noon") is today's, or tomorrow's when it has
            // already passed and the sentence looks ahead.
            let date = if tense == Tense::Future && time < now {
                today.checked_add_days(Days::new(1)).unwrap_or(today)
            } else {
                today
            };
            out.push(When {
                date,
                time: Some(time),
                offset_secs: offset,
                toks: range,
            });
        }
    }
}

fn find_time(toks: &[Token]) -> Option<(NaiveTime, Option<i32>, Range<usize>)> {
    let mut best: Option<(NaiveTime, Option<i32>, Range<usize>)> = None;
    for (i, t) in toks.iter().enumerate() {
        let found = match t.norm.as_str() {
            "noon" | "midday" => NaiveTime::from_hms_opt(12, 0, 0).map(|x| (x, i + 1)),
            "midnight" => NaiveTime::from_hms_opt(0, 0, 0).map(|x| (x, i + 1)),
            s if t.kind == Kind::Number && s.contains(':') => {
                let (h, m) = s.split_once(':')?;
                let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
                NaiveTime::from_hms_opt(h, m, 0).map(|x| (x, i + 1))
            }
            // "0800 GMT", "1200 local time": four digits only count with a zone after them.
            s if t.kind == Kind::Number
                && s.len() == 4
                && s.chars().all(|c| c.is_ascii_digit())
                && zone_at(toks, i + 1).is_some() =>
            {
                let (h, m): (u32, u32) = (s[..2].parse().ok()?, s[2..].parse().ok()?);
                NaiveTime::from_hms_opt(h, m, 0).map(|x| (x, i + 1))
            }
            // "8 a.m.", "8am", "8 pm"
            s if t.kind == Kind::Number => {
                let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
                let suffix = &s[digits.len()..];
                let h: u32 = digits.parse().ok().filter(|h| (1..=12).contains(h)).unwrap_or(99);
                let (meridiem, end) = if matches!(suffix, "am" | "pm") {
                    (Some(suffix.to_string()), i + 1)
                } else if suffix.is_empty() {
                    meridiem_at(toks, i + 1).map_or((None, i + 1), |(m, e)| (Some(m), e))
                } else {
                    (None, i + 1)
                };
                match (meridiem, h) {
                    (Some(m), h) if h <= 12 => {
                        let h24 = match (m.as_str(), h) {
                            ("am", 12) => 0,
                            ("am", h) => h,
                            ("pm", 12) => 12,
                            (_, h) => h + 12,
                        };
                        NaiveTime::from_hms_opt(h24, 0, 0).map(|x| (x, end))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some((time, end)) = found {
            let zone = zone_at(toks, end);
            let end = zone.map_or(end, |(_, e)| e);
            // The first time in the sentence is the one that matters ("at 08:00 local time
            // (0400 GMT)" gives the local one first).
            if best.is_none() {
                best = Some((time, zone.map(|(z, _)| z), i..end));
            }
        }
    }
    best
}

fn meridiem_at(toks: &[Token], i: usize) -> Option<(String, usize)> {
    let t = toks.get(i)?;
    if matches!(t.norm.as_str(), "am" | "pm") {
        return Some((t.norm.clone(), i + 1));
    }
    // "a.m." tokenizes as a . m .
    if (t.is("a") || t.is("p")) && toks.get(i + 1)?.is_punct('.') && toks.get(i + 2)?.is("m") {
        let end = if toks.get(i + 3).is_some_and(|p| p.is_punct('.')) {
            i + 4
        } else {
            i + 3
        };
        return Some((format!("{}m", t.norm), end));
    }
    None
}

// A time zone right after a time: "local time", "GMT", "UTC", "Moscow time".
fn zone_at(toks: &[Token], i: usize) -> Option<(i32, usize)> {
    let t = toks.get(i)?;
    match t.norm.as_str() {
        "gmt" | "utc" => Some((0, i + 1)),
        "msk" => Some((3 * 3600, i + 1)),
        "local" if toks.get(i + 1).is_some_and(|n| n.is("time")) => None,
        "moscow" if toks.get(i + 1).is_some_and(|n| n.is("time")) => Some((3 * 3600, i + 2)),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
