//! The kept view state against its oracle, the fold of every article's facts: on the fixture war
//! (four truces, two captured towns, running tolls, a suspect figure) now and on several dates;
//! after every arrival order, revision and page boundary a property test draws; byte for byte
//! between an incremental build and a rebuild; and every citation reachable once through pages.

use std::collections::BTreeMap;
use std::sync::Arc;

use clap::ValueEnum;
use frontline::article::Article;
use frontline::profile::Profile;
use frontline::projection::casualties::{self, FigureKey};
use frontline::projection::export::Format;
use frontline::projection::timeline::Window;
use frontline::projection::views::View;
use frontline::projection::{AsOf, FactStore, Projector, audit, catch_up, catch_up_paged, ceasefire, mentions};
use frontline::store::{Appender, EventLog, SledStore};
use frontline::units::ByteSize;
use proptest::prelude::*;
use serde_json::Value;

use crate::projection::{batch, fixture_articles, store_with};
use crate::support::shipped_profile;

const DATES: [&str; 8] = [
    "2020-09-26", "2020-09-28", "2020-10-10", "2020-10-12", "2020-10-16", "2020-10-27", "2020-11-09", "2020-12-01",
];

fn dates() -> Vec<Option<chrono::NaiveDate>> {
    std::iter::once(None)
        .chain(DATES.iter().map(|d| Some(d.parse().unwrap())))
        .collect()
}

/// Every kept entry (`k/...`) of a projection tree.
pub(crate) fn kept_entries(facts: &dyn FactStore) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut out = BTreeMap::new();
    facts
        .kept_scan(b"k/", None, None, false, &mut |k, v| {
            out.insert(k.to_vec(), v.to_vec());
            true
        })
        .unwrap();
    out
}

/// Every kept view's answer on `date` against the fold's, as JSON (with a readable diff).
pub(crate) fn check_views(
    facts: &dyn FactStore,
    profile: &Profile,
    date: Option<chrono::NaiveDate>,
) -> Result<(), String> {
    let articles = facts.all().unwrap();
    let at = AsOf { date, seq: None };
    // Every export (JSON Lines, ACLED and UCDP CSV, GKG counts, GeoJSON), written from the kept
    // state, is the fold's byte for byte.
    for format in Format::value_variants() {
        let mut streamed = Vec::new();
        frontline::projection::export::kept::write(*format, facts, profile, date, &mut streamed).unwrap();
        let folded = frontline::projection::export::render(*format, &articles, profile, at);
        if streamed != folded.as_bytes() {
            return Err(format!(
                "the streamed {} export differs from the fold's on {date:?}:\n{}\n--- the fold's:\n{}",
                format.name(),
                String::from_utf8_lossy(&streamed)
                    .chars()
                    .take(2000)
                    .collect::<String>(),
                folded.chars().take(2000).collect::<String>()
            ));
        }
    }
    for view in View::ALL {
        // A paged view on its default page, all of it, a page inside and one past the start.
        let windows: &[Window] = if view.pages() {
            &[
                Window::default(),
                Window {
                    offset: 0,
                    limit: usize::MAX,
                },
                Window { offset: 3, limit: 2 },
                Window { offset: 1000, limit: 5 },
            ]
        } else {
            &[Window { offset: 0, limit: 50 }]
        };
        for &window in windows {
            let oracle = view.from_fold(&articles, profile, at, window);
            let kept = view.from_kept(facts, profile, at, window).unwrap();
            let (o, k) = (
                serde_json::to_value(&oracle).unwrap(),
                serde_json::to_value(&kept).unwrap(),
            );
            if o != k {
                return Err(format!(
                    "kept {} differs from the fold on {date:?} ({window:?})\n--- fold\n{}\n--- kept\n{}",
                    view.name(),
                    serde_json::to_string_pretty(&o).unwrap(),
                    serde_json::to_string_pretty(&k).unwrap()
                ));
            }
        }
    }
    Ok(())
}

