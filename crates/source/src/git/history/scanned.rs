//! Step 3 of the history audit, second half: each handed-out blob read and scanned once at
//! its first path, its findings repeated (or, when rules depend on the path, matched again)
//! at its other paths; paths found after a blob was handed out are scanned at the end.
use super::super::progress::Progress;
use super::super::workers::{self, Worker};
use super::super::{git_error, read_blob, Blob};
use super::commits::Commits;
use super::handout::{Discovered, Job, CHUNK};
use crate::Scanner;
use ferret_engine::finding::{fingerprint, Finding};
use ferret_engine::{Sink, Target};
use git2::{Oid, Repository};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

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
    /// Blobs read (or skipped for their size) that held nothing, when the audit records
    /// them for the next one.
    clean: Option<Mutex<Vec<[u8; 20]>>>,
}

impl Scanned {
    /// With `record`, the blobs found clean are kept (see [`Scanned::clean`]); never
    /// when rules depend on the path, where clean at one path says nothing of another.
    pub fn new(scanner: &Scanner<'_>, record: bool) -> Self {
        let per_path = per_path(scanner);
        Scanned {
            found: Mutex::new(Vec::new()),
            first: Mutex::new(HashMap::new()),
            per_path,
            clean: (record && !per_path).then(|| Mutex::new(Vec::new())),
        }
    }

    /// Whether blobs found clean are recorded.
    pub fn records(&self) -> bool {
        self.clean.is_some()
    }

    /// The blobs found clean: read whole (or skipped as larger than the size limit, which
    /// the next audit with the same settings would skip too) with no finding at their
    /// first path, hence none at any path.
    pub fn clean(&mut self) -> Vec<[u8; 20]> {
        self.clean
            .as_mut()
            .map(|m| std::mem::take(m.get_mut().unwrap_or_else(|p| p.into_inner())))
            .unwrap_or_default()
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
        commits: &Commits,
        progress: &Progress,
        w: &mut Worker,
        job: Job,
    ) {
        let Some((first, first_commit)) = job.shown.first() else {
            return;
        };
        w.ready(scanner);
        let Ok(odb) = w.repo.odb() else { return };
        let commit = commits.id(*first_commit).to_string();
        let blob = job.blob.to_string();
        let target = Target::path(first)
            .in_commit(Some(&commit))
            .blob(Some(&blob));
        let sink = &mut w.sink;
        let (data, decided) = match read_blob(&odb, job.blob, scanner.options.max_file_size) {
            Ok(Blob::Data(data)) => {
                scanner.scan_bytes(&target, &data, sink);
                (Some(data), true)
            }
            Ok(Blob::TooLarge) => {
                scanner.skipped_large(&format!("{first} (blob {})", job.blob));
                (None, true)
            }
            Err(e) => {
                scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
                scanner.diagnostics.error(git_error(
                    &w.repo,
                    format!("{first}: cannot read blob {}: {}", job.blob, e.message()),
                ));
                (None, false)
            }
        };
        let out = std::mem::take(&mut sink.findings);
        progress.blob(data.as_ref().map_or(0, |d| d.len() as u64));
        if let (Some(clean), true, true) = (&self.clean, decided, out.is_empty()) {
            let mut raw = [0u8; 20];
            raw.copy_from_slice(job.blob.as_bytes());
            clean.lock().unwrap_or_else(|p| p.into_inner()).push(raw);
        }
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
    pub fn scan_late(&self, scanner: &Scanner<'_>, commits: &Commits, w: &mut Worker, job: Job) {
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
        commits: &Commits,
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
                for (path, commit) in more {
                    let id = commits.id(*commit).to_string();
                    let target = Target::path(path).in_commit(Some(&id));
                    scanner.scan_content(&target, raw, sink);
                    mine.extend(sink.findings.drain(..).map(|f| (*commit, f)));
                }
            }
            _ => {
                for (path, commit) in more {
                    mine.extend(out.iter().map(|f| {
                        let mut f = f.clone();
                        // A member of an archive keeps its place inside the archive.
                        f.path = match f.archive {
                            Some(n) => {
                                f.archive = Some(path.len());
                                format!("{path}{}", f.path.get(n..).unwrap_or_default())
                            }
                            None => path.clone(),
                        };
                        f.fingerprint = fingerprint(&f.rule_id, &f.tags, &f.secret, &f.path);
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
