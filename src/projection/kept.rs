//! The kept view state's plumbing: the reads a view and a page's fold make of it (`KeptRead`),
//! the writes a page collects (`Writes`, committed with the page's facts and its checkpoint in
//! one atomic batch), the overlay that lets a page read its own writes, and order-preserving key
//! pieces.
//!
//! Knows nothing of what the state means (that is each view's own file) and does no I/O of its
//! own: the persisted side is the `FactStore`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::store::StoreError;

/// Every kept-state key starts with this, apart from the articles and the checkpoint.
pub const ROOT: &[u8] = b"k/";

/// Reads of the kept state.
pub trait KeptRead {
    /// The value at `key`.
    fn kept_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Visits the entries whose key starts with `prefix`, is at or above `lower` and below
    /// `upper` when they are given, in key order (or reversed), until `visit` returns false.
    fn kept_scan(
        &self,
        prefix: &[u8],
        lower: Option<&[u8]>,
        upper: Option<&[u8]>,
        reverse: bool,
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError>;
}

/// What a page changes in the kept state: a value per key, `None` to delete.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Writes {
    /// Key → new value (`None`: deleted), in key order.
    pub changes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl Writes {
    /// Sets `key` to `value`.
    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.changes.insert(key, Some(value));
    }

    /// Deletes `key`.
    pub fn delete(&mut self, key: Vec<u8>) {
        self.changes.insert(key, None);
    }

    /// Sets `key` to `days`, or deletes it when no day is left: "nothing counted" has one form,
    /// whether nothing ever came or everything that came was retracted.
    pub fn put_days(&mut self, key: Vec<u8>, days: &Days) {
        if days.0.is_empty() {
            self.delete(key);
        } else {
            self.put(key, encode(days));
        }
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// The persisted state with a page's writes on top: what the page's fold reads.
pub struct Overlay<'a> {
    base: &'a dyn KeptRead,
    /// The writes so far.
    pub writes: Writes,
}

impl<'a> Overlay<'a> {
    /// No writes yet over `base`.
    pub fn new(base: &'a dyn KeptRead) -> Overlay<'a> {
        Overlay {
            base,
            writes: Writes::default(),
        }
    }
}

impl KeptRead for Overlay<'_> {
    fn kept_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        match self.writes.changes.get(key) {
            Some(v) => Ok(v.clone()),
            None => self.base.kept_get(key),
        }
    }

    // Streams the base's range merged with this page's writes in the same range, so that a read
    // of the last entry (a place's latest claim, a series' end) stays one read however many
    // entries lie under the prefix.
    fn kept_scan(
        &self,
        prefix: &[u8],
        lower: Option<&[u8]>,
        upper: Option<&[u8]>,
        reverse: bool,
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        let in_range = |k: &Vec<u8>| k.starts_with(prefix) && upper.is_none_or(|u| k.as_slice() < u);
        let start = start_of(prefix, lower);
        let mine: Vec<Written<'_>> = self
            .writes
            .changes
            .range(start.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter(|(k, _)| in_range(k))
            .collect();
        let mut mine: Box<dyn Iterator<Item = Written<'_>>> = if reverse {
            Box::new(mine.into_iter().rev())
        } else {
            Box::new(mine.into_iter())
        };
        let mut pending = mine.next();
        // Whether `a` comes before `b` in the scan's direction.
        let before = |a: &[u8], b: &[u8]| if reverse { a > b } else { a < b };
        let mut stopped = false;
        self.base.kept_scan(prefix, lower, upper, reverse, &mut |k, v| {
            while let Some((mk, mv)) = pending {
                if !before(mk, k) {
                    break;
                }
                if let Some(mv) = mv
                    && !visit(mk, mv)
                {
                    stopped = true;
                    return false;
                }
                pending = mine.next();
            }
            match pending {
                // This page wrote this key: its value (or its deletion) wins.
                Some((mk, mv)) if mk.as_slice() == k => {
                    pending = mine.next();
                    match mv {
                        Some(mv) => {
                            let go = visit(mk, mv);
                            stopped = !go;
                            go
                        }
                        None => true,
                    }
                }
                _ => {
                    let go = visit(k, v);
                    stopped = !go;
                    go
                }
            }
        })?;
        if stopped {
            return Ok(());
        }
        while let Some((mk, mv)) = pending {
            if let Some(mv) = mv
                && !visit(mk, mv)
            {
                break;
            }
            pending = mine.next();
        }
        Ok(())
    }
}

