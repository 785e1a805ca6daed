//! The pre-commit scan: what the index adds to HEAD. It reads the index, not the work tree
//! (what is staged is what is committed), loads only the blobs that changed, and reports
//! findings only on the lines the commit adds or changes, so that a secret already in a
//! file does not block unrelated work on it. Nothing walks the work tree, so the cost is
//! that of the change, not of the repository.
use super::{changes, diff_options, git_error, note_submodules, plural, scan_change, ChangeToScan};
use super::{GitOptions, GitOutcome};
use crate::engine::Scratch;
use crate::error::Result;
use crate::source::Scanner;
use git2::Repository;
use std::sync::atomic::Ordering;

pub fn scan(scanner: &Scanner<'_>, repo: &Repository, opts: &GitOptions) -> Result<GitOutcome> {
    if repo.is_bare() {
        return Err(git_error(
            repo,
            "--staged needs a work tree; a bare repository has no index",
        ));
    }
    let index = repo
        .index()
        .map_err(|e| git_error(repo, format!("cannot read the index: {}", e.message())))?;
    if index.has_conflicts() {
        return Err(git_error(
            repo,
            "the index has unresolved conflicts; resolve them and stage the result first",
        ));
    }
    let head =
        match repo.head() {
            Ok(h) => Some(h.peel_to_tree().map_err(|e| {
                git_error(repo, format!("cannot read HEAD's tree: {}", e.message()))
            })?),
            // A repository with no commit yet: everything staged is new.
            Err(e)
                if e.code() == git2::ErrorCode::UnbornBranch
                    || e.code() == git2::ErrorCode::NotFound =>
            {
                None
            }
            Err(e) => {
                return Err(git_error(
                    repo,
                    format!("cannot read HEAD: {}", e.message()),
                ))
            }
        };
    let mut gitlinks = Vec::new();
    let list = repo
        .diff_tree_to_index(head.as_ref(), Some(&index), Some(&mut diff_options()))
        .and_then(|mut d| changes(&mut d, &mut gitlinks))
        .map_err(|e| {
            git_error(
                repo,
                format!("cannot compare the index with HEAD: {}", e.message()),
            )
        })?;
    note_submodules(scanner, &gitlinks);
    let odb = repo.odb().map_err(|e| {
        git_error(
            repo,
            format!("cannot open the object database: {}", e.message()),
        )
    })?;
    let mut scratch = Scratch::default();
    let mut findings = Vec::new();
    let mut lines = 0;
    for c in &list {
        let change = ChangeToScan {
            path: &c.path,
            new: c.new,
            olds: &[c.old],
            commit: None,
        };
        lines += scan_change(
            scanner,
            repo,
            &odb,
            &change,
            opts.whole_files,
            &mut scratch,
            &mut findings,
        );
    }
    let files = scanner.stats.files.load(Ordering::Relaxed);
    let word = if opts.whole_files {
        "line"
    } else {
        "added line"
    };
    let checked = format!("{}, {}", plural(files, "staged file"), plural(lines, word));
    Ok(GitOutcome {
        findings,
        lines: Some(lines),
        scope: checked.clone(),
        checked: Some(format!("checked {checked}")),
    })
}
