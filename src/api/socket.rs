//! The API's listeners: the Unix socket (bound mode 0660, a stale one replaced, a live one
//! refused, removed at exit) and the optional loopback TCP address.

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use axum::Router;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// Binds the API socket at `path`: a stale socket (nobody answering) is replaced, a live one is
/// an error (another daemon serves it); the socket is made mode 0660.
pub fn bind(path: &Path) -> io::Result<tokio::net::UnixListener> {
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!("{} is in use by another process", path.display()),
            ));
        }
        std::fs::remove_file(path)?;
    }
    let listener = tokio::net::UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
    Ok(listener)
}

/// Serves `router` on the loopback TCP `listener` until `token` is cancelled.
pub async fn serve_tcp(listener: tokio::net::TcpListener, router: Router, token: CancellationToken) {
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    info!(address = %addr, "API listening on TCP");
    if let Err(e) = axum::serve(listener, router)
        .with_graceful_shutdown(async move { token.cancelled().await })
        .await
    {
        warn!(address = %addr, error = %e, "TCP API server stopped");
    }
}

/// Serves `router` on `listener` until `token` is cancelled, then removes the socket file.
pub async fn serve(listener: tokio::net::UnixListener, path: PathBuf, router: Router, token: CancellationToken) {
    info!(socket = %path.display(), "API listening");
    if let Err(e) = axum::serve(listener, router)
        .with_graceful_shutdown(async move { token.cancelled().await })
        .await
    {
        warn!(socket = %path.display(), error = %e, "API server stopped");
    }
    if let Err(e) = std::fs::remove_file(&path)
        && e.kind() != io::ErrorKind::NotFound
    {
        warn!(socket = %path.display(), error = %e, "could not remove the API socket");
    }
}
