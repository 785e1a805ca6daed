//! Git sources: a whole-history audit ([`history`]), the commits of a range for CI
//! ([`range`]) and the staged index for pre-commit ([`staged`]). Objects are read through
//! libgit2 (`git2`) and blob contents go through [`Scanner::scan_bytes`], so decoding and
//! rules are the same as for files on disk.

mod added;
pub mod history;
pub(crate) mod index;
mod packorder;
mod progress;
pub mod range;
pub mod remote;
pub mod staged;
mod workers;

use crate::content::{self, Decoded};
use crate::Scanner;
use crate::{Error, Result};
use ferret_engine::finding::{CommitInfo, Finding};
use ferret_engine::{Reason, Sink, Target};
use git2::{ObjectType, Oid, Repository};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

pub use added::AddedLines;

/// What `ferret git` was asked to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitMode {
    /// Every blob reachable from every ref, or from one ref.
    History { branch: Option<String> },
    /// The lines added by the commits in `BASE..HEAD` (or `HEAD ^BASE ^OTHER`, see
    /// [`range::Revs::parse`]).
    Range { spec: String },
    /// The lines added by the commits any of these selects (a push of several refs).
    Commits(Vec<range::Revs>),
    /// The lines the index adds to HEAD.
    Staged,
}

/// Validated settings of one `ferret git` run.
#[derive(Debug, Clone)]
pub struct GitOptions {
    pub mode: GitMode,
    /// Report every finding in the files touched, not only on added lines.
    pub whole_files: bool,
    /// Draw a progress bar on stderr (history audits).
    pub progress: bool,
    /// Staged scans: only these paths (repository-relative), as a hook manager that
    /// splits the staged files between several runs hands them out.
    pub only_paths: Option<std::collections::BTreeSet<String>>,
    /// History audits: also scan what the branches do not hold: stashes, notes and commit
    /// messages ([`history::extra`]). On in `org` audits.
    pub all_objects: bool,
    /// With `all_objects`: also every commit and blob of the object database that nothing
    /// reaches (left by a reset, a rebase, a deleted branch). Off in `org` audits: a
    /// fetched mirror holds only what was reachable when fetched, which an earlier run
    /// scanned, and listing the whole database each run would undo incremental reruns.
    pub unreachable: bool,
}

/// What a git scan produced, for the report.
pub struct GitOutcome {
    pub findings: Vec<Finding>,
    /// What was scanned, for the human summary.
    pub scope: String,
    /// A line for stderr saying what was checked (staged scans), so that "no findings"
    /// never hides "checked nothing".
    pub checked: Option<String>,
}

/// Opens the repository at `path`: a work tree or any directory inside one, a linked
/// worktree, or a bare repository. Git's environment is honoured as git itself does: a
/// hook run by `git commit -a` gets a temporary index in `GIT_INDEX_FILE`, and that index
/// is what will be committed; with the default path `.`, `GIT_DIR` is honoured too.
pub fn open(path: &Path) -> Result<Repository> {
    if std::fs::metadata(path).is_err() {
        return Err(Error::NotFound {
            path: path.to_path_buf(),
        });
    }
    set_libgit2_options();
    let opened = if path == Path::new(".") {
        Repository::open_from_env()
    } else {
        Repository::open_ext(
            path,
            git2::RepositoryOpenFlags::FROM_ENV,
            std::iter::empty::<&std::ffi::OsStr>(),
        )
    };
    opened.map_err(|e| Error::Git {
        repo: path.to_path_buf(),
        message: if e.code() == git2::ErrorCode::NotFound {
            "not a git repository (or any parent up to the root)".into()
        } else {
            e.message().to_string()
        },
    })
}

/// The root of the git work tree that holds `dir` (`git rev-parse --show-toplevel`), found
/// by walking up from it; `None` outside a work tree (or in a bare repository). Git's
/// environment (`GIT_DIR`) is not consulted: this is about where files live on disk.
pub fn work_tree_root(dir: &Path) -> Option<PathBuf> {
    set_libgit2_options();
    let repo = Repository::discover(dir).ok()?;
    repo.workdir().map(Path::to_path_buf)
}

