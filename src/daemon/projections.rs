//! The daemon's projection task: keeps the projection caught up with the log, after start-up
//! (a full rebuild when the profile or the extractor changed) and after every poll that appended.
//!
//! Runs the catch-up off the async runtime; a failure is logged and retried at the next wake-up,
//! never taken down with the daemon. It only writes projection trees.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use super::DaemonStatus;
use crate::ingest::elapsed_ms;
use crate::projection::{FactStore, Projector, refresh};
use crate::store::SledStore;

/// Runs until `token` is cancelled, catching up whenever `wake` is notified; rebuilds from
/// scratch first when `rebuild` is set (the API's `POST /v1/rebuild`).
pub async fn run(
    store: Arc<SledStore>,
    projector: Arc<Projector>,
    wake: Arc<Notify>,
    rebuild: Arc<AtomicBool>,
    token: CancellationToken,
    status: watch::Sender<DaemonStatus>,
) {
    loop {
        let (s, p, stop) = (Arc::clone(&store), Arc::clone(&projector), token.clone());
        let started = Instant::now();
        let from_scratch = rebuild.swap(false, Ordering::SeqCst);
        if from_scratch {
            status.send_modify(|s| {
                s.rebuilding = true;
                s.projection_checkpoint = 0;
            });
        }
        let result = tokio::task::spawn_blocking(move || {
            // `refresh` drops them too; done first here to say so in the log.
            let dropped = s.drop_other_projections(p.fingerprint())?;
            if !dropped.is_empty() {
                info!(fingerprint = %p.fingerprint(), dropped = ?dropped, "profile or extractor changed; the projections will be rebuilt");
            }
            let from = if from_scratch {
                info!(fingerprint = %p.fingerprint(), "rebuilding projections on request");
                0
            } else {
                s.facts(p.fingerprint())?.checkpoint()?
            };
            let head = crate::store::EventLog::head(s.as_ref())?;
            if from == 0 && head > 0 {
                info!(fingerprint = %p.fingerprint(), events = head, "building projections from the log");
            }
            // A shutdown stops the catch-up after the page being committed (a rebuild of a
            // million events takes minutes; the next start goes on from that checkpoint).
            let applied = refresh(s.as_ref(), &p, from_scratch, &mut |_, _| !stop.is_cancelled())?;
            Ok::<_, crate::store::StoreError>((applied, s.facts(p.fingerprint())?.checkpoint()?))
        })
        .await;
        let outcome = match result {
            Ok(Ok((applied, checkpoint))) => {
                if applied > 0 {
                    info!(
                        applied,
                        checkpoint,
                        took_ms = elapsed_ms(started),
                        "projections updated"
                    );
                }
                Ok(checkpoint)
            }
            Ok(Err(e)) => Err(format!("projection update failed: {e}")),
            Err(e) => Err(format!("projection task panicked: {e}")),
        };
        if let Err(e) = &outcome {
            error!(error = %e, "projection not updated; retrying after the next poll");
        }
        // One update either way, so a client waiting on a requested rebuild always sees it end
        // (`rebuilds` counts finished attempts, `projection_error` says how the last one went).
        status.send_modify(|s| {
            s.rebuilding = false;
            s.rebuilds += u64::from(from_scratch);
            match outcome {
                Ok(checkpoint) => {
                    s.projection_checkpoint = checkpoint;
                    s.projection_error = None;
                }
                Err(e) => s.projection_error = Some(e),
            }
        });
        tokio::select! {
            () = wake.notified() => {}
            () = token.cancelled() => return,
        }
    }
}
