//! The actors, locations and claims views kept as state, folded page by page like the
//! casualties (`casualties::kept`), and read without decoding any article.
//!
//! What is kept (under the projection's `k/` keys):
//! - `pe`: per actor or place, one entry per article mentioning it (for a retraction's recount);
//!   `pr`: per actor or place, its mentions, articles and first and last sighting per
//!   publication day, and the totals (`PresenceRecord`);
//! - `le`: every claim, in citation order under its group (kind, by, against); `lg`: per group,
//!   how many claims per day and the most recent ones (`ClaimGroupRecord`).
//!
//! A function of the counting article versions, never of arrival order. Pure: all I/O through
//! `KeptRead` and `Overlay`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    ClaimGroupSummary, ClaimsSummary, PresenceView, RECENT_CLAIMS, claim_group_key, parse_claim_group_key,
    sort_claim_groups,
};
use crate::extract::ClaimKind;
use crate::projection::kept::{self, Days, KeptRead, Key, Overlay};
use crate::projection::{ArticleFacts, AsOf, Citation, Selected};
use crate::store::StoreError;

use super::Presence;

/// Actors or locations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Actors.
    Actors,
    /// Locations.
    Locations,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Kind::Actors => "a",
            Kind::Locations => "l",
        }
    }
}

/// One publication day of an actor or place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresenceDay {
    /// The day (UTC).
    pub day: NaiveDate,
    /// Mentions that day.
    pub mentions: u64,
    /// Articles that day.
    pub articles: u64,
    /// The first article's publication.
    pub first: DateTime<Utc>,
    /// The last article's publication.
    pub last: DateTime<Utc>,
}

/// What is kept per actor or place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresenceRecord {
    /// Its totals, as the view shows them now.
    pub now: Presence,
    /// Per publication day, in day order.
    pub days: Vec<PresenceDay>,
}

// One article's mention of one actor or place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PresenceEntry {
    name: String,
    mentions: u64,
    // How many of the article's lists name it (one, unless a list repeats it).
    articles: u64,
    lat: Option<f64>,
    lon: Option<f64>,
    published: DateTime<Utc>,
}

fn presence_prefix(kind: Kind, id: &str) -> Key {
    Key::new("pe").str(kind.tag()).str(id)
}

fn presence_record_key(kind: Kind, id: &str) -> Vec<u8> {
    Key::new("pr").str(kind.tag()).str(id).bytes()
}

fn group_prefix(kind: ClaimKind, by: &str, against: Option<&str>) -> Key {
    Key::new("le").str(kind.as_str()).str(by).str(against.unwrap_or(""))
}

fn group_record_key(kind: ClaimKind, by: &str, against: Option<&str>) -> Vec<u8> {
    Key::new("lg")
        .str(kind.as_str())
        .str(by)
        .str(against.unwrap_or(""))
        .bytes()
}

// What one article's counting version contributes: presence entries and claims, by key.
type Entries = BTreeMap<Vec<u8>, Vec<u8>>;

fn contributions(a: &ArticleFacts) -> (Entries, Entries) {
    let (mut presence, mut claims) = (Entries::new(), Entries::new());
    let Some(revision) = a.revisions.last().filter(|r| r.facts.relevant) else {
        return (presence, claims);
    };
    let published = revision.published;
    let mut mention = |kind: Kind, id: &str, name: &str, mentions: u32, coords: Option<(f64, f64)>| {
        let key = presence_prefix(kind, id).instant(published).str(&a.stream).bytes();
        let mut entry: PresenceEntry = presence
            .get(&key)
            .and_then(|v| serde_json::from_slice(v).ok())
            .unwrap_or(PresenceEntry {
                name: name.to_string(),
                mentions: 0,
                articles: 0,
                lat: coords.map(|c| c.0),
                lon: coords.map(|c| c.1),
                published,
            });
        entry.mentions += u64::from(mentions);
        entry.articles += 1;
        presence.insert(key, kept::encode(&entry));
    };
    for x in &revision.facts.actors {
        mention(Kind::Actors, &x.id, &x.name, x.mentions, None);
    }
    for x in &revision.facts.locations {
        mention(Kind::Locations, &x.id, &x.name, x.mentions, Some((x.lat, x.lon)));
    }
    let sel = Selected { article: a, revision };
    for (i, c) in revision.facts.claims.iter().enumerate() {
        let key = group_prefix(c.kind, &c.by, c.against.as_deref())
            .instant(published)
            .str(&a.stream)
            .u64(c.span[0] as u64)
            .u64(c.span[1] as u64)
            .u64(i as u64)
            .bytes();
        claims.insert(key, kept::encode(&(c.about.clone(), sel.cite(&c.evidence, c.span))));
    }
    (presence, claims)
}

