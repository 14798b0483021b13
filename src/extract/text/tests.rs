//! Sentences and tokens: abbreviations do not end sentences, paragraphs always do, spans point
//! into the original text, possessives and numbers tokenize as one unit.

use super::{Kind, sentences, tokenize};

fn sents(text: &str) -> Vec<&str> {
    sentences(text).into_iter().map(|r| &text[r]).collect()
}

#[test]
fn sentences_survive_abbreviations_and_split_paragraphs() {
    let text = "Lt. Gen. Smith said the U.S. State Department agreed. Talks resume on Oct. 26 in Washington.\nNo full stop here\nSecond paragraph.";
    assert_eq!(
        sents(text),
        vec![
            "Lt. Gen. Smith said the U.S. State Department agreed.",
            "Talks resume on Oct. 26 in Washington.",
            "No full stop here",
            "Second paragraph."
        ]
    );
}

#[test]
fn a_sentence_may_start_with_a_figure() {
    let text = "Shelling continued overnight, the ministry said. 46 civilians were hurt. House No. 10 was hit.";
    assert_eq!(
        sents(text),
        vec![
            "Shelling continued overnight, the ministry said.",
            "46 civilians were hurt.",
            "House No. 10 was hit."
        ]
    );
}

#[test]
fn sentence_spans_are_byte_offsets_into_the_text() {
    let text = "  Şuşa was shelled.   Two died.";
    let spans = sentences(text);
    assert_eq!(&text[spans[0].clone()], "Şuşa was shelled.");
    assert_eq!(&text[spans[1].clone()], "Two died.");
}

#[test]
fn tokens_fold_and_keep_spans() {
    let text = "Armenia’s 1,592 soldiers' bodies; Şuşa (27th) 10:00 3.5km twenty-five don't";
    let toks = tokenize(text, 0..text.len());
    let show: Vec<(Kind, &str, &str, bool)> = toks
        .iter()
        .map(|t| (t.kind, t.norm.as_str(), &text[t.span.clone()], t.possessive))
        .collect();
    assert_eq!(
        show,
        vec![
            (Kind::Word, "armenia", "Armenia’s", true),
            (Kind::Number, "1,592", "1,592", false),
            (Kind::Word, "soldiers", "soldiers'", true),
            (Kind::Word, "bodies", "bodies", false),
            (Kind::Punct, ";", ";", false),
            (Kind::Word, "susa", "Şuşa", false),
            (Kind::Punct, "(", "(", false),
            (Kind::Number, "27th", "27th", false),
            (Kind::Punct, ")", ")", false),
            (Kind::Number, "10:00", "10:00", false),
            (Kind::Number, "3.5km", "3.5km", false),
            (Kind::Word, "twenty", "twenty", false),
            (Kind::Punct, "-", "-", false),
            (Kind::Word, "five", "five", false),
            (Kind::Word, "don't", "don't", false),
        ]
    );
    assert!(toks[0].upper && !toks[2].upper);
}

#[test]
fn tokenizing_a_sub_range_offsets_spans() {
    let text = "First. Second sentence.";
    let toks = tokenize(text, 7..text.len());
    assert_eq!(&text[toks[0].span.clone()], "Second");
    assert_eq!(toks[0].span.start, 7);
}
