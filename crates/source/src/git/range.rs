//! A commit range for CI: the lines added by the commits in `BASE..HEAD`, with the meaning
//! `git log BASE..HEAD` gives it (commits reachable from HEAD and not from BASE), so a pull
//! request scan reports what the pull request adds and nothing from other branches.
//!
//! A commit's added lines are those its files have and its parent's versions lack; for a
//! merge, those that no parent has (what the merge itself wrote, such as a conflict
//! resolution), since the merged branches' own commits are judged on their own.
use super::{
    changes, diff_options, git_error, note_submodules, plural, scan_change, workers, Change,
    ChangeToScan, GitOptions, GitOutcome,
};
use crate::Scanner;
use crate::{Error, Result};
use ferret_engine::finding::Finding;
use git2::{Oid, Repository, Sort};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Mutex;

pub fn scan(
    scanner: &Scanner<'_>,
    repo: &Repository,
    spec: &str,
    opts: &GitOptions,
) -> Result<GitOutcome> {
    let (base, head) = split_range(spec)?;
    let commits = commits_in_range(repo, base, head)?;
    let boundary = shallow_boundary(repo);
    let name = super::repo_name(repo);
    let found = Mutex::new(Vec::new());
    let gitlinks = Mutex::new(BTreeSet::new());
    workers::for_each(
        repo.path(),
        scanner.options.threads,
        &commits,
        1,
        |w, &id| {
            if boundary.contains(&id) {
                scanner.diagnostics.note(format!(
                    "commit {id} is at the shallow clone's boundary: its parents are not \
                     in the clone, so all of its files count as added"
                ));
            }
            let mut out = Vec::new();
            let mut links = Vec::new();
            scan_commit(
                scanner,
                w.ready(scanner),
                id,
                opts.whole_files,
                &mut out,
                &mut links,
            );
            scanner.keep_drops(&mut w.sink);
            if !links.is_empty() {
                gitlinks
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend(links);
            }
            if !out.is_empty() {
                found
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .append(&mut out);
            }
        },
        |id, e| {
            scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
            scanner.diagnostics.error(Error::Git {
                repo: name.clone(),
                message: format!("commit {id}: cannot open the repository: {}", e.message()),
            });
        },
    );
    let gitlinks: Vec<String> = gitlinks
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .collect();
    note_submodules(scanner, &gitlinks);
    Ok(GitOutcome {
        findings: found.into_inner().unwrap_or_else(|p| p.into_inner()),
        scope: format!(
            "{}, {} changed",
            plural(commits.len() as u64, "commit"),
            plural(scanner.stats.files.load(Ordering::Relaxed), "file")
        ),
        checked: None,
    })
}

/// The commit a range is judged from: its configuration and ignore list are read there,
/// so the commits under review cannot change the rules that judge them. BASE itself, or
/// for a base of all zeros (a branch's first push) the parent of the oldest commit that no
/// other ref has; `None` when the range's commits have no parent (a new history).
pub fn judged_from(repo: &Repository, spec: &str) -> Result<Option<Oid>> {
    let (base, head) = split_range(spec)?;
    if !is_zero(base) {
        return resolve(repo, base, "BASE").map(Some);
    }
    let commits = commits_in_range(repo, base, head)?;
    let Some(oldest) = commits.first() else {
        return Ok(None);
    };
    Ok(repo
        .find_commit(*oldest)
        .ok()
        .and_then(|c| c.parent_ids().next()))
}

/// The range's HEAD commit.
pub fn head_of(repo: &Repository, spec: &str) -> Result<Oid> {
    let (_, head) = split_range(spec)?;
    resolve(repo, head, "HEAD")
}

/// `BASE..HEAD` → (BASE, HEAD); `BASE..` means `BASE..HEAD`.
fn split_range(spec: &str) -> Result<(&str, &str)> {
    let bad = || {
        Error::Usage(format!(
            "--range {spec:?}: expected BASE..HEAD (two dots), e.g. origin/main..HEAD"
        ))
    };
    if spec.contains("...") {
        return Err(bad());
    }
    let (base, head) = spec.split_once("..").ok_or_else(bad)?;
    if base.is_empty() {
        return Err(bad());
    }
    Ok((base, if head.is_empty() { "HEAD" } else { head }))
}

/// A base of all zeros: what CI systems send for the first push of a new branch.
fn is_zero(rev: &str) -> bool {
    rev.len() >= 40 && rev.bytes().all(|b| b == b'0')
}

fn resolve(repo: &Repository, rev: &str, side: &str) -> Result<Oid> {
    repo.revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map(|c| c.id())
        .map_err(|e| {
            let why = if e.code() == git2::ErrorCode::NotFound {
                if repo.is_shallow() {
                    "not found in this shallow clone; fetch more history (e.g. `git fetch \
                     --deepen=50`, or fetch-depth: 0 in actions/checkout)"
                        .to_string()
                } else {
                    "not found; fetch it first (e.g. `git fetch origin <branch>`)".to_string()
                }
            } else {
                e.message().to_string()
            };
            git_error(repo, format!("--range {side} commit {rev}: {why}"))
        })
}

