//! A feed server on 127.0.0.1 (port 0) for tests: serves documents that tests can swap between
//! polls, answers with any status, and records every request it gets.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

/// What the server answers for one path.
#[derive(Clone, Debug)]
pub struct Doc {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// Extra response headers.
    pub headers: Vec<(&'static str, String)>,
    /// How long to wait before answering.
    pub delay: Duration,
    /// Answer 304 when the request's `If-None-Match` is this (and send it as `ETag`).
    pub etag: Option<String>,
    /// Answer 304 when the request's `If-Modified-Since` is this (and send it as `Last-Modified`).
    pub last_modified: Option<String>,
    /// Send the body in 16-byte pieces this far apart.
    pub drip: Option<Duration>,
    /// Repeat the body forever.
    pub endless: bool,
}

impl Doc {
    /// An RSS document with status 200.
    pub fn rss(body: impl Into<Vec<u8>>) -> Doc {
        Doc {
            content_type: "application/rss+xml; charset=utf-8",
            body: body.into(),
            ..Doc::status(200)
        }
    }

    /// A redirect with `status` to `location`.
    pub fn redirect(status: u16, location: &str) -> Doc {
        Doc {
            headers: vec![("location", location.to_string())],
            ..Doc::status(status)
        }
    }

    /// An empty answer with `status`.
    pub fn status(status: u16) -> Doc {
        Doc {
            status,
            content_type: "text/plain",
            body: Vec::new(),
            headers: Vec::new(),
            delay: Duration::ZERO,
            etag: None,
            last_modified: None,
            drip: None,
            endless: false,
        }
    }
}

/// A request the server received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub headers: HeaderMap,
    /// When it arrived.
    pub at: std::time::Instant,
}

#[derive(Default)]
struct Shared {
    docs: HashMap<String, Doc>,
    requests: Vec<Seen>,
}

/// A running server; dropped with the test's runtime.
#[derive(Clone)]
pub struct FeedServer {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
}

impl FeedServer {
    /// Starts a server on an ephemeral port of 127.0.0.1.
    pub async fn start() -> FeedServer {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let app = Router::new().fallback(serve).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("feed server runs");
        });
        FeedServer { addr, shared }
    }

    /// The URL of `path` (which starts with '/').
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Serves `doc` at `path` from now on.
    pub fn set(&self, path: &str, doc: Doc) {
        self.shared.lock().unwrap().docs.insert(path.to_string(), doc);
    }

    /// How many requests `path` has received.
    pub fn hits(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.path == path).count()
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.shared.lock().unwrap().requests.clone()
    }
}

async fn serve(State(shared): State<Arc<Mutex<Shared>>>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let doc = {
        let mut s = shared.lock().unwrap();
        s.requests.push(Seen {
            path: path.clone(),
            headers: req.headers().clone(),
            at: std::time::Instant::now(),
        });
        s.docs.get(&path).cloned()
    };
    let doc = doc.unwrap_or_else(|| Doc::status(404));
    if !doc.delay.is_zero() {
        tokio::time::sleep(doc.delay).await;
    }
    let asked = |name: header::HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok()).map(String::from);
    let not_modified = (doc.etag.is_some() && asked(header::IF_NONE_MATCH) == doc.etag)
        || (doc.last_modified.is_some() && asked(header::IF_MODIFIED_SINCE) == doc.last_modified);
    let (status, body) = if not_modified {
        (304, Body::empty())
    } else if doc.drip.is_some() || doc.endless {
        (
            doc.status,
            drip(doc.body.clone(), doc.drip.unwrap_or_default(), doc.endless),
        )
    } else {
        (doc.status, Body::from(doc.body.clone()))
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(status).expect("valid status");
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(doc.content_type));
    for (name, value) in [(header::ETAG, &doc.etag), (header::LAST_MODIFIED, &doc.last_modified)] {
        if let Some(v) = value {
            headers.insert(name, HeaderValue::from_str(v).expect("valid header value"));
        }
    }
    for (name, value) in doc.headers {
        headers.insert(name, HeaderValue::from_str(&value).expect("valid header value"));
    }
    resp
}

// A body written a piece at a time by a task of its own: 16-byte pieces `every` apart, or the
// whole body again and again when `endless` (until the client goes away).
fn drip(body: Vec<u8>, every: Duration, endless: bool) -> Body {
    use tokio::io::AsyncWriteExt;
    let (mut tx, rx) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        loop {
            let pieces: Vec<&[u8]> = if endless {
                vec![&body[..]]
            } else {
                body.chunks(16).collect()
            };
            for piece in pieces {
                if tx.write_all(piece).await.is_err() {
                    return;
                }
                if every.is_zero() {
                    tokio::task::yield_now().await;
                } else {
                    tokio::time::sleep(every).await;
                }
            }
            if !endless {
                return;
            }
        }
    });
    Body::from_stream(tokio_util::io::ReaderStream::new(rx))
}
