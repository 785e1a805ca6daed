//! A commit range for CI: the lines added by the commits in `BASE..HEAD`, with the meaning
//! `git log BASE..HEAD` gives it (commits reachable from HEAD and not from BASE), so a pull
//! request scan reports what the pull request adds and nothing from other branches. As in
//! `git log`, more commits can be left out: `HEAD ^A ^B`, or `BASE..HEAD ^C` (a force push:
//! what the branch has that its old tip and the other branches lack).
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

/// Which commits a range scan reads: those reachable from an `include` and from no
/// `exclude`, and with `exclude_other_refs`, from no branch, tag or remote-tracking ref
/// other than the included ones' own (a base of all zeros: a branch's first push).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Revs {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub exclude_other_refs: bool,
}

impl Revs {
    /// `BASE..HEAD` (`BASE..` means `BASE..HEAD`), or revisions separated by spaces, each
    /// `A..B`, `^A` (left out) or `B`, as `git log` takes them. A base of forty zeros
    /// stands for every other ref.
    pub fn parse(spec: &str) -> Result<Revs> {
        let bad = |why: &str| {
            Error::Usage(format!(
                "--range {spec:?}: {why}; expected BASE..HEAD (two dots), e.g. \
                 origin/main..HEAD, or revisions such as `HEAD ^origin/main`"
            ))
        };
        let mut revs = Revs::default();
        for word in spec.split_whitespace() {
            if word.contains("...") {
                return Err(bad("three dots (a symmetric difference) are not a range"));
            }
            let mut exclude = |rev: &str| {
                if is_zero(rev) {
                    revs.exclude_other_refs = true;
                } else {
                    revs.exclude.push(rev.to_string());
                }
            };
            if let Some((base, head)) = word.split_once("..") {
                if base.is_empty() {
                    return Err(bad("no BASE before '..'"));
                }
                exclude(base);
                revs.include
                    .push(if head.is_empty() { "HEAD" } else { head }.to_string());
            } else if let Some(rev) = word.strip_prefix('^') {
                if rev.is_empty() {
                    return Err(bad("'^' names no revision"));
                }
                exclude(rev);
            } else {
                revs.include.push(word.to_string());
            }
        }
        if revs.include.is_empty() {
            return Err(bad("no commit to scan"));
        }
        if revs.exclude.is_empty() && !revs.exclude_other_refs {
            return Err(bad(
                "nothing left out, which would be the whole history (use `ferret git`)",
            ));
        }
        Ok(revs)
    }
}

