//! The control view kept as state, folded page by page like the casualties
//! (`casualties::kept`), and read without decoding any article.
//!
//! What is kept (under the projection's `k/` keys): `xc`, every claim about a place in citation
//! order (publication first, so "as of DATE" is a key range); `xk`, the same per claiming side
//! (its latest claim is one read); `xl`, its captures and losses; `xn`, the claims other than a
//! change of hands that disagree with its holder at the start; `xd`, claims per place and publication day (a record a month); `xs`, the sides that
//! ever claimed a place; `xp`, each place's summary as of now; `xt`, its claims per kind (change
//! and side), whose first is the kind's timeline entry, and `tk`, where that entry is kept
//! (`timeline::kept`). A place's status needs only its
//! latest change of hands (for a loss, the capture before it) and the claims within two days
//! after it, or, with no change on file, one disagreeing claim: short reads, so what a page or a
//! question costs does not grow with the log.
//!
//! A function of the counting article versions, never of arrival order. Pure: all I/O through
//! `KeptRead` and `Overlay`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::{ClaimReport, ControlSummary, PlaceSummary, RECENT_CLAIMS, WINDOW_HOURS, status};
use crate::extract::Change;
use crate::profile::Profile;
use crate::projection::kept::{self, KeptRead, Key, Overlay, Range};
use crate::projection::{ArticleFacts, AsOf, Selected, timeline};
use crate::store::StoreError;

fn claims_prefix(place: &str) -> Key {
    Key::new("xc").str(place)
}

fn claimant_prefix(place: &str, claimant: &str) -> Key {
    Key::new("xk").str(place).str(claimant)
}

// A place's claims of one kind (change and side): the first is its timeline entry.
fn kind_prefix(place: &str, change: Change, side: &Option<String>) -> Key {
    Key::new("xt")
        .str(place)
        .str(change.as_str())
        .str(side.as_deref().unwrap_or(""))
}

fn who(c: &ClaimReport) -> String {
    c.claimed_by.clone().unwrap_or_else(|| "unattributed".into())
}

// Each claim's place in citation order: publication, article, sentence, position.
fn order(k: Key, c: &ClaimReport, i: usize) -> Vec<u8> {
    k.instant(c.citation.published)
        .str(&c.citation.stream)
        .u64(c.citation.span[0] as u64)
        .u64(c.citation.span[1] as u64)
        .u64(i as u64)
        .bytes()
}

// What one article's counting version claims, by its key under `xc`: the place, its other keys
// (under `xk`, and under `xl` for a change of hands or `xn` for a disagreement that counts when
// no change is on file), and the claim.
type Contribution = BTreeMap<Vec<u8>, (String, Vec<Vec<u8>>, ClaimReport)>;

// A change of hands: what a place's status is read back to.
fn is_change(c: &ClaimReport) -> bool {
    matches!(c.change, Change::Captured | Change::Lost) && c.side.is_some()
}

// A claim that makes a place contested when no change of hands is on file (its holder is the
// one it had at the start).
fn disagrees_with_start(c: &ClaimReport, initial: &Option<String>) -> bool {
    match c.change {
        Change::Contested => true,
        Change::Captured => c.side != *initial,
        Change::Lost => c.side == *initial,
    }
}

fn contributions(a: &ArticleFacts, profile: &Profile) -> Contribution {
    let mut out = Contribution::new();
    let Some(revision) = a.revisions.last().filter(|r| r.facts.relevant) else {
        return out;
    };
    let sel = Selected { article: a, revision };
    for (i, c) in revision.facts.control.iter().enumerate() {
        let report = ClaimReport {
            change: c.change,
            side: c.side.clone(),
            claimed_by: c.claimed_by.clone(),
            citation: sel.cite(&c.evidence, c.span),
        };
        let mut keys = vec![
            order(claimant_prefix(&c.location, &who(&report)), &report, i),
            order(kind_prefix(&c.location, report.change, &report.side), &report, i),
        ];
        let initial = profile
            .locations
            .iter()
            .find(|l| l.id == c.location)
            .and_then(|l| l.held_by.clone());
        // Every capture or loss, with a side named or not: a loss is read back to the capture
        // before it, and that one may name no side.
        if matches!(report.change, Change::Captured | Change::Lost) {
            keys.push(order(Key::new("xl").str(&c.location), &report, i));
        }
        if !is_change(&report) && disagrees_with_start(&report, &initial) {
            keys.push(order(Key::new("xn").str(&c.location), &report, i));
        }
        out.insert(
            order(claims_prefix(&c.location), &report, i),
            (c.location.clone(), keys, report),
        );
    }
    out
}

