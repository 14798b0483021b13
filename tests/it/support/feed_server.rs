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
}

impl Doc {
    /// An RSS document with status 200.
    pub fn rss(body: impl Into<Vec<u8>>) -> Doc {
        Doc {
            status: 200,
            content_type: "application/rss+xml; charset=utf-8",
            body: body.into(),
            headers: Vec::new(),
            delay: Duration::ZERO,
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
        }
    }
}

/// A request the server received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub headers: HeaderMap,
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
        });
        s.docs.get(&path).cloned()
    };
    let doc = doc.unwrap_or_else(|| Doc::status(404));
    if !doc.delay.is_zero() {
        tokio::time::sleep(doc.delay).await;
    }
    let mut resp = Response::new(Body::from(doc.body));
    *resp.status_mut() = StatusCode::from_u16(doc.status).expect("valid status");
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(doc.content_type));
    for (name, value) in doc.headers {
        headers.insert(name, HeaderValue::from_str(&value).expect("valid header value"));
    }
    resp
}
