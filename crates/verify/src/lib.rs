//! Live verification: is a found secret accepted by the service that issued it, and what
//! can it do?
//!
//! After the scan, each distinct (rule, secret) pair whose rule has a `[rules.verify]`
//! block ([`spec`]) is checked once ([`cache`]) with one harmless read-only request
//! ([`client`]), a few at a time, and every finding of that pair gets the same result in
//! `Finding::verification`. Write-capable scopes are picked out by [`scopes`]. Nothing
//! here runs unless the settings layer turns verification on.
//!
//! The verdicts: `verified` (the service accepted the key), `invalid` (it authoritatively
//! rejected it) and `unknown` with a reason (timeouts, connection errors, rate limits and
//! server errors after retries, unexpected statuses or bodies). A rate limit or a server
//! error is never `invalid`.

pub mod aws;
mod cache;
pub mod client;
pub mod google;
pub mod request;
pub mod scopes;
pub mod spec;
pub mod target;

pub use spec::VerifySpec;
pub use target::Redirect;

use ferret_engine::finding::{Finding, PairedPart, Verification};
use ferret_rules::{Error, Result, Rule};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// Per-request timeout unless the user sets one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Requests in flight unless the user sets a number.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// How long the whole verification phase may take unless the user says: a scan with many
/// secrets and a slow or silent service still ends.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);

/// How verification runs (the settings layer decides whether it runs at all).
#[derive(Debug, Clone)]
pub struct VerifySettings {
    /// `--verify-redirect`: base URLs sent elsewhere (a proxy, a test server).
    pub redirects: Vec<Redirect>,
    pub timeout: Duration,
    pub concurrency: usize,
    /// No request starts after this much time since verification began; the secrets not
    /// checked by then are `unknown`.
    pub deadline: Duration,
}

impl Default for VerifySettings {
    fn default() -> Self {
        VerifySettings {
            redirects: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            concurrency: DEFAULT_CONCURRENCY,
            deadline: DEFAULT_DEADLINE,
        }
    }
}

/// One request to make: the rule's spec and the secret it is about, with the other parts
/// of the credential.
struct Job<'a> {
    spec: &'a VerifySpec,
    secret: &'a str,
    parts: &'a [PairedPart],
}

/// A rule's verify block, parsed and checked against the rule: every part the check needs
/// must be one of the rule's `pair` parts. The error is one line without the rule id.
pub fn spec_for(rule: &Rule) -> Option<std::result::Result<VerifySpec, String>> {
    let v = rule.verify.as_ref()?;
    Some(VerifySpec::parse(v).and_then(|spec| {
        let (needed, optional) = spec.parts();
        let known = |n: &String| {
            rule.pair
                .as_ref()
                .is_some_and(|p| p.parts.iter().any(|x| &x.name == n))
        };
        if let Some(n) = needed.iter().find(|n| !known(n)) {
            return Err(format!(
                "the check needs part {n:?}, which the rule's [rules.pair] does not have"
            ));
        }
        if let Some(n) = optional
            .iter()
            .find(|n| !known(n) && spec.kind == spec::Kind::Http)
        {
            return Err(format!(
                "identity_parts names part {n:?}, which the rule's [rules.pair] does not have"
            ));
        }
        Ok(spec)
    }))
}

/// What `ferret rules check` reports about a rule's verify block, if anything.
pub fn check_rule(rule: &Rule) -> Option<String> {
    spec_for(rule)?.err()
}

