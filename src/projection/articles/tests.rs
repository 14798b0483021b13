//! The articles list: filters, order, paging, and the fact counts of the latest version.

use chrono::{TimeZone, Utc};

use super::{ArticleFilter, list};
use crate::extract::testkit::run;
use crate::projection::{ArticleFacts, DatedBy, Revision};

fn article(stream: &str, title: &str, versions: &[(&str, &str)]) -> ArticleFacts {
    ArticleFacts {
        signature: None,
        stream: stream.into(),
        feed: stream.split('/').next().unwrap().into(),
        url: Some(format!("https://example.org/{stream}")),
        title: Some(title.into()),
        revisions: versions
            .iter()
            .enumerate()
            .map(|(i, (date, text))| Revision {
                seq: i as u64 + 1,
                published: Utc.from_utc_datetime(
                    &chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
                        .unwrap()
                        .and_hms_opt(9, 0, 0)
                        .unwrap(),
                ),
                dated_by: DatedBy::Published,
                facts: run(text, date),
            })
            .collect(),
    }
}

fn streams(f: &ArticleFilter, all: &[ArticleFacts]) -> Vec<String> {
    list(all, f).entries.into_iter().map(|e| e.stream).collect()
}

#[test]
fn filters_order_and_pages() {
    let all = vec![
        article(
            "wire/a",
            "Shelling of Martuni",
            &[("2020-10-01", "Nine civilians were killed in Martuni.")],
        ),
        article(
            "wire/b",
            "Truce agreed in Moscow",
            &[
                ("2020-10-10", "A ceasefire was agreed."),
                ("2020-10-10", "A humanitarian ceasefire was agreed in Moscow."),
            ],
        ),
        article(
            "bulletin/c",
            "Ministry update",
            &[("2020-10-20", "Ten soldiers were wounded.")],
        ),
    ];
    let page = |limit| ArticleFilter {
        limit,
        ..Default::default()
    };
    // Newest first.
    assert_eq!(streams(&page(10), &all), ["bulletin/c", "wire/b", "wire/a"]);
    let f = ArticleFilter {
        feed: Some("wire".into()),
        ..page(10)
    };
    assert_eq!(streams(&f, &all), ["wire/b", "wire/a"]);
    let f = ArticleFilter {
        since: chrono::NaiveDate::from_ymd_opt(2020, 10, 5),
        until: chrono::NaiveDate::from_ymd_opt(2020, 10, 15),
        ..page(10)
    };
    assert_eq!(streams(&f, &all), ["wire/b"]);
    let f = ArticleFilter {
        text: Some("MOSCOW truce".into()),
        ..page(10)
    };
    assert_eq!(streams(&f, &all), ["wire/b"]);
    // Paging: total counts every match, the page only `limit` of them after `offset`.
    let v = list(&all, &ArticleFilter { offset: 1, ..page(1) });
    assert_eq!(
        (v.total, v.entries.len(), v.entries[0].stream.as_str()),
        (3, 1, "wire/b")
    );
    // The latest version's facts are counted.
    let b = &v.entries[0];
    assert_eq!((b.revisions, b.seq, b.ceasefire, b.casualties), (2, 2, 1, 0));
    let a = &list(&all, &page(10)).entries[2];
    assert_eq!(a.casualties, 1);
}