/// Folds a page's changed articles (each with its state before the page) into the kept state.
pub fn fold_page(
    o: &mut Overlay<'_>,
    changes: &[(Option<&ArticleFacts>, &ArticleFacts)],
    profile: &Profile,
) -> Result<(), StoreError> {
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let mut kinds: BTreeSet<(String, Change, Option<String>)> = BTreeSet::new();
    // A page's net change of claims per place and day, and per place and side: each place's day
    // and side records are read and written once a page, not once a claim (the day record grows
    // with the war's length; at a million events a claim-by-claim rewrite made the control fold
    // 6-8 times its cost on a small store). A removed claim was counted before the page, so no
    // count goes below zero and the net is what claim-by-claim counting gives.
    let mut days_delta: BTreeMap<String, BTreeMap<NaiveDate, i64>> = BTreeMap::new();
    let mut sides_delta: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (before, after) in changes {
        let old = before.map(|b| contributions(b, profile)).unwrap_or_default();
        let new = contributions(after, profile);
        for (k, (place, others, c)) in &old {
            if new.get(k).is_none_or(|(_, _, n)| n != c) {
                o.writes.delete(k.clone());
                for other in others {
                    o.writes.delete(other.clone());
                }
                *days_delta
                    .entry(place.clone())
                    .or_default()
                    .entry(c.citation.published.date_naive())
                    .or_default() -= 1;
                *sides_delta.entry(place.clone()).or_default().entry(who(c)).or_default() -= 1;
                kinds.insert((place.clone(), c.change, c.side.clone()));
                touched.insert(place.clone());
            }
        }
        for (k, (place, others, c)) in new {
            if old.get(&k).is_none_or(|(_, _, o)| *o != c) {
                for other in others {
                    o.writes.put(other, kept::encode(&(k.clone(), c.clone())));
                }
                o.writes.put(k, kept::encode(&c));
                *days_delta
                    .entry(place.clone())
                    .or_default()
                    .entry(c.citation.published.date_naive())
                    .or_default() += 1;
                *sides_delta
                    .entry(place.clone())
                    .or_default()
                    .entry(who(&c))
                    .or_default() += 1;
                kinds.insert((place.clone(), c.change, c.side.clone()));
                touched.insert(place);
            }
        }
    }
    for (place, delta) in days_delta {
        kept::count_days(o, &Key::new("xd").str(&place), &delta)?;
    }
    for (place, delta) in sides_delta {
        count_sides(o, &place, &delta)?;
    }
    // The timeline entry of each kind of claim about a place: its first claim.
    for (place, change, side) in kinds {
        let first: Option<(Vec<u8>, ClaimReport)> =
            kept::edge(o, &kind_prefix(&place, change, &side).bytes(), None, false)?;
        let entry = first.map(|(_, c)| timeline::control_entry(&place, change, &side, &c.claimed_by, &c.citation));
        let at = Key::new("tk")
            .str(&place)
            .str(change.as_str())
            .str(side.as_deref().unwrap_or(""))
            .bytes();
        let was: Option<Vec<u8>> = kept::get(o, &at)?;
        match &entry {
            Some(e) => o.writes.put(at, kept::encode(&timeline::kept::key(e))),
            None => o.writes.delete(at),
        }
        timeline::kept::replace(o, was, entry)?;
    }
    for place in touched {
        let key = Key::new("xp").str(&place).bytes();
        match place_at(o, profile, &place, None)? {
            Some(p) => o.writes.put(key, kept::encode(&p)),
            None => o.writes.delete(key),
        }
    }
    Ok(())
}

// How many claims each side has made about a place: counted, not only remembered, so that a
// retraction of a side's last claim forgets the side as a rebuild would.
fn count_sides(o: &mut Overlay<'_>, place: &str, delta: &BTreeMap<String, i64>) -> Result<(), StoreError> {
    let key = Key::new("xs").str(place).bytes();
    let mut sides: BTreeMap<String, u64> = kept::get(o, &key)?.unwrap_or_default();
    for (side, net) in delta {
        let n = sides.entry(side.clone()).or_default();
        *n = n.saturating_add_signed(*net);
    }
    sides.retain(|_, n| *n > 0);
    // No side left: no record, as if no claim had come (an empty one would differ from a rebuild).
    if sides.is_empty() {
        o.writes.delete(key);
    } else {
        o.writes.put(key, kept::encode(&sides));
    }
    Ok(())
}