/// Verifies every finding whose rule (among `rules`) has a verify block and fills
/// `verification` in. Findings of rules without one are left untouched.
pub fn verify_findings<'r>(
    rules: impl IntoIterator<Item = &'r Rule>,
    findings: &mut [Finding],
    settings: &VerifySettings,
) -> Result<()> {
    let mut specs: HashMap<&str, VerifySpec> = HashMap::new();
    for rule in rules {
        if let Some(spec) = spec_for(rule) {
            let spec = spec.map_err(|m| Error::Rule {
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
            let (i, new) = cache.slot(cache::Key::new(&f.rule_id, &f.secret, &f.parts));
            if new {
                jobs.push(Job {
                    spec,
                    secret: &f.secret,
                    parts: &f.parts,
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
            f.verification = Some(results[i].clone());
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
    let started = std::time::Instant::now();
    let next = AtomicUsize::new(0);
    let results: Vec<OnceLock<Verification>> = jobs.iter().map(|_| OnceLock::new()).collect();
    let workers = settings.concurrency.clamp(1, jobs.len());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let v = if started.elapsed() >= settings.deadline {
                    Verification::unknown(format!(
                        "not checked: the verification deadline ({} s) was reached",
                        settings.deadline.as_secs()
                    ))
                } else {
                    check(&client, job, &settings.redirects)
                };
                let _ = results[i].set(v);
            });
        }
    });
    results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .unwrap_or_else(|| Verification::unknown("not checked"))
        })
        .collect()
}

fn check(client: &client::Client, job: &Job<'_>, redirects: &[Redirect]) -> Verification {
    let req = match job.spec.prepare(job.secret, job.parts, redirects) {
        Ok(r) => r,
        Err(m) => return Verification::unknown(m),
    };
    let mut v = match client.send(&req) {
        Ok(resp) => {
            let mut v = job.spec.judge(&resp);
            job.spec.identify(&mut v, job.parts);
            v
        }
        Err(reason) => Verification::unknown(reason),
    };
    without_secret(&mut v, job.secret);
    v
}

/// A service may echo the key it was sent (in an identity field, a scope list, an error
/// message): whatever of the response holds the secret is redacted, so a report never
/// prints it whole.
fn without_secret(v: &mut Verification, secret: &str) {
    if secret.len() < 8 {
        return;
    }
    let shown = ferret_engine::finding::redact(secret);
    let clean = |s: &str| -> Option<String> {
        if s.contains(secret) {
            Some(s.replace(secret, &shown))
        } else if s.len() >= 8 && secret.contains(s) {
            Some(shown.clone())
        } else {
            None
        }
    };
    for (_, value) in v.identity.iter_mut() {
        let text = match &*value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if let Some(c) = clean(&text) {
            *value = serde_json::Value::String(c);
        }
    }
    for list in [v.scopes.as_mut(), v.write_scopes.as_mut()]
        .into_iter()
        .flatten()
    {
        for s in list.iter_mut() {
            if let Some(c) = clean(s) {
                *s = c;
            }
        }
    }
    if let Some(r) = v.reason.as_mut() {
        if let Some(c) = clean(r) {
            *r = c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_echoed_secret_is_redacted_in_every_field() {
        let secret = ["sk_", "live_", "QmF4TjB1ZzR3Zk9wYnY2"].concat();
        let mut v = Verification::new(ferret_engine::finding::Status::Verified);
        v.identity = vec![
            ("token".into(), serde_json::json!(secret.clone())),
            ("note".into(), serde_json::json!(format!("key {secret} ok"))),
            ("workspace".into(), serde_json::json!("Acme")),
        ];
        v.scopes = Some(vec![secret[..12].to_string(), "read".into()]);
        v.reason = Some(format!("echo: {secret}"));
        without_secret(&mut v, &secret);
        let all = format!("{v:?}");
        assert!(
            !all.contains(&secret) && !all.contains(&secret[..12]),
            "{all}"
        );
        assert_eq!(v.identity[2].1, "Acme");
    }

    #[test]
    fn every_builtin_verify_block_is_valid_and_https() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
        let set = ferret_rules::RuleSet::from_dir(&dir).unwrap();
        let mut n = 0;
        for r in set.rules.iter() {
            if let Some(spec) = spec_for(r) {
                let spec = spec.unwrap_or_else(|m| panic!("{}: {m}", r.id));
                assert!(spec.url.starts_with("https://"), "{}", r.id);
                n += 1;
            }
        }
        assert!(n >= 2, "Attio and Topo at least");
    }
}
