//! `frontline export`: writes the projection for other tools (JSON Lines of every fact, ACLED
//! and UCDP CSV, GDELT GKG counts, GeoJSON of places), from the running daemon or the store, to
//! stdout or a file.
//!
//! A file is written whole or not at all: to a temporary sibling, renamed into place.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use super::state::{self, AsOfArgs};
use super::{Context, client};
use crate::projection::export::{Format, render};

/// Arguments of `frontline export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to write
    #[arg(long, value_enum)]
    pub format: Format,
    /// Write here instead of stdout (replaced whole, never left half-written)
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Which state.
    #[command(flatten)]
    pub as_of: AsOfArgs,
}

/// Runs the command.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let at = args.as_of.as_of();
    let target = client::target(
        "/v1/export",
        &[
            &[("format", Some(args.format.name().to_string()))][..],
            &client::as_of_params(at),
        ]
        .concat(),
    );
    let mut buf = Vec::new();
    let from_daemon = match ctx.socket_path() {
        Some(socket) => client::stream(&socket, &target, &mut buf)?.is_ok(),
        None => false,
    };
    if !from_daemon {
        buf.clear();
        let state = state::load(ctx)?;
        buf = render(args.format, &state.articles, &state.profile, at).into_bytes();
    }
    match &args.output {
        None => std::io::stdout().lock().write_all(&buf)?,
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let mut tmp = tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
            tmp.write_all(&buf)
                .and_then(|()| tmp.as_file().sync_all())
                .with_context(|| format!("writing {}", path.display()))?;
            tmp.persist(path)
                .with_context(|| format!("replacing {}", path.display()))?;
            eprintln!("wrote {} ({} bytes)", path.display(), buf.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}
