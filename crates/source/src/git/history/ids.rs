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