/// An audit at `seq` (the kept state with the events after it taken back out) answers every view
/// as the fold of the facts at `seq` does.
pub(crate) fn check_audit(
    log: &dyn EventLog,
    facts: &dyn FactStore,
    profile: &Profile,
    seq: u64,
    date: Option<chrono::NaiveDate>,
) -> Result<(), String> {
    let articles = facts.all().unwrap();
    let at = AsOf { date, seq: Some(seq) };
    for view in View::ALL {
        let window = Window { offset: 1, limit: 4 };
        let oracle = serde_json::to_value(view.from_fold(&articles, profile, at, window)).unwrap();
        let audit = serde_json::to_value(audit::answer(log, facts, profile, view, at, window).unwrap()).unwrap();
        if oracle != audit {
            return Err(format!(
                "the audit of {} at seq {seq} differs from the fold on {date:?}\n--- fold\n{}\n--- audit\n{}",
                view.name(),
                serde_json::to_string_pretty(&oracle).unwrap(),
                serde_json::to_string_pretty(&audit).unwrap()
            ));
        }
    }
    Ok(())
}

#[test]
fn an_audit_by_seq_equals_the_fold_at_that_seq() {
    let dir = tempfile::tempdir().unwrap();
    let profile = shipped_profile();
    // The fixture, then each article revised: audits before, among and after the revisions.
    let mut log = fixture_articles();
    log.extend(fixture_articles().iter().map(|a| revised(a, 1)));
    let store = store_with(dir.path(), log);
    let projector = Projector::new(&profile).unwrap();
    let facts = store.facts(projector.fingerprint()).unwrap();
    catch_up(&projector, store.as_ref(), &facts, &mut |_, _| true).unwrap();
    let head = store.head().unwrap();
    assert!(head > 20);
    for seq in [0, 1, 7, head / 2, head / 2 + 3, head - 1, head, head + 5] {
        for date in [None, Some("2020-10-16".parse().unwrap())] {
            check_audit(store.as_ref(), &facts, &profile, seq, date).unwrap();
        }
    }
    // Not vacuous: the state halfway differs from the state now.
    let at = |seq| AsOf { date: None, seq };
    let half = audit::answer(
        store.as_ref(),
        &facts,
        &profile,
        View::Casualties,
        at(Some(head / 2)),
        Window::default(),
    )
    .unwrap();
    let now = View::Casualties
        .from_kept(&facts, &profile, at(None), Window::default())
        .unwrap();
    assert_ne!(
        serde_json::to_value(&half).unwrap()["tallies"],
        serde_json::to_value(&now).unwrap()["tallies"]
    );
}

#[test]
fn every_kept_view_equals_the_fold_now_and_on_several_dates() {
    let dir = tempfile::tempdir().unwrap();
    let profile = shipped_profile();
    let store = store_with(dir.path(), fixture_articles());
    let projector = Projector::new(&profile).unwrap();
    let facts = store.facts(projector.fingerprint()).unwrap();
    catch_up(&projector, store.as_ref(), &facts, &mut |_, _| true).unwrap();
    for date in dates() {
        check_views(&facts, &profile, date).unwrap();
    }
    // The comparison is not vacuous: the fixture war has tallies, headlines and incidents, and
    // they change over time.
    let now = casualties::kept::summary(&facts, &profile, None).unwrap();
    assert!(now.tallies.len() >= 3 && now.incidents >= 3, "{now:?}");
    assert!(now.tallies.iter().all(|t| !t.series.is_empty()));
    let early = casualties::kept::summary(&facts, &profile, Some("2020-10-10".parse().unwrap())).unwrap();
    assert_ne!(
        serde_json::to_value(&early.tallies).unwrap(),
        serde_json::to_value(&now.tallies).unwrap()
    );
    let before_war = casualties::kept::summary(&facts, &profile, Some("2020-09-26".parse().unwrap())).unwrap();
    assert!(before_war.tallies.is_empty() && before_war.incidents == 0);
    let at = AsOf::default();
    let claims = mentions::kept::claims(&facts, at).unwrap();
    assert!(claims.groups.len() >= 2, "{claims:?}");
    let places = mentions::kept::presence(&facts, mentions::kept::Kind::Locations, at).unwrap();
    assert!(places.entries.len() >= 5 && places.entries.iter().all(|p| p.lat.is_some()));
    let actors = mentions::kept::presence(&facts, mentions::kept::Kind::Actors, at).unwrap();
    assert!(actors.entries.len() >= 5 && actors.entries.iter().all(|p| p.lat.is_none()));
    // Four truces, each followed by the next, each with its reports.
    let truces = ceasefire::kept::summary(&facts, at).unwrap().truces;
    assert_eq!(truces.len(), 4, "{truces:?}");
    assert!(truces[..3].iter().all(|t| t.superseded_by.is_some()));
    assert!(truces.iter().all(|t| t.statements >= 1 && !t.recent.is_empty()));
}

