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
    // A spinner with the bytes so far on a terminal; indicatif draws nothing when stderr is not
    // one, so piped output stays quiet.
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} exporting {msg}: {bytes} ({elapsed})")
            .expect("invariant: the template is valid"),
    );
    bar.set_message(args.format.name());
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    let ask = |socket: &std::path::Path| {
        let mut buf = Vec::new();
        Ok(client::stream(socket, &target, &mut bar.wrap_write(&mut buf))?.map(|()| buf))
    };
    let store = || {
        let state = state::load(ctx)?;
        let buf = render(args.format, &state.articles, &state.profile, at).into_bytes();
        bar.set_position(buf.len() as u64);
        Ok(buf)
    };
    let buf = state::daemon_or_store(ctx, ask, store)?;
    bar.finish_and_clear();
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
