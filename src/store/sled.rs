//! The event log on sled 0.34: the only code in frontline that touches sled.
//!
//! Trees: `events` (seq, 8 bytes big-endian → frame), `by_event_id` (uuid → seq),
//! `by_article` (stream → the article's latest event), `meta` (`next_seq`, `format`).
//! One `record` is one sled transaction over all four trees, so the log and its indexes never
//! disagree. It must not be called from two threads at once (see `writer`): the gapless seq
//! relies on a single writer, not on sled's `generate_id`, which jumps on reopen.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use uuid::Uuid;

use super::{Batch, EventLog, RecordOutcome, Recorded, StoreError};
use crate::article::ContentHash;
use crate::event::{
    self, ARTICLE_SCHEMA_VERSION, ArticleHead, ArticlePayload, Decision, EventHeader, EventType, Producer, StoredEvent,
};
use crate::units::ByteSize;

const FORMAT: &str = "frontline-sled-1";
const LOCK_FILE: &str = "frontline.lock";
const KEY_NEXT_SEQ: &[u8] = b"next_seq";
const KEY_FORMAT: &[u8] = b"format";

/// The size of sled's log segments in a new store. sled seals a segment each time one fills and
/// then walks the list of every segment in the file (to decide whether to compact): with its
/// default 512 KiB a million-event store has 36,000 segments, walked a few dozen times per page
/// of events, and a write's cost grows with the store (BENCHMARKS.md, "segments"). sled keeps a
/// store's segment size for its life (in its `conf` file), so a store made with another size is
/// opened with that one.
pub const SEGMENT_SIZE: usize = 8 << 20;

