//! Step 1 of the history audit: the commits to walk, from the refs, in audit order.
use super::super::git_error;
use super::ids::IdIndex;
use crate::{Result, Scanner};
use git2::{Oid, Repository};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::sync::atomic::Ordering;

/// The commits the audit starts from.
pub(super) fn tips(
    scanner: &Scanner<'_>,
    repo: &Repository,
    branch: Option<&str>,
) -> Result<Vec<Oid>> {
    if let Some(name) = branch {
        let commit = repo
            .revparse_single(name)
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| git_error(repo, format!("--branch {name}: {}", e.message())))?;
        return Ok(vec![commit.id()]);
    }
    let mut tips = BTreeSet::new();
    if let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) {
        tips.insert(head.id());
    }
    let refs = repo
        .references()
        .map_err(|e| git_error(repo, format!("cannot list refs: {}", e.message())))?;
    for r in refs {
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                scanner.diagnostics.error(git_error(
                    repo,
                    format!("cannot read a ref: {}", e.message()),
                ));
                continue;
            }
        };
        let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
        if !["refs/heads/", "refs/tags/", "refs/remotes/"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            continue;
        }
        match r.peel_to_commit() {
            Ok(c) => {
                tips.insert(c.id());
            }
            Err(e)
                if e.code() == git2::ErrorCode::InvalidSpec
                    || e.class() == git2::ErrorClass::Object =>
            {
                scanner
                    .diagnostics
                    .note(format!("{name}: does not point to a commit; not scanned"));
            }
            Err(e) => scanner
                .diagnostics
                .error(git_error(repo, format!("{name}: {}", e.message()))),
        }
    }
    Ok(tips.into_iter().collect())
}

/// A commit in the audit order.
pub(super) struct CommitNode {
    pub id: Oid,
    pub tree: Oid,
    /// The first parent's tree: what this commit's tree is compared with.
    pub parent_tree: Option<Oid>,
}

/// No commit (a root's first parent).
const NONE: u32 = u32::MAX;

/// The commits of an audit, in audit order. Commits are kept as parallel arrays, 48
/// bytes each (id, tree, first parent, position): a million commits take 48 MB. Commits
/// an earlier audit covered that are parents of new ones ("boundary" commits) are kept
/// too, for their trees, but are not in the order.
#[derive(Default)]
pub(super) struct Commits {
    ids: Vec<Oid>,
    trees: Vec<Oid>,
    first_parent: Vec<u32>,
    /// Audit position to commit.
    order: Vec<u32>,
}

impl Commits {
    /// Commits to audit.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// The commit at audit position `c`.
    pub fn get(&self, c: usize) -> CommitNode {
        let n = self.order[c] as usize;
        let p = self.first_parent[n];
        CommitNode {
            id: self.ids[n],
            tree: self.trees[n],
            parent_tree: (p != NONE).then(|| self.trees[p as usize]),
        }
    }

    /// The id of the commit at audit position `c`.
    pub fn id(&self, c: u32) -> Oid {
        self.ids[self.order[c as usize] as usize]
    }
}

