//! `frontline articles` (the articles the projection holds, filtered and paged) and
//! `frontline show STREAM` (one article: its text and every version's facts).
//!
//! Ask the running daemon when it answers, else read the store; never write the log.

use std::process::ExitCode;

use anyhow::anyhow;
use chrono::NaiveDate;

use super::{Context, client, render, state};
use crate::projection::articles::{ArticleDetail, ArticleFilter, ArticlesView, list};

/// Arguments of `frontline articles`.
#[derive(Debug, clap::Args)]
pub struct ArticlesArgs {
    /// Only this feed (its id)
    #[arg(long)]
    pub feed: Option<String>,
    /// Published on or after this date (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub since: Option<NaiveDate>,
    /// Published on or before this date (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub until: Option<NaiveDate>,
    /// Words that must all appear in the title or the link
    #[arg(long)]
    pub text: Option<String>,
    /// Skip this many matching articles
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Show at most this many (at most 1000)
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `frontline show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The article's stream id, as `frontline articles` prints it (`feed/key`)
    pub stream: String,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// Runs `frontline articles`.
pub fn run_list(args: ArticlesArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let filter = ArticleFilter {
        feed: args.feed,
        since: args.since,
        until: args.until,
        text: args.text,
        offset: args.offset,
        limit: args.limit,
    };
    let target = client::target(
        "/v1/articles",
        &[
            ("feed", filter.feed.clone()),
            ("since", filter.since.map(|d| d.to_string())),
            ("until", filter.until.map(|d| d.to_string())),
            ("text", filter.text.clone()),
            ("offset", Some(filter.offset.to_string())),
            ("limit", Some(filter.limit.to_string())),
        ],
    );
    let view: ArticlesView = state::from_daemon_or_store(ctx, &target, |s| Ok(list(&s.articles, &filter)))?;
    state::print(args.json, &view, render::articles)
}

/// Runs `frontline show`.
pub fn run_show(args: ShowArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let target = client::target("/v1/article", &[("stream", Some(args.stream.clone()))]);
    let missing = || anyhow!("no article {:?}; `frontline articles` lists them", args.stream);
    let detail: Option<ArticleDetail> = match state::from_daemon_or_store(ctx, &target, |s| {
        let facts = s.store.facts(&s.fingerprint)?;
        crate::projection::articles::detail(&s.store, &facts, &args.stream).map_err(anyhow::Error::new)
    }) {
        Ok(d) => d,
        // The daemon says 404 for an unknown article; the store says None.
        Err(e) if e.downcast_ref::<client::DaemonError>().is_some_and(|d| d.status == 404) => None,
        Err(e) => return Err(e),
    };
    let detail = detail.ok_or_else(missing)?;
    state::print(args.json, &detail, render::article)
}
