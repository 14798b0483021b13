//! Getting articles out of feeds: `fetch` brings the bytes, `parse` turns them into Articles.
//!
//! Nothing here matches, dedupes or stores; that is `ingest`'s job.

pub mod dates;
pub mod fetch;
pub mod hosts;
pub mod identity;
pub mod normalize;
pub mod parse;
pub mod schedule;
pub mod state;

pub use fetch::{FetchError, Fetched, Fetcher};
pub use parse::{ParseError, ParsedFeed, parse, parse_document};
