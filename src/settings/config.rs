//! Config files, and what each may set: the trust boundary (docs/security.md).
//!
//! The command line and the user's own config files are trusted. A config found in the
//! scanned tree or repository (`.ferret.toml`, or `.gitleaks.toml` when there is none) was
//! written by whoever wrote the tree: a pull request from a fork, a vendored directory. It
//! may add rules, allowlists and ignores, which is what a repository needs to describe
//! itself. It may not turn verification on, define or change where a secret is sent, or
//! raise timeouts and limits; its verify blocks and `[verify]` table are left out with a
//! note. When it turns built-in detection off broadly (`use_default = false`, disabled or
//! replaced built-in rules, an allowlist that matches every path or every secret) the run
//! says so on stderr and in the report, so a change that blinds the scan is never silent.
//!
//! Layers, each over the one before: the built-in rules, the user's config file
//! (`FERRET_CONFIG`, else `$XDG_CONFIG_HOME/ferret/config.toml`, else
//! `~/.config/ferret/config.toml`), then `--config FILE` or else the tree's own config.
use crate::cli::RuleArgs;
use anyhow::Result;
use ferret_engine::Engine;
use ferret_rules::{safe, Allowlist, Disk, Error, Files, RuleSet, RulesFile, Semantics};
use ferret_source::control::{CommitFiles, TreeFiles};
use git2::{Oid, Repository};
use std::path::{Path, PathBuf};

/// The config file looked for at the root of a scanned tree or repository.
pub const CONFIG_FILE: &str = ".ferret.toml";

/// Fingerprints never to report, looked for at the root of a scanned tree or repository.
pub const IGNORE_FILE: &str = ".ferretignore";

/// gitleaks' list of findings not to report, read from the same place as [`IGNORE_FILE`].
pub const GITLEAKS_IGNORE_FILE: &str = ".gitleaksignore";

/// Looked for when there is no [`CONFIG_FILE`]: a gitleaks config, translated.
pub const GITLEAKS_CONFIG_FILE: &str = ferret_rules::gitleaks::FILE_NAME;

/// Where a config came from, which decides what it may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Named by the user: `--config FILE`, `FERRET_CONFIG`, the user's config file.
    User,
    /// Found in the scanned tree or repository, or read from a reviewed range's base.
    Tree,
}

