//! `ferret rules check`: proves a rule set against itself. Examples run through the full
//! engine (prefilter, overlap resolution, allowlists), so an example that another, more
//! specific rule would claim fails here rather than in a user's scan.
use super::synth::{expand, Rng};
use super::{RuleSet, Semantics, Severity};
use crate::engine::{Engine, Scratch};
use std::collections::HashSet;

/// One thing wrong with one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckProblem {
    pub rule_id: String,
    pub message: String,
}

impl std::fmt::Display for CheckProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rule {}: {}", self.rule_id, self.message)
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Every problem in `set`; empty means the set is sound.
pub fn check_rules(set: &RuleSet) -> Vec<CheckProblem> {
    let mut problems = Vec::new();
    check_shape(set, &mut problems);
    if !problems.is_empty() {
        return problems;
    }
    check_examples(set, &mut problems);
    problems
}

fn push(problems: &mut Vec<CheckProblem>, id: &str, message: String) {
    problems.push(CheckProblem {
        rule_id: id.to_string(),
        message,
    });
}

/// Ids, descriptions, keywords, regexes: what can be checked without scanning.
fn check_shape(set: &RuleSet, problems: &mut Vec<CheckProblem>) {
    let mut p = |id: &str, m: String| push(problems, id, m);
    let mut ids = HashSet::new();
    for r in &set.rules {
        if !ids.insert(r.id.as_str()) {
            p(&r.id, "duplicate id".into());
        }
        // A gitleaks config's rules are the team's own: only what makes them run is checked.
        if r.semantics == Semantics::Gitleaks {
            if let Err(e) = super::compile_regex(&r.regex) {
                p(
                    &r.id,
                    format!("invalid regex: {}", super::short_error(&e.to_string())),
                );
            }
            continue;
        }
        if !valid_id(&r.id) {
            p(&r.id, "id must be lowercase words joined by dashes".into());
        }
        if r.description.trim().is_empty() {
            p(&r.id, "empty description".into());
        }
        if r.keywords.is_empty() {
            p(
                &r.id,
                "no keywords: the rule would run on every file".into(),
            );
        }
        if let Some(c) = &r.checksum {
            if !crate::engine::checksum::SCHEMES.contains(&c.as_str()) {
                p(&r.id, format!("unknown checksum scheme {c:?}"));
            }
        }
        if r.examples.is_empty() {
            p(&r.id, "no examples".into());
        }
        if r.severity >= Severity::Medium
            && r.remediation.as_deref().is_none_or(|s| s.trim().is_empty())
        {
            p(&r.id, "no remediation".into());
        }
        if let Some(v) = &r.verify {
            if let Err(m) = crate::verify::VerifySpec::parse(v) {
                p(&r.id, format!("verify: {m}"));
            }
        }
        if let Err(e) = super::compile_regex(&r.regex) {
            p(
                &r.id,
                format!("invalid regex: {}", super::short_error(&e.to_string())),
            );
        }
    }
}

/// Every example through the whole engine.
fn check_examples(set: &RuleSet, problems: &mut Vec<CheckProblem>) {
    let engine = match Engine::new(set).and_then(|e| e.compile_now(|_| true).map(|_| e)) {
        Ok(e) => e,
        Err(e) => return push(problems, "<set>", e.to_string()),
    };
    let mut p = |id: &str, m: String| push(problems, id, m);
    let mut scratch = Scratch::default();
    for r in &set.rules {
        let cases = r
            .examples
            .iter()
            .map(|e| (e, true))
            .chain(r.negative_examples.iter().map(|e| (e, false)));
        for (i, (example, positive)) in cases.enumerate() {
            let mut rng = Rng::from_str_seed(&format!("{}#{i}", r.id));
            let text = match expand(example, &mut rng) {
                Ok(t) => t,
                Err(e) => {
                    p(&r.id, format!("example {example:?}: {e}"));
                    continue;
                }
            };
            let mut out = Vec::new();
            engine.scan(text.as_bytes(), "example.txt", &mut scratch, &mut out);
            let hit = out.iter().any(|f| f.rule_id == r.id);
            if positive && !hit {
                let others: Vec<_> = out.iter().map(|f| f.rule_id.as_str()).collect();
                let why = if others.is_empty() {
                    String::new()
                } else {
                    format!(" (found as {})", others.join(", "))
                };
                p(&r.id, format!("example does not match: {example:?}{why}"));
            }
            if !positive && hit {
                p(&r.id, format!("negative example matches: {example:?}"));
            }
        }
    }
}
