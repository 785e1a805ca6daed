//! Step 3 of the history audit (see history.rs): scanning each distinct blob once, while
//! the tree walk is still finding more.
//!
//! The walk goes through commits oldest first, so the first commit to hold a (blob, path)
//! pair is known as soon as that commit is walked. A blob is scanned at its first path
//! (the lowest path id among those of its oldest commit, paths the global allowlist skips
//! left out), and its findings are repeated at every other path it is seen under. Blobs
//! found since the last hand-out wait in `Discovered`; whenever the workers run short of
//! work, all of them are sorted by pack position and handed out in chunks, so that the
//! workers read neighbouring objects (the delta-base cache stays warm) and the last batch,
//! by far the largest, is read in pack order as a whole. Paths a blob turns up under after
//! it was handed out are kept in a late list and scanned at the end, in pack order again.
use super::history::{CommitNode, OidHash, PathTable, RawId};
use super::packorder::PackIndexes;
use super::progress::Progress;
use super::workers::{self, Feeder, Worker};
use super::{read_blob, scan_blob, Blob};
use crate::{content, Scanner};
use ferret_engine::finding::{fingerprint, Finding};
use ferret_engine::{Sink, Target};
use git2::{Oid, Repository};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

/// Blobs per chunk handed to one worker: small enough that the workers finish within a
/// few milliseconds of each other, large enough to keep neighbouring objects together.
const CHUNK: usize = 128;
/// Fewer blobs than this are not worth a hand-out while the walk runs: the sort by pack
/// position is what keeps reading cheap.
const MIN_BATCH: usize = 1024;

/// One blob to scan, at the paths (and with the commits) it was first seen under, oldest
/// and lowest path id first; the global allowlist's paths are left out.
pub struct Job {
    pub blob: Oid,
    pub shown: Vec<(String, u32)>,
}

enum State {
    /// Seen only at paths the global allowlist skips.
    Hidden,
    /// Waiting for a hand-out, with its occurrences (path id, commit).
    Pending(Vec<(u32, u32)>),
    /// Handed out.
    Sent,
}

/// Every blob the walk has found, and what became of it.
pub struct Discovered {
    state: HashMap<RawId, State, OidHash>,
    /// Blobs in `State::Pending`, in the order found.
    pending: Vec<RawId>,
    /// Per path id: unknown (0), scanned (1), skipped by the global allowlist (2).
    ignored: Vec<u8>,
    /// Paths (and commits) found for blobs already handed out.
    late: Vec<(RawId, u32, u32)>,
    packs: PackIndexes,
}

impl Discovered {
    pub fn new(repo: &Repository) -> Self {
        Discovered {
            state: HashMap::default(),
            pending: Vec::new(),
            ignored: Vec::new(),
            late: Vec::new(),
            packs: PackIndexes::load(&repo.commondir().join("objects")),
        }
    }

    /// Distinct blobs found.
    pub fn blobs(&self) -> usize {
        self.state.len()
    }

    /// Blobs never seen outside the global allowlist's paths.
    pub fn hidden(&self) -> usize {
        self.state
            .values()
            .filter(|s| matches!(s, State::Hidden))
            .count()
    }

    /// Records the pairs commit number `commit` was the first to hold.
    pub fn add(
        &mut self,
        scanner: &Scanner<'_>,
        paths: &PathTable,
        found: &[(RawId, u32)],
        commit: u32,
    ) {
        for &(blob, path) in found {
            let p = path as usize;
            if self.ignored.len() <= p {
                self.ignored.resize(p + 1, 0);
            }
            if self.ignored[p] == 0 {
                self.ignored[p] = 1 + u8::from(scanner.engine.path_ignored(&paths.display(path)));
            }
            let hidden = self.ignored[p] == 2;
            let state = self.state.entry(blob).or_insert(State::Hidden);
            if hidden {
                continue;
            }
            match state {
                State::Hidden => {
                    *state = State::Pending(vec![(path, commit)]);
                    self.pending.push(blob);
                }
                State::Pending(occ) => occ.push((path, commit)),
                State::Sent => self.late.push((blob, path, commit)),
            }
        }
    }

    /// Whether a hand-out now is worth it: the workers are about to run dry.
    pub fn due(&self, feeder: &Feeder<'_, Job>, threads: usize) -> bool {
        self.pending.len() >= MIN_BATCH && feeder.backlog() <= threads
    }

