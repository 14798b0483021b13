//! What every projection command shares: the `--as-of` and `--at-seq` options, and opening the
//! store with its projection caught up (rebuilt with a progress bar when the profile or the
//! extractor changed).
//!
//! Writes only projection trees, never the log.

use anyhow::Context as _;
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};

use super::Context;
use super::client::{self, Unreachable};
use crate::profile::Profile;
use crate::projection;
use crate::projection::timeline::Window;
use crate::projection::views::{Answer, View};
use crate::projection::{ArticleFacts, AsOf, FactStore, Projector, refresh};
use crate::store::{EventLog, SledStore};

/// Arguments of the projection commands (`casualties`, `ceasefire`, `control`, `timeline`).
#[derive(Debug, Clone, clap::Args)]
pub struct ViewArgs {
    /// Which state.
    #[command(flatten)]
    pub as_of: AsOfArgs,
    /// Print JSON instead of tables
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `frontline timeline`: which state, and which page of it.
#[derive(Debug, Clone, clap::Args)]
pub struct TimelineArgs {
    /// Which state, and how to print it.
    #[command(flatten)]
    pub view: ViewArgs,
    /// Skip this many of the latest entries (page back in time)
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    /// At most this many entries (1 to 1000)
    #[arg(long, default_value_t = crate::projection::timeline::DEFAULT_LIMIT as u64,
          value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub limit: u64,
}

impl TimelineArgs {
    /// The page asked for.
    pub fn window(&self) -> Window {
        Window {
            offset: self.offset,
            limit: usize::try_from(self.limit).unwrap_or(usize::MAX),
        }
    }
}

/// Which state a projection command shows.
#[derive(Debug, Clone, clap::Args)]
pub struct AsOfArgs {
    /// The state as it stood on this date (by publication; YYYY-MM-DD) [default: now]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// The state as frontline knew it when the log ended at this sequence number (audit)
    #[arg(long, value_name = "SEQ")]
    pub at_seq: Option<u64>,
}

impl AsOfArgs {
    /// As the projection views take it.
    pub fn as_of(&self) -> AsOf {
        AsOf {
            date: self.as_of,
            seq: self.at_seq,
        }
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("{s:?} is not a date like 2020-10-10"))
}

/// The store's projected facts, caught up with the log, and the profile they were built with.
pub struct State {
    /// The profile.
    pub profile: Profile,
    /// Every article's facts.
    pub articles: Vec<ArticleFacts>,
    /// The store they were read from.
    pub store: SledStore,
    /// The projection's fingerprint.
    pub fingerprint: String,
}

/// The store with its projection caught up, not read.
pub struct Opened {
    /// The profile.
    pub profile: Profile,
    /// The store.
    pub store: SledStore,
    /// The projection's fingerprint.
    pub fingerprint: String,
}

/// Opens the store and brings its projection up to date.
pub fn open(ctx: &Context) -> anyhow::Result<Opened> {
    let profile = ctx.profile(None)?;
    let store = ctx.open_store()?;
    let projector =
        Projector::new(&profile).with_context(|| format!("compiling profile {}", profile.source.display()))?;
    update(&store, &projector, false)?;
    Ok(Opened {
        profile,
        store,
        fingerprint: projector.fingerprint().to_string(),
    })
}

/// Opens the store, brings its projection up to date, and loads every article's facts.
pub fn load(ctx: &Context) -> anyhow::Result<State> {
    let Opened {
        profile,
        store,
        fingerprint,
    } = open(ctx)?;
    let facts = store.facts(&fingerprint)?;
    Ok(State {
        articles: facts.all().context("reading the projection")?,
        profile,
        store,
        fingerprint,
    })
}

/// Runs a view command: the answer from the daemon (`/v1/<view>`) or, when none runs, from the
/// store, printed as JSON or as tables.
pub fn show_view(ctx: &Context, view: View, args: &ViewArgs) -> anyhow::Result<std::process::ExitCode> {
    show_page(ctx, view, args, Window::default())
}

/// Runs a view command, asking a paged view (the timeline) for the page `window`.
pub fn show_page(ctx: &Context, view: View, args: &ViewArgs, window: Window) -> anyhow::Result<std::process::ExitCode> {
    let at = args.as_of.as_of();
    let mut params = client::as_of_params(at).to_vec();
    if view.pages() {
        params.push(("offset", Some(window.offset.to_string())));
        params.push(("limit", Some(window.limit.to_string())));
    }
    let target = client::target(&format!("/v1/{}", view.name()), &params);
    let answer = daemon_or_store(
        ctx,
        |socket| {
            let mut body = Vec::new();
            Ok(match client::stream(socket, &target, &mut body)? {
                Ok(()) => Ok(view
                    .decode(&body)
                    .with_context(|| format!("decoding the daemon's answer to {target}"))?),
                Err(u) => Err(u),
            })
        },
        || answer_from_store(ctx, view, at, window),
    )?;
    print(args.json, &answer, super::render::answer)
}

/// A view's answer from the store: from the kept state; at a seq, with the events after it taken
/// back out (`projection::audit`).
pub fn answer_from_store(ctx: &Context, view: View, at: AsOf, window: Window) -> anyhow::Result<Answer> {
    let opened = open(ctx)?;
    let facts = opened.store.facts(&opened.fingerprint)?;
    if !at.is_audit() {
        return view
            .from_kept(&facts, &opened.profile, at, window)
            .context("reading the kept projection");
    }
    projection::audit::answer(&opened.store, &facts, &opened.profile, view, at, window)
        .context("reading the kept projection and the log")
}

/// Catches the projection of `projector` up with the log (from scratch when `rebuild`), with a
/// progress bar on a terminal, and drops projections of other fingerprints. Returns the number of
/// events applied.
pub fn update(store: &SledStore, projector: &Projector, rebuild: bool) -> anyhow::Result<u64> {
    let head = store.head()?;
    let checkpoint = if rebuild {
        0
    } else {
        store.facts(projector.fingerprint())?.checkpoint()?
    };
    let bar = if head > checkpoint {
        let bar = ProgressBar::new(head - checkpoint);
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} events ({per_sec}, {eta} left)")
                .expect("invariant: the template is valid")
                .progress_chars("=> "),
        );
        bar.set_message(if checkpoint == 0 {
            "building projections"
        } else {
            "updating projections"
        });
        Some(bar)
    } else {
        None
    };
    let applied = refresh(store, projector, rebuild, &mut |done, _| {
        if let Some(b) = &bar {
            b.set_position(done);
        }
        true
    })
    .context("updating projections")?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(applied)
}

