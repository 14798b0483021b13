//! The timeline kept as state: each entry under its place in the timeline's order, so that a
//! page of the latest entries (as of a date) is one range read.
//!
//! What is kept (under the projection's `k/` keys): `tl`, every entry of a running total, an
//! incident's death count and a place's first claim of each kind, keyed by (date, kind, summary,
//! article, sentence); `td`, how many per publication day. The kept views that know when an
//! entry's first report changes write it (`casualties::kept`, `control::kept`) through `replace`.
//! Truce entries are not kept here: a truce's id and brokers can change with later reports, so
//! they are made from the kept ceasefire state as of the question's date, a handful per truce.
//!
//! Pure: all I/O through `KeptRead` and `Overlay`.

use chrono::NaiveDate;

use super::{Entry, TimelineSummary, Window, ceasefire_entries, order};
use crate::projection::kept::{self, KeptRead, Key, Overlay, Range};
use crate::projection::{AsOf, ceasefire};
use crate::store::StoreError;

const ENTRIES: &str = "tl";
const DAYS: &str = "td";

/// An entry's key: its place in the timeline's order.
pub fn key(e: &Entry) -> Vec<u8> {
    Key::new(ENTRIES)
        .instant(e.date)
        .u64(e.kind as u64)
        .str(&e.summary)
        .str(&e.citation.stream)
        .u64(e.citation.span[0] as u64)
        .u64(e.citation.span[1] as u64)
        .bytes()
}

fn day_key(day: NaiveDate) -> Vec<u8> {
    Key::new(DAYS).str(&day.to_string()).bytes()
}

fn count_day(o: &mut Overlay<'_>, day: NaiveDate, up: bool) -> Result<(), StoreError> {
    let k = day_key(day);
    let n: u64 = kept::get(o, &k)?.unwrap_or(0);
    match if up { n + 1 } else { n.saturating_sub(1) } {
        0 => o.writes.delete(k),
        n => o.writes.put(k, kept::encode(&n)),
    }
    Ok(())
}

/// Replaces the entry kept at `old` (a key from `key`, if any) with `new` (if any); a no-op when
/// nothing changes.
pub fn replace(o: &mut Overlay<'_>, old: Option<Vec<u8>>, new: Option<Entry>) -> Result<(), StoreError> {
    let new_key = new.as_ref().map(key);
    if let Some(k) = old.filter(|k| Some(k) != new_key.as_ref())
        && let Some(e) = kept::get::<Entry>(o, &k)?
    {
        o.writes.delete(k);
        count_day(o, e.date.date_naive(), false)?;
    }
    if let (Some(k), Some(e)) = (new_key, new) {
        match kept::get::<Entry>(o, &k)? {
            Some(was) if was == e => {}
            Some(_) => o.writes.put(k, kept::encode(&e)),
            None => {
                count_day(o, e.date.date_naive(), true)?;
                o.writes.put(k, kept::encode(&e));
            }
        }
    }
    Ok(())
}

// How many kept entries were published on or before `date`.
fn kept_total(read: &dyn KeptRead, date: Option<NaiveDate>) -> Result<u64, StoreError> {
    let upper = date.and_then(|d| d.succ_opt()).map(day_key);
    let days: Vec<u64> = kept::scan_below(read, &Key::new(DAYS).bytes(), upper.as_deref())?;
    Ok(days.into_iter().sum())
}

/// One page of the timeline as of `at` (by date), from the kept state.
pub fn summary(read: &dyn KeptRead, at: AsOf, window: Window) -> Result<TimelineSummary, StoreError> {
    let mut truces = ceasefire_entries(&ceasefire::kept::summary(read, at)?.truces);
    truces.sort_by(order);
    let total = kept_total(read, at.date)? + truces.len() as u64;
    // The latest `offset + limit` of the kept entries and of the truces' hold every entry of the
    // page; merged from the latest backwards.
    let wanted = usize::try_from(window.offset)
        .unwrap_or(usize::MAX)
        .saturating_add(window.limit);
    let upper = at.date.map(|d| Key::new(ENTRIES).instant(kept::day_after(d)).bytes());
    let mut latest: Vec<Entry> = kept::page(
        read,
        Range {
            prefix: &Key::new(ENTRIES).bytes(),
            lower: None,
            upper: upper.as_deref(),
            reverse: true,
            skip: 0,
            limit: wanted,
        },
    )?;
    latest.extend(truces);
    latest.sort_by(|a, b| order(b, a));
    let entries = latest
        .into_iter()
        .skip(usize::try_from(window.offset).unwrap_or(usize::MAX))
        .take(window.limit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Ok(TimelineSummary {
        as_of: at,
        total,
        offset: window.offset,
        entries,
    })
}
