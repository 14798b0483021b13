//! The conflict profile: everything conflict-specific (topic rules, sides, actors, locations) in
//! one TOML file, validated at load like the config, with a stable hash.
//!
//! Pure data and validation; no matching here (see `matcher`) and no I/O beyond reading the file.
//! Another war is another profile file, never code.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::config::{ConfigError, is_valid_id, load_toml};

/// The serde shape of a profile file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    /// The profile's id (`nagorno-karabakh`).
    pub id: Spanned<String>,
    /// A human name for the conflict.
    pub name: String,
    /// `[[topic]]`: rules deciding which articles belong to the conflict (keep rules).
    #[serde(default, rename = "topic")]
    pub topics: Vec<Spanned<RawTopic>>,
    /// `[[block]]`: rules that reject an article even when a topic rule keeps it.
    #[serde(default, rename = "block")]
    pub blocks: Vec<Spanned<RawTopic>>,
    /// `[[side]]`: the belligerent sides.
    #[serde(default, rename = "side")]
    pub sides: Vec<Spanned<Side>>,
    /// `[[actor]]`: states, bodies and groups that act or speak in the conflict.
    #[serde(default, rename = "actor")]
    pub actors: Vec<Spanned<Actor>>,
    /// `[[location]]`: the gazetteer.
    #[serde(default, rename = "location")]
    pub locations: Vec<Spanned<Location>>,
    /// `[[reporter]]`: who publishes figures (ministries, prosecutors, ombudsmen, agencies).
    #[serde(default, rename = "reporter")]
    pub reporters: Vec<Spanned<Reporter>>,
    /// `[[country]]`: the states locations lie in, with the codes other datasets use.
    #[serde(default, rename = "country")]
    pub countries: Vec<Spanned<Country>>,
    /// The conflict zone's UTC offset (`+04:00`): "noon local time" means noon here.
    #[serde(default)]
    pub timezone: Option<Spanned<String>>,
    /// When the conflict began (`2020-09-27`): figures in sentences about earlier years are
    /// background, not the conflict's.
    #[serde(default)]
    pub started: Option<Spanned<String>>,
    /// `[vocabulary]`: words added to the extractor's built-in English vocabulary.
    #[serde(default)]
    pub vocabulary: Vocabulary,
}

/// What kind of body a reporter is; the headline rules choose among reporters by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReporterKind {
    /// A defence ministry, army or military command.
    Military,
    /// A prosecutor's office.
    Prosecutor,
    /// An ombudsman or human-rights defender.
    Ombudsman,
    /// A health ministry or forensic service.
    Health,
    /// A president, government, foreign ministry or other official body.
    Government,
    /// The UN, the ICRC, a human-rights group: a third party.
    International,
    /// A news outlet speaking for itself.
    Media,
    /// Anyone else.
    Other,
}

/// A body that publishes figures, with the side it speaks for (none for a third party).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Reporter {
    /// Reporter id (`armenia-mod`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// The side it belongs to; absent for third parties.
    #[serde(default)]
    pub side: Option<String>,
    /// What kind of body it is.
    pub kind: ReporterKind,
    /// The ways articles name it.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// Words a profile adds to the extractor's built-in English vocabulary. Every list is optional
/// and extends, never replaces, the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Vocabulary {
    /// Nouns for combatants ("servicemen", "fighters").
    pub military_nouns: Vec<String>,
    /// Nouns for non-combatants ("civilians", "residents").
    pub civilian_nouns: Vec<String>,
    /// Nouns for people of unstated status ("people", "victims").
    pub person_nouns: Vec<String>,
    /// Words for dying ("killed", "perished").
    pub killed_words: Vec<String>,
    /// Words for being wounded ("wounded", "injured").
    pub injured_words: Vec<String>,
    /// Words for going missing.
    pub missing_words: Vec<String>,
    /// Words for being captured ("captured", "taken prisoner").
    pub captured_words: Vec<String>,
    /// Names of a truce ("ceasefire", "humanitarian truce").
    pub ceasefire_words: Vec<String>,
    /// Verbs of taking a place ("captured", "liberated").
    pub capture_verbs: Vec<String>,
    /// Verbs of losing a place ("withdrew from").
    pub loss_verbs: Vec<String>,
    /// Verbs of accusing ("accused", "blamed").
    pub accuse_verbs: Vec<String>,
    /// Verbs of denying ("denied", "rejected").
    pub deny_verbs: Vec<String>,
    /// Verbs of attribution ("said", "reported").
    pub speech_verbs: Vec<String>,
}