/// Asks the running daemon for `target` when its socket answers; else loads the state from the
/// store and calls `build`.
pub fn from_daemon_or_store<V: serde::de::DeserializeOwned>(
    ctx: &Context,
    target: &str,
    build: impl FnOnce(&State) -> anyhow::Result<V>,
) -> anyhow::Result<V> {
    daemon_or_store(ctx, |socket| client::get::<V>(socket, target), || build(&load(ctx)?))
}

/// The one way the CLI chooses between the daemon and the store: `ask` the daemon when a socket
/// is configured; when none answers (no socket, a stale one) run `store`; when the socket
/// refuses this user, run `store` too and, if that fails, say both in the one error line.
pub fn daemon_or_store<T>(
    ctx: &Context,
    ask: impl FnOnce(&std::path::Path) -> anyhow::Result<Result<T, Unreachable>>,
    store: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let mut denied = None;
    if let Some(socket) = ctx.socket_path() {
        match ask(&socket)? {
            Ok(answer) => return Ok(answer),
            Err(Unreachable::PermissionDenied) => denied = Some(socket),
            Err(Unreachable::Missing | Unreachable::Stale) => {}
        }
    }
    store().map_err(|e| match &denied {
        Some(socket) => e.context(format!(
            "the daemon's socket {} refused this user (permission denied; join its group or use sudo)",
            socket.display()
        )),
        None => e,
    })
}

/// Prints `view` as pretty JSON or through `render`.
pub fn print<V: serde::Serialize>(
    json: bool,
    view: &V,
    render: impl FnOnce(&V) -> String,
) -> anyhow::Result<std::process::ExitCode> {
    use std::io::Write;
    let out = if json {
        serde_json::to_string_pretty(view)? + "\n"
    } else {
        render(view)
    };
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(std::process::ExitCode::SUCCESS)
}
