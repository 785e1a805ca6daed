//! What the audit looks at, gathered once for every check: the files git tracks under the
//! audit root (from the index) plus the files a `git add .` would pick up (a walk that
//! honours .gitignore, as `ferret scan` does), each read once and scanned by the engine.
//! A tracked file that .gitignore now hides is still audited (it is still committed); a
//! tracked file deleted from the work tree is read from its staged blob.
use super::assign;
use super::names::{self, CredentialFile, Env, Evidence};
use super::structure::{self, Naming};
use ferret_engine::finding::{fingerprint, Finding};
use ferret_engine::{LineCursor, Sink, Target};
use ferret_rules::Severity;
use ferret_source::fs::{read_file, Loaded};
use ferret_source::{content, Scanner};
use ferret_source::{Error, Result};
use rayon::prelude::*;
use regex::bytes::Regex;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

const GITLINK: u32 = 0o160000;
const SYMLINK: u32 = 0o120000;

/// The git work tree the audit root sits in.
#[derive(Debug, Clone)]
pub struct Repo {
    pub workdir: PathBuf,
    /// The audit root relative to the work tree: "" or "sub/dir/".
    pub prefix: String,
}

/// One secret in a file: found by a rule, or a random-looking value of a secret-like name
/// in a settings file (`heuristic`, with an empty rule id).
#[derive(Debug, Clone)]
pub struct Secret {
    pub finding: Finding,
    pub heuristic: bool,
    /// The key it is assigned to, when the line says (`ATTIO_API_KEY`, `token`).
    pub key: Option<String>,
    /// The environment its place names, and how.
    pub env: Option<(Env, Naming)>,
}

/// One file under the audit root.
#[derive(Debug, Clone, Default)]
pub struct AuditFile {
    /// Relative to the audit root, forward slashes.
    pub path: String,
    pub tracked: bool,
    /// A dotenv file that .gitignore hides: read only to compare environments' secrets.
    pub ignored: bool,
    /// A tracked symbolic link (`apps/web/.env -> ../../.env`): git holds the link, not
    /// the content, so the tracked-file checks leave it alone.
    pub symlink: bool,
    pub secrets: Vec<Secret>,
    /// For tracked files that hold credentials by design: what, and the line that shows it.
    pub credential: Option<(CredentialFile, usize)>,
}

/// Everything the checks read.
pub struct Inventory {
    pub repo: Option<Repo>,
    pub files: Vec<AuditFile>,
}

struct Entry {
    abs: PathBuf,
    tracked: bool,
    ignored: bool,
    /// Tracked, gone from the work tree, blob unreadable (already reported).
    unreadable: bool,
    mode: u32,
    blob: Option<Vec<u8>>,
}

/// Gathers and scans the files under `root`. Notes (not a git repository, skipped files)
/// and per-file errors go to the scanner's diagnostics; only a missing root or a broken
/// repository is an error.
pub fn collect(scanner: &Scanner<'_>, root: &Path) -> Result<Inventory> {
    let meta = std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "{}: audit needs a directory (a work tree or a folder in one)",
            root.display()
        )));
    }
    let git = open_repo(scanner, root)?;
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    let mut submodules: HashSet<PathBuf> = HashSet::new();
    if let Some((repo, info)) = &git {
        let index = repo.index().map_err(|e| git_error(&info.workdir, e))?;
        for e in index.iter() {
            let rel = String::from_utf8_lossy(&e.path).into_owned();
            let Some(shown) = rel.strip_prefix(info.prefix.as_str()) else {
                continue;
            };
            let abs = root.join(shown);
            if e.mode == GITLINK {
                submodules.insert(abs);
                continue;
            }
            let mut unreadable = false;
            let blob = if std::fs::symlink_metadata(&abs).is_err() && e.mode != SYMLINK {
                match repo.find_blob(e.id) {
                    Ok(b) => Some(b.content().to_vec()),
                    Err(err) => {
                        // A partial clone or a broken object store: name the file, go on.
                        unreadable = true;
                        scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
                        scanner.diagnostics.error(Error::Git {
                            repo: info.workdir.clone(),
                            message: format!(
                                "{rel}: not in the work tree, and its staged blob {} cannot be \
                                 read: {}",
                                e.id,
                                err.message()
                            ),
                        });
                        None
                    }
                }
            } else {
                None
            };
            entries.insert(
                shown.to_string(),
                Entry {
                    abs,
                    tracked: true,
                    ignored: false,
                    unreadable,
                    mode: e.mode,
                    blob,
                },
            );
        }
    }
    walk(scanner, root, &submodules, &mut entries);
    if !scanner.options.no_ignore {
        ignored_env_files(scanner, root, &submodules, &mut entries);
    }
    // Allowlisted paths (lock files, vendored code, a config's `paths`) are out of every
    // check, as they are out of scans.
    entries.retain(|path, _| {
        let keep = !scanner.engine.path_ignored(path);
        if !keep {
            scanner
                .stats
                .skipped_allowlisted
                .fetch_add(1, Ordering::Relaxed);
        }
        keep
    });
    let files = scan_all(scanner, &entries);
    Ok(Inventory {
        repo: git.map(|(_, info)| info),
        files,
    })
}