/// Process-wide libgit2 settings for scanning, applied once, before the first repository is
/// opened (they are plain globals in libgit2).
fn set_libgit2_options() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Objects are read to be scanned, not trusted: re-hashing each one (SHA-1 with
        // collision detection) would cost more than scanning it, and corrupt objects still
        // fail to inflate and are reported. Each object is read once, so libgit2's object
        // cache only costs memory (80 MB of commits on the git/git history).
        git2::opts::strict_hash_verification(false);
        git2::opts::enable_caching(false);
        // libgit2 maps packs in 1 GiB windows and keeps up to 8 GiB mapped, so every page
        // of a pack that was read stays in the process's memory (500 MB peak on git/git).
        // Blobs are read in pack order, so small windows cost nothing measurable: 32 MiB
        // windows and 128 MiB mapped took the peak to 280 MB; 16 MiB windows and 64 MiB
        // mapped (with the tree cache's 16 MiB generations) to 197 MB on git/git and from
        // 460 to 376 MiB on a synthetic history of a million commits, in the same CPU time
        // (16.1 s user on git/git both ways, three interleaved runs each).
        // SAFETY: these write libgit2 globals without a lock. `call_once` runs this once,
        // from `open`, which the commands call on the main thread before any worker thread
        // touches libgit2, so nothing reads the globals while they are written.
        unsafe {
            let _ = git2::opts::set_mwindow_size(16 << 20);
            let _ = git2::opts::set_mwindow_mapped_limit(64 << 20);
        }
    });
}

/// Runs the scan `opts` asks for.
pub fn scan(scanner: &Scanner<'_>, repo: &Repository, opts: &GitOptions) -> Result<GitOutcome> {
    match &opts.mode {
        GitMode::History { branch } => history::scan(scanner, repo, branch.as_deref(), opts),
        GitMode::Range { spec } => range::scan(scanner, repo, &[range::Revs::parse(spec)?], opts),
        GitMode::Commits(revs) => range::scan(scanner, repo, revs, opts),
        GitMode::Staged => staged::scan(scanner, repo, opts),
    }
}

/// How a repository is named in messages: its work tree, else its git directory.
pub fn repo_name(repo: &Repository) -> PathBuf {
    repo.workdir().unwrap_or_else(|| repo.path()).to_path_buf()
}

pub(crate) fn git_error(repo: &Repository, message: impl Into<String>) -> Error {
    Error::Git {
        repo: repo_name(repo),
        message: message.into(),
    }
}

/// The commit as reports show it.
pub fn commit_info(commit: &git2::Commit<'_>) -> CommitInfo {
    let author = commit.author();
    CommitInfo {
        commit: commit.id().to_string(),
        author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
        date: rfc3339(author.when()),
        message: commit
            .summary_bytes()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .unwrap_or_default(),
    }
}

/// A git timestamp (seconds and the author's UTC offset) as RFC 3339, in the author's
/// own offset, the way `git log --date=iso-strict` prints it.
pub fn rfc3339(t: git2::Time) -> String {
    let offset = i64::from(t.offset_minutes());
    let local = t.seconds() + offset * 60;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    let sign = if offset < 0 { '-' } else { '+' };
    let off = offset.abs();
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        off / 60,
        off % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A blob read for scanning, or why it was not.
pub(crate) enum Blob<'o> {
    Data(BlobData<'o>),
    TooLarge,
}

/// A blob's content in libgit2's own buffer: copying every blob of a long history cost
/// more than reading some of them.
pub(crate) struct BlobData<'o>(git2::OdbObject<'o>);

impl std::ops::Deref for BlobData<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.0.data()
    }
}

/// Reads a blob unless it is larger than the size limit. Large blobs are never loaded.
pub(crate) fn read_blob<'o>(
    odb: &'o git2::Odb<'_>,
    oid: Oid,
    max: u64,
) -> Result<Blob<'o>, git2::Error> {
    let (size, kind) = odb.read_header(oid)?;
    if kind != ObjectType::Blob {
        return Err(git2::Error::from_str(&format!(
            "object {oid} is a {kind}, not a blob"
        )));
    }
    if size as u64 > max {
        return Ok(Blob::TooLarge);
    }
    Ok(Blob::Data(BlobData(odb.read(oid)?)))
}

/// Reads blob `oid` and scans it as `target`, adding findings to `sink.findings` and
/// recording problems in the scanner's diagnostics. Returns the raw content when it could
/// be read (for added-line filtering and rescans).
pub(crate) fn scan_blob<'o>(
    scanner: &Scanner<'_>,
    repo: &Repository,
    odb: &'o git2::Odb<'_>,
    oid: Oid,
    target: &Target<'_>,
    sink: &mut Sink,
) -> Option<BlobData<'o>> {
    let path = target.path;
    match read_blob(odb, oid, scanner.options.max_file_size) {
        Ok(Blob::Data(data)) => {
            scanner.scan_bytes(target, &data, sink);
            Some(data)
        }
        Ok(Blob::TooLarge) => {
            scanner.skipped_large(&format!("{path} (blob {oid})"));
            None
        }
        Err(e) => {
            scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
            scanner.diagnostics.error(git_error(
                repo,
                format!("{path}: cannot read blob {oid}: {}", e.message()),
            ));
            None
        }
    }
}

