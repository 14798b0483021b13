//! `frontline verify`: scans the store for damage and reports what and where.
//!
//! Read-only. Exit status 0 when clean, 1 when damage was found, 2 when the scan could not run.

use std::io::Write;
use std::process::ExitCode;

use super::{Context, EXIT_PROBLEMS, render};

/// Arguments of `frontline verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store()?;
    let report = store.verify()?;
    let text = if args.json {
        serde_json::to_string_pretty(&report)? + "\n"
    } else {
        render::verify_text(store.path(), &report)
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEMS)
    })
}