/// A frontline store in a sled directory, held exclusively by this process.
pub struct SledStore {
    path: PathBuf,
    db: sled::Db,
    pub(super) events: sled::Tree,
    pub(super) by_event_id: sled::Tree,
    pub(super) by_article: sled::Tree,
    pub(super) meta: sled::Tree,
    // sled's own flush ends in sync_file_range on Linux, which neither flushes the device cache
    // nor persists the file size. fsync on this handle does both (see `sync`).
    data_file: File,
    // Blob files already fsynced (see `sync_blobs`).
    synced_blobs: Mutex<HashSet<OsString>>,
    // Held for the store's lifetime: the lock other frontline processes test first.
    _lock: File,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SledStore {
    /// Opens the store at `path`, creating it if needed (the daemon's way in).
    pub fn open(path: &Path, cache: ByteSize) -> Result<SledStore, StoreError> {
        Self::open_inner(path, cache, true)
    }

    /// Opens an existing store; `Missing` if there is none (read-only commands never create
    /// a store by accident).
    pub fn open_existing(path: &Path, cache: ByteSize) -> Result<SledStore, StoreError> {
        Self::open_inner(path, cache, false)
    }

    fn open_inner(path: &Path, cache: ByteSize, create: bool) -> Result<SledStore, StoreError> {
        if !create && !path.join("db").is_file() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        std::fs::create_dir_all(path).map_err(io(format!("creating store directory {}", path.display())))?;
        let lock = lock(path)?;
        remove_unfinished_snapshots(path)?;
        let segment_size = stored_segment_size(path)?.unwrap_or(SEGMENT_SIZE);

        let config = sled::Config::new()
            .path(path)
            .segment_size(segment_size)
            .cache_capacity(cache.bytes())
            .mode(sled::Mode::LowSpace)
            .flush_every_ms(Some(500));
        // Our lock is held, so no other frontline process has the store; sled's own flock can
        // still be held for a moment by the flusher thread of a handle this process just dropped
        // (it lives until its next tick). Waited out briefly rather than reported as locked.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
        let db = loop {
            match config.open() {
                Ok(db) => break db,
                Err(sled::Error::Io(ref io)) if io.to_string().contains("could not acquire lock") => {
                    // Still held after the wait: not ours after all (our lock file should have
                    // caught another process; sled's own flock is the backstop).
                    if std::time::Instant::now() >= deadline {
                        return Err(StoreError::Locked {
                            path: path.to_path_buf(),
                            holder: None,
                        });
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(other) => return Err(engine(format!("opening store {}", path.display()), other)),
            }
        };
        let tree = |name: &str| {
            db.open_tree(name)
                .map_err(|e| engine(format!("opening tree {name}"), e))
        };
        let store = SledStore {
            events: tree("events")?,
            by_event_id: tree("by_event_id")?,
            by_article: tree("by_article")?,
            meta: tree("meta")?,
            data_file: File::open(path.join("db")).map_err(io(format!("opening {}", path.join("db").display())))?,
            synced_blobs: Mutex::new(HashSet::new()),
            path: path.to_path_buf(),
            db,
            _lock: lock,
        };
        store.check_format()?;
        Ok(store)
    }

    fn check_format(&self) -> Result<(), StoreError> {
        match self
            .meta
            .get(KEY_FORMAT)
            .map_err(|e| engine("reading store format", e))?
        {
            Some(found) if found.as_ref() == FORMAT.as_bytes() => Ok(()),
            Some(found) => Err(StoreError::Format {
                path: self.path.clone(),
                found: String::from_utf8_lossy(&found).into_owned(),
                expected: FORMAT,
            }),
            None if self.events.is_empty() => {
                self.meta
                    .insert(KEY_FORMAT, FORMAT.as_bytes())
                    .map_err(|e| engine("writing store format", e))?;
                self.sync()?;
                // A new store: make its directory entries durable too.
                if let Ok(dir) = File::open(&self.path) {
                    dir.sync_all().map_err(|source| StoreError::Io {
                        context: format!("syncing directory {}", self.path.display()),
                        source,
                    })?;
                }
                Ok(())
            }
            None => Err(StoreError::Format {
                path: self.path.clone(),
                found: "(none, but the store holds events)".to_string(),
                expected: FORMAT,
            }),
        }
    }

    /// The sled database, for the other files of the store module.
    pub(super) fn db(&self) -> &sled::Db {
        &self.db
    }

    /// The store directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The value of `meta/next_seq`: the seq the next event will get (1 for an empty log).
    pub fn next_seq(&self) -> Result<u64, StoreError> {
        let raw = self.meta.get(KEY_NEXT_SEQ).map_err(|e| engine("reading next_seq", e))?;
        decode_next_seq(raw.as_deref()).map_err(|reason| StoreError::Corrupt { seq: 0, reason })
    }

    // sled 0.34 writes any item larger than a quarter segment (128 KiB by default: a very long
    // article, or a large index node) to its own file under `blobs/`, and never fsyncs that file
    // or the directory. An acknowledged append must not depend on them, so every blob file not
    // yet synced is fsynced here, then the directory.
    fn sync_blobs(&self) -> Result<(), StoreError> {
        let dir = self.path.join("blobs");
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io(format!("listing {}", dir.display()))(e)),
        };
        let mut synced = self
            .synced_blobs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut present = HashSet::new();
        let mut fresh = false;
        for entry in entries {
            let entry = entry.map_err(io(format!("listing {}", dir.display())))?;
            let name = entry.file_name();
            if !synced.contains(&name) {
                match File::open(entry.path()) {
                    Ok(f) => f
                        .sync_all()
                        .map_err(io(format!("fsync of {}", entry.path().display())))?,
                    // sled garbage-collects blobs concurrently; a vanished one needs nothing.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(io(format!("opening {}", entry.path().display()))(e)),
                }
                fresh = true;
            }
            present.insert(name);
        }
        *synced = present;
        if fresh {
            File::open(&dir)
                .and_then(|d| d.sync_all())
                .map_err(io(format!("fsync of directory {}", dir.display())))?;
        }
        Ok(())
    }

    /// Size of the store on disk in bytes, as sled reports it.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.db.size_on_disk().map_err(|e| engine("measuring store size", e))
    }

    /// Bytes of keys and values per tree, before sled's own framing and space not yet
    /// reclaimed: what the store's size on disk is made of.
    pub fn logical_sizes(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut out = Vec::new();
        for name in self.db.tree_names() {
            let tree = self
                .db
                .open_tree(&name)
                .map_err(|e| engine("opening a tree to measure it", e))?;
            let mut total = 0u64;
            for entry in tree.iter() {
                let (k, v) = entry.map_err(|e| engine("measuring store size", e))?;
                total += (k.len() + v.len()) as u64;
            }
            out.push((String::from_utf8_lossy(&name).into_owned(), total));
        }
        Ok(out)
    }
}

/// The segment size a store was made with, from sled's `conf` file ("segment_size: N" among
/// other lines); none for a new store. sled refuses to open a store with another size, so
/// whatever opens a store's sled directly (tests that damage one) asks this first.
pub fn stored_segment_size(path: &Path) -> Result<Option<usize>, StoreError> {
    let conf = path.join("conf");
    let bytes = match std::fs::read(&conf) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(format!("reading {}", conf.display()))(e)),
    };
    // The file ends in a binary checksum after its text lines.
    let text = String::from_utf8_lossy(&bytes);
    text.lines()
        .find_map(|line| line.strip_prefix("segment_size:"))
        .map(|n| {
            n.trim().parse::<usize>().map_err(|_| StoreError::Corrupt {
                seq: 0,
                reason: format!("{}: unreadable segment_size {:?}", conf.display(), n.trim()),
            })
        })
        .transpose()
}