fn git_error(repo: &Path, e: git2::Error) -> Error {
    Error::Git {
        repo: repo.to_path_buf(),
        message: e.message().to_string(),
    }
}

/// The repository holding `root`, if any, and where `root` sits in its work tree.
fn open_repo(scanner: &Scanner<'_>, root: &Path) -> Result<Option<(git2::Repository, Repo)>> {
    let repo = match git2::Repository::discover(root) {
        Ok(r) => r,
        Err(e) if e.code() == git2::ErrorCode::NotFound => {
            scanner.diagnostics.note(format!(
                "{}: not inside a git repository; the tracked-file and .gitignore checks \
                 were skipped",
                root.display()
            ));
            return Ok(None);
        }
        Err(e) => return Err(git_error(root, e)),
    };
    let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
        scanner.diagnostics.note(format!(
            "{}: a bare repository has no work tree; the tracked-file and .gitignore \
             checks were skipped",
            root.display()
        ));
        return Ok(None);
    };
    let canon = |p: &Path| std::fs::canonicalize(p).map_err(|e| Error::io(p, e));
    let (croot, cwork) = (canon(root)?, canon(&workdir)?);
    let Ok(rel) = croot.strip_prefix(&cwork) else {
        scanner.diagnostics.note(format!(
            "{}: outside the work tree of {}; the tracked-file and .gitignore checks were \
             skipped",
            root.display(),
            workdir.display()
        ));
        return Ok(None);
    };
    let mut prefix = slashes(&rel.to_string_lossy());
    if !prefix.is_empty() {
        prefix.push('/');
    }
    Ok(Some((repo, Repo { workdir, prefix })))
}

fn slashes(s: &str) -> String {
    if std::path::MAIN_SEPARATOR == '\\' {
        s.replace('\\', "/")
    } else {
        s.to_string()
    }
}

/// The files a `git add .` would add: hidden files included, ignore files honoured (unless
/// `--no-ignore`), `.git` and submodules skipped.
fn walk(
    scanner: &Scanner<'_>,
    root: &Path,
    submodules: &HashSet<PathBuf>,
    entries: &mut BTreeMap<String, Entry>,
) {
    let subs = submodules.clone();
    let walker = ferret_source::fs::walk_builder(root, &scanner.options)
        .filter_entry(move |e| e.file_name() != ".git" && !subs.contains(e.path()))
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = match &e {
                    ignore::Error::WithPath { path, .. } => path.clone(),
                    _ => root.to_path_buf(),
                };
                // The message without the path the error already carries.
                let msg = e.to_string();
                let msg = msg.rsplit(": ").next().unwrap_or(&msg).to_string();
                scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
                scanner.diagnostics.error(Error::Io {
                    path,
                    source: std::io::Error::other(msg),
                });
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let shown = slashes(&rel.to_string_lossy());
        entries.entry(shown).or_insert_with(|| Entry {
            abs: entry.path().to_path_buf(),
            tracked: false,
            ignored: false,
            unreadable: false,
            mode: 0,
            blob: None,
        });
    }
}

/// Dotenv files that .gitignore hides (`.env.development`, `.env.production` kept out of
/// git, as they should be) still show one secret shared by two environments, so they are
/// added for the reuse check only. The walk is the main walk's with whitelist overrides for
/// dotenv names: an override beats an ignore rule for a file, while ignored folders
/// (`node_modules/`, `dist/`) match no override and are still never entered.
fn ignored_env_files(
    scanner: &Scanner<'_>,
    root: &Path,
    submodules: &HashSet<PathBuf>,
    entries: &mut BTreeMap<String, Entry>,
) {
    let mut globs = ignore::overrides::OverrideBuilder::new(root);
    for g in [".env", ".env.*", "*.env"] {
        if globs.add(g).is_err() {
            return;
        }
    }
    let Ok(overrides) = globs.build() else { return };
    let subs = submodules.clone();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .overrides(overrides)
        .follow_links(scanner.options.follow_links)
        .filter_entry(move |e| e.file_name() != ".git" && !subs.contains(e.path()))
        .build();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let shown = slashes(&rel.to_string_lossy());
        if names::is_env_file(&shown) {
            entries.entry(shown).or_insert_with(|| Entry {
                abs: entry.path().to_path_buf(),
                tracked: false,
                ignored: true,
                unreadable: false,
                mode: 0,
                blob: None,
            });
        }
    }
}

