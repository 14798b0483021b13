//! Every export written from the kept state as it is read. JSON Lines and GKG counts walk an
//! index of every counting article version that has facts, in publication order (`ep`:
//! publication, article → the article's stream), kept with the other views, and write each
//! article's lines as they read it; the ACLED and UCDP CSV walk the kept casualties a day's rows
//! at a time; GeoJSON reads the kept control and locations. An export of any size holds an
//! article, a tally's figures or a day's rows in memory, never the whole answer.
//!
//! Pure apart from `write`'s writer: reads through `KeptRead` and `FactStore`.

use std::io::Write;

use chrono::NaiveDate;

use std::collections::BTreeMap;

use super::rows::{self, IncidentDeaths, Row, incident_row, toll_changes};
use super::{Format, acled, article_lines, gkg, places, ucdp};
use crate::extract::Outcome;
use crate::profile::Profile;
use crate::projection::casualties::{self, build_incident, build_tally};
use crate::projection::kept::{self, Key, Overlay};
use crate::projection::{ArticleFacts, AsOf, FactStore, Selected, control, mentions};
use crate::store::StoreError;

const INDEX: &str = "ep";

// Where an article's counting version is indexed: none when it does not count or states no fact.
fn index_key(a: &ArticleFacts) -> Option<Vec<u8>> {
    let r = a.revisions.last().filter(|r| r.facts.relevant)?;
    let f = &r.facts;
    if f.casualties.is_empty() && f.ceasefire.is_empty() && f.control.is_empty() && f.claims.is_empty() {
        return None;
    }
    Some(Key::new(INDEX).instant(r.published).str(&a.stream).bytes())
}

/// Folds a page's changed articles (each with its state before the page) into the index.
pub fn fold_page(o: &mut Overlay<'_>, changes: &[(Option<&ArticleFacts>, &ArticleFacts)]) {
    for (before, after) in changes {
        let (old, new) = (before.and_then(index_key), index_key(after));
        if old != new {
            if let Some(k) = old {
                o.writes.delete(k);
            }
            if let Some(k) = new {
                o.writes.put(k, kept::encode(&after.stream));
            }
        }
    }
}

