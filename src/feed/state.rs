//! What frontline remembers about each feed between polls and across restarts: validators for
//! conditional GET, when it is due, its health and last error, a permanent move seen, and its
//! counts. `record` is the one transition: a poll's result in, the next state out.
//!
//! Pure: the daemon supplies the time and the jitter draw and persists the state in the store.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::schedule::{self, Hints, Policy};

/// `ETag` and `Last-Modified` exactly as the server sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    /// `ETag`, verbatim (weak or strong), sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// `Last-Modified`, verbatim, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

/// How a feed is doing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Not polled yet.
    #[default]
    Pending,
    /// The last poll succeeded.
    Healthy,
    /// The last one or two polls failed.
    Degraded,
    /// Three or more polls in a row failed; still probed, at the backoff cap at worst.
    Failing,
    /// 410 Gone, or nothing but 404s for `gone_after`: the operator should remove or fix it. Still
    /// probed at the backoff cap, so a feed that comes back is noticed.
    Gone,
    /// No daemon runs: its health is not known (the CLI reading the store).
    Unknown,
}

impl Health {
    /// As the JSON says it.
    pub fn name(self) -> &'static str {
        match self {
            Health::Pending => "pending",
            Health::Healthy => "healthy",
            Health::Degraded => "degraded",
            Health::Failing => "failing",
            Health::Gone => "gone",
            Health::Unknown => "unknown",
        }
    }
}

/// Failures in a row from which a feed counts as failing rather than degraded.
pub const FAILING_AFTER: u64 = 3;

// A permanent redirect to the same place seen this many polls in a row is reported as a move.
const MOVE_AFTER: u32 = 2;

/// One feed's remembered state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FeedState {
    /// The URL this state belongs to; a changed URL in the config starts afresh.
    pub url: String,
    /// Current health.
    pub health: Health,
    /// When the next poll is due; none: at once.
    pub next_due: Option<DateTime<Utc>>,
    /// Validators from the last 200 or 304.
    pub validators: Validators,
    /// Hints from the last response and document.
    pub hints: Hints,
    /// Polls finished.
    pub polls: u64,
    /// Polls that failed.
    pub failures: u64,
    /// Failures in a row, up to the last poll.
    pub consecutive_failures: u64,
    /// Polls answered 304 Not Modified (nothing parsed).
    pub not_modified: u64,
    /// End of the last poll.
    pub last_poll: Option<DateTime<Utc>>,
    /// End of the last successful poll.
    pub last_success: Option<DateTime<Utc>>,
    /// HTTP status of the last answer (200 for files).
    pub last_status: Option<u16>,
    /// The last error.
    pub last_error: Option<String>,
    /// Its class (`dns`, `timeout`, `http_5xx`, `not_a_feed`, ...), for grouping and alerts.
    pub last_error_class: Option<String>,
    /// Start of the current run of 404s.
    pub first_404: Option<DateTime<Utc>>,
    /// Where a permanent redirect (only 301s and 308s) pointed, polls in a row.
    pub moved_to: Option<String>,
    /// How many polls in a row saw that move.
    pub moved_seen: u32,
    /// Bytes fetched (after decompression).
    pub bytes: u64,
    /// Entries parsed.
    pub entries: u64,
    /// Entries the topic rules kept.
    pub matched: u64,
    /// Events appended (new articles and revisions).
    pub appended: u64,
    /// Of those, revisions.
    pub revised: u64,
    /// How its articles are keyed (switched to links if its guids repeat or churn).
    pub identity: super::identity::Memory,
}

/// What one poll came to.
#[derive(Debug, Clone, PartialEq)]
pub enum PollResult {
    /// The server answered (200 with a document ingested, or 304).
    Fetched {
        /// 200, or 304 (nothing parsed).
        status: u16,
        /// Validators of this answer (a 304 without them keeps the old ones).
        validators: Validators,
        /// Hints of this answer and its document.
        hints: Hints,
        /// The URL every redirect pointed at, when they were all permanent (301, 308).
        permanent_move: Option<String>,
        /// Bytes, entries, matched, new, revised.
        counts: [u64; 5],
    },
    /// The poll failed.
    Failed {
        /// Its class.
        class: String,
        /// The error, one line.
        message: String,
        /// The HTTP status, if the server answered.
        status: Option<u16>,
        /// `Retry-After`, as a time.
        retry_after: Option<DateTime<Utc>>,
    },
}

