//! The plan: every repository, the shard it belongs to, and the key secret ids are made
//! with. One JSON file that every shard and the merge read.
//!
//! Shards are balanced by size with the longest-processing-time rule: repositories from
//! the largest down, each to the shard with the least so far. Audit time is close to
//! proportional to history size (bytes of blobs), and LPT's largest shard is within 4/3
//! of the best possible. Repositories of unknown size count as the median known size.
use crate::key::OrgKey;
use crate::repos::Entry;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The plan format's version.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Plan {
    pub version: u32,
    /// Random, made when the plan is: a shard rerun with the same plan resumes its run.
    pub id: String,
    pub created: String,
    pub shards: usize,
    /// The org key, hex, when it travels with the plan (no `FERRET_ORG_KEY` at plan time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Identifies the key (not secret): shards and the merge check they all used one.
    pub key_id: String,
    pub repos: Vec<PlannedRepo>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PlannedRepo {
    pub name: String,
    /// A URL (no credentials) or a local path; empty for a bad REPOS line.
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_kb: Option<u64>,
    pub shard: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Plan {
    /// Balances `entries` over `shards` shards. `key` is the org key; it is written into
    /// the plan unless it came from the environment.
    pub fn new(entries: Vec<Entry>, shards: usize, key: &OrgKey) -> Result<Plan> {
        if shards == 0 {
            return Err(Error::Usage("--shards must be at least 1".into()));
        }
        let mut entries = dedup(entries);
        let known: Vec<u64> = {
            let mut k: Vec<u64> = entries.iter().filter_map(|e| e.size_kb).collect();
            k.sort_unstable();
            k
        };
        let unknown = known.get(known.len() / 2).copied().unwrap_or(1).max(1);
        let weight = |e: &Entry| e.size_kb.unwrap_or(unknown).max(1);
        // Largest first; ties by name so the plan does not depend on the input's order.
        entries.sort_by(|a, b| weight(b).cmp(&weight(a)).then_with(|| a.name.cmp(&b.name)));
        let mut load = vec![0u64; shards];
        let mut repos = Vec::with_capacity(entries.len());
        for e in entries {
            let shard = (0..shards).min_by_key(|&s| (load[s], s)).unwrap_or(0);
            load[shard] += weight(&e);
            repos.push(PlannedRepo {
                name: e.name,
                url: e.url,
                size_kb: e.size_kb,
                shard,
                error: e.error,
            });
        }
        repos.sort_by(|a, b| (a.shard, &a.name).cmp(&(b.shard, &b.name)));
        Ok(Plan {
            version: VERSION,
            id: crate::random_hex(8)?,
            created: crate::now_rfc3339(),
            shards,
            key: key.for_plan_file(),
            key_id: key.id(),
            repos,
        })
    }

    pub fn read(path: &Path) -> Result<Plan> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let plan: Plan = serde_json::from_str(&text)
            .map_err(|e| Error::format(path, format!("not a ferret plan: {e}")))?;
        if plan.version != VERSION {
            return Err(Error::format(
                path,
                format!(
                    "plan version {} (this ferret reads {VERSION})",
                    plan.version
                ),
            ));
        }
        if plan.shards == 0 || plan.repos.iter().any(|r| r.shard >= plan.shards) {
            return Err(Error::format(
                path,
                "a repository is on a shard the plan does not have",
            ));
        }
        Ok(plan)
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let mut text =
            serde_json::to_string_pretty(self).map_err(|e| Error::Other(e.to_string()))?;
        text.push('\n');
        crate::write_atomic(path, text.as_bytes())
    }

    /// The repositories of shard `i`.
    pub fn shard(&self, i: usize) -> impl Iterator<Item = &PlannedRepo> {
        self.repos.iter().filter(move |r| r.shard == i)
    }

    /// Size per shard (KiB; unknown sizes count as the median), for the plan summary.
    pub fn loads(&self) -> Vec<(usize, u64)> {
        let mut out = vec![(0usize, 0u64); self.shards];
        for r in &self.repos {
            out[r.shard].0 += 1;
            out[r.shard].1 += r.size_kb.unwrap_or(0);
        }
        out
    }
}

/// Drops repeated repositories (same URL), keeping the first.
fn dedup(entries: Vec<Entry>) -> Vec<Entry> {
    let mut seen = std::collections::HashSet::new();
    entries
        .into_iter()
        .filter(|e| e.error.is_some() || seen.insert(e.url.clone()))
        .collect()
}

/// Parses `I/N` (or `I` when the plan gives N).
pub fn parse_shard(s: &str, plan_shards: usize) -> Result<usize> {
    let bad = || Error::Usage(format!("--shard {s:?}: expected I/N with 0 <= I < N"));
    let (i, n) = match s.split_once('/') {
        Some((i, n)) => (
            i.trim().parse::<usize>().map_err(|_| bad())?,
            n.trim().parse::<usize>().map_err(|_| bad())?,
        ),
        None => (s.trim().parse::<usize>().map_err(|_| bad())?, plan_shards),
    };
    if n != plan_shards {
        return Err(Error::Usage(format!(
            "--shard {s}: the plan has {plan_shards} shards, not {n}"
        )));
    }
    if i >= n {
        return Err(bad());
    }
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, size: Option<u64>) -> Entry {
        Entry {
            url: format!("https://h/{name}"),
            name: name.into(),
            size_kb: size,
            error: None,
        }
    }

    #[test]
    fn largest_first_to_the_least_loaded_shard() {
        let key = OrgKey::from_bytes(vec![7; 32], false);
        let entries = vec![
            entry("a", Some(100)),
            entry("b", Some(60)),
            entry("c", Some(50)),
            entry("d", Some(40)),
            entry("e", Some(10)),
            entry("f", None),
        ];
        let plan = Plan::new(entries, 2, &key).unwrap();
        let loads = plan.loads();
        // 100 | 60 50 ; then 40 -> shard 0 (140 vs 110)? no: 100 vs 110 -> shard 0: 140,
        // 10 -> shard 1 (120), f counts as the median (50) -> shard 1.
        assert_eq!(loads.iter().map(|l| l.0).sum::<usize>(), 6);
        let diff = loads[0].1.abs_diff(loads[1].1);
        assert!(diff <= 100, "{loads:?}");
        assert!(plan.repos.iter().all(|r| r.shard < 2));
        assert_eq!(plan.key_id, key.id());
    }

    #[test]
    fn shard_specs() {
        assert_eq!(parse_shard("1/4", 4).unwrap(), 1);
        assert_eq!(parse_shard("3", 4).unwrap(), 3);
        assert!(parse_shard("4/4", 4).is_err());
        assert!(parse_shard("1/3", 4).is_err());
        assert!(parse_shard("x", 4).is_err());
    }
}
