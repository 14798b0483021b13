//! The integration test binary: everything that needs a store, a server, a binary or a process.
