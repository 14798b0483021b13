//! The systemd unit: `systemd-analyze security --offline=yes` must rate its exposure 2.0 or
//! lower. Skipped, with a message, where systemd-analyze is not installed.

use std::process::Command;

use crate::support::root;

#[test]
fn unit_exposure_is_at_most_2() {
    let unit = root().join("systemd/frontlined.service");
    let out = match Command::new("systemd-analyze")
        .args(["security", "--offline=yes"])
        .arg(&unit)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("skipping: systemd-analyze is not available ({e}); .ci/run installs it");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stdout
        .lines()
        .find(|l| l.contains("Overall exposure level for frontlined.service"))
        .unwrap_or_else(|| panic!("no exposure line; stdout:\n{stdout}\nstderr:\n{stderr}"));
    let score: f64 = line
        .split(':')
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("cannot read the score in {line:?}"));
    assert!(score <= 2.0, "exposure {score} > 2.0: {line}");
    // Unknown or misspelt directives are warnings, which would mean a setting silently unused.
    assert!(
        !stderr.contains("Unknown key") && !stderr.contains("Unknown section"),
        "{stderr}"
    );
}