/// Appends `order`, catching up after every `chunk` appends with pages of `page` events.
fn incremental(dir: &std::path::Path, order: &[Article], chunk: usize, page: usize) -> (Arc<SledStore>, Projector) {
    let profile = shipped_profile();
    let projector = Projector::new(&profile).unwrap();
    let store = Arc::new(SledStore::open(dir, ByteSize::mib(8)).unwrap());
    let facts = store.facts(projector.fingerprint()).unwrap();
    let appender = Appender::start(store.clone());
    let h = appender.handle();
    for (i, a) in order.iter().enumerate() {
        h.record_blocking(batch(a.clone())).unwrap();
        if (i + 1) % chunk == 0 {
            catch_up_paged(&projector, store.as_ref(), &facts, page, &mut |_, _| true).unwrap();
        }
    }
    drop(h);
    appender.shutdown().unwrap();
    catch_up_paged(&projector, store.as_ref(), &facts, page, &mut |_, _| true).unwrap();
    assert_eq!(facts.checkpoint().unwrap(), store.head().unwrap());
    (store, projector)
}

/// Rebuilds the projection of `store` in one go and returns its kept entries.
pub(crate) fn rebuilt_entries(store: &SledStore, projector: &Projector) -> BTreeMap<Vec<u8>, Vec<u8>> {
    store.reset_facts(projector.fingerprint()).unwrap();
    let fresh = store.facts(projector.fingerprint()).unwrap();
    catch_up(projector, store, &fresh, &mut |_, _| true).unwrap();
    kept_entries(&fresh)
}

/// A reset (a rebuild's first step) empties the projection a batch at a time behind a marker; one
/// cut short is finished before anyone reads the projection, so the catch-up after it starts
/// from nothing and ends where a rebuild does.
#[test]
fn a_reset_cut_short_is_finished_before_the_projection_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let (store, projector) = incremental(dir.path(), &fixture_articles(), 1, 256);
    let fp = projector.fingerprint().to_string();
    let want = kept_entries(&store.facts(&fp).unwrap());
    drop(store);
    {
        // What a crash half-way through a reset leaves: the marker, the checkpoint and the first
        // articles gone, the rest still there.
        let db = crate::support::raw_sled(dir.path());
        let tree = db.open_tree(format!("projection:{fp}")).unwrap();
        let before = tree.len();
        tree.insert("resetting", "1").unwrap();
        tree.remove("checkpoint").unwrap();
        let first: Vec<_> = tree.iter().keys().take(3).map(Result::unwrap).collect();
        for k in first {
            tree.remove(k).unwrap();
        }
        assert!(tree.len() + 4 >= before && tree.len() > 30);
        db.flush().unwrap();
    }
    let store = crate::support::reopen_store(dir.path());
    let facts = store.facts(&fp).unwrap();
    assert_eq!(facts.checkpoint().unwrap(), 0);
    assert!(kept_entries(&facts).is_empty() && facts.all().unwrap().is_empty());
    catch_up(&projector, &store, &facts, &mut |_, _| true).unwrap();
    assert_eq!(kept_entries(&facts), want);
}

