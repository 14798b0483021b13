//! The index the streamed exports (JSON Lines, GKG counts) walk: every counting article version that has facts,
//! in publication order (`ep`: publication, article → the article's stream), kept with the
//! other views. `write` walks it and writes each article's lines as it reads the article, so an
//! export of any size holds one article in memory, never the whole answer.
//!
//! Pure apart from `write`'s writer: reads through `KeptRead` and `FactStore`.

use std::io::Write;

use chrono::NaiveDate;

use super::{Format, article_lines, gkg, places};
use crate::profile::Profile;
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
    /// The format is built from a fold, not written from the kept state.
    #[error("the {0} export is built from a fold of every article, not from the kept state")]
    Folded(&'static str),
}

/// Writes `format` as of `date` (now when none) from the kept state as it is read: the lines of
/// one article at a time for JSON Lines and GKG counts (walking the index above), the places from
/// the kept control and locations views for GeoJSON. The same bytes as `export::render` of a
/// fold. Returns the bytes written. The CSV formats are not kept (`Format::streams`).
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
        Format::AcledCsv | Format::UcdpCsv => return Err(ExportError::Folded(format.name())),
    }
    out.flush()?;
    Ok(written)
}

// Visits the counting version of every article the index lists as published by `date`, in
// publication order, one article in memory at a time; stops at the first error.
fn each_article(
    facts: &dyn FactStore,
    date: Option<NaiveDate>,
    visit: &mut dyn FnMut(&Selected<'_>) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let upper = date.map(|d| Key::new(INDEX).instant(kept::day_after(d)).bytes());
    let mut failed: Option<ExportError> = None;
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
    facts.kept_scan(
        &Key::new(INDEX).bytes(),
        None,
        upper.as_deref(),
        false,
        &mut |k, v| match one(k, v) {
            Ok(()) => true,
            Err(e) => {
                failed = Some(e);
                false
            }
        },
    )?;
    failed.map_or(Ok(()), Err)
}
