//! Rules are data: every detector is a `[[rules]]` table in a TOML file. ferret's defaults
//! are the repository's `rules/*.toml`, which the `ferret` binary embeds at build time and
//! hands to [`RuleSet::from_embedded`]; a config file can add rules, replace a default rule
//! by reusing its id, disable rules, and extend the global allowlist.
//!
//! A rule carries its own positive and negative examples, so `ferret rules check` (and the
//! test suite) prove every rule against the text it was written for.

pub mod checksum;
mod error;
pub mod gitleaks;
pub mod safe;
pub mod synth;

pub use error::{Error, Result};

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

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

/// How sure ferret is that a finding is a real, usable credential rather than a test
/// value, an example or a look-alike. Ordered from least to most sure, so a threshold
/// (`--min-confidence`) keeps what is at or above it.
///
/// A rule's confidence (see [`Rule::confidence`]) says what its matches can be: a token
/// whose format carries a checksum is `high`; a provider's format or a rule gated on the
/// provider's name is `medium`; a rule that knows a secret only by where it stands
/// (after `password =`, in a URL's user info, on a command line) is `low`. A finding then
/// starts at its rule's level, goes down a level where it stands (a test or fixture
/// directory) and up to `high` when the provider says it is live.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    #[default]
    Medium,
    High,
}

impl Confidence {
    pub const ALL: [Confidence; 3] = [Confidence::Low, Confidence::Medium, Confidence::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// The level named `name` (`low`, `medium`, `high`), in any case.
    pub fn from_name(name: &str) -> Option<Confidence> {
        Confidence::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// One level lower (`low` stays `low`).
    pub fn lowered(self) -> Confidence {
        match self {
            Confidence::High => Confidence::Medium,
            _ => Confidence::Low,
        }
    }
}

impl std::fmt::Display for Confidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Tags of rules that know a secret by its place, not by its shape: a value a person
/// chose (a password, a generic `API_KEY = ...`), or one read out of a URL, a connection
/// string or a command line. Their rules default to [`Confidence::Low`].
pub const PLACE_TAGS: &[&str] = &[
    "generic",
    "password",
    "basic-auth",
    "connection-string",
    "command-line",
];

/// Whether an allowlist needs one of its checks to hold (`or`, the default) or all of the
/// kinds of check it lists (`and`: e.g. a path *and* a regex, gitleaks' `condition`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Condition {
    #[default]
    Or,
    And,
}

/// What an allowlist's `regexes` are tried against (gitleaks' `regexTarget`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegexTarget {
    /// The secret (the capture group), the default.
    #[default]
    Secret,
    /// The whole text the rule's regex matched.
    Match,
    /// The line (or lines) holding the match.
    Line,
}

/// Whose matching rules a rule follows. Rules translated from a gitleaks config are
/// `gitleaks`, so that a team moving over gets the findings gitleaks gave them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Semantics {
    /// Overlapping matches go to the most specific rule, the global allowlist (placeholders,
    /// lock files, vendored code) applies, the secret is reported where it stands.
    #[default]
    Ferret,
    /// As gitleaks 8 does it: every match is reported (no overlap resolution, except that a
    /// rule whose id contains `generic` yields to a non-generic finding on the same line that
    /// contains its secret); ferret's global allowlist does not apply, only the config's
    /// `[[allowlists]]`; the secret group is taken from the match as gitleaks takes it (an
    /// empty group gives an empty secret); entropy must be strictly above `entropy`,
    /// counted per character over the secret's length in bytes; the finding is placed at
    /// the start of the match, and `gitleaks:allow` anywhere on the lines of the match
    /// suppresses it.
    Gitleaks,
}

/// A rule's own exceptions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowlist {
    /// Regexes tried against the secret (or what `regex_target` says); a match suppresses
    /// the finding.
    #[serde(default)]
    pub regexes: Vec<String>,
    #[serde(default)]
    pub regex_target: RegexTarget,
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
    /// Commit ids whose findings are suppressed (history scans; case-insensitive).
    #[serde(default)]
    pub commits: Vec<String>,
    #[serde(default)]
    pub condition: Condition,
}

