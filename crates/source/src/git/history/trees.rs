//! Step 2 of the history audit: each commit's tree against its first parent's, keeping
//! only the (blob, path) pairs seen for the first time.
use super::super::git_error;
use super::commits::CommitNode;
use super::ids::{hex, raw_id, OidHash, PathTable, RawId, Recent, ROOT};
use crate::Scanner;
use git2::{ObjectType, Oid, Repository};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::Ordering;

/// Pairs each "already seen" set remembers per generation (two generations at most):
/// 7/8 of 2^18, so a generation fills a table of 2^18 slots (6.5 MB) and no more. A
/// history as long as git/git's (163,000 tree and 164,000 blob pairs at its 82,000
/// commits) fits in one generation, so nothing is forgotten there; a longer one forgets
/// the pairs it has not met for longest, which only costs work (see [`Recent`]).
const SEEN_CAP: usize = (1 << 18) / 8 * 7;

/// The tree walk of step 2: each commit's tree against its first parent's, as `git diff`
/// would, but skipping any subtree already walked at the same path (merges bring in trees
/// their other parents had).
pub(super) struct TreeWalk<'r> {
    repo: &'r Repository,
    odb: &'r git2::Odb<'r>,
    pub paths: PathTable,
    /// (tree, path) pairs walked recently.
    seen_trees: Recent<(RawId, u32)>,
    /// (blob, path) pairs found recently.
    first_seen: Recent<(RawId, u32)>,
    /// The pairs the last commit walked was the first to hold.
    pub found: Vec<(RawId, u32)>,
    cache: TreeCache<'r>,
    pub gitlinks: BTreeSet<u32>,
    buf: Vec<u8>,
}

impl<'r> TreeWalk<'r> {
    pub fn new(repo: &'r Repository, odb: &'r git2::Odb<'r>) -> Self {
        TreeWalk {
            repo,
            odb,
            paths: PathTable::new(),
            seen_trees: Recent::new(SEEN_CAP),
            first_seen: Recent::new(SEEN_CAP),
            found: Vec::new(),
            cache: TreeCache::default(),
            gitlinks: BTreeSet::new(),
            buf: Vec::new(),
        }
    }

    /// Drops what the walk kept to skip work, once it is done: its memory goes to the scan.
    pub fn forget(&mut self) {
        self.cache = TreeCache::default();
        self.seen_trees = Recent::new(1);
        self.first_seen = Recent::new(1);
    }

    /// Walks one commit's tree, leaving in `found` the (blob, path) pairs seen first there.
    pub fn commit(&mut self, scanner: &Scanner<'_>, commit: &CommitNode) {
        self.found.clear();
        let parent = commit.parent_tree.map(|t| raw_id(t.as_bytes()));
        let mut stack = vec![(raw_id(commit.tree.as_bytes()), parent, ROOT)];
        while let Some((raw, old, path)) = stack.pop() {
            if !self.seen_trees.insert((raw, path)) {
                continue;
            }
            // The parent's version only speeds the comparison up: if it cannot be read,
            // every entry is looked up instead.
            let old = old.and_then(|o| self.read_tree(o).ok());
            let new = match self.read_tree_against(raw, old.as_deref()) {
                Ok(t) => t,
                Err(message) => {
                    scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
                    scanner.diagnostics.error(git_error(
                        self.repo,
                        format!(
                            "commit {}: cannot read the tree at {} ({}): {message}",
                            commit.id,
                            self.paths.display_dir(path),
                            hex(&raw)
                        ),
                    ));
                    continue;
                }
            };
            for c in &new.changed {
                let entry = c.entry(new.tree.data());
                let child = self.paths.child(path, entry.name, &mut self.buf);
                let id = raw_id(entry.id);
                match entry.kind() {
                    Kind::Blob => {
                        if self.first_seen.insert((id, child)) {
                            self.found.push((id, child));
                        }
                    }
                    Kind::Tree => stack.push((id, c.old_tree, child)),
                    Kind::Gitlink => {
                        self.gitlinks.insert(child);
                    }
                    Kind::Other => {}
                }
            }
            if new.tree.malformed {
                scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
                scanner.diagnostics.error(git_error(
                    self.repo,
                    format!(
                        "commit {}: the tree at {} ({}) is malformed; entries past the \
                         damage were not scanned",
                        commit.id,
                        self.paths.display_dir(path),
                        hex(&raw)
                    ),
                ));
            }
        }
    }

