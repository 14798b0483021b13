//! The articles view: which articles the projection holds, filtered (feed, publication dates,
//! words of the title or link) and paged, each with how many facts of each kind it yielded and
//! which earlier article of another feed it copies, if any.
//!
//! Pure: a fold over `ArticleFacts`, like every view; no I/O.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::ArticleFacts;

/// Which articles to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleFilter {
    /// Only this feed id.
    pub feed: Option<String>,
    /// Published on or after this date (UTC).
    pub since: Option<NaiveDate>,
    /// Published on or before this date (UTC).
    pub until: Option<NaiveDate>,
    /// Words that must all appear in the title or the link (case-insensitive).
    pub text: Option<String>,
    /// How many matching articles to skip.
    pub offset: usize,
    /// How many to return at most.
    pub limit: usize,
}

/// The most articles one page returns.
pub const MAX_PAGE: usize = 1000;

/// One article in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleSummary {
    /// Its stream (`feed/key`), the id `frontline show` takes.
    pub stream: String,
    /// Feed id.
    pub feed: String,
    /// Publication of the latest version.
    pub published: DateTime<Utc>,
    /// Title of the latest version.
    pub title: Option<String>,
    /// Link.
    pub url: Option<String>,
    /// Versions recorded.
    pub revisions: usize,
    /// Seq of the latest version.
    pub seq: u64,
    /// Facts in the latest version: casualty figures, truce statements, control claims,
    /// accusations and denials.
    pub casualties: usize,
    /// See `casualties`.
    pub ceasefire: usize,
    /// See `casualties`.
    pub control: usize,
    /// See `casualties`.
    pub claims: usize,
    /// The stream of the first article of the same story in another feed, when this one is a
    /// later copy of it (`copies`).
    #[serde(default)]
    pub copy_of: Option<String>,
}

/// A page of the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticlesView {
    /// The filter it answers.
    pub filter: ArticleFilter,
    /// Articles matching it, before paging.
    pub total: usize,
    /// The page, newest first.
    pub entries: Vec<ArticleSummary>,
}

/// Lists `articles` that pass `filter`, newest first (ties by stream), one page of it.
pub fn list(articles: &[ArticleFacts], filter: &ArticleFilter) -> ArticlesView {
    let words: Vec<String> = filter
        .text
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    let mut matching: Vec<ArticleSummary> = articles
        .iter()
        .filter_map(|a| {
            let latest = a.revisions.last()?;
            let day = latest.published.date_naive();
            let haystack = format!(
                "{} {}",
                a.title.as_deref().unwrap_or(""),
                a.url.as_deref().unwrap_or("")
            )
            .to_lowercase();
            let keep = filter.feed.as_deref().is_none_or(|f| f == a.feed)
                && filter.since.is_none_or(|d| day >= d)
                && filter.until.is_none_or(|d| day <= d)
                && words.iter().all(|w| haystack.contains(w.as_str()));
            keep.then(|| ArticleSummary {
                stream: a.stream.clone(),
                feed: a.feed.clone(),
                published: latest.published,
                title: a.title.clone(),
                url: a.url.clone(),
                revisions: a.revisions.len(),
                seq: latest.seq,
                casualties: latest.facts.casualties.len(),
                ceasefire: latest.facts.ceasefire.len(),
                control: latest.facts.control.len(),
                claims: latest.facts.claims.len(),
                copy_of: None,
            })
        })
        .collect();
    matching.sort_by(|a, b| b.published.cmp(&a.published).then_with(|| a.stream.cmp(&b.stream)));
    let total = matching.len();
    let limit = filter.limit.min(MAX_PAGE);
    let mut entries: Vec<ArticleSummary> = matching.into_iter().skip(filter.offset).take(limit).collect();
    // Copies are looked up for the page only: one pass over all articles per entry.
    if !entries.is_empty() {
        let stories = super::copies::Stories::new(articles);
        for e in &mut entries {
            if let Some(a) = articles.iter().find(|a| a.stream == e.stream) {
                e.copy_of = stories.copy_of(a).map(|c| c.stream.clone());
            }
        }
    }
    ArticlesView {
        filter: filter.clone(),
        total,
        entries,
    }
}

/// One article: what the projection holds about it, and the text of its latest version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleDetail {
    /// Every version's facts, with provenance.
    pub facts: ArticleFacts,
    /// The latest version's text as recorded in the log (title, blank line, text: the spans of
    /// the facts index into it); none if the log no longer has it.
    pub text: Option<String>,
    /// Other feeds' articles of the same story, first published first.
    #[serde(default)]
    pub copies: Vec<String>,
}

#[cfg(test)]
mod tests;

/// The projection's facts of `stream`, its copies in other feeds, and its latest text from the
/// log; `None` if unknown.
pub fn detail(
    log: &dyn crate::store::EventLog,
    facts: &dyn super::FactStore,
    stream: &str,
) -> Result<Option<ArticleDetail>, crate::store::StoreError> {
    let Some(article) = facts.get(stream)? else {
        return Ok(None);
    };
    let all = facts.all()?;
    let copies = super::copies::Stories::new(&all)
        .copies(&article)
        .into_iter()
        .map(|c| c.stream.clone())
        .collect();
    let text = match article.revisions.last() {
        Some(r) => log
            .read_after(r.seq.saturating_sub(1), 1)?
            .into_iter()
            .find(|e| e.header.seq == r.seq)
            .map(|e| super::article_text(e.payload.article.title.as_deref(), &e.payload.article.text)),
        None => None,
    };
    Ok(Some(ArticleDetail {
        facts: article,
        text,
        copies,
    }))
}