#[test]
fn incremental_kept_state_equals_a_rebuild_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let (store, projector) = incremental(dir.path(), &fixture_articles(), 1, 256);
    let facts = store.facts(projector.fingerprint()).unwrap();
    let incremental = kept_entries(&facts);
    assert!(incremental.len() > 30, "{} kept entries", incremental.len());
    let rebuilt = rebuilt_entries(&store, &projector);
    for (k, v) in &incremental {
        assert_eq!(
            rebuilt.get(k).map(|v| String::from_utf8_lossy(v).into_owned()),
            Some(String::from_utf8_lossy(v).into_owned()),
            "{}",
            String::from_utf8_lossy(k)
        );
    }
    assert_eq!(incremental, rebuilt);
}

/// A catch-up asked to stop (the daemon shutting down) stops after the page it is committing:
/// the checkpoint is that page's, and catching up from there ends where a rebuild does.
#[test]
fn a_catch_up_asked_to_stop_ends_at_a_page_and_resumes_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let (store, projector) = incremental(dir.path(), &fixture_articles(), usize::MAX, 256);
    let want = rebuilt_entries(&store, &projector);
    store.reset_facts(projector.fingerprint()).unwrap();
    let facts = store.facts(projector.fingerprint()).unwrap();
    let head = store.head().unwrap();
    assert!(head > 12, "{head} events");
    let mut pages = Vec::new();
    let applied = catch_up_paged(&projector, store.as_ref(), &facts, 4, &mut |done, _| {
        pages.push(done);
        pages.len() < 2
    })
    .unwrap();
    assert_eq!(pages, vec![4, 8]);
    assert_eq!(applied, 8);
    assert_eq!(facts.checkpoint().unwrap(), 8);
    let rest = catch_up(&projector, store.as_ref(), &facts, &mut |_, _| true).unwrap();
    assert_eq!(rest, head - 8);
    assert_eq!(kept_entries(&facts), want);
}

/// A revision of `a` that changes what it says: drops its second half (retracting figures) or
/// restates its figures with one more death each.
fn revised(a: &Article, how: u8) -> Article {
    let mut a = a.clone();
    match how % 3 {
        0 => {
            let cut = a
                .text
                .char_indices()
                .nth(a.text.chars().count() / 2)
                .map_or(0, |(i, _)| i);
            a.text.truncate(cut);
        }
        1 => {
            a.text = a
                .text
                .replace(" 9 ", " 10 ")
                .replace("nine", "ten")
                .replace("555", "556");
            a.text
                .push_str("\nArmenia's Defence Ministry said 12 more soldiers were killed.");
        }
        _ => a
            .text
            .push_str("\nThe Nagorno-Karabakh ombudsman said 41 civilians had been killed."),
    }
    a
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, .. ProptestConfig::default() })]

    /// Whatever the order of arrival, the revisions and where pages end, the kept state equals
    /// the fold of the same facts on every date, and a rebuild byte for byte.
    #[test]
    fn the_kept_state_is_the_fold_for_any_arrivals_revisions_and_pages(
        order in Just(fixture_articles()).prop_shuffle(),
        revise in proptest::collection::vec((0usize..64, 0u8..3, 0usize..64), 0..8),
        chunk in 1usize..9,
        page in 1usize..9,
        audit_at in 0u64..64,
    ) {
        let mut log = order.clone();
        for (which, how, at) in revise {
            let r = revised(&order[which % order.len()], how);
            log.insert(at % (log.len() + 1), r);
        }
        let dir = tempfile::tempdir().unwrap();
        let (store, projector) = incremental(dir.path(), &log, chunk, page);
        let profile = shipped_profile();
        let facts = store.facts(projector.fingerprint()).unwrap();
        for date in dates() {
            if let Err(e) = check_views(&facts, &profile, date) {
                return Err(TestCaseError::fail(e));
            }
        }
        let seq = audit_at % (store.head().unwrap() + 1);
        if let Err(e) = check_audit(store.as_ref(), &facts, &profile, seq, None) {
            return Err(TestCaseError::fail(e));
        }
        let incremental = kept_entries(&facts);
        prop_assert_eq!(incremental, rebuilt_entries(&store, &projector));
    }
}