    /// A tree on its own (entry boundaries found by parsing it whole).
    fn read_tree(&mut self, id: RawId) -> std::result::Result<std::rc::Rc<Tree<'r>>, String> {
        Ok(self.read_tree_against(id, None)?.tree)
    }

    /// A tree and its entries that differ from `old`.
    fn read_tree_against(
        &mut self,
        id: RawId,
        old: Option<&Tree<'r>>,
    ) -> std::result::Result<Compared<'r>, String> {
        if let Some(tree) = self.cache.get(&id) {
            let changed = match old {
                Some(old) => compare(old, &tree).1,
                None => all_entries(&tree),
            };
            return Ok(Compared { tree, changed });
        }
        let oid = Oid::from_bytes(&id).map_err(|e| e.message().to_string())?;
        let obj = self.odb.read(oid).map_err(|e| e.message().to_string())?;
        if obj.kind() != ObjectType::Tree {
            return Err(format!("a {} where a tree was expected", obj.kind()));
        }
        let mut tree = Tree {
            bytes: Bytes::Object(obj),
            starts: Vec::new(),
            malformed: false,
        };
        let (starts, changed) = compare(old.unwrap_or(&Tree::default()), &tree);
        tree.starts = starts;
        tree.malformed = !tree.parses_to_end();
        let tree = std::rc::Rc::new(tree);
        self.cache.insert(id, tree.clone());
        Ok(Compared { tree, changed })
    }
}

/// A raw tree object and where each of its entries starts.
#[derive(Default)]
struct Tree<'o> {
    bytes: Bytes<'o>,
    starts: Vec<u32>,
    malformed: bool,
}

/// A tree's bytes: libgit2's own buffer (not copied), or a vector (the empty tree, tests).
enum Bytes<'o> {
    Object(git2::OdbObject<'o>),
    Owned(Vec<u8>),
}

impl Default for Bytes<'_> {
    fn default() -> Self {
        Bytes::Owned(Vec::new())
    }
}

impl Tree<'_> {
    fn data(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Object(o) => o.data(),
            Bytes::Owned(v) => v,
        }
    }

    fn entry(&self, i: usize) -> RawEntry<'_> {
        let at = self.starts[i] as usize;
        RawEntries::new(&self.data()[at..])
            .next()
            .unwrap_or(RawEntry::EMPTY)
    }

    /// The offset just past entry `i`.
    fn end(&self, i: usize) -> usize {
        self.starts
            .get(i + 1)
            .map_or(self.parsed_len(), |&s| s as usize)
    }

    /// How far the entries reach: the whole object unless it is malformed.
    fn parsed_len(&self) -> usize {
        match self.starts.last() {
            None => 0,
            Some(&s) => {
                let mut it = RawEntries::new(&self.data()[s as usize..]);
                it.next();
                self.data().len() - it.rest.len()
            }
        }
    }

    fn parses_to_end(&self) -> bool {
        self.parsed_len() == self.data().len()
    }
}

/// A changed entry of a tree (by index), with the id of the tree that had its name in the
/// old version, if that was a tree.
struct Changed {
    start: u32,
    old_tree: Option<RawId>,
}

impl Changed {
    fn entry<'a>(&self, data: &'a [u8]) -> RawEntry<'a> {
        RawEntries::new(&data[self.start as usize..])
            .next()
            .unwrap_or(RawEntry::EMPTY)
    }
}

struct Compared<'o> {
    tree: std::rc::Rc<Tree<'o>>,
    changed: Vec<Changed>,
}

fn all_entries(tree: &Tree) -> Vec<Changed> {
    tree.starts
        .iter()
        .map(|&start| Changed {
            start,
            old_tree: None,
        })
        .collect()
}