/// The limits `record` applies.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The schedule's interval, floor and cap.
    pub policy: Policy,
    /// Nothing but 404s for this long: gone.
    pub gone_after: Duration,
}

impl FeedState {
    /// A fresh state for `url`.
    pub fn new(url: &str) -> FeedState {
        FeedState {
            url: url.to_string(),
            ..Default::default()
        }
    }

    /// Whether the last move seen has repeated enough to report.
    pub fn moved(&self) -> Option<&str> {
        (self.moved_seen >= MOVE_AFTER)
            .then_some(self.moved_to.as_deref())
            .flatten()
    }

    /// Applies one poll finished at `now`; `jitter` is a draw in 0..1.
    pub fn record(&mut self, result: &PollResult, now: DateTime<Utc>, limits: &Limits, jitter: f64) {
        self.polls += 1;
        self.last_poll = Some(now);
        match result {
            PollResult::Fetched {
                status,
                validators,
                hints,
                permanent_move,
                counts,
            } => {
                self.last_status = Some(*status);
                self.last_success = Some(now);
                self.consecutive_failures = 0;
                self.first_404 = None;
                self.health = Health::Healthy;
                if *status == 304 {
                    self.not_modified += 1;
                }
                // Stored verbatim from every 200 and 304; a 304 that omits one keeps the old.
                if validators.etag.is_some() || *status != 304 {
                    self.validators.etag = validators.etag.clone();
                }
                if validators.last_modified.is_some() || *status != 304 {
                    self.validators.last_modified = validators.last_modified.clone();
                }
                self.hints = hints.clone();
                match permanent_move {
                    Some(to) if self.moved_to.as_deref() == Some(to) => self.moved_seen += 1,
                    Some(to) => {
                        self.moved_to = Some(to.clone());
                        self.moved_seen = 1;
                    }
                    None => {
                        self.moved_to = None;
                        self.moved_seen = 0;
                    }
                }
                let [bytes, entries, matched, new, revised] = *counts;
                self.bytes += bytes;
                self.entries += entries;
                self.matched += matched;
                self.appended += new + revised;
                self.revised += revised;
                self.next_due = Some(schedule::after_success(now, &limits.policy, hints, jitter));
            }
            PollResult::Failed {
                class,
                message,
                status,
                retry_after,
            } => {
                self.last_status = *status;
                self.failures += 1;
                self.consecutive_failures += 1;
                self.last_error = Some(message.clone());
                self.last_error_class = Some(class.clone());
                if *status == Some(404) {
                    self.first_404.get_or_insert(now);
                } else {
                    self.first_404 = None;
                }
                let gone = *status == Some(410)
                    || self
                        .first_404
                        .is_some_and(|first| schedule::gone_after_404s(first, now, limits.gone_after));
                self.health = if gone {
                    Health::Gone
                } else if self.consecutive_failures >= FAILING_AFTER {
                    Health::Failing
                } else {
                    Health::Degraded
                };
                let failures = u32::try_from(self.consecutive_failures).unwrap_or(u32::MAX);
                // A gone feed is probed at the cap: it may come back, and is never dropped.
                let failures = if gone { u32::MAX } else { failures };
                self.next_due = Some(schedule::after_failure(
                    now, &limits.policy, failures, *retry_after, jitter,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    fn limits() -> Limits {
        Limits {
            policy: Policy {
                interval: 15 * MIN,
                floor: 5 * MIN,
                max_backoff: 360 * MIN,
            },
            gone_after: Duration::from_secs(7 * 24 * 3600),
        }
    }

    fn ok(status: u16, etag: Option<&str>) -> PollResult {
        PollResult::Fetched {
            status,
            validators: Validators {
                etag: etag.map(String::from),
                last_modified: None,
            },
            hints: Hints::default(),
            permanent_move: None,
            counts: [100, 3, 2, 1, 0],
        }
    }

    fn failed(status: Option<u16>) -> PollResult {
        PollResult::Failed {
            class: "http_4xx".into(),
            message: "http 404".into(),
            status,
            retry_after: None,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_304_keeps_validators_it_does_not_repeat_and_counts_as_success() {
        let mut s = FeedState::new("http://x/feed");
        s.record(&ok(200, Some("\"v1\"")), at("2020-10-10T12:00:00Z"), &limits(), 0.5);
        s.record(&ok(304, None), at("2020-10-10T12:15:00Z"), &limits(), 0.5);
        assert_eq!(s.validators.etag.as_deref(), Some("\"v1\""));
        assert_eq!((s.polls, s.not_modified, s.health), (2, 1, Health::Healthy));
        s.record(&ok(304, Some("\"v2\"")), at("2020-10-10T12:30:00Z"), &limits(), 0.5);
        assert_eq!(s.validators.etag.as_deref(), Some("\"v2\""));
        assert_eq!(s.next_due, Some(at("2020-10-10T12:45:00Z")));
    }

    #[test]
    fn failures_degrade_then_fail_then_recover() {
        let mut s = FeedState::new("http://x/feed");
        let t = at("2020-10-10T12:00:00Z");
        let server_error = PollResult::Failed {
            class: "http_5xx".into(),
            message: "http 500".into(),
            status: Some(500),
            retry_after: None,
        };
        s.record(&server_error, t, &limits(), 1.0);
        assert_eq!(s.health, Health::Degraded);
        s.record(&server_error, t, &limits(), 1.0);
        s.record(&server_error, t, &limits(), 1.0);
        assert_eq!(s.health, Health::Failing);
        assert_eq!(s.next_due, Some(at("2020-10-10T13:00:00Z")), "15m doubled twice");
        s.record(&ok(200, None), t, &limits(), 0.5);
        assert_eq!((s.health, s.consecutive_failures), (Health::Healthy, 0));
        assert_eq!(
            s.last_error_class.as_deref(),
            Some("http_5xx"),
            "the last error stays visible"
        );
    }

    #[test]
    fn a_410_is_gone_at_once_and_a_week_of_404s_is_gone_too() {
        let mut s = FeedState::new("http://x/feed");
        s.record(&failed(Some(410)), at("2020-10-10T12:00:00Z"), &limits(), 1.0);
        assert_eq!(s.health, Health::Gone);
        assert_eq!(s.next_due, Some(at("2020-10-10T18:00:00Z")), "probed at the cap");

        let mut s = FeedState::new("http://x/feed");
        s.record(&failed(Some(404)), at("2020-10-01T00:00:00Z"), &limits(), 1.0);
        s.record(&failed(Some(404)), at("2020-10-07T00:00:00Z"), &limits(), 1.0);
        assert_eq!(
            s.health,
            Health::Degraded,
            "two failures, six days of 404s: not gone yet"
        );
        s.record(&failed(Some(404)), at("2020-10-08T00:00:00Z"), &limits(), 1.0);
        assert_eq!(s.health, Health::Gone);
        s.record(&ok(200, None), at("2020-10-09T00:00:00Z"), &limits(), 0.5);
        assert_eq!(
            (s.health, s.first_404),
            (Health::Healthy, None),
            "a feed that comes back is healthy"
        );
    }

    #[test]
    fn a_permanent_move_is_reported_once_seen_twice_in_a_row() {
        let mut s = FeedState::new("http://x/feed");
        let moved = |to: Option<&str>| PollResult::Fetched {
            status: 200,
            validators: Validators::default(),
            hints: Hints::default(),
            permanent_move: to.map(String::from),
            counts: [0; 5],
        };
        let t = at("2020-10-10T12:00:00Z");
        s.record(&moved(Some("https://y/feed")), t, &limits(), 0.5);
        assert_eq!(s.moved(), None);
        s.record(&moved(Some("https://y/feed")), t, &limits(), 0.5);
        assert_eq!(s.moved(), Some("https://y/feed"));
        s.record(&moved(None), t, &limits(), 0.5);
        assert_eq!(s.moved(), None);
    }
}
