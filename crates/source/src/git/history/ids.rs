//! The tables the tree walk keys everything by: object ids as plain bytes, a cheap hash
//! for them, and full paths interned as small ids.
use std::collections::HashMap;

/// The path id of the repository root.
pub(super) const ROOT: u32 = 0;

/// Full paths seen in trees, interned: the walk keys everything by a small id.
#[derive(Default)]
pub(super) struct PathTable {
    ids: HashMap<Box<[u8]>, u32>,
    names: Vec<Box<[u8]>>,
}

impl PathTable {
    pub fn new() -> Self {
        let mut t = PathTable::default();
        t.names.push(Box::from(&b""[..]));
        t.ids.insert(Box::from(&b""[..]), ROOT);
        t
    }

    pub fn child(&mut self, parent: u32, name: &[u8], buf: &mut Vec<u8>) -> u32 {
        buf.clear();
        let base = &self.names[parent as usize];
        if !base.is_empty() {
            buf.extend_from_slice(base);
            buf.push(b'/');
        }
        buf.extend_from_slice(name);
        if let Some(&id) = self.ids.get(buf.as_slice()) {
            return id;
        }
        let id = self.names.len() as u32;
        let key: Box<[u8]> = buf.as_slice().into();
        self.names.push(key.clone());
        self.ids.insert(key, id);
        id
    }

    /// A directory for messages: the root is "/".
    pub fn display_dir(&self, id: u32) -> String {
        if id == ROOT {
            "/".into()
        } else {
            self.display(id)
        }
    }

    pub fn display(&self, id: u32) -> String {
        String::from_utf8_lossy(&self.names[id as usize]).into_owned()
    }
}

/// An object id as the walk keeps it: plain bytes hash and compare without calls into
/// libgit2.
pub(super) type RawId = [u8; 20];

pub(super) fn raw_id(b: &[u8]) -> RawId {
    let mut id = [0; 20];
    let n = b.len().min(20);
    id[..n].copy_from_slice(&b[..n]);
    id
}

pub(super) fn hex(id: &RawId) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashing for keys that start with an object id: the id is already uniformly random,
/// so mixing its first eight bytes with the rest of the key is enough (SipHash over all
/// of it showed up in profiles of large histories).
#[derive(Default, Clone, Copy)]
pub(super) struct OidHash;

impl std::hash::BuildHasher for OidHash {
    type Hasher = OidHasher;
    fn build_hasher(&self) -> OidHasher {
        OidHasher(0)
    }
}

pub(super) struct OidHasher(u64);

impl std::hash::Hasher for OidHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// A hash index over object ids kept in a vector elsewhere (the caller's list of commits
/// or blobs): 4 bytes a slot, open addressing, at most three slots in four used. A
/// `HashMap<Oid, u32>` costs 25 bytes a slot and, past a power of two, twice that: on a
/// history of a million commits the difference is 40 MB.
#[derive(Default)]
pub(super) struct IdIndex {
    slots: Vec<u32>,
    len: usize,
}

const EMPTY: u32 = u32::MAX;

fn slot_of(id: &[u8], mask: usize) -> usize {
    let mut b = [0u8; 8];
    let n = id.len().min(8);
    b[..n].copy_from_slice(&id[..n]);
    // Object ids are uniformly random already; the multiply spreads short test ids too.
    (u64::from_le_bytes(b).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 17) as usize & mask
}

impl IdIndex {
    /// The position of `id` among `ids`, if it is there.
    pub fn get<T: AsRef<[u8]>>(&self, id: &[u8], ids: &[T]) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut s = slot_of(id, mask);
        loop {
            let v = self.slots[s];
            if v == EMPTY {
                return None;
            }
            if ids[v as usize].as_ref() == id {
                return Some(v);
            }
            s = (s + 1) & mask;
        }
    }

    /// Records that `ids[at]` is `ids[at]` (it must not be indexed yet).
    pub fn insert<T: AsRef<[u8]>>(&mut self, at: u32, ids: &[T]) {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow(ids);
        }
        self.place(at, ids);
        self.len += 1;
    }

    fn place<T: AsRef<[u8]>>(&mut self, at: u32, ids: &[T]) {
        let mask = self.slots.len() - 1;
        let mut s = slot_of(ids[at as usize].as_ref(), mask);
        while self.slots[s] != EMPTY {
            s = (s + 1) & mask;
        }
        self.slots[s] = at;
    }

    fn grow<T: AsRef<[u8]>>(&mut self, ids: &[T]) {
        let n = (self.slots.len() * 2).max(1024);
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; n]);
        for v in old.into_iter().filter(|&v| v != EMPTY) {
            self.place(v, ids);
        }
    }
}

