//! The casualties view kept as state: updated by each page of events as it is folded, and read
//! by a question without decoding any article.
//!
//! What is kept (under the projection's `k/` keys, committed with the page's facts and
//! checkpoint in one atomic batch):
//! - `cc`: every citation of every figure, in citation order under its figure (paged by
//!   `citations`, and read for "as of DATE" when a figure's latest citations are newer);
//! - `cf`: per figure, what its first citation said, how many articles state it and how many
//!   per publication day (`FigureRecord`), grouped by tally and series; `cr`: its most recent
//!   citations (read only for the figures a summary shows);
//! - `co`: each series' figures in series order, `cu`: the few dated more than `AHEAD_DAYS` after
//!   their first publication, and `cs`: how many per day of first publication, so that a tally's
//!   summary, now or as of a date, reads only the end of each series; `ct`: per tally, its
//!   summary as of now;
//! - `cx` and `ci`: per incident (in order of day, then place), its figures and the day it was
//!   first reported, and its summary as of now; `cy`: the few dated more than `AHEAD_DAYS` after
//!   their first report; `cn`: how many incidents were first reported per day;
//! - the timeline entries of running totals and of incidents' death counts, through
//!   `timeline::kept::replace` (an incident's index lists the keys of its entries).
//!
//! The state is a function of the set of counting article versions, never of arrival order: a
//! page retracts what an article's previous version contributed and adds what its new one does,
//! and every record is rebuilt to one canonical form. Pure: all reads and writes go through
//! `KeptRead` and `Overlay`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    CasualtySummary, Cited, FigureFacts, FigureKey, FirstCited, Flag, IncidentKey, RECENT, RECENT_INCIDENTS,
    TallySummary, build_incident, build_tally, figure_key, sort_tallies, stance, summarize_incident, tally_of,
};
use crate::extract::{Group, Outcome, Scope};
use crate::profile::Profile;
use crate::projection::kept::{self, Days, KeptRead, Key, Overlay, Range};
use crate::projection::timeline::{self, Entry};
use crate::projection::{ArticleFacts, Citation, Selected};
use crate::store::StoreError;

/// What is kept per figure (its most recent citations are kept apart, under `cr`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FigureRecord {
    /// Which figure.
    pub key: FigureKey,
    /// What its first citation said.
    pub first: FirstCited,
    /// How many citations state it.
    pub cited: u64,
    /// Citations per publication day (UTC): "as of DATE" counts without reading them.
    pub days: Days,
}

/// What is kept per incident besides its summary: its figures (by their text keys) and the day
/// it was first reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct IncidentIndex {
    key: IncidentKey,
    available_from: NaiveDate,
    figures: Vec<String>,
    /// The keys of its timeline entries (`timeline::kept`).
    #[serde(default)]
    timeline: Vec<Vec<u8>>,
}

fn parse_figure(key: &str) -> Result<FigureKey, StoreError> {
    key.parse().map_err(|e| StoreError::Corrupt {
        seq: 0,
        reason: format!("kept casualties: {e}"),
    })
}

fn figure_parts(k: Key, f: &FigureKey) -> Key {
    tally_parts(k, &f.party, f.group, f.outcome)
        .str(f.scope.as_str())
        .str(&f.reporter)
        .str(&f.as_of.to_string())
        .u64(f.count)
}

fn tally_parts(k: Key, party: &Option<String>, group: Group, outcome: Outcome) -> Key {
    k.str(party.as_deref().unwrap_or(""))
        .str(group.as_str())
        .str(outcome.as_str())
}

fn record_key(f: &FigureKey) -> Vec<u8> {
    figure_parts(Key::new("cf"), f).bytes()
}

fn recent_key(f: &FigureKey) -> Vec<u8> {
    figure_parts(Key::new("cr"), f).bytes()
}

fn citations_prefix(f: &FigureKey) -> Vec<u8> {
    figure_parts(Key::new("cc"), f).bytes()
}

fn citation_key(f: &FigureKey, c: &Citation) -> Vec<u8> {
    figure_parts(Key::new("cc"), f)
        .instant(c.published)
        .str(&c.stream)
        .u64(c.span[0] as u64)
        .u64(c.span[1] as u64)
        .bytes()
}

// Citations of `f` published on or before `date`: those below this key.
fn citations_upper(f: &FigureKey, date: NaiveDate) -> Vec<u8> {
    figure_parts(Key::new("cc"), f).instant(kept::day_after(date)).bytes()
}

fn series_prefix(party: &Option<String>, group: Group, outcome: Outcome, reporter: &str) -> Key {
    tally_parts(Key::new("cf"), party, group, outcome)
        .str(Scope::Cumulative.as_str())
        .str(reporter)
}

fn order_prefix(party: &Option<String>, group: Group, outcome: Outcome, reporter: &str) -> Key {
    series_in("co", party, group, outcome, reporter)
}

