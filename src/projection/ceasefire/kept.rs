//! The ceasefire view kept as state. Which truce a statement is about depends on every statement
//! before it (in citation order), so the fold's state (`Truces`: small, a few records per truce)
//! is kept as a snapshot after each hour of publications that has statements. A page replays
//! only from the earliest hour it touches: it restores the snapshot before that hour and folds
//! the statements from there, in order. New articles are published about now, so that is the
//! last hour or so; an article backdated by a month replays the month.
//!
//! What is kept (under the projection's `k/` keys): `fs`, every statement of every counting
//! article version in citation order, with the truce it was last assigned to (without its
//! sentence: what a replay reads); `fh`, per truce, its statements in full with their citations,
//! in citation order (paged by `citations`; the latest are a summary's `recent`; read by a
//! replay only for a status first reached); `fz`, the snapshots by hour. "As of DATE" is the last
//! snapshot of that day and a range read of each truce's statements. A statement's full form is
//! kept once, under its truce, because sled's memory grows with the number of keys (a separate
//! copy by statement was a ninth of the projection's keys).
//!
//! A function of the counting article versions, never of arrival order: a replay rewrites a
//! record only when its value changes, and writes every snapshot it passes. Pure: all I/O through
//! `KeptRead` and `Overlay`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{CeasefireSummary, RECENT_REPORTS, StatusReport, Truces, report, summaries};
use crate::extract::CeasefireStatement;
use crate::projection::kept::{self, KeptRead, Key, Overlay, Range};
use crate::projection::{ArticleFacts, AsOf, Citation, Selected};
use crate::store::StoreError;

/// A statement as a replay reads it (under `fs`): what the fold needs, without its sentence and
/// citation (kept under its truce in `fh`, read only for a status first reached and for
/// answers), so that replaying a few thousand statements reads little.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Step {
    /// The statement, its sentence left out.
    statement: CeasefireStatement,
    published: DateTime<Utc>,
    /// The truce (its index in `Truces`) the last replay assigned it to; none until replayed.
    truce: Option<u64>,
}

const STATEMENTS: &str = "fs";
const HISTORY: &str = "fh";
const SNAPSHOTS: &str = "fz";

// A statement's place in citation order: publication, article, sentence, position.
fn statement_key(c: &Citation, i: usize) -> Vec<u8> {
    Key::new(STATEMENTS)
        .instant(c.published)
        .str(&c.stream)
        .u64(c.span[0] as u64)
        .u64(c.span[1] as u64)
        .u64(i as u64)
        .bytes()
}

// A statement under its truce: the truce, then the statement's key after its table.
fn history_key(truce: u64, statement: &[u8]) -> Vec<u8> {
    let mut k = Key::new(HISTORY).u64(truce).bytes();
    k.extend_from_slice(&statement[Key::new(STATEMENTS).bytes().len()..]);
    k
}

// A statement in full, with its citation: one this page brought, or the one kept under the truce
// the statement was last assigned to.
fn cited(
    read: &dyn KeptRead,
    fresh: &Contribution,
    statement: &[u8],
    truce: Option<u64>,
) -> Result<(CeasefireStatement, Citation), StoreError> {
    if let Some(full) = fresh.get(statement) {
        return Ok(full.clone());
    }
    let kept = match truce {
        Some(t) => kept::get(read, &history_key(t, statement))?,
        None => None,
    };
    kept.ok_or_else(|| StoreError::Corrupt {
        seq: 0,
        reason: "kept ceasefire: a statement's citation is not kept under its truce".into(),
    })
}

fn history_prefix(truce: u64) -> Vec<u8> {
    Key::new(HISTORY).u64(truce).bytes()
}

// The start of the hour a statement was published in: snapshots are taken per hour.
fn hour_of(t: DateTime<Utc>) -> DateTime<Utc> {
    let s = t.timestamp();
    DateTime::from_timestamp(s - s.rem_euclid(3600), 0).unwrap_or(t)
}

fn snapshot_key(hour: DateTime<Utc>) -> Vec<u8> {
    Key::new(SNAPSHOTS).instant(hour).bytes()
}

// Below this key: what was published on or before `date`.
fn until(k: Key, date: NaiveDate) -> Vec<u8> {
    k.instant(kept::day_after(date)).bytes()
}

type Contribution = BTreeMap<Vec<u8>, (CeasefireStatement, Citation)>;

fn contributions(a: &ArticleFacts) -> Contribution {
    let mut out = Contribution::new();
    let Some(revision) = a.revisions.last().filter(|r| r.facts.relevant) else {
        return out;
    };
    let sel = Selected { article: a, revision };
    for (i, st) in revision.facts.ceasefire.iter().enumerate() {
        let cite = sel.cite(&st.evidence, st.span);
        out.insert(statement_key(&cite, i), (st.clone(), cite));
    }
    out
}

