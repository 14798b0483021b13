//! Fetching a feed document over HTTP(S) or from a `file:` URL: conditional GET with the stored
//! validators, redirects followed by hand (so permanent moves are seen and loops named), the
//! per-host budget, a wall-clock deadline and a body cap counted after decompression.
//!
//! Returns bytes, validators and the server's hints, or a classified `FetchError`; it never
//! parses, matches or touches the store.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{self, HeaderMap};
use tokio::io::AsyncReadExt;
use url::Url;

use super::hosts::HostGate;
use super::schedule::Hints;
use super::state::Validators;
use crate::config::{FeedConfig, PollConfig, RetryScope};

/// Why a fetch failed. The class drives the poll log line (and, later, backoff).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The host name did not resolve.
    #[error("dns: {0}")]
    Dns(String),
    /// The TCP connection could not be made.
    #[error("connect: {0}")]
    Connect(String),
    /// The TLS handshake or certificate check failed.
    #[error("tls: {0}")]
    Tls(String),
    /// The deadline passed before the body was complete.
    #[error("timeout after {}", humantime::format_duration(*.0))]
    Timeout(Duration),
    /// The server answered with a non-success status.
    #[error("http {code}{}{}", reason.map(|r| format!(" {r}")).unwrap_or_default(), retry_after.map(|t| format!(", retry after {}", t.format("%Y-%m-%d %H:%M:%S UTC"))).unwrap_or_default())]
    Status {
        /// The status code.
        code: u16,
        /// Its canonical reason phrase.
        reason: Option<&'static str>,
        /// `Retry-After`, as a time, if the answer had one.
        retry_after: Option<DateTime<Utc>>,
    },
    /// The body was larger than the cap.
    #[error("too large: body exceeds {limit} bytes")]
    TooLarge {
        /// The cap in bytes.
        limit: u64,
    },
    /// Too many redirects.
    #[error("redirect: {0}")]
    Redirect(String),
    /// A `file:` URL could not be read.
    #[error("file {path}: {source}")]
    File {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Anything else the HTTP client reports (a broken body stream, a protocol error).
    #[error("http: {0}")]
    Other(String),
}

impl FetchError {
    /// A short stable name for the class, for logs and metrics.
    pub fn class(&self) -> &'static str {
        match self {
            FetchError::Dns(_) => "dns",
            FetchError::Connect(_) => "connect",
            FetchError::Tls(_) => "tls",
            FetchError::Timeout(_) => "timeout",
            FetchError::Status { code: 429, .. } => "http_429",
            FetchError::Status { code, .. } if *code >= 500 => "http_5xx",
            FetchError::Status { .. } => "http_4xx",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::Redirect(_) => "redirect",
            FetchError::File { .. } => "file",
            FetchError::Other(_) => "http",
        }
    }
}

impl FetchError {
    /// The HTTP status, if the server answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// `Retry-After`, if the answer had one.
    pub fn retry_after(&self) -> Option<DateTime<Utc>> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// One redirect followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// 301, 302, 303, 307 or 308.
    pub status: u16,
    /// Where it pointed.
    pub to: Url,
}

/// A fetched document, or a 304 saying the stored one is still current.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// HTTP status: 200 (also for files), or 304 with an empty body.
    pub status: u16,
    /// The URL the body came from, after redirects; relative links resolve against it.
    pub final_url: Url,
    /// The body, decompressed, at most the feed's `max_body` bytes.
    pub body: Vec<u8>,
    /// `ETag` and `Last-Modified` of this answer, verbatim.
    pub validators: Validators,
    /// `Cache-Control`, `Expires` and `Retry-After` of this answer.
    pub hints: Hints,
    /// Redirects followed, in order.
    pub redirects: Vec<Hop>,
    /// The `charset` of the answer's `Content-Type`, if it named one.
    pub charset: Option<String>,
}

