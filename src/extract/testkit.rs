//! Test helpers for the extractor's unit tests: the shipped profile compiled once, and a
//! one-call extraction with a publication date.
//!
//! Test-only; nothing here runs in the product.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::{Extraction, Lexicon, extract};
use crate::profile::Profile;

/// The shipped Nagorno-Karabakh profile, compiled.
pub fn lex() -> &'static Lexicon {
    static LEX: OnceLock<Lexicon> = OnceLock::new();
    LEX.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/profiles/nagorno-karabakh.toml");
        Lexicon::new(&Profile::load(&path).expect("shipped profile loads")).expect("shipped profile compiles")
    })
}

/// 09:00 UTC on `date` (`YYYY-MM-DD`): 13:00 in the conflict zone.
pub fn at(date: &str) -> DateTime<Utc> {
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("test date");
    Utc.from_utc_datetime(&d.and_hms_opt(9, 0, 0).expect("09:00"))
}

/// Extracts `text` as if published on `date` at 09:00 UTC.
pub fn run(text: &str, date: &str) -> Extraction {
    extract(text, at(date), lex())
}
