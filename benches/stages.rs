//! Criterion benchmarks of the pure stages, on seeded synthetic input (`frontline::bench`):
//! parse (normalise + feed-rs), match, extract, and the projection fold with the casualties view.
//! Run: `cargo bench --bench stages` (BENCHMARKS.md has the figures and the machine).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use frontline::article::Article;
use frontline::bench::Generator;
use frontline::extract::{Lexicon, extract};
use frontline::profile::Profile;

fn lexicon() -> Lexicon {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/profiles/nagorno-karabakh.toml");
    Lexicon::new(&Profile::load(&path).expect("the shipped profile loads")).expect("it compiles")
}

fn articles(n: usize) -> Vec<Article> {
    let doc = Generator::new(11).feed("bench", n);
    frontline::feed::parse("bench", doc.as_bytes(), None)
        .expect("generated feeds parse")
        .articles
}

fn parse(c: &mut Criterion) {
    let doc = Generator::new(7).feed("bench", 200);
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(doc.len() as u64));
    g.bench_function("normalise", |b| {
        b.iter(|| frontline::feed::normalize::normalize(black_box(doc.as_bytes()), None))
    });
    g.bench_function("normalise+feed-rs, 200 items", |b| {
        b.iter(|| frontline::feed::parse("bench", black_box(doc.as_bytes()), None).map(|p| p.articles.len()))
    });
    g.finish();
}

fn matching(c: &mut Criterion) {
    let lex = lexicon();
    let arts = articles(500);
    let bytes: usize = arts
        .iter()
        .map(|a| a.text.len() + a.title.as_deref().map_or(0, str::len))
        .sum();
    let mut g = c.benchmark_group("match");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("topic rules, 500 articles", |b| {
        b.iter(|| {
            arts.iter()
                .filter(|a| !lex.matcher.matches(black_box(a)).is_empty())
                .count()
        })
    });
    g.finish();
}

fn extraction(c: &mut Criterion) {
    let lex = lexicon();
    let mut generator = Generator::new(5);
    generator.war_share = 1.0;
    let texts: Vec<String> = (0..200).map(|_| generator.text()).collect();
    let published = chrono::Utc::now();
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut g = c.benchmark_group("extract");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("war reports, 200", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| extract(black_box(t), published, &lex).casualties.len())
                .sum::<usize>()
        })
    });
    g.finish();
}

fn fold(c: &mut Criterion) {
    use frontline::event::{
        ARTICLE_SCHEMA_VERSION, ArticlePayload, EventHeader, EventType, Producer, Source, StoredEvent,
    };
    let lex = lexicon();
    let events: Vec<StoredEvent> = articles(1000)
        .into_iter()
        .filter(|a| !lex.matcher.matches(a).is_empty())
        .enumerate()
        .map(|(i, a)| StoredEvent {
            header: EventHeader {
                seq: i as u64 + 1,
                event_id: uuid::Uuid::nil(),
                event_type: EventType::ArticleObserved,
                schema_version: ARTICLE_SCHEMA_VERSION,
                recorded_at_us: 0,
                stream: a.stream(),
                revision: 0,
                correlation_id: uuid::Uuid::nil(),
                causation_id: None,
                source: Source {
                    feed: "bench".into(),
                    url: "file:///bench".into(),
                },
                producer: Producer::current(),
                content_type: "application/json".into(),
                payload_len: 0,
                payload_crc32c: 0,
            },
            payload: ArticlePayload::new(a),
        })
        .collect();
    let mut g = c.benchmark_group("fold");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("apply (extract + fold), per event", |b| {
        b.iter(|| {
            events
                .iter()
                .map(|e| frontline::projection::apply(None, black_box(e), &lex).revisions.len())
                .sum::<usize>()
        })
    });
    let facts: Vec<_> = events
        .iter()
        .map(|e| frontline::projection::apply(None, e, &lex))
        .collect();
    let profile = lex.profile.clone();
    g.bench_function("casualties view over the folded articles", |b| {
        b.iter(|| {
            frontline::projection::casualties::view(black_box(&facts), &profile, Default::default())
                .tallies
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, parse, matching, extraction, fold);
criterion_main!(benches);
