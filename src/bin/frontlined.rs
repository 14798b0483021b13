//! The `frontlined` daemon binary: arguments, logging, signals (SIGTERM/SIGINT stop it, SIGHUP
//! reloads the config); the work is `frontline::daemon::run`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use frontline::config::{self, Config};
use frontline::profile::Profile;

/// frontlined: poll news feeds and keep the articles about one conflict as an event log.
#[derive(Debug, Parser)]
#[command(name = "frontlined", version)]
struct Args {
    /// Config file [default: $FRONTLINE_CONFIG, else /etc/frontline/frontline.toml if it
    /// exists, else config/frontline.toml]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Store directory, instead of the config's `[store] path`
    #[arg(long, value_name = "PATH")]
    store: Option<PathBuf>,
    /// API socket, instead of the config's `[api] socket`
    #[arg(long, value_name = "PATH")]
    socket: Option<PathBuf>,
    /// Validate the config and the profile, print a summary, and exit (0 valid, 1 invalid)
    #[arg(long)]
    check_config: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    frontline::telemetry::init("info");
    // Panics are contained where they can happen (feed parsing, each poll, the store writer);
    // route their report through the log instead of bare stderr, so the journal keeps it with
    // its context.
    std::panic::set_hook(Box::new(|info| tracing::error!(panic = %info, "panic (contained)")));
    let path = args.config.clone().unwrap_or_else(config::default_path);
    let loaded = Config::load(&path).map_err(anyhow::Error::new).and_then(|mut config| {
        if let Some(store) = &args.store {
            config.store.path = store.clone();
        }
        if let Some(socket) = &args.socket {
            config.socket = socket.clone();
        }
        let profile = Profile::load(&config.profile_path).with_context(|| {
            format!(
                "loading the profile named by [profile] path in {}",
                config.source.display()
            )
        })?;
        Ok((config, profile))
    });
    let (config, profile) = match loaded {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("frontlined: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    if args.check_config {
        println!(
            "{}: ok: {} feeds, profile {:?} ({} topic rules, hash {}), store {}",
            config.source.display(),
            config.feeds.len(),
            profile.id,
            profile.topics.len(),
            profile.hash(),
            config.store.path.display()
        );
        return ExitCode::SUCCESS;
    }
    match run(config, profile, args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "daemon failed");
            eprintln!("frontlined: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(config: Config, profile: Profile, args: Args) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(blocking_threads())
        .build()
        .context("starting the async runtime")?
        .block_on(serve(config, profile, args))
}

// tokio's default pool of up to 512 blocking threads suits blocking I/O. Ours is CPU work
// (parsing, extraction, view folds) on a few cores, and every extra thread keeps its own stack,
// regex caches and share of the allocator: with 1,000 feeds polled 16 at a time the pool grew
// to one thread per poll in flight and peak RSS to 64 MiB; at 8 it is 57-60 MiB for the same
// CPU (BENCHMARKS.md). Eight still leaves room for parsers stuck past their deadline (each
// holds its thread until it returns); should all be stuck, the watchdog sees the pool stop
// answering and systemd restarts the daemon.
fn blocking_threads() -> usize {
    std::thread::available_parallelism().map_or(8, |n| (2 * n.get()).max(8))
}

async fn serve(config: Config, profile: Profile, args: Args) -> anyhow::Result<()> {
    let shutdown = shutdown_signal().context("installing signal handlers")?;
    let reloads = reload_on_sighup(config.source.clone(), args).context("installing signal handlers")?;
    frontline::daemon::run(config, profile, shutdown, reloads).await
}

// On every SIGHUP: reads the config again (with the same --store and --socket overrides) and
// hands it to the daemon; a config that does not load is logged, file:line:key, and ignored, so
// the daemon keeps running on the one it has.
fn reload_on_sighup(path: PathBuf, args: Args) -> std::io::Result<tokio::sync::mpsc::Receiver<Config>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hup = signal(SignalKind::hangup())?;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            match Config::load(&path) {
                Ok(mut config) => {
                    if let Some(store) = &args.store {
                        config.store.path = store.clone();
                    }
                    if let Some(socket) = &args.socket {
                        config.socket = socket.clone();
                    }
                    tracing::info!(config = %path.display(), "SIGHUP: reloading the config");
                    if tx.send(config).await.is_err() {
                        return;
                    }
                }
                Err(e) => tracing::error!(error = %e, "SIGHUP: the config does not load; keeping the running one"),
            }
        }
    });
    Ok(rx)
}

// Resolves on the first SIGTERM (systemd stop) or SIGINT (Ctrl-C).
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}
