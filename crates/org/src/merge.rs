//! `ferret org merge`: the shards' directories become one answer. Findings are grouped by
//! secret id across repositories (the same key leaked in three repositories is one secret
//! with three repositories), every repository's coverage record comes along, and the
//! repositories that were not fully scanned (partial, failed, or in the plan with no
//! record at all) are listed first, so "no findings" never hides "not scanned".
use crate::plan::Plan;
use crate::state::{read_jsonl, Coverage, Dir, Status};
use crate::{Error, Result};
use ferret_engine::finding::{CommitInfo, Finding, Status as VStatus, Verification};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Everything the shards wrote.
#[derive(Debug, Default)]
pub struct Merged {
    /// One coverage record per repository, by name.
    pub repos: Vec<Coverage>,
    /// Every finding record (with `repo` and `secret_id`).
    pub findings: Vec<Value>,
    /// Repositories of the plan without any coverage record: never scanned.
    pub missing: Vec<(String, String)>,
    pub key_id: Option<String>,
}

/// One secret and everywhere it was found.
#[derive(Debug)]
pub struct SecretGroup {
    /// None for findings without a secret (files flagged by their name).
    pub secret_id: Option<String>,
    pub rule_id: String,
    pub secret: String,
    pub repos: Vec<String>,
    pub verification: Option<Value>,
    pub findings: Vec<Value>,
}