impl Allowlist {
    fn extend(&mut self, other: Allowlist) {
        self.regexes.extend(other.regexes);
        self.line_regexes.extend(other.line_regexes);
        self.paths.extend(other.paths);
        self.stopwords.extend(other.stopwords);
        self.commits.extend(other.commits);
    }

    /// True when the allowlist checks nothing.
    pub fn is_empty(&self) -> bool {
        self.regexes.is_empty()
            && self.line_regexes.is_empty()
            && self.paths.is_empty()
            && self.stopwords.is_empty()
            && self.commits.is_empty()
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
    /// else the first group that took part in the match, else the whole match. May be
    /// empty only when `path` is set: the rule then reports files by name.
    #[serde(default)]
    pub regex: String,
    /// Regex on the path (forward slashes, relative to the scan root): the rule runs only
    /// on matching files. Without `regex`, a non-empty file whose path matches is itself
    /// the finding (a key store that should never be committed), reported at line 1.
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub secret_group: Option<usize>,
    /// Literals for the prefilter (matched case-insensitively). A rule with none runs on
    /// every piece of content, so built-in rules always have some.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// How many lines a match spans at most, counted from the line of a keyword hit
    /// (1: that line only). The regex then runs on those lines around each hit rather
    /// than in the default window (1 KiB before, 16 KiB after), which matters for rules
    /// whose keywords are common words (`token`, `secret`): every keyword the match can
    /// hold must then be listed, since text without one is never searched.
    #[serde(default)]
    pub window_lines: Option<usize>,
    /// Longest secret the rule reports, as the regex's group matched it; longer matches
    /// are dropped. Lets a regex say `{12,}` instead of `{12,300}`, whose counted
    /// repetition makes an automaton three times larger and slower to compile.
    #[serde(default)]
    pub max_length: Option<usize>,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// An offline checksum the token format carries (see `engine::checksum::SCHEMES`).
    #[serde(default)]
    pub checksum: Option<String>,
    #[serde(default = "default_severity")]
    pub severity: Severity,
    /// How sure a match is to be a real credential; unset, derived from the rule (see
    /// [`Rule::confidence`]).
    #[serde(default)]
    pub confidence: Option<Confidence>,
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
    /// More allowlists, each judged on its own: any one of them suppresses a finding.
    #[serde(default)]
    pub allowlists: Vec<Allowlist>,
    #[serde(default)]
    pub semantics: Semantics,
    /// Set when the rule came from a config file rather than ferret's own rules: such a
    /// regex is matched under a work budget (see the engine), since nobody proved it.
    #[serde(skip)]
    pub from_config: bool,
    /// Rules that must also match near this one for it to be reported (gitleaks'
    /// composite rules; `gitleaks` rules only).
    #[serde(default)]
    pub required: Vec<Required>,
    /// Never reported on its own, only looked for as another rule's `required` one
    /// (`gitleaks` rules only).
    #[serde(default)]
    pub skip_report: bool,
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
    /// The other parts of a multi-part credential (an AWS key id's secret key, a Twilio
    /// auth token's account SID), looked for near each match of this rule.
    #[serde(default)]
    pub pair: Option<Pair>,
}

/// A multi-part credential: this rule's match is the primary part, reported with the
/// parts found near it (same content, within `within_lines` lines).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    /// How far from the primary's line a part may be, in lines (0: the same line).
    pub within_lines: usize,
    /// Report the rule only when every part that is not `optional` is found; by default
    /// the primary is reported either way, with the parts that were found.
    #[serde(default)]
    pub required: bool,
    pub parts: Vec<Part>,
}

/// One part of a multi-part credential: another rule's findings, or a regex of its own.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// Lowercase words joined by `_` (`secret_access_key`); verify blocks name it as
    /// `{{part.NAME}}`.
    pub name: String,
    /// A rule whose findings are this part: a finding paired this way is reported only as
    /// a part of the primary's finding.
    #[serde(default)]
    pub rule: Option<String>,
    /// A regex for the part (`regex::bytes` syntax; the secret is the group named
    /// `secret`, else the first group that took part, else the whole match). Any finding
    /// whose secret overlaps a paired match is reported only as a part.
    #[serde(default)]
    pub regex: Option<String>,
    /// Minimum Shannon entropy of a `regex` part, in bits per byte.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// Not needed for the credential to be whole (an AWS session token): `required` and
    /// verification do not wait for it.
    #[serde(default)]
    pub optional: bool,
}

