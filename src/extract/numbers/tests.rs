//! Cardinals: digits and words are found with their tokens; vague amounts, ordinals, decimals
//! and badly grouped digits are not.

use super::numbers;
use crate::extract::text::tokenize;

fn values(text: &str) -> Vec<u64> {
    numbers(&tokenize(text, 0..text.len()))
        .into_iter()
        .map(|n| n.value)
        .collect()
}

#[test]
fn digits_and_words() {
    assert_eq!(values("16 servicemen and 1,592 civilians"), vec![16, 1592]);
    assert_eq!(
        values("nine killed, twenty-five wounded, twenty five missing"),
        vec![9, 25, 25]
    );
    assert_eq!(
        values("a hundred soldiers and one hundred and twenty civilians"),
        vec![100, 120]
    );
    assert_eq!(values("a dozen fighters"), vec![12]);
}

#[test]
fn vague_ordinal_and_odd_forms_are_not_cardinals() {
    assert!(values("hundreds of people, dozens of soldiers, thousands displaced").is_empty());
    assert!(values("several hundred troops and a few thousand refugees").is_empty());
    assert!(values("the first day, the 27th of September, the 1990s").is_empty());
    assert!(values("3.5 kilometres at 10:00 and 12,34 and 0 casualties").is_empty());
}

#[test]
fn the_tokens_of_a_number_in_words_are_spanned() {
    let text = "some one hundred and twenty people";
    let toks = tokenize(text, 0..text.len());
    let n = &numbers(&toks)[0];
    assert_eq!(
        &text[toks[n.toks.start].span.start..toks[n.toks.end - 1].span.end],
        "one hundred and twenty"
    );
    assert!(n.in_words);
}
