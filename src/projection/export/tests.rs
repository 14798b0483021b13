//! The CSV and GKG exports on a small hand-made war: header rows in the documented order, one
//! row per incident and per toll change, competing claims in the notes, the lowest figure as
//! fatalities, and a side's rows summing to its toll without counting incidents twice.

use csv::StringRecord;

use super::{ACLED_COLUMNS, Format, GKG_COLUMNS, UCDP_COLUMNS, render};
use crate::projection::AsOf;
use crate::projection::tests::{fold, profile};

fn war() -> Vec<crate::projection::ArticleFacts> {
    fold(&[
        (
            "toll-1",
            "2020-10-05 10:00",
            "Azerbaijan's Prosecutor-General's Office said 24 civilians had been killed since September 27.",
        ),
        (
            "ganja-1",
            "2020-10-11 10:00",
            "Azerbaijan's Prosecutor-General's Office said a missile strike on Ganja killed nine civilians overnight.",
        ),
        (
            "ganja-2",
            "2020-10-11 12:00",
            "Azerbaijani presidential aide Hikmet Hajiyev said ten civilians were killed in Ganja by a missile overnight.",
        ),
        (
            "toll-2",
            "2020-10-12 10:00",
            "Azerbaijan's Prosecutor-General's Office said 42 civilians had been killed since September 27.",
        ),
        (
            "soldiers",
            "2020-10-12 11:00",
            "The Nagorno-Karabakh defence ministry said the death toll among its servicemen had risen to 532 since September 27.",
        ),
        (
            "enemy",
            "2020-10-12 12:00",
            "The Azerbaijani Defence Ministry said its forces had killed 2,300 Armenian soldiers since September 27.",
        ),
    ])
}

fn csv_rows(text: &str) -> (StringRecord, Vec<StringRecord>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().expect("a header row").clone();
    let rows = r.records().map(|x| x.expect("a well-formed CSV row")).collect();
    (header, rows)
}

fn field<'a>(header: &StringRecord, row: &'a StringRecord, name: &str) -> &'a str {
    let i = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    &row[i]
}

#[test]
fn acled_csv_has_acleds_columns_and_one_row_per_incident_or_toll_change() {
    let text = render(Format::AcledCsv, &war(), profile(), AsOf::default());
    let (header, rows) = csv_rows(&text);
    assert_eq!(header.iter().collect::<Vec<_>>(), ACLED_COLUMNS.to_vec());
    assert_eq!(header.len(), 31);
    for row in &rows {
        assert_eq!(row.len(), 31, "{row:?}");
    }

    // The Ganja strike: one incident row, both counts in the notes, the lower as fatalities.
    let ganja: Vec<&StringRecord> = rows
        .iter()
        .filter(|r| field(&header, r, "location") == "Ganja")
        .collect();
    assert_eq!(ganja.len(), 1, "{text}");
    let g = ganja[0];
    assert_eq!(field(&header, g, "event_date"), "11 October 2020");
    assert_eq!(field(&header, g, "time_precision"), "1");
    assert_eq!(field(&header, g, "fatalities"), "9");
    assert_eq!(field(&header, g, "country"), "Azerbaijan");
    assert_eq!(field(&header, g, "iso"), "31");
    assert_eq!(field(&header, g, "geo_precision"), "1");
    assert_eq!(field(&header, g, "civilian_targeting"), "Civilian targeting");
    assert_eq!(field(&header, g, "sub_event_type"), "Shelling/artillery/missile attack");
    assert_eq!(
        field(&header, g, "actor1"),
        "Military Forces of Armenia and Nagorno-Karabakh"
    );
    assert_eq!(field(&header, g, "actor2"), "Civilians (Azerbaijan)");
    assert_eq!(field(&header, g, "interaction"), "17");
    assert!(field(&header, g, "event_id_cnty").starts_with("AZE"), "{g:?}");
    let notes = field(&header, g, "notes");
    assert!(
        notes.contains("9 Azerbaijan civilians killed") && notes.contains("10 Azerbaijan civilians killed"),
        "{notes}"
    );

    // Azerbaijan's civilian toll: 24 by 5 October, 42 by 12 October. The second change carries
    // 42 - 24 = 18 less the 9 of the Ganja incident inside it, so the side's rows sum to 42.
    let civilian_rows: Vec<&StringRecord> = rows
        .iter()
        .filter(|r| field(&header, r, "actor2") == "Civilians (Azerbaijan)")
        .collect();
    let fatalities: u64 = civilian_rows
        .iter()
        .map(|r| field(&header, r, "fatalities").parse::<u64>().unwrap())
        .sum();
    assert_eq!(fatalities, 42, "{text}");
    let changes: Vec<&&StringRecord> = civilian_rows
        .iter()
        .filter(|r| field(&header, r, "tags").contains("toll change"))
        .collect();
    assert_eq!(changes.len(), 2);
    // The first change covers the war since the profile's start (27 September): over a week.
    assert_eq!(field(&header, changes[0], "time_precision"), "3");
    assert!(
        field(&header, changes[0], "tags").contains("since 2020-09-27"),
        "{:?}",
        changes[0]
    );
    assert_eq!(field(&header, changes[1], "fatalities"), "9");
    assert_eq!(
        field(&header, changes[1], "time_precision"),
        "2",
        "6 to 12 October: within a week"
    );

    // Armenian soldiers: the ministry's 532 is the toll; the enemy's 2,300 is only in the notes.
    let soldiers = rows
        .iter()
        .find(|r| field(&header, r, "actor2") == "Military Forces of Armenia and Nagorno-Karabakh")
        .expect("a row for the Armenian military toll");
    assert_eq!(field(&header, soldiers, "fatalities"), "532");
    assert!(field(&header, soldiers, "notes").contains("2300"), "{soldiers:?}");
    assert!(
        field(&header, soldiers, "notes").contains("(enemy claim)"),
        "{soldiers:?}"
    );
    assert_eq!(field(&header, soldiers, "actor1"), "Military Forces of Azerbaijan");
    assert_eq!(field(&header, soldiers, "interaction"), "11");
}

