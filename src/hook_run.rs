//! `ferret hook pre-commit` and `ferret hook pre-push`: what git's hooks, husky and the
//! pre-commit framework run. Each decides what to scan from what its caller hands it,
//! never verifies a secret live (a commit or a push stays offline and fast, whatever the
//! config says), and when it blocks says how to allow a false positive and how to bypass
//! once, so every way of running the hook prints the same advice.
//!
//! What the pre-commit hook scans:
//!
//! | caller | hands ferret | scanned |
//! |---|---|---|
//! | `git commit` (the hook, husky, pre-commit framework) | `GIT_INDEX_FILE`, staged file names | the staged changes, only added lines |
//! | `pre-commit run --from-ref A --to-ref B`, pre-push stage | `PRE_COMMIT_FROM_REF`, `PRE_COMMIT_TO_REF` | the commits `A..B`, added lines |
//! | pre-push stage of a branch that reaches a root commit | `PRE_COMMIT_REMOTE_NAME`, `PRE_COMMIT_LOCAL_BRANCH` | the commits no remote-tracking ref of the remote has |
//! | `pre-commit run --all-files`, `--files F…` | file names | the files, whole |
//!
//! pre-commit sets no variable that tells a commit from `pre-commit run --all-files`; git
//! does: it sets `GIT_INDEX_FILE` for the hooks of `git commit`. Without it, the file names
//! decide: when they are all staged (a plain `pre-commit run`), the staged changes are
//! scanned as in a commit; a list with any file that is not staged is scanned file by
//! file. Either way only the files named are read: pre-commit splits long lists between
//! several runs.
use crate::cli::{
    Cli, Command, ConfidenceArg, GitArgs, HookPreCommitArgs, HookPrePushArgs, OutputArgs, ScanArgs,
};
use anyhow::{bail, Context, Result};
use clap::Parser;
use ferret_source::git::{self, range::Revs, GitMode};
use git2::Repository;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// What git writes for a ref that does not exist on one side of a push.
const ZERO: &str = "0000000000000000000000000000000000000000";

/// What a hook run scanned, for its closing advice.
enum Scanned {
    /// The staged changes of a commit.
    Staged,
    /// The commits a push sends.
    Push,
    /// The commits between two refs (`pre-commit run --from-ref --to-ref`).
    Range(String),
    /// Files, whole.
    Files,
}

/// What a hook blocks on: the user's `--min-confidence`, else the commit gate's default
/// (`settings::Purpose::Gate`: medium and up by the rule's level, so a commit or push is
/// not stopped by a generic assignment, and is by a provider's key in a test directory).
fn judge(output: &mut OutputArgs, min: Option<ConfidenceArg>) {
    output.min_confidence = min;
    output.gate = min.is_none();
}

pub fn pre_commit(args: HookPreCommitArgs) -> Result<i32> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let min = args.min_confidence;
    let pushing = var("PRE_COMMIT_REMOTE_NAME").is_some();
    let (scanned, code) = if let (Some(from), Some(to)) =
        (var("PRE_COMMIT_FROM_REF"), var("PRE_COMMIT_TO_REF"))
    {
        let spec = format!("{from}..{to}");
        let code = crate::app::git_as(&git_args(&["--range", &spec], min)?, None)?;
        let scanned = if pushing {
            Scanned::Push
        } else {
            Scanned::Range(spec)
        };
        (scanned, code)
    } else if let (Some(remote), Some(local)) = (
        var("PRE_COMMIT_REMOTE_NAME"),
        var("PRE_COMMIT_LOCAL_BRANCH"),
    ) {
        // pre-commit's pre-push stage for a branch whose unpushed history reaches a root
        // commit: it passes every file, but what leaves is the commits.
        let repo = git::open(Path::new("."))?;
        let revs = Revs {
            include: vec![local],
            exclude: remote_tracking_refs(&repo, &remote)?,
            exclude_other_refs: false,
        };
        let code = crate::app::git_as(&git_args(&[], min)?, Some(GitMode::Commits(vec![revs])))?;
        (Scanned::Push, code)
    } else if let Some(only) = in_a_commit(&args.files)? {
        let code = crate::app::git_staged(&git_args(&["--staged"], min)?, only)?;
        (Scanned::Staged, code)
    } else {
        let root = git::open(Path::new("."))
            .ok()
            .and_then(|r| r.workdir().map(Path::to_path_buf));
        let code = crate::app::scan_in(scan_args(&args.files, min)?, root.as_deref())?;
        (Scanned::Files, code)
    };
    advise(&scanned, code);
    Ok(code)
}

pub fn pre_push(args: HookPrePushArgs) -> Result<i32> {
    let repo = git::open(Path::new("."))?;
    let remote = args.remote.unwrap_or_default();
    let tracking = if remote.is_empty() {
        Vec::new()
    } else {
        remote_tracking_refs(&repo, &remote)?
    };
    let mut revs = Vec::new();
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let line = line.context("reading the refs git passes to the pre-push hook")?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let [_local_ref, local_sha, _remote_ref, remote_sha] = words[..] else {
            if words.is_empty() {
                continue;
            }
            bail!(
                "pre-push: expected `<local ref> <local sha> <remote ref> <remote sha>` on \
                 stdin, got {:?}",
                ferret_engine::finding::sanitize(&line)
            );
        };
        if local_sha == ZERO {
            continue; // a deletion sends no commits
        }
        // What the remote has: its old tip (when this clone has it) and every
        // remote-tracking ref of that remote. A new branch (remote sha all zeros) then sends
        // the commits no remote-tracking ref has.
        let mut exclude = tracking.clone();
        if remote_sha != ZERO && repo.revparse_single(remote_sha).is_ok() {
            exclude.push(remote_sha.to_string());
        }
        revs.push(Revs {
            include: vec![local_sha.to_string()],
            exclude,
            exclude_other_refs: false,
        });
    }
    if revs.is_empty() {
        return Ok(crate::app::EXIT_CLEAN);
    }
    let min = args.min_confidence;
    let code = crate::app::git_as(&git_args(&[], min)?, Some(GitMode::Commits(revs)))?;
    advise(&Scanned::Push, code);
    Ok(code)
}