fn series_in(table: &str, party: &Option<String>, group: Group, outcome: Outcome, reporter: &str) -> Key {
    tally_parts(Key::new(table), party, group, outcome).str(reporter)
}

// A cumulative figure's place in its series: by date, then first citation (as `build_tally`
// orders a series), then count.
fn order_key(fk: &FigureKey, first: &FirstCited) -> Vec<u8> {
    order_key_in("co", fk, first)
}

fn order_key_in(table: &str, fk: &FigureKey, first: &FirstCited) -> Vec<u8> {
    series_in(table, &fk.party, fk.group, fk.outcome, &fk.reporter)
        .str(&fk.as_of.to_string())
        .instant(first.published)
        .str(&first.stream)
        .u64(first.span[0] as u64)
        .u64(first.span[1] as u64)
        .u64(fk.count)
        .bytes()
}

// How many days after its first publication a figure may stand for (or an incident have
// happened) and still be found by the as-of reads' range over dates: the conflict zone's date is
// a day ahead of UTC's for part of each day, and "on Sunday" may be read a day or two off.
// Figures and incidents dated further ahead, which an ordinary report never gives, are also
// kept apart (`cu`, `cy`) and read separately.
const AHEAD_DAYS: u64 = 2;

// Where a running total dated more than `AHEAD_DAYS` after its first publication is kept apart.
fn ahead_key(fk: &FigureKey, first: &FirstCited) -> Option<Vec<u8>> {
    let published = first.published.date_naive();
    (fk.as_of > published + chrono::Days::new(AHEAD_DAYS)).then(|| order_key_in("cu", fk, first))
}

// A series' figures per day of first publication (`kept::count_days`, a record a month).
fn series_count_key(party: &Option<String>, group: Group, outcome: Outcome, reporter: &str) -> Key {
    tally_parts(Key::new("cs"), party, group, outcome).str(reporter)
}

fn summary_key(party: &Option<String>, group: Group, outcome: Outcome) -> Vec<u8> {
    tally_parts(Key::new("ct"), party, group, outcome).bytes()
}

fn incident_parts(k: Key, i: &IncidentKey) -> Key {
    k.str(&i.date.to_string())
        .str(i.location.as_deref().unwrap_or(""))
        .str(&i.unlocated)
}

// Incidents per day of first report (`kept::count_days`, a record a month).
fn incidents_counter() -> Key {
    Key::new("cn").str("incidents")
}

/// What one article contributes: each figure its counting version (the latest, if relevant)
/// states, by citation key. One sentence stating a figure twice is one citation.
pub fn contributions(a: &ArticleFacts) -> BTreeMap<Vec<u8>, (FigureKey, Cited)> {
    let mut out = BTreeMap::new();
    let Some(revision) = a.revisions.last().filter(|r| r.facts.relevant) else {
        return out;
    };
    let sel = Selected { article: a, revision };
    for c in &revision.facts.casualties {
        let key = figure_key(c);
        let cited = Cited {
            bound: c.bound,
            location: c.location.clone(),
            reported_by: c.reported_by.clone(),
            reporter: c.reporter.clone(),
            citation: sel.cite(&c.evidence, c.span),
        };
        out.entry(citation_key(&key, &cited.citation)).or_insert((key, cited));
    }
    out
}

#[derive(Default)]
struct Touch {
    added: Vec<Cited>,
    removed: bool,
}

