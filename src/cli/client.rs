//! The CLI's side of the local API: one request over the daemon's Unix socket, the JSON body back.
//!
//! Knows nothing of the views; `state` decides when to ask the daemon and when to read the store.

use std::io;
use std::path::Path;

use anyhow::Context as _;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde::de::DeserializeOwned;

/// `path?k=v&...` with the parameters that are set, form-encoded.
pub fn target(path: &str, params: &[(&str, Option<String>)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        if let Some(v) = v {
            query.append_pair(k, v);
        }
    }
    let query = query.finish();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// `as_of` and `at_seq` as query parameters.
pub fn as_of_params(at: crate::projection::AsOf) -> [(&'static str, Option<String>); 2] {
    [
        ("as_of", at.date.map(|d| d.to_string())),
        ("at_seq", at.seq.map(|n| n.to_string())),
    ]
}

/// The daemon answered, with an error status.
#[derive(Debug, thiserror::Error)]
#[error("the daemon answered {target} with {status}: {message}")]
pub struct DaemonError {
    /// The HTTP status.
    pub status: u16,
    /// What was asked.
    pub target: String,
    /// Its `error` message.
    pub message: String,
}

/// Why the daemon could not be asked.
#[derive(Debug)]
pub enum Unreachable {
    /// No socket file: no daemon is configured to listen there, or none runs.
    Missing,
    /// A socket file that nobody answers on (a daemon that did not exit cleanly).
    Stale,
    /// The socket exists but this user may not use it.
    PermissionDenied,
}

impl Unreachable {
    /// Why, in a few words, for a one-line error.
    pub fn describe(&self) -> &'static str {
        match self {
            Unreachable::Missing => "no socket there; is frontlined running with this config?",
            Unreachable::Stale => "a stale socket nobody answers on; frontlined is not running",
            Unreachable::PermissionDenied => "permission denied; join the socket's group or use sudo",
        }
    }
}

/// GETs `target` from the daemon on `socket` and copies the body to `out` as it arrives
/// (flushing each chunk), for streams such as `/v1/events?follow=true`. `Ok(Err(_))` when no
/// daemon answers.
pub fn stream(socket: &Path, target: &str, out: &mut dyn io::Write) -> anyhow::Result<Result<(), Unreachable>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the API client")?;
    rt.block_on(async {
        let mut res = match send(socket, hyper::Method::GET, target, Bytes::new()).await? {
            Ok(res) => res,
            Err(u) => return Ok(Err(u)),
        };
        if !res.status().is_success() {
            return Err(daemon_error(target, res).await);
        }
        while let Some(frame) = res.body_mut().frame().await {
            let frame = frame.with_context(|| format!("reading the daemon's answer to {target}"))?;
            if let Some(data) = frame.data_ref() {
                out.write_all(data)?;
                out.flush()?;
            }
        }
        Ok(Ok(()))
    })
}

async fn send(
    socket: &Path,
    method: hyper::Method,
    target: &str,
    body: Bytes,
) -> anyhow::Result<Result<hyper::Response<hyper::body::Incoming>, Unreachable>> {
    let stream = match tokio::net::UnixStream::connect(socket).await {
        Ok(s) => s,
        Err(e) => {
            return Ok(Err(match e.kind() {
                io::ErrorKind::NotFound => Unreachable::Missing,
                io::ErrorKind::PermissionDenied => Unreachable::PermissionDenied,
                _ => Unreachable::Stale,
            }));
        }
    };
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .with_context(|| format!("talking to the daemon on {}", socket.display()))?;
    tokio::spawn(conn);
    let req = hyper::Request::builder()
        .method(method)
        .uri(target)
        .header(hyper::header::HOST, "frontline")
        .body(Full::new(body))
        .context("building the API request")?;
    let res = sender
        .send_request(req)
        .await
        .with_context(|| format!("asking the daemon on {} for {target}", socket.display()))?;
    Ok(Ok(res))
}

async fn daemon_error(target: &str, res: hyper::Response<hyper::body::Incoming>) -> anyhow::Error {
    let status = res.status();
    let body = match res.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return anyhow::Error::new(e).context(format!("reading the daemon's answer to {target}")),
    };
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["error"].as_str().map(String::from))
        .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
    DaemonError {
        status: status.as_u16(),
        target: target.to_string(),
        message,
    }
    .into()
}

/// GETs `target` (`/v1/casualties?as_of=...`) from the daemon on `socket` and decodes its JSON.
/// `Ok(Err(_))` when no daemon answers, so the caller can read the store instead.
pub fn get<T: DeserializeOwned>(socket: &Path, target: &str) -> anyhow::Result<Result<T, Unreachable>> {
    request(socket, hyper::Method::GET, target, Bytes::new())
}

/// POSTs `body` to `target` and decodes the JSON answer, like [`get`].
pub fn post<T: DeserializeOwned>(socket: &Path, target: &str, body: Vec<u8>) -> anyhow::Result<Result<T, Unreachable>> {
    request(socket, hyper::Method::POST, target, Bytes::from(body))
}

fn request<T: DeserializeOwned>(
    socket: &Path,
    method: hyper::Method,
    target: &str,
    body: Bytes,
) -> anyhow::Result<Result<T, Unreachable>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the API client")?;
    rt.block_on(async {
        let res = match send(socket, method, target, body).await? {
            Ok(res) => res,
            Err(u) => return Ok(Err(u)),
        };
        if !res.status().is_success() {
            return Err(daemon_error(target, res).await);
        }
        let body = res
            .into_body()
            .collect()
            .await
            .with_context(|| format!("reading the daemon's answer to {target}"))?
            .to_bytes();
        let value =
            serde_json::from_slice(&body).with_context(|| format!("decoding the daemon's answer to {target}"))?;
        Ok(Ok(value))
    })
}
