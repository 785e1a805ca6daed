//! The command line and the config files become one validated [`Settings`] (ripgrep's
//! low-level arguments turned into high-level settings, once). Each stage then receives
//! its own part: the rule set and engine options, [`ReadOptions`] for the sources,
//! [`ReportSettings`] for the reports, and the verification settings. Nothing below the
//! binary sees clap's types, and this is the one place that decides what a config file
//! may set.
pub mod config;
pub mod verify;

use crate::cli::{ColorChoice, Format, GitArgs, OutputArgs, ReadArgs};
use anyhow::Result;
pub use config::{Rules, TreeSource};
use ferret_engine::Engine;
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
    pub format: ferret_report::Format,
    pub output: Option<PathBuf>,
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
        let rules = Rules::load(&output.rules, tree)?;
        let verify = VerifyPlan::resolve(&output.verify, rules.verify_table.as_ref())
            .map_err(anyhow::Error::msg)?;
        let mut report = ReportSettings::new(output);
        report.ignore = config::tree_ignore(tree)?;
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
    fn new(a: &OutputArgs) -> Self {
        let color = match a.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                a.output.is_none()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        ReportSettings {
            format: a.format.into(),
            output: a.output.clone(),
            show_secrets: a.show_secrets,
            color,
            exit_code: a.exit_code,
            quiet: a.quiet,
            explain: a.explain,
            baseline: a.baseline.clone(),
            ignore: None,
        }
    }
}

impl From<Format> for ferret_report::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Human => ferret_report::Format::Human,
            Format::Json => ferret_report::Format::Json,
            Format::Jsonl => ferret_report::Format::Jsonl,
            Format::Sarif => ferret_report::Format::Sarif,
            Format::Github => ferret_report::Format::Github,
        }
    }
}

/// What is read from disk, from the flags.
pub fn read_options(a: &ReadArgs) -> ReadOptions {
    ReadOptions {
        max_file_size: a.max_file_size,
        scan_binary: a.scan_binary,
        no_ignore: a.no_ignore,
        follow_links: a.follow,
        threads: a.threads,
        explain: false,
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
    }
}
