//! The integration test binary: everything that needs a store, a server, a binary or a
//! process. Pure logic is tested next to its module (`src/**/tests.rs`).

mod api;
mod cli;
mod compat;
mod config_errors;
mod crash;
mod daemon;
mod dryrun;
mod fetch;
mod import;
mod ingest;
mod kept;
mod peer_feeds;
mod polite;
mod projection;
mod readme;
mod store;
mod support;
mod systemd;
mod tidy;
