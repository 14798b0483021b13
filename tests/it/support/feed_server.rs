//! A feed server on 127.0.0.1 (port 0) for tests: serves documents that tests can swap between
//! polls, answers with any status, and records every request it gets.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

/// What the server answers for one path.
#[derive(Clone, Debug)]
pub struct Doc {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Doc {
    /// An RSS document with status 200.
    pub fn rss(body: impl Into<Vec<u8>>) -> Doc {
        Doc {
            status: 200,
            content_type: "application/rss+xml; charset=utf-8",
            body: body.into(),
        }
    }

    /// An empty answer with `status`.
    pub fn status(status: u16) -> Doc {
        Doc {
            status,
            content_type: "text/plain",
            body: Vec::new(),
        }
    }
}

#[derive(Default)]
struct Shared {
    docs: HashMap<String, Doc>,
    requests: Vec<String>,
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
        self.shared
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|p| *p == path)
            .count()
    }
}

async fn serve(State(shared): State<Arc<Mutex<Shared>>>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let doc = {
        let mut s = shared.lock().unwrap();
        s.requests.push(path.clone());
        s.docs.get(&path).cloned()
    };
    let doc = doc.unwrap_or_else(|| Doc::status(404));
    let mut resp = Response::new(Body::from(doc.body));
    *resp.status_mut() = StatusCode::from_u16(doc.status).expect("valid status");
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(doc.content_type));
    resp
}