/// Folds a page's changed articles (each with its state before the page) into the kept state.
pub fn fold_page(o: &mut Overlay<'_>, changes: &[(Option<&ArticleFacts>, &ArticleFacts)]) -> Result<(), StoreError> {
    let mut touched: BTreeMap<FigureKey, Touch> = BTreeMap::new();
    for (before, after) in changes {
        let old = before.map(contributions).unwrap_or_default();
        let new = contributions(after);
        for (ck, (fk, cited)) in &old {
            if new.get(ck).is_none_or(|(_, n)| n != cited) {
                o.writes.delete(ck.clone());
                touched.entry(fk.clone()).or_default().removed = true;
            }
        }
        for (ck, (fk, cited)) in new {
            if old.get(&ck).is_none_or(|(_, c)| *c != cited) {
                o.writes.put(ck, kept::encode(&cited));
                touched.entry(fk).or_default().added.push(cited);
            }
        }
    }

    let mut tallies = BTreeSet::new();
    let mut incidents: BTreeMap<IncidentKey, Vec<(FigureKey, bool)>> = BTreeMap::new();
    for (fk, touch) in touched {
        let (rkey, ckey) = (record_key(&fk), recent_key(&fk));
        let old: Option<FigureRecord> = kept::get(o, &rkey)?;
        let new = match (&old, touch.removed) {
            // A retraction may take the first or a recent citation: read them all again.
            (_, true) | (None, false) => rescan(o, &fk)?,
            (Some(rec), false) => {
                let recent: Vec<Citation> = kept::get(o, &ckey)?.unwrap_or_default();
                Some(merged(rec.clone(), recent, touch.added))
            }
        };
        match &new {
            Some((r, recent)) => {
                o.writes.put(rkey, kept::encode(r));
                o.writes.put(ckey, kept::encode(recent));
            }
            None => {
                o.writes.delete(rkey);
                o.writes.delete(ckey);
            }
        }
        // A running total's timeline entry, dated by its first citation.
        if fk.scope == Scope::Cumulative {
            let was = old.as_ref().and_then(|r| timeline_key(&fk, &r.first));
            let is = match &new {
                Some((r, _)) => timeline_entry(o, &fk, &r.first)?,
                None => None,
            };
            timeline::kept::replace(o, was, is)?;
        }
        // Each series' figures in series order (date, then first citation), and how many there
        // are: a summary reads only the ends.
        if fk.scope == Scope::Cumulative {
            let was = old.as_ref().map(|r| order_key(&fk, &r.first));
            let is = new.as_ref().map(|(r, _)| order_key(&fk, &r.first));
            moved(o, was, is, &fk.to_string());
            let was = old.as_ref().and_then(|r| ahead_key(&fk, &r.first));
            let is = new.as_ref().and_then(|(r, _)| ahead_key(&fk, &r.first));
            moved(o, was, is, &fk.to_string());
        }
        // How many figures each series has per day of their first publication.
        let (was, is) = (
            old.as_ref().map(|r| r.first.published.date_naive()),
            new.as_ref().map(|(r, _)| r.first.published.date_naive()),
        );
        if fk.scope == Scope::Cumulative && was != is {
            let mut delta = BTreeMap::new();
            if let Some(d) = was {
                *delta.entry(d).or_insert(0) -= 1;
            }
            if let Some(d) = is {
                *delta.entry(d).or_insert(0) += 1;
            }
            let key = series_count_key(&fk.party, fk.group, fk.outcome, &fk.reporter);
            kept::count_days(o, &key, &delta)?;
        }
        if fk.scope == Scope::Incident {
            let was = old.map(|r| incident_of(&r));
            let is = new.map(|(r, _)| incident_of(&r));
            if let Some(w) = was {
                incidents.entry(w).or_default().push((fk.clone(), false));
            }
            if let Some(i) = is {
                incidents.entry(i).or_default().push((fk.clone(), true));
            }
        } else {
            tallies.insert(tally_of(&fk));
        }
    }

    for (party, group, outcome) in tallies {
        let key = summary_key(&party, group, outcome);
        match tally_at(o, &party, group, outcome, None)? {
            None => o.writes.delete(key),
            Some(summary) => o.writes.put(key, kept::encode(&with_recent(o, summary, None)?)),
        }
    }

    let mut counted: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for (ik, edits) in incidents {
        let ikey = incident_parts(Key::new("cx"), &ik).bytes();
        let skey = incident_parts(Key::new("ci"), &ik).bytes();
        let akey = incident_parts(Key::new("cy"), &ik).bytes();
        let old: Option<IncidentIndex> = kept::get(o, &ikey)?;
        if let Some(i) = &old {
            *counted.entry(i.available_from).or_insert(0) -= 1;
        }
        let old_entries = old.as_ref().map(|i| i.timeline.clone()).unwrap_or_default();
        let mut members: BTreeSet<FigureKey> = old
            .map(|i| i.figures.iter().map(|k| parse_figure(k)).collect::<Result<_, _>>())
            .transpose()?
            .unwrap_or_default();
        // Removals first: a figure whose record changed in place is removed and added back.
        for (fk, _) in edits.iter().filter(|(_, add)| !add) {
            members.remove(fk);
        }
        for (fk, _) in edits.iter().filter(|(_, add)| *add) {
            members.insert(fk.clone());
        }
        let mut facts = Vec::new();
        for fk in &members {
            if let Some(r) = kept::get::<FigureRecord>(o, &record_key(fk))? {
                let mut f = facts_now(r);
                f.citations = kept::get(o, &recent_key(fk))?.unwrap_or_default();
                facts.push(f);
            }
        }
        let entries = incident_entries(o, &ik, &facts)?;
        let keys: Vec<Vec<u8>> = entries.iter().map(timeline::kept::key).collect();
        for k in old_entries {
            if !keys.contains(&k) {
                timeline::kept::replace(o, Some(k), None)?;
            }
        }
        for e in entries {
            timeline::kept::replace(o, None, Some(e))?;
        }
        if facts.is_empty() {
            o.writes.delete(ikey);
            o.writes.delete(skey);
            o.writes.delete(akey);
            continue;
        }
        let available_from = facts
            .iter()
            .map(|f| f.first.published.date_naive())
            .min()
            .unwrap_or(ik.date);
        *counted.entry(available_from).or_insert(0) += 1;
        if ik.date > available_from + chrono::Days::new(AHEAD_DAYS) {
            o.writes.put(akey, kept::encode(&ik));
        } else {
            o.writes.delete(akey);
        }
        let index = IncidentIndex {
            key: ik.clone(),
            available_from,
            figures: facts.iter().map(|f| f.key.to_string()).collect(),
            timeline: keys,
        };
        o.writes
            .put(skey, kept::encode(&summarize_incident(build_incident(&ik, &facts))));
        o.writes.put(ikey, kept::encode(&index));
    }
    kept::count_days(o, &incidents_counter(), &counted)?;
    Ok(())
}