// Writes what differs between an article's old and new entries; returns the keys that changed
// and whether any was removed.
fn diff(o: &mut Overlay<'_>, old: &Entries, new: &Entries) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    for (k, v) in old {
        if new.get(k) != Some(v) {
            o.writes.delete(k.clone());
            removed.push(k.clone());
        }
    }
    for (k, v) in new {
        if old.get(k) != Some(v) {
            o.writes.put(k.clone(), v.clone());
            added.push(k.clone());
        }
    }
    (added, removed)
}

/// What is kept per claim group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimGroupRecord {
    /// Accusation or denial.
    pub kind: ClaimKind,
    /// Who makes them.
    pub by: String,
    /// Against whom.
    pub against: Option<String>,
    /// Claims per publication day.
    pub days: Days,
    /// The most recent claims, oldest first.
    pub recent: Vec<(String, Citation)>,
}

/// Folds a page's changed articles (each with its state before the page) into the kept state.
pub fn fold_page(o: &mut Overlay<'_>, changes: &[(Option<&ArticleFacts>, &ArticleFacts)]) -> Result<(), StoreError> {
    // (kind, id) → days touched, and whether an entry of that day went away.
    let mut presences: BTreeMap<(Kind, String), BTreeMap<NaiveDate, bool>> = BTreeMap::new();
    // group → whether a claim went away, and the claims added.
    type Added = Vec<(String, Citation)>;
    let mut groups: BTreeMap<(ClaimKind, String, Option<String>), (bool, Added)> = BTreeMap::new();
    for (before, after) in changes {
        let (old_p, old_c) = before.map(contributions).unwrap_or_default();
        let (new_p, new_c) = contributions(after);
        let (added, removed) = diff(o, &old_p, &new_p);
        for (k, gone) in added
            .iter()
            .map(|k| (k, false))
            .chain(removed.iter().map(|k| (k, true)))
        {
            let entry: PresenceEntry = kept::decode(k, new_p.get(k).or_else(|| old_p.get(k)).map_or(&[][..], |v| v))?;
            let (kind, id) = presence_of(k)?;
            *presences
                .entry((kind, id))
                .or_default()
                .entry(entry.published.date_naive())
                .or_default() |= gone;
        }
        let (added, removed) = diff(o, &old_c, &new_c);
        for (k, gone) in added
            .iter()
            .map(|k| (k, false))
            .chain(removed.iter().map(|k| (k, true)))
        {
            let (kind, by, against) = group_of(k)?;
            let g = groups.entry((kind, by, against)).or_default();
            g.0 |= gone;
            if !gone && let Some(v) = new_c.get(k) {
                g.1.push(kept::decode(k, v)?);
            }
        }
    }

    for ((kind, id), days) in presences {
        let key = presence_record_key(kind, &id);
        let mut record: Option<PresenceRecord> = kept::get(o, &key)?;
        let mut kept_days: BTreeMap<NaiveDate, PresenceDay> = record
            .take()
            .map(|r| r.days.into_iter().map(|d| (d.day, d)).collect())
            .unwrap_or_default();
        let mut template = None;
        // Each touched day is recounted from its entries: a few articles a day per actor.
        for day in days.keys() {
            let prefix = presence_prefix(kind, &id).bytes();
            let lower = presence_prefix(kind, &id).instant(day_start(*day)).bytes();
            let upper = presence_prefix(kind, &id).instant(kept::day_after(*day)).bytes();
            let mut recount: Option<PresenceDay> = None;
            let mut failed = None;
            o.kept_scan(&prefix, Some(&upper), false, &mut |k, v| {
                if k < lower.as_slice() {
                    return true;
                }
                match kept::decode::<PresenceEntry>(k, v) {
                    Ok(e) => {
                        let d = recount.get_or_insert(PresenceDay {
                            day: *day,
                            mentions: 0,
                            articles: 0,
                            first: e.published,
                            last: e.published,
                        });
                        d.mentions += e.mentions;
                        d.articles += e.articles;
                        d.first = d.first.min(e.published);
                        d.last = d.last.max(e.published);
                        template.get_or_insert(e);
                        true
                    }
                    Err(e) => {
                        failed = Some(e);
                        false
                    }
                }
            })?;
            if let Some(e) = failed {
                return Err(e);
            }
            match recount {
                Some(d) => kept_days.insert(*day, d),
                None => kept_days.remove(day),
            };
        }
        let days: Vec<PresenceDay> = kept_days.into_values().collect();
        let name_and_place = match (template, kept::get::<PresenceRecord>(o, &key)?) {
            (_, Some(r)) => Some((r.now.name, r.now.lat, r.now.lon)),
            (Some(e), None) => Some((e.name, e.lat, e.lon)),
            (None, None) => None,
        };
        match (totals(&id, name_and_place, &days, None), days.is_empty()) {
            (Some(now), false) => o.writes.put(key, kept::encode(&PresenceRecord { now, days })),
            _ => o.writes.delete(key),
        }
    }

    for ((kind, by, against), (removed, added)) in groups {
        let key = group_record_key(kind, &by, against.as_deref());
        let prefix = group_prefix(kind, &by, against.as_deref()).bytes();
        let old: Option<ClaimGroupRecord> = kept::get(o, &key)?;
        let record = match old {
            Some(mut r) if !removed => {
                for (about, c) in added {
                    r.days.add(c.published.date_naive(), 1);
                    r.recent.push((about, c));
                }
                // Ties of one sentence keep the article's order, as the keys do.
                r.recent.sort_by(|a, b| a.1.cmp(&b.1));
                let cut = r.recent.len().saturating_sub(RECENT_CLAIMS);
                r.recent.drain(..cut);
                Some(r)
            }
            _ => {
                let items: Vec<(Vec<u8>, (String, Citation))> = kept::scan_all(o, &prefix)?;
                let mut days = Days::default();
                for (_, (_, c)) in &items {
                    days.add(c.published.date_naive(), 1);
                }
                let cut = items.len().saturating_sub(RECENT_CLAIMS);
                (!items.is_empty()).then(|| ClaimGroupRecord {
                    kind,
                    by: by.clone(),
                    against: against.clone(),
                    days,
                    recent: items[cut..].iter().map(|(_, i)| i.clone()).collect(),
                })
            }
        };
        match record {
            Some(r) => o.writes.put(key, kept::encode(&r)),
            None => o.writes.delete(key),
        }
    }
    Ok(())
}

fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0)
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.and_utc())
}

// Reads (kind, id) back from a presence entry's key.
fn presence_of(key: &[u8]) -> Result<(Kind, String), StoreError> {
    let parts = Key::parts(key, 2).ok_or_else(|| corrupt(key))?;
    let kind = match parts[0].as_str() {
        "a" => Kind::Actors,
        "l" => Kind::Locations,
        _ => return Err(corrupt(key)),
    };
    Ok((kind, parts[1].clone()))
}

// Reads (kind, by, against) back from a claim's key.
fn group_of(key: &[u8]) -> Result<(ClaimKind, String, Option<String>), StoreError> {
    let parts = Key::parts(key, 3).ok_or_else(|| corrupt(key))?;
    let against = if parts[2].is_empty() { "-" } else { &parts[2] };
    parse_claim_group_key(&format!("{}:{}:{against}", parts[0], parts[1])).map_err(|_| corrupt(key))
}

fn corrupt(key: &[u8]) -> StoreError {
    StoreError::Corrupt {
        seq: 0,
        reason: format!("kept mentions: unreadable key {}", String::from_utf8_lossy(key)),
    }
}

// An actor's or place's presence from its days (those on or before `date`).
fn totals(
    id: &str,
    name_and_place: Option<(String, Option<f64>, Option<f64>)>,
    days: &[PresenceDay],
    date: Option<NaiveDate>,
) -> Option<Presence> {
    let (name, lat, lon) = name_and_place?;
    let days: Vec<&PresenceDay> = days.iter().filter(|d| date.is_none_or(|date| d.day <= date)).collect();
    Some(Presence {
        id: id.to_string(),
        name,
        mentions: days.iter().map(|d| d.mentions).sum(),
        articles: days.iter().map(|d| d.articles).sum(),
        first_seen: days.first()?.first,
        last_seen: days.last()?.last,
        lat,
        lon,
    })
}