/// A set that remembers recent keys and forgets old ones: two generations of at most
/// `cap` keys each; when the young one is full it becomes the old one and the old one is
/// dropped, and a key found in the old generation moves back to the young. Memory is
/// bounded by `2 * cap` keys whatever the length of the history.
///
/// The tree walk keeps its "already walked" pairs here. Forgetting a pair is always safe:
/// the walk then looks at something it had seen, finds the same (blob, path) pairs again
/// at a later commit, and the audit keeps the oldest commit of every finding anyway; it
/// costs work, never a finding. Remembering is what must be exact, and a key is only
/// ever reported present when it was inserted.
pub(super) struct Recent<K> {
    young: std::collections::HashSet<K, OidHash>,
    old: std::collections::HashSet<K, OidHash>,
    cap: usize,
}

impl<K: std::hash::Hash + Eq + Copy> Recent<K> {
    pub fn new(cap: usize) -> Self {
        Recent {
            young: std::collections::HashSet::default(),
            old: std::collections::HashSet::default(),
            cap: cap.max(1),
        }
    }

    /// Adds `key`; returns whether it was absent (as `HashSet::insert`).
    pub fn insert(&mut self, key: K) -> bool {
        if self.young.contains(&key) {
            return false;
        }
        let absent = !self.old.remove(&key);
        if self.young.len() >= self.cap {
            self.old = std::mem::take(&mut self.young);
            self.young.reserve(self.cap.min(1 << 16));
        }
        self.young.insert(key);
        absent
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }
}

/// Sorted object ids, searched by bisection: the blobs an earlier audit scanned and found
/// clean, kept between runs as 20 bytes each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlobSet {
    ids: Vec<RawId>,
}

impl BlobSet {
    /// The set of `ids` (any order, duplicates allowed).
    pub fn from_ids(mut ids: Vec<[u8; 20]>) -> Self {
        ids.sort_unstable();
        ids.dedup();
        BlobSet { ids }
    }

    /// Reads the form [`BlobSet::to_bytes`] writes; None when the length is not a
    /// multiple of 20 or the ids are not sorted (a damaged file).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() % 20 != 0 {
            return None;
        }
        let ids: Vec<RawId> = bytes.chunks_exact(20).map(raw_id).collect();
        ids.windows(2)
            .all(|w| w[0] < w[1])
            .then_some(BlobSet { ids })
    }

    /// The ids, sorted, 20 bytes each.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.ids.concat()
    }

    pub fn contains(&self, id: &[u8; 20]) -> bool {
        self.ids.binary_search(id).is_ok()
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The union of this set and `more`.
    pub fn union(&self, more: Vec<[u8; 20]>) -> Self {
        let more = BlobSet::from_ids(more);
        let mut ids = Vec::with_capacity(self.ids.len() + more.ids.len());
        let (mut a, mut b) = (self.ids.iter().peekable(), more.ids.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x < y => a.next(),
                (Some(x), Some(y)) if x > y => b.next(),
                (Some(_), Some(_)) => {
                    b.next();
                    a.next()
                }
                (Some(_), None) => a.next(),
                (None, Some(_)) => b.next(),
                (None, None) => break,
            };
            ids.extend(next.copied());
        }
        BlobSet { ids }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_finds_what_was_inserted_and_nothing_else() {
        let ids: Vec<RawId> = (0..5000u32)
            .map(|i| {
                let mut id = [0u8; 20];
                // Ids that share their first bytes, to exercise probing.
                id[16..].copy_from_slice(&i.to_le_bytes());
                id[0] = (i % 3) as u8;
                id
            })
            .collect();
        let mut index = IdIndex::default();
        for i in 0..4000 {
            assert_eq!(index.get(&ids[i], &ids), None);
            index.insert(i as u32, &ids);
        }
        for (i, id) in ids.iter().enumerate() {
            let want = (i < 4000).then_some(i as u32);
            assert_eq!(index.get(id, &ids), want, "{i}");
        }
    }

    #[test]
    fn recent_forgets_only_old_keys_and_never_invents_one() {
        let mut r: Recent<(RawId, u32)> = Recent::new(4);
        let key = |n: u32| ([n as u8; 20], n);
        for n in 0..4 {
            assert!(r.insert(key(n)));
        }
        assert!(!r.insert(key(0)), "still remembered");
        for n in 4..12 {
            assert!(r.insert(key(n)));
        }
        assert!(r.len() <= 8);
        // Long-unused keys are forgotten: inserting them again says "absent".
        assert!(r.insert(key(1)));
        assert!(!r.insert(key(11)));
    }

    #[test]
    fn blob_sets_round_trip_and_merge() {
        let a = BlobSet::from_ids(vec![[3; 20], [1; 20], [3; 20]]);
        assert_eq!(a.len(), 2);
        let b = a.union(vec![[2; 20], [1; 20]]);
        assert_eq!(b.len(), 3);
        assert!(b.contains(&[2; 20]) && !b.contains(&[4; 20]));
        assert_eq!(BlobSet::from_bytes(&b.to_bytes()), Some(b.clone()));
        assert_eq!(BlobSet::from_bytes(&[0; 21]), None);
        let mut unsorted = b.to_bytes();
        unsorted.rotate_left(20);
        assert_eq!(BlobSet::from_bytes(&unsorted), None);
    }
}