// An index entry whose key may change: deleted at `was`, written at `is` (either may be none),
// untouched when they are the same key.
fn moved(o: &mut Overlay<'_>, was: Option<Vec<u8>>, is: Option<Vec<u8>>, value: &impl Serialize) {
    if was == is {
        return;
    }
    if let Some(k) = was {
        o.writes.delete(k);
    }
    if let Some(k) = is {
        o.writes.put(k, kept::encode(value));
    }
}

// A figure's first citation in full (its record keeps only what the first one said).
fn first_citation(read: &dyn KeptRead, fk: &FigureKey) -> Result<Option<Citation>, StoreError> {
    let first: Option<Cited> = kept::edge(read, &citations_prefix(fk), None, false)?;
    Ok(first.map(|c| c.citation))
}

// A running total's timeline entry.
fn timeline_entry(read: &dyn KeptRead, fk: &FigureKey, first: &FirstCited) -> Result<Option<Entry>, StoreError> {
    let stance = stance(fk.party.as_deref(), first.reporter.as_ref());
    if !timeline::has_casualty_entry(fk, stance) {
        return Ok(None);
    }
    Ok(first_citation(read, fk)?.and_then(|c| timeline::casualty_entry(fk, stance, &c)))
}

// Where a running total's timeline entry is kept (no read: the key needs only what the record
// keeps of its first citation).
fn timeline_key(fk: &FigureKey, first: &FirstCited) -> Option<Vec<u8>> {
    let stance = stance(fk.party.as_deref(), first.reporter.as_ref());
    timeline::casualty_entry(fk, stance, &stub(first)).map(|e| timeline::kept::key(&e))
}

// A citation with what a record keeps of the first one: enough for a timeline key.
fn stub(first: &FirstCited) -> Citation {
    Citation {
        published: first.published,
        feed: String::new(),
        stream: first.stream.clone(),
        url: None,
        title: None,
        seq: 0,
        sentence: String::new(),
        span: first.span,
    }
}

// An incident's timeline entries: one per side, group and death count, dated by the first
// citation of any of its reporters.
fn incident_entries(read: &dyn KeptRead, ik: &IncidentKey, facts: &[FigureFacts]) -> Result<Vec<Entry>, StoreError> {
    let mut firsts: BTreeMap<(Option<String>, Group, u64), &FigureFacts> = BTreeMap::new();
    let at = |f: &FigureFacts| (f.first.published, f.first.stream.clone(), f.first.span);
    for f in facts.iter().filter(|f| f.key.outcome == Outcome::Killed) {
        let slot = firsts
            .entry((f.key.party.clone(), f.key.group, f.key.count))
            .or_insert(f);
        if at(f) < at(slot) {
            *slot = f;
        }
    }
    let mut out = Vec::new();
    for ((party, group, count), f) in firsts {
        if let Some(c) = first_citation(read, &f.key)? {
            out.push(timeline::incident_entry(
                &ik.location, ik.date, &party, group, count, &c,
            ));
        }
    }
    Ok(out)
}

fn incident_of(r: &FigureRecord) -> IncidentKey {
    IncidentKey::of(&FigureFacts {
        key: r.key.clone(),
        first: r.first.clone(),
        cited: 0,
        citations: Vec::new(),
    })
}

// A figure's record and most recent citations from its citations as kept (none left: none).
fn rescan(read: &dyn KeptRead, fk: &FigureKey) -> Result<Option<(FigureRecord, Vec<Citation>)>, StoreError> {
    let cited: Vec<(Vec<u8>, Cited)> = kept::scan_all(read, &citations_prefix(fk))?;
    let mut it = cited.into_iter().map(|(_, c)| c);
    let Some(first) = it.next() else {
        return Ok(None);
    };
    let record = FigureRecord {
        key: fk.clone(),
        cited: 1,
        days: Days(vec![(first.citation.published.date_naive(), 1)]),
        first: FirstCited::from(&first),
    };
    Ok(Some(merged(record, vec![first.citation], it.collect())))
}

// `rec` and its most recent citations with more citations (none of them already in it), in
// canonical form.
fn merged(mut rec: FigureRecord, mut recent: Vec<Citation>, added: Vec<Cited>) -> (FigureRecord, Vec<Citation>) {
    for c in added {
        rec.cited += 1;
        rec.days.add(c.citation.published.date_naive(), 1);
        let at = (c.citation.published, &c.citation.stream, c.citation.span);
        if at < (rec.first.published, &rec.first.stream, rec.first.span) {
            rec.first = FirstCited::from(&c);
        }
        recent.push(c.citation);
    }
    recent.sort();
    let cut = recent.len().saturating_sub(RECENT);
    recent.drain(..cut);
    (rec, recent)
}