/// A rule that a composite rule needs nearby: within `within_lines` lines and
/// `within_columns` columns of its match when given, anywhere in the same content if not.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Required {
    pub id: String,
    #[serde(default)]
    pub within_lines: Option<usize>,
    #[serde(default)]
    pub within_columns: Option<usize>,
}

fn default_severity() -> Severity {
    Severity::High
}

impl Rule {
    /// The confidence of the rule's matches: its `confidence` field, else `high` for a
    /// format with a checksum (a look-alike fails it), `low` for a rule tagged with one of
    /// [`PLACE_TAGS`] (it knows the secret by where it stands, and people put test values
    /// and examples there), and `medium` for everything else: a provider's prefix or
    /// format, a key block, a rule gated on the provider's name.
    pub fn confidence(&self) -> Confidence {
        if let Some(c) = self.confidence {
            c
        } else if self.checksum.is_some() {
            Confidence::High
        } else if self.tags.iter().any(|t| PLACE_TAGS.contains(&t.as_str())) {
            Confidence::Low
        } else {
            Confidence::Medium
        }
    }

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

/// A repository check that is not a pattern (`ferret audit`'s hygiene checks: a tracked
/// `.env`, one secret shared by environments): data like a rule, so reports describe its
/// findings the same way.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// Stable, lowercase, dash-separated; every audit id starts with `hygiene-`.
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub remediation: &'static str,
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
    /// Allowlists that apply to every rule, `gitleaks` rules included, each on its own.
    #[serde(default)]
    pub allowlists: Vec<Allowlist>,
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
        let text = Disk.read(path)?;
        toml::from_str(&text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            message: one_line(&e.to_string()),
        })
    }

    /// A config file in either format: ferret's own, or a gitleaks config, which is
    /// translated (see [`gitleaks`]). A file is a gitleaks config when its name says so
    /// (`.gitleaks.toml`, `gitleaks.toml`, ...), or when it is not a valid ferret config but
    /// is a valid gitleaks config using only gitleaks' keys.
    pub fn load_any(path: &Path) -> Result<Self> {
        Self::load_any_with(path, &Disk)
    }

    /// [`RulesFile::load_any`], reading the file (and any file a gitleaks config extends)
    /// through `files`, which decides what may be read: a scanned tree's config may read
    /// nothing outside the tree.
    pub fn load_any_with(path: &Path, files: &dyn Files) -> Result<Self> {
        let text = files.read(path)?;
        if gitleaks::named_like(path) {
            return gitleaks::translate_with(path, &text, files);
        }
        match toml::from_str::<RulesFile>(&text) {
            Ok(file) => Ok(file),
            Err(e) => {
                gitleaks::translate_strict_with(path, &text, files).ok_or_else(|| Error::Config {
                    path: path.to_path_buf(),
                    message: one_line(&e.to_string()),
                })
            }
        }
    }
}

/// Where config files are read from: the file system for a config the user named, a
/// scanned tree or a commit (with their limits) for a repository's own.
pub trait Files {
    /// The text of the file at `path`. Errors name the path, never the content.
    fn read(&self, path: &Path) -> Result<String>;
}

/// Config files the user named: read from disk as they are, up to [`MAX_CONFIG`] bytes.
pub struct Disk;

/// The largest config file read: real ones are a few KiB.
pub const MAX_CONFIG: u64 = 4 << 20;

impl Files for Disk {
    fn read(&self, path: &Path) -> Result<String> {
        use std::io::Read;
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut bytes = Vec::new();
        f.take(MAX_CONFIG + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        if bytes.len() as u64 > MAX_CONFIG {
            return Err(Error::Config {
                path: path.to_path_buf(),
                message: format!("larger than {} MiB; not read", MAX_CONFIG >> 20),
            });
        }
        String::from_utf8(bytes).map_err(|_| Error::Config {
            path: path.to_path_buf(),
            message: "not UTF-8 text".into(),
        })
    }
}

/// toml's errors span several lines with a source excerpt; we print errors on one line,
/// with anything that looks like key material in them replaced (see [`safe::scrub`]).
pub fn one_line(s: &str) -> String {
    safe::scrub(&one_line_raw(s))
}

fn one_line_raw(s: &str) -> String {
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

/// Rule files embedded as JSON (what the `ferret` binary's build script writes from
/// `rules/*.toml`: TOML is checked at build time and JSON parses several times faster at
/// start-up, which the pre-commit hook pays on every commit), parsed: (name, contents).
pub fn parse_embedded<'a>(files: &[(&'a str, &str)]) -> Result<Vec<(&'a str, RulesFile)>> {
    files
        .iter()
        .map(|(name, json)| {
            serde_json::from_str(json)
                .map(|f| (*name, f))
                .map_err(|e| Error::RulesFile {
                    file: name.to_string(),
                    message: e.to_string(),
                })
        })
        .collect()
}

