//! `ferret org scan`: one shard audits its repositories one after another, each with every
//! thread, and writes each one's findings and coverage record as soon as it is done.
//!
//! - **Resume.** The shard's marker says which run is in progress; a rerun of the same
//!   plan after a kill continues that run and skips the repositories it already audited
//!   (those whose coverage record names the run), retrying only ones that failed.
//! - **Incremental.** A new run builds on the last complete audit of each repository with
//!   the same rules, read settings and org key (kept in DIR/state): only commits that
//!   audit's tips do not reach are walked, only blobs it did not find clean are read, and
//!   its findings are carried over. The coverage record and the shard's output say so.
//! - **Bad input.** A bad REPOS line, a failed clone or fetch, a repository that cannot be
//!   opened or has no commits gets a `failed` record; unreadable objects make it
//!   `partial`. The shard goes on and its exit status says so at the end.
//! - **Verification** runs here, once per distinct (rule, secret) for the whole shard.
use crate::key::OrgKey;
use crate::plan::{Plan, PlannedRepo};
use crate::state::{
    Coverage, Dir, Incremental, RefRecord, RepoState, ShardRun, Status, COVERAGE_VERSION,
};
use crate::{Error, Result};
use ferret_engine::finding::{Finding, Verification};
use ferret_engine::Engine;
use ferret_report::{finding_json, Catalog};
use ferret_source::git::history::{self, Since};
use ferret_source::git::{remote, GitMode, GitOptions};
use ferret_source::{ReadOptions, Scanner};
use git2::Oid;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

/// A testing hook: with this set to N, the shard kills itself (SIGKILL) once it has
/// audited N repositories, exactly as a preempted pod or runner would be killed.
pub const KILL_AFTER_ENV: &str = "FERRET_ORG_TEST_KILL_AFTER";

/// How one shard runs.
pub struct ShardSettings {
    pub shard: usize,
    pub out: PathBuf,
    pub cache_dir: PathBuf,
    /// Identifies the rules and read settings: state from other rules is not built on.
    pub rules_hash: String,
    pub show_secrets: bool,
    /// Verification settings when `--verify` is on.
    pub verify: Option<ferret_verify::VerifySettings>,
}

/// What a shard did.
#[derive(Debug, Default)]
pub struct ShardOutcome {
    pub run: String,
    pub resumed: bool,
    pub audited: usize,
    /// Repositories skipped because this run had already audited them (resume).
    pub already_done: usize,
    pub complete: usize,
    pub partial: usize,
    pub failed: usize,
    pub findings: u64,
}

impl ShardOutcome {
    /// Whether every repository of the shard was fully scanned.
    pub fn all_complete(&self) -> bool {
        self.partial == 0 && self.failed == 0
    }
}

/// Runs shard `s.shard` of `plan`; `say` hears one line per repository (for stderr).
pub fn run(
    engine: &Engine,
    read: &ReadOptions,
    plan: &Plan,
    key: &OrgKey,
    s: &ShardSettings,
    say: &mut dyn FnMut(String),
) -> Result<ShardOutcome> {
    let dir = Dir::new(&s.out);
    std::fs::create_dir_all(&s.out).map_err(|e| Error::io(&s.out, e))?;
    let shard_name = format!("{}/{}", s.shard, plan.shards);
    let previous = dir.read_marker(s.shard, plan.shards);
    let (run, resumed) = match previous {
        Some(m) if m.plan == plan.id && m.state == "running" => (m.run, true),
        _ => (crate::random_hex(8)?, false),
    };
    let mut marker = ShardRun {
        plan: plan.id.clone(),
        shard: shard_name.clone(),
        run: run.clone(),
        state: "running".into(),
        started: crate::now_rfc3339(),
        finished: None,
    };
    dir.write_marker(s.shard, plan.shards, &marker)?;
    if !resumed {
        prune(&dir, plan, s.shard);
    }
    let kill_after: Option<usize> = std::env::var(KILL_AFTER_ENV)
        .ok()
        .and_then(|v| v.parse().ok());
    let mut out = ShardOutcome {
        run: run.clone(),
        resumed,
        ..ShardOutcome::default()
    };
    let mut ctx = Context {
        engine,
        read,
        plan,
        key,
        s,
        dir: &dir,
        run: &run,
        shard_name: &shard_name,
        catalog: Catalog::new(engine.rules(), &[]),
        verified: HashMap::new(),
    };
    for repo in plan.shard(s.shard) {
        let slug = slug_for(repo);
        if resumed {
            if let Some(c) = dir.read_coverage(&slug) {
                if c.run == run && c.status != Status::Failed {
                    out.already_done += 1;
                    count(&mut out, &c);
                    say(format!(
                        "{}: audited earlier in this run ({}); skipped",
                        c.repo,
                        c.status.as_str()
                    ));
                    continue;
                }
            }
        }
        let c = ctx.audit(repo, &slug);
        say(summary(&c));
        dir.write_coverage(&c)?;
        out.audited += 1;
        count(&mut out, &c);
        if kill_after == Some(out.audited) {
            kill_self();
        }
    }
    marker.state = "done".into();
    marker.finished = Some(crate::now_rfc3339());
    dir.write_marker(s.shard, plan.shards, &marker)?;
    Ok(out)
}

