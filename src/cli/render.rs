//! Output formats for the CLI: one text line per event, the JSON shape of an event, and the
//! verify report as text.
//!
//! Formatting only: no store access, no I/O beyond building strings.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};

use comfy_table::{ContentArrangement, Table};

use crate::extract::{Bound, Extraction};
use crate::projection::articles::{ArticleDetail, ArticlesView};
use crate::projection::casualties::CasualtySummary;
use crate::projection::casualties::kept::CitationPage;
use crate::projection::ceasefire::kept::ReportPage;
use crate::projection::ceasefire::{CeasefireSummary, TruceStatus};
use crate::projection::control::ControlSummary;
use crate::projection::mentions::kept::ClaimPage;
use crate::projection::mentions::{ClaimsSummary, PresenceView};
use crate::projection::timeline::TimelineSummary;
use crate::projection::views::Answer;
use crate::projection::{AsOf, Citation};
use crate::store::VerifyReport;

pub use crate::protocol::events::{EventJson, event_line};

/// The verify report as text: a summary line, then one line per problem.
pub fn verify_text(store: &Path, r: &VerifyReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "store {}: {} events (last seq {}), {} articles",
        store.display(),
        r.events,
        r.last_seq,
        r.articles
    );
    if r.is_clean() {
        s.push_str("ok: checksums, sequence and indexes are consistent\n");
    } else {
        for p in &r.problems {
            let _ = writeln!(s, "{}: {}", p.at, p.what);
        }
        let n = r.problems.len();
        let _ = writeln!(s, "damaged: {n} problem{} found", if n == 1 { "" } else { "s" });
    }
    s
}

/// What the extractor found, as readable text: one line per fact, with its sentence.
pub fn extraction_text(x: &Extraction) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "relevant: {}{}",
        if x.relevant { "yes" } else { "no" },
        if x.matched_rules.is_empty() {
            String::new()
        } else {
            format!(" (rules: {})", x.matched_rules.join(", "))
        }
    );
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    if !x.casualties.is_empty() {
        let _ = writeln!(s, "\ncasualties:");
        for c in &x.casualties {
            let _ = writeln!(
                s,
                "  {} {} {} party={} bound={} scope={} location={} as_of={} reported_by={}\n    \"{}\"",
                c.count,
                c.outcome,
                c.group,
                opt(&c.party),
                c.bound,
                c.scope,
                opt(&c.location),
                c.as_of,
                opt(&c.reported_by),
                c.evidence
            );
        }
    }
    if !x.ceasefire.is_empty() {
        let _ = writeln!(s, "\nceasefire:");
        for c in &x.ceasefire {
            let _ = writeln!(
                s,
                "  {} brokers=[{}] effective_at={} by={} against={}\n    \"{}\"",
                c.status,
                c.brokers.join(","),
                opt(&c.effective_at),
                opt(&c.by),
                opt(&c.against),
                c.evidence
            );
        }
    }
    if !x.control.is_empty() {
        let _ = writeln!(s, "\ncontrol:");
        for c in &x.control {
            let _ = writeln!(
                s,
                "  {} {} side={} claimed_by={}\n    \"{}\"",
                c.location,
                c.change,
                opt(&c.side),
                opt(&c.claimed_by),
                c.evidence
            );
        }
    }
    if !x.claims.is_empty() {
        let _ = writeln!(s, "\nclaims:");
        for c in &x.claims {
            let _ = writeln!(
                s,
                "  {} by={} against={} about=\"{}\"",
                c.kind,
                c.by,
                opt(&c.against),
                c.about
            );
        }
    }
    if !x.actors.is_empty() {
        let list: Vec<String> = x.actors.iter().map(|a| format!("{} ({})", a.id, a.mentions)).collect();
        let _ = writeln!(s, "\nactors: {}", list.join(", "));
    }
    if !x.locations.is_empty() {
        let list: Vec<String> = x
            .locations
            .iter()
            .map(|l| format!("{} ({})", l.id, l.mentions))
            .collect();
        let _ = writeln!(s, "locations: {}", list.join(", "));
    }
    s
}

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(comfy_table::presets::UTF8_HORIZONTAL_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    t
}

