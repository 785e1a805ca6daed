//! Verification settings: the command-line flags, then the config file's `[verify]` table
//! for whatever the flags leave open. Destinations are not configurable in the file: a
//! `.ferret.toml` inside a scanned tree must not be able to send secrets elsewhere.
use super::target::Redirect;
use crate::cli::FailOn;
use serde::Deserialize;
use std::time::Duration;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_CONCURRENCY: usize = 8;

/// What the command line said; `None` leaves the choice to the config file.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// `--verify` (true) or `--no-verify` (false).
    pub enabled: Option<bool>,
    pub redirects: Vec<Redirect>,
    pub timeout: Option<Duration>,
    pub concurrency: Option<usize>,
    pub fail_on: Option<FailOn>,
}

/// The settings a run verifies with.
#[derive(Debug, Clone)]
pub struct VerifySettings {
    pub enabled: bool,
    pub redirects: Vec<Redirect>,
    pub timeout: Duration,
    pub concurrency: usize,
    pub fail_on: FailOn,
}

/// The config file's `[verify]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigTable {
    #[serde(default)]
    enabled: Option<bool>,
    /// Seconds.
    #[serde(default)]
    timeout: Option<u64>,
    #[serde(default)]
    concurrency: Option<usize>,
    #[serde(default)]
    fail_on: Option<String>,
}

impl VerifyOptions {
    /// Combines the flags with the config's `[verify]` table. `--fail-on live|write` turns
    /// verification on (it cannot be answered otherwise); with `--no-verify` it falls back
    /// to `any`, so skipping verification never lets a finding pass unnoticed.
    pub fn resolve(&self, config: Option<&toml::Value>) -> Result<VerifySettings, String> {
        let table = parse_config(config)?;
        let fail_on = match (self.fail_on, table.fail_on.as_deref()) {
            (Some(f), _) => f,
            (None, Some(s)) => parse_fail_on(s)?,
            (None, None) => FailOn::Any,
        };
        let enabled = match self.enabled {
            Some(e) => e,
            None => table.enabled.unwrap_or(false) || fail_on != FailOn::Any,
        };
        Ok(VerifySettings {
            enabled,
            redirects: self.redirects.clone(),
            timeout: self
                .timeout
                .or(table.timeout.map(Duration::from_secs))
                .unwrap_or(DEFAULT_TIMEOUT),
            concurrency: self
                .concurrency
                .or(table.concurrency)
                .unwrap_or(DEFAULT_CONCURRENCY),
            fail_on: if enabled { fail_on } else { FailOn::Any },
        })
    }
}

/// Checks a config file's `[verify]` table; the error is one line.
pub fn check_config(config: &toml::Value) -> Result<(), String> {
    parse_config(Some(config)).map(|_| ())
}

fn parse_config(config: Option<&toml::Value>) -> Result<ConfigTable, String> {
    let Some(v) = config else {
        return Ok(ConfigTable::default());
    };
    let t: ConfigTable = v.clone().try_into().map_err(|e: toml::de::Error| {
        let msg = e.to_string();
        let line = msg
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("invalid");
        format!("[verify]: {}", line.trim())
    })?;
    if let Some(s) = &t.fail_on {
        parse_fail_on(s)?;
    }
    if t.timeout.is_some_and(|s| !(1..=600).contains(&s)) {
        return Err("[verify]: timeout must be 1 to 600 seconds".into());
    }
    if t.concurrency.is_some_and(|n| !(1..=64).contains(&n)) {
        return Err("[verify]: concurrency must be 1 to 64".into());
    }
    Ok(t)
}

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    match s {
        "any" => Ok(FailOn::Any),
        "live" => Ok(FailOn::Live),
        "write" => Ok(FailOn::Write),
        _ => Err(format!(
            "[verify]: fail_on {s:?} must be any, live or write"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(s: &str) -> toml::Value {
        toml::from_str(s).unwrap()
    }

    #[test]
    fn off_unless_asked() {
        let s = VerifyOptions::default().resolve(None).unwrap();
        assert!(!s.enabled);
        assert_eq!(s.fail_on, FailOn::Any);
        assert_eq!(s.timeout, DEFAULT_TIMEOUT);
        assert_eq!(s.concurrency, DEFAULT_CONCURRENCY);
    }

    #[test]
    fn config_fills_what_flags_leave_open() {
        let c = table("enabled = true\ntimeout = 3\nfail_on = \"write\"");
        let s = VerifyOptions::default().resolve(Some(&c)).unwrap();
        assert!(s.enabled);
        assert_eq!(s.timeout, Duration::from_secs(3));
        assert_eq!(s.fail_on, FailOn::Write);
        let off = VerifyOptions {
            enabled: Some(false),
            ..Default::default()
        };
        let s = off.resolve(Some(&c)).unwrap();
        assert!(!s.enabled);
        assert_eq!(
            s.fail_on,
            FailOn::Any,
            "no verification: every finding counts"
        );
    }

    #[test]
    fn fail_on_live_turns_verification_on() {
        let o = VerifyOptions {
            fail_on: Some(FailOn::Live),
            ..Default::default()
        };
        assert!(o.resolve(None).unwrap().enabled);
    }

    #[test]
    fn bad_tables_are_rejected() {
        for t in [
            "redirect = \"x\"",
            "fail_on = \"sometimes\"",
            "timeout = 0",
            "concurrency = 1000",
            "enabled = \"yes\"",
        ] {
            assert!(check_config(&table(t)).is_err(), "{t}");
        }
    }
}
