//! The index the lossless export streams from: every counting article version that has facts,
//! in publication order (`ep`: publication, article → the article's stream), kept with the
//! other views. `jsonl` walks it and writes each article's lines as it reads the article, so an
//! export of any size holds one article in memory, never the whole answer.
//!
//! Pure apart from `jsonl`'s writer: reads through `KeptRead` and `FactStore`.

use std::io::Write;

use chrono::NaiveDate;

use super::article_lines;
use crate::projection::kept::{self, Key, Overlay};
use crate::projection::{ArticleFacts, FactStore, Selected};
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

/// Writes every fact of the article versions published by `date` (all when none), one JSON
/// object a line, in publication order: the same bytes as `export::jsonl` of a fold. Returns the
/// bytes written.
pub fn jsonl(facts: &dyn FactStore, date: Option<NaiveDate>, out: &mut dyn Write) -> Result<u64, ExportError> {
    let upper = date.map(|d| Key::new(INDEX).instant(kept::day_after(d)).bytes());
    let mut failed: Option<ExportError> = None;
    let mut written = 0u64;
    let mut lines = String::new();
    let mut one = |k: &[u8], v: &[u8]| -> Result<(), ExportError> {
        let stream: String = kept::decode(k, v)?;
        let article = facts.get(&stream)?.ok_or_else(|| StoreError::Corrupt {
            seq: 0,
            reason: format!("the export index lists {stream}, which the projection does not hold"),
        })?;
        if let Some(revision) = article.revisions.last() {
            lines.clear();
            article_lines(
                &Selected {
                    article: &article,
                    revision,
                },
                &mut lines,
            );
            out.write_all(lines.as_bytes())?;
            written += lines.len() as u64;
        }
        Ok(())
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
    match failed {
        Some(e) => Err(e),
        None => {
            out.flush()?;
            Ok(written)
        }
    }
}