/// Where the scanned tree's own control files (config, ignore list) are read from.
pub enum TreeSource<'a> {
    /// None: a file, stdin, or no tree.
    None,
    /// A directory on disk: a scanned tree, a work tree.
    Dir(&'a Path),
    /// A commit: the base of a reviewed range, so that the commits under review cannot
    /// change the rules that judge them.
    Commit(&'a Repository, Oid),
}

/// One config file in effect.
pub struct Config {
    pub path: PathBuf,
    pub trust: Trust,
    /// The rule ids it defines (compiled at start-up so a broken one is reported first).
    pub rule_ids: Vec<String>,
}

/// The rules in effect, where they came from, and how the engine treats them.
pub struct Rules {
    pub set: RuleSet,
    pub configs: Vec<Config>,
    /// `--keep-bad-checksums`: report checksum failures at low severity, not drop them.
    pub keep_bad_checksums: bool,
    /// What a tree's config did that the user should know: turned detection off broadly.
    /// Printed on stderr and carried in JSON and SARIF reports.
    pub warnings: Vec<String>,
    /// What a tree's config tried and was not allowed (verification, limits).
    pub notes: Vec<String>,
    /// The `[verify]` table of a trusted config, checked.
    pub verify_table: Option<toml::Value>,
}

/// The user's own config file, if there is one: `FERRET_CONFIG` (an empty value: none),
/// else `$XDG_CONFIG_HOME/ferret/config.toml`, else `~/.config/ferret/config.toml`.
fn user_config() -> Result<Option<PathBuf>> {
    if let Some(v) = std::env::var_os("FERRET_CONFIG") {
        if v.is_empty() {
            return Ok(None);
        }
        let p = PathBuf::from(v);
        if !p.is_file() {
            return Err(Error::Config {
                path: p,
                message: "FERRET_CONFIG names no such file".into(),
            }
            .into());
        }
        return Ok(Some(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    Ok(base
        .map(|b| b.join("ferret").join("config.toml"))
        .filter(|p| p.is_file()))
}

impl Rules {
    /// The built-in rules, the user's config, then `--config FILE` or else the tree's own
    /// config, found through `tree`.
    pub fn load(args: &RuleArgs, tree: &TreeSource<'_>) -> Result<Rules> {
        let builtin = crate::builtin::rules()?;
        let builtin_ids: Vec<String> = builtin.rules.iter().map(|r| r.id.clone()).collect();
        let mut rules = Rules {
            set: builtin,
            configs: Vec::new(),
            keep_bad_checksums: args.keep_bad_checksums,
            warnings: Vec::new(),
            notes: Vec::new(),
            verify_table: None,
        };
        // gitleaks does not scan the config it was given; inside the scanned tree, neither
        // does ferret (see `skip_config_file`).
        let root = match tree {
            TreeSource::Dir(root) => Some(*root),
            _ => None,
        };
        if let Some(p) = user_config()? {
            let file = RulesFile::load_any_with(&p, &Disk)?;
            rules.add(p, Trust::User, file, root)?;
        }
        match &args.config {
            Some(p) => {
                if !p.is_file() {
                    return Err(Error::Config {
                        path: p.clone(),
                        message: "no such file".into(),
                    }
                    .into());
                }
                let file = RulesFile::load_any_with(p, &Disk)?;
                rules.add(p.clone(), Trust::User, file, root)?;
            }
            None => {
                if let Some((path, file)) = tree_config(tree)? {
                    rules.add_tree(path, file, root, &builtin_ids)?;
                }
            }
        }
        Ok(rules)
    }

    fn add(
        &mut self,
        path: PathBuf,
        trust: Trust,
        file: RulesFile,
        root: Option<&Path>,
    ) -> Result<()> {
        let rule_ids = file.rules.iter().map(|r| r.id.clone()).collect();
        if trust == Trust::User {
            if let Some(v) = &file.verify {
                super::verify::check_table(v).map_err(|message| Error::Config {
                    path: path.clone(),
                    message,
                })?;
                self.verify_table = Some(v.clone());
            }
        }
        let gitleaks = file
            .rules
            .iter()
            .any(|r| r.semantics == Semantics::Gitleaks);
        let set = std::mem::take(&mut self.set).with_config(file);
        self.set = set;
        if gitleaks {
            self.set.allowlists.extend(skip_config_file(&path, root));
        }
        self.configs.push(Config {
            path,
            trust,
            rule_ids,
        });
        Ok(())
    }

    /// A tree's config: what it may not set is left out (with a note), what turns
    /// detection off broadly is said out loud.
    fn add_tree(
        &mut self,
        path: PathBuf,
        mut file: RulesFile,
        root: Option<&Path>,
        builtin_ids: &[String],
    ) -> Result<()> {
        let name = path.display().to_string();
        if file.verify.take().is_some() {
            self.notes.push(format!(
                "{name}: its [verify] table is ignored: a config in the scanned tree cannot \
                 turn verification on or change its limits (use --config or your own config)"
            ));
        }
        let with_verify = file
            .rules
            .iter_mut()
            .filter_map(|r| r.verify.take())
            .count();
        if with_verify > 0 {
            self.notes.push(format!(
                "{name}: {with_verify} verify block(s) ignored: a config in the scanned tree \
                 cannot say where a secret is sent (use --config or your own config)"
            ));
        }
        self.warnings
            .extend(broad_changes(&name, &file, builtin_ids));
        self.add(path, Trust::Tree, file, root)
    }

    /// Compiles the engine. Rules from config files are compiled at once so that a broken
    /// one is reported before the scan (exit 2, naming the rule and the file), and their
    /// verify blocks are checked now too, not after the scan.
    pub fn engine(&self) -> Result<Engine> {
        let last = self.configs.last().map(|c| c.path.clone());
        let in_config = |path: Option<PathBuf>, e: Error| -> anyhow::Error {
            match path {
                Some(path) => Error::Config {
                    path,
                    message: e.to_string(),
                }
                .into(),
                None => e.into(),
            }
        };
        let mut engine = Engine::new(&self.set).map_err(|e| in_config(last.clone(), e))?;
        engine.keep_bad_checksums(self.keep_bad_checksums);
        for c in &self.configs {
            let ids: std::collections::HashSet<&str> =
                c.rule_ids.iter().map(String::as_str).collect();
            engine
                .compile_now(|r| ids.contains(r.id.as_str()))
                .map_err(|e| in_config(Some(c.path.clone()), e))?;
            for r in self
                .set
                .rules
                .iter()
                .filter(|r| ids.contains(r.id.as_str()))
            {
                // The block, and the parts of the rule's pair it names.
                if let Some(m) = ferret_verify::check_rule(r) {
                    Err(Error::Rule {
                        id: r.id.clone(),
                        message: format!("verify: {}", safe::scrub(&m)),
                    })?;
                }
            }
        }
        Ok(engine)
    }
}

/// The tree's own config: `.ferret.toml`, else `.gitleaks.toml`, read through the tree's
/// rules (inside it, regular files, size-capped) or from the commit.
fn tree_config(tree: &TreeSource<'_>) -> Result<Option<(PathBuf, RulesFile)>> {
    let names = [CONFIG_FILE, GITLEAKS_CONFIG_FILE];
    match tree {
        TreeSource::None => Ok(None),
        TreeSource::Dir(root) => {
            let files = TreeFiles::new(root);
            for name in names {
                let p = root.join(name);
                if files.exists(&p) {
                    return Ok(Some((p.clone(), RulesFile::load_any_with(&p, &files)?)));
                }
            }
            Ok(None)
        }
        TreeSource::Commit(repo, commit) => {
            let files = CommitFiles::new(repo, *commit);
            for name in names {
                let p = Path::new(name);
                if files.entry(p).is_some() {
                    let file = RulesFile::load_any_with(p, &files)?;
                    return Ok(Some((files.display(p), file)));
                }
            }
            Ok(None)
        }
    }
}

/// `.ferretignore` of the scanned tree, read as its control files are: (its name, its
/// text).
pub fn tree_ignore(tree: &TreeSource<'_>) -> Result<Option<(PathBuf, String)>> {
    tree_file(tree, IGNORE_FILE)
}

/// `.gitleaksignore`, from the same place as `.ferretignore` and read the same way.
pub fn tree_gitleaks_ignore(tree: &TreeSource<'_>) -> Result<Option<(PathBuf, String)>> {
    tree_file(tree, GITLEAKS_IGNORE_FILE)
}

/// The control file `name` at the root of the scanned tree (or of the reviewed range's
/// base), if there is one.
fn tree_file(tree: &TreeSource<'_>, name: &str) -> Result<Option<(PathBuf, String)>> {
    match tree {
        TreeSource::None => Ok(None),
        TreeSource::Dir(root) => {
            let files = TreeFiles::new(root);
            let p = root.join(name);
            if !files.exists(&p) {
                return Ok(None);
            }
            Ok(Some((p.clone(), files.read(&p)?)))
        }
        TreeSource::Commit(repo, commit) => {
            let files = CommitFiles::new(repo, *commit);
            let p = Path::new(name);
            if files.entry(p).is_none() {
                return Ok(None);
            }
            Ok(Some((files.display(p), files.read(p)?)))
        }
    }
}

/// Notes for a reviewed range whose commits change the repository's control files: the
/// versions at the base are the ones that apply.
pub fn changed_in_range(repo: &Repository, base: Oid, head: Oid) -> Vec<String> {
    let at = |commit: Oid, name: &str| CommitFiles::new(repo, commit).entry(Path::new(name));
    let short = &base.to_string()[..12];
    [
        CONFIG_FILE,
        GITLEAKS_CONFIG_FILE,
        IGNORE_FILE,
        GITLEAKS_IGNORE_FILE,
    ]
    .iter()
    .filter(|name| at(base, name) != at(head, name))
    .map(|name| {
        format!(
            "the commits under review change {name}; its version at the base ({short}) \
                 applies, so a change cannot loosen the scan that judges it"
        )
    })
    .collect()
}

/// Paths and values that any real secret could sit at: an allowlist entry that matches
/// most of them turns detection off, not off for one false positive.
const PROBE_PATHS: &[&str] = &[
    ".env",
    "src/main.rs",
    "app/settings.py",
    "config/production.yml",
    "deploy/values.yaml",
    "index.js",
];

/// What in a tree's config turns built-in detection off broadly, worded without quoting
/// the config (which may hold a secret).
fn broad_changes(name: &str, file: &RulesFile, builtin_ids: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let say = |what: String| format!("{name} (in the scanned tree) {what}");
    if let Some(ext) = &file.extend {
        if !ext.use_default {
            out.push(say(
                "turns every built-in rule off (use_default = false)".into()
            ));
        }
        let off: Vec<&String> = builtin_ids
            .iter()
            .filter(|id| ext.disabled_rules.contains(id))
            .collect();
        if !off.is_empty() {
            out.push(say(format!(
                "turns {} built-in rule(s) off: {}",
                off.len(),
                list(&off)
            )));
        }
    }
    let replaced: Vec<&String> = builtin_ids
        .iter()
        .filter(|id| file.rules.iter().any(|r| &r.id == *id))
        .collect();
    if !replaced.is_empty() {
        out.push(say(format!(
            "replaces {} built-in rule(s) with its own: {}",
            replaced.len(),
            list(&replaced)
        )));
    }
    let globals = file.allowlist.iter().chain(&file.allowlists);
    for (i, a) in globals.enumerate() {
        if let Some(what) = broad(a) {
            out.push(say(format!(
                "has a global allowlist (#{}) that {what}",
                i + 1
            )));
        }
    }
    out
}

fn list(ids: &[&String]) -> String {
    const SHOWN: usize = 8;
    let mut s = ids
        .iter()
        .take(SHOWN)
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        s.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    s
}

/// Whether an allowlist matches most paths, or most secrets of any shape.
fn broad(a: &Allowlist) -> Option<&'static str> {
    let matches = |patterns: &[String], probes: &[String]| {
        let res: Vec<regex::Regex> = patterns
            .iter()
            .filter_map(|p| regex::Regex::new(p).ok())
            .collect();
        probes
            .iter()
            .filter(|p| res.iter().any(|r| r.is_match(p)))
            .count()
            * 2
            > probes.len()
    };
    let and = a.condition == ferret_rules::Condition::And;
    let paths: Vec<String> = PROBE_PATHS.iter().map(|s| s.to_string()).collect();
    let secrets = probe_secrets();
    let lines: Vec<String> = secrets.iter().map(|s| format!("API_KEY={s}")).collect();
    let path_all = !a.paths.is_empty() && matches(&a.paths, &paths);
    let secret_all = !a.regexes.is_empty() && matches(&a.regexes, &secrets);
    let line_all = !a.line_regexes.is_empty() && matches(&a.line_regexes, &lines);
    let stop_all = a.stopwords.iter().any(|w| {
        !w.is_empty()
            && secrets
                .iter()
                .filter(|s| s.to_lowercase().contains(&w.to_lowercase()))
                .count()
                * 2
                > secrets.len()
    });
    // With `and`, every kind listed must match for the allowlist to apply.
    if and {
        let listed = [
            !a.paths.is_empty(),
            !a.regexes.is_empty(),
            !a.line_regexes.is_empty(),
            !a.stopwords.is_empty(),
        ];
        let all = [path_all, secret_all, line_all, stop_all];
        let broad = listed.iter().any(|&l| l) && listed.iter().zip(all).all(|(&l, m)| !l || m);
        return broad.then_some("matches every finding");
    }
    if path_all {
        Some("skips every file")
    } else if secret_all || line_all || stop_all {
        Some("allows every secret")
    } else {
        None
    }
}

/// Secret-shaped values of common kinds, made fresh (nothing credential-shaped is written
/// in the source).
fn probe_secrets() -> Vec<String> {
    use ferret_rules::synth::{Rng, ALNUM, BASE64, HEX};
    let mut rng = Rng::from_str_seed("broad-allowlist-probe");
    vec![
        format!("{}{}", ["s", "k_"].concat(), rng.string(ALNUM, 40)),
        format!("{}{}", ["gh", "p_"].concat(), rng.string(ALNUM, 36)),
        rng.string(HEX, 40),
        rng.string(BASE64, 40),
        format!(
            "{}{}",
            ["AK", "IA"].concat(),
            rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
        ),
        rng.string(ALNUM, 24),
    ]
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
