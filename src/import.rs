//! Backfill: saved feed files, or directories of them, ingested through the same parser, matcher
//! and dedupe as a poll, so that a user who starts watching a war late can load the archive
//! first, and a repeated import adds nothing.
//!
//! Resolves paths and feed ids, reads files under a size cap, and ingests one document through
//! `ingest::ingest_document`. It never decides where the appends go: the CLI passes the daemon's
//! writer (through the API) or its own.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::{FeedConfig, is_valid_id};
use crate::feed::Fetched;
use crate::feed::identity::Memory;
use crate::ingest::{PollError, PollReport, ingest_document};
use crate::matcher::Matcher;
use crate::store::AppendHandle;

/// The largest file one import takes (a year of a busy feed is a few MiB).
pub const MAX_FILE: u64 = 64 * 1024 * 1024;

/// Most entries read from one archive file.
pub const MAX_ENTRIES: usize = 1_000_000;

/// How long parsing one file may take before it is abandoned.
pub const PARSE_DEADLINE: Duration = Duration::from_secs(300);

/// Why a path cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Reading failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_FILE`].
    #[error("{path}: {size} bytes is more than the {max} bytes one import takes; split the archive")]
    TooLarge {
        /// The path.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The cap.
        max: u64,
    },
    /// No usable feed id could be made from the file name.
    #[error("{path}: cannot make a feed id from this file name; pass --feed ID")]
    NoFeedId {
        /// The path.
        path: PathBuf,
    },
    /// `--feed` is not a valid id.
    #[error("--feed {0:?} is not a valid feed id: use lower-case ASCII letters, digits and '-'")]
    BadFeedId(String),
    /// A directory held no files.
    #[error("{0}: no feed files in this directory")]
    EmptyDirectory(PathBuf),
}

/// One file to import and the feed its articles belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFile {
    /// The file.
    pub path: PathBuf,
    /// The feed id: part of every article's identity, so importing a configured feed's archive
    /// under that feed's id dedupes against what its polls record.
    pub feed: String,
}

/// What importing one file did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    /// The file, as given.
    pub file: String,
    /// The feed id its articles were recorded under.
    pub feed: String,
    /// Entries, matches, new articles, revisions and unchanged ones, as for a poll.
    #[serde(flatten)]
    pub report: PollReport,
}

/// The files under `paths` (directories walked recursively, hidden entries skipped, in name
/// order), each with its feed id: `feed` when given, else made from the file name
/// (`oc-media.xml` → `oc-media`).
pub fn collect(paths: &[PathBuf], feed: Option<&str>) -> Result<Vec<ImportFile>, ImportError> {
    if let Some(f) = feed
        && !is_valid_id(f)
    {
        return Err(ImportError::BadFeedId(f.to_string()));
    }
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| ImportError::Io {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            let before = files.len();
            walk(path, &mut files)?;
            if files.len() == before {
                return Err(ImportError::EmptyDirectory(path.clone()));
            }
        } else {
            files.push(path.clone());
        }
    }
    files
        .into_iter()
        .map(|path| {
            let feed = match feed {
                Some(f) => f.to_string(),
                None => feed_id_from(&path).ok_or_else(|| ImportError::NoFeedId { path: path.clone() })?,
            };
            Ok(ImportFile { path, feed })
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ImportError> {
    let io = |source| ImportError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort();
    for path in entries {
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'))
        {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// A feed id from a file name: the config's slug of the stem before the first dot
/// (`OC Media.2020-10.xml` → `oc-media`), as a feed's id comes from its name.
pub fn feed_id_from(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let id = crate::config::slug(name.split('.').next().unwrap_or(name));
    is_valid_id(&id).then_some(id)
}

/// Reads `path`, refusing files over [`MAX_FILE`].
pub fn read(path: &Path) -> Result<Vec<u8>, ImportError> {
    let io = |source| ImportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_FILE {
        return Err(ImportError::TooLarge {
            path: path.to_path_buf(),
            size,
            max: MAX_FILE,
        });
    }
    std::fs::read(path).map_err(io)
}

/// The `file:` URL recorded as the source of an imported file; relative links in it resolve
/// against this, as they would against a feed's URL.
pub fn origin(path: &Path) -> Url {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    Url::from_file_path(&absolute)
        .unwrap_or_else(|()| Url::parse("file:///imported").expect("invariant: a constant URL parses"))
}

/// Ingests one saved document as a poll of feed `feed` would: parsed off the runtime, keyed by
/// the feed's `identity` (a configured feed switched to links stays on links), matched,
/// deduplicated and appended through `appender`, durable when this returns. The identity memory
/// is not updated by an import: an archive must not switch a live feed.
pub async fn ingest(
    feed: &str,
    origin: Url,
    body: Vec<u8>,
    matcher: &Arc<Matcher>,
    appender: &AppendHandle,
    identity: Memory,
) -> Result<PollReport, PollError> {
    let config = FeedConfig {
        id: feed.to_string(),
        name: feed.to_string(),
        url: origin.clone(),
        interval: Duration::ZERO,
        timeout: PARSE_DEADLINE,
        max_body: MAX_FILE,
        // An archive holds a feed's history: far more entries than one live document.
        max_entries: MAX_ENTRIES,
    };
    let fetched = Fetched::document(origin, body);
    ingest_document(&config, fetched, matcher, appender, identity).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_ids_come_from_file_names() {
        let id = |p: &str| feed_id_from(Path::new(p));
        assert_eq!(id("/archive/oc-media.xml").as_deref(), Some("oc-media"));
        assert_eq!(id("OC Media.2020-10.xml").as_deref(), Some("oc-media"));
        assert_eq!(id("__.xml"), None);
    }

    #[test]
    fn directories_are_walked_in_name_order_without_hidden_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        for f in ["b.xml", "a.rss", ".hidden.xml", "sub/c.atom"] {
            std::fs::write(dir.path().join(f), "x").unwrap();
        }
        let files = collect(&[dir.path().to_path_buf()], None).unwrap();
        let names: Vec<(String, String)> = files
            .iter()
            .map(|f| {
                (
                    f.path.strip_prefix(dir.path()).unwrap().display().to_string(),
                    f.feed.clone(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [("a.rss", "a"), ("b.xml", "b"), ("sub/c.atom", "c")].map(|(p, f)| (p.to_string(), f.to_string()))
        );
        let all_one = collect(&[dir.path().to_path_buf()], Some("wire")).unwrap();
        assert!(all_one.iter().all(|f| f.feed == "wire"));
        let err = collect(&[dir.path().to_path_buf()], Some("Wire!")).unwrap_err();
        assert!(err.to_string().contains("not a valid feed id"), "{err}");
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert!(matches!(collect(&[empty], None), Err(ImportError::EmptyDirectory(_))));
        let missing = collect(&[dir.path().join("nope.xml")], None).unwrap_err();
        assert!(missing.to_string().contains("nope.xml"), "{missing}");
    }
}
