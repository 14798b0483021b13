//! The `frontline` command line: argument definitions (clap derive), the shared `Context`
//! (which store, which config), and dispatch to one module per subcommand.
//!
//! Commands stay thin: the work lives in the library, output formatting in `render`.
//! Exit status: 0 success, 1 a check found problems (`verify`), 2 an error.

pub mod articles;
pub mod citations;
pub mod client;
pub mod dryrun;
pub mod events;
pub mod export;
pub mod extract;
pub mod import;
pub mod rebuild;
pub mod render;
pub mod state;
pub mod verify;

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, anyhow};
use clap::{Args, Parser, Subcommand};

use crate::config::{self, Config};
use crate::profile::Profile;
use crate::projection::views::View;
use crate::store::{SledStore, StoreError};
use crate::units::ByteSize;

/// frontline: follow an armed conflict from news feeds.
#[derive(Debug, Parser)]
#[command(
    name = "frontline",
    version,
    after_help = "Exit status: 0 success, 1 a check found problems (verify), 2 an error."
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file [default: $FRONTLINE_CONFIG, else /etc/frontline/frontline.toml if it
    /// exists, else config/frontline.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Store directory, instead of the config's `[store] path`
    #[arg(long, global = true, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// The daemon's API socket, instead of the config's `[api] socket`
    #[arg(long, global = true, value_name = "PATH")]
    pub socket: Option<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the events in the log, oldest first
    Events(events::Args),
    /// Check the log for damage: checksums, gaps, index consistency
    Verify(verify::Args),
    /// Show the facts the extractor finds in one article's text
    Extract(extract::Args),
    /// Casualties per side, group and outcome, by whose count, with sources; a figure's citations
    Casualties(citations::Args),
    /// Truces: brokers, effective time, status, violations, with sources; a truce's reports
    Ceasefire(citations::Args),
    /// Places: who holds them or whether they are contested, with sources
    Control(state::ViewArgs),
    /// The first report of each notable fact, dated, with sources
    Timeline(state::TimelineArgs),
    /// The articles held, newest first: filter by feed, dates and words; paged
    Articles(articles::ArticlesArgs),
    /// One article: its text and the facts of each of its versions
    Show(articles::ShowArgs),
    /// Write the projection for other tools: every fact as JSON Lines, or places as GeoJSON
    Export(export::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) for frontline
    Man,
    /// The running daemon: uptime, events, projection, every feed's health
    Status(StatusArgs),
    /// Actors in the news: mentions, articles, first and last seen
    Actors(state::ViewArgs),
    /// Places in the news: mentions, articles, first and last seen, coordinates
    Locations(state::ViewArgs),
    /// Accusations and denials, by whom against whom, with sources; a group's claims
    Claims(citations::Args),
    /// Rebuild the projections from the whole log
    Rebuild(rebuild::Args),
    /// Every configured feed with its health, last success, last error and counts
    Feeds(StatusArgs),
    /// Which topic rule keeps or rejects each article of a saved feed or text file, and why
    Match(dryrun::MatchArgs),
    /// Feed tools: test a URL without recording anything; OPML import and export
    #[command(subcommand)]
    Feed(FeedCommand),
    /// Import saved feed files or directories of them (backfill), through the daemon when it runs
    Import(import::Args),
}

/// Exit status for a check that found problems.
/// `frontline feed ...`.
#[derive(Debug, Subcommand)]
pub enum FeedCommand {
    /// Fetch and parse one feed as a poll would, and show what would be recorded (nothing is)
    Test(dryrun::TestArgs),
    /// Print the configured feeds as OPML 2.0
    ExportOpml,
    /// Print the feeds of an OPML file as [[feed]] tables to add to the config (only new ones)
    ImportOpml {
        /// The OPML file
        file: PathBuf,
    },
}

pub const EXIT_PROBLEMS: u8 = 1;
/// Exit status for an error.
pub const EXIT_ERROR: u8 = 2;

