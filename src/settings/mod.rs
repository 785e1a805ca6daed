//! The command line and the config files become one validated [`Settings`] (ripgrep's
//! low-level arguments turned into high-level settings, once). Each stage then receives
//! its own part: the rule set and engine options, [`ReadOptions`] for the sources,
//! [`ReportSettings`] for the reports, and the verification settings. Nothing below the
//! binary sees clap's types, and this is the one place that decides what a config file
//! may set.
pub mod verify;

use crate::cli::{ColorChoice, Format, GitArgs, OutputArgs, ReadArgs, RuleArgs};
use anyhow::Result;
use ferret_engine::Engine;
use ferret_rules::{Allowlist, Error, RuleSet, RulesFile, Semantics};
use ferret_source::git::{GitMode, GitOptions};
use ferret_source::ReadOptions;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
pub use verify::VerifyPlan;

/// The config file looked for at the root of a scanned tree or repository.
pub const CONFIG_FILE: &str = ".ferret.toml";

/// Fingerprints never to report, looked for at the root of a scanned tree or repository.
pub const IGNORE_FILE: &str = ".ferretignore";

/// Looked for when there is no [`CONFIG_FILE`]: a gitleaks config, translated.
pub const GITLEAKS_CONFIG_FILE: &str = ferret_rules::gitleaks::FILE_NAME;

/// Everything a scanning command runs with.
pub struct Settings {
    pub rules: Rules,
    pub read: ReadOptions,
    pub report: ReportSettings,
    pub verify: VerifyPlan,
}

/// The rules in effect, where they came from, and how the engine treats them.
pub struct Rules {
    pub set: RuleSet,
    /// The config file the set was extended with, if any.
    pub config_path: Option<PathBuf>,
    /// Rule ids the config file defines: compiled before the scan, so a broken one is an
    /// error naming it (built-in rules are proven by the test suite and compile lazily).
    pub config_rule_ids: Vec<String>,
    /// `--keep-bad-checksums`: report checksum failures at low severity, not drop them.
    pub keep_bad_checksums: bool,
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
    /// `.ferretignore` at the scanned tree's or repository's root.
    pub ignore_file: Option<PathBuf>,
}

impl Settings {
    /// The settings of a scanning command: `root` is the scanned tree or the repository's
    /// work tree, where `.ferret.toml` and `.ferretignore` are looked for.
    pub fn new(
        output: &OutputArgs,
        mut read: ReadOptions,
        root: Option<&Path>,
    ) -> Result<Settings> {
        read.explain = output.explain;
        let rules = Rules::load(&output.rules, root)?;
        let verify = VerifyPlan::resolve(&output.verify, rules.config_verify_table()?.as_ref())
            .map_err(anyhow::Error::msg)?;
        Ok(Settings {
            rules,
            read,
            report: ReportSettings::new(output, root),
            verify,
        })
    }

    /// The compiled engine for these rules.
    pub fn engine(&self) -> Result<Engine> {
        self.rules.engine()
    }
}

impl ReportSettings {
    fn new(a: &OutputArgs, root: Option<&Path>) -> Self {
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
            ignore_file: root.map(|r| r.join(IGNORE_FILE)),
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

impl Rules {
    /// Built-in rules plus `--config FILE`, or else `.ferret.toml` at `root` when it
    /// exists, or else `.gitleaks.toml` there. Either file may be a ferret or a gitleaks
    /// config.
    pub fn load(args: &RuleArgs, root: Option<&Path>) -> Result<Rules> {
        let builtin = crate::builtin::rules()?;
        let path = match &args.config {
            Some(p) => {
                if !p.is_file() {
                    return Err(Error::Config {
                        path: p.clone(),
                        message: "no such file".into(),
                    }
                    .into());
                }
                Some(p.clone())
            }
            None => root.and_then(|r| {
                [CONFIG_FILE, GITLEAKS_CONFIG_FILE]
                    .iter()
                    .map(|f| r.join(f))
                    .find(|p| p.is_file())
            }),
        };
        let (set, config_rule_ids) = match &path {
            Some(p) => {
                let file = RulesFile::load_any(p)?;
                let ids = file.rules.iter().map(|r| r.id.clone()).collect();
                let gitleaks = file
                    .rules
                    .iter()
                    .any(|r| r.semantics == Semantics::Gitleaks);
                let mut set = builtin.with_config(file);
                if gitleaks {
                    set.allowlists.extend(skip_config_file(p, root));
                }
                (set, ids)
            }
            None => (builtin, Vec::new()),
        };
        Ok(Rules {
            set,
            config_path: path,
            config_rule_ids,
            keep_bad_checksums: args.keep_bad_checksums,
        })
    }

    /// The config file's `[verify]` table, checked.
    fn config_verify_table(&self) -> Result<Option<toml::Value>> {
        let Some(table) = &self.set.verify else {
            return Ok(None);
        };
        let path = self.config_path.clone().unwrap_or_default();
        verify::check_table(table).map_err(|message| Error::Config { path, message })?;
        Ok(Some(table.clone()))
    }

    /// Compiles the engine. Rules from a config file are compiled at once so that a
    /// broken one is reported before the scan (exit 2, naming the rule), and their verify
    /// blocks are checked now too, not after the scan.
    pub fn engine(&self) -> Result<Engine> {
        let in_config = |e: Error| -> anyhow::Error {
            match &self.config_path {
                Some(path) => Error::Config {
                    path: path.clone(),
                    message: e.to_string(),
                }
                .into(),
                None => e.into(),
            }
        };
        let mut engine = Engine::new(&self.set).map_err(in_config)?;
        engine.keep_bad_checksums(self.keep_bad_checksums);
        if self.config_path.is_some() {
            let ids: std::collections::HashSet<&str> =
                self.config_rule_ids.iter().map(String::as_str).collect();
            engine
                .compile_now(|r| ids.contains(r.id.as_str()))
                .map_err(in_config)?;
            for r in self
                .set
                .rules
                .iter()
                .filter(|r| ids.contains(r.id.as_str()))
            {
                if let Some(v) = &r.verify {
                    ferret_verify::VerifySpec::parse(v).map_err(|m| Error::Rule {
                        id: r.id.clone(),
                        message: format!("verify: {m}"),
                    })?;
                }
            }
        }
        Ok(engine)
    }
}

/// gitleaks does not scan the config file it was given (which often holds allowlisted
/// example secrets); when that file is inside the scanned tree, neither does ferret.
fn skip_config_file(config: &Path, root: Option<&Path>) -> Option<Allowlist> {
    let config = config.canonicalize().ok()?;
    let root = root?.canonicalize().ok()?;
    let rel = config
        .strip_prefix(&root)
        .ok()?
        .to_string_lossy()
        .replace('\\', "/");
    Some(Allowlist {
        paths: vec![format!("^{}$", regex::escape(&rel))],
        ..Allowlist::default()
    })
}
