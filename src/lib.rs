//! frontline: follows an armed conflict from news feeds. Feeds are polled, the articles that
//! match the conflict's profile are kept as an immutable, replayable event log on sled, and
//! (in later modules) the state of the conflict is derived from that log.
//!
//! Data flow: `config` → `daemon` (scheduling) → `feed::fetch` → `feed::parse` → `matcher`
//! → `store` (via `ingest`). The CLI (`cli`) reads the store. See ARCHITECTURE.md.

pub mod api;
pub mod article;
pub mod bench;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod event;
pub mod extract;
pub mod feed;
pub mod import;
pub mod ingest;
pub mod matcher;
pub mod memory;
pub mod opml;
pub mod profile;
pub mod projection;
pub mod protocol;
pub mod store;
pub mod telemetry;
pub mod units;