/// Compares tree `new` (raw data) with `old` (parsed): returns where each entry of `new`
/// starts and which entries are not in `old` with the same name, kind and id.
///
/// Most versions of a directory differ from their parent's by an entry or two, so the bytes
/// the two objects share at the start and at the end are not parsed: entries wholly inside
/// the common prefix are the same in both (their starts are copied from `old`); and once the
/// two parses stand on entry boundaries at the same distance from the end inside the common
/// suffix, the rest is the same too. In between, both lists are in git's order, so a cursor
/// on the old list moves up to each new name.
fn compare(old: &Tree, new: &Tree) -> (Vec<u32>, Vec<Changed>) {
    let (o, n) = (old.data(), new.data());
    let head = common_prefix(o, n);
    let tail = common_suffix(o, n);
    // Old entries wholly inside the common prefix.
    let whole = old.starts.len();
    let mut k = old
        .starts
        .get(1..)
        .map_or(0, |next| next.partition_point(|&s| s as usize <= head));
    if whole > 0 && k == whole - 1 && old.end(k) <= head {
        k = whole;
    }
    let mut starts: Vec<u32> = old.starts[..k].to_vec();
    let mut pos = if k == 0 { 0 } else { old.end(k - 1) };
    let mut j = k; // old cursor
    let mut changed = Vec::new();
    let mut rest = RawEntries::new(&n[pos..]);
    loop {
        // Aligned inside the common suffix: the rest is the same, starts shifted.
        if pos >= n.len() - tail && j < old.starts.len() {
            let oj = old.starts[j] as usize;
            if o.len() - oj == n.len() - pos {
                starts.extend(
                    old.starts[j..]
                        .iter()
                        .map(|&s| (s as usize - oj + pos) as u32),
                );
                break;
            }
        }
        let Some(entry) = rest.next() else { break };
        let start = pos as u32;
        starts.push(start);
        pos = n.len() - rest.rest.len();
        let mut unchanged = false;
        let mut old_tree = None;
        while j < old.starts.len() {
            let oe = old.entry(j);
            let ord = oe.name.cmp(entry.name);
            if ord == std::cmp::Ordering::Greater {
                break;
            }
            j += 1;
            if ord == std::cmp::Ordering::Equal {
                unchanged = oe.id == entry.id && oe.kind() == entry.kind();
                if oe.kind() == Kind::Tree {
                    old_tree = Some(raw_id(oe.id));
                }
                break;
            }
        }
        if !unchanged {
            changed.push(Changed { start, old_tree });
        }
    }
    (starts, changed)
}

/// Recently read trees, so that a commit's parent's trees are not read again. Two
/// generations: when the young one is full it becomes the old one, and the old one is
/// dropped; a hit in the old one moves back to the young.
#[derive(Default)]
struct TreeCache<'o> {
    young: HashMap<RawId, std::rc::Rc<Tree<'o>>, OidHash>,
    old: HashMap<RawId, std::rc::Rc<Tree<'o>>, OidHash>,
    bytes: usize,
}

impl<'o> TreeCache<'o> {
    /// Per generation; two generations at most are held. 16 MiB: 32 cost 30 MiB more
    /// peak memory on a million-commit history and saved no measurable time on git/git.
    const BUDGET: usize = 16 << 20;

    fn get(&mut self, id: &RawId) -> Option<std::rc::Rc<Tree<'o>>> {
        if let Some(t) = self.young.get(id) {
            return Some(t.clone());
        }
        let t = self.old.remove(id)?;
        self.insert(*id, t.clone());
        Some(t)
    }

    fn insert(&mut self, id: RawId, tree: std::rc::Rc<Tree<'o>>) {
        self.bytes += tree.data().len() + tree.starts.len() * 4;
        self.young.insert(id, tree);
        if self.bytes > Self::BUDGET {
            self.old = std::mem::take(&mut self.young);
            self.bytes = 0;
        }
    }
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut i = 0;
    while i + 8 <= n && word(a, n - i - 8) == word(b, n - i - 8) {
        i += 8;
    }
    while i < n && a[n - i - 1] == b[n - i - 1] {
        i += 1;
    }
    i
}

/// The length of the longest common prefix of two byte strings.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n && word(a, i) == word(b, i) {
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

fn word(s: &[u8], at: usize) -> u64 {
    let mut w = [0; 8];
    w.copy_from_slice(&s[at..at + 8]);
    u64::from_ne_bytes(w)
}

/// What a tree entry points to, from its mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blob,
    Tree,
    Gitlink,
    Other,
}

/// One entry of a raw tree object: `<octal mode> <name>\0<20-byte id>`.
struct RawEntry<'a> {
    mode: &'a [u8],
    name: &'a [u8],
    id: &'a [u8],
}

impl RawEntry<'static> {
    const EMPTY: Self = RawEntry {
        mode: b"",
        name: b"",
        id: b"",
    };
}

impl RawEntry<'_> {
    fn kind(&self) -> Kind {
        match self.mode {
            b"40000" | b"040000" => Kind::Tree,
            b"160000" => Kind::Gitlink,
            m if m.starts_with(b"100") || m == b"120000" => Kind::Blob,
            _ => Kind::Other,
        }
    }
}

struct RawEntries<'a> {
    rest: &'a [u8],
    bad: bool,
}

impl<'a> RawEntries<'a> {
    fn new(data: &'a [u8]) -> Self {
        RawEntries {
            rest: data,
            bad: false,
        }
    }
}

impl<'a> Iterator for RawEntries<'a> {
    type Item = RawEntry<'a>;

