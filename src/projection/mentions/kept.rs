//! The actors, locations and claims views kept as state, folded page by page like the
//! casualties (`casualties::kept`), and read without decoding any article.
//!
//! What is kept (under the projection's `k/` keys):
//! - `pa`: per publication day, each article's mentions of actors and places (one key per
//!   article; a retraction recounts its day from them);
//!   per actor or place, its mentions, articles and first and last sighting per publication day
//!   (`pd`), and its totals as of now (`pr`): a page rewrites only the days it touches;
//! - `le`: every claim, in citation order under its group (kind, by, against); `lg`: per group,
//!   its most recent claims (`ClaimGroupRecord`); `ld`: per group, how many claims per
//!   publication day (`kept::count_days`, a record a month).
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
use crate::projection::kept::{self, KeptRead, Key, Overlay, Range};
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

// One actor or place in one article's counting version. Kept for every article, so kept small:
// short names, and its name and coordinates (the profile's, the same in every article) are
// taken from the article being folded, never read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Mentioned {
    #[serde(rename = "a")]
    actor: bool,
    #[serde(rename = "i")]
    id: String,
    #[serde(rename = "m")]
    mentions: u64,
    // How many of the article's lists name it (one, unless a list repeats it).
    #[serde(rename = "n")]
    articles: u64,
    #[serde(skip)]
    name: String,
    #[serde(skip)]
    lat: Option<f64>,
    #[serde(skip)]
    lon: Option<f64>,
}

impl Mentioned {
    fn kind(&self) -> Kind {
        if self.actor { Kind::Actors } else { Kind::Locations }
    }
}

// Every actor and place one article's counting version mentions, kept under its publication day:
// one key per article, and a day is recounted from them after a retraction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ArticleMentions {
    #[serde(rename = "p")]
    published: DateTime<Utc>,
    #[serde(rename = "m")]
    mentioned: Vec<Mentioned>,
}

fn day_prefix(day: NaiveDate) -> Key {
    Key::new("pa").str(&day.to_string())
}

fn presence_record_key(kind: Kind, id: &str) -> Vec<u8> {
    Key::new("pr").str(kind.tag()).str(id).bytes()
}

fn presence_days(kind: Kind, id: &str) -> Key {
    Key::new("pd").str(kind.tag()).str(id)
}

fn presence_day_key(kind: Kind, id: &str, day: NaiveDate) -> Vec<u8> {
    presence_days(kind, id).str(&day.to_string()).bytes()
}

fn group_prefix(kind: ClaimKind, by: &str, against: Option<&str>) -> Key {
    Key::new("le").str(kind.as_str()).str(by).str(against.unwrap_or(""))
}

// A group's claims per publication day.
fn group_days(kind: ClaimKind, by: &str, against: Option<&str>) -> Key {
    Key::new("ld").str(kind.as_str()).str(by).str(against.unwrap_or(""))
}

fn group_record_key(kind: ClaimKind, by: &str, against: Option<&str>) -> Vec<u8> {
    Key::new("lg")
        .str(kind.as_str())
        .str(by)
        .str(against.unwrap_or(""))
        .bytes()
}

// What one article's counting version contributes: its mentions (keyed under its day) and its
// claims, by key.
type Entries = BTreeMap<Vec<u8>, Vec<u8>>;