impl Fetched {
    /// A 200 answer with `body` from `url` and nothing else to say (files, imports, tests).
    pub fn document(url: Url, body: Vec<u8>) -> Fetched {
        Fetched {
            status: 200,
            final_url: url,
            body,
            validators: Validators::default(),
            hints: Hints::default(),
            redirects: Vec::new(),
            charset: None,
        }
    }

    /// Whether the server said the stored document is still current.
    pub fn not_modified(&self) -> bool {
        self.status == 304
    }

    /// Where the feed has moved, when every redirect was permanent (301, 308). A chain with a
    /// 302, 303 or 307 in it is never a move.
    pub fn permanent_move(&self) -> Option<&Url> {
        let all_permanent = !self.redirects.is_empty() && self.redirects.iter().all(|h| matches!(h.status, 301 | 308));
        all_permanent.then_some(&self.final_url)
    }
}

/// Fetches feeds. One per daemon; cheap to clone (the HTTP client and the host budget are
/// shared).
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    hosts: HostGate,
    max_redirects: usize,
    retry_scope: RetryScope,
}

impl Fetcher {
    /// Builds the HTTP client from `[poll]`: connect timeout, User-Agent, gzip/brotli/deflate,
    /// the proxy (`poll.proxy`, else the standard environment variables), and the per-host
    /// budget.
    pub fn new(poll: &PollConfig) -> Result<Fetcher, FetchError> {
        let mut headers = reqwest::header::HeaderMap::new();
        // Some servers negotiate: ask for feeds first, then any XML, then anything.
        headers.insert(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static(
                "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8",
            ),
        );
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(&poll.user_agent)
            .connect_timeout(poll.connect_timeout)
            // Redirects are followed by hand (see `send`), to see each hop.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(proxy) = &poll.proxy {
            builder =
                builder.proxy(reqwest::Proxy::all(proxy.as_str()).map_err(|e| FetchError::Other(root_cause(&e)))?);
        }
        let client = builder.build().map_err(|e| FetchError::Other(root_cause(&e)))?;
        Ok(Fetcher {
            client,
            hosts: HostGate::new(poll.host_concurrency, poll.host_spacing),
            max_redirects: poll.max_redirects,
            retry_scope: poll.retry_after_scope,
        })
    }

    /// Fetches `feed.url` within `feed.timeout`, keeping at most `feed.max_body` bytes, sending
    /// `validators` so that an unchanged feed answers 304. Waits its turn on the feed's host
    /// first (that wait is not part of the deadline). A 429 or 503 with `Retry-After` pauses the
    /// whole host when `retry_after_scope` is `host`.
    pub async fn fetch(&self, feed: &FeedConfig, validators: &Validators) -> Result<Fetched, FetchError> {
        let _turn = self.hosts.acquire(&feed.url).await;
        // The deadline covers connecting, redirects, headers and the whole body, for files too.
        let result = match tokio::time::timeout(feed.timeout, self.fetch_inner(feed, validators)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout(feed.timeout)),
        };
        if let Err(FetchError::Status {
            code: 429 | 503,
            retry_after: Some(until),
            ..
        }) = &result
            && self.retry_scope == RetryScope::Host
        {
            self.hosts.pause(&feed.url, *until);
        }
        result
    }

    async fn fetch_inner(&self, feed: &FeedConfig, validators: &Validators) -> Result<Fetched, FetchError> {
        if feed.url.scheme() == "file" {
            return fetch_file(&feed.url, feed.max_body).await;
        }
        let (mut resp, redirects) = self.send(feed, validators).await?;
        let status = resp.status();
        let now = Utc::now();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched {
                status: 304,
                final_url: resp.url().clone(),
                body: Vec::new(),
                validators: validators_of(resp.headers()),
                hints: hints_of(resp.headers(), now),
                redirects,
                charset: None,
            });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                code: status.as_u16(),
                reason: status.canonical_reason(),
                retry_after: hints_of(resp.headers(), now).retry_after,
            });
        }
        let final_url = resp.url().clone();
        let validators = validators_of(resp.headers());
        let hints = hints_of(resp.headers(), now);
        let charset = header_str(resp.headers(), header::CONTENT_TYPE).and_then(|ct| charset_of(&ct));
        // Content-Length is the compressed size, so it can only reject early; the real cap is
        // counted on the decoded stream below (a gzip bomb stops at the cap).
        if resp.content_length().is_some_and(|n| n > feed.max_body) {
            return Err(FetchError::TooLarge { limit: feed.max_body });
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e, feed.timeout))? {
            if body.len() as u64 + chunk.len() as u64 > feed.max_body {
                return Err(FetchError::TooLarge { limit: feed.max_body });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            status: status.as_u16(),
            final_url,
            body,
            validators,
            hints,
            redirects,
            charset,
        })
    }

    // GETs the feed, following redirects by hand up to `max_redirects`: each hop is recorded, a
    // loop is named, and only http(s) targets are followed.
    async fn send(
        &self,
        feed: &FeedConfig,
        validators: &Validators,
    ) -> Result<(reqwest::Response, Vec<Hop>), FetchError> {
        let mut url = feed.url.clone();
        let mut hops: Vec<Hop> = Vec::new();
        loop {
            let mut req = self.client.get(url.clone()).timeout(feed.timeout);
            if let Some(etag) = &validators.etag {
                req = req.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &validators.last_modified {
                req = req.header(header::IF_MODIFIED_SINCE, lm);
            }
            let resp = req.send().await.map_err(|e| classify(&e, feed.timeout))?;
            let status = resp.status();
            if !status.is_redirection() || status == reqwest::StatusCode::NOT_MODIFIED {
                return Ok((resp, hops));
            }
            let location = resp
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| FetchError::Redirect(format!("{} from {url} without a Location", status.as_u16())))?;
            // Relative locations resolve against the URL that answered.
            let next = url.join(location).map_err(|e| {
                FetchError::Redirect(format!("{} to an invalid URL {location:?}: {e}", status.as_u16()))
            })?;
            if !matches!(next.scheme(), "http" | "https") {
                return Err(FetchError::Redirect(format!("to a non-HTTP URL {next}")));
            }
            if next == feed.url || hops.iter().any(|h| h.to == next) {
                let mut chain: Vec<String> = vec![feed.url.to_string()];
                chain.extend(hops.iter().map(|h| h.to.to_string()));
                chain.push(next.to_string());
                return Err(FetchError::Redirect(format!("redirect loop: {}", chain.join(" -> "))));
            }
            if hops.len() >= self.max_redirects {
                return Err(FetchError::Redirect(format!(
                    "more than {} redirects (last to {next})",
                    self.max_redirects
                )));
            }
            hops.push(Hop {
                status: status.as_u16(),
                to: next.clone(),
            });
            url = next;
        }
    }
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
}

