//! `frontline extract`: runs the extractor on one article's text (a file or stdin) and prints
//! what it yields, so a user can see exactly what a text gives and tune a profile.
//!
//! Reads the text and the profile; never opens the store.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

use super::{Context, render};
use crate::extract::{self, Lexicon};

/// Arguments of `frontline extract`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The article text; `-` or nothing reads standard input
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Profile file, instead of the config's `[profile] path`
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Publication date (YYYY-MM-DD, midnight in the conflict zone) or time (RFC 3339) that
    /// "on Saturday" and "at noon" resolve against [default: now]
    #[arg(long, value_name = "DATE")]
    pub published: Option<String>,
    /// Print the DESIGN.md JSON object instead of text
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let profile = ctx.profile(args.profile.as_deref())?;
    let lex = Lexicon::new(&profile).with_context(|| format!("compiling profile {}", profile.source.display()))?;
    let text = match args.file.as_deref() {
        None => read_stdin()?,
        Some(p) if p.as_os_str() == "-" => read_stdin()?,
        Some(p) => std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
    };
    let published = match args.published.as_deref() {
        None => Utc::now(),
        Some(s) => parse_published(s, profile.utc_offset_secs)?,
    };
    let extraction = extract::extract(&text, published, &lex);
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &extraction)?;
        out.write_all(b"\n")?;
    } else {
        out.write_all(render::extraction_text(&extraction).as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn read_stdin() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("reading standard input")?;
    Ok(s)
}

/// `2020-10-10` (midnight in the zone `offset_secs`) or an RFC 3339 time.
pub fn parse_published(s: &str, offset_secs: i32) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") else {
        bail!("--published {s:?}: expected YYYY-MM-DD or an RFC 3339 time like 2020-10-10T09:00:00Z");
    };
    let tz = FixedOffset::east_opt(offset_secs).context("profile timezone out of range")?;
    let local = tz
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).context("midnight exists")?)
        .single()
        .context("ambiguous local time")?;
    Ok(local.with_timezone(&Utc))
}
