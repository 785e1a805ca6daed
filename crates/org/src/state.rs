//! What a shard keeps in its output directory, and the records it writes.
//!
//! ```text
//! DIR/shard-I-of-N.json       the run: plan id, run id, running or done
//! DIR/repos/SLUG.jsonl        the repository's findings, one JSON object a line
//! DIR/repos/SLUG.json         its coverage record (written last: its presence means the
//!                             JSONL beside it is whole)
//! DIR/state/SLUG.json         what the next audit builds on: rules hash, key id, tips
//! DIR/state/SLUG.clean        the blobs found clean, 20-byte ids, sorted
//! ```
//!
//! Every file is written to a temporary name and renamed, so a shard killed at any point
//! leaves whole files only.
use crate::{Error, Result};
use ferret_source::git::history::BlobSet;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Coverage record format version.
pub const COVERAGE_VERSION: u32 = 1;

/// How far a repository was scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every object reachable from its refs was read (or is known clean from an earlier
    /// run of the same rules).
    Complete,
    /// Audited, but some objects could not be read: see `errors`.
    Partial,
    /// Not audited at all: see `errors`.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Complete => "complete",
            Status::Partial => "partial",
            Status::Failed => "failed",
        }
    }
}

/// One ref of an audited repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefRecord {
    pub name: String,
    pub commit: String,
}

/// The incremental part of a coverage record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incremental {
    /// The run the audit built on.
    pub since_run: String,
    /// Blobs not read again because that run found them clean.
    pub blobs_known_clean: u64,
    /// Findings carried over from that run.
    pub findings_carried: u64,
}

/// What a shard says about one repository: whether it was scanned, how much, with which
/// rules, and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub version: u32,
    pub repo: String,
    /// URL without credentials, or local path.
    pub url: String,
    pub slug: String,
    pub shard: String,
    pub plan: String,
    pub run: String,
    pub status: Status,
    #[serde(default)]
    pub errors: Vec<String>,
    #[serde(default)]
    pub refs: Vec<RefRecord>,
    /// Commits walked by this run (only the new ones when incremental).
    pub commits_scanned: u64,
    /// Distinct blobs found in those commits.
    pub blobs: u64,
    /// Blobs read and scanned by this run.
    pub blobs_scanned: u64,
    pub bytes_scanned: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incremental: Option<Incremental>,
    /// Findings in the repository's JSONL (carried over ones included).
    pub findings: u64,
    pub rules_hash: String,
    pub key_id: String,
    pub ferret_version: String,
    pub started: String,
    pub finished: String,
    pub elapsed_ms: u64,
}

/// What the next audit of a repository builds on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoState {
    pub rules_hash: String,
    pub key_id: String,
    pub run: String,
    pub tips: Vec<String>,
    /// Ids in the `.clean` file beside it (a mismatch means a damaged pair: not used).
    pub clean: usize,
}

/// The marker of a shard's run in its directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardRun {
    pub plan: String,
    pub shard: String,
    pub run: String,
    /// `running` until the shard gets through its list.
    pub state: String,
    pub started: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
}

/// A shard's output directory.
pub struct Dir {
    pub root: PathBuf,
}

impl Dir {
    pub fn new(root: &Path) -> Dir {
        Dir {
            root: root.to_path_buf(),
        }
    }

    pub fn marker(&self, shard: usize, shards: usize) -> PathBuf {
        self.root.join(format!("shard-{shard}-of-{shards}.json"))
    }

    pub fn findings(&self, slug: &str) -> PathBuf {
        self.root.join("repos").join(format!("{slug}.jsonl"))
    }

    pub fn coverage(&self, slug: &str) -> PathBuf {
        self.root.join("repos").join(format!("{slug}.json"))
    }

    fn state(&self, slug: &str) -> PathBuf {
        self.root.join("state").join(format!("{slug}.json"))
    }

    fn clean(&self, slug: &str) -> PathBuf {
        self.root.join("state").join(format!("{slug}.clean"))
    }

    pub fn read_marker(&self, shard: usize, shards: usize) -> Option<ShardRun> {
        read_json(&self.marker(shard, shards)).ok()
    }

    pub fn write_marker(&self, shard: usize, shards: usize, run: &ShardRun) -> Result<()> {
        write_json(&self.marker(shard, shards), run)
    }

    pub fn read_coverage(&self, slug: &str) -> Option<Coverage> {
        read_json(&self.coverage(slug)).ok()
    }

    pub fn write_coverage(&self, c: &Coverage) -> Result<()> {
        write_json(&self.coverage(&c.slug), c)
    }

    /// The findings a repository's JSONL holds (empty when there is none).
    pub fn read_findings(&self, slug: &str) -> Result<Vec<serde_json::Value>> {
        read_jsonl(&self.findings(slug))
    }

    pub fn write_findings(&self, slug: &str, records: &[serde_json::Value]) -> Result<()> {
        let mut out = Vec::new();
        for r in records {
            out.extend_from_slice(r.to_string().as_bytes());
            out.push(b'\n');
        }
        crate::write_atomic(&self.findings(slug), &out)
    }

    /// The state an audit with `rules_hash` and `key_id` can build on, if any.
    pub fn read_state(
        &self,
        slug: &str,
        rules_hash: &str,
        key_id: &str,
    ) -> Option<(RepoState, BlobSet)> {
        let s: RepoState = read_json(&self.state(slug)).ok()?;
        if s.rules_hash != rules_hash || s.key_id != key_id {
            return None;
        }
        let bytes = std::fs::read(self.clean(slug)).ok()?;
        let clean = BlobSet::from_bytes(&bytes)?;
        (clean.len() == s.clean).then_some((s, clean))
    }

    pub fn write_state(&self, slug: &str, state: &RepoState, clean: &BlobSet) -> Result<()> {
        crate::write_atomic(&self.clean(slug), &clean.to_bytes())?;
        write_json(&self.state(slug), state)
    }

    /// Forgets what a repository's next audit could build on (after a partial one).
    pub fn drop_state(&self, slug: &str) {
        let _ = std::fs::remove_file(self.state(slug));
        let _ = std::fs::remove_file(self.clean(slug));
    }

    /// Every coverage record in the directory.
    pub fn coverages(&self) -> Result<Vec<(PathBuf, Coverage)>> {
        let dir = self.root.join("repos");
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(&dir, e)),
        };
        let mut out = Vec::new();
        for e in rd {
            let p = e.map_err(|e| Error::io(&dir, e))?.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if name.starts_with('.') || !name.ends_with(".json") {
                continue;
            }
            let c: Coverage = read_json(&p)?;
            out.push((p, c));
        }
        out.sort_by(|a, b| a.1.repo.cmp(&b.1.repo));
        Ok(out)
    }
}

pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::format(path, e.to_string()))
}

fn write_json<T: Serialize>(path: &Path, v: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(v).map_err(|e| Error::Other(e.to_string()))?;
    text.push('\n');
    crate::write_atomic(path, text.as_bytes())
}

pub fn read_jsonl(path: &Path) -> Result<Vec<serde_json::Value>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(path, e)),
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| Error::format(path, format!("line {}: {e}", i + 1)))
        })
        .collect()
}
