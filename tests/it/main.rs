//! The integration test binary: everything that needs a store, a server, a binary or a
//! process. Pure logic is tested next to its module (`src/**/tests.rs`).

mod crash;
mod ingest;
mod store;
mod support;