/// The commits of the range, oldest first.
fn commits_in_range(repo: &Repository, base: &str, head: &str) -> Result<Vec<Oid>> {
    let head_id = resolve(repo, head, "HEAD")?;
    let walk_err =
        |e: git2::Error| git_error(repo, format!("walking {base}..{head}: {}", e.message()));
    let mut walk = repo.revwalk().map_err(walk_err)?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(walk_err)?;
    walk.push(head_id).map_err(walk_err)?;
    if is_zero(base) {
        for id in other_ref_tips(repo, head, head_id)? {
            walk.hide(id).map_err(walk_err)?;
        }
    } else {
        walk.hide(resolve(repo, base, "BASE")?).map_err(walk_err)?;
    }
    walk.collect::<Result<Vec<_>, _>>().map_err(walk_err)
}

/// The tips of every ref that is not HEAD's own: branches, tags and remote-tracking refs,
/// except the branch being scanned (and its remote-tracking copies) and refs that point
/// at HEAD itself (a just-pushed branch).
fn other_ref_tips(repo: &Repository, head: &str, head_id: Oid) -> Result<HashSet<Oid>> {
    let mut own: Vec<String> = Vec::new();
    let named = if head == "HEAD" {
        repo.head()
            .ok()
            .filter(|r| r.is_branch())
            .and_then(|r| r.name().ok().map(String::from))
    } else {
        repo.resolve_reference_from_short_name(head)
            .ok()
            .and_then(|r| r.name().ok().map(String::from))
    };
    if let Some(name) = named {
        if let Some(branch) = name.strip_prefix("refs/heads/") {
            own.push(format!("/{branch}"));
        }
        own.push(name);
    }
    let refs = repo
        .references()
        .map_err(|e| git_error(repo, format!("cannot list refs: {}", e.message())))?;
    let mut tips = HashSet::new();
    for r in refs.flatten() {
        let Ok(name) = r.name() else { continue };
        if !["refs/heads/", "refs/tags/", "refs/remotes/"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            continue;
        }
        let is_own = own.iter().any(|o| {
            name == o
                || (o.starts_with('/')
                    && name.starts_with("refs/remotes/")
                    && name.ends_with(o.as_str()))
        });
        if is_own {
            continue;
        }
        if let Ok(c) = r.peel_to_commit() {
            if c.id() != head_id {
                tips.insert(c.id());
            }
        }
    }
    Ok(tips)
}

/// Commits whose parents were cut off by a shallow clone (listed in `.git/shallow`).
fn shallow_boundary(repo: &Repository) -> HashSet<Oid> {
    if !repo.is_shallow() {
        return HashSet::new();
    }
    std::fs::read_to_string(repo.commondir().join("shallow"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok())
        .collect()
}

/// Scans what one commit adds.
fn scan_commit(
    scanner: &Scanner<'_>,
    w: &mut workers::Worker,
    id: Oid,
    whole_files: bool,
    out: &mut Vec<Finding>,
    gitlinks: &mut Vec<String>,
) {
    let repo = &w.repo;
    let fail = |what: &str, e: git2::Error| {
        scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
        scanner.diagnostics.error(git_error(
            repo,
            format!("commit {id}: {what}: {}", e.message()),
        ));
    };
    let commit = match repo.find_commit(id) {
        Ok(c) => c,
        Err(e) => return fail("cannot read it", e),
    };
    let tree = match commit.tree() {
        Ok(t) => t,
        Err(e) => return fail("cannot read its tree", e),
    };
    let mut parents = Vec::new();
    for p in commit.parents() {
        match p.tree() {
            Ok(t) => parents.push(t),
            Err(e) => return fail(&format!("cannot read the tree of parent {}", p.id()), e),
        }
    }
    // For each path the commit changes relative to every parent: its previous versions.
    let mut changed: Vec<(Change, Vec<Option<Oid>>)> = Vec::new();
    let parent_trees: Vec<Option<&git2::Tree<'_>>> = if parents.is_empty() {
        vec![None]
    } else {
        parents.iter().map(Some).collect()
    };
    for (i, parent) in parent_trees.iter().enumerate() {
        let mut links = Vec::new();
        let list = repo
            .diff_tree_to_tree(*parent, Some(&tree), Some(&mut diff_options()))
            .and_then(|mut d| changes(&mut d, &mut links));
        if i == 0 {
            gitlinks.append(&mut links);
        }
        let list = match list {
            Ok(l) => l,
            Err(e) => return fail("cannot diff it against its parent", e),
        };
        if i == 0 {
            changed = list
                .into_iter()
                .map(|c| {
                    let old = c.old;
                    (c, vec![old])
                })
                .collect();
        } else {
            let mut by_path: HashMap<String, Option<Oid>> =
                list.into_iter().map(|c| (c.path, c.old)).collect();
            changed.retain_mut(|(c, olds)| match by_path.remove(&c.path) {
                Some(old) => {
                    olds.push(old);
                    true
                }
                None => false,
            });
        }
    }
    if changed.is_empty() {
        return;
    }
    let odb = match repo.odb() {
        Ok(o) => o,
        Err(e) => return fail("cannot open the object database", e),
    };
    let info = super::commit_info(&commit);
    let mut found = Vec::new();
    for (c, olds) in &changed {
        let change = ChangeToScan {
            path: &c.path,
            new: c.new,
            olds,
            commit: Some(&info.commit),
        };
        scan_change(
            scanner,
            repo,
            &odb,
            &change,
            whole_files,
            &mut w.sink,
            &mut found,
        );
    }
    for mut f in found {
        f.commit = Some(info.clone());
        out.push(f);
    }
}
