//! Reading the index file directly, for the pre-commit scan's fast path.
//!
//! libgit2 verifies the index's SHA-1 trailer (with collision detection) and validates and
//! copies every entry: on a repository the size of git/git that costs more than the rest of
//! a pre-commit scan. Git itself skips that check when it only reads (and writes a zero
//! trailer with `index.skipHash`). Here the entries are parsed as they lie, together with
//! the cache tree, which says which directories are unchanged since a tree was last written
//! so that the comparison with HEAD never opens them.
//!
//! Only the plain case is read: versions 2 to 4, no conflicts, no split or sparse index, no
//! intent-to-add entries. Anything else returns `None` and the caller uses libgit2, which
//! knows every feature and reports problems (conflicts, corruption) in its own words.
use git2::Oid;
use std::collections::HashMap;
use std::path::Path;

const OID_LEN: usize = 20;
/// ctime, mtime, dev, ino, mode, uid, gid, size: ten 32-bit fields before the object id.
const STAT_LEN: usize = 40;

pub(crate) const MODE_TREE: u32 = 0o040000;
pub(crate) const MODE_GITLINK: u32 = 0o160000;

/// One stage-0 entry.
pub(crate) struct Entry {
    /// Range of the path in [`Index::paths`].
    path: (usize, usize),
    pub oid: Oid,
    pub mode: u32,
}

/// The entries of an index in its order (bytewise by path), and its valid cache-tree
/// entries.
pub(crate) struct Index {
    paths: Vec<u8>,
    pub entries: Vec<Entry>,
    /// Directory path (no trailing slash; the root is empty) → the tree it had when the
    /// index last wrote it, for directories whose entries have not changed since.
    pub trees: HashMap<Vec<u8>, Oid>,
}

impl Index {
    pub fn path(&self, e: &Entry) -> &[u8] {
        &self.paths[e.path.0..e.path.1]
    }

    /// Reads the index at `path`; `None` when it is absent or uses a feature this reader
    /// leaves to libgit2.
    pub fn read(path: &Path) -> Option<Index> {
        parse(&std::fs::read(path).ok()?)
    }
}

/// A cursor over the file's bytes; every read fails (None) past the end.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.buf.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }

    /// Up to (not including) the next NUL, which is consumed.
    fn until_nul(&mut self) -> Option<&'a [u8]> {
        let rest = self.buf.get(self.pos..)?;
        let n = memchr::memchr(0, rest)?;
        self.pos += n + 1;
        Some(&rest[..n])
    }

    /// The offset encoding of index v4 (as in pack files: each continuation adds one).
    fn varint(&mut self) -> Option<usize> {
        let mut b = self.take(1)?[0];
        let mut v = usize::from(b & 0x7f);
        while b & 0x80 != 0 {
            b = self.take(1)?[0];
            v = v.checked_add(1)?.checked_mul(128)? | usize::from(b & 0x7f);
        }
        Some(v)
    }
}