/// The two lines that follow a blocked commit or push (or a failed manual run).
fn advise(scanned: &Scanned, code: i32) {
    let allow = "not a secret? add its fingerprint (shown above) to .ferretignore, or \
                 'ferret:allow' in a comment on the line";
    let lines: [String; 2] = match (scanned, code) {
        (_, 0) => return,
        (Scanned::Staged, 1) => [
            "commit blocked: the staged changes add the secret shown above.".into(),
            format!("{allow}; to bypass once: git commit --no-verify"),
        ],
        (Scanned::Staged, _) => [
            "commit blocked: the staged changes could not be checked (error above).".into(),
            "fix the error, or bypass once with: git commit --no-verify".into(),
        ],
        (Scanned::Push, 1) => [
            "push blocked: the commits being pushed add the secret shown above; revoke \
             it, and rewrite those commits to drop it."
                .into(),
            format!("{allow}; to bypass once: git push --no-verify"),
        ],
        (Scanned::Push, _) => [
            "push blocked: the commits being pushed could not be checked (error above).".into(),
            "fix the error, or bypass once with: git push --no-verify".into(),
        ],
        (Scanned::Range(spec), 1) => [
            format!("the commits {spec} add the secret shown above."),
            format!("{allow}."),
        ],
        (Scanned::Files, 1) => [
            "the files checked hold the secret shown above.".into(),
            format!("{allow}."),
        ],
        (Scanned::Range(_) | Scanned::Files, _) => return,
    };
    for l in lines {
        eprintln!("ferret: {l}");
    }
}

/// `ferret git … --no-verify` with these flags, judged as the hook does ([`judge`]): the
/// hooks never verify.
fn git_args(extra: &[&str], min: Option<ConfidenceArg>) -> Result<GitArgs> {
    let mut argv = vec!["ferret", "git", "--no-verify"];
    argv.extend_from_slice(extra);
    match Cli::try_parse_from(argv)?.command {
        Command::Git(mut g) => {
            judge(&mut g.output, min);
            Ok(g)
        }
        _ => bail!("internal error: `ferret git` did not parse as the git command"),
    }
}

/// `ferret scan --no-verify -- FILES`, judged as the hook does ([`judge`]).
fn scan_args(files: &[PathBuf], min: Option<ConfidenceArg>) -> Result<ScanArgs> {
    let mut argv: Vec<OsString> = ["ferret", "scan", "--no-verify", "--"]
        .into_iter()
        .map(OsString::from)
        .collect();
    argv.extend(files.iter().map(|f| f.as_os_str().to_owned()));
    match Cli::try_parse_from(argv)?.command {
        Command::Scan(mut s) => {
            judge(&mut s.output, min);
            Ok(s)
        }
        _ => bail!("internal error: `ferret scan` did not parse as the scan command"),
    }
}

/// Whether this run checks a commit, and if so which of the staged files (`None`: all).
/// git sets `GIT_INDEX_FILE` for `git commit`'s hooks; outside a commit, no file names, or
/// only staged ones (a plain `pre-commit run`), mean the same check. pre-commit may split
/// the files between several runs, so each scans the staged changes of its own files.
fn in_a_commit(files: &[PathBuf]) -> Result<Option<Option<BTreeSet<String>>>> {
    if files.is_empty() {
        return Ok(Some(None));
    }
    let given: BTreeSet<String> = files
        .iter()
        .map(|f| f.to_string_lossy().replace('\\', "/"))
        .map(|f| f.strip_prefix("./").map(str::to_string).unwrap_or(f))
        .collect();
    if std::env::var_os("GIT_INDEX_FILE").is_some() {
        return Ok(Some(Some(given)));
    }
    let repo = git::open(Path::new("."))?;
    Ok(given
        .is_subset(&staged_paths(&repo)?)
        .then_some(Some(given)))
}

/// The paths the index changes against HEAD, deletions left out (what pre-commit passes
/// for a commit: `git diff --staged --name-only --diff-filter=ACMRTUXB`).
fn staged_paths(repo: &Repository) -> Result<BTreeSet<String>> {
    let head = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let index = repo.index().context("reading the index")?;
    let mut opts = git2::DiffOptions::new();
    opts.include_typechange(true);
    let diff = repo
        .diff_tree_to_index(head.as_ref(), Some(&index), Some(&mut opts))
        .context("diffing the index against HEAD")?;
    Ok(diff
        .deltas()
        .filter(|d| d.status() != git2::Delta::Deleted)
        .filter_map(|d| {
            d.new_file()
                .path()
                .map(|p| p.to_string_lossy().replace('\\', "/"))
        })
        .collect())
}

/// The full names of the remote-tracking refs of `remote` (`refs/remotes/<remote>/…`).
fn remote_tracking_refs(repo: &Repository, remote: &str) -> Result<Vec<String>> {
    let prefix = format!("refs/remotes/{remote}/");
    let refs = repo
        .references()
        .with_context(|| format!("listing the refs of {}", git::repo_name(repo).display()))?;
    Ok(refs
        .flatten()
        .filter_map(|r| r.name().ok().map(String::from))
        .filter(|n| n.starts_with(&prefix) && !n.ends_with("/HEAD"))
        .collect())
}
