//! The per-host budget: at most `concurrency` requests at a time to one (scheme, host, port), at
//! least `spacing` between the starts of two of them, and a pause until a `Retry-After` when a
//! host asks for one. Publishers block readers that hammer them; this is what keeps frontline
//! polite when many configured feeds live on one host.
//!
//! Async waiting only; it never fetches. `file:` URLs have no host and are never held up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::Url;

/// Shared by every fetch of one daemon; cheap to clone.
#[derive(Debug, Clone)]
pub struct HostGate {
    hosts: Arc<Mutex<HashMap<String, Arc<Host>>>>,
    concurrency: usize,
    spacing: Duration,
}

#[derive(Debug)]
struct Host {
    permits: Arc<Semaphore>,
    // The earliest a request may start: the last start plus the spacing, or the end of a pause.
    next_start: Mutex<Instant>,
}

/// A turn on a host, held for the length of one fetch.
#[derive(Debug)]
pub struct Turn {
    _permit: Option<OwnedSemaphorePermit>,
}

/// The key of `url`'s host: scheme, host and port (`https://example.org:443`); none for URLs
/// without a host.
pub fn host_key(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(format!(
        "{}://{}:{}",
        url.scheme(),
        host.to_ascii_lowercase(),
        url.port_or_known_default().unwrap_or(0)
    ))
}

impl HostGate {
    /// A gate allowing `concurrency` requests at once per host (at least 1), `spacing` apart.
    pub fn new(concurrency: usize, spacing: Duration) -> HostGate {
        HostGate {
            hosts: Arc::new(Mutex::new(HashMap::new())),
            concurrency: concurrency.max(1),
            spacing,
        }
    }

    fn host(&self, key: &str) -> Arc<Host> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(hosts.entry(key.to_string()).or_insert_with(|| {
            Arc::new(Host {
                permits: Arc::new(Semaphore::new(self.concurrency)),
                next_start: Mutex::new(Instant::now()),
            })
        }))
    }

    /// Waits until a request to `url`'s host may start, and returns the turn to hold while it
    /// runs.
    pub async fn acquire(&self, url: &Url) -> Turn {
        let Some(key) = host_key(url) else {
            return Turn { _permit: None };
        };
        let host = self.host(&key);
        // The semaphore is never closed, so acquiring cannot fail; a failure would only mean no
        // limit, never a stuck feed.
        let permit = Arc::clone(&host.permits).acquire_owned().await.ok();
        loop {
            let wait = {
                let mut next = host.next_start.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                if *next <= now {
                    *next = now + self.spacing;
                    None
                } else {
                    Some(*next - now)
                }
            };
            match wait {
                None => break,
                Some(d) => tokio::time::sleep(d).await,
            }
        }
        Turn { _permit: permit }
    }

    /// No request to `url`'s host starts before `until` (a `Retry-After`).
    pub fn pause(&self, url: &Url, until: DateTime<Utc>) {
        let Some(key) = host_key(url) else { return };
        let Ok(wait) = (until - Utc::now()).to_std() else {
            return;
        };
        let host = self.host(&key);
        let mut next = host.next_start.lock().unwrap_or_else(|p| p.into_inner());
        *next = (*next).max(Instant::now() + wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_keyed_by_scheme_host_and_port() {
        let key = |u: &str| host_key(&Url::parse(u).unwrap());
        assert_eq!(
            key("https://Example.org/feed").as_deref(),
            Some("https://example.org:443")
        );
        assert_eq!(
            key("http://example.org:8080/a").as_deref(),
            Some("http://example.org:8080")
        );
        assert_ne!(key("http://example.org/a"), key("https://example.org/a"));
        assert_eq!(key("file:///tmp/feed.xml"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn two_requests_to_one_host_are_spaced_and_other_hosts_are_not_held_up() {
        let gate = HostGate::new(1, Duration::from_secs(2));
        let a = Url::parse("http://a.example/1").unwrap();
        let t0 = Instant::now();
        drop(gate.acquire(&a).await);
        drop(gate.acquire(&a).await);
        assert_eq!(t0.elapsed(), Duration::from_secs(2));
        let b = Url::parse("http://b.example/1").unwrap();
        let t1 = Instant::now();
        drop(gate.acquire(&b).await);
        assert_eq!(t1.elapsed(), Duration::ZERO);
    }
}
