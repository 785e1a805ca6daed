//! Live verification: is a found secret accepted by the service that issued it, and what
//! can it do?
//!
//! After the scan, each distinct (rule, secret) pair whose rule has a `[rules.verify]`
//! block ([`spec`]) is checked once ([`cache`]) with one harmless read-only request
//! ([`client`]), a few at a time, and every finding of that pair gets the same result in
//! `Finding::verification`. Write-capable scopes are picked out by [`scopes`]. Nothing
//! here runs unless verification is turned on ([`settings`]).
//!
//! The verdicts: `verified` (the service accepted the key), `invalid` (it authoritatively
//! rejected it) and `unknown` with a reason (timeouts, connection errors, rate limits and
//! server errors after retries, unexpected statuses or bodies). A rate limit or a server
//! error is never `invalid`.

mod cache;
pub mod client;
pub mod scopes;
pub mod settings;
pub mod spec;
pub mod target;

pub use settings::{check_config, VerifyOptions, VerifySettings};
pub use spec::VerifySpec;
pub use target::Redirect;

use crate::cli::FailOn;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::finding::Finding;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Verified,
    Invalid,
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Verified => "verified",
            Status::Invalid => "invalid",
            Status::Unknown => "unknown",
        }
    }
}

/// The result of checking one secret.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub status: Status,
    pub reason: Option<String>,
    pub http_status: Option<u16>,
    /// `None` when the rule says nothing about scopes.
    pub scopes: Option<Vec<String>>,
    pub write_scopes: Option<Vec<String>>,
    /// Label → value (workspace name, organisation id), in the rule's order.
    pub identity: Vec<(String, Value)>,
}

impl Verification {
    pub fn new(status: Status) -> Self {
        Verification {
            status,
            reason: None,
            http_status: None,
            scopes: None,
            write_scopes: None,
            identity: Vec::new(),
        }
    }

    fn unknown(reason: String) -> Self {
        Verification {
            reason: Some(reason),
            ..Verification::new(Status::Unknown)
        }
    }

    /// The form reports carry in `verification`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("status".into(), json!(self.status.as_str()));
        if let Some(r) = &self.reason {
            m.insert("reason".into(), json!(r));
        }
        if let Some(s) = self.http_status {
            m.insert("http_status".into(), json!(s));
        }
        if let Some(s) = &self.scopes {
            m.insert("scopes".into(), json!(s));
        }
        if let Some(s) = &self.write_scopes {
            m.insert("write_scopes".into(), json!(s));
        }
        if !self.identity.is_empty() {
            let id: Map<String, Value> = self.identity.iter().cloned().collect();
            m.insert("identity".into(), Value::Object(id));
        }
        Value::Object(m)
    }
}

/// One request to make: the rule's spec and the secret it is about.
struct Job<'a> {
    spec: &'a VerifySpec,
    secret: &'a str,
}

/// Verifies every finding whose rule has a verify block and fills `verification` in.
/// Findings of rules without one are left untouched.
pub fn verify_findings(
    engine: &Engine,
    findings: &mut [Finding],
    settings: &VerifySettings,
) -> Result<()> {
    let mut specs: HashMap<&str, VerifySpec> = HashMap::new();
    for rule in engine.rules() {
        if let Some(v) = &rule.verify {
            let spec = VerifySpec::parse(v).map_err(|m| Error::Rule {
                id: rule.id.clone(),
                message: format!("verify: {m}"),
            })?;
            specs.insert(rule.id.as_str(), spec);
        }
    }
    let mut cache = cache::Cache::default();
    let mut jobs: Vec<Job<'_>> = Vec::new();
    let mut assigned: Vec<Option<usize>> = Vec::with_capacity(findings.len());
    for f in findings.iter() {
        let slot = specs.get(f.rule_id.as_str()).map(|spec| {
            let (i, new) = cache.slot(cache::Key::new(&f.rule_id, &f.secret));
            if new {
                jobs.push(Job {
                    spec,
                    secret: &f.secret,
                });
            }
            i
        });
        assigned.push(slot);
    }
    let results = run(&jobs, settings);
    drop(jobs);
    for (f, slot) in findings.iter_mut().zip(assigned) {
        if let Some(i) = slot {
            f.verification = Some(results[i].to_json());
        }
    }
    Ok(())
}

/// Runs the jobs on at most `settings.concurrency` threads.
fn run(jobs: &[Job<'_>], settings: &VerifySettings) -> Vec<Verification> {
    if jobs.is_empty() {
        return Vec::new();
    }
    let client = client::Client::new(settings.timeout);
    let next = AtomicUsize::new(0);
    let results: Vec<OnceLock<Verification>> = jobs.iter().map(|_| OnceLock::new()).collect();
    let workers = settings.concurrency.clamp(1, jobs.len());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let _ = results[i].set(check(&client, job, &settings.redirects));
            });
        }
    });
    results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .unwrap_or_else(|| Verification::unknown("not checked".into()))
        })
        .collect()
}

fn check(client: &client::Client, job: &Job<'_>, redirects: &[Redirect]) -> Verification {
    let req = match job.spec.prepare(job.secret, redirects) {
        Ok(r) => r,
        Err(m) => return Verification::unknown(m),
    };
    match client.send(&req) {
        Ok(resp) => job.spec.judge(&resp),
        Err(reason) => Verification::unknown(reason),
    }
}

fn status_of(f: &Finding) -> Option<&str> {
    f.verification.as_ref()?.get("status")?.as_str()
}

