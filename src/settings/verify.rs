//! Verification settings: the command-line flags, then the config file's `[verify]` table
//! for whatever the flags leave open. Destinations are not configurable in the file: a
//! `.ferret.toml` inside a scanned tree must not be able to send secrets elsewhere.
pub use crate::cli::FailOn;
use crate::cli::VerifyArgs;
use ferret_engine::finding::{Finding, Status};
use ferret_verify::{VerifySettings, DEFAULT_CONCURRENCY, DEFAULT_DEADLINE, DEFAULT_TIMEOUT};
use serde::Deserialize;
use std::time::Duration;

impl FailOn {
    /// Whether `f` makes the exit code non-zero.
    pub fn fails(self, f: &Finding) -> bool {
        let v = f.verification.as_ref();
        match self {
            FailOn::Any => true,
            FailOn::Live => v.is_some_and(|v| v.status == Status::Verified),
            FailOn::Write => v.is_some_and(|v| v.can_write()),
        }
    }
}

/// Whether and how a run verifies, and what fails it.
#[derive(Debug, Clone)]
pub struct VerifyPlan {
    pub enabled: bool,
    pub settings: VerifySettings,
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
    /// Seconds for the whole verification phase.
    #[serde(default)]
    deadline: Option<u64>,
    #[serde(default)]
    fail_on: Option<String>,
}

impl VerifyPlan {
    /// Combines the flags with the config's `[verify]` table. `--fail-on live|write` turns
    /// verification on (it cannot be answered otherwise); with `--no-verify` it falls back
    /// to `any`, so skipping verification never lets a finding pass unnoticed.
    pub fn resolve(a: &VerifyArgs, config: Option<&toml::Value>) -> Result<VerifyPlan, String> {
        let table = parse_config(config)?;
        let fail_on = match (a.fail_on, table.fail_on.as_deref()) {
            (Some(f), _) => f,
            (None, Some(s)) => parse_fail_on(s)?,
            (None, None) => FailOn::Any,
        };
        let flag = if a.no_verify {
            Some(false)
        } else if a.verify {
            Some(true)
        } else {
            None
        };
        let enabled = match flag {
            Some(e) => e,
            None => table.enabled.unwrap_or(false) || fail_on != FailOn::Any,
        };
        Ok(VerifyPlan {
            enabled,
            settings: VerifySettings {
                redirects: a.verify_redirect.clone(),
                timeout: a
                    .verify_timeout
                    .or(table.timeout)
                    .map_or(DEFAULT_TIMEOUT, Duration::from_secs),
                concurrency: a
                    .verify_concurrency
                    .map(|n| n as usize)
                    .or(table.concurrency)
                    .unwrap_or(DEFAULT_CONCURRENCY),
                deadline: a
                    .verify_deadline
                    .or(table.deadline)
                    .map_or(DEFAULT_DEADLINE, Duration::from_secs),
            },
            fail_on: if enabled { fail_on } else { FailOn::Any },
        })
    }
}

/// Checks a config file's `[verify]` table; the error is one line.
pub fn check_table(config: &toml::Value) -> Result<(), String> {
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
    if t.deadline.is_some_and(|s| !(1..=3600).contains(&s)) {
        return Err("[verify]: deadline must be 1 to 3600 seconds".into());
    }
    Ok(t)
}

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    match s {
        "any" => Ok(FailOn::Any),
        "live" => Ok(FailOn::Live),
        "write" => Ok(FailOn::Write),
        _ => Err(format!(
            "[verify]: fail_on {} must be any, live or write",
            ferret_rules::safe::quoted(s)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(s: &str) -> toml::Value {
        toml::from_str(s).unwrap()
    }

    fn args() -> VerifyArgs {
        VerifyArgs::default()
    }

    #[test]
    fn off_unless_asked() {
        let s = VerifyPlan::resolve(&args(), None).unwrap();
        assert!(!s.enabled);
        assert_eq!(s.fail_on, FailOn::Any);
        assert_eq!(s.settings.timeout, DEFAULT_TIMEOUT);
        assert_eq!(s.settings.concurrency, DEFAULT_CONCURRENCY);
    }

    #[test]
    fn config_fills_what_flags_leave_open() {
        let c = table("enabled = true\ntimeout = 3\nfail_on = \"write\"");
        let s = VerifyPlan::resolve(&args(), Some(&c)).unwrap();
        assert!(s.enabled);
        assert_eq!(s.settings.timeout, Duration::from_secs(3));
        assert_eq!(s.fail_on, FailOn::Write);
        let off = VerifyArgs {
            no_verify: true,
            ..args()
        };
        let s = VerifyPlan::resolve(&off, Some(&c)).unwrap();
        assert!(!s.enabled);
        assert_eq!(
            s.fail_on,
            FailOn::Any,
            "no verification: every finding counts"
        );
    }

    #[test]
    fn fail_on_live_turns_verification_on() {
        let a = VerifyArgs {
            fail_on: Some(FailOn::Live),
            ..args()
        };
        assert!(VerifyPlan::resolve(&a, None).unwrap().enabled);
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
            assert!(check_table(&table(t)).is_err(), "{t}");
        }
    }

    #[test]
    fn fail_on_reads_typed_verification() {
        use ferret_engine::finding::Verification;
        let with = |v: Verification| Finding {
            verification: Some(v),
            ..Finding::default()
        };
        let write = with(Verification {
            write_scopes: Some(vec!["b:write".into()]),
            ..Verification::new(Status::Verified)
        });
        let read = with(Verification {
            write_scopes: Some(vec![]),
            ..Verification::new(Status::Verified)
        });
        let dead = with(Verification::new(Status::Invalid));
        assert!(FailOn::Write.fails(&write) && FailOn::Live.fails(&write));
        assert!(FailOn::Live.fails(&read) && !FailOn::Write.fails(&read));
        assert!(FailOn::Any.fails(&dead) && !FailOn::Live.fails(&dead));
    }
}