/// Reads every shard directory in `dirs`; with `plan`, repositories it lists that no
/// directory has a record of are reported missing.
pub fn load(dirs: &[PathBuf], plan: Option<&Plan>) -> Result<Merged> {
    let mut by_slug: BTreeMap<String, (Coverage, PathBuf)> = BTreeMap::new();
    for d in dirs {
        if !d.is_dir() {
            return Err(Error::io(
                d,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such directory"),
            ));
        }
        let dir = Dir::new(d);
        for (_, c) in dir.coverages()? {
            // The same repository in two directories (a shard rerun elsewhere): the
            // newest record wins.
            let newer = by_slug
                .get(&c.slug)
                .is_none_or(|(old, _)| c.finished > old.finished);
            if newer {
                let slug = c.slug.clone();
                by_slug.insert(slug, (c, d.clone()));
            }
        }
    }
    let mut m = Merged::default();
    let mut key_ids: BTreeSet<String> = BTreeSet::new();
    for (slug, (c, d)) in by_slug {
        if c.status != Status::Failed {
            key_ids.insert(c.key_id.clone());
        }
        let path = Dir::new(&d).findings(&slug);
        m.findings.extend(read_jsonl(&path)?);
        m.repos.push(c);
    }
    if key_ids.len() > 1 {
        return Err(Error::Usage(format!(
            "the shards used different org keys (ids {}): their secret ids do not match; \
             rerun them with the same FERRET_ORG_KEY or plan",
            key_ids.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    m.key_id = key_ids.into_iter().next();
    if let Some(plan) = plan {
        if let Some(k) = &m.key_id {
            if *k != plan.key_id {
                return Err(Error::Usage(format!(
                    "the shards used org key {k}, the plan key {}",
                    plan.key_id
                )));
            }
        }
        let have: BTreeSet<&str> = m.repos.iter().map(|c| c.slug.as_str()).collect();
        for r in &plan.repos {
            let slug = crate::shard::slug_for(r);
            if !have.contains(slug.as_str()) {
                m.missing.push((r.name.clone(), r.url.clone()));
            }
        }
    }
    m.repos
        .sort_by(|a, b| (&a.repo, &a.slug).cmp(&(&b.repo, &b.slug)));
    sort_findings(&mut m.findings);
    Ok(m)
}

fn sort_findings(f: &mut [Value]) {
    let key = |r: &Value| {
        (
            s(r, "repo"),
            s(r, "path"),
            r["line"].as_u64().unwrap_or(0),
            r["column"].as_u64().unwrap_or(0),
            s(r, "rule_id"),
            s(r, "commit"),
        )
    };
    f.sort_by_key(key);
}

fn s(r: &Value, k: &str) -> String {
    r[k].as_str().unwrap_or_default().to_string()
}

impl Merged {
    /// The repositories not fully scanned: partial and failed records, and missing ones.
    pub fn not_fully_scanned(&self) -> Vec<Value> {
        let mut out: Vec<Value> = self
            .repos
            .iter()
            .filter(|c| c.status != Status::Complete)
            .map(|c| json!({"repo": c.repo, "url": c.url, "status": c.status.as_str(), "errors": c.errors}))
            .collect();
        out.extend(self.missing.iter().map(|(name, url)| {
            json!({"repo": name, "url": url, "status": "missing",
                   "errors": ["no coverage record: the shard holding it did not run or did not get to it"]})
        }));
        out
    }

    /// Findings grouped by secret id, the groups in secret id order.
    pub fn secrets(&self) -> Vec<SecretGroup> {
        let mut groups: BTreeMap<String, SecretGroup> = BTreeMap::new();
        for f in &self.findings {
            let id = f["secret_id"].as_str().map(String::from);
            // Findings without a secret are groups of their own.
            let key = id
                .clone()
                .unwrap_or_else(|| format!("~{}/{}", s(f, "repo"), s(f, "fingerprint")));
            let g = groups.entry(key).or_insert_with(|| SecretGroup {
                secret_id: id,
                rule_id: s(f, "rule_id"),
                secret: s(f, "secret"),
                repos: Vec::new(),
                verification: None,
                findings: Vec::new(),
            });
            let repo = s(f, "repo");
            if !g.repos.contains(&repo) {
                g.repos.push(repo);
            }
            if let Some(v) = f.get("verification").filter(|v| !v.is_null()) {
                if rank(v) > g.verification.as_ref().map_or(0, rank) {
                    g.verification = Some(v.clone());
                }
            }
            g.findings.push(f.clone());
        }
        groups
            .into_values()
            .map(|mut g| {
                g.repos.sort();
                g
            })
            .collect()
    }

    /// The merged JSON report.
    pub fn json(&self) -> Value {
        let secrets = self.secrets();
        let not = self.not_fully_scanned();
        let count = |st: Status| self.repos.iter().filter(|c| c.status == st).count();
        let live = secrets
            .iter()
            .filter(|g| {
                g.verification
                    .as_ref()
                    .is_some_and(|v| v["status"] == "verified")
            })
            .count();
        let shared = secrets.iter().filter(|g| g.repos.len() > 1).count();
        json!({
            "version": 1,
            "tool": {"name": "ferret", "version": env!("CARGO_PKG_VERSION")},
            "key_id": self.key_id,
            "summary": {
                "repos": self.repos.len() + self.missing.len(),
                "complete": count(Status::Complete),
                "partial": count(Status::Partial),
                "failed": count(Status::Failed),
                "missing": self.missing.len(),
                "findings": self.findings.len(),
                "secrets": secrets.len(),
                "secrets_in_several_repos": shared,
                "secrets_verified_live": live,
            },
            "not_fully_scanned": not,
            "secrets": secrets.iter().map(group_json).collect::<Vec<_>>(),
            "repos": self.repos,
        })
    }

    /// One SARIF file per repository with findings (or a record), in `dir`, named after
    /// the repository's slug; returns the files written.
    pub fn write_sarif(
        &self,
        dir: &Path,
        catalog: &ferret_report::Catalog<'_>,
    ) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut by_repo: HashMap<&str, Vec<Finding>> = HashMap::new();
        for f in &self.findings {
            by_repo
                .entry(f["repo"].as_str().unwrap_or_default())
                .or_default()
                .push(finding_from(f));
        }
        let mut written = Vec::new();
        for c in &self.repos {
            if c.status == Status::Failed {
                continue;
            }
            let findings = by_repo.remove(c.repo.as_str()).unwrap_or_default();
            let stats = ferret_source::StatsSnapshot::default();
            let config = ferret_report::ConfigSummary::default();
            let repo_paths = ferret_report::RepoPaths::unchanged();
            let ctx = ferret_report::ReportContext {
                config: &config,
                repo_paths: &repo_paths,
                catalog,
                stats: &stats,
                // Secrets in the records are already redacted (unless the shards ran with
                // --show-secrets): print them as they are.
                show_secrets: true,
                color: false,
                scope: c.repo.clone(),
                // The shards audit histories, which report every level: nothing to drop.
                min_confidence: ferret_report::MinConfidence::all(),
            };
            let mut out = Vec::new();
            ferret_report::write(ferret_report::Format::Sarif, &findings, &ctx, &mut out)
                .map_err(|e| Error::Other(e.to_string()))?;
            let path = dir.join(format!("{}.sarif", c.slug));
            crate::write_atomic(&path, &out)?;
            written.push(path);
        }
        Ok(written)
    }
}

fn group_json(g: &SecretGroup) -> Value {
    let mut m = Map::new();
    m.insert("secret_id".into(), json!(g.secret_id));
    m.insert("rule_id".into(), json!(g.rule_id));
    m.insert("secret".into(), json!(g.secret));
    m.insert("repos".into(), json!(g.repos));
    if let Some(v) = &g.verification {
        m.insert("verification".into(), v.clone());
    }
    m.insert("findings".into(), json!(g.findings));
    Value::Object(m)
}

/// Verified beats invalid beats unknown: a key live in any shard's check is live.
fn rank(v: &Value) -> u8 {
    match v["status"].as_str() {
        Some("verified") => 3,
        Some("invalid") => 2,
        Some(_) => 1,
        None => 0,
    }
}

/// A finding rebuilt from its JSON record, for the SARIF writer. The secret is what the
/// record holds (redacted) and the snippet stands for the line, the secret's place in it
/// masked.
pub fn finding_from(r: &Value) -> Finding {
    let str_of = |k: &str| s(r, k);
    let num = |k: &str| r[k].as_u64().unwrap_or(0) as usize;
    let secret = str_of("secret");
    let snippet = str_of("snippet");
    let at = (!secret.is_empty())
        .then(|| snippet.find(&secret))
        .flatten()
        .map(|i| (i, i + secret.len()));
    let mut line_text = ferret_engine::finding::LineText::plain(snippet);
    if let Some(span) = at {
        line_text.masks.push(span);
    }
    let path = str_of("path");
    let archive = r["archive"]
        .as_str()
        .filter(|a| path.starts_with(a))
        .map(str::len);
    let bytes = r["byte_offset"]
        .as_u64()
        .map(|b| (b as usize, b as usize + secret.len()));
    Finding {
        archive,
        bytes,
        parts: Vec::new(),
        rule_id: str_of("rule_id"),
        description: str_of("description"),
        severity: serde_json::from_value(r["severity"].clone()).unwrap_or_default(),
        tags: r["tags"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
        path,
        line: num("line"),
        column: num("column"),
        end_column: num("end_column"),
        secret,
        fingerprint: str_of("fingerprint"),
        group: str_of("group"),
        // Records written before findings had a confidence read as the default, medium.
        confidence: serde_json::from_value(r["confidence"].clone()).unwrap_or_default(),
        context: (r["context"] == "test").then_some(ferret_engine::Context::Test),
        // Not in the record, and only a commit gate reads it.
        rule_confidence: serde_json::from_value(r["confidence"].clone()).unwrap_or_default(),
        offset: at.unwrap_or((0, 0)),
        line_text,
        commit: r["commit"].as_str().map(|c| CommitInfo {
            commit: c.to_string(),
            author: str_of("author"),
            email: str_of("email"),
            date: str_of("date"),
            message: str_of("message"),
        }),
        decoded: r["decoded"].as_str().map(String::from),
        checksum_failed: r["checksum"] == "failed",
        verification: r.get("verification").and_then(verification_from),
    }
}

fn verification_from(v: &Value) -> Option<Verification> {
    let status = match v["status"].as_str()? {
        "verified" => VStatus::Verified,
        "invalid" => VStatus::Invalid,
        _ => VStatus::Unknown,
    };
    let list = |k: &str| {
        v[k].as_array().map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
    };
    Some(Verification {
        status,
        reason: v["reason"].as_str().map(String::from),
        http_status: v["http_status"].as_u64().map(|n| n as u16),
        scopes: list("scopes"),
        write_scopes: list("write_scopes"),
        identity: v["identity"]
            .as_object()
            .map(|o| o.iter().map(|(k, x)| (k.clone(), x.clone())).collect())
            .unwrap_or_default(),
    })
}
