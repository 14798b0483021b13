//! `frontline casualties`, `frontline claims` and `frontline ceasefire`: the view's summary, or
//! with `--citations KEY` one page of what stands behind one figure (its citations), one claim
//! group (its claims) or one truce (its reports).
//!
//! Reads only: from the daemon, or from the store's kept projection when none runs.

use std::process::ExitCode;

use anyhow::Context as _;

use super::Context;
use super::client;
use super::state::{self, ViewArgs};
use crate::projection::casualties::FigureKey;
use crate::projection::casualties::kept::{self as casualties_kept, CitationPage};
use crate::projection::ceasefire::kept::{self as ceasefire_kept, ReportPage};
use crate::projection::mentions::kept::{self as mentions_kept, ClaimPage};
use crate::projection::views::View;

/// Arguments of `frontline casualties`, `frontline claims` and `frontline ceasefire`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Which state, and how to print it.
    #[command(flatten)]
    pub view: ViewArgs,
    /// Instead of the summary, what stands behind this key (as the summary's JSON gives it): a
    /// casualty figure's citations (side:group:outcome:scope:reporter:date:count), a claim
    /// group's claims (kind:by:against), or a truce's reports (its id, truce-DATE)
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

/// Runs `view`'s command (casualties, claims or ceasefire).
pub fn run(view: View, args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let Some(key) = &args.citations else {
        return state::show_view(ctx, view, &args.view);
    };
    if args.view.as_of.at_seq.is_some() {
        anyhow::bail!("--citations answers as of a date (--as-of), not at a sequence number");
    }
    let date = args.view.as_of.as_of;
    let limit = usize::try_from(args.limit).unwrap_or(usize::MAX);
    let when = date.map(|d| format!(" as of {d}")).unwrap_or_default();
    let params = |name: &'static str, key: String| {
        client::target(
            "/v1/citations",
            &[
                (name, Some(key)),
                ("as_of", date.map(|d| d.to_string())),
                ("offset", Some(args.offset.to_string())),
                ("limit", Some(args.limit.to_string())),
            ],
        )
    };
    if view == View::Ceasefire {
        let target = params("truce", key.clone());
        let page: ReportPage = state::daemon_or_store(
            ctx,
            |socket| client::get::<ReportPage>(socket, &target),
            || {
                let opened = state::open(ctx)?;
                let facts = opened.store.facts(&opened.fingerprint)?;
                ceasefire_kept::citations(&facts, key, date, args.offset, limit)
                    .context("reading the kept projection")?
                    .ok_or_else(|| anyhow::anyhow!("no truce {key}{when}; `frontline ceasefire` lists each truce's id"))
            },
        )?;
        return state::print(args.view.json, &page, super::render::report_page);
    }
    if view == View::Claims {
        crate::projection::mentions::parse_claim_group_key(key).map_err(|e| anyhow::anyhow!(e))?;
        let target = params("claims", key.clone());
        let page: ClaimPage = state::daemon_or_store(
            ctx,
            |socket| client::get::<ClaimPage>(socket, &target),
            || {
                let opened = state::open(ctx)?;
                let facts = opened.store.facts(&opened.fingerprint)?;
                mentions_kept::claim_page(&facts, key, date, args.offset, limit)
                    .context("reading the kept projection")?
                    .ok_or_else(|| {
                        anyhow::anyhow!("no claim group {key}{when}; `frontline claims --json` gives each group's key")
                    })
            },
        )?;
        return state::print(args.view.json, &page, super::render::claim_page);
    }
    let figure: FigureKey = key.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    let target = params("figure", figure.to_string());
    let page: CitationPage = state::daemon_or_store(
        ctx,
        |socket| client::get::<CitationPage>(socket, &target),
        || {
            let opened = state::open(ctx)?;
            let facts = opened.store.facts(&opened.fingerprint)?;
            casualties_kept::citations(&facts, &figure, date, args.offset, limit)
                .context("reading the kept projection")?
                .ok_or_else(|| {
                    anyhow::anyhow!("no figure {figure}{when}; `frontline casualties --json` gives each figure's key")
                })
        },
    )?;
    state::print(args.view.json, &page, super::render::citation_page)
}
