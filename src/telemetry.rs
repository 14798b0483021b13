//! Logging set-up shared by both binaries: tracing to stderr, filtered by `RUST_LOG`
//! (default `info`), and without timestamps or colours under systemd, whose journal adds its own.
//!
//! Called once, from `main`; the library itself only emits events.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `default` is the filter used when `RUST_LOG` is unset.
pub fn init(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // systemd sets JOURNAL_STREAM when stderr goes to the journal.
    let journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(!journald && std::io::IsTerminal::is_terminal(&std::io::stderr()));
    // A second call (several tests in one process) keeps the first subscriber.
    let _ = if journald {
        builder.without_time().try_init()
    } else {
        builder.try_init()
    };
}
