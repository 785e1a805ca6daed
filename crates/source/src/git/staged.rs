//! The pre-commit scan: what the index adds to HEAD. It reads the index, not the work tree
//! (what is staged is what is committed), loads only the blobs that changed, and reports
//! findings only on the lines the commit adds or changes, so that a secret already in a
//! file does not block unrelated work on it. Nothing walks the work tree, so the cost is
//! that of the change, not of the repository.
use super::index::{Entry, Index, MODE_GITLINK, MODE_TREE};
use super::{changes, diff_options, git_error, note_submodules, plural, scan_change};
use super::{Change, ChangeToScan, GitOptions, GitOutcome};
use crate::Result;
use crate::Scanner;
use git2::{Oid, Repository};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

pub fn scan(scanner: &Scanner<'_>, repo: &Repository, opts: &GitOptions) -> Result<GitOutcome> {
    if repo.is_bare() {
        return Err(git_error(
            repo,
            "--staged needs a work tree; a bare repository has no index",
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
    let fast = head
        .as_ref()
        .zip(index_path(repo))
        .and_then(|(h, p)| changes_from_index_file(repo, h, &p));
    let mut list = match fast {
        Some(list) => list,
        None => libgit2_changes(repo, head.as_ref(), &mut gitlinks)?,
    };
    if let Some(only) = &opts.only_paths {
        list.retain(|c| only.contains(&c.path));
    }
    note_submodules(scanner, &gitlinks);
    let odb = repo.odb().map_err(|e| {
        git_error(
            repo,
            format!("cannot open the object database: {}", e.message()),
        )
    })?;
    let mut sink = scanner.sink();
    let mut findings = Vec::new();
    for c in &list {
        let change = ChangeToScan {
            path: &c.path,
            new: c.new,
            olds: &[c.old],
            commit: None,
        };
        scan_change(
            scanner,
            repo,
            &odb,
            &change,
            opts.whole_files,
            &mut sink,
            &mut findings,
        );
    }
    scanner.keep_drops(&mut sink);
    let checked = plural(scanner.stats.files.load(Ordering::Relaxed), "staged file");
    Ok(GitOutcome {
        findings,
        scope: checked.clone(),
        checked: Some(format!("checked {checked}")),
    })
}

/// The changes libgit2 sees between HEAD and the index, renames followed.
fn libgit2_changes(
    repo: &Repository,
    head: Option<&git2::Tree<'_>>,
    gitlinks: &mut Vec<String>,
) -> Result<Vec<Change>> {
    let index = repo
        .index()
        .map_err(|e| git_error(repo, format!("cannot read the index: {}", e.message())))?;
    if index.has_conflicts() {
        return Err(git_error(
            repo,
            "the index has unresolved conflicts; resolve them and stage the result first",
        ));
    }
    repo.diff_tree_to_index(head, Some(&index), Some(&mut diff_options()))
        .and_then(|mut d| changes(&mut d, gitlinks))
        .map_err(|e| {
            git_error(
                repo,
                format!("cannot compare the index with HEAD: {}", e.message()),
            )
        })
}

/// The changes between HEAD and the index, found by reading the index file and walking
/// only the directories of HEAD's tree whose cache-tree entry is not current. `None`
/// whenever the answer could differ from libgit2's: an index this reader leaves to
/// libgit2, a changed submodule, or files both added and deleted (libgit2 pairs those up
/// as renames by content similarity).
fn changes_from_index_file(
    repo: &Repository,
    head: &git2::Tree<'_>,
    path: &Path,
) -> Option<Vec<Change>> {
    let index = Index::read(path)?;
    let mut walk = Walk {
        repo,
        index: &index,
        out: Vec::new(),
        deleted: false,
        added: false,
    };
    walk.dir(head.id(), b"", 0, index.entries.len())?;
    if walk.deleted && walk.added {
        return None;
    }
    Some(walk.out)
}

/// The index file libgit2 would read: the repository is opened from the environment (see
/// `open`), so `GIT_INDEX_FILE` names it when set, as in hooks.
fn index_path(repo: &Repository) -> Option<PathBuf> {
    match std::env::var_os("GIT_INDEX_FILE") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        Some(_) => None,
        None => Some(repo.path().join("index")),
    }
}

/// Comparing HEAD's tree with the index entries, directory by directory.
struct Walk<'a> {
    repo: &'a Repository,
    index: &'a Index,
    out: Vec<Change>,
    deleted: bool,
    added: bool,
}

impl Walk<'_> {
    /// Compares the tree `oid` at `prefix` (empty, or ending in `/`) with the index
    /// entries `lo..hi`, which are exactly those under `prefix`.
    fn dir(&mut self, oid: Oid, prefix: &[u8], lo: usize, hi: usize) -> Option<()> {
        let dir = prefix.strip_suffix(b"/").unwrap_or(prefix);
        if self.index.trees.get(dir) == Some(&oid) {
            return Some(());
        }
        let tree = self.repo.find_tree(oid).ok()?;
        let entries = &self.index.entries[lo..hi];
        let mut cursor = 0;
        let mut full = prefix.to_vec();
        for t in tree.iter() {
            full.truncate(prefix.len());
            full.extend_from_slice(t.name_bytes());
            let mode = t.filemode() as u32;
            let (start, end) = if mode == MODE_TREE {
                full.push(b'/');
                let start = entries.partition_point(|e| self.index.path(e) < full.as_slice());
                let len =
                    entries[start..].partition_point(|e| self.index.path(e).starts_with(&full));
                (start, start + len)
            } else {
                let start = entries.partition_point(|e| self.index.path(e) < full.as_slice());
                let found = entries
                    .get(start)
                    .is_some_and(|e| self.index.path(e) == full.as_slice());
                (start, start + usize::from(found))
            };
            // Trees and the index order paths alike (a directory as its name and `/`).
            if start < cursor {
                return None;
            }
            self.added_between(lo + cursor, lo + start)?;
            cursor = end;
            if start == end {
                self.deleted = true;
            } else if mode == MODE_TREE {
                self.dir(t.id(), &full, lo + start, lo + end)?;
            } else {
                let e = &entries[start];
                if e.oid != t.id() || e.mode != mode {
                    if e.mode == MODE_GITLINK || mode == MODE_GITLINK {
                        return None;
                    }
                    self.push(e, Some(t.id()));
                }
            }
        }
        self.added_between(lo + cursor, hi)
    }

    /// Index entries `lo..hi` have no counterpart in HEAD: new files.
    fn added_between(&mut self, lo: usize, hi: usize) -> Option<()> {
        for e in &self.index.entries[lo..hi] {
            if e.mode == MODE_GITLINK {
                return None;
            }
            self.added = true;
            self.push(e, None);
        }
        Some(())
    }

    fn push(&mut self, e: &Entry, old: Option<Oid>) {
        self.out.push(Change {
            path: String::from_utf8_lossy(self.index.path(e)).into_owned(),
            new: e.oid,
            old,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) {
        let st = Command::new("git")
            .args(["-c", "user.name=T", "-c", "user.email=t@t.test"])
            .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"])
            .args(args)
            .current_dir(dir)
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE")
            .status()
            .unwrap();
        assert!(st.success(), "git {args:?}");
    }

    fn write(dir: &Path, path: &str, text: &str) {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// A change as (path, new blob, old blob).
    type Flat = Vec<(String, Oid, Option<Oid>)>;

    /// The fast path's answer, or None when it defers, next to libgit2's.
    fn both(dir: &Path) -> (Option<Flat>, Flat) {
        let repo = Repository::open(dir).unwrap();
        let head = repo.head().unwrap().peel_to_tree().unwrap();
        let flat = |l: Vec<Change>| l.into_iter().map(|c| (c.path, c.new, c.old)).collect();
        let fast = changes_from_index_file(&repo, &head, &repo.path().join("index")).map(flat);
        let slow = flat(libgit2_changes(&repo, Some(&head), &mut Vec::new()).unwrap());
        (fast, slow)
    }

    fn committed_repo() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        git(d, &["init", "-q"]);
        for p in [
            "a.txt",
            "a/b.txt",
            "a/c/d.txt",
            "a/c/e.txt",
            "a-b/x.txt",
            "z/y.txt",
            "zz.txt",
        ] {
            write(d, p, &format!("{p}\n1\n"));
        }
        git(d, &["add", "-A"]);
        git(d, &["commit", "-q", "-m", "one"]);
        t
    }

    #[test]
    fn the_index_file_gives_the_changes_libgit2_gives() {
        let t = committed_repo();
        let d = t.path();
        // Nothing staged: the cache tree's root matches HEAD.
        let (fast, slow) = both(d);
        assert_eq!(fast.as_deref(), Some(&[][..]));
        assert!(slow.is_empty());
        write(d, "a/c/d.txt", "changed\n");
        write(d, "a/new.txt", "new\n");
        write(d, "a.b", "sorts between a and a-b\n");
        write(d, "z/y.txt", "z/y.txt\n1\n2\n");
        git(d, &["add", "-A"]);
        git(d, &["update-index", "--chmod=+x", "zz.txt"]);
        for version in ["2", "3", "4"] {
            git(d, &["update-index", "--index-version", version]);
            let (fast, slow) = both(d);
            assert_eq!(slow.len(), 5, "{slow:?}");
            assert_eq!(fast, Some(slow), "index v{version}");
        }
        // Without a cache tree (an index built by `git add` alone) every directory is
        // compared entry by entry.
        std::fs::remove_file(d.join(".git/index")).unwrap();
        git(d, &["add", "-A"]);
        let index = std::fs::read(d.join(".git/index")).unwrap();
        assert!(memchr::memmem::find(&index, b"TREE").is_none());
        let (fast, slow) = both(d);
        assert_eq!(slow.len(), 4, "{slow:?}");
        assert_eq!(fast, Some(slow));
    }

    #[test]
    fn renames_and_odd_indexes_are_left_to_libgit2() {
        let t = committed_repo();
        let d = t.path();
        // Deleting alone is fine; deleting and adding may be a rename.
        git(d, &["rm", "-q", "a/b.txt"]);
        let (fast, slow) = both(d);
        assert_eq!(fast, Some(slow));
        git(d, &["mv", "a/c/d.txt", "a/moved.txt"]);
        assert_eq!(both(d).0, None);
        git(d, &["reset", "-q"]);
        // Intent to add: not content yet.
        write(d, "later.txt", "later\n");
        git(d, &["add", "-N", "later.txt"]);
        assert_eq!(both(d).0, None);
    }
}