/// Removes the records of repositories this shard no longer has (a new plan moved them to
/// another shard, or they left the organisation), so its directory never reports them
/// twice or stale. Their state stays: it is used if they come back.
fn prune(dir: &Dir, plan: &Plan, shard: usize) {
    let mine: HashSet<String> = plan.shard(shard).map(slug_for).collect();
    let Ok(records) = dir.coverages() else {
        return;
    };
    for (path, c) in records {
        if !mine.contains(&c.slug) {
            let _ = std::fs::remove_file(dir.findings(&c.slug));
            let _ = std::fs::remove_file(path);
        }
    }
}

fn count(out: &mut ShardOutcome, c: &Coverage) {
    match c.status {
        Status::Complete => out.complete += 1,
        Status::Partial => out.partial += 1,
        Status::Failed => out.failed += 1,
    }
    out.findings += c.findings;
}

#[cfg(unix)]
fn kill_self() {
    // SAFETY: sends a signal to this very process; no memory is touched.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill_self() {
    std::process::exit(137);
}

/// The file-name key of a planned repository.
pub fn slug_for(repo: &PlannedRepo) -> String {
    if repo.url.is_empty() {
        // A bad REPOS line: named after its line.
        return remote::slug(&repo.name);
    }
    remote::slug(&repo.url)
}

/// One line about a repository's audit.
fn summary(c: &Coverage) -> String {
    let mut s = format!("{}: {}", c.repo, c.status.as_str());
    if c.status != Status::Failed {
        s.push_str(&format!(
            ", {} commit{}, {} blob{} scanned",
            c.commits_scanned,
            if c.commits_scanned == 1 { "" } else { "s" },
            c.blobs_scanned,
            if c.blobs_scanned == 1 { "" } else { "s" }
        ));
        if let Some(i) = &c.incremental {
            s.push_str(&format!(
                " (incremental: only what is new since run {}; {} blob{} known clean, {} finding{} carried over)",
                i.since_run,
                i.blobs_known_clean,
                if i.blobs_known_clean == 1 { "" } else { "s" },
                i.findings_carried,
                if i.findings_carried == 1 { "" } else { "s" }
            ));
        }
        s.push_str(&format!(
            ", {} finding{}",
            c.findings,
            if c.findings == 1 { "" } else { "s" }
        ));
    }
    if let Some(e) = c.errors.first() {
        s.push_str(&format!(": {e}"));
        if c.errors.len() > 1 {
            s.push_str(&format!(" (and {} more)", c.errors.len() - 1));
        }
    }
    s
}

struct Context<'a> {
    engine: &'a Engine,
    read: &'a ReadOptions,
    plan: &'a Plan,
    key: &'a OrgKey,
    s: &'a ShardSettings,
    dir: &'a Dir,
    run: &'a str,
    shard_name: &'a str,
    catalog: Catalog<'a>,
    /// (rule, secret) → result: each distinct secret is checked once per shard.
    verified: HashMap<(String, String), Verification>,
}

