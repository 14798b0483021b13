//! Binding the API socket: its mode, a stale socket replaced, a live one refused.

use std::os::unix::fs::PermissionsExt;

use super::bind;

#[tokio::test]
async fn the_socket_is_group_only_and_a_stale_one_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("api.sock");
    // A socket file nobody listens on, as a crashed daemon leaves it.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let listener = bind(&path).expect("a stale socket is replaced");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o660);
    // While it is live, a second daemon may not take it.
    let err = bind(&path).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse, "{err}");
    assert!(err.to_string().contains("in use by another process"), "{err}");
    drop(listener);
}
