//! The whole-history audit: every blob reachable from the refs, scanned once.
//!
//! 1. The commit graph is loaded from the tips (branches, tags, remote-tracking refs and
//!    HEAD, or one `--branch`) and ordered oldest first: parents before children, older
//!    author dates first among commits that do not depend on each other.
//! 2. Each commit's tree is walked in that order, keeping only what is new: a subtree whose
//!    id was already seen at the same path is skipped whole, and entries equal to the last
//!    version of the same directory are skipped without a lookup. What is left is the first
//!    commit to hold each (blob, path) pair. The "already seen" sets of (tree, path) and
//!    (blob, path) pairs are bounded caches that forget the pairs unused for longest
//!    (`ids::Recent`): forgetting costs work, never a finding, so memory does not grow with
//!    the length of the history beyond the commits (48 bytes each) and the distinct blobs
//!    (about 29 bytes each), never diffs or blob contents.
//! 3. The distinct blobs are scanned in parallel, each exactly once, while the walk goes on
//!    (handout.rs: batches in pack order, handed out whenever the workers run short); a
//!    blob's findings are reported at every path it was first seen under, with the commit
//!    that introduced it there. A secret that stays in a file while the rest of the file
//!    changes is reported once, at the commit that added it.
//!
//! An audit can build on an earlier one of the same rules ([`Since`]): it walks only the
//! commits the earlier one's tips do not reach and does not read the blobs it found
//! clean; [`Covered`] is what the next one builds on.
//!
//! The modules, one step each: [`commits`] (the graph, in audit order), [`trees`] (the
//! tree walk), [`ids`] (the tables the walk keys everything by), [`handout`] (blobs to
//! workers in pack order), [`scanned`] (scanning each blob once, and the paths found
//! after it was handed out); and [`extra`], what `--all-objects` adds (stashes, notes,
//! commit messages, unreachable objects).
mod commits;
pub mod extra;
mod handout;
mod ids;
mod scanned;
mod trees;

use super::progress::Progress;
use super::{git_error, note_shallow, note_submodules, plural, workers, GitOptions, GitOutcome};
use crate::{Result, Scanner};
use commits::{ordered_commits, tips, Commits};
use ferret_engine::finding::Finding;
use git2::{Oid, Repository};
use handout::{Discovered, Job};
pub use ids::BlobSet;
use scanned::Scanned;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use trees::TreeWalk;

/// An earlier audit of the same repository with the same rules and read settings: an
/// incremental audit walks only the commits it did not reach and reads only the blobs it
/// did not find clean.
#[derive(Debug, Clone, Default)]
pub struct Since {
    /// The commits that audit started from.
    pub tips: Vec<Oid>,
    /// The blobs it read and found nothing in.
    pub clean: BlobSet,
}

/// What an audit covered: what the next incremental one starts from, and the counts the
/// org audit's coverage records hold.
#[derive(Debug, Clone, Default)]
pub struct Covered {
    /// The commits the audit started from.
    pub tips: Vec<Oid>,
    /// Blobs known clean: found clean now or by the earlier audit (when recorded).
    pub clean: BlobSet,
    /// Whether `clean` was recorded (not when rules depend on paths).
    pub recorded: bool,
    /// Whether an earlier audit was built on.
    pub incremental: bool,
    /// Commits walked.
    pub commits: u64,
    /// Distinct blobs found in the commits walked.
    pub blobs: u64,
    /// Of those, blobs not read because the earlier audit found them clean.
    pub blobs_known: u64,
}

/// A whole-history audit (`ferret git`).
pub fn scan(
    scanner: &Scanner<'_>,
    repo: &Repository,
    branch: Option<&str>,
    opts: &GitOptions,
) -> Result<GitOutcome> {
    audit(scanner, repo, branch, opts, None, false).map(|(outcome, _)| outcome)
}

