//! When to poll a feed next: the larger of its interval and the server's hints after a success,
//! exponential backoff after a failure, a floor, jitter, and the RSS hours and days to skip; and
//! when a feed counts as gone.
//!
//! Pure: times and a jitter draw in, a time out. The daemon supplies the clock and the randomness,
//! so every decision here is tested with fixed inputs.

use std::time::Duration;

use chrono::{DateTime, Datelike, Duration as Span, Timelike, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// What the server and the document said about how often to come back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hints {
    /// `Cache-Control: max-age` (or `s-maxage`).
    pub max_age: Option<Duration>,
    /// `Expires`, as a time.
    pub expires: Option<DateTime<Utc>>,
    /// `Retry-After`, as a time (from seconds or an HTTP date).
    pub retry_after: Option<DateTime<Utc>>,
    /// RSS `<ttl>` (minutes in the document).
    pub ttl: Option<Duration>,
    /// `sy:updatePeriod` / `sy:updateFrequency`, as one period.
    pub update_period: Option<Duration>,
    /// RSS `<skipHours>`: hours of the day (UTC, 0-23) not to poll in.
    pub skip_hours: Vec<u8>,
    /// RSS `<skipDays>`.
    pub skip_days: Vec<Weekday>,
}

/// The limits a schedule keeps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The feed's own interval.
    pub interval: Duration,
    /// Never sooner than this after a poll, whatever else says (the config's `min_interval`).
    pub floor: Duration,
    /// Backoff never waits longer than this; a failing or gone feed is still probed this often.
    pub max_backoff: Duration,
}

// Server hints longer than this are read as "rarely", not obeyed literally: a feed that says
// `max-age=31536000` is still polled daily.
const MAX_HINT: Duration = Duration::from_secs(24 * 3600);

/// When to poll again after a successful poll (a 200 or a 304) at `now`: the largest of the
/// interval, the floor and the hints (each hint capped at a day), stretched by `jitter` (a draw
/// in 0..1, giving ±10 %), and moved out of the hours and days the feed asks to be skipped.
pub fn after_success(now: DateTime<Utc>, policy: &Policy, hints: &Hints, jitter: f64) -> DateTime<Utc> {
    let until = |t: Option<DateTime<Utc>>| t.and_then(|t| (t - now).to_std().ok());
    let wait = [
        Some(policy.interval),
        hints.max_age,
        until(hints.expires),
        hints.ttl,
        hints.update_period,
    ]
    .into_iter()
    .flatten()
    .map(|d| d.min(MAX_HINT))
    .max()
    .unwrap_or(policy.interval);
    let wait = jittered(wait, jitter, 0.1).max(policy.floor);
    // Retry-After is an instruction, not a hint: never sooner.
    let wait = wait.max(until(hints.retry_after).unwrap_or_default());
    skip(now + span(wait), hints)
}

/// When to poll again after the `failures`-th failure in a row at `now`: the interval doubled
/// per failure up to `max_backoff`, with jitter (the wait is drawn from its upper half, so that
/// feeds failing together spread out but never come back early), at least the floor, and never
/// before a `Retry-After`.
pub fn after_failure(
    now: DateTime<Utc>,
    policy: &Policy,
    failures: u32,
    retry_after: Option<DateTime<Utc>>,
    jitter: f64,
) -> DateTime<Utc> {
    let doublings = failures.saturating_sub(1).min(30);
    let wait = policy
        .interval
        .checked_mul(1 << doublings)
        .unwrap_or(policy.max_backoff)
        .min(policy.max_backoff);
    let wait = wait.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0)).max(policy.floor);
    let until_retry = retry_after.and_then(|t| (t - now).to_std().ok()).unwrap_or_default();
    now + span(wait.max(until_retry))
}

/// Whether a feed answering 404 since `first_404` (every poll since) is gone at `now`: after
/// `after` of nothing but 404s. A 410 is gone at once (the caller's decision).
pub fn gone_after_404s(first_404: DateTime<Utc>, now: DateTime<Utc>, after: Duration) -> bool {
    (now - first_404).to_std().is_ok_and(|d| d >= after)
}

fn jittered(d: Duration, draw: f64, spread: f64) -> Duration {
    d.mul_f64(1.0 - spread + 2.0 * spread * draw.clamp(0.0, 1.0))
}

fn span(d: Duration) -> Span {
    Span::from_std(d).unwrap_or(Span::days(1))
}