    fn next(&mut self) -> Option<RawEntry<'a>> {
        const OID: usize = 20;
        if self.rest.is_empty() {
            return None;
        }
        // Modes and names are a few bytes long: a plain scan beats a vectorised search.
        let rest = self.rest;
        let parsed = rest.iter().position(|&b| b == b' ').and_then(|sp| {
            let nul = sp + 1 + rest[sp + 1..].iter().position(|&b| b == 0)?;
            let end = nul + 1 + OID;
            (end <= rest.len()).then_some((sp, nul, end))
        });
        let Some((sp, nul, end)) = parsed else {
            self.bad = true;
            self.rest = &[];
            return None;
        };
        let entry = RawEntry {
            mode: &self.rest[..sp],
            name: &self.rest[sp + 1..nul],
            id: &self.rest[nul + 1..end],
        };
        self.rest = &self.rest[end..];
        Some(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(entries: &[(&str, &str, u8)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (mode, name, id) in entries {
            out.extend_from_slice(mode.as_bytes());
            out.push(b' ');
            out.extend_from_slice(name.as_bytes());
            out.push(0);
            out.extend_from_slice(&[*id; 20]);
        }
        out
    }

    fn parsed(entries: &[(&str, &str, u8)]) -> Tree<'static> {
        let mut t = Tree {
            bytes: Bytes::Owned(raw(entries)),
            ..Tree::default()
        };
        t.starts = compare(&Tree::default(), &t).0;
        t
    }

    /// The names of the changed entries, checking the starts against a full parse.
    fn changed(old: &[(&str, &str, u8)], new: &[(&str, &str, u8)]) -> Vec<String> {
        let old = parsed(old);
        let new_tree = Tree {
            bytes: Bytes::Owned(raw(new)),
            ..Tree::default()
        };
        let (starts, changed) = compare(&old, &new_tree);
        assert_eq!(starts, parsed(new).starts, "entry starts");
        changed
            .iter()
            .map(|c| String::from_utf8_lossy(c.entry(new_tree.data()).name).into_owned())
            .collect()
    }

    #[test]
    fn only_changed_entries_come_out() {
        let names: Vec<String> = (0..40).map(|i| format!("f{i:02}")).collect();
        let entries: Vec<(&str, &str, u8)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| ("100644", n.as_str(), i as u8))
            .collect();
        assert!(changed(&entries, &entries).is_empty());
        assert_eq!(changed(&[], &entries).len(), 40);

        let mut edit = entries.clone();
        edit[17].2 = 200;
        assert_eq!(changed(&entries, &edit), ["f17"]);

        let mut first_last = entries.clone();
        first_last[0].2 = 201;
        first_last[39].2 = 202;
        assert_eq!(changed(&entries, &first_last), ["f00", "f39"]);

        let mut added = entries.clone();
        added.insert(20, ("100644", "f19x", 7));
        assert_eq!(changed(&entries, &added), ["f19x"]);

        let mut removed = entries.clone();
        removed.remove(5);
        assert!(changed(&entries, &removed).is_empty());

        let mut kind = entries.clone();
        kind[3].0 = "40000";
        assert_eq!(changed(&entries, &kind), ["f03"]);
    }

    #[test]
    fn a_name_shift_inside_the_common_suffix_is_not_mistaken_for_alignment() {
        let old = [("100644", "a", 1), ("100644", "xabc", 2)];
        let new = [
            ("100644", "a", 1),
            ("100644", "xabc", 2),
            ("100644", "y", 3),
        ];
        assert_eq!(changed(&old, &new), ["y"]);
        // The tails match byte for byte, but start inside an entry of the old tree.
        let new2 = [("100644", "abc", 2), ("100644", "b", 1)];
        assert_eq!(changed(&old, &new2), ["abc", "b"]);
    }

    #[test]
    fn a_changed_subtree_is_paired_with_its_old_version() {
        let old = parsed(&[("40000", "src", 1), ("100644", "z", 2)]);
        let new = Tree {
            bytes: Bytes::Owned(raw(&[("40000", "src", 9), ("100644", "z", 2)])),
            ..Tree::default()
        };
        let (_, changed) = compare(&old, &new);
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].old_tree, Some([1; 20]));
    }

    #[test]
    fn malformed_trees_are_recognised() {
        let mut data = raw(&[("100644", "a", 1), ("100644", "b", 2)]);
        data.truncate(data.len() - 3);
        let mut t = Tree {
            bytes: Bytes::Owned(data),
            ..Tree::default()
        };
        t.starts = compare(&Tree::default(), &t).0;
        assert_eq!(t.starts, [0]);
        assert!(!t.parses_to_end());
    }
}