pub fn scan(
    scanner: &Scanner<'_>,
    repo: &Repository,
    revs: &[Revs],
    opts: &GitOptions,
) -> Result<GitOutcome> {
    let mut commits = Vec::new();
    let mut seen = HashSet::new();
    for r in revs {
        for id in commits_of(repo, r)? {
            if seen.insert(id) {
                commits.push(id);
            }
        }
    }
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
/// so the commits under review cannot change the rules that judge them. BASE itself when
/// the range leaves out exactly one commit; otherwise (a base of all zeros, a force push's
/// `^OLD`) the parent of the oldest commit scanned; `None` when the range's commits have
/// no parent (a new history).
pub fn judged_from(repo: &Repository, spec: &str) -> Result<Option<Oid>> {
    let revs = Revs::parse(spec)?;
    if let ([base], false) = (&revs.exclude[..], revs.exclude_other_refs) {
        return resolve(repo, base, "BASE").map(Some);
    }
    let commits = commits_of(repo, &revs)?;
    let Some(oldest) = commits.first() else {
        return Ok(None);
    };
    Ok(repo
        .find_commit(*oldest)
        .ok()
        .and_then(|c| c.parent_ids().next()))
}

/// The range's HEAD commit (the first one it includes).
pub fn head_of(repo: &Repository, spec: &str) -> Result<Oid> {
    let revs = Revs::parse(spec)?;
    let head = revs.include.first().map_or("HEAD", String::as_str);
    resolve(repo, head, "HEAD")
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

/// The commits `revs` selects, oldest first.
fn commits_of(repo: &Repository, revs: &Revs) -> Result<Vec<Oid>> {
    let shown = || {
        let mut words = revs.include.clone();
        words.extend(revs.exclude.iter().map(|e| format!("^{e}")));
        words.join(" ")
    };
    let walk_err =
        |e: git2::Error| git_error(repo, format!("walking {}: {}", shown(), e.message()));
    let mut walk = repo.revwalk().map_err(walk_err)?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(walk_err)?;
    let mut heads = Vec::new();
    for head in &revs.include {
        let id = resolve(repo, head, "HEAD")?;
        walk.push(id).map_err(walk_err)?;
        heads.push((head.as_str(), id));
    }
    for base in &revs.exclude {
        walk.hide(resolve(repo, base, "BASE")?).map_err(walk_err)?;
    }
    if revs.exclude_other_refs {
        for id in other_ref_tips(repo, &heads)? {
            walk.hide(id).map_err(walk_err)?;
        }
    }
    walk.collect::<Result<Vec<_>, _>>().map_err(walk_err)
}

/// The tips of every ref that is not a scanned head's own: branches, tags and
/// remote-tracking refs, except the refs being scanned (for a branch, also its
/// remote-tracking copies, which a later push may have moved past the scanned commit).
/// A head given as a bare commit id has no name to leave out by: refs pointing at that
/// very commit are left out instead (a just-pushed branch). A named head keeps them in,
/// so a new branch made at an existing commit adds nothing.
fn other_ref_tips(repo: &Repository, heads: &[(&str, Oid)]) -> Result<HashSet<Oid>> {
    let mut own: Vec<String> = Vec::new();
    let mut own_branches: Vec<String> = Vec::new();
    let mut unnamed: Vec<Oid> = Vec::new();
    for (head, id) in heads {
        let named = if *head == "HEAD" {
            repo.head()
                .ok()
                .filter(|r| r.is_branch())
                .and_then(|r| r.name().ok().map(String::from))
        } else {
            repo.resolve_reference_from_short_name(head)
                .ok()
                .and_then(|r| r.name().ok().map(String::from))
        };
        match named {
            Some(name) => {
                if let Some(branch) = name.strip_prefix("refs/heads/") {
                    own_branches.push(branch.to_string());
                }
                own.push(name);
            }
            None => unnamed.push(*id),
        }
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
        let tracks_own = name
            .strip_prefix("refs/remotes/")
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(_, branch)| own_branches.iter().any(|b| b == branch));
        if tracks_own || own.iter().any(|o| o == name) {
            continue;
        }
        if let Ok(c) = r.peel_to_commit() {
            if !unnamed.contains(&c.id()) {
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

#[cfg(test)]
mod tests {
    use super::Revs;

    fn revs(include: &[&str], exclude: &[&str], others: bool) -> Revs {
        Revs {
            include: include.iter().map(|s| s.to_string()).collect(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
            exclude_other_refs: others,
        }
    }

    #[test]
    fn ranges_parse_as_git_log_reads_them() {
        let zero = "0".repeat(40);
        assert_eq!(
            Revs::parse("main..HEAD").unwrap(),
            revs(&["HEAD"], &["main"], false)
        );
        assert_eq!(
            Revs::parse("main..").unwrap(),
            revs(&["HEAD"], &["main"], false)
        );
        assert_eq!(
            Revs::parse(&format!("{zero}..abc")).unwrap(),
            revs(&["abc"], &[], true)
        );
        assert_eq!(
            Revs::parse(&format!("{zero}..new ^old")).unwrap(),
            revs(&["new"], &["old"], true)
        );
        assert_eq!(
            Revs::parse("HEAD ^a ^b").unwrap(),
            revs(&["HEAD"], &["a", "b"], false)
        );
        for bad in ["a...b", "..b", "HEAD", "^a", "", "a ^"] {
            assert!(Revs::parse(bad).is_err(), "{bad:?}");
        }
    }
}
