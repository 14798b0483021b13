//! Fuzz target: the extractor on arbitrary text and publication times, with the shipped
//! profile. It must never panic, and every fact it returns must point into the text it came
//! from (spans on char boundaries, evidence equal to the spanned text, figures inside it).
//!
//! Not run in CI; see fuzz/README.md.

#![no_main]

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use frontline::extract::{Lexicon, extract};
use frontline::profile::Profile;
use libfuzzer_sys::fuzz_target;

fn lex() -> &'static Lexicon {
    static LEX: OnceLock<Lexicon> = OnceLock::new();
    LEX.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/profiles/nagorno-karabakh.toml");
        Lexicon::new(&Profile::load(&path).expect("shipped profile loads")).expect("shipped profile compiles")
    })
}

fn check_span(text: &str, span: [usize; 2], evidence: &str) {
    assert!(span[0] <= span[1], "span {span:?} is reversed");
    assert_eq!(
        text.get(span[0]..span[1]),
        Some(evidence),
        "span {span:?} does not hold its evidence"
    );
}

fuzz_target!(|data: &[u8]| {
    // The first 8 bytes choose the publication time (anywhere from 1970 to 2100, so date
    // arithmetic at the edges is exercised); the rest is the article text.
    let (head, body) = data.split_at(data.len().min(8));
    let mut secs = [0u8; 8];
    secs[..head.len()].copy_from_slice(head);
    let secs = (u64::from_le_bytes(secs) % 4_102_444_800) as i64;
    let Some(published) = DateTime::<Utc>::from_timestamp(secs, 0) else {
        return;
    };
    let text = String::from_utf8_lossy(body);

    let x = extract(&text, published, lex());

    for c in &x.casualties {
        check_span(&text, c.span, &c.evidence);
        assert!(
            c.span[0] <= c.figure[0] && c.figure[1] <= c.span[1],
            "figure {:?} outside {:?}",
            c.figure,
            c.span
        );
        assert!(
            text.get(c.figure[0]..c.figure[1]).is_some(),
            "figure {:?} not on char boundaries",
            c.figure
        );
        assert!(c.count > 0, "a casualty figure of zero");
    }
    for s in &x.ceasefire {
        check_span(&text, s.span, &s.evidence);
    }
    for s in &x.control {
        check_span(&text, s.span, &s.evidence);
    }
    for s in &x.claims {
        check_span(&text, s.span, &s.evidence);
    }
    // The `frontline extract --json` contract must always serialise.
    serde_json::to_string(&x).expect("extraction serialises");
});