/// One `[[topic]]` rule as written. It matches an article when every `all` group has a hit,
/// at least one `any` term hits (if any are given), at least one `regex` matches (if any are
/// given), and no `none` term hits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTopic {
    /// Rule id, reported as `matched_rules`.
    pub id: String,
    /// What the rule is for (documentation only).
    #[serde(default)]
    pub description: String,
    /// Groups of terms; each group must have a hit.
    #[serde(default)]
    pub all: Vec<Vec<String>>,
    /// Terms of which at least one must hit.
    #[serde(default)]
    pub any: Vec<String>,
    /// Terms of which none may hit.
    #[serde(default)]
    pub none: Vec<String>,
    /// Regular expressions (run on folded text) of which at least one must match.
    #[serde(default)]
    pub regex: Vec<String>,
}

/// A validated topic rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Topic {
    /// Rule id.
    pub id: String,
    /// Groups of terms that must each hit.
    pub all: Vec<Vec<String>>,
    /// Terms of which one must hit (empty: no requirement).
    pub any: Vec<String>,
    /// Terms of which none may hit.
    pub none: Vec<String>,
    /// Regexes of which one must match (empty: no requirement).
    pub regex: Vec<String>,
}

/// A belligerent side.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Side {
    /// Side id (`armenia`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Names, adjectives and demonyms that denote the side.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// What an actor is to the conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Fights in it.
    Belligerent,
    /// Brokers talks or truces.
    Mediator,
    /// Supports a belligerent.
    Backer,
    /// The UN, the ICRC, the OSCE and the like.
    InternationalBody,
    /// Anyone else worth tracking.
    Other,
}

/// A state, body or group that acts or speaks in the conflict.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// Actor id (`russia`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// For belligerents: the side it belongs to.
    #[serde(default)]
    pub side: Option<String>,
    /// Other names it goes by (`Moscow`, `Kremlin`).
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// A state, with the codes the export formats use (ACLED: numeric ISO and region; GDELT: FIPS).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Country {
    /// Country id (`azerbaijan`).
    pub id: String,
    /// Display name, as ACLED and UCDP spell it.
    pub name: String,
    /// ISO 3166-1 numeric code (Azerbaijan 31).
    pub iso: u16,
    /// ISO 3166-1 alpha-3 code (`AZE`).
    pub iso3: String,
    /// FIPS 10-4 code, as GDELT uses (`AJ`).
    pub fips: String,
    /// ACLED's region (`Caucasus and Central Asia`).
    pub region: String,
}

/// What kind of place a location is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocationKind {
    /// A capital city.
    Capital,
    /// A city.
    City,
    /// A town.
    Town,
    /// A village.
    Village,
    /// An administrative district.
    District,
    /// A region larger than a district.
    Region,
    /// A mountain pass, corridor, river crossing or similar.
    Feature,
}

/// A place in the gazetteer.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Location id (`ganja`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Spelling variants and transliterations.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Kind of place.
    pub kind: LocationKind,
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// The side holding it when the conflict began (whose civilians live there).
    #[serde(default)]
    pub held_by: Option<String>,
    /// The country it lies in de jure (a country id), as ACLED and UCDP code it.
    #[serde(default)]
    pub country: Option<String>,
}

/// A validated profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// Profile id.
    pub id: String,
    /// Human name.
    pub name: String,
    /// Topic rules, in file order.
    pub topics: Vec<Topic>,
    /// Block rules: an article any of them matches is rejected.
    pub blocks: Vec<Topic>,
    /// Sides.
    pub sides: Vec<Side>,
    /// Actors.
    pub actors: Vec<Actor>,
    /// Locations.
    pub locations: Vec<Location>,
    /// Reporters.
    pub reporters: Vec<Reporter>,
    /// Countries.
    pub countries: Vec<Country>,
    /// UTC offset of the conflict zone, in seconds east of UTC.
    pub utc_offset_secs: i32,
    /// When the conflict began.
    pub started: Option<chrono::NaiveDate>,
    /// Added vocabulary.
    pub vocabulary: Vocabulary,
    /// The file it came from (not part of the hash).
    #[serde(skip)]
    pub source: PathBuf,
}

impl Profile {
    /// Loads and validates the profile at `path`.
    pub fn load(path: &Path) -> Result<Profile, ConfigError> {
        let (raw, text) = load_toml::<RawProfile>(path)?;
        Profile::validate(raw, path, &text)
    }