#[test]
fn every_citation_of_every_figure_and_truce_is_reachable_once_through_pages() {
    let dir = tempfile::tempdir().unwrap();
    let profile = shipped_profile();
    // The fixture twice from two more feeds: figures with several citations.
    let mut articles = fixture_articles();
    for feed in ["copy-a", "copy-b"] {
        articles.extend(fixture_articles().into_iter().map(|mut a| {
            a.feed = feed.into();
            a
        }));
    }
    let store = store_with(dir.path(), articles);
    let projector = Projector::new(&profile).unwrap();
    let facts = store.facts(projector.fingerprint()).unwrap();
    catch_up(&projector, store.as_ref(), &facts, &mut |_, _| true).unwrap();
    let all = facts.all().unwrap();
    for date in [None, Some("2020-10-16".parse().unwrap())] {
        let figures = casualties::figures(&all, AsOf { date, seq: None });
        assert!(figures.len() > 10);
        assert!(figures.iter().any(|f| f.cited >= 3));
        for f in &figures {
            for limit in [1usize, 2, 5] {
                let mut seen = Vec::new();
                let mut offset = 0;
                loop {
                    let page = casualties::kept::citations(&facts, &f.key, date, offset, limit)
                        .unwrap()
                        .unwrap();
                    assert_eq!(page.total, f.cited);
                    if page.citations.is_empty() {
                        break;
                    }
                    assert!(page.citations.len() <= limit);
                    offset += page.citations.len() as u64;
                    seen.extend(page.citations);
                }
                assert_eq!(seen, f.citations, "{} in pages of {limit}", f.key);
            }
        }
    }
    // A truce's reports, likewise: every one once, in the fold's order, under the id it has as of
    // the date.
    for date in [None, Some("2020-10-19".parse().unwrap())] {
        let view = ceasefire::view(&all, AsOf { date, seq: None });
        assert!(view.truces.len() >= 2 && view.truces.iter().any(|t| t.history.len() >= 6));
        for t in &view.truces {
            for limit in [1usize, 2, 5] {
                let (mut seen, mut offset) = (Vec::new(), 0);
                loop {
                    let page = ceasefire::kept::citations(&facts, &t.id, date, offset, limit)
                        .unwrap()
                        .unwrap();
                    assert_eq!(page.total, t.history.len() as u64);
                    if page.reports.is_empty() {
                        break;
                    }
                    assert!(page.reports.len() <= limit);
                    offset += page.reports.len() as u64;
                    seen.extend(page.reports);
                }
                assert_eq!(seen, t.history, "{} in pages of {limit}", t.id);
            }
        }
    }
    assert_eq!(
        ceasefire::kept::citations(&facts, "truce-1994-05-12", None, 0, 10).unwrap(),
        None
    );
    let unknown: FigureKey = "armenia:military:killed:cumulative:nobody:2020-10-05:1"
        .parse()
        .unwrap();
    assert_eq!(
        casualties::kept::citations(&facts, &unknown, None, 0, 10).unwrap(),
        None
    );
}

#[test]
fn figure_keys_read_back_and_bad_ones_are_named() {
    let k: FigureKey = "-:civilian:injured:incident:unattributed:2020-10-11:34"
        .parse()
        .unwrap();
    assert_eq!(k.party, None);
    assert_eq!(k.to_string(), "-:civilian:injured:incident:unattributed:2020-10-11:34");
    let err = |s: &str| s.parse::<FigureKey>().unwrap_err();
    assert!(err("armenia:military").contains("7 parts"));
    assert!(err("armenia:soldiers:killed:cumulative:x:2020-10-05:1").contains("group \"soldiers\""));
    assert!(err("armenia:military:killed:cumulative:x:2020-13-05:1").contains("date"));
    assert!(err("armenia:military:killed:cumulative:x:2020-10-05:many").contains("count \"many\""));
}

