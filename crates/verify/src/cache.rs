//! One request per distinct (rule, secret) per run: findings are grouped by a hash of the
//! rule id and the secret, so the same key in three files is asked about once, and the
//! table never holds a whole secret as its key.
use ferret_engine::finding::PairedPart;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key([u8; 32]);

impl Key {
    /// The key of a (rule, secret) pair, and of the other parts of a multi-part credential:
    /// one key id with two different secrets is two checks.
    pub fn new(rule_id: &str, secret: &str, parts: &[PairedPart]) -> Key {
        let mut h = Sha256::new();
        h.update(rule_id.as_bytes());
        h.update([0]);
        h.update(secret.as_bytes());
        for p in parts {
            h.update([0]);
            h.update(p.name.as_bytes());
            h.update([0]);
            h.update(p.secret.as_bytes());
        }
        Key(h.finalize().into())
    }
}

/// Maps each distinct key to the index of the one job that checks it.
#[derive(Debug, Default)]
pub struct Cache {
    jobs: HashMap<Key, usize>,
}

impl Cache {
    /// The job index for `key`, and whether it is new (so the caller creates the job).
    pub fn slot(&mut self, key: Key) -> (usize, bool) {
        let next = self.jobs.len();
        let mut new = false;
        let i = *self.jobs.entry(key).or_insert_with(|| {
            new = true;
            next
        });
        (i, new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_rule_and_secret_share_a_slot() {
        let mut c = Cache::default();
        assert_eq!(c.slot(Key::new("r", "s1", &[])), (0, true));
        assert_eq!(c.slot(Key::new("r", "s2", &[])), (1, true));
        assert_eq!(c.slot(Key::new("r", "s1", &[])), (0, false));
        assert_eq!(c.slot(Key::new("other", "s1", &[])), (2, true));
        let part = |secret: &str| PairedPart {
            name: "secret_key".into(),
            secret: secret.into(),
            ..PairedPart::default()
        };
        assert_eq!(c.slot(Key::new("r", "s1", &[part("a")])), (3, true));
        assert_eq!(c.slot(Key::new("r", "s1", &[part("b")])), (4, true));
        assert_eq!(c.slot(Key::new("r", "s1", &[part("a")])), (3, false));
    }
}