// "≥41", "~50", ">100", "≤30", "16"
fn figure(count: u64, bound: Bound) -> String {
    let mark = match bound {
        Bound::Exact => "",
        Bound::AtLeast => "≥",
        Bound::MoreThan => ">",
        Bound::Approx => "~",
        Bound::AtMost => "≤",
    };
    format!("{mark}{count}")
}

fn as_of_line(as_of: &AsOf) -> String {
    let date = as_of
        .date
        .map(|d| format!("as of {d}"))
        .unwrap_or_else(|| "as of now".into());
    match as_of.seq {
        Some(n) => format!("{date}, as known at seq {n}"),
        None => date,
    }
}

fn or_dash(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "-".into())
}

/// A view's answer as tables.
pub fn answer(a: &Answer) -> String {
    match a {
        Answer::Casualties(v) => casualties(v),
        Answer::Ceasefire(v) => ceasefire(v),
        Answer::Control(v) => control(v),
        Answer::Timeline(v) => timeline(v),
        Answer::Actors(v) => presence("Actors", v),
        Answer::Locations(v) => presence("Locations", v),
        Answer::Claims(v) => claims(v),
    }
}

// Rows a table of one group shows before saying how many more there are: the output fits a
// terminal at any store size.
const SERIES_SHOWN: usize = 6;
const INCIDENTS_SHOWN: usize = 10;
const GROUPS_SHOWN: usize = 20;

/// The casualties summary as tables: headlines, each reporter's latest figure, recent incidents.
pub fn casualties(v: &CasualtySummary) -> String {
    let mut s = format!("Casualties, {}\n", as_of_line(&v.as_of));
    if v.tallies.is_empty() && v.incidents == 0 {
        s.push_str("no casualty figures yet\n");
        return s;
    }
    let mut t = table(&[
        "side", "group", "outcome", "headline", "as of", "reported by", "rule", "low–high", "cited",
    ]);
    for tally in &v.tallies {
        let (head, date, by, rule, cited) = match &tally.headline {
            Some(h) => (
                figure(h.count, h.bound),
                h.as_of.to_string(),
                h.reported_by.clone().unwrap_or(h.reporter.clone()),
                h.rule.to_string(),
                h.citations.to_string(),
            ),
            None => (
                "-".into(),
                "-".into(),
                "-".into(),
                "no figure qualifies".into(),
                "-".into(),
            ),
        };
        let range = match (tally.low, tally.high) {
            (Some(l), Some(h)) if l != h => format!("{l}–{h}"),
            (Some(l), _) => l.to_string(),
            _ => "-".into(),
        };
        t.add_row(vec![
            or_dash(&tally.party),
            tally.group.to_string(),
            tally.outcome.to_string(),
            head,
            date,
            by,
            rule,
            range,
            cited,
        ]);
    }
    let _ = writeln!(s, "{t}");

    let mut t = table(&[
        "side", "group", "outcome", "reporter", "stance", "latest", "as of", "flags", "figures", "source",
    ]);
    let mut more = 0;
    for tally in &v.tallies {
        for series in tally.series.iter().take(SERIES_SHOWN) {
            let p = &series.latest;
            let flags: Vec<String> = p.flags.iter().map(|f| f.to_string()).collect();
            t.add_row(vec![
                or_dash(&tally.party),
                tally.group.to_string(),
                tally.outcome.to_string(),
                p.reported_by.clone().unwrap_or(series.reporter.clone()),
                series.stance.to_string(),
                figure(p.count, p.bound),
                p.as_of.to_string(),
                flags.join(","),
                series.figures.to_string(),
                latest_source(&p.citations, p.cited),
            ]);
        }
        more += tally.series.len().saturating_sub(SERIES_SHOWN);
    }
    if t.row_count() > 0 {
        let _ = writeln!(s, "\nEach reporter's latest running total\n{t}");
        if more > 0 {
            let _ = writeln!(s, "… {more} more reporters (--json lists them all)");
        }
    }

    let mut t = table(&["date", "place", "figures", "reported by", "source"]);
    let shown = v.recent_incidents.len().min(INCIDENTS_SHOWN);
    for i in &v.recent_incidents[v.recent_incidents.len() - shown..] {
        for f in &i.figures {
            t.add_row(vec![
                i.date.to_string(),
                or_dash(&i.location),
                format!("{} {} {} ({})", f.count, f.group, f.outcome, or_dash(&f.party)),
                f.reporters.join(", "),
                latest_source(&f.citations, f.cited),
            ]);
        }
    }
    if t.row_count() > 0 {
        let _ = writeln!(s, "\nLatest incidents (not added into totals)\n{t}");
        let older = v.incidents.saturating_sub(shown as u64);
        if older > 0 {
            let _ = writeln!(s, "… {older} older incidents (`frontline export` has them all)");
        }
    }
    let _ = writeln!(
        s,
        "\nEvery citation of a figure: frontline casualties --citations KEY (keys in --json)"
    );
    s
}