// Moves `t` to the start of the next hour that is neither a skipped hour nor on a skipped day
// (at most a week ahead; a feed that skips everything is polled as if it skipped nothing).
fn skip(t: DateTime<Utc>, hints: &Hints) -> DateTime<Utc> {
    let skipped =
        |t: DateTime<Utc>| hints.skip_hours.contains(&(t.hour() as u8)) || hints.skip_days.contains(&t.weekday());
    if !skipped(t) {
        return t;
    }
    let mut next = t
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t);
    for _ in 0..(7 * 24) {
        next += Span::hours(1);
        if !skipped(next) {
            return next;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const MIN: Duration = Duration::from_secs(60);

    fn policy() -> Policy {
        Policy {
            interval: 15 * MIN,
            floor: 5 * MIN,
            max_backoff: 6 * 60 * MIN,
        }
    }

    #[test]
    fn the_largest_of_interval_and_hints_wins_within_a_day() {
        let now = at("2020-10-10T12:00:00Z");
        let plain = after_success(now, &policy(), &Hints::default(), 0.5);
        assert_eq!(plain, at("2020-10-10T12:15:00Z"));
        let hints = Hints {
            max_age: Some(60 * MIN),
            ttl: Some(30 * MIN),
            ..Default::default()
        };
        assert_eq!(after_success(now, &policy(), &hints, 0.5), at("2020-10-10T13:00:00Z"));
        let year = Hints {
            max_age: Some(Duration::from_secs(31_536_000)),
            ..Default::default()
        };
        assert_eq!(after_success(now, &policy(), &year, 0.5), at("2020-10-11T12:00:00Z"));
        let expires = Hints {
            expires: Some(at("2020-10-10T14:00:00Z")),
            ..Default::default()
        };
        assert_eq!(after_success(now, &policy(), &expires, 0.5), at("2020-10-10T14:00:00Z"));
    }

    #[test]
    fn jitter_spreads_ten_percent_and_the_floor_holds() {
        let now = at("2020-10-10T12:00:00Z");
        let low = after_success(now, &policy(), &Hints::default(), 0.0);
        let high = after_success(now, &policy(), &Hints::default(), 1.0);
        assert_eq!((low - now).num_seconds(), 810);
        assert_eq!((high - now).num_seconds(), 990);
        let eager = Policy {
            interval: MIN,
            ..policy()
        };
        assert_eq!(
            after_success(now, &eager, &Hints::default(), 0.0),
            at("2020-10-10T12:05:00Z")
        );
    }

    #[test]
    fn retry_after_is_never_undercut() {
        let now = at("2020-10-10T12:00:00Z");
        let hints = Hints {
            retry_after: Some(at("2020-10-10T15:00:00Z")),
            ..Default::default()
        };
        assert_eq!(after_success(now, &policy(), &hints, 0.5), at("2020-10-10T15:00:00Z"));
        let later = after_failure(now, &policy(), 1, Some(at("2020-10-10T15:00:00Z")), 0.0);
        assert_eq!(later, at("2020-10-10T15:00:00Z"));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_keeps_probing() {
        let now = at("2020-10-10T12:00:00Z");
        let wait = |n| (after_failure(now, &policy(), n, None, 1.0) - now).num_minutes();
        assert_eq!([wait(1), wait(2), wait(3), wait(4)], [15, 30, 60, 120]);
        assert_eq!(wait(10), 360, "capped");
        assert_eq!(wait(1000), 360, "still probed at the cap, never dropped");
        // The jitter draws from the upper half: never less than half the step, never below the floor.
        let low = (after_failure(now, &policy(), 3, None, 0.0) - now).num_minutes();
        assert_eq!(low, 30);
        assert_eq!((after_failure(now, &policy(), 1, None, 0.0) - now).num_seconds(), 450);
    }

    #[test]
    fn skipped_hours_and_days_move_the_poll_to_the_next_allowed_hour() {
        let now = at("2020-10-10T01:50:00Z"); // a Saturday
        let hints = Hints {
            skip_hours: vec![2, 3, 4],
            ..Default::default()
        };
        assert_eq!(after_success(now, &policy(), &hints, 0.5), at("2020-10-10T05:00:00Z"));
        let weekend = Hints {
            skip_days: vec![Weekday::Sat, Weekday::Sun],
            ..Default::default()
        };
        assert_eq!(after_success(now, &policy(), &weekend, 0.5), at("2020-10-12T00:00:00Z"));
    }

    #[test]
    fn a_run_of_404s_is_gone_after_the_configured_time() {
        let first = at("2020-10-01T00:00:00Z");
        let week = Duration::from_secs(7 * 24 * 3600);
        assert!(!gone_after_404s(first, at("2020-10-07T23:00:00Z"), week));
        assert!(gone_after_404s(first, at("2020-10-08T00:00:00Z"), week));
    }
}