// A figure's facts without its citations (a summary adds those of the figures it shows).
fn facts_now(r: FigureRecord) -> FigureFacts {
    FigureFacts {
        key: r.key,
        first: r.first,
        cited: r.cited,
        citations: Vec::new(),
    }
}

// The figure now, or as it stood on a date: none if no article stating it was published by then.
fn facts_as_of(r: FigureRecord, date: Option<NaiveDate>) -> Option<FigureFacts> {
    if !visible(&r, date) {
        return None;
    }
    let Some(date) = date else {
        return Some(facts_now(r));
    };
    let cited = r.days.until(Some(date));
    Some(FigureFacts { cited, ..facts_now(r) })
}

// A figure's most recent citations, as of `date` if given.
fn recent_at(read: &dyn KeptRead, key: &FigureKey, date: Option<NaiveDate>) -> Result<Vec<Citation>, StoreError> {
    let recent: Vec<Citation> = kept::get(read, &recent_key(key))?.unwrap_or_default();
    let Some(date) = date else {
        return Ok(recent);
    };
    if recent.last().is_none_or(|c| c.published.date_naive() <= date) {
        return Ok(recent);
    }
    let cited: Vec<Cited> = kept::page(
        read,
        Range {
            prefix: &citations_prefix(key),
            lower: None,
            upper: Some(&citations_upper(key, date)),
            reverse: true,
            skip: 0,
            limit: RECENT,
        },
    )?;
    Ok(cited.into_iter().map(|c| c.citation).collect())
}

// A tally summary built without citations, with the most recent citations of the figures it
// shows.
fn with_recent(read: &dyn KeptRead, mut t: TallySummary, date: Option<NaiveDate>) -> Result<TallySummary, StoreError> {
    for s in &mut t.series {
        for f in std::iter::once(&mut s.latest).chain(s.counted.as_mut()) {
            f.citations = recent_at(read, &parse_figure(&f.key)?, date)?;
        }
    }
    Ok(t)
}

// How many of a series' last figures a summary reads first: enough for its latest figure and,
// nearly always, the latest one that counts (read further back when all of those are suspect).
const TAIL: usize = 4;

// Whether a figure had been published by `date` (always, as of now).
fn visible(r: &FigureRecord, date: Option<NaiveDate>) -> bool {
    date.is_none_or(|d| r.first.published.date_naive() <= d)
}

// A figure's record, which every key in a series' order names.
fn ordered_record(read: &dyn KeptRead, key: &str) -> Result<FigureRecord, StoreError> {
    let fk = parse_figure(key)?;
    kept::get::<FigureRecord>(read, &record_key(&fk))?.ok_or_else(|| StoreError::Corrupt {
        seq: 0,
        reason: format!("kept casualties: figure {key} is ordered but not kept"),
    })
}

// A series' last `want + 1` figures in series order as of `date` (one more than are judged: a
// figure's flags need the one before it), and whether that is all of them. As of a date, the
// order is read from that date's end (plus `AHEAD_DAYS`) backwards, passing over the figures not
// yet published then; those dated further ahead are kept apart (`cu`) and added.
fn series_tail(
    read: &dyn KeptRead,
    series: (&Option<String>, Group, Outcome, &str),
    want: usize,
    date: Option<NaiveDate>,
) -> Result<(Vec<FigureRecord>, bool), StoreError> {
    let (party, group, outcome, reporter) = series;
    let limit = want.saturating_add(1);
    let take = |k: String| -> Result<Option<FigureRecord>, StoreError> {
        let r = ordered_record(read, &k)?;
        Ok(visible(&r, date).then_some(r))
    };
    let Some(date) = date else {
        let prefix = order_prefix(party, group, outcome, reporter).bytes();
        return kept::select(
            read,
            Range {
                limit,
                ..whole_range(&prefix, true)
            },
            take,
        );
    };
    read_back(
        read,
        (
            order_prefix(party, group, outcome, reporter),
            series_in("cu", party, group, outcome, reporter),
        ),
        date,
        limit,
        &take,
        &take,
    )
}

