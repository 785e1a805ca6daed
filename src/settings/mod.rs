//! The command line and the config files become one validated [`Settings`] (ripgrep's
//! low-level arguments turned into high-level settings, once). Each stage then receives
//! its own part: the rule set and engine options, [`ReadOptions`] for the sources,
//! [`ReportSettings`] for the reports, and the verification settings. Nothing below the
//! binary sees clap's types, and this is the one place that decides what a config file
//! may set.
pub mod config;
pub mod org;
pub mod outputs;
pub mod verify;

use crate::cli::{ColorChoice, GitArgs, OutputArgs, ReadArgs};
use anyhow::Result;
pub use config::{Rules, TreeSource};
use ferret_engine::Engine;
use ferret_report::MinConfidence;
use ferret_rules::Confidence;
use ferret_source::git::{GitMode, GitOptions};
use ferret_source::ReadOptions;
use std::io::IsTerminal;
use std::path::PathBuf;
pub use verify::VerifyPlan;

/// Everything a scanning command runs with.
pub struct Settings {
    pub rules: Rules,
    pub read: ReadOptions,
    pub report: ReportSettings,
    pub verify: VerifyPlan,
}

/// How the report is written, and what is left out of it.
#[derive(Debug, Clone)]
pub struct ReportSettings {
    /// Each format and where it goes (at most one to stdout).
    pub outputs: Vec<outputs::Output>,
    /// Repository-relative paths for SARIF and annotations (see [`outputs::repo_paths`]).
    pub repo_paths: ferret_report::RepoPaths,
    pub show_secrets: bool,
    pub color: bool,
    pub exit_code: i32,
    pub quiet: bool,
    /// `--explain`: say why each candidate that was not reported was dropped.
    pub explain: bool,
    /// `--baseline FILE`: fingerprints not to report.
    pub baseline: Option<PathBuf>,
    /// `.ferretignore` of the scanned tree or repository, read with the tree's limits:
    /// (its name, its text).
    pub ignore: Option<(PathBuf, String)>,
    /// `.gitleaksignore`, read from the same place the same way.
    pub gitleaks_ignore: Option<(PathBuf, String)>,
    /// `--min-confidence`, when given: the same minimum everywhere. Otherwise what the
    /// command is for decides ([`Purpose`]).
    pub min_confidence: Option<Confidence>,
    /// Judge as a commit gate whatever the command ([`Purpose::Gate`]): set by the hooks,
    /// which run `scan` and `git --range` on what they are handed.
    pub gate: bool,
}

/// What a command is for, which decides what it reports when `--min-confidence` is not
/// given (README.md, "Confidence and grouping").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Blocks a change as it is made (`git --staged`, the hooks): medium and up by the
    /// rule's own level, so a commit is not stopped by a generic assignment, and a
    /// provider's key is stopped in a test directory too.
    Gate,
    /// Looks at a tree (`scan`): every level, but medium and up in test and fixture
    /// directories, whose keys and tokens are made for the tests.
    Review,
    /// Judges a change before it lands (`git --range`, the action on pull requests and
    /// pushes): every level, and in test directories a provider's key by its rule's own
    /// level, so a pull request cannot slip a real key past CI by putting it in a fixture;
    /// generic assignments in tests stay out, as in [`Purpose::Review`].
    Change,
    /// Looks for everything (`git` history, `audit`): every level everywhere.
    Audit,
}

impl Purpose {
    fn min_confidence(self) -> MinConfidence {
        match self {
            Purpose::Gate => MinConfidence {
                by_rule: true,
                ..MinConfidence::uniform(Confidence::Medium)
            },
            Purpose::Review => MinConfidence {
                default: Confidence::Low,
                in_tests: Confidence::Medium,
                by_rule: false,
            },
            Purpose::Change => MinConfidence {
                default: Confidence::Low,
                in_tests: Confidence::Medium,
                by_rule: true,
            },
            Purpose::Audit => MinConfidence::all(),
        }
    }
}

impl Settings {
    /// The settings of a scanning command: `tree` says where the scanned tree's own
    /// `.ferret.toml` and `.ferretignore` are read from.
    pub fn new(
        output: &OutputArgs,
        mut read: ReadOptions,
        tree: &TreeSource<'_>,
    ) -> Result<Settings> {
        read.explain = output.explain;
        let mut rules = Rules::load(&output.rules, tree)?;
        let asked = read.threads;
        read.threads = clamp_threads(asked);
        if read.threads < asked {
            rules.notes.push(format!(
                "-j {asked}: using {} threads (four per core at most)",
                read.threads
            ));
        }
        let verify = VerifyPlan::resolve(&output.verify, rules.verify_table.as_ref())
            .map_err(anyhow::Error::msg)?;
        let mut report = ReportSettings::new(output)?;
        report.ignore = config::tree_ignore(tree)?;
        report.gitleaks_ignore = config::tree_gitleaks_ignore(tree)?;
        Ok(Settings {
            rules,
            read,
            report,
            verify,
        })
    }

