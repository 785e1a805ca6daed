//! Flags and the config file become one validated [`Settings`]; nothing past this module
//! looks at raw flags.
use crate::cli::{ColorChoice, Format, OutputArgs, ReadArgs, RuleArgs, VerifyArgs};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::rules::{Allowlist, RuleSet, RulesFile, Semantics};
use crate::source::ReadOptions;
use crate::verify::VerifyOptions;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The config file looked for at the root of a scanned tree or repository.
pub const CONFIG_FILE: &str = ".ferret.toml";

/// Fingerprints never to report, looked for at the root of a scanned tree or repository.
pub const IGNORE_FILE: &str = ".ferretignore";

/// Looked for when there is no [`CONFIG_FILE`]: a gitleaks config, translated.
pub const GITLEAKS_CONFIG_FILE: &str = crate::rules::gitleaks::FILE_NAME;

/// How the report is written.
#[derive(Debug, Clone)]
pub struct OutputSettings {
    pub format: Format,
    pub output: Option<PathBuf>,
    pub show_secrets: bool,
    pub color: bool,
    pub exit_code: i32,
    pub quiet: bool,
    /// Verification flags; combined with the config's `[verify]` table when reporting.
    pub verify: VerifyOptions,
    /// `--baseline FILE`: fingerprints not to report.
    pub baseline: Option<PathBuf>,
    /// The scanned tree or repository root, where `.ferretignore` is looked for.
    pub root: Option<PathBuf>,
}

impl OutputSettings {
    pub fn from_args(a: &OutputArgs) -> Self {
        let color = match a.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                a.output.is_none()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        OutputSettings {
            format: a.format,
            output: a.output.clone(),
            show_secrets: a.show_secrets,
            color,
            exit_code: a.exit_code,
            quiet: a.quiet,
            verify: VerifyOptions::from_args(&a.verify),
            baseline: a.baseline.clone(),
            root: None,
        }
    }

    /// Sets the root whose `.ferretignore` applies (the scanned directory, the repository).
    pub fn with_root(mut self, root: Option<&Path>) -> Self {
        self.root = root.map(Path::to_path_buf);
        self
    }
}

impl VerifyOptions {
    pub fn from_args(a: &VerifyArgs) -> Self {
        VerifyOptions {
            enabled: if a.no_verify {
                Some(false)
            } else if a.verify {
                Some(true)
            } else {
                None
            },
            redirects: a.verify_redirect.clone(),
            timeout: a.verify_timeout.map(std::time::Duration::from_secs),
            concurrency: a.verify_concurrency.map(|n| n as usize),
            fail_on: a.fail_on,
        }
    }
}

impl ReadOptions {
    pub fn from_args(a: &ReadArgs) -> Self {
        ReadOptions {
            max_file_size: a.max_file_size,
            scan_binary: a.scan_binary,
            no_ignore: a.no_ignore,
            follow_links: a.follow,
            threads: a.threads,
        }
    }
}

/// The rules in effect and the config file they came from, if any.
pub struct LoadedRules {
    pub set: RuleSet,
    pub config_path: Option<PathBuf>,
    /// `--keep-bad-checksums`: report checksum failures at low severity, not drop them.
    pub keep_bad_checksums: bool,
}

/// Built-in rules plus `--config FILE`, or else `.ferret.toml` at `root` when it exists,
/// or else `.gitleaks.toml` there. Either file may be a ferret or a gitleaks config.
pub fn load_rules(args: &RuleArgs, root: Option<&Path>) -> Result<LoadedRules> {
    let builtin = RuleSet::builtin()?;
    let path = match &args.config {
        Some(p) => {
            if !p.is_file() {
                return Err(Error::Config {
                    path: p.clone(),
                    message: "no such file".into(),
                });
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
    let set = match &path {
        Some(p) => {
            let file = RulesFile::load_any(p)?;
            let gitleaks = file
                .rules
                .iter()
                .any(|r| r.semantics == Semantics::Gitleaks);
            let mut set = builtin.with_config(file);
            if gitleaks {
                set.allowlists.extend(skip_config_file(p, root));
            }
            set
        }
        None => builtin,
    };
    Ok(LoadedRules {
        set,
        config_path: path,
        keep_bad_checksums: args.keep_bad_checksums,
    })
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

/// Compiles the engine. Rules from a config file are compiled at once so that a broken
/// one is reported before the scan (exit 2, naming the rule); built-in rules are proven by
/// the test suite and compiled lazily.
pub fn build_engine(loaded: &LoadedRules) -> Result<Engine> {
    let mut engine = Engine::new(&loaded.set).map_err(|e| match &loaded.config_path {
        Some(path) => Error::Config {
            path: path.clone(),
            message: e.to_string(),
        },
        None => e,
    })?;
    engine.keep_bad_checksums(loaded.keep_bad_checksums);
    if let Some(path) = &loaded.config_path {
        let file = RulesFile::load_any(path)?;
        let ids: std::collections::HashSet<&str> =
            file.rules.iter().map(|r| r.id.as_str()).collect();
        // The error names the config file as well as the rule.
        engine
            .compile_now(|r| ids.contains(r.id.as_str()))
            .map_err(|e| Error::Config {
                path: path.clone(),
                message: e.to_string(),
            })?;
        // Verify blocks and the `[verify]` table are checked now too, not after the scan.
        for r in file.rules.iter() {
            if let Some(v) = &r.verify {
                crate::verify::VerifySpec::parse(v).map_err(|m| Error::Rule {
                    id: r.id.clone(),
                    message: format!("verify: {m}"),
                })?;
            }
        }
        if let Some(v) = &file.verify {
            crate::verify::check_config(v).map_err(|message| Error::Config {
                path: path.clone(),
                message,
            })?;
        }
    }
    Ok(engine)
}