/// Folds a page's changed articles (each with its state before the page) into the kept state.
pub fn fold_page(o: &mut Overlay<'_>, changes: &[(Option<&ArticleFacts>, &ArticleFacts)]) -> Result<(), StoreError> {
    let mut from: Option<DateTime<Utc>> = None;
    // The statements this page brings, in full: kept under their truce once the replay has
    // assigned one.
    let mut fresh = Contribution::new();
    for (before, after) in changes {
        let old = before.map(contributions).unwrap_or_default();
        let new = contributions(after);
        for (k, (st, cite)) in &old {
            if new.get(k).is_none_or(|n| n != &(st.clone(), cite.clone())) {
                if let Some(Step { truce: Some(t), .. }) = kept::get::<Step>(o, k)? {
                    o.writes.delete(history_key(t, k));
                }
                o.writes.delete(k.clone());
                from = Some(from.map_or(cite.published, |f| f.min(cite.published)));
            }
        }
        for (k, (statement, citation)) in new {
            if old.get(&k).is_none_or(|o| *o != (statement.clone(), citation.clone())) {
                from = Some(from.map_or(citation.published, |f| f.min(citation.published)));
                let step = Step {
                    statement: CeasefireStatement {
                        evidence: String::new(),
                        ..statement.clone()
                    },
                    published: citation.published,
                    truce: None,
                };
                o.writes.put(k.clone(), kept::encode(&step));
                fresh.insert(k, (statement, citation));
            }
        }
    }
    let Some(from) = from else {
        return Ok(());
    };
    replay(o, hour_of(from), &fresh)
}

// Folds every statement from `hour` on again, starting from the snapshot before it.
fn replay(o: &mut Overlay<'_>, hour: DateTime<Utc>, fresh: &Contribution) -> Result<(), StoreError> {
    let snapshots = Key::new(SNAPSHOTS).bytes();
    let start = snapshot_key(hour);
    let mut state: Truces = kept::edge(o, &snapshots, Some(&start), true)?.unwrap_or_default();
    // The snapshots from `hour` on are written again below (those of hours left without any
    // statement are not).
    let stale: Vec<(Vec<u8>, Truces)> = kept::scan_from(o, &snapshots, Some(&start))?;
    for (k, _) in stale {
        o.writes.delete(k);
    }
    let statements: Vec<(Vec<u8>, Step)> = kept::scan_from(
        o,
        &Key::new(STATEMENTS).bytes(),
        Some(&Key::new(STATEMENTS).instant(hour).bytes()),
    )?;
    let mut current: Option<DateTime<Utc>> = None;
    for (k, mut s) in statements {
        let h = hour_of(s.published);
        if let Some(c) = current.filter(|c| *c != h) {
            o.writes.put(snapshot_key(c), kept::encode(&state));
        }
        current = Some(h);
        let truce = state.add(&s.statement, s.published, || {
            cited(o, fresh, &k, s.truce).map(|(_, c)| c)
        })? as u64;
        if s.truce != Some(truce) {
            let full = cited(o, fresh, &k, s.truce)?;
            if let Some(was) = s.truce {
                o.writes.delete(history_key(was, &k));
            }
            o.writes.put(history_key(truce, &k), kept::encode(&full));
            s.truce = Some(truce);
            o.writes.put(k, kept::encode(&s));
        }
    }
    if let Some(c) = current {
        o.writes.put(snapshot_key(c), kept::encode(&state));
    }
    Ok(())
}

// Every truce's state as of `date` (published on or before it): the last snapshot up to then.
fn state_at(read: &dyn KeptRead, date: Option<NaiveDate>) -> Result<Truces, StoreError> {
    let upper = date.map(|d| until(Key::new(SNAPSHOTS), d));
    Ok(kept::edge(read, &Key::new(SNAPSHOTS).bytes(), upper.as_deref(), true)?.unwrap_or_default())
}

// Reports `skip..skip + limit` of truce `truce` (from the latest backwards when `reverse`),
// published on or before `date`.
fn reports(
    read: &dyn KeptRead,
    truce: usize,
    date: Option<NaiveDate>,
    reverse: bool,
    skip: u64,
    limit: usize,
) -> Result<Vec<StatusReport>, StoreError> {
    let prefix = history_prefix(truce as u64);
    let upper = date.map(|d| until(Key::new(HISTORY).u64(truce as u64), d));
    let cited: Vec<(CeasefireStatement, Citation)> = kept::page(
        read,
        Range {
            prefix: &prefix,
            lower: None,
            upper: upper.as_deref(),
            reverse,
            skip,
            limit,
        },
    )?;
    Ok(cited
        .iter()
        .map(|(statement, citation)| report(statement, citation))
        .collect())
}

/// The ceasefire summary as of `at` (by date) from the kept state.
pub fn summary(read: &dyn KeptRead, at: AsOf) -> Result<CeasefireSummary, StoreError> {
    let state = state_at(read, at.date)?;
    let truces = summaries(&state, at.date, |i| reports(read, i, at.date, true, 0, RECENT_REPORTS))?
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    Ok(CeasefireSummary { as_of: at, truces })
}

/// One page of a truce's statements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportPage {
    /// The truce.
    pub truce: String,
    /// As of this date (by publication), if asked.
    pub as_of: Option<NaiveDate>,
    /// How many statements are about it (as of the date).
    pub total: u64,
    /// Where this page starts.
    pub offset: u64,
    /// The statements, in citation order.
    pub reports: Vec<StatusReport>,
}

/// Statements `offset..offset + limit` of the truce called `id` as of `date` (a truce's id is
/// its effective day, which later reports may give); none when there is no such truce then.
pub fn citations(
    read: &dyn KeptRead,
    id: &str,
    date: Option<NaiveDate>,
    offset: u64,
    limit: usize,
) -> Result<Option<ReportPage>, StoreError> {
    let state = state_at(read, date)?;
    let Some((index, _)) = state.ordered().into_iter().find(|(_, name)| name == id) else {
        return Ok(None);
    };
    Ok(Some(ReportPage {
        truce: id.to_string(),
        as_of: date,
        total: state.0[index].statements,
        offset,
        reports: reports(read, index, date, false, offset, limit)?,
    }))
}
