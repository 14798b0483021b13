//! The control view kept as state, folded page by page like the casualties
//! (`casualties::kept`), and read without decoding any article.
//!
//! What is kept (under the projection's `k/` keys): `xc`, every claim about a place in citation
//! order (publication first, so "as of DATE" is a key range); `xk`, the same per claiming side
//! (its latest claim is one read); `xd`, claims per place and publication day; `xs`, the sides
//! that ever claimed a place; `xp`, each place's summary as of now. A place's status needs only
//! its claims since the latest change of hands (and, for a loss, the capture before it), which a
//! read from the end finds; what a page or a question costs does not grow with the log.
//!
//! A function of the counting article versions, never of arrival order. Pure: all I/O through
//! `KeptRead` and `Overlay`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::{ClaimReport, ControlSummary, PlaceSummary, RECENT_CLAIMS, status};
use crate::extract::Change;
use crate::profile::Profile;
use crate::projection::kept::{self, Days, KeptRead, Key, Overlay, Range};
use crate::projection::{ArticleFacts, AsOf, Selected};
use crate::store::StoreError;

fn claims_prefix(place: &str) -> Key {
    Key::new("xc").str(place)
}

fn claimant_prefix(place: &str, claimant: &str) -> Key {
    Key::new("xk").str(place).str(claimant)
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

// What one article's counting version claims, by place: (key under `xc`, key under `xk`, claim).
type Contribution = BTreeMap<Vec<u8>, (String, Vec<u8>, ClaimReport)>;

fn contributions(a: &ArticleFacts) -> Contribution {
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
        let by = order(claimant_prefix(&c.location, &who(&report)), &report, i);
        out.insert(
            order(claims_prefix(&c.location), &report, i),
            (c.location.clone(), by, report),
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
    for (before, after) in changes {
        let old = before.map(contributions).unwrap_or_default();
        let new = contributions(after);
        for (k, (place, by, c)) in &old {
            if new.get(k).is_none_or(|(_, _, n)| n != c) {
                o.writes.delete(k.clone());
                o.writes.delete(by.clone());
                let key = Key::new("xd").str(place).bytes();
                let mut days: Days = kept::get(o, &key)?.unwrap_or_default();
                days.add(c.citation.published.date_naive(), 0);
                if let Some(d) = days.0.iter_mut().find(|(d, _)| *d == c.citation.published.date_naive()) {
                    d.1 = d.1.saturating_sub(1);
                }
                days.0.retain(|(_, n)| *n > 0);
                o.writes.put(key, kept::encode(&days));
                touched.insert(place.clone());
            }
        }
        for (k, (place, by, c)) in new {
            if old.get(&k).is_none_or(|(_, _, o)| *o != c) {
                o.writes.put(k, kept::encode(&c));
                o.writes.put(by, kept::encode(&c));
                let key = Key::new("xd").str(&place).bytes();
                let mut days: Days = kept::get(o, &key)?.unwrap_or_default();
                days.add(c.citation.published.date_naive(), 1);
                o.writes.put(key, kept::encode(&days));
                let key = Key::new("xs").str(&place).bytes();
                let mut sides: BTreeSet<String> = kept::get(o, &key)?.unwrap_or_default();
                if sides.insert(who(&c)) {
                    o.writes.put(key, kept::encode(&sides));
                }
                touched.insert(place);
            }
        }
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
    let days: Days = kept::get(read, &Key::new("xd").str(place).bytes())?.unwrap_or_default();
    let count = days.until(date);
    if count == 0 {
        return Ok(None);
    }
    let upper = |k: Key| date.map(|d| k.instant(kept::day_after(d)).bytes());
    // From the latest claim back to the latest change of hands (and for a loss, back to a
    // capture by another side), or to the first claim.
    let mut back: Vec<ClaimReport> = Vec::new();
    let (mut change, mut resolved, mut failed) = (None::<ClaimReport>, false, None);
    let upper_claims = upper(claims_prefix(place));
    read.kept_scan(
        &claims_prefix(place).bytes(),
        upper_claims.as_deref(),
        true,
        &mut |k, v| match kept::decode::<ClaimReport>(k, v) {
            Ok(c) => {
                match &change {
                    None if matches!(c.change, Change::Captured | Change::Lost) && c.side.is_some() => {
                        resolved = c.change == Change::Captured;
                        change = Some(c.clone());
                    }
                    Some(ch) if !resolved && c.change == Change::Captured && c.side != ch.side => resolved = true,
                    _ => {}
                }
                back.push(c);
                !(resolved && back.len() >= RECENT_CLAIMS)
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
    back.reverse();
    let (status, controller) = status(&back, loc.held_by.clone());
    let cut = back.len().saturating_sub(RECENT_CLAIMS);
    let recent = back[cut..].to_vec();
    let sides: BTreeSet<String> = kept::get(read, &Key::new("xs").str(place).bytes())?.unwrap_or_default();
    let mut latest_by_claimant = BTreeMap::new();
    for side in sides {
        let latest: Vec<ClaimReport> = kept::page(
            read,
            Range {
                prefix: &claimant_prefix(place, &side).bytes(),
                lower: None,
                upper: upper(claimant_prefix(place, &side)).as_deref(),
                reverse: true,
                skip: 0,
                limit: 1,
            },
        )?;
        if let Some(c) = latest.into_iter().next() {
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
