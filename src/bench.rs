//! Synthetic input for the benchmarks: seeded, so every run measures the same bytes. Feeds of
//! wire-report-style items — mostly ordinary news, about one in four on the war with casualty
//! figures, truces, captured places, accusations — written from templates in the style of the
//! 2020 reporting (the facts are the war's, the sentences are generated).
//!
//! Shaped like a desk's intake over time: items are published `items_per_day` a day from the
//! war's first morning, each up to six hours off its place in the stream (feeds publish late
//! and out of order), and the figures are what real sources give: a reporter's running total is
//! one figure per half-day that grows with the war, and a strike on a place on a day kills the
//! same number in every report of it. (Until issue 11 every war report drew a fresh random toll
//! and date, so each report was a new figure and a desk's state grew with its article count,
//! which no real war's does.)
//!
//! Pure: a seed in, strings out. Used by `benches/` and the `frontline-bench` binary; nothing
//! in the daemon depends on it.

use chrono::{DateTime, Duration, TimeZone, Utc};

/// One generated article.
#[derive(Debug, Clone)]
pub struct Item {
    /// Unique within a generator.
    pub guid: String,
    /// Its link.
    pub link: String,
    /// Headline.
    pub title: String,
    /// Body as HTML paragraphs.
    pub html: String,
    /// Publication time.
    pub published: DateTime<Utc>,
    /// Whether it is about the war.
    pub war: bool,
}

/// A seeded generator of feeds and articles.
#[derive(Debug)]
pub struct Generator {
    rng: fastrand::Rng,
    next: u64,
    /// Share of items about the war (0..1).
    pub war_share: f64,
    /// Items published per day (all feeds together).
    pub items_per_day: u64,
}

const PLACES: &[&str] = &[
    "Stepanakert", "Shusha", "Hadrut", "Martuni", "Martakert", "Ganja", "Tartar", "Barda", "Fuzuli", "Jabrayil",
    "Agdam", "Goris", "Kapan", "Mingachevir", "Lachin", "Kalbajar", "Zangilan", "Qubadli",
];
const REPORTERS: &[(&str, &str)] = &[
    ("Armenia's Defence Ministry", "armenia"),
    ("The Nagorno-Karabakh defence ministry", "armenia"),
    ("Azerbaijan's Prosecutor-General's Office", "azerbaijan"),
    ("Azerbaijani presidential aide Hikmet Hajiyev", "azerbaijan"),
    ("The Nagorno-Karabakh ombudsman", "armenia"),
    ("The International Committee of the Red Cross", ""),
];
const ORDINARY_TOPICS: &[&str] = &[
    "the central bank kept its key rate unchanged",
    "the national football team drew its qualifier",
    "a new metro line opened to passengers",
    "grain exports rose for a third month",
    "the film festival announced its jury",
    "a heat wave pushed electricity demand to a record",
    "the parliament debated the budget for next year",
    "a tech start-up raised fresh funding",
    "the museum reopened after renovation",
    "airlines added winter routes",
];
const CITIES: &[&str] = &[
    "Tbilisi", "Berlin", "Madrid", "Cairo", "Jakarta", "Lima", "Oslo", "Nairobi",
];

impl Generator {
    /// A generator with `seed`; a quarter of the items are about the war.
    pub fn new(seed: u64) -> Generator {
        Generator {
            rng: fastrand::Rng::with_seed(seed),
            next: 0,
            war_share: 0.25,
            items_per_day: 5_000,
        }
    }