/// The actors or locations view from the kept state, now or as it stood on a date.
pub fn presence(read: &dyn KeptRead, kind: Kind, at: AsOf) -> Result<PresenceView, StoreError> {
    let records: Vec<(Vec<u8>, PresenceRecord)> = kept::scan_all(read, &Key::new("pr").str(kind.tag()).bytes())?;
    let mut entries: Vec<Presence> = records
        .into_iter()
        .filter_map(|(_, r)| match at.date {
            None => Some(r.now),
            Some(_) => totals(
                &r.now.id,
                Some((r.now.name.clone(), r.now.lat, r.now.lon)),
                &r.days,
                at.date,
            ),
        })
        .collect();
    entries.sort_by(|a, b| b.mentions.cmp(&a.mentions).then_with(|| a.id.cmp(&b.id)));
    Ok(PresenceView { as_of: at, entries })
}

/// The claims summary from the kept state, now or as it stood on a date.
pub fn claims(read: &dyn KeptRead, at: AsOf) -> Result<ClaimsSummary, StoreError> {
    let records: Vec<(Vec<u8>, ClaimGroupRecord)> = kept::scan_all(read, &Key::new("lg").bytes())?;
    let mut groups = Vec::new();
    for (_, r) in records {
        let count = r.days.until(at.date);
        if count == 0 {
            continue;
        }
        let recent = match at.date {
            Some(d) if r.recent.last().is_some_and(|(_, c)| c.published.date_naive() > d) => {
                let prefix = group_prefix(r.kind, &r.by, r.against.as_deref());
                let upper = group_prefix(r.kind, &r.by, r.against.as_deref())
                    .instant(kept::day_after(d))
                    .bytes();
                let mut newest = Vec::new();
                let mut failed = None;
                read.kept_scan(
                    &prefix.bytes(),
                    Some(&upper),
                    true,
                    &mut |k, v| match kept::decode(k, v) {
                        Ok(item) => {
                            newest.push(item);
                            newest.len() < RECENT_CLAIMS
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
                newest.reverse();
                newest
            }
            _ => r.recent,
        };
        groups.push(ClaimGroupSummary {
            key: claim_group_key(r.kind, &r.by, r.against.as_deref()),
            claims: count,
            recent,
            kind: r.kind,
            by: r.by,
            against: r.against,
        });
    }
    sort_claim_groups(&mut groups);
    Ok(ClaimsSummary { as_of: at, groups })
}

/// One page of a claim group's claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimPage {
    /// The group.
    pub group: String,
    /// As of this date, if asked.
    pub as_of: Option<NaiveDate>,
    /// How many claims it has (as of the date).
    pub total: u64,
    /// Where this page starts.
    pub offset: u64,
    /// The claims (what each is about, and where it was read), oldest first.
    pub claims: Vec<(String, Citation)>,
}

/// Claims `offset..offset + limit` of group `key`; none when the group is unknown (as of the
/// date).
pub fn claim_page(
    read: &dyn KeptRead,
    key: &str,
    date: Option<NaiveDate>,
    offset: u64,
    limit: usize,
) -> Result<Option<ClaimPage>, StoreError> {
    let (kind, by, against) = parse_claim_group_key(key).map_err(|e| StoreError::Engine {
        context: "reading a claim group".into(),
        message: e,
    })?;
    let Some(r) = kept::get::<ClaimGroupRecord>(read, &group_record_key(kind, &by, against.as_deref()))? else {
        return Ok(None);
    };
    let total = r.days.until(date);
    if total == 0 {
        return Ok(None);
    }
    let upper = date.map(|d| {
        group_prefix(kind, &by, against.as_deref())
            .instant(kept::day_after(d))
            .bytes()
    });
    let mut claims = Vec::new();
    let (mut skipped, mut failed) = (0, None);
    read.kept_scan(
        &group_prefix(kind, &by, against.as_deref()).bytes(),
        upper.as_deref(),
        false,
        &mut |k, v| {
            if skipped < offset {
                skipped += 1;
                return true;
            }
            match kept::decode(k, v) {
                Ok(item) => {
                    claims.push(item);
                    claims.len() < limit
                }
                Err(e) => {
                    failed = Some(e);
                    false
                }
            }
        },
    )?;
    if let Some(e) = failed {
        return Err(e);
    }
    Ok(Some(ClaimPage {
        group: claim_group_key(kind, &by, against.as_deref()),
        as_of: date,
        total,
        offset,
        claims,
    }))
}