// Hands `items` to `visit` in order or reversed, until it says stop.
fn visit_in_order<'x>(
    items: impl DoubleEndedIterator<Item = (&'x Vec<u8>, &'x Vec<u8>)>,
    reverse: bool,
    visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
) {
    let mut go = |(k, v): (&Vec<u8>, &Vec<u8>)| visit(k, v);
    if reverse {
        for e in items.rev() {
            if !go(e) {
                break;
            }
        }
    } else {
        for e in items {
            if !go(e) {
                break;
            }
        }
    }
}

/// Where a scan under `prefix` from `lower` starts: the later of the two.
pub fn start_of<'a>(prefix: &'a [u8], lower: Option<&'a [u8]>) -> &'a [u8] {
    match lower {
        Some(l) if l > prefix => l,
        _ => prefix,
    }
}

// One of a page's writes: a key and its new value (`None`: deleted).
type Written<'a> = (&'a Vec<u8>, &'a Option<Vec<u8>>);

/// An in-memory kept state (for tests of the plumbing).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Memory {
    /// Every entry.
    pub entries: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl Memory {
    /// Applies `writes`.
    pub fn apply(&mut self, writes: &Writes) {
        for (k, v) in &writes.changes {
            match v {
                Some(v) => self.entries.insert(k.clone(), v.clone()),
                None => self.entries.remove(k),
            };
        }
    }
}

impl KeptRead for Memory {
    fn kept_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.entries.get(key).cloned())
    }

    fn kept_scan(
        &self,
        prefix: &[u8],
        lower: Option<&[u8]>,
        upper: Option<&[u8]>,
        reverse: bool,
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        let range = self
            .entries
            .range(start_of(prefix, lower).to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix) && upper.is_none_or(|u| k.as_slice() < u));
        let items: Vec<_> = range.collect();
        visit_in_order(items.into_iter(), reverse, visit);
        Ok(())
    }
}

/// Builds keys whose byte order is the order of their parts: strings escaped (0x00 → 0x00 0xFF)
/// and ended by 0x00 0x01, integers big-endian, instants with the sign bit flipped.
#[derive(Debug, Clone, Default)]
pub struct Key(pub Vec<u8>);

impl Key {
    /// A key starting with `ROOT` and `table`.
    pub fn new(table: &str) -> Key {
        let mut k = ROOT.to_vec();
        k.extend_from_slice(table.as_bytes());
        k.push(b'/');
        Key(k)
    }

    /// Appends a string.
    pub fn str(mut self, s: &str) -> Key {
        for &b in s.as_bytes() {
            self.0.push(b);
            if b == 0 {
                self.0.push(0xFF);
            }
        }
        self.0.extend_from_slice(&[0, 1]);
        self
    }

    /// Appends an unsigned integer.
    pub fn u64(mut self, n: u64) -> Key {
        self.0.extend_from_slice(&n.to_be_bytes());
        self
    }

    /// Appends an instant (microseconds, ordered across the epoch).
    pub fn instant(self, t: DateTime<Utc>) -> Key {
        self.u64((t.timestamp_micros() as u64) ^ (1 << 63))
    }

    /// The bytes.
    pub fn bytes(self) -> Vec<u8> {
        self.0
    }

    /// The first `n` string parts of a key made by `Key::new(table).str(..)...`; none if it is
    /// not such a key.
    pub fn parts(key: &[u8], n: usize) -> Option<Vec<String>> {
        let rest = key.strip_prefix(ROOT)?;
        let slash = rest.iter().position(|&b| b == b'/')?;
        let mut rest = &rest[slash + 1..];
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let mut part = Vec::new();
            loop {
                match rest {
                    [0, 1, tail @ ..] => {
                        rest = tail;
                        break;
                    }
                    [0, 0xFF, tail @ ..] => {
                        part.push(0);
                        rest = tail;
                    }
                    [b, tail @ ..] if *b != 0 => {
                        part.push(*b);
                        rest = tail;
                    }
                    _ => return None,
                }
            }
            out.push(String::from_utf8(part).ok()?);
        }
        Some(out)
    }
}