    /// Hands every pending blob out, in pack order.
    pub fn send(&mut self, paths: &PathTable, feeder: &mut Feeder<'_, Job>) {
        let mut ids = std::mem::take(&mut self.pending);
        ids.sort_unstable();
        let oids: Vec<Oid> = ids
            .iter()
            .filter_map(|raw| Oid::from_bytes(raw).ok())
            .collect();
        let keys = self.packs.keys(&oids);
        let mut jobs: Vec<(u64, Job)> = Vec::with_capacity(ids.len());
        for ((raw, blob), key) in ids.iter().zip(oids).zip(keys) {
            let Some(state) = self.state.get_mut(raw) else {
                continue;
            };
            let State::Pending(mut occ) = std::mem::replace(state, State::Sent) else {
                continue;
            };
            occ.sort_unstable_by_key(|&(path, commit)| (commit, path));
            let shown = occ
                .into_iter()
                .map(|(p, c)| (paths.display(p), c))
                .collect();
            jobs.push((key, Job { blob, shown }));
        }
        jobs.sort_by_key(|(key, _)| *key);
        let mut jobs = jobs.into_iter().map(|(_, j)| j).peekable();
        while jobs.peek().is_some() {
            feeder.send(jobs.by_ref().take(CHUNK).collect());
        }
    }

    /// The late paths, grouped by blob (oldest first within one), in pack order.
    pub fn late(&mut self, paths: &PathTable) -> Vec<Job> {
        let mut late = std::mem::take(&mut self.late);
        late.sort_unstable_by_key(|&(blob, path, commit)| (blob, commit, path));
        let mut jobs: Vec<Job> = Vec::new();
        let mut last = None;
        for (raw, path, commit) in late {
            if last != Some(raw) {
                last = Some(raw);
                let Ok(blob) = Oid::from_bytes(&raw) else {
                    continue;
                };
                jobs.push(Job {
                    blob,
                    shown: Vec::new(),
                });
            }
            if let Some(j) = jobs.last_mut() {
                j.shown.push((paths.display(path), commit));
            }
        }
        let oids: Vec<Oid> = jobs.iter().map(|j| j.blob).collect();
        let keys = self.packs.keys(&oids);
        let mut keyed: Vec<(u64, Job)> = keys.into_iter().zip(jobs).collect();
        keyed.sort_by_key(|(key, _)| *key);
        keyed.into_iter().map(|(_, j)| j).collect()
    }
}

/// Rules limited to some paths, or with allowlists of paths or commits, may keep a finding
/// at one path (or commit) and drop it at another: then a blob seen at several paths is
/// matched once per path.
pub fn per_path(scanner: &Scanner<'_>) -> bool {
    let depends = |a: &ferret_rules::Allowlist| !a.paths.is_empty() || !a.commits.is_empty();
    scanner
        .engine
        .rules()
        .any(|r| r.path.is_some() || depends(&r.allowlist) || r.allowlists.iter().any(depends))
}

/// What the scan of the blobs collects.
pub struct Scanned {
    /// Findings with the audit-order index of the commit that introduced them.
    pub found: Mutex<Vec<(u32, Finding)>>,
    /// A blob's findings at its first path, for paths found late (when they are repeated
    /// rather than matched again).
    first: Mutex<HashMap<Oid, Vec<Finding>>>,
    per_path: bool,
}

impl Scanned {
    pub fn new(scanner: &Scanner<'_>) -> Self {
        Scanned {
            found: Mutex::new(Vec::new()),
            first: Mutex::new(HashMap::new()),
            per_path: per_path(scanner),
        }
    }

    fn keep(&self, mut mine: Vec<(u32, Finding)>) {
        if !mine.is_empty() {
            self.found
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .append(&mut mine);
        }
    }