// "oc-media 2020-10-11 (of 3)": the most recent article stating a figure, and how many do.
fn latest_source(recent: &[Citation], cited: u64) -> String {
    match recent.last() {
        None => "-".into(),
        Some(c) => {
            let of = if cited > 1 {
                format!(" (of {cited})")
            } else {
                String::new()
            };
            format!("{} {}{of}", c.feed, c.published.format("%Y-%m-%d"))
        }
    }
}

/// One page of a figure's citations.
pub fn citation_page(p: &CitationPage) -> String {
    let when = p.as_of.map(|d| format!(" as of {d}")).unwrap_or_default();
    let mut s = format!("Citations of {}{when}\n", p.figure);
    let mut t = table(&["#", "published", "feed", "sentence", "link"]);
    for (i, c) in p.citations.iter().enumerate() {
        t.add_row(vec![
            (p.offset + i as u64 + 1).to_string(),
            c.published.format("%Y-%m-%d %H:%M").to_string(),
            c.feed.clone(),
            c.sentence.clone(),
            c.url.clone().unwrap_or_else(|| c.stream.clone()),
        ]);
    }
    if t.row_count() > 0 {
        let _ = writeln!(s, "{t}");
    }
    s.push_str(&page_line(p.offset, p.citations.len(), p.total));
    s
}

/// The ceasefire view as tables: truces, then each truce's latest reports.
pub fn ceasefire(v: &CeasefireSummary) -> String {
    let mut s = format!("Ceasefires, {}\n", as_of_line(&v.as_of));
    if v.truces.is_empty() {
        s.push_str("no truce reported yet\n");
        return s;
    }
    let mut t = table(&[
        "truce", "brokers", "agreed", "effective", "status", "violations reported by", "reports",
    ]);
    for truce in v.truces.iter().take(GROUPS_SHOWN) {
        let violations: Vec<String> = truce.violations.iter().map(|(by, n)| format!("{by}: {n}")).collect();
        let status = match (&truce.superseded_by, truce.status) {
            (Some(by), TruceStatus::Superseded) => format!("superseded by {by}"),
            _ => truce.status.to_string(),
        };
        t.add_row(vec![
            truce.id.clone(),
            if truce.brokers.is_empty() {
                "-".into()
            } else {
                truce.brokers.join(", ")
            },
            truce.agreed_on.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
            or_dash(&truce.effective_at),
            status,
            if violations.is_empty() {
                "-".into()
            } else {
                violations.join(", ")
            },
            truce.statements.to_string(),
        ]);
    }
    let _ = writeln!(s, "{t}");
    let more = v.truces.len().saturating_sub(GROUPS_SHOWN);
    if more > 0 {
        let _ = writeln!(s, "… {more} more truces (--json lists them all)");
    }
    let mut t = table(&["truce", "date", "status", "by", "source", "sentence"]);
    let mut earlier = 0;
    for truce in v.truces.iter().take(GROUPS_SHOWN) {
        earlier += truce.statements.saturating_sub(truce.recent.len() as u64);
        for h in &truce.recent {
            t.add_row(vec![
                truce.id.clone(),
                h.citation.published.format("%Y-%m-%d").to_string(),
                h.status.to_string(),
                or_dash(&h.by),
                h.citation.feed.clone(),
                h.citation.sentence.clone(),
            ]);
        }
    }
    let _ = writeln!(s, "\nLatest reports of each truce\n{t}");
    if earlier > 0 {
        let _ = writeln!(
            s,
            "… {earlier} earlier reports (frontline ceasefire --citations TRUCE pages through them)"
        );
    }
    s
}