// An I/O error with what was being done: `.map_err(io(format!(...)))`.
fn io(context: String) -> impl FnOnce(std::io::Error) -> StoreError {
    move |source| StoreError::Io { context, source }
}

// sled 0.34 writes each snapshot of its page table as `snap.<lsn>.generating`, fsyncs it and
// renames it to `snap.<lsn>`; but when it opens a store it reads the newest `snap.*` file,
// unfinished ones included. A process killed while one is being written (sled writes one at
// every open) leaves a store sled refuses: "Read corrupted data at file offset None". An
// unfinished snapshot is never needed (the last finished one and the log hold everything), so
// it is removed before sled looks. Only sled's own snapshot files are touched, never the log;
// the caller holds the store's lock, so no other process is writing one.
fn remove_unfinished_snapshots(path: &Path) -> Result<(), StoreError> {
    let entries = std::fs::read_dir(path).map_err(io(format!("listing store directory {}", path.display())))?;
    for entry in entries {
        let entry = entry.map_err(io(format!("listing store directory {}", path.display())))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            tracing::warn!(file = %entry.path().display(), "removing an unfinished sled snapshot (left by a killed process)");
            std::fs::remove_file(entry.path()).map_err(io(format!("removing {}", entry.path().display())))?;
        }
    }
    Ok(())
}

fn lock(path: &Path) -> Result<File, StoreError> {
    let lock_path = path.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(|source| StoreError::Io {
            context: format!("opening lock file {}", lock_path.display()),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut s = String::new();
            let holder = file.read_to_string(&mut s).ok().and_then(|_| s.trim().parse().ok());
            return Err(StoreError::Locked {
                path: path.to_path_buf(),
                holder,
            });
        }
        Err(TryLockError::Error(source)) => {
            return Err(StoreError::Io {
                context: format!("locking {}", lock_path.display()),
                source,
            });
        }
    }
    // Record who holds it, so the next process can say so. Best effort: the lock is what counts.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| write!(file, "{}", std::process::id()));
    Ok(file)
}

pub(super) fn engine(context: impl Into<String>, e: sled::Error) -> StoreError {
    StoreError::Engine {
        context: context.into(),
        message: e.to_string(),
    }
}

fn decode_next_seq(raw: Option<&[u8]>) -> Result<u64, String> {
    match raw {
        None => Ok(1),
        Some(b) => <[u8; 8]>::try_from(b)
            .map(u64::from_be_bytes)
            .map_err(|_| format!("meta next_seq has {} bytes, expected 8", b.len())),
    }
}

// by_article values: last_seq u64 BE | revision u32 BE | content hash 32 | last event id 16.
const HEAD_LEN: usize = 8 + 4 + 32 + 16;

pub(super) fn encode_head(h: &ArticleHead) -> [u8; HEAD_LEN] {
    let mut out = [0u8; HEAD_LEN];
    out[..8].copy_from_slice(&h.last_seq.to_be_bytes());
    out[8..12].copy_from_slice(&h.revision.to_be_bytes());
    out[12..44].copy_from_slice(&h.content_hash.0);
    out[44..].copy_from_slice(h.last_event_id.as_bytes());
    out
}

pub(super) fn decode_head(b: &[u8]) -> Result<ArticleHead, String> {
    if b.len() != HEAD_LEN {
        return Err(format!("index entry has {} bytes, expected {HEAD_LEN}", b.len()));
    }
    let mut hash = [0u8; 32];
    hash.copy_from_slice(&b[12..44]);
    Ok(ArticleHead {
        last_seq: u64::from_be_bytes(b[..8].try_into().expect("invariant: slice of 8")),
        revision: u32::from_be_bytes(b[8..12].try_into().expect("invariant: slice of 4")),
        content_hash: ContentHash(hash),
        last_event_id: Uuid::from_bytes(b[44..].try_into().expect("invariant: slice of 16")),
    })
}

pub(super) fn decode_seq_key(k: &[u8]) -> Result<u64, String> {
    <[u8; 8]>::try_from(k)
        .map(u64::from_be_bytes)
        .map_err(|_| format!("key of {} bytes, expected 8", k.len()))
}

/// Decodes one stored event: frame, checksums, seq agreement, payload upcast.
pub(super) fn decode_event(seq: u64, frame: &[u8]) -> Result<StoredEvent, String> {
    let (header, payload) = event::decode(frame).map_err(|e| e.to_string())?;
    if header.seq != seq {
        return Err(format!(
            "header says seq {} but the event is stored at {seq}",
            header.seq
        ));
    }
    let payload =
        event::upcast::article_payload(header.event_type, header.schema_version, payload).map_err(|e| e.to_string())?;
    Ok(StoredEvent { header, payload })
}