    /// Reads and scans one blob at its first path, then repeats (or redoes) that at the
    /// others.
    pub fn scan(
        &self,
        scanner: &Scanner<'_>,
        commits: &[CommitNode],
        progress: &Progress,
        w: &mut Worker,
        job: Job,
    ) {
        let Some((first, first_commit)) = job.shown.first() else {
            return;
        };
        w.ready(scanner);
        let Ok(odb) = w.repo.odb() else { return };
        let commit = commits[*first_commit as usize].id.to_string();
        let blob = job.blob.to_string();
        let target = Target::path(first)
            .in_commit(Some(&commit))
            .blob(Some(&blob));
        let sink = &mut w.sink;
        let data = scan_blob(scanner, &w.repo, &odb, job.blob, &target, sink);
        let out = std::mem::take(&mut sink.findings);
        progress.blob(data.as_ref().map_or(0, |d| d.len() as u64));
        let mut mine: Vec<(u32, Finding)> =
            out.iter().map(|f| (*first_commit, f.clone())).collect();
        if data.is_some() && !self.per_path && !out.is_empty() {
            self.first
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(job.blob, out.clone());
        }
        self.again(
            scanner,
            commits,
            sink,
            data.as_deref(),
            &out,
            &job.shown[1..],
            &mut mine,
        );
        scanner.keep_drops(sink);
        self.keep(mine);
    }

    /// Scans a blob at the paths found after it was handed out.
    pub fn scan_late(
        &self,
        scanner: &Scanner<'_>,
        commits: &[CommitNode],
        w: &mut Worker,
        job: Job,
    ) {
        let mut mine = Vec::new();
        if self.per_path {
            // The blob was read before: a failure or size limit was reported then.
            w.ready(scanner);
            let Ok(odb) = w.repo.odb() else { return };
            let Ok(Blob::Data(data)) = read_blob(&odb, job.blob, scanner.options.max_file_size)
            else {
                return;
            };
            let sink = &mut w.sink;
            self.again(
                scanner,
                commits,
                sink,
                Some(&data),
                &[],
                &job.shown,
                &mut mine,
            );
            scanner.keep_drops(sink);
        } else {
            let first = self.first.lock().unwrap_or_else(|p| p.into_inner());
            let Some(out) = first.get(&job.blob) else {
                return;
            };
            let out = out.clone();
            drop(first);
            self.again(
                scanner,
                commits,
                &mut w.ready(scanner).sink,
                None,
                &out,
                &job.shown,
                &mut mine,
            );
        }
        self.keep(mine);
    }

    /// The findings of a blob at more paths: matched again when rules depend on the path,
    /// otherwise those at its first path (`out`) moved over.
    #[allow(clippy::too_many_arguments)]
    fn again(
        &self,
        scanner: &Scanner<'_>,
        commits: &[CommitNode],
        sink: &mut Sink,
        data: Option<&[u8]>,
        out: &[Finding],
        more: &[(String, u32)],
        mine: &mut Vec<(u32, Finding)>,
    ) {
        if more.is_empty() {
            return;
        }
        match (self.per_path, data) {
            (true, Some(raw)) => {
                let text = content::decode(raw, scanner.options.scan_binary);
                for (path, commit) in more {
                    let id = commits[*commit as usize].id.to_string();
                    let target = Target::path(path).in_commit(Some(&id));
                    match &text {
                        content::Decoded::Text(text) => scanner.engine.scan(&target, text, sink),
                        content::Decoded::Binary => {
                            scanner.engine.scan_path_rules(&target, raw, sink)
                        }
                    }
                    mine.extend(sink.findings.drain(..).map(|f| (*commit, f)));
                }
            }
            _ => {
                for (path, commit) in more {
                    mine.extend(out.iter().map(|f| {
                        let mut f = f.clone();
                        f.fingerprint = fingerprint(&f.rule_id, &f.secret, path);
                        f.path = path.clone();
                        (*commit, f)
                    }));
                }
            }
        }
    }
}

/// Runs `jobs` (late paths) on `threads` workers, a chunk at a time.
pub fn run_late(
    repo: &Repository,
    threads: usize,
    jobs: Vec<Job>,
    f: &(dyn Fn(&mut Worker, Job) + Sync),
    failed: &(dyn Fn(&Job, &git2::Error) + Sync),
) {
    if jobs.is_empty() {
        return;
    }
    std::thread::scope(|s| {
        let mut feeder = workers::feed(s, repo.path(), threads, threads, f, failed);
        let mut jobs = jobs.into_iter().peekable();
        while jobs.peek().is_some() {
            feeder.send(jobs.by_ref().take(CHUNK / 4).collect());
        }
    });
}

/// Counts blobs skipped because all their paths are allowlisted.
pub fn count_hidden(scanner: &Scanner<'_>, discovered: &Discovered) {
    scanner
        .stats
        .skipped_allowlisted
        .fetch_add(discovered.hidden() as u64, Ordering::Relaxed);
}
