//! Organisation-wide audits: every repository of an organisation, sharded over many
//! machines, merged into one answer.
//!
//! ferret does not schedule anything itself; it plugs into the engines teams already run
//! (a GitHub Actions matrix, a Kubernetes Indexed Job). Three commands make the contract:
//!
//! 1. `ferret org plan` ([`plan`]): reads the list of repositories ([`repos`]: a file of
//!    URLs or paths, `gh repo list --json`, or the GitHub REST API through [`github`]) and
//!    balances it over N shards by size; [`emit`] writes the Job manifest or the matrix.
//! 2. `ferret org scan` ([`shard`]): one shard mirrors and audits its repositories, one
//!    JSONL file and one coverage record per repository, into a directory ([`state`]),
//!    resuming after a kill and auditing only what is new on a later run.
//! 3. `ferret org merge` ([`merge`]): the shards' directories become one report, findings
//!    grouped by secret across repositories ([`key`]: a keyed hash of the secret alone),
//!    with the coverage of every repository; also one SARIF per repository, or a SQLite
//!    database ([`sqlite`]).
//!
//! Nothing written to disk holds a whole secret (unless `--show-secrets`) or a credential
//! from a repository URL.

pub mod emit;
mod error;
pub mod github;
pub mod key;
pub mod merge;
pub mod plan;
pub mod repos;
pub mod shard;
pub mod sqlite;
pub mod state;

pub use error::{Error, Result};

/// Now, as RFC 3339 in UTC.
pub(crate) fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    ferret_source::git::rfc3339(git2::Time::new(secs, 0))
}

/// `n` random bytes as hex, for plan and run ids and generated keys.
pub(crate) fn random_hex(n: usize) -> Result<String> {
    let mut b = vec![0u8; n];
    getrandom::getrandom(&mut b).map_err(|e| Error::Other(format!("no randomness: {e}")))?;
    Ok(hex(&b))
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Writes `bytes` to `path` through a temporary file and a rename, so a reader (or a
/// shard killed half-way) never sees half a file.
pub(crate) fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .map_or("file".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