#[test]
fn kept_answers_are_json_a_client_can_read() {
    let dir = tempfile::tempdir().unwrap();
    let profile = shipped_profile();
    let store = store_with(dir.path(), fixture_articles());
    let projector = Projector::new(&profile).unwrap();
    let facts = store.facts(projector.fingerprint()).unwrap();
    catch_up(&projector, store.as_ref(), &facts, &mut |_, _| true).unwrap();
    let s = casualties::kept::summary(&facts, &profile, None).unwrap();
    let v: Value = serde_json::to_value(&s).unwrap();
    let back: casualties::CasualtySummary = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(&back).unwrap(), v);
    let _ = store.head().unwrap();
}

/// Generated war reports as articles of one feed.
fn generated(items_per_day: u64, n: usize, seed: u64) -> Vec<Article> {
    let mut g = frontline::bench::Generator::new(seed);
    g.war_share = 1.0;
    g.items_per_day = items_per_day;
    (0..n)
        .map(|_| {
            let it = g.item();
            Article {
                feed: "gen".into(),
                key: frontline::article::ArticleKey::Guid(it.guid.clone()),
                guid: Some(it.guid),
                link: Some(it.link),
                title: Some(it.title),
                text: it.html.replace("<p>", "").replace("</p>", "\n"),
                authors: vec![],
                categories: vec![],
                published_at: Some(it.published),
                updated_at: None,
            }
        })
        .collect()
}

fn report(guid: &str, published: &str, text: &str) -> Article {
    Article {
        feed: "desk".into(),
        key: frontline::article::ArticleKey::Guid(guid.into()),
        guid: Some(guid.into()),
        link: None,
        title: None,
        text: text.into(),
        authors: vec![],
        categories: vec![],
        published_at: Some(chrono::DateTime::parse_from_rfc3339(published).unwrap().into()),
        updated_at: None,
    }
}

/// Series of dozens of figures are summarized from their last figures only: the summary equals
/// the fold's, also when the latest figures are suspect (read further back), when another
/// reporter confirms a jump, and after a retraction.
#[test]
fn long_series_are_summarized_from_their_ends_as_the_fold_would() {
    let dir = tempfile::tempdir().unwrap();
    let profile = shipped_profile();
    // Six reporters' tolls, one per half-day for three weeks.
    let mut log = generated(40, 800, 3);
    let t = |day: u32, text: &str| (format!("2020-10-{day:02}T10:00:00Z"), text.to_string());
    let late = [
        // An implausible jump by one ministry: held out, so the summary shows the figure
        // before it as the one that counts.
        t(
            20,
            "Armenia's Defence Ministry said the death toll among its servicemen had risen to 9500 since fighting began on September 27.",
        ),
        // A jump another reporter of the same side confirms within two days.
        t(
            21,
            "The Nagorno-Karabakh defence ministry said the death toll among its servicemen had risen to 20000 since fighting began on September 27.",
        ),
        t(
            22,
            "The Nagorno-Karabakh ombudsman said the death toll among its servicemen had risen to 20500 since fighting began on September 27.",
        ),
    ];
    for (i, (published, text)) in late.iter().enumerate() {
        log.push(report(&format!("late-{i}"), published, text));
    }
    let (store, projector) = incremental(dir.path(), &log, 97, 64);
    let facts = store.facts(projector.fingerprint()).unwrap();
    check_views(&facts, &profile, None).unwrap();
    let now = casualties::kept::summary(&facts, &profile, None).unwrap();
    let longest = now
        .tallies
        .iter()
        .flat_map(|t| &t.series)
        .map(|s| s.figures)
        .max()
        .unwrap();
    assert!(longest >= 20, "series of {longest} figures");
    assert!(
        now.tallies
            .iter()
            .flat_map(|t| &t.series)
            .any(|s| s.counted.is_some() && s.latest.flags.contains(&casualties::Flag::Suspect)),
        "a series whose latest figures are held out: {now:?}"
    );
    // Retracting the confirming report brings its suspicion back, the same in both.
    let appender = Appender::start(store.clone());
    let mut gone = report("late-2", "2020-10-22T10:00:00Z", "No figures today.");
    gone.title = Some("Quiet day".into());
    appender.handle().record_blocking(batch(gone)).unwrap();
    appender.shutdown().unwrap();
    catch_up_paged(&projector, store.as_ref(), &facts, 64, &mut |_, _| true).unwrap();
    check_views(&facts, &profile, None).unwrap();
    let incremental = kept_entries(&facts);
    assert_eq!(incremental, rebuilt_entries(&store, &projector));
}