/// Every `*.toml` rules file in `dir`, parsed, in name order: (file name, contents). For
/// tools and tests that read the repository's `rules/` folder rather than a binary's copy.
pub fn load_dir(dir: &Path) -> Result<Vec<(String, RulesFile)>> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?;
            RulesFile::parse(&name, &text).map(|f| (name, f))
        })
        .collect()
}

/// The complete rule set a scan runs with.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// ferret's global allowlist: applies to `ferret` rules only.
    pub allowlist: Allowlist,
    /// A config's `[[allowlists]]`: apply to every rule.
    pub allowlists: Vec<Allowlist>,
    pub verify: Option<toml::Value>,
}

impl RuleSet {
    /// Only the rules of one TOML text, for tests of a single made-up rule.
    pub fn only(text: &str) -> Self {
        RuleSet {
            rules: RulesFile::parse("test.toml", text)
                .expect("a valid rules file")
                .rules,
            ..RuleSet::default()
        }
    }

    /// The default rule set made of rules files: every file's rules, and the union of
    /// their global allowlists.
    pub fn from_files(files: impl IntoIterator<Item = RulesFile>) -> Self {
        let mut set = RuleSet::default();
        for file in files {
            if let Some(a) = file.allowlist {
                set.allowlist.extend(a);
            }
            set.rules.extend(file.rules);
        }
        set
    }

    /// The default rule set from embedded files (see [`parse_embedded`]).
    pub fn from_embedded(files: &[(&str, &str)]) -> Result<Self> {
        Ok(Self::from_files(
            parse_embedded(files)?.into_iter().map(|(_, f)| f),
        ))
    }

    /// The default rule set from a folder of rules files (see [`load_dir`]).
    pub fn from_dir(dir: &Path) -> Result<Self> {
        Ok(Self::from_files(load_dir(dir)?.into_iter().map(|(_, f)| f)))
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
        for mut rule in file.rules {
            rule.from_config = true;
            match index.get(&rule.id) {
                Some(&i) => self.rules[i] = rule,
                None => self.rules.push(rule),
            }
        }
        if let Some(a) = file.allowlist {
            self.allowlist.extend(a);
        }
        self.allowlists.extend(file.allowlists);
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
/// A pattern that needs Unicode (a `\p{L}` class, as gitleaks configs may hold) is
/// compiled with Unicode on instead of being refused.
pub fn compile_regex(pattern: &str) -> std::result::Result<regex::bytes::Regex, regex::Error> {
    let build = |unicode| {
        regex::bytes::RegexBuilder::new(pattern)
            .unicode(unicode)
            .size_limit(32 << 20)
            .dfa_size_limit(32 << 20)
            .build()
    };
    build(false).or_else(|e| build(true).map_err(|_| e))
}

/// Entry point for the config fuzz target in `fuzz/` and the test that replays its corpus:
/// a config file's text, as ferret's format and as a gitleaks config (whose `[extend] path`
/// reads nothing here), into a rule set. Must return for any input.
pub fn fuzz_config(data: &[u8]) -> Option<RuleSet> {
    struct Nothing;
    impl Files for Nothing {
        fn read(&self, path: &Path) -> Result<String> {
            Err(Error::NotFound {
                path: path.to_path_buf(),
            })
        }
    }
    let text = std::str::from_utf8(data).ok()?;
    let mine = RulesFile::parse("fuzz.toml", text).ok();
    let theirs = gitleaks::translate_with(Path::new(".gitleaks.toml"), text, &Nothing).ok();
    let file = mine.or(theirs)?;
    Some(RuleSet::default().with_config(file))
}