// What "as of DATE" reads of a table ordered by the day its entries stand for (a series' order,
// the incidents), whose entries dated more than `AHEAD_DAYS` after their first report are also
// listed in a table of their own: the last `limit` entries `take` keeps, read back from the
// date plus `AHEAD_DAYS` (passing over those not yet reported then), with the ones `take_ahead`
// keeps from the other table after that point; in order, and whether they are all there are.
fn read_back<T, A, U>(
    read: &dyn KeptRead,
    (dated, ahead): (Key, Key),
    date: NaiveDate,
    limit: usize,
    take: impl FnMut(T) -> Result<Option<U>, StoreError>,
    take_ahead: impl FnMut(A) -> Result<Option<U>, StoreError>,
) -> Result<(Vec<U>, bool), StoreError>
where
    T: serde::de::DeserializeOwned,
    A: serde::de::DeserializeOwned,
{
    let bound = (date + chrono::Days::new(AHEAD_DAYS + 1)).to_string();
    let (prefix, upper) = (dated.clone().bytes(), dated.str(&bound).bytes());
    let (mut out, ended) = kept::select(
        read,
        Range {
            upper: Some(&upper),
            limit,
            ..whole_range(&prefix, true)
        },
        take,
    )?;
    let (prefix, lower) = (ahead.clone().bytes(), ahead.str(&bound).bytes());
    let (later, _) = kept::select(
        read,
        Range {
            lower: Some(&lower),
            ..whole_range(&prefix, false)
        },
        take_ahead,
    )?;
    out.extend(later);
    let all = ended && out.len() < limit;
    out.drain(..out.len().saturating_sub(limit));
    Ok((out, all))
}

// Every entry under `prefix`, from the first or the last.
fn whole_range(prefix: &[u8], reverse: bool) -> Range<'_> {
    Range {
        prefix,
        lower: None,
        upper: None,
        reverse,
        skip: 0,
        limit: usize::MAX,
    }
}

// A tally's summary as of now or as it stood on a date, from the ends of its series: what it
// costs depends on how many reporters it has, not on how many figures they gave. Equal to
// summarizing `build_tally` over every figure published by then (tested): a figure's flags
// depend on the one before it, the one after it and the later ones, which the end holds; a
// suspect figure is confirmed by another reporter's figure within two days, which a range read
// finds. Every read passes over the figures not yet published on the date.
fn tally_at(
    read: &dyn KeptRead,
    party: &Option<String>,
    group: Group,
    outcome: Outcome,
    date: Option<NaiveDate>,
) -> Result<Option<TallySummary>, StoreError> {
    let counts = kept::counted_per(read, &tally_parts(Key::new("cs"), party, group, outcome).bytes(), date)?;
    if counts.is_empty() {
        return Ok(None);
    }
    // Each series: its reporter, how many figures, the first figure in key order (whose
    // reporter gives the series its side and kind), its end, and from where that end is judged.
    struct End {
        figures: usize,
        first: FigureRecord,
        want: usize,
        series: super::Series,
        trusted_from: usize,
    }
    let mut ends: Vec<End> = Vec::new();
    for (key, n) in counts {
        let reporter = Key::parts(&key, 4)
            .and_then(|p| p.into_iter().nth(3))
            .ok_or_else(|| StoreError::Corrupt {
                seq: 0,
                reason: format!("kept casualties: unreadable key {}", String::from_utf8_lossy(&key)),
            })?;
        let prefix = series_prefix(party, group, outcome, &reporter).bytes();
        let first: Option<FigureRecord> = kept::find(read, &prefix, None, false, |r| visible(r, date))?;
        let Some(first) = first else { continue };
        ends.push(End {
            figures: n as usize,
            first,
            want: TAIL,
            series: super::Series {
                reporter,
                side: None,
                kind: None,
                stance: super::Stance::Unattributed,
                points: Vec::new(),
            },
            trusted_from: 0,
        });
    }
    let mut pending: Vec<usize> = (0..ends.len()).collect();
    while !pending.is_empty() {
        for &i in &pending {
            let e = &mut ends[i];
            let series = (party, group, outcome, e.series.reporter.as_str());
            let (tail, whole) = series_tail(read, series, e.want, date)?;
            let mut figures: Vec<FigureFacts> = facts_as_of(e.first.clone(), date).into_iter().collect();
            figures.extend(
                tail.into_iter()
                    .filter(|r| r.key != e.first.key)
                    .filter_map(|r| facts_as_of(r, date)),
            );
            // The first figure only names the series' reporter; it is judged only when the end
            // reaches it.
            let tally = build_tally(&figures);
            let mut series = tally.series.into_iter().next().ok_or_else(|| StoreError::Corrupt {
                seq: 0,
                reason: "kept casualties: an empty series".into(),
            })?;
            if !whole {
                series.points.retain(|p| p.key != e.first.key.to_string());
                series.points.iter_mut().for_each(|p| p.flags.clear());
                super::flag_series(&mut series.points);
            }
            e.trusted_from = usize::from(!whole);
            e.series = series;
            e.want = if whole { usize::MAX } else { e.want * 2 };
        }
        // A suspect figure another side's own or a third party's figure confirms (within a
        // tenth, within two days) is not suspect after all.
        for &i in &pending {
            let (from, end) = (ends[i].trusted_from, ends[i].series.points.len());
            for j in from..end {
                let p = &ends[i].series.points[j];
                if !p.flags.contains(&Flag::Suspect) {
                    continue;
                }
                let (count, as_of) = (p.count, p.as_of);
                let mut matched = false;
                for other in ends.iter().filter(|o| {
                    o.series.reporter != ends[i].series.reporter
                        && matches!(o.series.stance, super::Stance::Own | super::Stance::ThirdParty)
                }) {
                    let prefix = series_prefix(party, group, outcome, &other.series.reporter);
                    let lower = series_prefix(party, group, outcome, &other.series.reporter)
                        .str(&(as_of - chrono::Duration::days(2)).to_string())
                        .bytes();
                    let upper = series_prefix(party, group, outcome, &other.series.reporter)
                        .str(&(as_of + chrono::Duration::days(3)).to_string())
                        .bytes();
                    let near: Vec<FigureRecord> = kept::page(
                        read,
                        Range {
                            prefix: &prefix.bytes(),
                            lower: Some(&lower),
                            upper: Some(&upper),
                            reverse: false,
                            skip: 0,
                            limit: usize::MAX,
                        },
                    )?;
                    if near
                        .iter()
                        .any(|r| visible(r, date) && (r.key.count as f64 - count as f64).abs() <= 0.1 * count as f64)
                    {
                        matched = true;
                        break;
                    }
                }
                if matched {
                    ends[i].series.points[j].flags.retain(|f| *f != Flag::Suspect);
                }
            }
        }
        // A series whose judged end is all suspect is read further back.
        pending.retain(|&i| {
            let e = &ends[i];
            e.trusted_from > 0
                && e.series.points[e.trusted_from..]
                    .iter()
                    .all(|p| p.flags.contains(&Flag::Suspect))
        });
    }
    let series: Vec<(super::Series, usize)> = ends
        .into_iter()
        .map(|e| {
            let mut s = e.series;
            // Only the judged end is used; the count is the whole series'.
            s.points.drain(..e.trusted_from);
            (s, e.figures)
        })
        .collect();
    Ok(Some(super::summarize_series(party.clone(), group, outcome, series)))
}

