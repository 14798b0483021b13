//! `frontline rebuild`: rebuilds the projection from the whole log (with a progress bar), as
//! happens automatically when the profile or the extractor changes.
//!
//! Writes projection trees only; the log is never touched.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;

use super::Context;
use super::state;
use crate::projection::Projector;

/// Arguments of `frontline rebuild`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
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
