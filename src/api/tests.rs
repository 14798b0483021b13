//! Binding the API socket (its mode, a stale socket replaced, a live one refused) and the kept view answers.

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

#[test]
fn kept_answers_are_dropped_when_the_checkpoint_moves_or_the_budget_is_spent() {
    use super::{ANSWERS_MAX_BYTES, Answers};
    use crate::projection::AsOf;
    use crate::projection::timeline::Window;
    let answers = Answers::default();
    let big = axum::body::Bytes::from(vec![b'x'; ANSWERS_MAX_BYTES / 2 - 1]);
    let (now, w) = (
        AsOf {
            date: None,
            seq: Some(40),
        },
        Window::default(),
    );
    answers.put(("casualties", now, w), 7, big.clone());
    answers.put(("ceasefire", now, w), 7, big.clone());
    assert!(answers.get(&("casualties", now, w), 7).is_some());
    // A third half-budget answer pushes out the oldest.
    answers.put(("timeline", now, w), 7, big.clone());
    assert!(answers.get(&("casualties", now, w), 7).is_none());
    assert!(answers.get(&("ceasefire", now, w), 7).is_some());
    // Another checkpoint: everything kept before is stale.
    assert!(answers.get(&("ceasefire", now, w), 8).is_none());
    answers.put(("actors", now, w), 8, axum::body::Bytes::from_static(b"{}"));
    assert!(answers.get(&("timeline", now, w), 7).is_none());
}
