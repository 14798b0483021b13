//! Feed dates as real feeds write them: RFC 3339 and RFC 2822, and what feed-rs gives up on —
//! time-zone abbreviations (`CEST`, `EDT`, `AMT`), `GMT+04:00`, `PM`, month and day swapped,
//! no zone at all (read as UTC), a date without a time. A date that cannot be read is `None`:
//! never "now".
//!
//! Pure: a string in, a time out.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

// Abbreviations seen in feeds, with their offsets in hours. Ambiguous ones (IST, CST) take the
// reading most common in English-language news feeds.
const ZONES: &[(&str, f32)] = &[
    ("UTC", 0.0),
    ("UT", 0.0),
    ("GMT", 0.0),
    ("Z", 0.0),
    ("WET", 0.0),
    ("BST", 1.0),
    ("WEST", 1.0),
    ("CET", 1.0),
    ("CEST", 2.0),
    ("EET", 2.0),
    ("EEST", 3.0),
    ("MSK", 3.0),
    ("TRT", 3.0),
    ("AMT", 4.0),
    ("AZT", 4.0),
    ("GET", 4.0),
    ("IST", 5.5),
    ("JST", 9.0),
    ("AEST", 10.0),
    ("EST", -5.0),
    ("EDT", -4.0),
    ("CST", -6.0),
    ("CDT", -5.0),
    ("MST", -7.0),
    ("MDT", -6.0),
    ("PST", -8.0),
    ("PDT", -7.0),
];

const WITH_ZONE: &[&str] = &[
    "%d %b %Y %H:%M:%S %z", "%d %b %Y %H:%M %z", "%d %B %Y %H:%M:%S %z", "%d %B %Y %H:%M %z", "%b %d %Y %H:%M:%S %z",
    "%B %d %Y %H:%M:%S %z", "%d %b %Y %I:%M:%S %p %z", "%d %b %Y %I:%M %p %z", "%b %d %Y %I:%M:%S %p %z",
    "%b %d %Y %I:%M %p %z", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z",
];

const NAIVE: &[&str] = &[
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M", "%d %B %Y %H:%M:%S", "%b %d %Y %H:%M:%S", "%b %d %Y %I:%M:%S %p", "%d %b %Y %I:%M:%S %p",
    "%Y/%m/%d %H:%M:%S",
];

/// Reads a feed's date; `None` when it cannot be read.
pub fn parse(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.with_timezone(&Utc));
    }
    let s = clean(s);
    for f in WITH_ZONE {
        if let Ok(t) = DateTime::parse_from_str(&s, f) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for f in NAIVE {
        if let Ok(t) = NaiveDateTime::parse_from_str(&s, f) {
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    for f in ["%Y-%m-%d", "%d %b %Y", "%d %B %Y", "%b %d %Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(&s, f) {
            return d.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t));
        }
    }
    None
}

// Drops the weekday and commas, collapses spaces, and turns a zone abbreviation or `GMT+4`
// into a numeric offset that chrono's `%z` reads.
fn clean(s: &str) -> String {
    let mut words: Vec<String> = s.replace(',', " ").split_whitespace().map(str::to_string).collect();
    if words.first().is_some_and(|w| is_weekday(w)) {
        words.remove(0);
    }
    if let Some(last) = words.last_mut()
        && let Some(offset) = zone_offset(last)
    {
        *last = offset;
    }
    words.join(" ")
}

fn is_weekday(w: &str) -> bool {
    let w = w.to_ascii_lowercase();
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .any(|d| w.starts_with(d) && w.chars().all(|c| c.is_ascii_alphabetic() || c == '.'))
}

// `CEST` → `+0200`; `GMT+4`, `UTC+04:00`, `GMT-0530` → the offset; anything else: not a zone.
fn zone_offset(w: &str) -> Option<String> {
    let upper = w.to_ascii_uppercase();
    if let Some((_, hours)) = ZONES.iter().find(|(name, _)| *name == upper) {
        let minutes = (hours * 60.0).round() as i32;
        return Some(format_offset(minutes));
    }
    let rest = upper.strip_prefix("GMT").or_else(|| upper.strip_prefix("UTC"))?;
    let sign = match rest.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let digits: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
    let (h, m) = match digits.len() {
        1 | 2 => (digits.parse::<i32>().ok()?, 0),
        3 | 4 => (
            digits[..digits.len() - 2].parse().ok()?,
            digits[digits.len() - 2..].parse().ok()?,
        ),
        _ => return None,
    };
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))?;
    Some(format_offset(sign * (h * 60 + m)))
}

fn format_offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.abs();
    format!("{sign}{:02}{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Option<DateTime<Utc>> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn what_feeds_write_is_read() {
        let cases = [
            ("2020-10-10T12:00:00+04:00", "2020-10-10T08:00:00Z"),
            ("Sat, 10 Oct 2020 12:00:00 +0400", "2020-10-10T08:00:00Z"),
            ("Sat, 10 Oct 2020 12:00:00 CEST", "2020-10-10T10:00:00Z"),
            ("Sat, 10 Oct 2020 12:00:00 AMT", "2020-10-10T08:00:00Z"),
            ("Sat, 10 Oct 2020 12:00:00 GMT+04:00", "2020-10-10T08:00:00Z"),
            ("Fri, Feb 24 2023 08:18:00 PM EST", "2023-02-25T01:18:00Z"),
            ("Fri, Feb 24 2023 08:18:00 PM", "2023-02-24T20:18:00Z"),
            ("2023-10-10 12:00:00", "2023-10-10T12:00:00Z"),
            ("10 October 2020 09:30 +0000", "2020-10-10T09:30:00Z"),
            ("2020-10-10", "2020-10-10T00:00:00Z"),
        ];
        for (raw, want) in cases {
            assert_eq!(parse(raw), utc(want), "{raw}");
        }
    }

    #[test]
    fn unreadable_dates_are_none_never_now() {
        for raw in ["", "yesterday", "sab, 07 gen 2023", "32 Oct 2020 12:00:00 GMT", "12:00"] {
            assert_eq!(parse(raw), None, "{raw}");
        }
    }
}
