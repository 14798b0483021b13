//! Unit parsing: accepted spellings and the messages for refused ones.

use super::{ByteSize, Duration};

fn dur(s: &str) -> Result<u64, String> {
    s.parse::<Duration>().map(|d| d.get().as_secs())
}

#[test]
fn durations_in_human_units() {
    assert_eq!(dur("90s"), Ok(90));
    assert_eq!(dur("15m"), Ok(900));
    assert_eq!(dur("6h"), Ok(21_600));
    assert_eq!(dur("1h 30m"), Ok(5_400));
    assert_eq!(dur(" 2d "), Ok(172_800));
}

#[test]
fn durations_without_unit_or_garbage_are_refused() {
    let err = dur("15").unwrap_err();
    assert!(err.contains("has no unit"), "{err}");
    let err = dur("15 mins please").unwrap_err();
    assert!(err.starts_with("invalid duration \"15 mins please\""), "{err}");
    assert!(dur("").unwrap_err().contains("empty duration"));
}

#[test]
fn sizes_in_human_units() {
    assert_eq!("10MiB".parse::<ByteSize>(), Ok(ByteSize(10 * 1024 * 1024)));
    assert_eq!("512 KiB".parse::<ByteSize>(), Ok(ByteSize(512 * 1024)));
    assert_eq!("1kB".parse::<ByteSize>(), Ok(ByteSize(1000)));
    assert_eq!(ByteSize::mib(64).to_string(), "64.0 MiB");
}

#[test]
fn sizes_without_unit_or_garbage_are_refused() {
    assert!("100".parse::<ByteSize>().unwrap_err().contains("has no unit"));
    assert!("ten megs".parse::<ByteSize>().unwrap_err().starts_with("invalid size"));
}

#[test]
fn durations_display_round_trip() {
    let d: Duration = "15m".parse().unwrap();
    assert_eq!(d.to_string(), "15m");
    assert_eq!(d.to_string().parse::<Duration>(), Ok(d));
}
