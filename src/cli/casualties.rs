//! `frontline casualties`: the casualties summary (per tally the headline, low-high, each
//! reporter's latest figure), or with `--citations KEY` one page of a figure's citations.
//!
//! Reads only: from the daemon, or from the store's kept projection when none runs.

use std::process::ExitCode;

use anyhow::Context as _;

use super::Context;
use super::client;
use super::state::{self, ViewArgs};
use crate::projection::casualties::FigureKey;
use crate::projection::casualties::kept::{self, CitationPage};
use crate::projection::views::View;

/// Arguments of `frontline casualties`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Which state, and how to print it.
    #[command(flatten)]
    pub view: ViewArgs,
    /// Instead of the summary, the citations of this figure (its key, as the summary's JSON
    /// gives it: side:group:outcome:scope:reporter:date:count)
    #[arg(long, value_name = "KEY")]
    pub citations: Option<String>,
    /// With --citations: skip this many
    #[arg(long, default_value_t = 0, requires = "citations")]
    pub offset: u64,
    /// With --citations: at most this many (1 to 1000)
    #[arg(long, default_value_t = 20, requires = "citations",
          value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub limit: u64,
}

/// Runs the command.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let Some(key) = &args.citations else {
        return state::show_view(ctx, View::Casualties, &args.view);
    };
    if args.view.as_of.at_seq.is_some() {
        anyhow::bail!("--citations answers as of a date (--as-of), not at a sequence number");
    }
    let figure: FigureKey = key.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    let date = args.view.as_of.as_of;
    let target = client::target(
        "/v1/citations",
        &[
            ("figure", Some(figure.to_string())),
            ("as_of", date.map(|d| d.to_string())),
            ("offset", Some(args.offset.to_string())),
            ("limit", Some(args.limit.to_string())),
        ],
    );
    let page: CitationPage = state::daemon_or_store(
        ctx,
        |socket| client::get::<CitationPage>(socket, &target),
        || {
            let opened = state::open(ctx)?;
            let facts = opened.store.facts(&opened.fingerprint)?;
            let limit = usize::try_from(args.limit).unwrap_or(usize::MAX);
            kept::citations(&facts, &figure, date, args.offset, limit)
                .context("reading the kept projection")?
                .ok_or_else(|| {
                    let when = date.map(|d| format!(" as of {d}")).unwrap_or_default();
                    anyhow::anyhow!("no figure {figure}{when}; `frontline casualties --json` gives each figure's key")
                })
        },
    )?;
    state::print(args.view.json, &page, super::render::citation_page)
}
