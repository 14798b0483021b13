//! The single writer: one OS thread owns every append to an `EventLog`, so sequence numbers
//! are gapless by construction, and it acknowledges an append only after it is durable.
//!
//! Group commit: the thread records every batch already waiting (each in its own transaction,
//! so one bad batch fails alone), syncs once, then answers them all. Under load that is one
//! fsync for many polls; idle, it is one fsync per poll. It never fetches or parses.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};

use super::{Batch, EventLog, RecordOutcome, StoreError};

// Bounded so that a stalled disk pushes back on the pollers instead of queueing without limit.
const QUEUE: usize = 256;
// Most batches committed under one sync.
const GROUP: usize = 64;

struct Request {
    batch: Batch,
    reply: oneshot::Sender<Result<RecordOutcome, StoreError>>,
}

/// Owns the writer thread. Dropping the last `AppendHandle` and calling `shutdown` drains the
/// queue, syncs, and joins the thread.
pub struct Appender {
    handle: AppendHandle,
    thread: JoinHandle<Result<(), StoreError>>,
}

/// A cheap, cloneable way to submit batches to the writer.
#[derive(Clone)]
pub struct AppendHandle {
    tx: mpsc::Sender<Request>,
}

impl Appender {
    /// Starts the writer thread over `log`.
    pub fn start(log: Arc<dyn EventLog>) -> Appender {
        let (tx, rx) = mpsc::channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("frontline-writer".into())
            .spawn(move || run(log.as_ref(), rx))
            .expect("invariant: the OS can start one thread at start-up");
        Appender {
            handle: AppendHandle { tx },
            thread,
        }
    }

    /// A handle for submitting batches.
    pub fn handle(&self) -> AppendHandle {
        self.handle.clone()
    }

    /// Stops accepting batches once every handle is dropped, finishes what is queued, makes it
    /// durable, and joins the thread. Returns the writer's last error, if it stopped on one.
    pub fn shutdown(self) -> Result<(), StoreError> {
        drop(self.handle);
        match self.thread.join() {
            Ok(result) => result,
            Err(_) => Err(StoreError::WriterStopped(Some("the writer thread panicked".into()))),
        }
    }
}

impl AppendHandle {
    /// Records `batch` and waits until it is durable.
    pub async fn record(&self, batch: Batch) -> Result<RecordOutcome, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Request { batch, reply })
            .await
            .map_err(|_| StoreError::WriterStopped(None))?;
        rx.await.map_err(|_| StoreError::WriterStopped(None))?
    }

    /// Blocking form of [`record`](Self::record), for threads outside the async runtime.
    pub fn record_blocking(&self, batch: Batch) -> Result<RecordOutcome, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .blocking_send(Request { batch, reply })
            .map_err(|_| StoreError::WriterStopped(None))?;
        rx.blocking_recv().map_err(|_| StoreError::WriterStopped(None))?
    }

    /// Resolves when the writer thread has stopped (after a fatal error or a shutdown).
    pub async fn closed(&self) {
        self.tx.closed().await;
    }

    /// Whether the writer thread has stopped.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn run(log: &dyn EventLog, mut rx: mpsc::Receiver<Request>) -> Result<(), StoreError> {
    while let Some(first) = rx.blocking_recv() {
        let mut group = vec![first];
        while group.len() < GROUP {
            match rx.try_recv() {
                Ok(r) => group.push(r),
                Err(_) => break,
            }
        }
        let recorded_at = now_us();
        // A panic inside the storage engine must not take the daemon down; it does end this
        // writer, because the engine's state can no longer be trusted.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let results: Vec<_> = group.iter().map(|r| log.record(&r.batch, recorded_at)).collect();
            (results, log.sync())
        }));
        let (results, synced) = match outcome {
            Ok(pair) => pair,
            Err(_) => {
                let reason = "the storage engine panicked while appending";
                for r in group {
                    let _ = r.reply.send(Err(StoreError::WriterStopped(Some(reason.into()))));
                }
                return Err(StoreError::WriterStopped(Some(reason.into())));
            }
        };
        match synced {
            Ok(()) => {
                for (r, result) in group.into_iter().zip(results) {
                    // The poller may have gone away (shutdown); the data is durable regardless.
                    let _ = r.reply.send(result);
                }
            }
            Err(e) => {
                // Nothing in this group is known to be durable. Tell every caller, and stop:
                // a disk that cannot fsync will not get better by retrying blindly.
                let reason = e.to_string();
                for r in group {
                    let _ = r.reply.send(Err(StoreError::WriterStopped(Some(reason.clone()))));
                }
                return Err(e);
            }
        }
    }
    log.sync()
}
