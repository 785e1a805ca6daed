//! Rules are data: every detector is a `[[rules]]` table in a TOML file. The defaults are
//! the files under `rules/`, embedded at build time; a config file can add rules, replace
//! a default rule by reusing its id, disable rules, and extend the global allowlist.
//!
//! A rule carries its own positive and negative examples, so `ferret rules check` (and the
//! test suite) prove every rule against the text it was written for.

mod check;
pub mod synth;

pub use check::{check_rules, CheckProblem};

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// How bad a leak of this kind is. Ordered from least to most severe.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    #[default]
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule's own exceptions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowlist {
    /// Regexes tried against the secret; a match suppresses the finding.
    #[serde(default)]
    pub regexes: Vec<String>,
    /// Regexes tried against the whole line holding the match.
    #[serde(default)]
    pub line_regexes: Vec<String>,
    /// Regexes tried against the path (forward slashes, relative to the scan root).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Case-insensitive words; a secret containing one is a placeholder, not a secret
    /// (unless written in mixed case, `FaKE_`, which is random text spelling it).
    #[serde(default)]
    pub stopwords: Vec<String>,
}

impl Allowlist {
    fn extend(&mut self, other: Allowlist) {
        self.regexes.extend(other.regexes);
        self.line_regexes.extend(other.line_regexes);
        self.paths.extend(other.paths);
        self.stopwords.extend(other.stopwords);
    }
}

/// One detector, exactly as written in a rules file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable, lowercase, dash-separated.
    pub id: String,
    pub description: String,
    /// `regex::bytes` syntax. The secret is the group named `secret`, else `secret_group`,
    /// else the first group that took part in the match, else the whole match.
    pub regex: String,
    #[serde(default)]
    pub secret_group: Option<usize>,
    /// Literals for the prefilter (matched case-insensitively). A rule with none runs on
    /// every piece of content, so built-in rules always have some.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// An offline checksum the token format carries (see `engine::checksum::SCHEMES`).
    #[serde(default)]
    pub checksum: Option<String>,
    #[serde(default = "default_severity")]
    pub severity: Severity,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub remediation: Option<String>,
    /// Breaks ties when two rules match the same text: the higher wins. When unset, the
    /// length of the longest keyword stands in, so `sk_live_` beats `sk_`.
    #[serde(default)]
    pub priority: Option<i32>,
    #[serde(default)]
    pub allowlist: Allowlist,
    /// Text that must produce a finding. `{{alnum:32}}`-style generators (see
    /// [`synth`]) are expanded at check time so no real-looking secret is committed.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Text that must not produce a finding.
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// Live verification request (see the verify module); kept as raw TOML here.
    #[serde(default)]
    pub verify: Option<toml::Value>,
}

fn default_severity() -> Severity {
    Severity::High
}

impl Rule {
    /// How specific the rule is, for resolving overlaps between rules.
    pub fn specificity(&self) -> i32 {
        self.priority.unwrap_or_else(|| {
            self.keywords
                .iter()
                .map(|k| k.len() as i32)
                .max()
                .unwrap_or(0)
        })
    }
}

/// Settings that extend the defaults instead of replacing them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extend {
    /// Keep the built-in rules (default true).
    #[serde(default = "yes", alias = "useDefault")]
    pub use_default: bool,
    /// Built-in rule ids to turn off.
    #[serde(default)]
    pub disabled_rules: Vec<String>,
}

fn yes() -> bool {
    true
}

/// A rules file or a config file: the two share one format.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub extend: Option<Extend>,
    #[serde(default)]
    pub allowlist: Option<Allowlist>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Options for live verification, read by the verify stage.
    #[serde(default)]
    pub verify: Option<toml::Value>,
}

impl RulesFile {
    pub fn parse(name: &str, text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::RulesFile {
            file: name.to_string(),
            message: one_line(&e.to_string()),
        })
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        toml::from_str(&text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            message: one_line(&e.to_string()),
        })
    }
}

/// toml's errors span several lines with a source excerpt; we print errors on one line.
fn one_line(s: &str) -> String {
    let mut parts = s
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('|'));
    let mut out = parts.next().unwrap_or("invalid TOML").to_string();
    if let Some(last) = s
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with('|') && !l.ends_with('|'))
    {
        if last != out {
            out.push_str(": ");
            out.push_str(last);
        }
    }
    out
}

/// The complete rule set a scan runs with.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub allowlist: Allowlist,
    pub verify: Option<toml::Value>,
}

impl RuleSet {
    /// The rules embedded in the binary.
    pub fn builtin() -> Result<Self> {
        let mut set = RuleSet::default();
        for (name, text) in BUILTIN_RULE_FILES {
            let file = RulesFile::parse(name, text)?;
            if let Some(a) = file.allowlist {
                set.allowlist.extend(a);
            }
            set.rules.extend(file.rules);
        }
        Ok(set)
    }

    /// Apply a user config on top of the defaults.
    pub fn with_config(mut self, file: RulesFile) -> Self {
        let ext = file.extend.unwrap_or(Extend {
            use_default: true,
            disabled_rules: vec![],
        });
        if !ext.use_default {
            self.rules.clear();
        }
        self.rules.retain(|r| !ext.disabled_rules.contains(&r.id));
        let index: HashMap<String, usize> = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        for rule in file.rules {
            match index.get(&rule.id) {
                Some(&i) => self.rules[i] = rule,
                None => self.rules.push(rule),
            }
        }
        if let Some(a) = file.allowlist {
            self.allowlist.extend(a);
        }
        if file.verify.is_some() {
            self.verify = file.verify;
        }
        self
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// regex's errors span several lines (the pattern, a caret, the reason); the reason is
/// the last non-empty one, and errors are printed on one line.
pub fn short_error(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}

/// Compiles a rule regex the way the engine does: bytes, ASCII classes (secrets are ASCII,
/// and Unicode classes make the automata much larger), a generous size limit.
pub fn compile_regex(pattern: &str) -> std::result::Result<regex::bytes::Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(32 << 20)
        .dfa_size_limit(32 << 20)
        .build()
}
