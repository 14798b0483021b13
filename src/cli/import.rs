//! `frontline import PATH...`: backfills saved feed files (or directories of them) through the
//! running daemon's ingest path when its socket answers, else through a writer of its own on the
//! store; a progress bar on a terminal, quiet when piped.
//!
//! A file that cannot be read or parsed is reported and skipped; the others are still imported,
//! and nothing already stored changes.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use serde::Serialize;

use super::client;
use super::{Context, EXIT_ERROR};
use crate::import::{self, ImportFile, ImportReport};
use crate::matcher::Matcher;
use crate::store::{Appender, EventLog};

/// Arguments of `frontline import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Saved feed files (RSS, Atom, JSON Feed), or directories of them
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Record every article under this feed id [default: from each file name, `oc-media.xml` →
    /// `oc-media`]; use a configured feed's id to dedupe against what its polls record
    #[arg(long, value_name = "ID")]
    pub feed: Option<String>,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

/// What the command did, for `--json`.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// `daemon` or `store`.
    pub via: &'static str,
    /// Files imported.
    pub imported: Vec<ImportReport>,
    /// Files that failed, with why.
    pub failed: Vec<Failed>,
}

/// A file that could not be imported.
#[derive(Debug, Serialize)]
pub struct Failed {
    /// The file.
    pub file: String,
    /// Why.
    pub error: String,
}

// Where the appends go.
enum Sink {
    Daemon(PathBuf),
    Store {
        rt: tokio::runtime::Runtime,
        appender: Appender,
        matcher: Arc<Matcher>,
        // Each feed's identity as the daemon left it.
        identities: std::collections::BTreeMap<String, crate::feed::identity::Memory>,
    },
}

/// Runs the command. Exit status 2 when any file failed (after importing the others).
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let files = import::collect(&args.paths, args.feed.as_deref())?;
    let sink = open_sink(ctx)?;
    let bar = indicatif::ProgressBar::new(files.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("importing [{bar:40}] {pos}/{len} files ({eta} left) {msg}")
            .expect("invariant: the template is valid")
            .progress_chars("=> "),
    );
    let mut summary = Summary {
        via: match sink {
            Sink::Daemon(_) => "daemon",
            Sink::Store { .. } => "store",
        },
        imported: Vec::new(),
        failed: Vec::new(),
    };
    for file in &files {
        bar.set_message(file.path.display().to_string());
        match import_one(&sink, file) {
            Ok(report) => summary.imported.push(report),
            Err(e) => summary.failed.push(Failed {
                file: file.path.display().to_string(),
                error: format!("{e:#}"),
            }),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    // The writer syncs before it stops: everything reported as imported is durable.
    if let Sink::Store { appender, .. } = sink {
        appender.shutdown().context("syncing the store")?;
    }

    let out = if args.json {
        serde_json::to_string_pretty(&summary)? + "\n"
    } else {
        super::render::imports(&summary)
    };
    std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes())?;
    for f in &summary.failed {
        eprintln!("frontline: import {}: {}", f.file, f.error);
    }
    Ok(if summary.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_ERROR)
    })
}

// The daemon when its socket answers; else the store, with a writer and the profile's matcher
// of our own (the store's lock keeps a daemon from starting meanwhile).
fn open_sink(ctx: &Context) -> anyhow::Result<Sink> {
    let ask = |socket: &std::path::Path| {
        Ok(client::get::<serde_json::Value>(socket, "/v1/status")?.map(|_| Sink::Daemon(socket.to_path_buf())))
    };
    let open = || -> anyhow::Result<Sink> {
        let profile = ctx.profile(None)?;
        let matcher = Arc::new(
            Matcher::for_profile(&profile)
                .with_context(|| format!("compiling profile {}", profile.source.display()))?,
        );
        let store = ctx.open_store_for_writing()?;
        let identities = store
            .feed_states()?
            .into_iter()
            .map(|(id, state)| (id, state.identity))
            .collect();
        let store: Arc<dyn EventLog> = Arc::new(store);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .context("starting the import runtime")?;
        Ok(Sink::Store {
            rt,
            appender: Appender::start(store),
            matcher,
            identities,
        })
    };
    super::state::daemon_or_store(ctx, ask, open)
}

fn import_one(sink: &Sink, file: &ImportFile) -> anyhow::Result<ImportReport> {
    let body = import::read(&file.path)?;
    let origin = import::origin(&file.path);
    let shown = file.path.display().to_string();
    match sink {
        Sink::Daemon(socket) => {
            let target = client::target(
                "/v1/import",
                &[("feed", Some(file.feed.clone())), ("origin", Some(origin.to_string()))],
            );
            let mut report: ImportReport = client::post(socket, &target, body)?
                .map_err(|why| anyhow::anyhow!("the daemon went away during the import: {}", why.describe()))?;
            report.file = shown;
            Ok(report)
        }
        Sink::Store {
            rt,
            appender,
            matcher,
            identities,
        } => {
            let handle = appender.handle();
            let identity = identities.get(&file.feed).cloned().unwrap_or_default();
            let report = rt.block_on(import::ingest(&file.feed, origin, body, matcher, &handle, identity))?;
            Ok(ImportReport {
                file: shown,
                feed: file.feed.clone(),
                report,
            })
        }
    }
}
