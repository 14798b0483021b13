//! Fetching a feed document over HTTP(S) or from a `file:` URL, under a wall-clock deadline
//! and a body cap counted after decompression.
//!
//! Returns bytes and a classified `FetchError`; it never parses, matches or touches the store.

use std::time::Duration;

use tokio::io::AsyncReadExt;
use url::Url;

use crate::config::{FeedConfig, PollConfig};

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
    #[error("http {code}{}", reason.map(|r| format!(" {r}")).unwrap_or_default())]
    Status {
        /// The status code.
        code: u16,
        /// Its canonical reason phrase.
        reason: Option<&'static str>,
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
            FetchError::Status { code, .. } if *code >= 500 => "http_5xx",
            FetchError::Status { .. } => "http_4xx",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::Redirect(_) => "redirect",
            FetchError::File { .. } => "file",
            FetchError::Other(_) => "http",
        }
    }
}

/// A fetched document.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// HTTP status (200 for files).
    pub status: u16,
    /// The URL the body came from, after redirects; relative links resolve against it.
    pub final_url: Url,
    /// The body, decompressed, at most the feed's `max_body` bytes.
    pub body: Vec<u8>,
}

/// Fetches feeds. One per daemon; cheap to clone (the HTTP client is shared).
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
}

impl Fetcher {
    /// Builds the HTTP client from `[poll]`: connect timeout, redirect limit, User-Agent,
    /// gzip/brotli/deflate. Proxies come from the standard environment variables.
    pub fn new(poll: &PollConfig) -> Result<Fetcher, FetchError> {
        let mut headers = reqwest::header::HeaderMap::new();
        // Some servers negotiate: ask for feeds first, then any XML, then anything.
        headers.insert(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static(
                "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8",
            ),
        );
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(&poll.user_agent)
            .connect_timeout(poll.connect_timeout)
            .redirect(reqwest::redirect::Policy::limited(poll.max_redirects))
            .build()
            .map_err(|e| FetchError::Other(root_cause(&e)))?;
        Ok(Fetcher { client })
    }

    /// Fetches `feed.url` within `feed.timeout`, keeping at most `feed.max_body` bytes.
    pub async fn fetch(&self, feed: &FeedConfig) -> Result<Fetched, FetchError> {
        // The deadline covers connecting, headers and the whole body, for files too.
        match tokio::time::timeout(feed.timeout, self.fetch_inner(feed)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout(feed.timeout)),
        }
    }

    async fn fetch_inner(&self, feed: &FeedConfig) -> Result<Fetched, FetchError> {
        if feed.url.scheme() == "file" {
            return fetch_file(&feed.url, feed.max_body).await;
        }
        let mut resp = self
            .client
            .get(feed.url.clone())
            .timeout(feed.timeout)
            .send()
            .await
            .map_err(|e| classify(&e, feed.timeout))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(FetchError::Status {
                code: status.as_u16(),
                reason: status.canonical_reason(),
            });
        }
        let final_url = resp.url().clone();
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
        })
    }
}

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
    Ok(Fetched {
        status: 200,
        final_url: url.clone(),
        body,
    })
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