/// Every commit reachable from `tips`, parents before children and, among commits ready at
/// the same time, the oldest author date first. Missing commits are reported (except past
/// the boundary of a shallow clone, which is expected) and treated as roots. With `only`,
/// commits outside it are not audited: they are the boundary, whose trees the first new
/// commits are compared with.
pub(super) fn ordered_commits(
    scanner: &Scanner<'_>,
    repo: &Repository,
    tips: &[Oid],
    only: Option<&NewCommits>,
) -> Commits {
    let shallow = repo.is_shallow();
    let mut c = Commits::default();
    let mut index = IdIndex::default();
    let mut time: Vec<i64> = Vec::new();
    let mut boundary: Vec<bool> = Vec::new();
    // (parent, child) for every parent that is audited.
    let mut edges: Vec<(u32, u32)> = Vec::new();
    // (commit, the child that named it, whether as its first parent)
    let mut stack: Vec<(Oid, u32, bool)> = tips.iter().map(|&t| (t, NONE, false)).collect();
    let mut parents: Vec<Oid> = Vec::new();
    while let Some((id, child, first)) = stack.pop() {
        let link = |c: &mut Commits, edges: &mut Vec<(u32, u32)>, i: u32, edge: bool| {
            if child != NONE {
                if first {
                    c.first_parent[child as usize] = i;
                }
                if edge {
                    edges.push((i, child));
                }
            }
        };
        if let Some(i) = index.get(id.as_bytes(), &c.ids) {
            link(&mut c, &mut edges, i, !boundary[i as usize]);
            continue;
        }
        let commit = match repo.find_commit(id) {
            Ok(commit) => commit,
            Err(e) => {
                if !(shallow && child != NONE && e.code() == git2::ErrorCode::NotFound) {
                    let what = match child {
                        NONE => "a ref".to_string(),
                        ch => format!("parent of commit {}", c.ids[ch as usize]),
                    };
                    scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
                    scanner.diagnostics.error(git_error(
                        repo,
                        format!("commit {id} ({what}): {}", e.message()),
                    ));
                }
                continue;
            }
        };
        let i = c.ids.len() as u32;
        let outside = only.is_some_and(|o| !o.contains(&id));
        c.ids.push(id);
        c.trees.push(commit.tree_id());
        c.first_parent.push(NONE);
        time.push(commit.author().when().seconds());
        boundary.push(outside);
        index.insert(i, &c.ids);
        link(&mut c, &mut edges, i, !outside);
        if outside {
            continue;
        }
        parents.clear();
        parents.extend(commit.parent_ids());
        // Pushed in order, so the last parent is walked first (the discovery order breaks
        // ties between commits of the same date).
        for (k, &p) in parents.iter().enumerate() {
            stack.push((p, i, k == 0));
        }
    }
    drop(index);
    // Kahn's algorithm with a min-heap on (author time, discovery order); children as a
    // compressed adjacency list.
    let n = c.ids.len();
    let mut pending = vec![0u32; n];
    let mut start = vec![0u32; n + 1];
    for &(p, ch) in &edges {
        pending[ch as usize] += 1;
        start[p as usize + 1] += 1;
    }
    for k in 0..n {
        start[k + 1] += start[k];
    }
    let mut children = vec![0u32; edges.len()];
    let mut fill = start.clone();
    for &(p, ch) in &edges {
        children[fill[p as usize] as usize] = ch;
        fill[p as usize] += 1;
    }
    drop(fill);
    drop(edges);
    let mut ready: BinaryHeap<Reverse<(i64, u32)>> = (0..n)
        .filter(|&k| pending[k] == 0 && !boundary[k])
        .map(|k| Reverse((time[k], k as u32)))
        .collect();
    c.order = Vec::with_capacity(n);
    while let Some(Reverse((_, k))) = ready.pop() {
        let k = k as usize;
        for &ch in &children[start[k] as usize..start[k + 1] as usize] {
            let p = &mut pending[ch as usize];
            *p -= 1;
            if *p == 0 {
                ready.push(Reverse((time[ch as usize], ch)));
            }
        }
        c.order.push(k as u32);
    }
    c
}

/// The commits reachable from the tips and not from an earlier audit's tips: what an
/// incremental audit walks.
pub(super) struct NewCommits {
    ids: Vec<Oid>,
    index: IdIndex,
}

impl NewCommits {
    pub fn contains(&self, id: &Oid) -> bool {
        self.index.get(id.as_bytes(), &self.ids).is_some()
    }
}

/// The commits reachable from `tips` but not from `since` (those of `since` that are no
/// longer in the repository are ignored: a force-push, a deleted branch).
pub(super) fn new_commits(repo: &Repository, tips: &[Oid], since: &[Oid]) -> Result<NewCommits> {
    let fail = |e: git2::Error| {
        git_error(
            repo,
            format!("cannot walk the new commits: {}", e.message()),
        )
    };
    let mut walk = repo.revwalk().map_err(fail)?;
    for &t in tips {
        walk.push(t).map_err(fail)?;
    }
    for &s in since {
        if repo.find_commit(s).is_ok() {
            walk.hide(s).map_err(fail)?;
        }
    }
    let mut out = NewCommits {
        ids: Vec::new(),
        index: IdIndex::default(),
    };
    for id in walk {
        let id = id.map_err(fail)?;
        out.ids.push(id);
        out.index.insert(out.ids.len() as u32 - 1, &out.ids);
    }
    Ok(out)
}