    /// The compiled engine for these rules.
    pub fn engine(&self) -> Result<Engine> {
        self.rules.engine()
    }
}

impl ReportSettings {
    fn new(a: &OutputArgs) -> Result<Self> {
        let outputs = outputs::resolve(&a.format, a.output.as_deref())?;
        let human_on_stdout = outputs
            .iter()
            .any(|o| o.format == ferret_report::Format::Human && o.file.is_none());
        let color = match a.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                human_on_stdout
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        Ok(ReportSettings {
            outputs,
            repo_paths: ferret_report::RepoPaths::unchanged(),
            show_secrets: a.show_secrets,
            color,
            exit_code: a.exit_code,
            quiet: a.quiet,
            explain: a.explain,
            baseline: a.baseline.clone(),
            ignore: None,
            gitleaks_ignore: None,
            min_confidence: a.min_confidence.map(|c| c.level()),
            gate: a.gate,
        })
    }

    /// The minimum confidence a finding needs in a command run for `purpose`.
    pub fn min_confidence(&self, purpose: Purpose) -> MinConfidence {
        match self.min_confidence {
            Some(c) => MinConfidence::uniform(c),
            None if self.gate => Purpose::Gate.min_confidence(),
            None => purpose.min_confidence(),
        }
    }

    /// Whether a format that reads [`ReportSettings::repo_paths`] is asked for.
    pub fn wants_repo_paths(&self) -> bool {
        self.outputs.iter().any(|o| {
            matches!(
                o.format,
                ferret_report::Format::Sarif | ferret_report::Format::Github
            )
        })
    }
}

/// The organisation key fingerprints are keyed with, from the environment only (never from
/// a config a scanned tree could hold): `FERRET_FINGERPRINT_KEY`, or the contents of the
/// file `FERRET_FINGERPRINT_KEY_FILE` names. Every machine of an organisation that shares
/// baselines uses the same key; see docs/security.md.
pub fn fingerprint_key() -> Result<Option<Vec<u8>>> {
    if let Some(k) = std::env::var_os("FERRET_FINGERPRINT_KEY").filter(|k| !k.is_empty()) {
        return Ok(Some(k.as_encoded_bytes().to_vec()));
    }
    match std::env::var_os("FERRET_FINGERPRINT_KEY_FILE").filter(|k| !k.is_empty()) {
        Some(p) => {
            let p = PathBuf::from(p);
            let bytes = std::fs::read(&p).map_err(|e| ferret_source::Error::io(&p, e))?;
            let key = bytes.trim_ascii().to_vec();
            if key.len() < 16 {
                anyhow::bail!(
                    "{}: FERRET_FINGERPRINT_KEY_FILE holds fewer than 16 bytes; use a random key",
                    p.display()
                );
            }
            Ok(Some(key))
        }
        None => Ok(None),
    }
}

/// At most four threads per core (`-j 5000` on one file spawned 5,000 threads and ran for
/// minutes); 0 stays 0, which means one per core.
pub fn clamp_threads(asked: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    asked.min(4 * cores)
}

/// What is read from disk, from the flags.
pub fn read_options(a: &ReadArgs) -> ReadOptions {
    ReadOptions {
        max_file_size: a.max_file_size,
        scan_binary: a.scan_binary,
        archives: archive_limits(a.no_archives),
        no_ignore: a.no_ignore,
        follow_links: a.follow,
        threads: a.threads,
        explain: false,
    }
}

/// Archives are opened with the default limits unless `--no-archives`.
pub fn archive_limits(no_archives: bool) -> ferret_source::archive::Limits {
    ferret_source::archive::Limits {
        enabled: !no_archives,
        ..Default::default()
    }
}

/// What `ferret git` was asked to read. Progress is drawn only for people: on a terminal,
/// outside CI, without `--quiet`.
pub fn git_options(a: &GitArgs) -> GitOptions {
    let mode = if a.staged {
        GitMode::Staged
    } else if let Some(spec) = &a.range {
        GitMode::Range { spec: spec.clone() }
    } else {
        GitMode::History {
            branch: a.branch.clone(),
        }
    };
    let progress = !a.output.quiet
        && match a.progress {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal()
                    && std::env::var_os("CI").is_none_or(|v| v.is_empty())
            }
        };
    GitOptions {
        mode,
        whole_files: a.whole_files,
        progress,
        only_paths: None,
        all_objects: a.all_objects,
        unreachable: a.all_objects,
    }
}