/// One changed file to scan: its path, new blob and previous versions (one per parent;
/// `None` where the file is new), and the commit it comes from (range scans).
pub(crate) struct ChangeToScan<'a> {
    pub path: &'a str,
    pub new: Oid,
    pub olds: &'a [Option<Oid>],
    pub commit: Option<&'a str>,
}

/// Scans the new version of one changed file and keeps the findings on the lines it adds
/// relative to every one of its previous versions, or all of them with `whole_files`.
/// Findings of rules that flag a file by its name are kept when the file itself is new.
/// The old versions are read and diffed only when there is a finding to place: on a
/// normal commit nothing matches, and reading a version from a pack (inflating its delta
/// chain) plus the diff was most of a pre-commit run. When an old version cannot be read
/// every line counts as added: a scan reports too much rather than too little.
pub(crate) fn scan_change(
    scanner: &Scanner<'_>,
    repo: &Repository,
    odb: &git2::Odb<'_>,
    change: &ChangeToScan<'_>,
    whole_files: bool,
    sink: &mut Sink,
    out: &mut Vec<Finding>,
) {
    let ChangeToScan {
        path,
        new,
        olds,
        commit,
    } = *change;
    let new_file = olds.iter().all(Option::is_none);
    let by_name = |f: &Finding| f.secret.is_empty();
    let blob = new.to_string();
    let target = Target::path(path).in_commit(commit).blob(Some(&blob));
    if scanner.engine.path_ignored(path) {
        scanner.skipped_allowlisted(&target, sink);
        return;
    }
    let first = sink.findings.len();
    let raw = scan_blob(scanner, repo, odb, new, &target, sink);
    let found = sink.findings.split_off(first);
    let Some(raw) = raw else {
        return;
    };
    if found.is_empty() {
        return;
    }
    let decoded = if scanner.is_archive(&raw) {
        Decoded::Binary
    } else {
        content::decode(&raw, scanner.options.scan_binary)
    };
    let Decoded::Text(text) = decoded else {
        // Archives and binary content have no lines to diff: a secret is added when no
        // previous version holds it.
        let held = if new_file || whole_files {
            HashSet::new()
        } else {
            old_secrets(scanner, repo, odb, olds, path)
        };
        for f in found {
            let added = if by_name(&f) {
                new_file || whole_files
            } else {
                !held.contains(&(f.rule_id.clone(), f.secret.clone()))
            };
            if added {
                out.push(f);
            } else {
                sink.drop_finding(&f, Reason::NotAdded);
            }
        }
        return;
    };
    if whole_files || new_file {
        out.extend(found);
        return;
    }
    let mut added: Option<AddedLines> = None;
    for old in olds {
        let lines = match old {
            None => AddedLines::all(&text),
            Some(old) => old_version(scanner, repo, odb, *old, path)
                .map(|old| AddedLines::between(&old, &text))
                .unwrap_or_else(|| AddedLines::all(&text)),
        };
        added = Some(match added {
            None => lines,
            Some(a) => a.intersect(&lines),
        });
    }
    let added = added.unwrap_or_else(|| AddedLines::all(&text));
    for f in found {
        if !by_name(&f) && f.lines().any(|l| added.contains(l)) {
            out.push(f);
        } else {
            sink.drop_finding(&f, Reason::NotAdded);
        }
    }
}

/// The (rule, secret) pairs found in the previous versions of a file that is not text (an
/// archive, a binary): what a change did not add. A version that cannot be read holds
/// nothing, so its secrets count as added: a scan reports too much rather than too little.
fn old_secrets(
    scanner: &Scanner<'_>,
    repo: &Repository,
    odb: &git2::Odb<'_>,
    olds: &[Option<Oid>],
    path: &str,
) -> HashSet<(String, String)> {
    let mut held = HashSet::new();
    let mut sink = Sink::default();
    for old in olds.iter().flatten() {
        match read_blob(odb, *old, scanner.options.max_file_size) {
            Ok(Blob::Data(raw)) => scanner.scan_content(&Target::path(path), &raw, &mut sink),
            Ok(Blob::TooLarge) => {}
            Err(e) => {
                scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
                scanner.diagnostics.error(git_error(
                    repo,
                    format!(
                        "{path}: cannot read the previous version (blob {old}): {}",
                        e.message()
                    ),
                ));
            }
        }
        held.extend(sink.findings.drain(..).map(|f| (f.rule_id, f.secret)));
    }
    held
}

