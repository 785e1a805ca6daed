//! Reports: the same findings, written for people (`human`), for programs (`json`,
//! `jsonl`), for code scanning (`sarif`) or as GitHub Actions annotations (`github`).
//! Findings arrive sorted and deduplicated (see [`prepare`]), so parallel runs print
//! identically. One scan can write several formats, each to its own place.

mod error;
mod github;
mod human;
mod json;
pub mod paths;
pub mod sarif;
pub mod suppress;

pub use error::{Error, Result};
pub use json::{finding_json, parts_json, verification_json};
pub use paths::RepoPaths;

use ferret_engine::finding::Finding;
use ferret_rules::{Check, Confidence, Rule};
use ferret_source::StatsSnapshot;
use std::collections::HashMap;
use std::io::{self, Write};

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Grouped by file, for people.
    Human,
    /// One JSON object with findings and stats.
    Json,
    /// One finding per line.
    Jsonl,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request diff.
    Github,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 5] = [
        Format::Human,
        Format::Json,
        Format::Jsonl,
        Format::Sarif,
        Format::Github,
    ];

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Sarif => "sarif",
            Format::Github => "github",
        }
    }

    /// The format named `name`, in any case (`SARIF`, `Json`).
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// What reports say about the rules and checks behind findings (descriptions,
/// remediation, precision), looked up by id.
#[derive(Default)]
pub struct Catalog<'a> {
    rules: HashMap<&'a str, &'a Rule>,
    checks: HashMap<&'static str, &'a Check>,
}

impl<'a> Catalog<'a> {
    pub fn new(rules: impl IntoIterator<Item = &'a Rule>, checks: &'a [Check]) -> Self {
        Catalog {
            rules: rules.into_iter().map(|r| (r.id.as_str(), r)).collect(),
            checks: checks.iter().map(|c| (c.id, c)).collect(),
        }
    }

    pub fn rule(&self, id: &str) -> Option<&'a Rule> {
        self.rules.get(id).copied()
    }

    /// The repository check (not a pattern) with this id.
    pub fn check(&self, id: &str) -> Option<&'a Check> {
        self.checks.get(id).copied()
    }

    /// How to fix a finding of this rule or check.
    pub fn remediation(&self, id: &str) -> Option<&'a str> {
        match self.rule(id) {
            Some(r) => r.remediation.as_deref(),
            None => self.check(id).map(|c| c.remediation),
        }
    }
}

/// Everything a report needs besides the findings.
pub struct ReportContext<'a> {
    pub catalog: &'a Catalog<'a>,
    pub stats: &'a StatsSnapshot,
    pub show_secrets: bool,
    pub color: bool,
    /// What was scanned, for the human summary ("3 files", "12 commits").
    pub scope: String,
    /// The config files in effect and what the scanned tree's own config changed.
    pub config: &'a ConfigSummary,
    /// Repository-relative paths for the formats GitHub reads (SARIF, annotations).
    pub repo_paths: &'a RepoPaths,
    /// The confidence a finding needed to be reported.
    pub min_confidence: MinConfidence,
}

/// The least confidence a finding needs to be reported: one level for findings whose
/// place lowered their confidence (a test or fixture directory, see
/// [`ferret_engine::Context`]) and one for the rest, so that a command can report every
/// level in the code that ships and only medium and above among the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct MinConfidence {
    /// For findings whose place did not lower them.
    pub default: Confidence,
    /// For findings in a test or fixture directory.
    pub in_tests: Confidence,
    /// Judge each finding by its rule's own confidence (or higher, when verified), not
    /// lowered by its place: a commit gate stops a provider's key in a test directory,
    /// where keys made for the tests are common but so are real ones pasted in.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub by_rule: bool,
}

impl MinConfidence {
    /// The same minimum everywhere (what `--min-confidence` sets).
    pub fn uniform(c: Confidence) -> Self {
        MinConfidence {
            default: c,
            in_tests: c,
            by_rule: false,
        }
    }

    /// Every finding, whatever its confidence.
    pub fn all() -> Self {
        Self::uniform(Confidence::Low)
    }

    /// The minimum that applies to `f`.
    pub fn for_finding(&self, f: &Finding) -> Confidence {
        if f.context.is_some() {
            self.in_tests
        } else {
            self.default
        }
    }

    /// Whether the minimum drops nothing.
    pub fn is_all(&self) -> bool {
        *self == Self::all()
    }
}

impl Default for MinConfidence {
    fn default() -> Self {
        Self::all()
    }
}

/// Drops the findings below `min`, telling `dropped` about each with the reason; returns
/// how many were dropped.
pub fn apply_min_confidence(
    findings: &mut Vec<Finding>,
    min: MinConfidence,
    dropped: &mut dyn FnMut(&Finding, ferret_engine::Reason),
) -> u64 {
    let mut n = 0;
    findings.retain(|f| {
        let floor = min.for_finding(f);
        let level = if min.by_rule {
            f.confidence.max(f.rule_confidence)
        } else {
            f.confidence
        };
        if level >= floor {
            return true;
        }
        n += 1;
        dropped(
            f,
            ferret_engine::Reason::BelowConfidence {
                confidence: f.confidence,
                min: floor,
                context: f.context,
            },
        );
        false
    });
    n
}

/// The config files a run used, and warnings about what a config found in the scanned
/// tree turned off: JSON reports carry them in `config`, SARIF in the run's properties,
/// so that a report never hides that detection was narrowed.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ConfigSummary {
    pub files: Vec<ConfigFile>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ConfigFile {
    pub path: String,
    /// Named by the user (`--config`, the user's config file), as opposed to found in the
    /// scanned tree.
    pub trusted: bool,
}

/// Sorts findings by path, line, column and rule, drops exact duplicates (the same
/// secret found twice at the same place through two sources) and names each finding's
/// group ([`Finding::name_group`]).
pub fn prepare(findings: &mut Vec<Finding>) {
    prepare_explained(findings, &mut |_| {});
}

/// [`prepare`], telling `duplicate` about each finding it drops.
pub fn prepare_explained(findings: &mut Vec<Finding>, duplicate: &mut dyn FnMut(&Finding)) {
    findings.sort_by(|a, b| {
        (
            &a.path,
            a.line,
            a.column,
            &a.rule_id,
            a.commit.as_ref().map(|c| &c.commit),
        )
            .cmp(&(
                &b.path,
                b.line,
                b.column,
                &b.rule_id,
                b.commit.as_ref().map(|c| &c.commit),
            ))
    });
    findings.dedup_by(|a, b| {
        let same = a.fingerprint == b.fingerprint
            && a.line == b.line
            && a.column == b.column
            && a.commit.as_ref().map(|c| &c.commit) == b.commit.as_ref().map(|c| &c.commit);
        if same {
            duplicate(a);
        }
        same
    });
    for f in findings.iter_mut() {
        f.name_group();
    }
}

/// How many distinct secrets (groups) the findings hold.
pub fn group_count(findings: &[Finding]) -> usize {
    findings
        .iter()
        .map(|f| f.group.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len()
}

/// Writes `findings` in `format`.
pub fn write(
    format: Format,
    findings: &[Finding],
    ctx: &ReportContext<'_>,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(findings, ctx, w),
        Format::Json => json::write(findings, ctx, w),
        Format::Jsonl => json::write_lines(findings, ctx, w),
        Format::Sarif => sarif::write(findings, ctx, w),
        Format::Github => github::write(findings, ctx, w),
    }
}
