//! Secret ids: HMAC-SHA256 of the secret alone under an organisation key, so the same key
//! leaked in two repositories (or at two paths, or under two rules' names) is one secret
//! in the merged report, and the report can travel without being a list of hashes anyone
//! can test a guessed secret against: without the org key, a secret id says nothing.
//!
//! The key comes from `FERRET_ORG_KEY` (any string of at least 16 bytes; best kept as a
//! CI secret and given to every shard and the merge), or else from the plan: `ferret org
//! plan` reads `--key-file FILE` (creating it with a fresh random key the first time) or
//! makes a key for that plan alone. A key travelling in the plan is as secret as the
//! plan; one from the environment is never written anywhere. Every shard records the
//! key's id (an HMAC of a fixed label, not the key) so the merge can refuse shards that
//! used different keys, whose secret ids would not line up.
use crate::{Error, Result};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;

/// The environment variable holding the org key.
pub const ENV: &str = "FERRET_ORG_KEY";
/// The shortest key accepted from the environment or a key file.
pub const MIN_LEN: usize = 16;

#[derive(Clone)]
pub struct OrgKey {
    bytes: Vec<u8>,
    from_env: bool,
}

impl std::fmt::Debug for OrgKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OrgKey({})", self.id())
    }
}

impl OrgKey {
    pub fn from_bytes(bytes: Vec<u8>, from_env: bool) -> OrgKey {
        OrgKey { bytes, from_env }
    }

    /// `FERRET_ORG_KEY`, if set.
    pub fn from_env() -> Result<Option<OrgKey>> {
        match std::env::var_os(ENV) {
            None => Ok(None),
            Some(v) if v.is_empty() => Ok(None),
            Some(v) => {
                let bytes = v.into_encoded_bytes();
                if bytes.len() < MIN_LEN {
                    return Err(Error::Usage(format!(
                        "{ENV} is {} bytes long; use at least {MIN_LEN} random bytes (e.g. `openssl rand -hex 32`)",
                        bytes.len()
                    )));
                }
                Ok(Some(OrgKey::from_bytes(bytes, true)))
            }
        }
    }

    /// A new random key of 32 bytes.
    pub fn generate() -> Result<OrgKey> {
        let mut b = vec![0u8; 32];
        getrandom::getrandom(&mut b).map_err(|e| Error::Other(format!("no randomness: {e}")))?;
        Ok(OrgKey::from_bytes(b, false))
    }

    /// The key for `ferret org plan`: the environment's, else the one in `key_file`
    /// (created when missing), else a new one for this plan alone. The second value
    /// says where it came from, for a note.
    pub fn for_new_plan(key_file: Option<&Path>) -> Result<(OrgKey, String)> {
        if let Some(k) = OrgKey::from_env()? {
            return Ok((
                k,
                format!("secret ids use the key in {ENV}; shards and the merge need it too"),
            ));
        }
        let Some(path) = key_file else {
            return Ok((
                OrgKey::generate()?,
                format!(
                    "secret ids use a new key kept in the plan: they will not match another plan's \
                     (set {ENV} or --key-file to keep them stable across runs)"
                ),
            ));
        };
        if path.exists() {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let text = text.trim();
            if text.len() < MIN_LEN {
                return Err(Error::format(
                    path,
                    format!("a key file needs at least {MIN_LEN} bytes"),
                ));
            }
            return Ok((
                OrgKey::from_bytes(text.as_bytes().to_vec(), false),
                format!("secret ids use the key in {}", path.display()),
            ));
        }
        let key = OrgKey::generate()?;
        write_private(path, format!("{}\n", crate::hex(&key.bytes)).as_bytes())?;
        // The file holds the hex form: read back, those are the key bytes.
        let key = OrgKey::from_bytes(crate::hex(&key.bytes).into_bytes(), false);
        Ok((
            key,
            format!("secret ids use a new key, saved in {}", path.display()),
        ))
    }

    /// The key a shard uses for a plan (whose key, when it holds one, is `plan_key`, and
    /// whose key id is `plan_key_id`): the environment's, else the plan's; it must be the
    /// one the plan was made with.
    pub fn for_plan(plan_key: Option<&str>, plan_key_id: &str) -> Result<OrgKey> {
        let key = match (OrgKey::from_env()?, plan_key) {
            (Some(k), _) => k,
            (None, Some(hex)) => OrgKey::from_bytes(
                unhex(hex).ok_or_else(|| Error::Usage("the plan's key is not hex".into()))?,
                false,
            ),
            (None, None) => {
                return Err(Error::Usage(format!(
                    "the plan was made with {ENV} set: set it here too"
                )))
            }
        };
        if key.id() != plan_key_id {
            return Err(Error::Usage(format!(
                "the org key (id {}) is not the one the plan was made with (id {plan_key_id}): check {ENV}",
                key.id(),
            )));
        }
        Ok(key)
    }

    /// The hex key to write into a plan, unless it came from the environment.
    pub fn for_plan_file(&self) -> Option<String> {
        (!self.from_env).then(|| crate::hex(&self.bytes))
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length.
        Hmac::<Sha256>::new_from_slice(&self.bytes).expect("HMAC accepts any key length")
    }

    /// Identifies the key without revealing it: 8 bytes of an HMAC of a fixed label.
    pub fn id(&self) -> String {
        let mut m = self.mac();
        m.update(b"ferret org key id");
        crate::hex(&m.finalize().into_bytes()[..8])
    }

    /// The secret's id: 16 bytes (32 hex digits) of HMAC-SHA256(key, secret).
    pub fn secret_id(&self, secret: &str) -> String {
        let mut m = self.mac();
        m.update(secret.as_bytes());
        crate::hex(&m.finalize().into_bytes()[..16])
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Creates `path` readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path).map_err(|e| Error::io(path, e))?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_ids_depend_on_the_key_and_the_secret_only() {
        let a = OrgKey::from_bytes(b"0123456789abcdef0123".to_vec(), false);
        let b = OrgKey::from_bytes(b"another key of enough bytes".to_vec(), false);
        let s = ["s", "k_", "example-value-0001"].concat();
        assert_eq!(a.secret_id(&s), a.secret_id(&s));
        assert_ne!(a.secret_id(&s), b.secret_id(&s));
        assert_ne!(a.secret_id(&s), a.secret_id("other"));
        assert_eq!(a.secret_id(&s).len(), 32);
        assert!(!a.secret_id(&s).contains("example"));
        assert_ne!(a.id(), b.id());
        assert!(!format!("{a:?}").contains("0123456789"));
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(unhex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
    }
}
