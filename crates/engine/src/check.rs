//! `ferret rules check`: proves a rule set against itself. Examples run through the full
//! engine (prefilter, overlap resolution, allowlists), so an example that another, more
//! specific rule would claim fails here rather than in a user's scan.
use crate::{entropy, Engine, Sink, Target};
use ferret_rules::synth::{expand, Rng};
use ferret_rules::{Rule, RuleSet, Semantics, Severity};
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

/// Every problem in `set`; empty means the set is sound. `check_verify` judges a rule's
/// verify block (the verify stage owns that format): a message for a bad one.
pub fn check_rules(
    set: &RuleSet,
    check_verify: &dyn Fn(&Rule) -> Option<String>,
) -> Vec<CheckProblem> {
    let mut problems = Vec::new();
    check_shape(set, check_verify, &mut problems);
    if !problems.is_empty() {
        return problems;
    }
    check_examples(set, &mut problems);
    check_entropy(set, &mut problems);
    problems
}

fn push(problems: &mut Vec<CheckProblem>, id: &str, message: String) {
    problems.push(CheckProblem {
        rule_id: id.to_string(),
        message,
    });
}

/// Ids, descriptions, keywords, regexes: what can be checked without scanning.
fn check_shape(
    set: &RuleSet,
    check_verify: &dyn Fn(&Rule) -> Option<String>,
    problems: &mut Vec<CheckProblem>,
) {
    let mut p = |id: &str, m: String| push(problems, id, m);
    let mut ids = HashSet::new();
    for r in &set.rules {
        if !ids.insert(r.id.as_str()) {
            p(&r.id, "duplicate id".into());
        }
        // A gitleaks config's rules are the team's own: only what makes them run is checked.
        if r.semantics == Semantics::Gitleaks {
            if let Err(e) = ferret_rules::compile_regex(&r.regex) {
                p(
                    &r.id,
                    format!(
                        "invalid regex: {}",
                        ferret_rules::short_error(&e.to_string())
                    ),
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
            if !ferret_rules::checksum::SCHEMES.contains(&c.as_str()) {
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
        if let Some(m) = check_verify(r) {
            p(&r.id, format!("verify: {m}"));
        }
        if let Err(e) = ferret_rules::compile_regex(&r.regex) {
            p(
                &r.id,
                format!(
                    "invalid regex: {}",
                    ferret_rules::short_error(&e.to_string())
                ),
            );
        }
    }
}

/// How many fresh values of each example an entropy floor is tried against.
const ENTROPY_TRIALS: usize = 100;

/// An entropy floor must admit the random values of the rule's own format: one example
/// proves the regex, but 32 random hex characters score anywhere from 3.0 to 3.9, and a
/// floor of 3.5 passes one seed while dropping a fifth of real keys. More than 1% of fresh
/// values rejected is a problem.
fn check_entropy(set: &RuleSet, problems: &mut Vec<CheckProblem>) {
    for r in &set.rules {
        let (Some(min), Ok(re)) = (r.entropy, ferret_rules::compile_regex(&r.regex)) else {
            continue;
        };
        for (i, example) in r.examples.iter().enumerate() {
            let (mut tried, mut low, mut lowest) = (0, 0, f64::MAX);
            for t in 0..ENTROPY_TRIALS {
                let mut rng = Rng::from_str_seed(&format!("{}#{i}#entropy{t}", r.id));
                let Ok(text) = expand(example, &mut rng) else {
                    break;
                };
                let Some(caps) = re.captures(text.as_bytes()) else {
                    continue;
                };
                let Some((a, b)) = crate::native::secret_span(&caps, r.secret_group, &re) else {
                    continue;
                };
                let secret = &text.as_bytes()[a..b];
                tried += 1;
                if !entropy::enough(secret, min) {
                    low += 1;
                    lowest = lowest.min(entropy::shannon(secret));
                }
            }
            if low * 100 > tried {
                push(
                    problems,
                    &r.id,
                    format!(
                        "entropy {min} rejects {low} of {tried} fresh values of example \
                         {example:?} (lowest {lowest:.2}): lower it"
                    ),
                );
            }
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
    // Explaining, so a positive example that fails says which check dropped it.
    let mut sink = Sink::new(true);
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
            sink.findings.clear();
            sink.take_drops();
            engine.scan(&Target::path("example.txt"), text.as_bytes(), &mut sink);
            let hit = sink.findings.iter().any(|f| f.rule_id == r.id);
            if positive && !hit {
                let others: Vec<String> = sink.findings.iter().map(|f| f.rule_id.clone()).collect();
                let dropped = sink.take_drops().into_iter().find(|d| d.rule_id == r.id);
                let why = match (dropped, others.is_empty()) {
                    (Some(d), _) => format!(" (dropped: {})", d.reason),
                    (None, true) => String::new(),
                    (None, false) => format!(" (found as {})", others.join(", ")),
                };
                p(&r.id, format!("example does not match: {example:?}{why}"));
            }
            if !positive && hit {
                p(&r.id, format!("negative example matches: {example:?}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo(entropy: &str) -> RuleSet {
        let text = r#"
[[rules]]
id = "demo-token"
description = "demo"
regex = '''\b(dmo_[0-9a-z]{32})\b'''
keywords = ["dmo_"]
entropy = ENTROPY
severity = "low"
examples = ["dmo_{{lowernum:32}}"]
"#
        .replace("ENTROPY", entropy);
        RuleSet::only(&text)
    }

    #[test]
    fn an_entropy_floor_above_the_format_is_a_problem() {
        // 32 random lowercase letters and digits score about 4.45 bits, give or take 0.15.
        assert!(check_rules(&demo("3.5"), &|_| None).is_empty());
        let problems = check_rules(&demo("4.4"), &|_| None);
        assert!(
            problems.iter().any(|p| p.message.contains("lower it")),
            "{problems:?}"
        );
    }
}