#[test]
fn acled_ids_are_stable_across_exports_and_as_of_dates_cut_rows() {
    let all = render(Format::AcledCsv, &war(), profile(), AsOf::default());
    assert_eq!(all, render(Format::AcledCsv, &war(), profile(), AsOf::default()));
    let early = render(
        Format::AcledCsv,
        &war(),
        profile(),
        AsOf {
            date: Some("2020-10-06".parse().unwrap()),
            seq: None,
        },
    );
    let (_, early_rows) = csv_rows(&early);
    assert_eq!(early_rows.len(), 1, "{early}");
    assert!(all.contains(&early_rows[0][0]), "the same toll change keeps its id");
}

#[test]
fn ucdp_csv_splits_deaths_by_side_with_best_low_and_high() {
    let text = render(Format::UcdpCsv, &war(), profile(), AsOf::default());
    let (header, rows) = csv_rows(&text);
    assert_eq!(header.iter().collect::<Vec<_>>(), UCDP_COLUMNS.to_vec());
    let ganja = rows
        .iter()
        .find(|r| field(&header, r, "where_coordinates") == "Ganja")
        .expect("the Ganja incident");
    assert_eq!(field(&header, ganja, "event_clarity"), "1");
    assert_eq!(field(&header, ganja, "deaths_civilians"), "9");
    assert_eq!(
        (
            field(&header, ganja, "best"),
            field(&header, ganja, "low"),
            field(&header, ganja, "high")
        ),
        ("9", "9", "10")
    );
    assert_eq!(field(&header, ganja, "number_of_sources"), "2");
    assert_eq!(field(&header, ganja, "geom_wkt"), "POINT (46.3606 40.6828)");
    assert_eq!(field(&header, ganja, "date_prec"), "1");
    // Side A in the profile is Armenia: the ministry's toll goes to deaths_a, as a summary row.
    let soldiers = rows
        .iter()
        .find(|r| field(&header, r, "deaths_a") != "0")
        .expect("a row with side A's deaths");
    assert_eq!(field(&header, soldiers, "deaths_a"), "532");
    assert_eq!(field(&header, soldiers, "deaths_b"), "0");
    assert_eq!(field(&header, soldiers, "event_clarity"), "2");
    assert_eq!(field(&header, soldiers, "side_a"), "Armenia and Nagorno-Karabakh");
}

#[test]
fn gkg_counts_give_one_line_per_article_with_figures() {
    let text = render(Format::GkgCounts, &war(), profile(), AsOf::default());
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap().split('\t').collect::<Vec<_>>(),
        GKG_COLUMNS.to_vec()
    );
    let lines: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 6, "{text}");
    assert!(lines.iter().all(|l| l.len() == GKG_COLUMNS.len()));
    let ganja = lines.iter().find(|l| l[5].contains("Ganja")).expect("the Ganja strike");
    assert_eq!(ganja[1], "20201011100000");
    let block: Vec<&str> = ganja[6].split('#').collect();
    assert_eq!(
        &block[..10],
        &[
            "KILL", "9", "Azerbaijan civilians", "4", "Ganja, Azerbaijan", "AJ", "AJ", "40.6828", "46.3606", "ganja"
        ]
    );
    // V2.1 adds the character offset of the figure; V1 does not.
    let offset: usize = block[10].parse().unwrap();
    assert_eq!(ganja[5].split('#').count(), 10);
    assert!(offset > 0);
}
