//! `frontline rebuild`: rebuilds the projection from the whole log (with a progress bar), as
//! happens automatically when the profile or the extractor changes; through the running daemon
//! when it answers, else in the store.
//!
//! Writes projection trees only; the log is never touched.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;

use super::Context;
use super::{client, state};
use crate::projection::Projector;
use crate::protocol::{RebuildStarted, StatusBody};

/// Arguments of `frontline rebuild`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command: asks the running daemon to rebuild when its socket answers (and follows
/// its progress), else rebuilds in the store itself.
pub fn run(_args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let ask = |socket: &std::path::Path| match client::post::<RebuildStarted>(socket, "/v1/rebuild", Vec::new())? {
        Ok(started) => follow_daemon(socket, started).map(Ok),
        Err(why) => Ok(Err(why)),
    };
    state::daemon_or_store(ctx, ask, || rebuild_store(ctx))
}

// No daemon: rebuilds the projection in the store, with a progress bar on a terminal.
fn rebuild_store(ctx: &Context) -> anyhow::Result<ExitCode> {
    let profile = ctx.profile(None)?;
    let store = ctx.open_store()?;
    let projector =
        Projector::new(&profile).with_context(|| format!("compiling profile {}", profile.source.display()))?;
    let started = Instant::now();
    let applied = state::update(&store, &projector, true)?;
    let took = started.elapsed();
    eprintln!(
        "rebuilt projection {} from {applied} events in {:.2}s ({:.0} events/s)",
        projector.fingerprint(),
        took.as_secs_f64(),
        applied as f64 / took.as_secs_f64().max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}

// Polls the daemon's status until the rebuild it started is done, with a progress bar on a
// terminal (hidden when stderr is not one).
fn follow_daemon(socket: &std::path::Path, started: RebuildStarted) -> anyhow::Result<ExitCode> {
    let t0 = Instant::now();
    let bar = indicatif::ProgressBar::new(started.events);
    bar.set_style(
        indicatif::ProgressStyle::with_template("rebuilding in the daemon [{bar:40}] {pos}/{len} events ({eta} left)")
            .expect("invariant: the template is valid")
            .progress_chars("=> "),
    );
    let status = loop {
        let status: StatusBody = client::get(socket, "/v1/status")?
            .map_err(|why| anyhow::anyhow!("the daemon went away during the rebuild: {}", why.describe()))?;
        bar.set_position(status.status.projection_checkpoint.min(started.events));
        if status.status.rebuilds > started.rebuilds_before && !status.status.rebuilding {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    bar.finish_and_clear();
    if let Some(e) = &status.status.projection_error {
        anyhow::bail!("the daemon's rebuild failed: {e}");
    }
    eprintln!(
        "the daemon rebuilt projection {} from {} events in {:.2}s",
        status.status.projection,
        status.status.projection_checkpoint,
        t0.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
