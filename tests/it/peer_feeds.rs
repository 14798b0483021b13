//! Robustness over the peer-feeds corpus (real and hostile feed files from feedparser's and
//! feed-rs's test suites, kept outside the repository in `../shared/peer-feeds`, or
//! `$FRONTLINE_PEER_FEEDS`): every file either parses or gives a typed error; none panics or
//! hangs, and parsing the same bytes twice gives the same articles (no invented ids).
//! Skips with a message when the corpus is absent.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use frontline::feed::{ParseError, parse};

use crate::support::{files_with_ext, root};

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("FRONTLINE_PEER_FEEDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/peer-feeds"));
    dir.is_dir().then_some(dir)
}

#[test]
fn every_corpus_file_parses_or_fails_cleanly() {
    let Some(dir) = corpus() else {
        eprintln!(
            "skipping: peer-feeds corpus not found (set FRONTLINE_PEER_FEEDS or place it at ../shared/peer-feeds)"
        );
        return;
    };
    let files = files_with_ext(&dir, &["xml", "rdf", "json"]);
    assert!(
        files.len() > 1000,
        "expected the full corpus in {}, found {} files",
        dir.display(),
        files.len()
    );

    // One worker parses; the test waits for each result with a generous bound, so a hang in
    // the parser is reported with the file's name instead of stalling the suite.
    let (tx, rx) = mpsc::channel();
    let list = files.clone();
    std::thread::spawn(move || {
        for f in list {
            let bytes = std::fs::read(&f).unwrap();
            let first = parse("peer", &bytes, None);
            let second = parse("peer", &bytes, None);
            if tx.send((f, first, second)).is_err() {
                return;
            }
        }
    });
    let (mut parsed, mut rejected, mut articles) = (0usize, 0usize, 0usize);
    let mut problems = Vec::new();
    for _ in &files {
        let (f, first, second) = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("parsing hung or the worker died after {parsed} + {rejected} files"));
        let name = f.strip_prefix(&dir).unwrap().display().to_string();
        match (&first, &second) {
            (Err(ParseError::Panicked(m)), _) => problems.push(format!("{name}: panicked: {m}")),
            (Ok(a), Ok(b)) if a != b => problems.push(format!("{name}: two parses differ (invented ids?)")),
            (Ok(a), _) => {
                parsed += 1;
                articles += a.articles.len();
                if let Some(bad) = a
                    .articles
                    .iter()
                    .find(|x| x.text.contains('<') && x.text.contains("</"))
                {
                    problems.push(format!("{name}: markup left in text: {:.80}", bad.text));
                }
            }
            (Err(_), _) => rejected += 1,
        }
    }
    eprintln!(
        "peer-feeds: {} files, {parsed} parsed ({articles} articles), {rejected} rejected with an error",
        files.len()
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        parsed > files.len() / 2,
        "most of the corpus is valid feeds; only {parsed} parsed"
    );
}