/// "As of DATE" reads each series and the incidents back from that date: it passes over the
/// reports published later about earlier days (a retrospective toll, a strike recounted weeks
/// on) and still finds the few dated well ahead of their publication, which are kept apart. On
/// every date the summary equals the fold's.
#[test]
fn as_of_reads_pass_over_later_reports_and_find_ones_dated_ahead() {
    let dir = tempfile::tempdir().unwrap();
    let profile = shipped_profile();
    let mut log = generated(40, 600, 5);
    let reports = [
        // Dated eleven days after its publication: kept apart, found as of October 12.
        (
            "2020-10-03T09:00:00Z",
            "Armenia's Defence Ministry said that as of October 14 the death toll among its servicemen had risen to 700.",
        ),
        // Published late about early days: passed over as of October 10 and 16.
        (
            "2020-11-20T09:00:00Z",
            "Armenia's Defence Ministry said that as of October 5 the death toll among its servicemen had risen to 230.",
        ),
        (
            "2020-10-05T09:00:00Z",
            "On October 20, an Armenian missile strike on Ganja killed 5 civilians, Azerbaijan's prosecutor said.",
        ),
        (
            "2020-11-25T09:00:00Z",
            "On October 8, an Armenian missile strike on Barda killed 4 civilians, Azerbaijan's prosecutor said.",
        ),
    ];
    for (i, (published, text)) in reports.iter().enumerate() {
        log.push(report(&format!("dated-{i}"), published, text));
    }
    let (store, projector) = incremental(dir.path(), &log, 89, 64);
    let facts = store.facts(projector.fingerprint()).unwrap();
    for date in dates() {
        check_views(&facts, &profile, date).unwrap_or_else(|e| panic!("{date:?}: {e}"));
    }
    let kept = kept_entries(&facts);
    for table in ["k/cu/", "k/cy/"] {
        assert!(
            kept.keys().any(|k| k.starts_with(table.as_bytes())),
            "nothing kept under {table}"
        );
    }
    let on = |d: &str| casualties::kept::summary(&facts, &profile, Some(d.parse().unwrap())).unwrap();
    let shown = |s: &casualties::CasualtySummary, count: u64| {
        s.tallies
            .iter()
            .flat_map(|t| &t.series)
            .any(|s| s.latest.count == count || s.counted.as_ref().is_some_and(|c| c.count == count))
    };
    assert!(
        shown(&on("2020-10-12"), 700),
        "the toll dated ahead is the ministry's latest on October 12"
    );
    let ganja = |s: &casualties::CasualtySummary| {
        s.recent_incidents
            .iter()
            .any(|i| i.location.as_deref() == Some("ganja") && i.date.to_string() == "2020-10-20")
    };
    assert!(
        ganja(&on("2020-10-06")),
        "the strike dated ahead is listed once reported"
    );
    assert!(!ganja(&on("2020-10-04")), "not before it is reported");
    assert_eq!(kept, rebuilt_entries(&store, &projector));
}

