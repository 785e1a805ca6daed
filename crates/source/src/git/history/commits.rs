//! Step 1 of the history audit: the commits to walk, from the refs, in audit order.
use super::super::git_error;
use crate::{Result, Scanner};
use git2::{Oid, Repository};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
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

/// Every commit reachable from `tips`, parents before children and, among commits ready at
/// the same time, the oldest author date first. Missing commits are reported (except past
/// the boundary of a shallow clone, which is expected) and treated as roots.
pub(super) fn ordered_commits(
    scanner: &Scanner<'_>,
    repo: &Repository,
    tips: &[Oid],
) -> Vec<CommitNode> {
    struct Node {
        id: Oid,
        tree: Oid,
        first_parent: Option<Oid>,
        time: i64,
        pending_parents: u32,
        children: Vec<u32>,
    }
    let shallow = repo.is_shallow();
    let mut index: HashMap<Oid, u32> = HashMap::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut stack: Vec<(Oid, Option<u32>)> = tips.iter().map(|&t| (t, None)).collect();
    while let Some((id, child)) = stack.pop() {
        if let Some(&i) = index.get(&id) {
            if let Some(c) = child {
                nodes[i as usize].children.push(c);
                nodes[c as usize].pending_parents += 1;
            }
            continue;
        }
        let commit = match repo.find_commit(id) {
            Ok(c) => c,
            Err(e) => {
                if !(shallow && child.is_some() && e.code() == git2::ErrorCode::NotFound) {
                    let what = match child {
                        Some(c) => format!("parent of commit {}", nodes[c as usize].id),
                        None => "a ref".to_string(),
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
        let i = nodes.len() as u32;
        index.insert(id, i);
        nodes.push(Node {
            id,
            tree: commit.tree_id(),
            first_parent: commit.parent_ids().next(),
            time: commit.author().when().seconds(),
            pending_parents: 0,
            children: Vec::new(),
        });
        if let Some(c) = child {
            nodes[i as usize].children.push(c);
            nodes[c as usize].pending_parents += 1;
        }
        for p in commit.parent_ids() {
            stack.push((p, Some(i)));
        }
    }
    // Kahn's algorithm with a min-heap on (author time, discovery order).
    let mut ready: BinaryHeap<Reverse<(i64, u32)>> = nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.pending_parents == 0)
        .map(|(i, n)| Reverse((n.time, i as u32)))
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(Reverse((_, i))) = ready.pop() {
        let children = std::mem::take(&mut nodes[i as usize].children);
        for c in children {
            let n = &mut nodes[c as usize];
            n.pending_parents -= 1;
            if n.pending_parents == 0 {
                ready.push(Reverse((n.time, c)));
            }
        }
        let n = &nodes[i as usize];
        order.push(CommitNode {
            id: n.id,
            tree: n.tree,
            parent_tree: n
                .first_parent
                .and_then(|p| index.get(&p))
                .map(|&p| nodes[p as usize].tree),
        });
    }
    order
}