/// Reads and scans every entry, in parallel, in path order.
fn scan_all(scanner: &Scanner<'_>, entries: &BTreeMap<String, Entry>) -> Vec<AuditFile> {
    let list: Vec<(&String, &Entry)> = entries.iter().collect();
    let job = || {
        list.par_iter()
            .map_init(
                || (scanner.sink(), Vec::new()),
                |(sink, buf), (path, e)| inspect(scanner, path, e, sink, buf),
            )
            .collect::<Vec<_>>()
    };
    let threads = scanner.options.threads;
    if threads > 0 {
        if let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            return pool.install(job);
        }
    }
    job()
}

fn inspect(
    scanner: &Scanner<'_>,
    path: &str,
    e: &Entry,
    sink: &mut Sink,
    buf: &mut Vec<u8>,
) -> AuditFile {
    let mut file = AuditFile {
        path: path.to_string(),
        tracked: e.tracked,
        ignored: e.ignored,
        symlink: e.mode == SYMLINK,
        ..AuditFile::default()
    };
    if file.symlink {
        return file;
    }
    let raw: Option<&[u8]> = match &e.blob {
        Some(b) => Some(b),
        None if e.unreadable => None,
        None => match read_file(&e.abs, scanner.options.max_file_size, buf) {
            Ok(Loaded::Read) => Some(buf),
            Ok(Loaded::TooLarge) => {
                scanner.skipped_large(path);
                None
            }
            // A FIFO (a secret manager's mounted `.env`) is never opened for reading: the
            // checks that need only its name still run.
            Ok(Loaded::Special(_)) => {
                scanner
                    .stats
                    .skipped_special
                    .fetch_add(1, Ordering::Relaxed);
                None
            }
            Err(err) => {
                scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
                scanner.diagnostics.error(err);
                None
            }
        },
    };
    let text = raw.and_then(
        |raw| match content::decode(raw, scanner.options.scan_binary) {
            content::Decoded::Text(t) => Some(t),
            content::Decoded::Binary => {
                scanner.stats.skipped_binary.fetch_add(1, Ordering::Relaxed);
                None
            }
        },
    );
    if e.tracked {
        if let Some(kind) = names::credential_file(path) {
            file.credential = evidence(kind, text.as_deref()).map(|line| (kind, line));
        }
    }
    let Some(text) = text else { return file };
    scanner.stats.files.fetch_add(1, Ordering::Relaxed);
    scanner
        .stats
        .bytes
        .fetch_add(raw.map_or(0, |r| r.len()) as u64, Ordering::Relaxed);
    scanner.engine.scan(&Target::path(path), &text, sink);
    scanner.keep_drops(sink);
    let mut found = std::mem::take(&mut sink.findings);
    if assign::is_settings_file(path) {
        heuristics(path, &text, &mut found);
    }
    let path_env = names::env_of_path(path);
    file.secrets = found
        .into_iter()
        .map(|f| {
            let context = structure::context(path, &text, f.offset.0);
            Secret {
                env: context.env(path_env),
                key: context.key,
                heuristic: f.rule_id.is_empty(),
                finding: f,
            }
        })
        .collect();
    file
}

/// The line that shows a credential file holds a credential (1 when its name is enough);
/// `None` when the content does not bear it out.
fn evidence(kind: CredentialFile, text: Option<&[u8]>) -> Option<usize> {
    match kind.evidence {
        Evidence::Name => Some(1),
        Evidence::Content(re) => {
            let text = text?;
            let re = Regex::new(re).ok()?;
            let m = re.find(text)?;
            Some(LineCursor::new(text).position(m.start()).line)
        }
    }
}

/// Secret-like assignments no rule reported, as findings with an empty rule id.
fn heuristics(path: &str, text: &[u8], found: &mut Vec<Finding>) {
    let extra: Vec<Finding> = assign::find(text)
        .into_iter()
        .filter(|a| {
            !found
                .iter()
                .any(|f| f.offset.0 < a.end && a.start < f.offset.1)
        })
        .map(|a| {
            let mut cursor = LineCursor::new(text);
            let pos = cursor.position(a.start);
            let (_, le) = ferret_engine::line_bounds(text, a.start);
            let secret = String::from_utf8_lossy(&text[a.start..a.end]).into_owned();
            Finding {
                rule_id: String::new(),
                description: format!("a random-looking value of {}", a.name),
                severity: Severity::Medium,
                path: path.to_string(),
                line: pos.line,
                column: pos.column,
                end_column: pos.column + secret.chars().count(),
                fingerprint: fingerprint("", &[], &secret, path),
                line_text: ferret_engine::finding::LineText::new(
                    text,
                    (pos.line_start, le),
                    (a.start, a.end),
                ),
                secret,
                offset: (a.start, a.end),
                ..Finding::default()
            }
        })
        .collect();
    found.extend(extra);
}