/// The casualties summary from the kept state: as of now (kept summaries, read as they are), or
/// as it stood on a date (each tally from the ends of its series and the listed incidents from
/// their figures, read back from that date: the cost does not grow with what came after it).
pub fn summary(read: &dyn KeptRead, profile: &Profile, date: Option<NaiveDate>) -> Result<CasualtySummary, StoreError> {
    let kept_tallies: Vec<super::TallySummary> = kept::scan_all(read, &Key::new("ct").bytes())?
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let Some(date) = date else {
        let mut tallies = kept_tallies;
        sort_tallies(&mut tallies, profile);
        let recent_incidents = kept::page(
            read,
            Range {
                prefix: &Key::new("ci").bytes(),
                lower: None,
                upper: None,
                reverse: true,
                skip: 0,
                limit: RECENT_INCIDENTS,
            },
        )?;
        return Ok(CasualtySummary {
            as_of: crate::projection::AsOf::default(),
            tallies,
            incidents: kept::counted_until(read, &incidents_counter().bytes(), None)?,
            recent_incidents,
        });
    };

    let mut tallies = Vec::new();
    for t in kept_tallies {
        if let Some(tally) = tally_at(read, &t.party, t.group, t.outcome, Some(date))? {
            tallies.push(with_recent(read, tally, Some(date))?);
        }
    }
    sort_tallies(&mut tallies, profile);

    let total = kept::counted_until(read, &incidents_counter().bytes(), Some(date))?;
    let mut recent_incidents = Vec::new();
    for index in incidents_at(read, date)? {
        let mut facts = Vec::new();
        for fk in &index.figures {
            let fk = parse_figure(fk)?;
            if let Some(mut f) =
                kept::get::<FigureRecord>(read, &record_key(&fk))?.and_then(|r| facts_as_of(r, Some(date)))
            {
                f.citations = recent_at(read, &fk, Some(date))?;
                facts.push(f);
            }
        }
        recent_incidents.push(summarize_incident(build_incident(&index.key, &facts)));
    }
    Ok(CasualtySummary {
        as_of: crate::projection::AsOf {
            date: Some(date),
            seq: None,
        },
        tallies,
        incidents: total,
        recent_incidents,
    })
}

// The `RECENT_INCIDENTS` latest incidents (by day, then place) reported by `date`: read from that
// day's end (plus `AHEAD_DAYS`) backwards, passing over those first reported later, with the
// few dated further ahead of their first report (`cy`) added.
fn incidents_at(read: &dyn KeptRead, date: NaiveDate) -> Result<Vec<IncidentIndex>, StoreError> {
    let reported =
        |i: IncidentIndex| -> Result<Option<IncidentIndex>, StoreError> { Ok((i.available_from <= date).then_some(i)) };
    let ahead = |ik: IncidentKey| match kept::get::<IncidentIndex>(read, &incident_parts(Key::new("cx"), &ik).bytes())?
    {
        Some(i) => reported(i),
        None => Err(StoreError::Corrupt {
            seq: 0,
            reason: format!("kept casualties: incident {ik:?} is listed ahead but not kept"),
        }),
    };
    let tables = (Key::new("cx"), Key::new("cy"));
    Ok(read_back(read, tables, date, RECENT_INCIDENTS, reported, ahead)?.0)
}