/// The `charset` parameter of a `Content-Type` (`text/xml; charset=ISO-8859-1`).
pub fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|v| !v.is_empty())
    })
}

/// `ETag` and `Last-Modified`, verbatim.
pub fn validators_of(headers: &HeaderMap) -> Validators {
    Validators {
        etag: header_str(headers, header::ETAG),
        last_modified: header_str(headers, header::LAST_MODIFIED),
    }
}

/// `Cache-Control: max-age`/`s-maxage`, `Expires` and `Retry-After` (seconds or a date, read by
/// the same `dates::parse` as feed dates)
/// of an answer received at `now`. Unparseable values give no hint; a `Retry-After` further than
/// `MAX_RETRY_AFTER` is read as that (a server must not be able to pause a host for a year).
pub fn hints_of(headers: &HeaderMap, now: DateTime<Utc>) -> Hints {
    let max_age = header_str(headers, header::CACHE_CONTROL).and_then(|cc| {
        cc.split(',')
            .filter_map(|d| d.trim().split_once('='))
            .filter(|(k, _)| k.eq_ignore_ascii_case("max-age") || k.eq_ignore_ascii_case("s-maxage"))
            .filter_map(|(_, v)| v.trim().trim_matches('"').parse::<u64>().ok())
            .max()
            .map(Duration::from_secs)
    });
    let expires = header_str(headers, header::EXPIRES)
        .and_then(|v| super::dates::parse(&v))
        .filter(|t| *t > now);
    let retry_after = header_str(headers, header::RETRY_AFTER)
        .and_then(|v| match v.parse::<u64>() {
            Ok(secs) => chrono::Duration::try_seconds(i64::try_from(secs).ok()?).map(|d| now + d),
            Err(_) => super::dates::parse(&v),
        })
        .map(|t| t.min(now + MAX_RETRY_AFTER));
    Hints {
        max_age,
        expires,
        retry_after,
        ..Hints::default()
    }
}