fn contributions(a: &ArticleFacts) -> (Option<(Vec<u8>, ArticleMentions)>, Entries) {
    let mut claims = Entries::new();
    let Some(revision) = a.revisions.last().filter(|r| r.facts.relevant) else {
        return (None, claims);
    };
    let published = revision.published;
    let mut mentioned: Vec<Mentioned> = Vec::new();
    let mut mention = |actor: bool, id: &str, name: &str, mentions: u32, coords: Option<(f64, f64)>| match mentioned
        .iter_mut()
        .find(|m| m.actor == actor && m.id == id)
    {
        Some(m) => {
            m.mentions += u64::from(mentions);
            m.articles += 1;
        }
        None => mentioned.push(Mentioned {
            actor,
            id: id.to_string(),
            name: name.to_string(),
            mentions: u64::from(mentions),
            articles: 1,
            lat: coords.map(|c| c.0),
            lon: coords.map(|c| c.1),
        }),
    };
    for x in &revision.facts.actors {
        mention(true, &x.id, &x.name, x.mentions, None);
    }
    for x in &revision.facts.locations {
        mention(false, &x.id, &x.name, x.mentions, Some((x.lat, x.lon)));
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
    let key = day_prefix(published.date_naive())
        .instant(published)
        .str(&a.stream)
        .bytes();
    let mentions = (!mentioned.is_empty()).then_some((key, ArticleMentions { published, mentioned }));
    (mentions, claims)
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
    /// The most recent claims, oldest first.
    pub recent: Vec<(String, Citation)>,
}

/// Folds a page's changed articles (each with its state before the page) into the kept state.
pub fn fold_page(o: &mut Overlay<'_>, changes: &[(Option<&ArticleFacts>, &ArticleFacts)]) -> Result<(), StoreError> {
    // (kind, id) → days touched: whether a mention of that day went away, and the ones added.
    type Touched = BTreeMap<NaiveDate, (bool, Vec<(DateTime<Utc>, Mentioned)>)>;
    let mut presences: BTreeMap<(Kind, String), Touched> = BTreeMap::new();
    // group → whether a claim went away, and the claims added.
    type Added = Vec<(String, Citation)>;
    let mut groups: BTreeMap<(ClaimKind, String, Option<String>), (bool, Added)> = BTreeMap::new();
    // group → its net claims per publication day.
    let mut group_days_delta: BTreeMap<(ClaimKind, String, Option<String>), BTreeMap<NaiveDate, i64>> = BTreeMap::new();
    for (before, after) in changes {
        let (old_p, old_c) = before.map(contributions).unwrap_or_default();
        let (new_p, new_c) = contributions(after);
        if old_p != new_p {
            if let Some((k, m)) = &old_p {
                o.writes.delete(k.clone());
                for x in &m.mentioned {
                    let day = presences.entry((x.kind(), x.id.clone())).or_default();
                    day.entry(m.published.date_naive()).or_default().0 = true;
                }
            }
            if let Some((k, m)) = &new_p {
                o.writes.put(k.clone(), kept::encode(m));
                for x in &m.mentioned {
                    let day = presences.entry((x.kind(), x.id.clone())).or_default();
                    day.entry(m.published.date_naive())
                        .or_default()
                        .1
                        .push((m.published, x.clone()));
                }
            }
        }
        let (added, removed) = diff(o, &old_c, &new_c);
        for (k, gone) in added
            .iter()
            .map(|k| (k, false))
            .chain(removed.iter().map(|k| (k, true)))
        {
            let group = group_of(k)?;
            let value = if gone { old_c.get(k) } else { new_c.get(k) };
            let claim: Option<(String, Citation)> = value.map(|v| kept::decode(k, v)).transpose()?;
            if let Some((_, c)) = &claim {
                *group_days_delta
                    .entry(group.clone())
                    .or_default()
                    .entry(c.published.date_naive())
                    .or_default() += if gone { -1 } else { 1 };
            }
            let g = groups.entry(group).or_default();
            g.0 |= gone;
            if !gone && let Some(c) = claim {
                g.1.push(c);
            }
        }
    }

    // A day's articles, read once per page for every actor and place recounted on it.
    let mut day_articles: BTreeMap<NaiveDate, Vec<ArticleMentions>> = BTreeMap::new();
    for ((kind, id), touched) in presences {
        let key = presence_record_key(kind, &id);
        let mut now: Option<Presence> = kept::get(o, &key)?;
        let mut retracted = false;
        for (day, (removed, added)) in touched {
            if let (None, Some((published, m))) = (&now, added.first()) {
                now = Some(Presence {
                    id: id.clone(),
                    name: m.name.clone(),
                    mentions: 0,
                    articles: 0,
                    first_seen: *published,
                    last_seen: *published,
                    lat: m.lat,
                    lon: m.lon,
                });
            }
            let dkey = presence_day_key(kind, &id, day);
            let before: Option<PresenceDay> = kept::get(o, &dkey)?;
            // A retraction may take the day's first or last sighting: count the day again from
            // its articles. Otherwise the new ones are added to it.
            let (mut d, sightings) = if removed {
                retracted = true;
                let articles = match day_articles.entry(day) {
                    std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::btree_map::Entry::Vacant(e) => e.insert(
                        kept::scan_all::<ArticleMentions>(o, &day_prefix(day).bytes())?
                            .into_iter()
                            .map(|(_, m)| m)
                            .collect(),
                    ),
                };
                let sightings: Vec<(DateTime<Utc>, Mentioned)> = articles
                    .iter()
                    .flat_map(|a| {
                        a.mentioned
                            .iter()
                            .filter(|m| m.kind() == kind && m.id == id)
                            .map(|m| (a.published, m.clone()))
                    })
                    .collect();
                (None, sightings)
            } else {
                (before.clone(), added)
            };
            for (published, m) in sightings {
                let d = d.get_or_insert(PresenceDay {
                    day,
                    mentions: 0,
                    articles: 0,
                    first: published,
                    last: published,
                });
                d.mentions += m.mentions;
                d.articles += m.articles;
                d.first = d.first.min(published);
                d.last = d.last.max(published);
            }
            if let Some(p) = &mut now {
                let (old_m, old_a) = before.as_ref().map_or((0, 0), |b| (b.mentions, b.articles));
                let (new_m, new_a) = d.as_ref().map_or((0, 0), |b| (b.mentions, b.articles));
                p.mentions = p.mentions + new_m - old_m;
                p.articles = p.articles + new_a - old_a;
                if let Some(d) = &d {
                    p.first_seen = p.first_seen.min(d.first);
                    p.last_seen = p.last_seen.max(d.last);
                }
            }
            match d {
                Some(d) => o.writes.put(dkey, kept::encode(&d)),
                None => o.writes.delete(dkey),
            }
        }
        // After a retraction the first or last sighting may be gone: take them from the days.
        if retracted && let Some(p) = &mut now {
            let days: Vec<PresenceDay> = kept::scan_all(o, &presence_days(kind, &id).bytes())?
                .into_iter()
                .map(|(_, d)| d)
                .collect();
            now = totals(p, &days, None);
        }
        match now {
            Some(p) if p.articles > 0 => o.writes.put(key, kept::encode(&p)),
            _ => o.writes.delete(key),
        }
    }

    for ((kind, by, against), delta) in group_days_delta {
        kept::count_days(o, &group_days(kind, &by, against.as_deref()), &delta)?;
    }
    for ((kind, by, against), (removed, added)) in groups {
        let key = group_record_key(kind, &by, against.as_deref());
        let prefix = group_prefix(kind, &by, against.as_deref()).bytes();
        let old: Option<ClaimGroupRecord> = kept::get(o, &key)?;
        let record = match old {
            Some(mut r) if !removed => {
                r.recent.extend(added);
                // Ties of one sentence keep the article's order, as the keys do.
                r.recent.sort_by(|a, b| a.1.cmp(&b.1));
                let cut = r.recent.len().saturating_sub(RECENT_CLAIMS);
                r.recent.drain(..cut);
                Some(r)
            }
            _ => {
                let items: Vec<(Vec<u8>, (String, Citation))> = kept::scan_all(o, &prefix)?;
                let cut = items.len().saturating_sub(RECENT_CLAIMS);
                (!items.is_empty()).then(|| ClaimGroupRecord {
                    kind,
                    by: by.clone(),
                    against: against.clone(),
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

// An actor's or place's presence (`like`'s id, name and place) from its days (those on or
// before `date`); none without any.
fn totals(like: &Presence, days: &[PresenceDay], date: Option<NaiveDate>) -> Option<Presence> {
    let days: Vec<&PresenceDay> = days.iter().filter(|d| date.is_none_or(|date| d.day <= date)).collect();
    Some(Presence {
        id: like.id.clone(),
        name: like.name.clone(),
        mentions: days.iter().map(|d| d.mentions).sum(),
        articles: days.iter().map(|d| d.articles).sum(),
        first_seen: days.first()?.first,
        last_seen: days.last()?.last,
        lat: like.lat,
        lon: like.lon,
    })
}

/// The actors or locations view from the kept state, now or as it stood on a date.
pub fn presence(read: &dyn KeptRead, kind: Kind, at: AsOf) -> Result<PresenceView, StoreError> {
    let now: Vec<(Vec<u8>, Presence)> = kept::scan_all(read, &Key::new("pr").str(kind.tag()).bytes())?;
    let mut entries = Vec::new();
    for (_, p) in now {
        let Some(date) = at.date else {
            entries.push(p);
            continue;
        };
        let upper = presence_days(kind, &p.id).str(&kept::day_after(date).date_naive().to_string());
        let days: Vec<PresenceDay> = kept::page(
            read,
            Range {
                prefix: &presence_days(kind, &p.id).bytes(),
                lower: None,
                upper: Some(&upper.bytes()),
                reverse: false,
                skip: 0,
                limit: usize::MAX,
            },
        )?;
        entries.extend(totals(&p, &days, Some(date)));
    }
    entries.sort_by(|a, b| b.mentions.cmp(&a.mentions).then_with(|| a.id.cmp(&b.id)));
    Ok(PresenceView { as_of: at, entries })
}

/// The claims summary from the kept state, now or as it stood on a date.
pub fn claims(read: &dyn KeptRead, at: AsOf) -> Result<ClaimsSummary, StoreError> {
    let records: Vec<(Vec<u8>, ClaimGroupRecord)> = kept::scan_all(read, &Key::new("lg").bytes())?;
    let mut groups = Vec::new();
    for (_, r) in records {
        let count = kept::counted_until(read, &group_days(r.kind, &r.by, r.against.as_deref()).bytes(), at.date)?;
        if count == 0 {
            continue;
        }
        let recent = match at.date {
            Some(d) if r.recent.last().is_some_and(|(_, c)| c.published.date_naive() > d) => {
                let prefix = group_prefix(r.kind, &r.by, r.against.as_deref());
                let upper = group_prefix(r.kind, &r.by, r.against.as_deref())
                    .instant(kept::day_after(d))
                    .bytes();
                kept::page(
                    read,
                    Range {
                        prefix: &prefix.bytes(),
                        lower: None,
                        upper: Some(&upper),
                        reverse: true,
                        skip: 0,
                        limit: RECENT_CLAIMS,
                    },
                )?
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
    let total = kept::counted_until(read, &group_days(kind, &by, against.as_deref()).bytes(), date)?;
    if total == 0 {
        return Ok(None);
    }
    let upper = date.map(|d| {
        group_prefix(kind, &by, against.as_deref())
            .instant(kept::day_after(d))
            .bytes()
    });
    let claims = kept::page(
        read,
        Range {
            prefix: &group_prefix(kind, &by, against.as_deref()).bytes(),
            lower: None,
            upper: upper.as_deref(),
            reverse: false,
            skip: offset,
            limit,
        },
    )?;
    Ok(Some(ClaimPage {
        group: claim_group_key(kind, &by, against.as_deref()),
        as_of: date,
        total,
        offset,
        claims,
    }))
}
