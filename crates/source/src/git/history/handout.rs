//! Step 3 of the history audit, first half: handing each distinct blob out once, while
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
use super::super::packorder::PackIndexes;
use super::super::workers::Feeder;
use super::ids::{OidHash, PathTable, RawId};
use crate::Scanner;
use git2::{Oid, Repository};
use std::collections::HashMap;

/// Blobs per chunk handed to one worker: small enough that the workers finish within a
/// few milliseconds of each other, large enough to keep neighbouring objects together.
pub(super) const CHUNK: usize = 128;
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

    /// Whether the walk found this blob (at any path, scanned or not).
    pub fn knows(&self, blob: &RawId) -> bool {
        self.state.contains_key(blob)
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