    /// A generator whose items are published from `last` on (up to six hours either way, as
    /// every item): what a live daemon receives after a stored corpus whose latest article was
    /// published at `last`.
    pub fn after(seed: u64, last: DateTime<Utc>) -> Generator {
        let mut g = Generator::new(seed);
        let seconds = (last - Self::start()).num_seconds().max(0) as u64;
        g.next = seconds.saturating_mul(g.items_per_day) / 86_400;
        g
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2020, 9, 27, 4, 0, 0)
            .single()
            .unwrap_or(DateTime::UNIX_EPOCH)
    }

    // The item's place in the stream, up to six hours either way.
    fn when(&mut self) -> DateTime<Utc> {
        let seconds = (self.next as i64).saturating_mul(86_400) / self.items_per_day.max(1) as i64;
        Self::start() + Duration::seconds(seconds) + Duration::minutes(self.rng.i64(-360..=360))
    }

    fn war_paragraphs(&mut self, published: DateTime<Utc>) -> (String, Vec<String>) {
        let place_index = self.rng.usize(..PLACES.len());
        let place = PLACES[place_index];
        let reporter_index = self.rng.usize(..REPORTERS.len());
        let (reporter, _) = REPORTERS[reporter_index];
        let hours = (published - Self::start()).num_hours().max(0) as u64;
        let (day, half) = (hours / 24, hours % 24 / 12);
        // The same strike is reported with the same numbers; a reporter's total grows each
        // half-day.
        let strike = mix(place_index as u64 * 1_000_003 + day);
        let killed = 1 + (strike % 59) as u32;
        let wounded = killed * (2 + (strike / 59 % 3) as u32);
        let toll = 100 + (reporter_index as u64 * 37) + day * 14 + half * 6;
        let other = *self.pick(PLACES);
        let kind = self.rng.u8(0..4);
        let title = match kind {
            0 => format!("Shelling of {place} kills {killed}"),
            1 => format!("Truce under strain as fighting spreads near {place}"),
            2 => format!("Military toll rises to {toll}"),
            _ => format!("Claims of advance near {place} disputed"),
        };
        let mut paras = vec![match kind {
            0 => format!(
                "{reporter} said {killed} civilians were killed and {wounded} wounded when artillery shells hit residential areas of {place} overnight."
            ),
            1 => format!(
                "Armenia and Azerbaijan accused each other of violating the humanitarian truce agreed in Moscow, with heavy shelling reported around {place} and {other}."
            ),
            2 => format!(
                "{reporter} said the death toll among its servicemen had risen to {toll} since fighting began on September 27."
            ),
            _ => format!(
                "Azerbaijan's defence ministry said its forces had taken control of several villages near {place}; Armenia denied the claim and said fighting continued."
            ),
        }];
        paras.push(format!(
            "Residents of {other} spent another night in basements as sirens sounded, local officials said."
        ));
        paras.push(
            "Russia, France and the United States, co-chairs of the OSCE Minsk Group, called for an immediate ceasefire."
                .to_string(),
        );
        (title, paras)
    }

    fn ordinary_paragraphs(&mut self) -> (String, Vec<String>) {
        let topic = *self.pick(ORDINARY_TOPICS);
        let city = *self.pick(CITIES);
        let n = self.rng.u32(2..90);
        let title = format!("In {city}, {topic}");
        let paras = vec![
            format!("Officials in {city} said on Tuesday that {topic}, in a move analysts had expected."),
            format!(
                "About {n} percent of those surveyed said they welcomed the news, according to a local polling firm."
            ),
            "The next update is due later this month, a spokesperson said.".to_string(),
        ];
        (title, paras)
    }

    /// The next article.
    pub fn item(&mut self) -> Item {
        self.next += 1;
        let war = self.rng.f64() < self.war_share;
        let published = self.when();
        let (title, paras) = if war {
            self.war_paragraphs(published)
        } else {
            self.ordinary_paragraphs()
        };
        Item {
            guid: format!("bench-{}", self.next),
            link: format!(
                "https://news.example/{}/{}",
                if war { "war" } else { "world" },
                self.next
            ),
            title,
            html: paras.iter().map(|p| format!("<p>{p}</p>")).collect(),
            published,
            war,
        }
    }

    /// The next article as plain text (title, blank line, paragraphs), for the extractor.
    pub fn text(&mut self) -> String {
        let item = self.item();
        let body = item.html.replace("<p>", "").replace("</p>", "\n");
        format!("{}\n\n{}", item.title, body.trim_end())
    }

    /// An RSS 2.0 document named `title` with `items` generated items.
    pub fn feed(&mut self, title: &str, items: usize) -> String {
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{title}</title>\
             <link>https://news.example/</link><description>Generated for benchmarks</description>\n"
        );
        for _ in 0..items {
            let it = self.item();
            out.push_str(&format!(
                "<item><guid isPermaLink=\"false\">{}</guid><link>{}</link><title>{}</title>\
                 <description><![CDATA[{}]]></description><pubDate>{}</pubDate></item>\n",
                it.guid,
                it.link,
                it.title,
                it.html,
                it.published.to_rfc2822()
            ));
        }
        out.push_str("</channel></rss>\n");
        out
    }
}

// splitmix64: a number per (place, day) that looks random and is always the same.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_feed_and_a_quarter_is_about_the_war() {
        assert_eq!(Generator::new(7).feed("x", 50), Generator::new(7).feed("x", 50));
        assert_ne!(Generator::new(7).feed("x", 50), Generator::new(8).feed("x", 50));
        let mut g = Generator::new(1);
        let war = (0..4000).filter(|_| g.item().war).count();
        assert!((800..1200).contains(&war), "{war}");
    }

    #[test]
    fn generated_feeds_parse_and_war_items_match_the_shipped_profile() {
        let mut g = Generator::new(3);
        let doc = g.feed("bench", 200);
        let parsed = crate::feed::parse("bench", doc.as_bytes(), None).unwrap();
        assert_eq!(parsed.articles.len(), 200);
        let lex = crate::extract::testkit::lex();
        let kept = parsed
            .articles
            .iter()
            .filter(|a| !lex.matcher.matches(a).is_empty())
            .count();
        assert!((30..80).contains(&kept), "{kept} of 200 kept");
    }
}