fn write_scopes_of(f: &Finding) -> Vec<&str> {
    f.verification
        .as_ref()
        .and_then(|v| v.get("write_scopes"))
        .and_then(|w| w.as_array())
        .map(|a| a.iter().filter_map(|s| s.as_str()).collect())
        .unwrap_or_default()
}

/// Whether `f` makes the exit code non-zero under `--fail-on`.
pub fn fails(fail_on: FailOn, f: &Finding) -> bool {
    match fail_on {
        FailOn::Any => true,
        FailOn::Live => status_of(f) == Some("verified"),
        FailOn::Write => status_of(f) == Some("verified") && !write_scopes_of(f).is_empty(),
    }
}

/// The human report's line for a verified, invalid or unverifiable finding, e.g.
/// `LIVE Attio API token (workspace Acme) — can write: record_permission, list_entry`.
pub fn human_line(f: &Finding) -> Option<String> {
    let v = f.verification.as_ref()?;
    let reason = v.get("reason").and_then(|r| r.as_str());
    Some(match status_of(f)? {
        "verified" => {
            let mut line = format!("LIVE {}", f.description);
            let first = v
                .get("identity")
                .and_then(|i| i.as_object())
                .and_then(|i| i.iter().next());
            if let Some((label, value)) = first {
                let value = value
                    .as_str()
                    .map(String::from)
                    .unwrap_or_else(|| value.to_string());
                line.push_str(&format!(" ({label} {value})"));
            }
            let writes = write_scopes_of(f);
            if !writes.is_empty() {
                let names: Vec<&str> = writes.iter().map(|s| scopes::display_name(s)).collect();
                line.push_str(&format!(" — can write: {}", names.join(", ")));
            } else if let Some(all) = v.get("scopes").and_then(|s| s.as_array()) {
                line.push_str(&format!(
                    " — read-only ({} scope{})",
                    all.len(),
                    if all.len() == 1 { "" } else { "s" }
                ));
            }
            line
        }
        "invalid" => match reason {
            Some(r) => format!("revoked/invalid ({r})"),
            None => "revoked/invalid".into(),
        },
        _ => format!("could not verify: {}", reason.unwrap_or("unknown")),
    })
}

/// The human report's closing count, when anything was verified.
pub fn human_summary(findings: &[Finding]) -> Option<String> {
    let (mut live, mut write, mut invalid, mut unknown) = (0, 0, 0, 0);
    for f in findings {
        match status_of(f) {
            Some("verified") => {
                live += 1;
                if !write_scopes_of(f).is_empty() {
                    write += 1;
                }
            }
            Some("invalid") => invalid += 1,
            Some(_) => unknown += 1,
            None => {}
        }
    }
    if live + invalid + unknown == 0 {
        return None;
    }
    let mut s = format!("verification: {live} live");
    if write > 0 {
        s.push_str(&format!(" ({write} can write)"));
    }
    s.push_str(&format!(
        ", {invalid} revoked/invalid, {unknown} could not be verified"
    ));
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    #[test]
    fn every_builtin_verify_block_is_valid_and_https() {
        let set = RuleSet::builtin().unwrap();
        let mut n = 0;
        for r in set.rules.iter() {
            if let Some(v) = &r.verify {
                let spec = VerifySpec::parse(v).unwrap_or_else(|m| panic!("{}: {m}", r.id));
                assert!(spec.url.starts_with("https://"), "{}", r.id);
                n += 1;
            }
        }
        assert!(n >= 2, "Attio and Topo at least");
    }

    fn finding(verification: Value) -> Finding {
        Finding {
            rule_id: "attio-api-token".into(),
            description: "Attio API token".into(),
            severity: crate::rules::Severity::Critical,
            tags: vec![],
            path: "a".into(),
            line: 1,
            column: 1,
            end_column: 2,
            secret: "s".into(),
            fingerprint: String::new(),
            offset: (0, 1),
            verification: Some(verification),
            ..Default::default()
        }
    }

    #[test]
    fn human_lines_and_fail_on() {
        let live = finding(
            json!({"status": "verified", "scopes": ["a:read", "b:read-write"],
            "write_scopes": ["b:read-write"], "identity": {"workspace": "Acme", "workspace_id": "w"}}),
        );
        assert_eq!(
            human_line(&live).unwrap(),
            "LIVE Attio API token (workspace Acme) — can write: b"
        );
        assert!(fails(FailOn::Write, &live) && fails(FailOn::Live, &live));
        let read = finding(json!({"status": "verified", "scopes": ["a:read"], "write_scopes": []}));
        assert_eq!(
            human_line(&read).unwrap(),
            "LIVE Attio API token — read-only (1 scope)"
        );
        assert!(fails(FailOn::Live, &read) && !fails(FailOn::Write, &read));
        let dead = finding(json!({"status": "invalid", "reason": "rejected with HTTP 401"}));
        assert_eq!(
            human_line(&dead).unwrap(),
            "revoked/invalid (rejected with HTTP 401)"
        );
        assert!(fails(FailOn::Any, &dead) && !fails(FailOn::Live, &dead));
        let unknown = finding(json!({"status": "unknown", "reason": "connection refused"}));
        assert_eq!(
            human_line(&unknown).unwrap(),
            "could not verify: connection refused"
        );
        assert!(!fails(FailOn::Live, &unknown));
        assert_eq!(
            human_summary(&[live, read, dead, unknown]).unwrap(),
            "verification: 2 live (1 can write), 1 revoked/invalid, 1 could not be verified"
        );
    }
}