pub(crate) fn parse(buf: &[u8]) -> Option<Index> {
    if buf.len() < 12 + OID_LEN || &buf[..4] != b"DIRC" {
        return None;
    }
    // Entries and extensions end where the trailing checksum begins.
    let body = &buf[..buf.len() - OID_LEN];
    let mut r = Reader { buf: body, pos: 4 };
    let version = r.u32()?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = r.u32()? as usize;
    // The count is the file's word: every entry takes at least 62 bytes, so the body
    // bounds what is worth reserving (a fuzzed header asked for 11 GB here).
    let most = count.min(body.len() / (STAT_LEN + OID_LEN + 2));
    let mut paths: Vec<u8> = Vec::with_capacity(most * 24);
    let mut entries = Vec::with_capacity(most);
    // Version 4 rebuilds each path from the previous one, so a small file could expand
    // quadratically. Real indexes stay near the size of their paths (about 1.5 times
    // the body with long shared prefixes); past this the file is left to libgit2.
    let paths_cap = body.len().saturating_mul(4).saturating_add(1 << 16);
    let mut previous: (usize, usize) = (0, 0);
    for _ in 0..count {
        let start = r.pos;
        let stat = r.take(STAT_LEN)?;
        let mode = u32::from_be_bytes(stat[24..28].try_into().ok()?);
        let oid = Oid::from_bytes(r.take(OID_LEN)?).ok()?;
        let flags = r.u16()?;
        // Stages 1-3 are a conflict: libgit2 reports it.
        if flags & 0x3000 != 0 {
            return None;
        }
        if flags & 0x4000 != 0 {
            if version < 3 {
                return None;
            }
            // Intent-to-add (0x2000) entries are not content yet; skip-worktree (0x4000)
            // entries are ordinary content.
            if r.u16()? & 0x2000 != 0 {
                return None;
            }
        }
        let at = paths.len();
        if version == 4 {
            // The path is the previous one, less `strip` bytes at its end, plus a suffix.
            let strip = r.varint()?;
            let keep = (previous.1 - previous.0).checked_sub(strip)?;
            let suffix = r.until_nul()?;
            if paths.len() + keep + suffix.len() > paths_cap {
                return None;
            }
            paths.extend_from_within(previous.0..previous.0 + keep);
            paths.extend_from_slice(suffix);
        } else {
            let name = r.until_nul()?;
            paths.extend_from_slice(name);
            // NUL padding to a multiple of eight bytes (one NUL already read).
            let len = r.pos - start;
            r.take((8 - len % 8) % 8)?;
        }
        previous = (at, paths.len());
        if mode == MODE_TREE {
            // A sparse index's directory entry.
            return None;
        }
        entries.push(Entry {
            path: previous,
            oid,
            mode,
        });
    }
    let mut trees = HashMap::new();
    while r.pos < body.len() {
        let sig = r.take(4)?;
        let len = r.u32()? as usize;
        let data = r.take(len)?;
        match sig {
            b"TREE" => cache_tree(data, &mut trees)?,
            // Lowercase signatures are extensions a reader must understand (split and
            // sparse index); uppercase ones are optional.
            s if s[0].is_ascii_lowercase() => return None,
            _ => {}
        }
    }
    Some(Index {
        paths,
        entries,
        trees,
    })
}

