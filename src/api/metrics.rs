//! `/metrics`: the daemon's status in Prometheus text exposition.
//!
//! Reads the status snapshot only; no store access.

use axum::extract::State;
use axum::response::IntoResponse;
use chrono::Utc;

use super::ApiState;

// Prometheus text exposition of the status snapshot. Written out here rather than through a
// metrics crate: every figure already lives in `DaemonStatus`, so there is nothing to register
// or update, only a few lines to print in the documented format.
pub(super) async fn metrics(State(s): State<ApiState>) -> impl IntoResponse {
    use std::fmt::Write;
    let st = s.status.borrow().clone();
    let mut out = String::new();
    let mut family = |name: &str, kind: &str, help: &str, rows: Vec<(String, u64)>| {
        let _ = writeln!(out, "# HELP frontline_{name} {help}\n# TYPE frontline_{name} {kind}");
        for (labels, v) in rows {
            let _ = writeln!(out, "frontline_{name}{labels} {v}");
        }
    };
    let per_feed = |f: fn(&crate::feed::state::FeedState) -> u64| {
        st.feeds
            .iter()
            .map(|(id, s)| {
                (
                    format!("{{feed=\"{}\"}}", id.replace('\\', "\\\\").replace('"', "\\\"")),
                    f(s),
                )
            })
            .collect::<Vec<_>>()
    };
    type PerFeed = fn(&crate::feed::state::FeedState) -> u64;
    let feed_families: [(&str, &str, &str, PerFeed); 9] = [
        ("polls_total", "counter", "Polls finished, per feed.", |f| f.polls),
        (
            "not_modified_total",
            "counter",
            "Polls answered 304 Not Modified (nothing parsed), per feed.",
            |f| f.not_modified,
        ),
        (
            "feed_gone",
            "gauge",
            "1 while a feed is gone (410, or only 404s for poll.gone_after).",
            |f| u64::from(f.health == crate::feed::state::Health::Gone),
        ),
        ("poll_errors_total", "counter", "Polls that failed, per feed.", |f| {
            f.failures
        }),
        (
            "fetched_bytes_total",
            "counter",
            "Bytes fetched after decompression, per feed.",
            |f| f.bytes,
        ),
        ("entries_total", "counter", "Feed entries parsed, per feed.", |f| {
            f.entries
        }),
        (
            "matched_total",
            "counter",
            "Entries kept by the topic rules, per feed.",
            |f| f.matched,
        ),
        (
            "events_appended_total",
            "counter",
            "Events appended to the log, per feed.",
            |f| f.appended,
        ),
        ("feed_failing", "gauge", "1 while a feed's last poll failed.", |f| {
            u64::from(f.consecutive_failures > 0)
        }),
    ];
    for (name, kind, help, value) in feed_families {
        family(name, kind, help, per_feed(value));
    }
    family(
        "last_append_timestamp_seconds",
        "gauge",
        "Unix time of the last append to the log (0: none yet).",
        vec![(String::new(), st.last_append.map_or(0, |t| t.timestamp().max(0) as u64))],
    );
    family(
        "log_events",
        "gauge",
        "Events in the log (its last sequence number).",
        vec![(String::new(), st.last_seq)],
    );
    family(
        "projection_checkpoint",
        "gauge",
        "Last event applied to the projection.",
        vec![(String::new(), st.projection_checkpoint)],
    );
    family(
        "projection_lag_events",
        "gauge",
        "Events in the log not yet projected.",
        vec![(String::new(), st.last_seq.saturating_sub(st.projection_checkpoint))],
    );
    family(
        "view_builds_total",
        "counter",
        "Answers built for API requests by an audit at a seq or an export's fold (a view by date needs none).",
        vec![(
            String::new(),
            s.answers.built.load(std::sync::atomic::Ordering::Relaxed),
        )],
    );
    let uptime = st
        .started_at
        .map_or(0, |t| (Utc::now() - t).num_seconds().max(0) as u64);
    family(
        "uptime_seconds",
        "gauge",
        "Seconds since the daemon started.",
        vec![(String::new(), uptime)],
    );
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