impl Context<'_> {
    fn audit(&mut self, repo: &PlannedRepo, slug: &str) -> Coverage {
        let started = crate::now_rfc3339();
        let t0 = Instant::now();
        let mut c = Coverage {
            version: COVERAGE_VERSION,
            repo: repo.name.clone(),
            url: repo.url.clone(),
            slug: slug.to_string(),
            shard: self.shard_name.to_string(),
            plan: self.plan.id.clone(),
            run: self.run.to_string(),
            status: Status::Failed,
            errors: Vec::new(),
            refs: Vec::new(),
            commits_scanned: 0,
            blobs: 0,
            blobs_scanned: 0,
            bytes_scanned: 0,
            incremental: None,
            findings: 0,
            rules_hash: self.s.rules_hash.clone(),
            key_id: self.key.id(),
            ferret_version: env!("CARGO_PKG_VERSION").to_string(),
            started,
            finished: String::new(),
            elapsed_ms: 0,
        };
        if let Err(e) = self.audit_into(repo, slug, &mut c) {
            c.status = Status::Failed;
            c.errors.insert(0, remote::redact_text(&e.to_string()));
        }
        c.finished = crate::now_rfc3339();
        c.elapsed_ms = t0.elapsed().as_millis() as u64;
        c
    }

    fn audit_into(&mut self, planned: &PlannedRepo, slug: &str, c: &mut Coverage) -> Result<()> {
        if let Some(e) = &planned.error {
            return Err(Error::Other(format!("bad REPOS entry: {e}")));
        }
        let path: PathBuf = if remote::is_remote(&planned.url) {
            remote::mirror(&planned.url, &self.s.cache_dir)?.path
        } else {
            PathBuf::from(&planned.url)
        };
        let repo = ferret_source::git::open(&path)?;
        c.refs = refs(&repo);
        if c.refs.is_empty() {
            return Err(Error::Other(
                "empty repository: no branches or tags, nothing to audit".into(),
            ));
        }
        let (prior_run, since) = match self
            .dir
            .read_state(slug, &self.s.rules_hash, &self.key.id())
        {
            Some((st, clean)) => (
                Some(st.run),
                Some(Since {
                    tips: st
                        .tips
                        .iter()
                        .filter_map(|t| Oid::from_str(t).ok())
                        .collect(),
                    clean,
                }),
            ),
            None => (None, None),
        };
        let scanner = Scanner::new(self.engine, self.read.clone());
        let opts = GitOptions {
            mode: GitMode::History { branch: None },
            whole_files: false,
            progress: false,
            only_paths: None,
            // Branches and tags, and what a mirror also fetches (`refs/*`): the stash ref,
            // notes, and every commit's message. Unreachable objects are left out: see
            // `GitOptions::unreachable`.
            all_objects: true,
            unreachable: false,
        };
        let (outcome, covered) =
            history::audit(&scanner, &repo, None, &opts, since.as_ref(), true)?;
        drop(since);
        let stats = scanner.stats.snapshot(std::time::Duration::ZERO);
        c.commits_scanned = covered.commits;
        c.blobs = covered.blobs;
        c.blobs_scanned = stats.files + stats.skipped_binary;
        c.bytes_scanned = stats.bytes;
        c.errors.extend(
            scanner
                .diagnostics
                .take_errors()
                .iter()
                .map(|e| remote::redact_text(&e.to_string())),
        );
        let mut findings = outcome.findings;
        ferret_report::prepare(&mut findings);
        self.verify(&mut findings)?;
        let mut records: Vec<Value> = findings.iter().map(|f| self.record(planned, f)).collect();
        if let (true, Some(since_run)) = (covered.incremental, prior_run) {
            let have: HashSet<String> = records
                .iter()
                .filter_map(|r| r["fingerprint"].as_str().map(String::from))
                .collect();
            let mut old = self.dir.read_findings(slug)?;
            old.retain(|r| r["fingerprint"].as_str().is_none_or(|f| !have.contains(f)));
            // An older record of a fingerprint wins: it names the commit that first had it.
            let old_fps: HashSet<String> = old
                .iter()
                .filter_map(|r| r["fingerprint"].as_str().map(String::from))
                .collect();
            records.retain(|r| {
                r["fingerprint"]
                    .as_str()
                    .is_none_or(|f| !old_fps.contains(f))
            });
            let carried = old.len() as u64;
            records.extend(old);
            c.incremental = Some(Incremental {
                since_run,
                blobs_known_clean: covered.blobs_known,
                findings_carried: carried,
            });
        }
        sort_records(&mut records);
        c.findings = records.len() as u64;
        self.dir.write_findings(slug, &records)?;
        c.status = if c.errors.is_empty() {
            Status::Complete
        } else {
            Status::Partial
        };
        if c.status == Status::Complete && covered.recorded {
            let state = RepoState {
                rules_hash: self.s.rules_hash.clone(),
                key_id: self.key.id(),
                run: self.run.to_string(),
                tips: covered.tips.iter().map(Oid::to_string).collect(),
                clean: covered.clean.len(),
            };
            self.dir.write_state(slug, &state, &covered.clean)?;
        } else {
            // Objects that could not be read are retried in full next time.
            self.dir.drop_state(slug);
        }
        Ok(())
    }

    /// Fills in each finding's verification, checking each (rule, secret) once per shard.
    fn verify(&mut self, findings: &mut [Finding]) -> Result<()> {
        let Some(settings) = &self.s.verify else {
            return Ok(());
        };
        let verifiable: HashSet<&str> = self
            .engine
            .rules()
            .filter(|r| r.verify.is_some())
            .map(|r| r.id.as_str())
            .collect();
        let mut todo: Vec<Finding> = Vec::new();
        let mut queued: HashSet<(String, String)> = HashSet::new();
        for f in findings.iter() {
            if !verifiable.contains(f.rule_id.as_str()) {
                continue;
            }
            let k = (f.rule_id.clone(), f.secret.clone());
            if !self.verified.contains_key(&k) && queued.insert(k) {
                todo.push(f.clone());
            }
        }
        if !todo.is_empty() {
            ferret_verify::verify_findings(self.engine.rules(), &mut todo, settings)?;
            for f in todo {
                if let Some(v) = f.verification {
                    self.verified.insert((f.rule_id, f.secret), v);
                }
            }
        }
        for f in findings.iter_mut() {
            if let Some(v) = self.verified.get(&(f.rule_id.clone(), f.secret.clone())) {
                f.verification = Some(v.clone());
                f.trust_verification();
            }
        }
        Ok(())
    }

    /// A finding as the JSONL holds it: `repo` and `secret_id` first, then the fields of
    /// `--format json` (secret redacted unless `--show-secrets`).
    fn record(&self, planned: &PlannedRepo, f: &Finding) -> Value {
        let mut m = Map::new();
        m.insert("repo".into(), Value::from(planned.name.clone()));
        let id = (!f.secret.is_empty()).then(|| self.key.secret_id(&f.secret));
        m.insert("secret_id".into(), id.map_or(Value::Null, Value::from));
        if let Value::Object(rest) = finding_json(f, self.s.show_secrets, &self.catalog) {
            m.extend(rest);
        }
        Value::Object(m)
    }
}

/// Findings in report order: path, line, column, rule, commit.
pub fn sort_records(records: &mut [Value]) {
    let key = |r: &Value| {
        (
            r["path"].as_str().unwrap_or_default().to_string(),
            r["line"].as_u64().unwrap_or(0),
            r["column"].as_u64().unwrap_or(0),
            r["rule_id"].as_str().unwrap_or_default().to_string(),
            r["commit"].as_str().unwrap_or_default().to_string(),
        )
    };
    records.sort_by_key(key);
}

/// The branches and tags of a repository (and remote-tracking refs of a local one), with
/// the commits they point to.
fn refs(repo: &git2::Repository) -> Vec<RefRecord> {
    let Ok(refs) = repo.references() else {
        return Vec::new();
    };
    let mut out: Vec<RefRecord> = refs
        .filter_map(|r| r.ok())
        .filter_map(|r| {
            let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
            if !["refs/heads/", "refs/tags/", "refs/remotes/"]
                .iter()
                .any(|p| name.starts_with(p))
            {
                return None;
            }
            let commit = r.peel_to_commit().ok()?.id().to_string();
            Some(RefRecord { name, commit })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}
