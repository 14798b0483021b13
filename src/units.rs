//! Human units in configuration: durations like `90s`, `15m`, `6h` and sizes like `10MiB`.
//!
//! Pure parsing only; this module knows nothing of files or keys. Both types implement
//! `Deserialize` themselves so that a bad value keeps its TOML span in the error.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration written in human units (`humantime` syntax: `90s`, `15m`, `6h`, `1h 30m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub std::time::Duration);

impl Duration {
    /// A duration of `secs` seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Duration(std::time::Duration::from_secs(secs))
    }

    /// The standard-library duration.
    pub fn get(self) -> std::time::Duration {
        self.0
    }
}

impl FromStr for Duration {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        if trimmed.is_empty() {
            return Err("empty duration; write it like \"90s\", \"15m\" or \"6h\"".to_string());
        }
        // A bare number is ambiguous (seconds? minutes?), so it is refused rather than guessed.
        if trimmed.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!(
                "duration {trimmed:?} has no unit; write it like \"{trimmed}s\" or \"{trimmed}m\""
            ));
        }
        humantime::parse_duration(trimmed)
            .map(Duration)
            .map_err(|e| format!("invalid duration {trimmed:?} ({e}); write it like \"90s\", \"15m\" or \"6h\""))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A size in bytes written in human units (`bytesize` syntax: `512KiB`, `10MiB`, `1GB`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// A size of `n` mebibytes.
    pub const fn mib(n: u64) -> Self {
        ByteSize(n * 1024 * 1024)
    }

    /// The size in bytes.
    pub fn bytes(self) -> u64 {
        self.0
    }
}

impl FromStr for ByteSize {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        if trimmed.chars().all(|c| c.is_ascii_digit()) && !trimmed.is_empty() {
            return Err(format!(
                "size {trimmed:?} has no unit; write it like \"{trimmed}B\", \"{trimmed}KiB\" or \"{trimmed}MiB\""
            ));
        }
        bytesize::ByteSize::from_str(trimmed)
            .map(|b| ByteSize(b.as_u64()))
            // bytesize's own message ("cannot parse float from empty string") helps nobody.
            .map_err(|_| format!("invalid size {trimmed:?}; write it like \"512KiB\" or \"10MiB\""))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", bytesize::ByteSize(self.0).display().iec())
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests;
