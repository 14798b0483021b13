//! `frontline events`: lists the log, oldest first, as lines or JSON Lines; through the running
//! daemon when it answers, which `--follow` needs to see new events as they are appended.
//!
//! Streams page by page, so listing a large log takes constant memory. Read-only.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context as _;

use super::{Context, client, render};
use crate::store::EventLog;

/// Arguments of `frontline events`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only events with a sequence number greater than SEQ
    #[arg(long, value_name = "SEQ", default_value_t = 0)]
    pub after: u64,
    /// At most N events
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print JSON Lines (one event per line) instead of text
    #[arg(long)]
    pub json: bool,
    /// Keep going: print new events as the running daemon appends them (Ctrl-C to stop)
    #[arg(long)]
    pub follow: bool,
}

const PAGE: usize = 512;

/// Runs the command: through the running daemon when its socket answers (required for
/// `--follow`), else from the store.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    if let Some(socket) = ctx.socket_path() {
        let target = client::target(
            "/v1/events",
            &[
                ("after", Some(args.after.to_string())),
                ("limit", args.limit.map(|n| n.to_string())),
                ("follow", args.follow.then(|| "true".to_string())),
                ("format", (!args.json).then(|| "text".to_string())),
            ],
        );
        let mut out = std::io::stdout().lock();
        match client::stream(&socket, &target, &mut out)? {
            Ok(()) => return Ok(ExitCode::SUCCESS),
            Err(why) if args.follow => {
                anyhow::bail!(
                    "--follow needs the running daemon, and none answers on {}: {}",
                    socket.display(),
                    why.describe()
                )
            }
            Err(_) => {}
        }
    } else if args.follow {
        anyhow::bail!("--follow needs the running daemon: pass --socket PATH or a config with [api] socket");
    }
    let store = ctx.open_store()?;
    let head = store.head()?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut after = args.after;
    let mut remaining = args.limit.unwrap_or(usize::MAX);
    let width = head.to_string().len();
    while remaining > 0 {
        let page = store
            .read_after(after, remaining.min(PAGE))
            .context("reading the log (run `frontline verify` for details)")?;
        let Some(last) = page.last() else { break };
        after = last.header.seq;
        remaining -= page.len();
        for event in &page {
            if args.json {
                // Serialise first, then write: a closed pipe then surfaces as the io::Error it is
                // (serde_json's writer turns some io errors into its own).
                let mut line = serde_json::to_vec(&render::EventJson::from(event))?;
                line.push(b'\n');
                out.write_all(&line)?;
            } else {
                writeln!(out, "{}", render::event_line(event, width))?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