/// The longest `Retry-After` honoured.
pub const MAX_RETRY_AFTER: chrono::Duration = chrono::Duration::hours(24);

async fn fetch_file(url: &Url, max_body: u64) -> Result<Fetched, FetchError> {
    let path = url.to_file_path().map_err(|()| FetchError::File {
        path: url.to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a local file path"),
    })?;
    let file_err = |source| FetchError::File {
        path: path.display().to_string(),
        source,
    };
    let file = tokio::fs::File::open(&path).await.map_err(file_err)?;
    let mut body = Vec::new();
    file.take(max_body + 1).read_to_end(&mut body).await.map_err(file_err)?;
    if body.len() as u64 > max_body {
        return Err(FetchError::TooLarge { limit: max_body });
    }
    Ok(Fetched::document(url.clone(), body))
}

// reqwest exposes few predicates; the source chain says the rest (hyper-util names DNS
// failures "dns error", rustls failures mention certificates or TLS). The message keeps only the
// root cause: the URL is logged beside it, and reqwest's outer layers repeat it.
fn classify(e: &reqwest::Error, timeout: Duration) -> FetchError {
    let text = chain(e).to_ascii_lowercase();
    let cause = root_cause(e);
    if e.is_timeout() {
        FetchError::Timeout(timeout)
    } else if e.is_redirect() {
        FetchError::Redirect(cause)
    } else if text.contains("dns error") || text.contains("failed to lookup address") {
        FetchError::Dns(cause)
    } else if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
        FetchError::Tls(cause)
    } else if e.is_connect() {
        FetchError::Connect(cause)
    } else {
        FetchError::Other(cause)
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

// The whole source chain in one line, for classification.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        parts.push(err.to_string());
        cur = err.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_are_read_and_a_retry_after_is_capped_at_a_day() {
        let now: DateTime<Utc> = "2020-10-10T12:00:00Z".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            header::CACHE_CONTROL,
            "public, max-age=600, s-maxage=900".parse().unwrap(),
        );
        h.insert(header::EXPIRES, "Sat, 10 Oct 2020 13:00:00 GMT".parse().unwrap());
        h.insert(header::RETRY_AFTER, "31536000".parse().unwrap());
        let hints = hints_of(&h, now);
        assert_eq!(hints.max_age, Some(Duration::from_secs(900)));
        assert_eq!(hints.expires, Some("2020-10-10T13:00:00Z".parse().unwrap()));
        assert_eq!(hints.retry_after, Some(now + MAX_RETRY_AFTER));
        h.insert(header::RETRY_AFTER, "Sat, 10 Oct 2020 12:05:00 GMT".parse().unwrap());
        assert_eq!(
            hints_of(&h, now).retry_after,
            Some("2020-10-10T12:05:00Z".parse().unwrap())
        );
        assert_eq!(
            charset_of("text/xml; charset=\"ISO-8859-1\""),
            Some("ISO-8859-1".to_string())
        );
        assert_eq!(charset_of("application/rss+xml"), None);
    }
}