/// The first instant after `date` (UTC): keys of entries published on or before `date` sort
/// below `prefix.instant(day_after(date))`.
pub fn day_after(date: NaiveDate) -> DateTime<Utc> {
    date.succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.and_utc())
}

/// Per-day counts (by publication day, UTC), in day order: what "as of DATE" sums.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Days(pub Vec<(NaiveDate, u64)>);

impl Days {
    /// Adds `n` on `day`.
    pub fn add(&mut self, day: NaiveDate, n: u64) {
        match self.0.binary_search_by_key(&day, |(d, _)| *d) {
            Ok(i) => self.0[i].1 += n,
            Err(i) => self.0.insert(i, (day, n)),
        }
    }

    /// Takes `n` off `day`; a day left at zero is removed, so a count has one form whatever
    /// came and went.
    pub fn remove(&mut self, day: NaiveDate, n: u64) {
        if let Ok(i) = self.0.binary_search_by_key(&day, |(d, _)| *d) {
            self.0[i].1 = self.0[i].1.saturating_sub(n);
            if self.0[i].1 == 0 {
                self.0.remove(i);
            }
        }
    }

    /// The total on or before `date` (everything for `None`).
    pub fn until(&self, date: Option<NaiveDate>) -> u64 {
        self.0
            .iter()
            .filter(|(d, _)| date.is_none_or(|date| *d <= date))
            .map(|(_, n)| n)
            .sum()
    }
}

// The month a day's count is kept under. Day counts are kept one record per month: a page,
// whose articles fall on the latest days, reads and rewrites a month's record at most, where one
// record per counter grew with the war's length (at a million events a place's claims per day
// were 15 KB, rewritten by every page that touched the place). Only the grouping depends on
// this; each record still holds exact days.
fn month_of(day: NaiveDate) -> u64 {
    use chrono::Datelike;
    u64::try_from(day.year()).unwrap_or(0) * 12 + u64::from(day.month0())
}

/// Adds each day's net count in `delta` to the day counts kept under `prefix` (one record per
/// month, `Days` inside; a month left empty has no record, as if nothing had come).
pub fn count_days(o: &mut Overlay<'_>, prefix: &Key, delta: &BTreeMap<NaiveDate, i64>) -> Result<(), StoreError> {
    let mut months: BTreeMap<u64, Vec<(NaiveDate, i64)>> = BTreeMap::new();
    for (day, net) in delta {
        if *net != 0 {
            months.entry(month_of(*day)).or_default().push((*day, *net));
        }
    }
    for (month, nets) in months {
        let key = prefix.clone().u64(month).bytes();
        let mut days: Days = get(o, &key)?.unwrap_or_default();
        for (day, net) in nets {
            if net > 0 {
                days.add(day, net.unsigned_abs());
            } else {
                days.remove(day, net.unsigned_abs());
            }
        }
        o.writes.put_days(key, &days);
    }
    Ok(())
}

/// The total counted under `prefix` (by `count_days`) on or before `date` (everything for
/// `None`): reads the month records up to the date's.
pub fn counted_until(read: &dyn KeptRead, prefix: &[u8], date: Option<NaiveDate>) -> Result<u64, StoreError> {
    Ok(counted_per(read, prefix, date)?.into_iter().map(|(_, n)| n).sum())
}

