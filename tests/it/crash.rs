//! Crash safety: a writer process appends through the real `Appender` and prints every
//! acknowledged event; the test SIGKILLs it at a random moment, reopens the store, and checks
//! that every acknowledged event is there, with no gap, no duplicate, and `verify` clean. And a
//! projector process rebuilding the projection page by page is killed mid-page: the kept view
//! state must be the one its checkpoint's facts give, and catching up must equal a rebuild.
//!
//! sled's re-exec pattern: the writer is this same test binary, run as
//! `<exe> --exact crash::writer --nocapture` with `FRONTLINE_CRASH_WRITER=<store dir>`;
//! without that variable `writer` returns at once. Rounds default to 24
//! (`FRONTLINE_CRASH_ROUNDS`), the seed to the clock (`FRONTLINE_CRASH_SEED`, printed).

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use frontline::store::{Appender, EventLog, SledStore};
use frontline::units::ByteSize;
use uuid::Uuid;

use crate::store::{article, batch};

const WRITER_ENV: &str = "FRONTLINE_CRASH_WRITER";

/// The child side: appends forever (until killed), printing `ACK <seq> <event id>` after each
/// acknowledged event. A mix of new articles, revisions, duplicates and the odd article large
/// enough to be stored as a sled blob.
#[test]
fn writer() {
    let Some(dir) = std::env::var_os(WRITER_ENV) else {
        return;
    };
    let store = Arc::new(SledStore::open(Path::new(&dir), ByteSize::mib(8)).expect("writer opens the store"));
    let start = store.head().expect("head");
    let appender = Appender::start(store);
    let handle = appender.handle();
    let mut rng = fastrand::Rng::with_seed(start);
    for i in 0.. {
        let n = rng.usize(1..6);
        let articles = (0..n)
            .map(|j| {
                let guid = format!("s{start}-i{i}-j{j}");
                match rng.u8(0..10) {
                    // A revision of an article from an earlier batch of this run.
                    0..=1 if i > 0 => article("crash", &format!("s{start}-i{}-j0", rng.u64(0..i)), &format!("rev {i}")),
                    // A duplicate of the batch's first article.
                    2 if j > 0 => article("crash", &format!("s{start}-i{i}-j0"), "base"),
                    // Now and then an article too big for sled's log, which goes to a blob file.
                    3 if rng.u8(0..8) == 0 => article("crash", &guid, &"long ".repeat(40_000)),
                    _ => article("crash", &guid, "base"),
                }
            })
            .collect();
        let outcome = handle.record_blocking(batch(articles)).expect("append");
        for r in outcome.recorded {
            println!("ACK {} {}", r.seq, r.event_id);
        }
    }
}