    /// Checks `raw`, read from `path` whose contents are `text`.
    pub fn validate(raw: RawProfile, path: &Path, text: &str) -> Result<Profile, ConfigError> {
        let err =
            |span: std::ops::Range<usize>, key: String, msg: String| ConfigError::at(path, text, Some(span), key, msg);

        if !is_valid_id(raw.id.get_ref()) {
            return Err(err(raw.id.span(), "id".into(), invalid_id(raw.id.get_ref())));
        }
        if raw.topics.is_empty() {
            return Err(ConfigError::at(
                path,
                text,
                None,
                "topic",
                "a profile needs at least one [[topic]] rule",
            ));
        }

        // Keep and block rules share one shape, one id space and one validation.
        let mut seen = BTreeSet::new();
        let mut rules = |raw_rules: &[Spanned<RawTopic>], section: &str| -> Result<Vec<Topic>, ConfigError> {
            let mut out = Vec::with_capacity(raw_rules.len());
            for (i, t) in raw_rules.iter().enumerate() {
                let key = format!("{section}[{i}]");
                let span = t.span();
                let t = t.get_ref();
                check_id(&t.id, &mut seen).map_err(|m| err(span.clone(), format!("{key}.id"), m))?;
                if t.all.is_empty() && t.any.is_empty() && t.regex.is_empty() {
                    return Err(err(
                        span,
                        key,
                        format!("rule {:?} needs at least one of `all`, `any` or `regex`", t.id),
                    ));
                }
                let terms = t.all.iter().flatten().chain(&t.any).chain(&t.none);
                if terms.clone().any(|s| s.trim().is_empty()) {
                    return Err(err(span, key, format!("rule {:?} has an empty term", t.id)));
                }
                if let Some(g) = t.all.iter().position(Vec::is_empty) {
                    return Err(err(
                        span,
                        format!("{key}.all[{g}]"),
                        format!("rule {:?} has an empty `all` group", t.id),
                    ));
                }
                for (j, re) in t.regex.iter().enumerate() {
                    if let Err(e) = regex::RegexBuilder::new(re).case_insensitive(true).build() {
                        let msg = format!("invalid regex in rule {:?}: {}", t.id, e.to_string().replace('\n', " "));
                        return Err(err(span, format!("{key}.regex[{j}]"), msg));
                    }
                }
                out.push(Topic {
                    id: t.id.clone(),
                    all: t.all.clone(),
                    any: t.any.clone(),
                    none: t.none.clone(),
                    regex: t.regex.clone(),
                });
            }
            Ok(out)
        };
        let topics = rules(&raw.topics, "topic")?;
        let blocks = rules(&raw.blocks, "block")?;

        let mut side_ids = BTreeSet::new();
        for (i, s) in raw.sides.iter().enumerate() {
            check_id(&s.get_ref().id, &mut side_ids).map_err(|m| err(s.span(), format!("side[{i}].id"), m))?;
        }
        let mut actor_ids = BTreeSet::new();
        for (i, a) in raw.actors.iter().enumerate() {
            let actor = a.get_ref();
            check_id(&actor.id, &mut actor_ids).map_err(|m| err(a.span(), format!("actor[{i}].id"), m))?;
            if let Some(side) = &actor.side
                && !side_ids.contains(side)
            {
                return Err(err(
                    a.span(),
                    format!("actor[{i}].side"),
                    format!("unknown side {side:?}; sides are {side_ids:?}"),
                ));
            }
        }
        let mut country_ids = BTreeSet::new();
        for (i, c) in raw.countries.iter().enumerate() {
            let country = c.get_ref();
            check_id(&country.id, &mut country_ids).map_err(|m| err(c.span(), format!("country[{i}].id"), m))?;
            let letters = |code: &str, n: usize| code.len() == n && code.bytes().all(|b| b.is_ascii_uppercase());
            if !letters(&country.iso3, 3) {
                let msg = format!(
                    "{:?} is not an ISO 3166-1 alpha-3 code (three capitals, `AZE`)",
                    country.iso3
                );
                return Err(err(c.span(), format!("country[{i}].iso3"), msg));
            }
            if !letters(&country.fips, 2) {
                let msg = format!("{:?} is not a FIPS 10-4 code (two capitals, `AJ`)", country.fips);
                return Err(err(c.span(), format!("country[{i}].fips"), msg));
            }
        }
        let mut location_ids = BTreeSet::new();
        for (i, l) in raw.locations.iter().enumerate() {
            let loc = l.get_ref();
            check_id(&loc.id, &mut location_ids).map_err(|m| err(l.span(), format!("location[{i}].id"), m))?;
            if !(-90.0..=90.0).contains(&loc.lat) || !(-180.0..=180.0).contains(&loc.lon) {
                let msg = format!(
                    "coordinates of {:?} out of range: lat {} lon {}",
                    loc.id, loc.lat, loc.lon
                );
                return Err(err(l.span(), format!("location[{i}]"), msg));
            }
            if let Some(side) = &loc.held_by
                && !side_ids.contains(side)
            {
                let msg = format!("unknown side {side:?}; sides are {side_ids:?}");
                return Err(err(l.span(), format!("location[{i}].held_by"), msg));
            }
            if let Some(country) = &loc.country
                && !country_ids.contains(country)
            {
                let msg = format!("unknown country {country:?}; countries are {country_ids:?}");
                return Err(err(l.span(), format!("location[{i}].country"), msg));
            }
        }
        let mut reporter_ids = BTreeSet::new();
        for (i, r) in raw.reporters.iter().enumerate() {
            let rep = r.get_ref();
            check_id(&rep.id, &mut reporter_ids).map_err(|m| err(r.span(), format!("reporter[{i}].id"), m))?;
            if let Some(side) = &rep.side
                && !side_ids.contains(side)
            {
                let msg = format!("unknown side {side:?}; sides are {side_ids:?}");
                return Err(err(r.span(), format!("reporter[{i}].side"), msg));
            }
        }
        let started = match &raw.started {
            None => None,
            Some(d) => Some(chrono::NaiveDate::parse_from_str(d.get_ref(), "%Y-%m-%d").map_err(|_| {
                err(
                    d.span(),
                    "started".into(),
                    format!("invalid date {:?}: write it like \"2020-09-27\"", d.get_ref()),
                )
            })?),
        };
        let utc_offset_secs = match &raw.timezone {
            None => 0,
            Some(tz) => parse_offset(tz.get_ref()).ok_or_else(|| {
                let msg = format!(
                    "invalid UTC offset {:?}: write it like \"+04:00\" or \"-05:30\"",
                    tz.get_ref()
                );
                err(tz.span(), "timezone".into(), msg)
            })?,
        };

        Ok(Profile {
            id: raw.id.into_inner(),
            name: raw.name,
            topics,
            blocks,
            sides: raw.sides.into_iter().map(Spanned::into_inner).collect(),
            actors: raw.actors.into_iter().map(Spanned::into_inner).collect(),
            locations: raw.locations.into_iter().map(Spanned::into_inner).collect(),
            reporters: raw.reporters.into_iter().map(Spanned::into_inner).collect(),
            countries: raw.countries.into_iter().map(Spanned::into_inner).collect(),
            utc_offset_secs,
            started,
            vocabulary: raw.vocabulary,
            source: path.to_path_buf(),
        })
    }