/// Everything counted for a place, a series or the incidents taken back by revisions leaves the
/// kept state as if it had never come: incremental equals a rebuild byte for byte, with no empty
/// per-day count left behind.
#[test]
fn a_retracted_claim_or_toll_leaves_no_trace() {
    let dir = tempfile::tempdir().unwrap();
    let profile = shipped_profile();
    let claim = report(
        "claim",
        "2020-10-09T08:00:00Z",
        "Azerbaijan's Defence Ministry said its forces had taken control of Hadrut.",
    );
    let toll = report(
        "toll",
        "2020-10-09T09:00:00Z",
        "Armenia's Defence Ministry said the death toll among its servicemen had risen to 480.",
    );
    let strike = report(
        "strike",
        "2020-10-09T10:00:00Z",
        "On October 8, an Armenian missile strike on Barda killed 4 civilians, Azerbaijan's prosecutor said.",
    );
    let quiet = |a: &Article| {
        let mut b = a.clone();
        b.text = "No reports of fighting today.".into();
        b.title = Some("Quiet day".into());
        b
    };
    let log = [
        claim.clone(),
        toll.clone(),
        strike.clone(),
        quiet(&claim),
        quiet(&toll),
        quiet(&strike),
    ];
    let (store, projector) = incremental(dir.path(), &log, 3, 2);
    let facts = store.facts(projector.fingerprint()).unwrap();
    check_views(&facts, &profile, None).unwrap();
    let kept = kept_entries(&facts);
    for table in ["k/xd/", "k/cs/", "k/cn/"] {
        assert!(
            !kept.keys().any(|k| k.starts_with(table.as_bytes())),
            "{table} still holds a count of nothing"
        );
    }
    assert_eq!(kept, rebuilt_entries(&store, &projector));
}

/// A place taken, disputed for days, then given up by the side that lost it: the kept control
/// state reads back past the disputes to the capture that says who holds it now, as the fold
/// does, now and on each day.
#[test]
fn a_loss_after_long_disputes_is_read_back_to_the_capture() {
    let dir = tempfile::tempdir().unwrap();
    let profile = shipped_profile();
    let mut log = vec![report(
        "take",
        "2020-10-20T09:00:00Z",
        "Azerbaijani troops have taken full control of Martuni, the Azerbaijani Defence Ministry said.",
    )];
    for day in 21..27 {
        log.push(report(
            &format!("deny-{day}"),
            &format!("2020-10-{day}T09:00:00Z"),
            "The Nagorno-Karabakh authorities denied that Martuni had been captured, saying fighting continued on its outskirts.",
        ));
    }
    log.push(report(
        "lost",
        "2020-10-28T09:00:00Z",
        "Armenian forces withdrew from Martuni, the Armenian Defence Ministry said.",
    ));
    // A place only ever fought over: contested, held by whoever held it at the start.
    for day in 20..28 {
        log.push(report(
            &format!("near-{day}"),
            &format!("2020-10-{day}T12:00:00Z"),
            "Claims of advance near Stepanakert disputed by Armenia and Azerbaijan as fighting in Nagorno-Karabakh continued.",
        ));
    }
    let (store, projector) = incremental(dir.path(), &log, 3, 2);
    let facts = store.facts(projector.fingerprint()).unwrap();
    for date in [
        None,
        Some("2020-10-22".parse().unwrap()),
        Some("2020-10-28".parse().unwrap()),
    ] {
        check_views(&facts, &profile, date).unwrap();
    }
    let control = frontline::projection::control::kept::summary(&facts, &profile, AsOf::default()).unwrap();
    let martuni = control.places.iter().find(|p| p.location == "martuni").unwrap();
    assert_eq!(martuni.claims, 8, "{martuni:?}");
    assert_eq!(martuni.controller.as_deref(), Some("azerbaijan"), "{martuni:?}");
    let stepanakert = control.places.iter().find(|p| p.location == "stepanakert").unwrap();
    assert_eq!(stepanakert.claims, 8, "{stepanakert:?}");
    assert_eq!(
        (stepanakert.status, stepanakert.controller.as_deref()),
        (frontline::projection::control::PlaceStatus::Contested, Some("armenia"))
    );
}