/// Runs `cli`, printing any error as one line on stderr.
pub fn run(cli: Cli) -> ExitCode {
    let ctx = Context { global: cli.global };
    let result = match cli.command {
        Command::Events(args) => events::run(args, &ctx),
        Command::Verify(args) => verify::run(args, &ctx),
        Command::Extract(args) => extract::run(args, &ctx),
        Command::Casualties(args) => citations::run(View::Casualties, args, &ctx),
        Command::Ceasefire(args) => citations::run(View::Ceasefire, args, &ctx),
        Command::Control(args) => state::show_view(&ctx, View::Control, &args),
        Command::Status(args) => status(&ctx, &args),
        Command::Export(args) => export::run(args, &ctx),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "frontline",
                &mut out,
            );
            io::Write::write_all(&mut io::stdout().lock(), &out)
                .map(|()| ExitCode::SUCCESS)
                .map_err(anyhow::Error::new)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut out)
                .map_err(anyhow::Error::new)
                .and_then(|()| io::Write::write_all(&mut io::stdout().lock(), &out).map_err(anyhow::Error::new))
                .map(|()| ExitCode::SUCCESS)
        }
        Command::Articles(args) => articles::run_list(args, &ctx),
        Command::Show(args) => articles::run_show(args, &ctx),
        Command::Actors(args) => state::show_view(&ctx, View::Actors, &args),
        Command::Locations(args) => state::show_view(&ctx, View::Locations, &args),
        Command::Claims(args) => citations::run(View::Claims, args, &ctx),
        Command::Timeline(args) => state::show_page(&ctx, View::Timeline, &args.view, args.window()),
        Command::Rebuild(args) => rebuild::run(args, &ctx),
        Command::Import(args) => import::run(args, &ctx),
        Command::Feeds(args) => feeds(&ctx, &args),
        Command::Match(args) => dryrun::run_match(args, &ctx),
        Command::Feed(FeedCommand::Test(args)) => dryrun::run_test(args, &ctx),
        Command::Feed(FeedCommand::ExportOpml) => ctx.config().and_then(|c| {
            let out = crate::opml::export(&c.feeds, "frontline feeds");
            io::Write::write_all(&mut io::stdout().lock(), out.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }),
        Command::Feed(FeedCommand::ImportOpml { file }) => ctx.config().and_then(|c| {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let outlines = crate::opml::import(&text).with_context(|| file.display().to_string())?;
            let toml = crate::opml::to_toml(&outlines, &c.feeds);
            if toml.is_empty() {
                eprintln!("every feed of {} is already in {}", file.display(), c.source.display());
            }
            io::Write::write_all(&mut io::stdout().lock(), toml.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }),
    };
    match result {
        Ok(code) => code,
        // `frontline events | head` closes the pipe early; that is success, not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("frontline: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Arguments of `frontline status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON instead of tables
    #[arg(long)]
    pub json: bool,
}

// Only the daemon knows its status: without one answering, say why in one line.
fn status(ctx: &Context, args: &StatusArgs) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    let socket = ctx
        .socket_path()
        .ok_or_else(|| anyhow!("no API socket: pass --socket PATH or a config with [api] socket"))?;
    let body: crate::protocol::StatusBody = match client::get(&socket, "/v1/status")? {
        Ok(b) => b,
        Err(why) => anyhow::bail!("no daemon answers on {}: {}", socket.display(), why.describe()),
    };
    let out = if args.json {
        serde_json::to_string_pretty(&body)? + "\n"
    } else {
        render::status(&body)
    };
    io::stdout().lock().write_all(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

// The feeds with their health from the daemon; without one, the config's feeds and the store's
// article counts, health unknown.
fn feeds(ctx: &Context, args: &StatusArgs) -> anyhow::Result<ExitCode> {
    use crate::protocol::feeds;
    let view: feeds::FeedsView = state::from_daemon_or_store(ctx, "/v1/feeds", |s| {
        let config = ctx.config()?;
        let states = s.store.feed_states()?;
        Ok(feeds::view(
            &config.feeds,
            &states,
            false,
            &feeds::article_counts(&s.articles),
        ))
    })?;
    state::print(args.json, &view, render::feeds)
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            // JSON output fails inside serde_json, which wraps the I/O error.
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(io::ErrorKind::BrokenPipe))
    })
}

/// What every command needs to find its data.
#[derive(Debug)]
pub struct Context {
    global: GlobalArgs,
}

// The CLI opens the store briefly and reads little; a small cache is plenty.
const CLI_CACHE: ByteSize = ByteSize::mib(16);

impl Context {
    /// The store directory: `--store`, else the config's.
    pub fn store_path(&self) -> anyhow::Result<PathBuf> {
        if let Some(p) = &self.global.store {
            return Ok(p.clone());
        }
        let path = self.global.config.clone().unwrap_or_else(config::default_path);
        let config = Config::load(&path)
            .with_context(|| "finding the store (pass --store PATH to skip the config)".to_string())?;
        Ok(config.store.path)
    }

    /// The daemon's API socket to ask first, if any: `--socket`, else the config's, unless
    /// `--store` names a store to read directly.
    pub fn socket_path(&self) -> Option<PathBuf> {
        if let Some(p) = &self.global.socket {
            return Some(p.clone());
        }
        if self.global.store.is_some() {
            return None;
        }
        self.config().ok().map(|c| c.socket)
    }

    /// The config, from `--config` or the default path.
    pub fn config(&self) -> anyhow::Result<Config> {
        let path = self.global.config.clone().unwrap_or_else(config::default_path);
        Ok(Config::load(&path)?)
    }

    /// The profile: `explicit` if given, else the one the config names.
    pub fn profile(&self, explicit: Option<&std::path::Path>) -> anyhow::Result<Profile> {
        match explicit {
            Some(p) => Ok(Profile::load(p)?),
            None => {
                let config = self
                    .config()
                    .context("finding the profile (pass --profile FILE to skip the config)")?;
                Profile::load(&config.profile_path).with_context(|| {
                    format!(
                        "loading the profile named by [profile] path in {}",
                        config.source.display()
                    )
                })
            }
        }
    }

    /// Opens the existing store for reading, with a clear message when the daemon holds it or
    /// there is none.
    pub fn open_store(&self) -> anyhow::Result<SledStore> {
        let path = self.store_path()?;
        SledStore::open_existing(&path, CLI_CACHE).map_err(|e| store_error(&path, e))
    }

    /// Opens the store for appending, creating it if there is none yet (an archive may be
    /// imported before the daemon ever ran).
    pub fn open_store_for_writing(&self) -> anyhow::Result<SledStore> {
        let path = self.store_path()?;
        SledStore::open(&path, CLI_CACHE).map_err(|e| store_error(&path, e))
    }
}

// One line on why the store at `store` cannot be opened.
fn store_error(store: &std::path::Path, e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Locked { path, holder } => anyhow!(
            "store {} is in use by another process{} (a running frontlined holds it); stop the daemon to use this command",
            path.display(),
            holder.map(|p| format!(", pid {p}")).unwrap_or_default()
        ),
        StoreError::Missing { path } => anyhow!(
            "no store at {}: frontlined has not run with this config yet (or pass --store PATH)",
            path.display()
        ),
        other => anyhow::Error::new(other).context(format!("opening store {}", store.display())),
    }
}