/// One page of a truce's reports.
pub fn report_page(p: &ReportPage) -> String {
    let when = p.as_of.map(|d| format!(" as of {d}")).unwrap_or_default();
    let mut s = format!("Reports of {}{when}\n", p.truce);
    let mut t = table(&["#", "published", "status", "by", "feed", "sentence"]);
    for (i, r) in p.reports.iter().enumerate() {
        t.add_row(vec![
            (p.offset + i as u64 + 1).to_string(),
            r.citation.published.format("%Y-%m-%d %H:%M").to_string(),
            r.status.to_string(),
            or_dash(&r.by),
            r.citation.feed.clone(),
            r.citation.sentence.clone(),
        ]);
    }
    if t.row_count() > 0 {
        let _ = writeln!(s, "{t}");
    }
    s.push_str(&page_line(p.offset, p.reports.len(), p.total));
    s
}

/// The control view as a table: one row per place.
pub fn control(v: &ControlSummary) -> String {
    let mut s = format!("Control, {}\n", as_of_line(&v.as_of));
    if v.places.is_empty() {
        s.push_str("no control claims yet\n");
        return s;
    }
    let mut t = table(&[
        "place", "status", "held by", "at start", "latest claim per side", "source",
    ]);
    for p in &v.places {
        let latest: Vec<String> = p
            .latest_by_claimant
            .iter()
            .map(|(by, c)| {
                format!(
                    "{by}: {} {} ({})",
                    c.change,
                    or_dash(&c.side),
                    c.citation.published.format("%Y-%m-%d")
                )
            })
            .collect();
        let last = p
            .recent
            .last()
            .map(|c| latest_source(std::slice::from_ref(&c.citation), p.claims))
            .unwrap_or_default();
        t.add_row(vec![
            p.name.clone(),
            p.status.to_string(),
            or_dash(&p.controller),
            or_dash(&p.initially_held_by),
            latest.join("; "),
            last,
        ]);
    }
    let _ = writeln!(s, "{t}");
    s
}

/// One page of the timeline as a table.
pub fn timeline(v: &TimelineSummary) -> String {
    let mut s = format!("Timeline, {}\n", as_of_line(&v.as_of));
    if v.entries.is_empty() {
        s.push_str(if v.total == 0 {
            "nothing reported yet\n"
        } else {
            "no entries on this page\n"
        });
        return s;
    }
    let before = v.total.saturating_sub(v.offset + v.entries.len() as u64);
    if before > 0 {
        let _ = writeln!(
            s,
            "… {before} earlier entries (next page back: --offset {})",
            v.offset + v.entries.len() as u64
        );
    }
    let mut t = table(&["date", "kind", "what", "source"]);
    for e in &v.entries {
        t.add_row(vec![
            e.date.format("%Y-%m-%d %H:%M").to_string(),
            e.kind.to_string(),
            e.summary.clone(),
            format!("{} {}", e.citation.feed, e.citation.title.clone().unwrap_or_default()),
        ]);
    }
    let _ = writeln!(s, "{t}");
    if v.offset > 0 {
        let _ = writeln!(s, "… {} later entries", v.offset);
    }
    s
}