    /// The location with id `id`.
    pub fn location(&self, id: &str) -> Option<&Location> {
        self.locations.iter().find(|l| l.id == id)
    }

    /// The country `location` lies in, if the profile says.
    pub fn country_of(&self, location: &Location) -> Option<&Country> {
        let id = location.country.as_deref()?;
        self.countries.iter().find(|c| c.id == id)
    }

    /// The side with id `id`.
    pub fn side(&self, id: &str) -> Option<&Side> {
        self.sides.iter().find(|s| s.id == id)
    }

    /// In a two-sided conflict, the side that is not `id` (none with more sides, or an unknown
    /// `id`): whose forces a side's losses are attributed to, whom a denial answers.
    pub fn other_side(&self, id: &str) -> Option<&Side> {
        match self.sides.as_slice() {
            [a, b] if a.id == id => Some(b),
            [a, b] if b.id == id => Some(a),
            _ => None,
        }
    }

    /// A stable hash of the profile's content: the same rules and gazetteer give the same hash,
    /// whatever the comments, whitespace or key order of the file. Projections record it, so a
    /// changed profile triggers a rebuild.
    pub fn hash(&self) -> String {
        // serde_json writes struct fields in declaration order and Vecs in file order, so the
        // bytes depend only on content.
        let canonical = serde_json::to_vec(self).expect("invariant: a Profile always serializes to JSON");
        blake3::hash(&canonical).to_hex()[..16].to_string()
    }
}

// "+04:00", "-05:30", "Z" or "UTC" → seconds east of UTC.
fn parse_offset(s: &str) -> Option<i32> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("utc") {
        return Some(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if !(0..=14).contains(&h) || !(0..=59).contains(&m) {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

fn check_id(id: &str, seen: &mut BTreeSet<String>) -> Result<(), String> {
    if !is_valid_id(id) {
        return Err(invalid_id(id));
    }
    if !seen.insert(id.to_string()) {
        return Err(format!("duplicate id {id:?}"));
    }
    Ok(())
}

fn invalid_id(id: &str) -> String {
    format!("{id:?} is not a valid id: use lower-case ASCII letters, digits and '-'")
}

#[cfg(test)]
mod tests;