/// One page of a figure's citations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CitationPage {
    /// The figure.
    pub figure: String,
    /// As of this date (by publication), if asked.
    pub as_of: Option<NaiveDate>,
    /// How many citations it has (as of the date).
    pub total: u64,
    /// Where this page starts.
    pub offset: u64,
    /// The citations, in citation order (publication, article, position).
    pub citations: Vec<Citation>,
}

/// Citations `offset..offset + limit` of figure `key` (as of `date`, when given); none when no
/// such figure is known (as of the date).
pub fn citations(
    read: &dyn KeptRead,
    key: &FigureKey,
    date: Option<NaiveDate>,
    offset: u64,
    limit: usize,
) -> Result<Option<CitationPage>, StoreError> {
    let Some(record) = kept::get::<FigureRecord>(read, &record_key(key))? else {
        return Ok(None);
    };
    let Some(total) = facts_as_of(record, date).map(|f| f.cited) else {
        return Ok(None);
    };
    let upper = date.map(|d| citations_upper(key, d));
    let cited: Vec<Cited> = kept::page(
        read,
        Range {
            prefix: &citations_prefix(key),
            lower: None,
            upper: upper.as_deref(),
            reverse: false,
            skip: offset,
            limit,
        },
    )?;
    let citations = cited.into_iter().map(|c| c.citation).collect();
    Ok(Some(CitationPage {
        figure: key.to_string(),
        as_of: date,
        total,
        offset,
        citations,
    }))
}

// What the ACLED and UCDP exports read (`export::kept`): the figures of one tally or one incident
// at a time, and each figure's citations only when its row is written, so that an export holds a
// tally's figures and a day's rows, never every citation.

/// The tallies kept now (side, group, outcome), in the casualties view's order.
pub fn tallies(read: &dyn KeptRead, profile: &Profile) -> Result<Vec<(Option<String>, Group, Outcome)>, StoreError> {
    let mut kept_tallies: Vec<TallySummary> = kept::scan_all(read, &Key::new("ct").bytes())?
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    sort_tallies(&mut kept_tallies, profile);
    Ok(kept_tallies
        .into_iter()
        .map(|t| (t.party, t.group, t.outcome))
        .collect())
}

/// Every running-total figure of a tally published by `date` (now when none), in key order,
/// without citations.
pub fn tally_figures(
    read: &dyn KeptRead,
    party: &Option<String>,
    group: Group,
    outcome: Outcome,
    date: Option<NaiveDate>,
) -> Result<Vec<FigureFacts>, StoreError> {
    let prefix = tally_parts(Key::new("cf"), party, group, outcome)
        .str(Scope::Cumulative.as_str())
        .bytes();
    let mut facts: Vec<FigureFacts> = kept::scan_all::<FigureRecord>(read, &prefix)?
        .into_iter()
        .filter_map(|(_, r)| facts_as_of(r, date))
        .collect();
    facts.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(facts)
}

/// What `each_incident` hands each incident: its key and its figures.
pub type IncidentVisit<'a, E> = dyn FnMut(&IncidentKey, Vec<FigureFacts>) -> Result<(), E> + 'a;

/// Visits every incident reported by `date` (now when none), in order of day and then place,
/// with its figures published by then in key order, without citations; stops at the first error.
pub fn each_incident<E: From<StoreError>>(
    read: &dyn KeptRead,
    date: Option<NaiveDate>,
    visit: &mut IncidentVisit<'_, E>,
) -> Result<(), E> {
    let mut one = |k: &[u8], v: &[u8]| -> Result<(), E> {
        let index: IncidentIndex = kept::decode(k, v)?;
        if date.is_some_and(|d| index.available_from > d) {
            return Ok(());
        }
        let mut facts = Vec::new();
        for key in &index.figures {
            let fk = parse_figure(key)?;
            if let Some(f) = kept::get::<FigureRecord>(read, &record_key(&fk))?.and_then(|r| facts_as_of(r, date)) {
                facts.push(f);
            }
        }
        if facts.is_empty() {
            return Ok(());
        }
        visit(&index.key, facts)
    };
    kept::try_scan(read, &Key::new("cx").bytes(), None, &mut one)
}

/// Every citation of figure `key` published by `date` (now when none), in citation order.
pub fn all_citations(read: &dyn KeptRead, key: &str, date: Option<NaiveDate>) -> Result<Vec<Citation>, StoreError> {
    let fk = parse_figure(key)?;
    let upper = date.map(|d| citations_upper(&fk, d));
    let cited: Vec<Cited> = kept::scan_below(read, &citations_prefix(&fk), upper.as_deref())?;
    Ok(cited.into_iter().map(|c| c.citation).collect())
}
