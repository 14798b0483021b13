//! Dry runs that append nothing: `frontline match --explain FILE` (which rule kept or rejected
//! each article of a saved feed or text, and why) and `frontline feed test URL` (fetch and parse
//! one feed as a poll would, and show what would be recorded).
//!
//! Reads the config and the profile; never opens the store.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use serde::Serialize;

use super::Context;
use crate::article::{Article, ArticleKey};
use crate::config::FeedConfig;
use crate::feed::{self, Fetcher};
use crate::matcher::{Explanation, Matcher};

/// Arguments of `frontline match`.
#[derive(Debug, clap::Args)]
pub struct MatchArgs {
    /// A saved feed document, or a plain-text article (first line: the title); `-` for stdin
    pub file: PathBuf,
    /// Show every rule's conditions and what they found
    #[arg(long)]
    pub explain: bool,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `frontline feed test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// The feed's URL (http, https or file)
    pub url: String,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// One article's verdict.
#[derive(Debug, Serialize)]
pub struct ArticleVerdict {
    /// Its title.
    pub title: Option<String>,
    /// Its stream (feed/key) as it would be recorded.
    pub stream: String,
    /// Publication date as read.
    pub published: Option<chrono::DateTime<chrono::Utc>>,
    /// Why it is kept or not.
    #[serde(flatten)]
    pub explanation: Explanation,
}

/// What `feed test` found.
#[derive(Debug, Serialize)]
pub struct FeedTest {
    /// HTTP status (200, or 304 never: no validators are sent).
    pub status: u16,
    /// Where the document came from after redirects.
    pub final_url: String,
    /// Redirects followed.
    pub redirects: Vec<String>,
    /// Validators the server sent.
    pub validators: feed::state::Validators,
    /// Hints from the answer and the document.
    pub hints: feed::schedule::Hints,
    /// Entries in the document.
    pub entries: usize,
    /// Articles the topic rules keep: what a poll would record (new, or a revision if stored
    /// with other content).
    pub would_record: usize,
    /// Every article's verdict.
    pub articles: Vec<ArticleVerdict>,
}

fn verdicts(matcher: &Matcher, articles: &[Article]) -> Vec<ArticleVerdict> {
    articles
        .iter()
        .map(|a| ArticleVerdict {
            title: a.title.clone(),
            stream: a.stream(),
            published: a.published_at,
            explanation: matcher.explain(a),
        })
        .collect()
}

fn matcher(ctx: &Context) -> anyhow::Result<Matcher> {
    let profile = ctx.profile(None)?;
    Matcher::for_profile(&profile).with_context(|| format!("compiling profile {}", profile.source.display()))
}

/// Runs `frontline match`.
pub fn run_match(args: MatchArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let body = if args.file.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut b).context("reading stdin")?;
        b
    } else {
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?
    };
    let matcher = matcher(ctx)?;
    // A feed document if it parses as one; otherwise one plain-text article.
    let articles = match feed::parse("file", &body, None) {
        Ok(parsed) => parsed.articles,
        Err(_) => {
            let text = String::from_utf8_lossy(&body);
            let (title, rest) = text.split_once('\n').unwrap_or((&text, ""));
            vec![Article {
                feed: "file".into(),
                key: ArticleKey::derive(None, None, Some(title), None),
                guid: None,
                link: None,
                title: Some(title.trim().to_string()),
                text: rest.trim().to_string(),
                authors: vec![],
                categories: vec![],
                published_at: None,
                updated_at: None,
            }]
        }
    };
    let verdicts = verdicts(&matcher, &articles);
    let out = if args.json {
        serde_json::to_string_pretty(&verdicts)? + "\n"
    } else {
        render(&verdicts, args.explain)
    };
    std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `frontline feed test`.
pub fn run_test(args: TestArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let config = ctx.config()?;
    // A relative `file:` URL is relative to the working directory here.
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| url::Url::from_directory_path(d).ok());
    let url =
        crate::config::parse_feed_url(&args.url, cwd.as_ref()).map_err(|m| anyhow::anyhow!("{}: {m}", args.url))?;
    // A configured feed keeps its id and limits; any other URL gets the defaults.
    let feed = config
        .feeds
        .iter()
        .find(|f| f.url == url)
        .cloned()
        .unwrap_or(FeedConfig {
            id: "test".into(),
            name: "test".into(),
            url,
            interval: std::time::Duration::from_secs(900),
            timeout: std::time::Duration::from_secs(30),
            max_body: 10 * 1024 * 1024,
            max_entries: config.poll.max_entries,
        });
    let matcher = Arc::new(matcher(ctx)?);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let fetcher = Fetcher::new(&config.poll)?;
    let fetched = rt
        .block_on(fetcher.fetch(&feed, &Default::default()))
        .with_context(|| format!("fetching {}", feed.url))?;
    let parsed = feed::parse_document(
        &feed.id,
        &fetched.body,
        Some(&fetched.final_url),
        fetched.charset.as_deref(),
    )
    .with_context(|| format!("parsing {}", fetched.final_url))?;
    let mut articles = parsed.articles;
    articles.truncate(feed.max_entries);
    let verdicts = verdicts(&matcher, &articles);
    let report = FeedTest {
        status: fetched.status,
        final_url: fetched.final_url.to_string(),
        redirects: fetched
            .redirects
            .iter()
            .map(|h| format!("{} {}", h.status, h.to))
            .collect(),
        validators: fetched.validators.clone(),
        hints: feed::schedule::Hints {
            ttl: parsed.hints.ttl,
            update_period: parsed.hints.update_period,
            skip_hours: parsed.hints.skip_hours,
            skip_days: parsed.hints.skip_days,
            ..fetched.hints.clone()
        },
        entries: parsed.entries,
        would_record: verdicts.iter().filter(|v| v.explanation.kept).count(),
        articles: verdicts,
    };
    let out = if args.json {
        serde_json::to_string_pretty(&report)? + "\n"
    } else {
        let mut s = format!(
            "{} {} ({} entries; {} kept by the topic rules would be recorded, unless stored already)\n",
            report.status, report.final_url, report.entries, report.would_record
        );
        for r in &report.redirects {
            s.push_str(&format!("redirect: {r}\n"));
        }
        if let Some(etag) = &report.validators.etag {
            s.push_str(&format!("ETag: {etag}\n"));
        }
        if let Some(lm) = &report.validators.last_modified {
            s.push_str(&format!("Last-Modified: {lm}\n"));
        }
        s.push_str(&render(&report.articles, false));
        s
    };
    std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn render(verdicts: &[ArticleVerdict], explain: bool) -> String {
    let mut s = String::new();
    for v in verdicts {
        let e = &v.explanation;
        let matched: Vec<&str> = e.rules.iter().filter(|r| r.matched).map(|r| r.rule.as_str()).collect();
        let verdict = if e.kept {
            format!("KEPT by {}", matched.join(", "))
        } else if let Some(b) = e.rules.iter().find(|r| r.kind == "block" && r.matched) {
            format!("BLOCKED by {}", b.rule)
        } else {
            "rejected: no topic rule matched".to_string()
        };
        s.push_str(&format!("{} — {verdict}\n", v.title.as_deref().unwrap_or("(no title)")));
        if explain {
            for r in &e.rules {
                s.push_str(&format!(
                    "  {} rule {} {}: {}\n",
                    r.kind,
                    r.rule,
                    if r.matched { "matched" } else { "did not match" },
                    r.reasons.join("; ")
                ));
            }
        }
    }
    s
}