/// The cache tree: each directory as `name NUL count SP subtrees LF [oid]`, depth first;
/// `count` is -1 for a directory changed since its tree was written (no oid follows).
fn cache_tree(data: &[u8], out: &mut HashMap<Vec<u8>, Oid>) -> Option<()> {
    fn node(r: &mut Reader<'_>, parent: &[u8], out: &mut HashMap<Vec<u8>, Oid>) -> Option<()> {
        let name = r.until_nul()?;
        let mut path = parent.to_vec();
        if !path.is_empty() {
            path.push(b'/');
        }
        path.extend_from_slice(name);
        let line_len = memchr::memchr(b'\n', r.buf.get(r.pos..)?)?;
        let line = std::str::from_utf8(r.take(line_len + 1)?).ok()?;
        let (count, subtrees) = line.trim_end().split_once(' ')?;
        let count: i64 = count.parse().ok()?;
        let subtrees: usize = subtrees.parse().ok()?;
        if count >= 0 {
            out.insert(path.clone(), Oid::from_bytes(r.take(OID_LEN)?).ok()?);
        }
        for _ in 0..subtrees {
            node(r, &path, out)?;
        }
        Some(())
    }
    let mut r = Reader { buf: data, pos: 0 };
    node(&mut r, b"", out)?;
    (r.pos == data.len()).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_use_the_offset_encoding() {
        let mut r = Reader {
            buf: &[0x05, 0x80, 0x00, 0x81, 0x7f],
            pos: 0,
        };
        assert_eq!(r.varint(), Some(5));
        assert_eq!(r.varint(), Some(128));
        assert_eq!(r.varint(), Some((1 + 1) * 128 + 0x7f));
        assert_eq!(r.varint(), None);
    }

    /// A version 4 entry: stat with a regular file's mode, an object id, flags, then the
    /// path as (bytes to strip from the previous one, suffix).
    fn v4_entry(out: &mut Vec<u8>, strip: u8, suffix: &[u8]) {
        let mut stat = [0u8; STAT_LEN];
        stat[24..28].copy_from_slice(&0o100644u32.to_be_bytes());
        out.extend_from_slice(&stat);
        out.extend_from_slice(&[9u8; OID_LEN]);
        out.extend_from_slice(&0u16.to_be_bytes());
        out.push(strip);
        out.extend_from_slice(suffix);
        out.push(0);
    }

    fn v4_index(count: u32, entries: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut buf = b"DIRC".to_vec();
        buf.extend_from_slice(&4u32.to_be_bytes());
        buf.extend_from_slice(&count.to_be_bytes());
        entries(&mut buf);
        buf.extend_from_slice(&[0u8; OID_LEN]);
        buf
    }

    #[test]
    fn version_4_paths_are_rebuilt_from_the_previous_one() {
        let buf = v4_index(2, |b| {
            v4_entry(b, 0, b"src/a.rs");
            v4_entry(b, 4, b"b.rs");
        });
        let index = parse(&buf).expect("a plain v4 index");
        let paths: Vec<&[u8]> = index.entries.iter().map(|e| index.path(e)).collect();
        assert_eq!(paths, vec![&b"src/a.rs"[..], &b"src/b.rs"[..]]);
    }

    #[test]
    fn a_header_count_cannot_reserve_more_than_the_file_holds() {
        // Four billion entries announced, one present: reserving by the count alone would
        // ask for about 100 GB and abort the process.
        let buf = v4_index(u32::MAX, |b| v4_entry(b, 0, b"a"));
        assert!(parse(&buf).is_none());
    }

    #[test]
    fn version_4_paths_cannot_expand_quadratically() {
        // One 60 KB path, then entries that each repeat it whole: 6 KB of file would
        // rebuild into 6 MB of paths. Past the cap the file is left to libgit2.
        let long = vec![b'x'; 60_000];
        let buf = v4_index(101, |b| {
            v4_entry(b, 0, &long);
            for _ in 0..100 {
                v4_entry(b, 0, b"");
            }
        });
        assert!(parse(&buf).is_none());
        // The same shape, small, still parses.
        let buf = v4_index(3, |b| {
            v4_entry(b, 0, b"dir/file");
            v4_entry(b, 0, b"");
            v4_entry(b, 0, b"");
        });
        assert_eq!(parse(&buf).map(|i| i.entries.len()), Some(3));
    }

    #[test]
    fn a_cache_tree_keeps_only_valid_directories() {
        let oid = [7u8; 20];
        let mut data = b"\x00-1 2\n".to_vec();
        data.extend_from_slice(b"src\x003 0\n");
        data.extend_from_slice(&oid);
        data.extend_from_slice(b"docs\x00-1 1\n");
        data.extend_from_slice(b"api\x001 0\n");
        data.extend_from_slice(&oid);
        let mut trees = HashMap::new();
        cache_tree(&data, &mut trees).unwrap();
        let mut keys: Vec<_> = trees.keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, vec![b"docs/api".to_vec(), b"src".to_vec()]);
        assert!(cache_tree(&data[..data.len() - 1], &mut HashMap::new()).is_none());
    }

    #[test]
    fn garbage_is_not_an_index() {
        assert!(parse(b"").is_none());
        assert!(parse(&[b'D'; 64]).is_none());
        let mut v5 = b"DIRC\x00\x00\x00\x05\x00\x00\x00\x00".to_vec();
        v5.extend_from_slice(&[0; 20]);
        assert!(parse(&v5).is_none());
        let mut empty = b"DIRC\x00\x00\x00\x02\x00\x00\x00\x00".to_vec();
        empty.extend_from_slice(&[0; 20]);
        assert_eq!(parse(&empty).unwrap().entries.len(), 0);
    }
}
