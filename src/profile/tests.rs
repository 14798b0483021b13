//! Profile validation and the stability of its hash.

use std::path::Path;

use super::{Profile, RawProfile, Role};
use crate::config::{ConfigError, parse_toml};

fn load_str(text: &str) -> Result<Profile, ConfigError> {
    let path = Path::new("p.toml");
    let raw: RawProfile = parse_toml(path, text)?;
    Profile::validate(raw, path, text)
}

const MINIMAL: &str = r#"
id = "test-war"
name = "Test war"

[[topic]]
id = "war"
any = ["war"]

[[side]]
id = "north"
name = "North"

[[actor]]
id = "north"
name = "North"
role = "belligerent"
side = "north"

[[location]]
id = "capital"
name = "Capital"
kind = "capital"
lat = 1.5
lon = 2.5
"#;

#[test]
fn shipped_profile_is_valid_and_complete() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/profiles/nagorno-karabakh.toml");
    let p = Profile::load(&path).unwrap();
    assert_eq!(p.id, "nagorno-karabakh");
    assert_eq!(p.started, chrono::NaiveDate::from_ymd_opt(2020, 9, 27));
    let ids = |v: Vec<&str>| v.into_iter().map(String::from).collect::<Vec<_>>();
    assert_eq!(
        p.sides.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        ids(vec!["armenia", "azerbaijan"])
    );
    for actor in [
        "armenia", "azerbaijan", "nagorno-karabakh", "russia", "turkey", "france", "united-states", "iran",
        "osce-minsk-group", "syria", "israel", "georgia", "european-union", "united-nations", "icrc",
    ] {
        assert!(
            p.actors.iter().any(|a| a.id == actor),
            "DESIGN.md requires actor {actor}"
        );
    }
    for place in [
        "stepanakert", "shusha", "hadrut", "martuni", "martakert", "ganja", "tartar", "barda", "agdam", "fuzuli",
        "jabrayil", "zangilan", "qubadli", "lachin", "kalbajar", "mingachevir", "goris", "yerevan", "baku",
    ] {
        assert!(
            p.locations.iter().any(|l| l.id == place),
            "DESIGN.md requires location {place}"
        );
    }
    let russia = p.actors.iter().find(|a| a.id == "russia").unwrap();
    assert_eq!(russia.role, Role::Mediator);
    // The exports need a country for every place; Karabakh lies in Azerbaijan de jure.
    for l in &p.locations {
        assert!(p.country_of(l).is_some(), "location {} has no country", l.id);
    }
    let shusha = p.location("shusha").unwrap();
    assert_eq!(p.country_of(shusha).map(|c| (c.iso, c.fips.as_str())), Some((31, "AJ")));
}

#[test]
fn hash_depends_on_content_not_layout() {
    let a = load_str(MINIMAL).unwrap();
    let reformatted = format!(
        "# a comment\n{}",
        MINIMAL
            .replace("\n\n", "\n\n\n")
            .replace("lat = 1.5\nlon = 2.5", "lon = 2.5\nlat = 1.5")
    );
    assert_eq!(a.hash(), load_str(&reformatted).unwrap().hash());
    let changed = load_str(&MINIMAL.replace(r#"any = ["war"]"#, r#"any = ["war", "battle"]"#)).unwrap();
    assert_ne!(a.hash(), changed.hash());
}

#[test]
fn errors_name_the_key() {
    let check = |text: String, expected: &str| match load_str(&text) {
        Ok(_) => panic!("expected {expected:?}"),
        Err(e) => assert_eq!(e.to_string(), expected),
    };
    check(
        MINIMAL.replace(r#"side = "north""#, r#"side = "south""#),
        "p.toml:13:1: actor[0].side: unknown side \"south\"; sides are {\"north\"}",
    );
    check(
        MINIMAL.replace("lat = 1.5", "lat = 91.0"),
        "p.toml:19:1: location[0]: coordinates of \"capital\" out of range: lat 91 lon 2.5",
    );
    check(
        MINIMAL.replace(r#"id = "war""#, r#"id = "War""#),
        "p.toml:5:1: topic[0].id: \"War\" is not a valid id: use lower-case ASCII letters, digits and '-'",
    );
    check(
        MINIMAL.replace(r#"name = "Test war""#, "name = \"Test war\"\nstarted = \"27/09/2020\""),
        "p.toml:4:11: started: invalid date \"27/09/2020\": write it like \"2020-09-27\"",
    );
    check(
        MINIMAL.replace("lon = 2.5", "lon = 2.5\ncountry = \"atlantis\""),
        "p.toml:19:1: location[0].country: unknown country \"atlantis\"; countries are {}",
    );
    check(
        format!(
            "{MINIMAL}\n[[country]]\nid = \"north\"\nname = \"North\"\niso = 1\niso3 = \"NO\"\nfips = \"NO\"\nregion = \"Europe\"\n"
        ),
        "p.toml:26:1: country[0].iso3: \"NO\" is not an ISO 3166-1 alpha-3 code (three capitals, `AZE`)",
    );
    check(
        format!("{MINIMAL}\n[[topic]]\nid = \"empty\"\nnone = [\"x\"]\n"),
        "p.toml:26:1: topic[1]: rule \"empty\" needs at least one of `all`, `any` or `regex`",
    );
}

#[test]
fn bad_regex_and_unknown_role_messages() {
    let e = load_str(&MINIMAL.replace(r#"any = ["war"]"#, r#"regex = ["(unclosed"]"#))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("p.toml:5:1: topic[0].regex[0]: invalid regex in rule \"war\": regex parse error"),
        "{e}"
    );
    let e = load_str(&MINIMAL.replace(r#"role = "belligerent""#, r#"role = "villain""#))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("p.toml:16:8: actor[0].role: unknown variant `villain`"),
        "{e}"
    );
}