// A place's summary from its kept claims, as of `date` if given; none without a claim (or for a
// place the profile no longer lists).
fn place_at(
    read: &dyn KeptRead,
    profile: &Profile,
    place: &str,
    date: Option<NaiveDate>,
) -> Result<Option<PlaceSummary>, StoreError> {
    let Some(loc) = profile.locations.iter().find(|l| l.id == place) else {
        return Ok(None);
    };
    let count = kept::counted_until(read, &Key::new("xd").str(place).bytes(), date)?;
    if count == 0 {
        return Ok(None);
    }
    let upper = |k: Key| date.map(|d| k.instant(kept::day_after(d)).bytes());
    let last = |prefix: Key, upper: Option<Vec<u8>>| -> Result<Option<(Vec<u8>, ClaimReport)>, StoreError> {
        kept::edge(read, &prefix.bytes(), upper.as_deref(), true)
    };
    // The status needs the latest change of hands (for a loss, also the capture before it by
    // another side) and the claims within two days after it; with no change on file, whether any
    // claim disagrees with the holder at the start. Each is a short read, however many claims.
    let place_changes = || Key::new("xl").str(place);
    let mut around: Vec<ClaimReport> = Vec::new();
    let upper_changes = upper(place_changes());
    let latest_change = kept::find::<(Vec<u8>, ClaimReport)>(
        read,
        &place_changes().bytes(),
        upper_changes.as_deref(),
        true,
        |(_, c)| is_change(c),
    )?;
    match latest_change {
        None => around.extend(last(Key::new("xn").str(place), upper(Key::new("xn").str(place)))?.map(|(_, c)| c)),
        Some((at, change)) => {
            if change.change == Change::Lost {
                let before = order_of_change(place, &at)?;
                let capture = kept::find::<(Vec<u8>, ClaimReport)>(
                    read,
                    &place_changes().bytes(),
                    Some(&before),
                    true,
                    |(_, c)| c.change == Change::Captured && c.side != change.side,
                )?;
                around.extend(capture.map(|(_, c)| c));
            }
            let mut failed = None;
            let upper_claims = upper(claims_prefix(place));
            read.kept_scan(
                &claims_prefix(place).bytes(),
                Some(&at),
                upper_claims.as_deref(),
                false,
                &mut |k, v| match kept::decode::<ClaimReport>(k, v) {
                    Ok(c) => {
                        let past = (c.citation.published - change.citation.published).num_hours() > WINDOW_HOURS;
                        if !past {
                            around.push(c);
                        }
                        !past
                    }
                    Err(e) => {
                        failed = Some(e);
                        false
                    }
                },
            )?;
            if let Some(e) = failed {
                return Err(e);
            }
        }
    }
    let (status, controller) = status(&around, loc.held_by.clone());
    let recent: Vec<ClaimReport> = kept::page(
        read,
        Range {
            prefix: &claims_prefix(place).bytes(),
            lower: None,
            upper: upper(claims_prefix(place)).as_deref(),
            reverse: true,
            skip: 0,
            limit: RECENT_CLAIMS,
        },
    )?;
    let sides: BTreeMap<String, u64> = kept::get(read, &Key::new("xs").str(place).bytes())?.unwrap_or_default();
    let mut latest_by_claimant = BTreeMap::new();
    for side in sides.into_keys() {
        let latest: Option<(Vec<u8>, ClaimReport)> = kept::edge(
            read,
            &claimant_prefix(place, &side).bytes(),
            upper(claimant_prefix(place, &side)).as_deref(),
            true,
        )?;
        if let Some((_, c)) = latest {
            latest_by_claimant.insert(side, c);
        }
    }
    Ok(Some(PlaceSummary {
        location: loc.id.clone(),
        name: loc.name.clone(),
        initially_held_by: loc.held_by.clone(),
        status,
        controller,
        latest_by_claimant,
        claims: count,
        recent,
    }))
}

// The key under `xl` of the change of hands whose key under `xc` is `at`: changes are kept under
// both with the same order parts.
fn order_of_change(place: &str, at: &[u8]) -> Result<Vec<u8>, StoreError> {
    let xc = claims_prefix(place).bytes();
    let rest = at.strip_prefix(xc.as_slice()).ok_or_else(|| StoreError::Corrupt {
        seq: 0,
        reason: format!("kept control: a change of {place} with an unreadable key"),
    })?;
    Ok([Key::new("xl").str(place).bytes().as_slice(), rest].concat())
}

/// The control summary from the kept state, now (kept summaries) or as it stood on a date.
pub fn summary(read: &dyn KeptRead, profile: &Profile, at: AsOf) -> Result<ControlSummary, StoreError> {
    let mut places = Vec::new();
    for loc in &profile.locations {
        let place = match at.date {
            None => kept::get::<PlaceSummary>(read, &Key::new("xp").str(&loc.id).bytes())?,
            Some(_) => place_at(read, profile, &loc.id, at.date)?,
        };
        places.extend(place);
    }
    Ok(ControlSummary { as_of: at, places })
}