/// Like `counted_until`, for every counter under `prefix` at once (each counter's key, without
/// its month, with its total; counters with none left out), in key order.
pub fn counted_per(
    read: &dyn KeptRead,
    prefix: &[u8],
    date: Option<NaiveDate>,
) -> Result<Vec<(Vec<u8>, u64)>, StoreError> {
    let mut out: Vec<(Vec<u8>, u64)> = Vec::new();
    let mut failed = None;
    read.kept_scan(prefix, None, None, false, &mut |k, v| {
        let Some(counter) = k.len().checked_sub(8).map(|at| &k[..at]) else {
            failed = Some(StoreError::Corrupt {
                seq: 0,
                reason: format!("kept day counts: short key {}", String::from_utf8_lossy(k)),
            });
            return false;
        };
        let n = match decode::<Days>(k, v) {
            Ok(days) => days.until(date),
            Err(e) => {
                failed = Some(e);
                return false;
            }
        };
        match out.last_mut() {
            Some((last, total)) if last.as_slice() == counter => *total += n,
            _ => out.push((counter.to_vec(), n)),
        }
        true
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    out.retain(|(_, n)| *n > 0);
    Ok(out)
}

/// Decodes JSON kept by a view, naming the key when it does not decode.
pub fn decode<T: serde::de::DeserializeOwned>(key: &[u8], value: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(value).map_err(|e| StoreError::Corrupt {
        seq: 0,
        reason: format!("kept view state at {}: {e}", String::from_utf8_lossy(key)),
    })
}

/// Encodes a value to keep.
pub fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("invariant: kept view state always serializes")
}

/// A visitor of kept entries that may fail.
pub type TryVisit<'a, E> = dyn FnMut(&[u8], &[u8]) -> Result<(), E> + 'a;

/// Visits the entries under `prefix` (below `upper` when given) in key order with a visitor
/// that may fail; stops at its first error and returns it.
pub fn try_scan<E: From<StoreError>>(
    read: &dyn KeptRead,
    prefix: &[u8],
    upper: Option<&[u8]>,
    visit: &mut TryVisit<'_, E>,
) -> Result<(), E> {
    let mut failed: Option<E> = None;
    read.kept_scan(prefix, None, upper, false, &mut |k, v| match visit(k, v) {
        Ok(()) => true,
        Err(e) => {
            failed = Some(e);
            false
        }
    })?;
    failed.map_or(Ok(()), Err)
}

/// Every entry under `prefix` below `upper` (when given), decoded, in key order.
pub fn scan_below<T: serde::de::DeserializeOwned>(
    read: &dyn KeptRead,
    prefix: &[u8],
    upper: Option<&[u8]>,
) -> Result<Vec<T>, StoreError> {
    page(
        read,
        Range {
            prefix,
            lower: None,
            upper,
            reverse: false,
            skip: 0,
            limit: usize::MAX,
        },
    )
}

/// Every entry under `prefix`, decoded, in key order.
pub fn scan_all<T: serde::de::DeserializeOwned>(
    read: &dyn KeptRead,
    prefix: &[u8],
) -> Result<Vec<(Vec<u8>, T)>, StoreError> {
    scan_from(read, prefix, None)
}

/// Every entry under `prefix` from `lower` (when given), decoded, in key order.
pub fn scan_from<T: serde::de::DeserializeOwned>(
    read: &dyn KeptRead,
    prefix: &[u8],
    lower: Option<&[u8]>,
) -> Result<Vec<(Vec<u8>, T)>, StoreError> {
    let mut out = Vec::new();
    let mut failed = None;
    read.kept_scan(prefix, lower, None, false, &mut |k, v| match decode(k, v) {
        Ok(t) => {
            out.push((k.to_vec(), t));
            true
        }
        Err(e) => {
            failed = Some(e);
            false
        }
    })?;
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Which entries `page` reads: under `prefix`, below `upper`, from the first or the last, skipping
/// `skip`, at most `limit`.
#[derive(Debug, Clone, Copy)]
pub struct Range<'a> {
    /// Keys start with this.
    pub prefix: &'a [u8],
    /// Keys are at or above this, when given.
    pub lower: Option<&'a [u8]>,
    /// Keys are below this, when given.
    pub upper: Option<&'a [u8]>,
    /// From the last entry backwards.
    pub reverse: bool,
    /// Entries passed over first.
    pub skip: u64,
    /// At most this many.
    pub limit: usize,
}

/// The values in `range`, decoded, in the order read (reversed ones are handed back in key
/// order).
pub fn page<T: serde::de::DeserializeOwned>(read: &dyn KeptRead, range: Range<'_>) -> Result<Vec<T>, StoreError> {
    Ok(select(read, range, |t| Ok(Some(t)))?.0)
}

/// The first entry under `prefix` (below `upper`), in key order or reversed, whose decoded value
/// `wanted` accepts.
pub fn find<T: serde::de::DeserializeOwned>(
    read: &dyn KeptRead,
    prefix: &[u8],
    upper: Option<&[u8]>,
    reverse: bool,
    mut wanted: impl FnMut(&T) -> bool,
) -> Result<Option<T>, StoreError> {
    let range = Range {
        prefix,
        lower: None,
        upper,
        reverse,
        skip: 0,
        limit: 1,
    };
    Ok(select(read, range, |t| Ok(wanted(&t).then_some(t)))?.0.pop())
}

/// The entries of `range` after its first `skip` (passed over undecoded) that `take` maps to a
/// value, up to its `limit`, read in its direction and handed back in key order; and whether the
/// range ended before `limit` were found. The one range read every other is made of; "as of
/// DATE" gives a `take` that passes over entries not yet published by then, and stops at the
/// `limit`th, however many it passed over.
pub fn select<T: serde::de::DeserializeOwned, U>(
    read: &dyn KeptRead,
    range: Range<'_>,
    mut take: impl FnMut(T) -> Result<Option<U>, StoreError>,
) -> Result<(Vec<U>, bool), StoreError> {
    let mut out = Vec::new();
    if range.limit == 0 {
        return Ok((out, false));
    }
    let (mut skipped, mut failed, mut ended) = (0, None, true);
    read.kept_scan(range.prefix, range.lower, range.upper, range.reverse, &mut |k, v| {
        if skipped < range.skip {
            skipped += 1;
            return true;
        }
        match decode(k, v).and_then(&mut take) {
            Ok(Some(u)) => out.push(u),
            Ok(None) => {}
            Err(e) => {
                failed = Some(e);
                return false;
            }
        }
        ended = out.len() < range.limit;
        ended
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    if range.reverse {
        out.reverse();
    }
    Ok((out, ended))
}

/// The first entry under `prefix` (below `upper`), or the last with `last`: the one-read
/// questions (a series' first figure, a place's latest claim, the snapshot before an hour).
pub fn edge<T: serde::de::DeserializeOwned>(
    read: &dyn KeptRead,
    prefix: &[u8],
    upper: Option<&[u8]>,
    last: bool,
) -> Result<Option<T>, StoreError> {
    find(read, prefix, upper, last, |_| true)
}

/// The value at `key`, decoded.
pub fn get<T: serde::de::DeserializeOwned>(read: &dyn KeptRead, key: &[u8]) -> Result<Option<T>, StoreError> {
    read.kept_get(key)?.map(|v| decode(key, &v)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_like_their_parts() {
        let k = |s: &str, n: u64| Key::new("t").str(s).u64(n).bytes();
        assert!(k("a", 9) < k("a\0", 0));
        assert!(k("a", 1) < k("a", 2));
        assert!(k("a", u64::MAX) < k("ab", 0));
        assert!(k("a\0b", 0) < k("a\u{1}", 0));
        let t = |us: i64| {
            Key::new("t")
                .instant(DateTime::from_timestamp_micros(us).unwrap())
                .bytes()
        };
        assert!(t(-5) < t(0) && t(0) < t(7));
    }

    // The naive merge the streaming overlay must equal: base, then the writes on top.
    fn merged(base: &Memory, writes: &Writes) -> Memory {
        let mut m = base.clone();
        m.apply(writes);
        m
    }

    #[test]
    fn an_overlay_streams_the_same_entries_as_the_merged_state_in_both_directions() {
        let mut rng = fastrand::Rng::with_seed(11);
        let key = |rng: &mut fastrand::Rng| format!("k/t/{}", rng.u8(0..40)).into_bytes();
        for _ in 0..300 {
            let mut base = Memory::default();
            for _ in 0..rng.usize(0..30) {
                base.entries.insert(key(&mut rng), vec![rng.u8(..)]);
            }
            let mut o = Overlay::new(&base);
            for _ in 0..rng.usize(0..20) {
                if rng.bool() {
                    o.writes.put(key(&mut rng), vec![rng.u8(..)]);
                } else {
                    o.writes.delete(key(&mut rng));
                }
            }
            let expected = merged(&base, &o.writes);
            let upper = rng.bool().then(|| key(&mut rng));
            let lower = rng.bool().then(|| key(&mut rng));
            for reverse in [false, true] {
                let limit = rng.usize(1..50);
                let (mut got, mut want) = (Vec::new(), Vec::new());
                o.kept_scan(b"k/t/", lower.as_deref(), upper.as_deref(), reverse, &mut |k, v| {
                    got.push((k.to_vec(), v.to_vec()));
                    got.len() < limit
                })
                .unwrap();
                expected
                    .kept_scan(b"k/t/", lower.as_deref(), upper.as_deref(), reverse, &mut |k, v| {
                        want.push((k.to_vec(), v.to_vec()));
                        want.len() < limit
                    })
                    .unwrap();
                assert_eq!(
                    got, want,
                    "reverse {reverse}, limit {limit}, lower {lower:?}, upper {upper:?}"
                );
            }
        }
    }

    #[test]
    fn a_key_gives_its_string_parts_back() {
        let k = Key::new("t").str("a\0b").str("").str("c").u64(7).bytes();
        assert_eq!(
            Key::parts(&k, 3),
            Some(vec!["a\0b".to_string(), String::new(), "c".to_string()])
        );
        assert_eq!(Key::parts(b"k/t/abc", 1), None);
    }

    #[test]
    fn an_overlay_reads_its_own_writes_over_the_base() {
        let mut base = Memory::default();
        base.entries.insert(b"k/a".to_vec(), b"1".to_vec());
        base.entries.insert(b"k/b".to_vec(), b"2".to_vec());
        let mut o = Overlay::new(&base);
        o.writes.delete(b"k/a".to_vec());
        o.writes.put(b"k/c".to_vec(), b"3".to_vec());
        let mut seen = Vec::new();
        o.kept_scan(b"k/", None, None, true, &mut |k, v| {
            seen.push((k.to_vec(), v.to_vec()));
            true
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![(b"k/c".to_vec(), b"3".to_vec()), (b"k/b".to_vec(), b"2".to_vec())]
        );
        assert_eq!(o.kept_get(b"k/a").unwrap(), None);
        let mut below = Vec::new();
        o.kept_scan(b"k/", None, Some(b"k/c"), false, &mut |k, _| {
            below.push(k.to_vec());
            true
        })
        .unwrap();
        assert_eq!(below, vec![b"k/b".to_vec()]);
    }

    #[test]
    fn day_counts_are_kept_a_record_a_month_and_summed_up_to_a_date() {
        let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2020, m, d).unwrap();
        let a = Key::new("t").str("a");
        let b = Key::new("t").str("b");
        let mut state = Memory::default();
        let mut o = Overlay::new(&state);
        count_days(
            &mut o,
            &a,
            &BTreeMap::from([(day(9, 28), 2), (day(10, 3), 1), (day(11, 9), 4)]),
        )
        .unwrap();
        count_days(&mut o, &b, &BTreeMap::from([(day(10, 1), 5)])).unwrap();
        let writes = o.writes;
        // One record per month touched, each holding only its own days.
        assert_eq!(writes.changes.len(), 4);
        state.apply(&writes);
        assert_eq!(counted_until(&state, &a.clone().bytes(), None).unwrap(), 7);
        assert_eq!(counted_until(&state, &a.clone().bytes(), Some(day(10, 2))).unwrap(), 2);
        assert_eq!(counted_until(&state, &a.clone().bytes(), Some(day(9, 27))).unwrap(), 0);
        assert_eq!(
            counted_per(&state, &Key::new("t").bytes(), Some(day(10, 5))).unwrap(),
            vec![(a.clone().bytes(), 3), (b.clone().bytes(), 5)]
        );
        // A later page touches only its month; taking everything away leaves no record, as if
        // nothing had come.
        let mut o = Overlay::new(&state);
        count_days(&mut o, &a, &BTreeMap::from([(day(11, 9), -4), (day(11, 10), 0)])).unwrap();
        let writes = o.writes;
        assert_eq!(writes.changes.len(), 1);
        assert!(writes.changes.values().all(Option::is_none));
        state.apply(&writes);
        assert_eq!(counted_until(&state, &a.clone().bytes(), None).unwrap(), 3);
        assert_eq!(state.entries.len(), 3);
    }
}
