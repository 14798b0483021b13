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
    // Written as it arrives: to stdout, or to a temporary sibling of the file renamed into place
    // once complete, so a failed export never leaves a short file.
    let mut file = match &args.output {
        None => None,
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            Some(
                tempfile::NamedTempFile::new_in(dir)
                    .with_context(|| format!("creating a temporary file in {}", dir.display()))?,
            )
        }
    };
    let written = {
        let sink: Box<dyn Write> = match &mut file {
            Some(tmp) => Box::new(std::io::BufWriter::new(tmp.as_file_mut())),
            None => Box::new(std::io::stdout().lock()),
        };
        let out = std::cell::RefCell::new(bar.wrap_write(sink));
        let ask = |socket: &std::path::Path| client::stream(socket, &target, &mut *out.borrow_mut());
        let store = || {
            let mut out = out.borrow_mut();
            if !at.is_audit() {
                // Written from the kept state as it is read (an audit at a seq folds the log).
                let opened = state::open(ctx)?;
                let facts = opened.store.facts(&opened.fingerprint)?;
                crate::projection::export::kept::write(args.format, &facts, &opened.profile, at.date, &mut *out)?;
            } else {
                let state = state::load(ctx)?;
                out.write_all(render(args.format, &state.articles, &state.profile, at).as_bytes())?;
            }
            Ok(())
        };
        state::daemon_or_store(ctx, ask, store)?;
        let mut out = out.into_inner();
        out.flush()?;
        bar.position()
    };
    bar.finish_and_clear();
    if let (Some(tmp), Some(path)) = (file, &args.output) {
        tmp.as_file()
            .sync_all()
            .with_context(|| format!("writing {}", path.display()))?;
        tmp.persist(path)
            .with_context(|| format!("replacing {}", path.display()))?;
        eprintln!("wrote {} ({written} bytes)", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