/// Actors or locations as a table.
pub fn presence(title: &str, v: &PresenceView) -> String {
    let mut s = format!("{title}, {}\n", as_of_line(&v.as_of));
    if v.entries.is_empty() {
        s.push_str("none mentioned yet\n");
        return s;
    }
    let mut t = table(&["id", "name", "mentions", "articles", "first seen", "last seen"]);
    for p in v.entries.iter().take(GROUPS_SHOWN) {
        t.add_row(vec![
            p.id.clone(),
            p.name.clone(),
            p.mentions.to_string(),
            p.articles.to_string(),
            p.first_seen.format("%Y-%m-%d").to_string(),
            p.last_seen.format("%Y-%m-%d").to_string(),
        ]);
    }
    let _ = writeln!(s, "{t}");
    let more = v.entries.len().saturating_sub(GROUPS_SHOWN);
    if more > 0 {
        let _ = writeln!(s, "… {more} more (--json lists them all)");
    }
    s
}

/// Accusations and denials as a table, one row per claim.
pub fn claims(v: &ClaimsSummary) -> String {
    let mut s = format!("Claims, {}\n", as_of_line(&v.as_of));
    if v.groups.is_empty() {
        s.push_str("no accusations or denials yet\n");
        return s;
    }
    let mut t = table(&["kind", "by", "against", "claims", "latest about", "date", "source"]);
    for g in v.groups.iter().take(GROUPS_SHOWN) {
        let latest = g.recent.last();
        t.add_row(vec![
            g.kind.to_string(),
            g.by.clone(),
            g.against.clone().unwrap_or_else(|| "-".into()),
            g.claims.to_string(),
            latest.map(|(about, _)| about.clone()).unwrap_or_default(),
            latest
                .map(|(_, c)| c.published.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            latest.map(|(_, c)| c.feed.clone()).unwrap_or_default(),
        ]);
    }
    let _ = writeln!(s, "{t}");
    let more = v.groups.len().saturating_sub(GROUPS_SHOWN);
    if more > 0 {
        let _ = writeln!(s, "… {more} more groups (--json lists them all)");
    }
    let _ = writeln!(
        s,
        "Every claim of a group: frontline claims --citations KIND:BY:AGAINST (keys in --json)"
    );
    s
}

/// One page of a claim group's claims.
pub fn claim_page(p: &ClaimPage) -> String {
    let when = p.as_of.map(|d| format!(" as of {d}")).unwrap_or_default();
    let mut s = format!("Claims of {}{when}\n", p.group);
    let mut t = table(&["#", "published", "feed", "about", "sentence"]);
    for (i, (about, c)) in p.claims.iter().enumerate() {
        t.add_row(vec![
            (p.offset + i as u64 + 1).to_string(),
            c.published.format("%Y-%m-%d %H:%M").to_string(),
            c.feed.clone(),
            about.clone(),
            c.sentence.clone(),
        ]);
    }
    if t.row_count() > 0 {
        let _ = writeln!(s, "{t}");
    }
    s.push_str(&page_line(p.offset, p.claims.len(), p.total));
    s
}

// "1–20 of 45; next: --offset 20"
fn page_line(offset: u64, shown: usize, total: u64) -> String {
    let end = offset + shown as u64;
    format!(
        "{}–{} of {}{}\n",
        if shown == 0 { offset } else { offset + 1 },
        end,
        total,
        if end < total {
            format!("; next: --offset {end}")
        } else {
            String::new()
        }
    )
}

/// The daemon's status: a summary line, then one row per feed.
pub fn status(b: &crate::protocol::StatusBody) -> String {
    let st = &b.status;
    let failing = st
        .feeds
        .values()
        .filter(|f| {
            use crate::feed::state::Health;
            matches!(f.health, Health::Degraded | Health::Failing | Health::Gone)
        })
        .count();
    let mut s = format!(
        "frontlined up {}, {} events, {} polls, projection at event {} of {}, {} of {} feeds failing\n",
        humantime::format_duration(std::time::Duration::from_secs(b.uptime_secs.max(0) as u64)),
        st.last_seq,
        st.polls,
        st.projection_checkpoint,
        st.last_seq,
        failing,
        st.feeds.len()
    );
    if let Some(t) = st.last_append {
        let _ = writeln!(s, "last append {}", t.format("%Y-%m-%d %H:%M:%S UTC"));
    }
    s.push_str(&feed_table(
        st.feeds.iter().map(|(id, f)| (id.as_str(), f.health, f, None)),
    ));
    s
}

/// A page of articles as a table.
pub fn articles(v: &ArticlesView) -> String {
    let shown = v.entries.len();
    let mut s = if shown == v.total {
        format!("{} articles\n", v.total)
    } else {
        format!(
            "{} articles, showing {}-{}\n",
            v.total,
            v.filter.offset + 1.min(shown),
            v.filter.offset + shown
        )
    };
    if shown == 0 {
        return s;
    }
    let mut t = table(&["published", "stream", "title", "facts"]);
    for a in &v.entries {
        t.add_row(vec![
            a.published.format("%Y-%m-%d %H:%M").to_string(),
            a.stream.clone(),
            match &a.copy_of {
                Some(first) => format!("{} (copy of {first})", a.title.as_deref().unwrap_or("-")),
                None => a.title.clone().unwrap_or_else(|| "-".into()),
            },
            format!(
                "{} casualty, {} truce, {} control, {} claims",
                a.casualties, a.ceasefire, a.control, a.claims
            ),
        ]);
    }
    let _ = writeln!(s, "{t}");
    s
}

/// One article: where it is from, its latest text, and the facts of its latest version.
pub fn article(d: &ArticleDetail) -> String {
    let a = &d.facts;
    let mut s = format!(
        "{}\nfeed {}, {} version(s){}\n\n",
        a.title.as_deref().unwrap_or(&a.stream),
        a.feed,
        a.revisions.len(),
        a.url.as_deref().map(|u| format!(", {u}")).unwrap_or_default()
    );
    if let Some(text) = &d.text {
        let _ = writeln!(s, "{text}\n");
    }
    if !d.copies.is_empty() {
        let _ = writeln!(s, "the same story in: {}\n", d.copies.join(", "));
    }
    if let Some(latest) = a.revisions.last() {
        let _ = writeln!(
            s,
            "published {} (event {})",
            latest.published.format("%Y-%m-%d %H:%M"),
            latest.seq
        );
        s.push_str(&extraction_text(&latest.facts));
    }
    s
}

/// What `frontline import` did, one row per file and a total.
pub fn imports(s: &crate::cli::import::Summary) -> String {
    let mut out = String::new();
    if !s.imported.is_empty() {
        let mut t = table(&["file", "feed", "entries", "matched", "new", "revised", "unchanged"]);
        for r in &s.imported {
            t.add_row(vec![
                r.file.clone(),
                r.feed.clone(),
                r.report.entries.to_string(),
                r.report.matched.to_string(),
                r.report.new.to_string(),
                r.report.revised.to_string(),
                r.report.unchanged.to_string(),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    let sum = |f: fn(&crate::import::ImportReport) -> usize| s.imported.iter().map(f).sum::<usize>();
    let _ = writeln!(
        out,
        "imported {} file(s) through the {}: {} new, {} revised, {} unchanged{}",
        s.imported.len(),
        s.via,
        sum(|r| r.report.new),
        sum(|r| r.report.revised),
        sum(|r| r.report.unchanged),
        if s.failed.is_empty() {
            String::new()
        } else {
            format!("; {} failed", s.failed.len())
        }
    );
    out
}

/// The feeds and their health, one row per feed.
pub fn feeds(v: &crate::protocol::feeds::FeedsView) -> String {
    let mut out = String::new();
    if !v.live {
        out.push_str("no daemon answers: health unknown; the rest is as the store last kept it\n");
    }
    out.push_str(&feed_table(
        v.feeds
            .iter()
            .map(|f| (f.id.as_str(), f.health, &f.status, Some(f.articles))),
    ));
    if !v.other_feeds.is_empty() {
        let others: Vec<String> = v.other_feeds.iter().map(|(id, n)| format!("{id} ({n})")).collect();
        let _ = writeln!(out, "also stored, not in the config: {}", others.join(", "));
    }
    out
}

// The feeds as a table (id, health, last success, next poll, counts, articles when known, last
// error), then a line per feed that has moved or was switched to link identity. Shared by
// `frontline feeds` and `frontline status`.
fn feed_table<'a>(
    feeds: impl Iterator<
        Item = (
            &'a str,
            crate::feed::state::Health,
            &'a crate::feed::state::FeedState,
            Option<u64>,
        ),
    >,
) -> String {
    let when = |t: &Option<DateTime<Utc>>| t.map_or("-".to_string(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string());
    let mut t = table(&[
        "feed", "health", "last success", "next poll", "polls", "failures", "304s", "appended", "articles",
        "last error",
    ]);
    let mut notes = Vec::new();
    for (id, health, st, articles) in feeds {
        t.add_row(vec![
            id.to_string(),
            health.name().to_string(),
            when(&st.last_success),
            when(&st.next_due),
            st.polls.to_string(),
            st.failures.to_string(),
            st.not_modified.to_string(),
            st.appended.to_string(),
            articles.map_or("-".to_string(), |n| n.to_string()),
            match (&st.last_error_class, &st.last_error) {
                // Most errors already start with their class ("dns: ...").
                (Some(class), Some(e)) if st.consecutive_failures > 0 && e.starts_with(class.as_str()) => e.clone(),
                (Some(class), Some(e)) if st.consecutive_failures > 0 => format!("{class}: {e}"),
                _ => "-".to_string(),
            },
        ]);
        if let Some(to) = st.moved() {
            notes.push(format!(
                "{id} has moved permanently to {to}: update its url in the config"
            ));
        }
        if let (Some(at), Some(why)) = (st.identity.switched_at, &st.identity.reason) {
            notes.push(format!(
                "{id} is keyed by link since {} ({why})",
                at.format("%Y-%m-%d %H:%M")
            ));
        }
    }
    let mut out = format!("{t}\n");
    for n in notes {
        let _ = writeln!(out, "{n}");
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::feed::state::{FeedState, Health};
    use crate::protocol::feeds::{FeedRow, FeedsView};

    #[test]
    fn the_feeds_table_says_which_feed_moved_or_was_keyed_by_link_and_status_counts_by_health() {
        let mut state = FeedState::new("https://old.example/feed");
        state.moved_to = Some("https://new.example/feed".into());
        state.moved_seen = 2;
        state.identity.switched_at = Some("2020-10-10T12:00:00Z".parse().unwrap());
        state.identity.reason = Some("3 of 3 links seen before came back with a new guid".into());
        state.health = Health::Degraded;
        let view = FeedsView {
            live: true,
            feeds: vec![FeedRow {
                id: "wire".into(),
                name: "Wire".into(),
                url: state.url.clone(),
                interval_secs: 900,
                health: state.health,
                articles: 7,
                status: state.clone(),
            }],
            other_feeds: Default::default(),
        };
        let out = super::feeds(&view);
        assert!(
            out.contains("wire has moved permanently to https://new.example/feed"),
            "{out}"
        );
        assert!(
            out.contains("wire is keyed by link since 2020-10-10 12:00 (3 of 3 links"),
            "{out}"
        );
        assert!(out.contains("degraded"), "{out}");

        let mut status = crate::protocol::DaemonStatus::default();
        status.feeds.insert("wire".into(), state);
        status
            .feeds
            .insert("quiet".into(), FeedState::new("https://q.example/"));
        let body = crate::protocol::StatusBody { status, uptime_secs: 5 };
        let out = super::status(&body);
        assert!(out.contains("1 of 2 feeds failing"), "{out}");
        assert!(out.contains("wire is keyed by link since"), "{out}");
    }
}