/// Why a streamed export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the projection failed.
    #[error("reading the projection: {0}")]
    Store(#[from] StoreError),
    /// Writing the output failed (the reader went away, the disk is full).
    #[error("writing the export: {0}")]
    Write(#[from] std::io::Error),
}

/// Writes `format` as of `date` (now when none) from the kept state as it is read: the lines of
/// one article at a time for JSON Lines and GKG counts (walking the index above), the places from
/// the kept control and locations views for GeoJSON. The same bytes as `export::render` of a
/// fold; the CSV rows a day at a time (`write_rows`). Returns the bytes written.
pub fn write(
    format: Format,
    facts: &dyn FactStore,
    profile: &Profile,
    date: Option<NaiveDate>,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let mut written = 0u64;
    let mut put = |out: &mut dyn Write, text: &str| -> Result<(), ExportError> {
        out.write_all(text.as_bytes())?;
        written += text.len() as u64;
        Ok(())
    };
    match format {
        Format::Jsonl => {
            let mut lines = String::new();
            each_article(facts, date, &mut |sel| {
                lines.clear();
                article_lines(sel, &mut lines);
                put(&mut *out, &lines)
            })?;
        }
        Format::GkgCounts => {
            put(&mut *out, &gkg::header())?;
            each_article(facts, date, &mut |sel| match gkg::line(sel, profile) {
                Some(line) => put(&mut *out, &line),
                None => Ok(()),
            })?;
        }
        Format::Geojson => {
            let at = AsOf { date, seq: None };
            let control = control::kept::summary(facts, profile, at)?;
            let mentioned = mentions::kept::presence(facts, mentions::kept::Kind::Locations, at)?;
            put(&mut *out, &(places(&control, &mentioned, profile).to_string() + "\n"))?;
        }
        Format::AcledCsv => written += write_rows(facts, profile, date, &acled::COLUMNS, acled::record, &mut *out)?,
        Format::UcdpCsv => written += write_rows(facts, profile, date, &ucdp::COLUMNS, ucdp::record, &mut *out)?,
    }
    out.flush()?;
    Ok(written)
}

// The ACLED or UCDP CSV as of `date`, written a day's rows at a time. Three walks of the kept
// casualties: the incidents' deaths per day (what a toll change leaves out), each killed
// tally's toll changes without their citations (a tally's figures at a time), then the
// incidents again, each day's rows written with every citation read for them. Holds a tally's
// figures, the toll changes' skeletons and one day's rows; never every citation.
fn write_rows(
    facts: &dyn FactStore,
    profile: &Profile,
    date: Option<NaiveDate>,
    columns: &[&str],
    record: fn(&Row, &Profile) -> Vec<String>,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let mut deaths = IncidentDeaths::default();
    casualties::kept::each_incident(facts, date, &mut |key, figures| -> Result<(), ExportError> {
        deaths.add(&incident_row(&build_incident(key, &figures), profile));
        Ok(())
    })?;
    let mut tolls: BTreeMap<NaiveDate, Vec<(Row, Vec<String>)>> = BTreeMap::new();
    for (party, group, outcome) in casualties::kept::tallies(facts, profile)? {
        if outcome != Outcome::Killed {
            continue;
        }
        let figures = casualties::kept::tally_figures(facts, &party, group, outcome, date)?;
        if figures.is_empty() {
            continue;
        }
        for (row, keys) in toll_changes(&build_tally(&figures), &deaths, profile.started) {
            tolls.entry(row.date).or_default().push((row, keys));
        }
    }
    let mut csv = csv::Writer::from_writer(Counted { out, written: 0 });
    csv.write_record(columns).map_err(csv_error)?;
    // A day's rows: its incidents (in the order they came), then its toll changes with their
    // citations read, sorted as the fold sorts them.
    let mut write_day = |mut rows: Vec<Row>, toll: Vec<(Row, Vec<String>)>| -> Result<(), ExportError> {
        for (mut row, keys) in toll {
            for key in keys {
                row.citations
                    .extend(casualties::kept::all_citations(facts, &key, date)?);
            }
            row.citations.sort();
            row.citations.dedup();
            rows.push(row);
        }
        rows::sort(&mut rows);
        for row in &rows {
            csv.write_record(record(row, profile)).map_err(csv_error)?;
        }
        Ok(())
    };
    let mut day: Option<(NaiveDate, Vec<Row>)> = None;
    casualties::kept::each_incident(facts, date, &mut |key, mut figures| -> Result<(), ExportError> {
        if day.as_ref().is_some_and(|(d, _)| *d != key.date)
            && let Some((d, rows)) = day.take()
        {
            write_day(rows, tolls.remove(&d).unwrap_or_default())?;
        }
        // The toll changes of days without an incident, up to this one.
        while let Some(entry) = tolls.first_entry().filter(|e| *e.key() < key.date) {
            write_day(Vec::new(), entry.remove())?;
        }
        for f in &mut figures {
            f.citations = casualties::kept::all_citations(facts, &f.key.to_string(), date)?;
        }
        let row = incident_row(&build_incident(key, &figures), profile);
        day.get_or_insert_with(|| (key.date, Vec::new())).1.push(row);
        Ok(())
    })?;
    if let Some((d, rows)) = day.take() {
        write_day(rows, tolls.remove(&d).unwrap_or_default())?;
    }
    while let Some((_, toll)) = tolls.pop_first() {
        write_day(Vec::new(), toll)?;
    }
    let counted = csv.into_inner().map_err(|e| ExportError::Write(e.into_error()))?;
    Ok(counted.written)
}

fn csv_error(e: csv::Error) -> ExportError {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => ExportError::Write(e),
        other => ExportError::Write(std::io::Error::other(format!("{other:?}"))),
    }
}

// A writer that counts what passes through it.
struct Counted<'a> {
    out: &'a mut dyn Write,
    written: u64,
}

impl Write for Counted<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

// Visits the counting version of every article the index lists as published by `date`, in
// publication order, one article in memory at a time; stops at the first error.
fn each_article(
    facts: &dyn FactStore,
    date: Option<NaiveDate>,
    visit: &mut dyn FnMut(&Selected<'_>) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let upper = date.map(|d| Key::new(INDEX).instant(kept::day_after(d)).bytes());
    let mut one = |k: &[u8], v: &[u8]| -> Result<(), ExportError> {
        let stream: String = kept::decode(k, v)?;
        let article = facts.get(&stream)?.ok_or_else(|| StoreError::Corrupt {
            seq: 0,
            reason: format!("the export index lists {stream}, which the projection does not hold"),
        })?;
        match article.revisions.last() {
            Some(revision) => visit(&Selected {
                article: &article,
                revision,
            }),
            None => Ok(()),
        }
    };
    kept::try_scan(facts, &Key::new(INDEX).bytes(), upper.as_deref(), &mut one)
}