/// The decoded old version of a file, for diffing; None when it cannot be diffed as text.
fn old_version(
    scanner: &Scanner<'_>,
    repo: &Repository,
    odb: &git2::Odb<'_>,
    oid: Oid,
    path: &str,
) -> Option<Vec<u8>> {
    match read_blob(odb, oid, scanner.options.max_file_size) {
        Ok(Blob::Data(raw)) => match content::decode(&raw, scanner.options.scan_binary) {
            Decoded::Text(t) => Some(t.into_owned()),
            Decoded::Binary => None,
        },
        Ok(Blob::TooLarge) => None,
        Err(e) => {
            scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
            scanner.diagnostics.error(git_error(
                repo,
                format!(
                    "{path}: cannot read the previous version (blob {oid}): {}",
                    e.message()
                ),
            ));
            None
        }
    }
}

/// One file that a commit or the index changes.
pub(crate) struct Change {
    pub path: String,
    pub new: Oid,
    /// The previous version; None for a new file.
    pub old: Option<Oid>,
}

/// Tree diff settings: no content is loaded to list changes; submodules are not entered.
pub(crate) fn diff_options() -> git2::DiffOptions {
    let mut o = git2::DiffOptions::new();
    o.include_typechange(true)
        .skip_binary_check(true)
        .ignore_submodules(true);
    o
}

/// The files a diff adds or changes, renames followed (a renamed file adds only the
/// lines it changed). Gitlinks (submodules) are listed in `gitlinks`, not returned.
pub(crate) fn changes(
    diff: &mut git2::Diff<'_>,
    gitlinks: &mut Vec<String>,
) -> Result<Vec<Change>, git2::Error> {
    let mut find = git2::DiffFindOptions::new();
    find.renames(true);
    diff.find_similar(Some(&mut find))?;
    let is_blob = |m: git2::FileMode| {
        matches!(
            m,
            git2::FileMode::Blob | git2::FileMode::BlobExecutable | git2::FileMode::Link
        )
    };
    let mut out = Vec::new();
    for d in diff.deltas() {
        use git2::Delta::*;
        if !matches!(d.status(), Added | Modified | Renamed | Copied | Typechange) {
            continue;
        }
        let new = d.new_file();
        let path = new
            .path_bytes()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_default();
        if new.mode() == git2::FileMode::Commit {
            gitlinks.push(path);
            continue;
        }
        if !is_blob(new.mode()) {
            continue;
        }
        let old = d.old_file();
        let old = (d.status() != Added && is_blob(old.mode()) && old.exists()).then(|| old.id());
        out.push(Change {
            path,
            new: new.id(),
            old,
        });
    }
    Ok(out)
}

/// Notes once that the repository is a shallow clone, so a clean result is read as
/// "clean in what was there".
pub(crate) fn note_shallow(scanner: &Scanner<'_>, repo: &Repository) {
    if repo.is_shallow() {
        scanner.diagnostics.note(
            "shallow clone: only the commits present were scanned; history before the \
             shallow boundary is not available (fetch it with `git fetch --unshallow`)"
                .into(),
        );
    }
}

/// Notes submodules (gitlinks) seen: their content lives in other repositories.
pub(crate) fn note_submodules(scanner: &Scanner<'_>, paths: &[String]) {
    if paths.is_empty() {
        return;
    }
    const SHOWN: usize = 5;
    let mut list = paths[..paths.len().min(SHOWN)].join(", ");
    if paths.len() > SHOWN {
        list.push_str(&format!(" and {} more", paths.len() - SHOWN));
    }
    scanner.diagnostics.note(format!(
        "{} submodule{} not entered (scan {} on its own): {list}",
        paths.len(),
        if paths.len() == 1 { "" } else { "s" },
        if paths.len() == 1 { "it" } else { "each" },
    ));
}

/// "1 commit", "3 commits".
pub(crate) fn plural(n: u64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339_in_the_authors_offset() {
        assert_eq!(rfc3339(git2::Time::new(0, 0)), "1970-01-01T00:00:00+00:00");
        // 2005-04-07T22:13:13 UTC, the first git commit, written at -07:00.
        assert_eq!(
            rfc3339(git2::Time::new(1_112_911_993, -420)),
            "2005-04-07T15:13:13-07:00"
        );
        assert_eq!(
            rfc3339(git2::Time::new(951_782_400, 90)),
            "2000-02-29T01:30:00+01:30"
        );
    }
}
