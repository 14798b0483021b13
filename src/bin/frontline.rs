//! The `frontline` CLI binary: parses arguments and hands over to `frontline::cli::run`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    frontline::telemetry::init("warn");
    frontline::cli::run(frontline::cli::Cli::parse())
}