// What one article in a batch will append, prepared outside the transaction (the closure may
// run more than once).
struct Prepared {
    stream: String,
    hash: ContentHash,
    payload: Vec<u8>,
}

impl EventLog for SledStore {
    fn record(&self, batch: &Batch, recorded_at_us: i64) -> Result<RecordOutcome, StoreError> {
        let prepared: Vec<Prepared> = batch
            .articles
            .iter()
            .map(|a| {
                let payload = ArticlePayload::new(a.clone());
                Prepared {
                    stream: a.stream(),
                    hash: payload.content_hash,
                    payload: payload.to_bytes(),
                }
            })
            .collect();
        let producer = Producer::current();

        let result = (&self.events, &self.by_event_id, &self.by_article, &self.meta).transaction(
            |(events, ids, articles, meta)| {
                let abort =
                    |seq: u64, reason: String| ConflictableTransactionError::Abort(StoreError::Corrupt { seq, reason });
                let mut next = decode_next_seq(meta.get(KEY_NEXT_SEQ)?.as_deref()).map_err(|r| abort(0, r))?;
                let mut outcome = RecordOutcome::default();
                for p in &prepared {
                    let head = match articles.get(p.stream.as_bytes())? {
                        Some(raw) => {
                            Some(decode_head(&raw).map_err(|r| abort(0, format!("index of {}: {r}", p.stream)))?)
                        }
                        None => None,
                    };
                    let (event_type, revision, causation_id) = match event::decide(head.as_ref(), &p.hash) {
                        Decision::Unchanged => {
                            outcome.unchanged += 1;
                            continue;
                        }
                        Decision::Observe => (EventType::ArticleObserved, 0, None),
                        Decision::Revise { revision, causation } => {
                            (EventType::ArticleRevised, revision, Some(causation))
                        }
                    };
                    let event_id = event::event_id(event_type, &p.stream, revision, &p.hash);
                    // The same id means this exact event is already in the log: a retry.
                    if ids.get(event_id.as_bytes())?.is_some() {
                        outcome.unchanged += 1;
                        continue;
                    }
                    let mut header = EventHeader {
                        seq: next,
                        event_id,
                        event_type,
                        schema_version: ARTICLE_SCHEMA_VERSION,
                        recorded_at_us,
                        stream: p.stream.clone(),
                        revision,
                        correlation_id: batch.correlation_id,
                        causation_id,
                        source: batch.source.clone(),
                        producer: producer.clone(),
                        content_type: "application/json".to_string(),
                        payload_len: 0,
                        payload_crc32c: 0,
                    };
                    let frame = event::encode(&mut header, &p.payload);
                    events.insert(&next.to_be_bytes(), frame)?;
                    ids.insert(event_id.as_bytes(), &next.to_be_bytes())?;
                    let head = ArticleHead {
                        last_seq: next,
                        revision,
                        content_hash: p.hash,
                        last_event_id: event_id,
                    };
                    articles.insert(p.stream.as_bytes(), &encode_head(&head)[..])?;
                    outcome.recorded.push(Recorded {
                        seq: next,
                        event_type,
                        event_id,
                    });
                    next += 1;
                }
                if !outcome.recorded.is_empty() {
                    meta.insert(KEY_NEXT_SEQ, &next.to_be_bytes())?;
                }
                Ok(outcome)
            },
        );
        match result {
            Ok(outcome) => Ok(outcome),
            Err(TransactionError::Abort(e)) => Err(e),
            Err(TransactionError::Storage(e)) => Err(engine("recording batch", e)),
        }
    }

    // The flush policy: sled's flush writes and sync_file_range()s its log; then the blob files
    // it wrote are fsynced (sled never does), and last the data file, which flushes the device
    // cache and the file size that sync_file_range leaves out. Blobs go first so that the log
    // never becomes durable pointing at a blob that is not. Only after all of it does an append
    // count as acknowledged.
    fn sync(&self) -> Result<(), StoreError> {
        self.db.flush().map_err(|e| engine("flushing store", e))?;
        self.sync_blobs()?;
        self.data_file.sync_all().map_err(|source| StoreError::Io {
            context: format!("fsync of {}", self.path.join("db").display()),
            source,
        })
    }

    fn head(&self) -> Result<u64, StoreError> {
        Ok(self.next_seq()? - 1)
    }

    fn read_after(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        let Some(start) = after.checked_add(1) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(limit.min(1024));
        for item in self.events.range(start.to_be_bytes()..).take(limit) {
            let (k, v) = item.map_err(|e| engine("reading events", e))?;
            let seq = decode_seq_key(&k).map_err(|reason| StoreError::Corrupt { seq: 0, reason })?;
            out.push(decode_event(seq, &v).map_err(|reason| StoreError::Corrupt { seq, reason })?);
        }
        Ok(out)
    }
}