/// A history audit that can build on an earlier one (`since`) and, with `record`, keeps
/// the blobs it found clean for the next one.
pub fn audit(
    scanner: &Scanner<'_>,
    repo: &Repository,
    branch: Option<&str>,
    opts: &GitOptions,
    since: Option<&Since>,
    record: bool,
) -> Result<(GitOutcome, Covered)> {
    let mut tips = tips(scanner, repo, branch)?;
    let extra = opts
        .all_objects
        .then(|| extra::Extra::find(scanner, repo, opts.unreachable));
    if let Some(extra) = &extra {
        tips.extend_from_slice(&extra.tips);
        tips.sort_unstable();
        tips.dedup();
    }
    note_shallow(scanner, repo);
    let progress = Progress::new(opts.progress);
    let only = match since {
        Some(s) => Some(commits::new_commits(repo, &tips, &s.tips)?),
        None => None,
    };
    let commits = ordered_commits(scanner, repo, &tips, only.as_ref());
    drop(only);
    let odb = repo.odb().map_err(|e| {
        git_error(
            repo,
            format!("cannot open the object database: {}", e.message()),
        )
    })?;
    let threads = match scanner.options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let mut scanned = Scanned::new(scanner, record);
    let known = since.filter(|_| scanned.records()).map(|s| &s.clean);
    let name = super::repo_name(repo);
    let scan = |w: &mut workers::Worker, job: Job| {
        scanned.scan(scanner, &commits, &progress, w, job);
    };
    let scan_late = |w: &mut workers::Worker, job: Job| {
        scanned.scan_late(scanner, &commits, w, job);
    };
    let failed = |_: &Job, e: &git2::Error| {
        scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
        scanner.diagnostics.error(crate::Error::Git {
            repo: name.clone(),
            message: format!("cannot open the repository in a worker: {}", e.message()),
        });
    };
    let mut discovered = Discovered::new(repo, known);
    // The walk runs on this thread while the workers scan what it has found so far: one
    // core fewer of them until it is done.
    let walk = std::thread::scope(|s| {
        let early = threads.saturating_sub(1);
        let mut feeder = workers::feed(s, repo.path(), threads, early, &scan, &failed);
        let mut walk = TreeWalk::new(repo, &odb);
        for i in 0..commits.len() {
            walk.commit(scanner, &commits.get(i));
            discovered.add(scanner, &walk.paths, &walk.found, i as u32);
            if discovered.due(&feeder, threads) {
                discovered.send(&walk.paths, &mut feeder, false);
            }
            progress.commit(discovered.blobs());
        }
        feeder.open();
        progress.start_scan(
            (discovered.blobs() - discovered.hidden() - discovered.skipped_known) as u64,
        );
        // What the walk kept to skip work is not needed any more: its memory goes to the
        // scan.
        walk.forget();
        discovered.send(&walk.paths, &mut feeder, true);
        walk
    });
    let late = discovered.late(&walk.paths);
    scanned::run_late(repo, threads, late, &scan_late, &failed);
    progress.finish();
    scanned::count_hidden(scanner, &discovered);
    let blobs = discovered.blobs();
    let known_blobs = discovered.skipped_known;
    // Stashes, notes, commit messages and unreachable objects (`--all-objects`): after the
    // walk, because the blobs it found are not read twice.
    let extra_findings = extra
        .as_ref()
        .map(|extra| extra.scan(scanner, repo, &commits, &discovered));
    drop(discovered);
    let gitlinks: Vec<String> = walk
        .gitlinks
        .iter()
        .map(|&p| walk.paths.display(p))
        .collect();
    note_submodules(scanner, &gitlinks);
    drop(walk);
    let recorded = scanned.records();
    let clean = match (recorded, since) {
        (false, _) => BlobSet::default(),
        (true, Some(s)) => s.clean.union(scanned.clean()),
        (true, None) => BlobSet::from_ids(scanned.clean()),
    };
    let found = scanned
        .found
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());

    let mut findings = attribute(repo, scanner, found, &commits);
    let mut scope = format!(
        "{}, {}",
        plural(commits.len() as u64, "commit"),
        plural(blobs as u64, "blob")
    );
    if let Some(extra_findings) = extra_findings {
        findings.extend(extra_findings);
        scope.push_str(", stashes, notes, commit messages and unreachable objects");
    }
    if since.is_some() {
        scope = format!(
            "{scope} new since the last audit ({} of them scanned clean before)",
            known_blobs
        );
    }
    let covered = Covered {
        tips,
        clean,
        recorded,
        incremental: since.is_some(),
        commits: commits.len() as u64,
        blobs: blobs as u64,
        blobs_known: known_blobs as u64,
    };
    Ok((
        GitOutcome {
            findings,
            scope,
            checked: None,
        },
        covered,
    ))
}

/// Keeps, for each fingerprint (rule, secret, path), the findings of the oldest commit
/// that introduced it, and fills in that commit.
fn attribute(
    repo: &Repository,
    scanner: &Scanner<'_>,
    mut found: Vec<(u32, Finding)>,
    commits: &Commits,
) -> Vec<Finding> {
    let mut oldest: HashMap<&str, u32> = HashMap::new();
    for (c, f) in &found {
        let e = oldest.entry(f.fingerprint.as_str()).or_insert(*c);
        *e = (*e).min(*c);
    }
    let keep: Vec<bool> = found
        .iter()
        .map(|(c, f)| oldest.get(f.fingerprint.as_str()) == Some(c))
        .collect();
    drop(oldest);
    let mut keep = keep.into_iter();
    found.retain(|_| keep.next().unwrap_or(false));
    let mut infos = HashMap::new();
    found
        .into_iter()
        .map(|(c, mut f)| {
            let info = infos.entry(c).or_insert_with(|| {
                let id = commits.id(c);
                match repo.find_commit(id) {
                    Ok(commit) => Some(super::commit_info(&commit)),
                    Err(e) => {
                        scanner
                            .diagnostics
                            .error(git_error(repo, format!("commit {id}: {}", e.message())));
                        None
                    }
                }
            });
            f.commit = info.clone();
            f
        })
        .collect()
}