#[test]
fn sigkill_during_appends_loses_no_acknowledged_event() {
    if std::env::var_os(WRITER_ENV).is_some() {
        return;
    }
    let rounds: usize = std::env::var("FRONTLINE_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24);
    let seed = seed();
    println!("crash test: {rounds} rounds, FRONTLINE_CRASH_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut acked: BTreeMap<u64, Uuid> = BTreeMap::new();

    for round in 0..rounds {
        // Kill after a random number of acknowledgements, sometimes right at the start.
        let kill_after = rng.usize(0..120);
        let mut child = Command::new(&exe)
            .args(["--exact", "crash::writer", "--nocapture", "--test-threads=1"])
            .env(WRITER_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut seen = 0usize;
        // One round in eight is killed blind, a few milliseconds in: during start-up, sled's
        // recovery or the first append.
        let blind = rng.usize(0..8) == 0;
        if blind {
            std::thread::sleep(std::time::Duration::from_millis(rng.u64(0..40)));
        }
        for line in BufReader::new(stdout).lines().take_while(|_| !blind) {
            let Ok(line) = line else { break };
            let Some(rest) = line.strip_prefix("ACK ") else {
                continue;
            };
            let (seq, id) = rest.split_once(' ').expect("ACK <seq> <id>");
            let seq: u64 = seq.parse().unwrap();
            let id: Uuid = id.parse().unwrap();
            if let Some(prev) = acked.insert(seq, id) {
                assert_eq!(
                    prev, id,
                    "round {round}: seq {seq} acknowledged twice with different ids (seed {seed})"
                );
            }
            seen += 1;
            if seen >= kill_after {
                break;
            }
        }
        // SIGKILL: no destructors, no final flush.
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(
            blind || !status.success(),
            "round {round}: the writer should have been killed, not exited"
        );

        let store = SledStore::open(dir.path(), ByteSize::mib(8))
            .unwrap_or_else(|e| panic!("round {round}: reopen failed: {e} (seed {seed})"));
        let events = store.read_after(0, usize::MAX).unwrap();
        let stored: BTreeMap<u64, Uuid> = events.iter().map(|e| (e.header.seq, e.header.event_id)).collect();
        for (seq, id) in &acked {
            assert_eq!(
                stored.get(seq),
                Some(id),
                "round {round}: acknowledged event {seq} lost or changed (seed {seed})"
            );
        }
        let seqs: Vec<u64> = stored.keys().copied().collect();
        assert_eq!(
            seqs,
            (1..=seqs.len() as u64).collect::<Vec<_>>(),
            "round {round}: gap in the sequence (seed {seed})"
        );
        let unique: HashSet<&Uuid> = stored.values().collect();
        assert_eq!(
            unique.len(),
            stored.len(),
            "round {round}: duplicate event ids (seed {seed})"
        );
        assert_eq!(store.head().unwrap(), seqs.len() as u64);
        let report = store.verify().unwrap();
        assert!(
            report.is_clean(),
            "round {round}: verify found {:?} (seed {seed})",
            report.problems
        );
        // Events written but not acknowledged before the kill are legitimately there; from now
        // on they count as acknowledged, since this reopen saw them.
        acked = stored;
    }
    assert!(!acked.is_empty(), "the writer never acknowledged anything");
    println!("crash test: {} events survived {rounds} kills", acked.len());
}

const PROJECTOR_ENV: &str = "FRONTLINE_CRASH_PROJECTOR";

// `FRONTLINE_CRASH_SEED`, or the clock.
fn seed() -> u64 {
    std::env::var("FRONTLINE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        })
}

/// The child side of the projection crash test: rebuilds the projection of the store in
/// `FRONTLINE_CRASH_PROJECTOR` over and over in pages of seven events, printing `PAGE <seq>`
/// after each committed page and `RESET` before each rebuild, until killed.
#[test]
fn projector() {
    let Some(dir) = std::env::var_os(PROJECTOR_ENV) else {
        return;
    };
    let store = SledStore::open(Path::new(&dir), ByteSize::mib(8)).expect("projector opens the store");
    let profile = crate::support::shipped_profile();
    let projector = frontline::projection::Projector::new(&profile).expect("profile compiles");
    let facts = store.facts(projector.fingerprint()).expect("projection");
    loop {
        frontline::projection::catch_up_paged(&projector, &store, &facts, 7, &mut |done, _| {
            println!("PAGE {done}");
            true
        })
        .expect("catch up");
        println!("RESET");
        store.reset_facts(projector.fingerprint()).expect("reset");
    }
}

/// SIGKILL in the middle of a page leaves the projection at its previous checkpoint: its kept
/// view state answers as the fold of its facts does (nothing half-written), and catching up from
/// there gives, byte for byte, the state a rebuild gives.
#[test]
fn sigkill_during_a_projection_page_leaves_the_previous_checkpoint() {
    if std::env::var_os(PROJECTOR_ENV).is_some() || std::env::var_os(WRITER_ENV).is_some() {
        return;
    }
    let seed = seed();
    println!("projection crash test: FRONTLINE_CRASH_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = tempfile::tempdir().unwrap();
    // The fixture war from five outlets: a few hundred events, dozens of pages.
    let mut articles = Vec::new();
    for feed in ["a", "b", "c", "d", "e"] {
        articles.extend(crate::projection::fixture_articles().into_iter().map(|mut a| {
            a.feed = feed.into();
            a
        }));
    }
    drop(crate::projection::store_with(dir.path(), articles));
    let exe = std::env::current_exe().unwrap();
    let profile = crate::support::shipped_profile();
    for round in 0..6 {
        let kill_after = rng.usize(1..40);
        let mut child = Command::new(&exe)
            .args(["--exact", "crash::projector", "--nocapture", "--test-threads=1"])
            .env(PROJECTOR_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut pages = 0;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.starts_with("PAGE ") {
                pages += 1;
                if pages >= kill_after {
                    break;
                }
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();

        let store = Arc::new(
            SledStore::open(dir.path(), ByteSize::mib(8))
                .unwrap_or_else(|e| panic!("round {round}: reopen failed: {e} (seed {seed})")),
        );
        let projector = frontline::projection::Projector::new(&profile).unwrap();
        let facts = store.facts(projector.fingerprint()).unwrap();
        use frontline::projection::FactStore;
        let checkpoint = facts.checkpoint().unwrap();
        // A page is committed atomically but not synced (the projection is derived from the
        // durable log and redone after a crash): the checkpoint is a page boundary at most what
        // was reported, never in the middle of a page.
        let head = store.head().unwrap();
        assert!(
            checkpoint.is_multiple_of(7) || checkpoint == head,
            "round {round}: checkpoint {checkpoint} is not a page boundary (seed {seed})"
        );
        assert!(
            checkpoint <= head,
            "round {round}: checkpoint {checkpoint} beyond the log (seed {seed})"
        );
        // Whatever the checkpoint, the kept state is the one its facts give.
        for date in [None, Some("2020-10-16".parse().unwrap())] {
            crate::kept::check_views(&facts, &profile, date)
                .unwrap_or_else(|e| panic!("round {round} at checkpoint {checkpoint} (seed {seed}): {e}"));
        }
        frontline::projection::catch_up(&projector, store.as_ref(), &facts, &mut |_, _| true).unwrap();
        let caught_up = crate::kept::kept_entries(&facts);
        drop(facts);
        assert_eq!(
            caught_up,
            crate::kept::rebuilt_entries(&store, &projector),
            "round {round}: caught up after the kill, the kept state differs from a rebuild (seed {seed})"
        );
    }
}
