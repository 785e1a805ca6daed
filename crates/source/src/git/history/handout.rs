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
use super::ids::{BlobSet, IdIndex, PathTable, RawId};
use crate::Scanner;
use git2::{Oid, Repository};

/// Blobs per chunk handed to one worker: small enough that the workers finish within a
/// few milliseconds of each other, large enough to keep neighbouring objects together.
pub(super) const CHUNK: usize = 128;
/// Fewer blobs than this are not worth a hand-out while the walk runs: the sort by pack
/// position is what keeps reading cheap.
const MIN_BATCH: usize = 1024;
/// The most blobs queued for the workers at once. A handed-out blob is a job with its
/// paths as strings (about 110 bytes); a pending one is 12 bytes an occurrence. When the
/// walk runs ahead of the scan (a history of many small commits), handing everything out
/// queued half the blobs of a million-commit history as jobs, 50 MB; blobs past this many
/// stay pending until the workers catch up, and after the walk they go out in pack order
/// a slice at a time.
const MAX_QUEUED: usize = 1 << 15;

/// One blob to scan, at the paths (and with the commits) it was first seen under, oldest
/// and lowest path id first; the global allowlist's paths are left out.
pub struct Job {
    pub blob: Oid,
    pub shown: Vec<(String, u32)>,
}

/// A blob found at a path in a commit: (blob number, path id, commit number).
type Occurrence = (u32, u32, u32);

/// What became of a blob (one byte each).
const HIDDEN: u8 = 0; // seen only at paths the global allowlist skips
const PENDING: u8 = 1; // waiting for a hand-out, its occurrences in `occurrences`
const SENT: u8 = 2; // handed out
const KNOWN: u8 = 3; // scanned clean by an earlier audit: not read again

/// Every blob the walk has found, and what became of it. Blobs are numbered in the order
/// found and kept as 20-byte ids with a one-byte state and a 4-byte index slot, about 29
/// bytes each (a `HashMap` of ids to an enum with a vector cost 57 bytes and, past a
/// power of two, twice that).
pub struct Discovered<'k> {
    ids: Vec<RawId>,
    index: IdIndex,
    state: Vec<u8>,
    /// (blob, path id, commit) of blobs waiting for a hand-out.
    occurrences: Vec<Occurrence>,
    /// Blobs waiting for a hand-out.
    pending: usize,
    /// Per path id: unknown (0), scanned (1), skipped by the global allowlist (2).
    ignored: Vec<u8>,
    /// (blob, path id, commit) found for blobs already handed out.
    late: Vec<Occurrence>,
    packs: PackIndexes,
    /// Blobs an earlier audit scanned and found clean.
    known: Option<&'k BlobSet>,
    /// Blobs not read because `known` holds them.
    pub skipped_known: usize,
}

impl<'k> Discovered<'k> {
    pub fn new(repo: &Repository, known: Option<&'k BlobSet>) -> Self {
        Discovered {
            ids: Vec::new(),
            index: IdIndex::default(),
            state: Vec::new(),
            occurrences: Vec::new(),
            pending: 0,
            ignored: Vec::new(),
            late: Vec::new(),
            packs: PackIndexes::load(&repo.commondir().join("objects")),
            known,
            skipped_known: 0,
        }
    }

    /// Distinct blobs found.
    pub fn blobs(&self) -> usize {
        self.ids.len()
    }

    /// Whether the walk found this blob (at any path, scanned or not).
    pub fn knows(&self, blob: &RawId) -> bool {
        self.index.get(blob, &self.ids).is_some()
    }

    /// Blobs never seen outside the global allowlist's paths.
    pub fn hidden(&self) -> usize {
        self.state.iter().filter(|&&s| s == HIDDEN).count()
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
            let b = match self.index.get(&blob, &self.ids) {
                Some(b) => b,
                None => {
                    let b = self.ids.len() as u32;
                    self.ids.push(blob);
                    self.index.insert(b, &self.ids);
                    let known = self.known.is_some_and(|k| k.contains(&blob));
                    self.skipped_known += usize::from(known);
                    self.state.push(if known { KNOWN } else { HIDDEN });
                    b
                }
            };
            if hidden {
                continue;
            }
            let state = &mut self.state[b as usize];
            match *state {
                HIDDEN => {
                    *state = PENDING;
                    self.pending += 1;
                    self.occurrences.push((b, path, commit));
                }
                PENDING => self.occurrences.push((b, path, commit)),
                SENT => self.late.push((b, path, commit)),
                _ => {}
            }
        }
    }

    /// Whether a hand-out now is worth it: the workers are about to run dry.
    pub fn due(&self, feeder: &Feeder<'_, Job>, threads: usize) -> bool {
        self.pending >= MIN_BATCH && feeder.backlog() <= threads
    }

    /// Hands pending blobs out in pack order: the oldest `MAX_QUEUED` of them while the
    /// walk runs (the others wait for the next hand-out); with `all`, once the walk is
    /// done, every one, a slice at a time as the workers take them.
    pub fn send(&mut self, paths: &PathTable, feeder: &mut Feeder<'_, Job>, all: bool) {
        let mut occ = std::mem::take(&mut self.occurrences);
        if !all && self.pending > MAX_QUEUED {
            // The blobs found first are handed out; occurrences are in the order found.
            let mut chosen = std::collections::HashSet::new();
            for &(b, _, _) in &occ {
                if chosen.len() == MAX_QUEUED && !chosen.contains(&b) {
                    continue;
                }
                chosen.insert(b);
            }
            let (now, later): (Vec<_>, Vec<_>) =
                occ.into_iter().partition(|o| chosen.contains(&o.0));
            self.occurrences = later;
            self.pending -= chosen.len();
            occ = now;
        } else {
            self.pending = 0;
        }
        occ.sort_unstable_by_key(|&(b, path, commit)| (b, commit, path));
        let mut groups: Vec<(RawId, &[Occurrence])> = occ
            .chunk_by(|x, y| x.0 == y.0)
            .map(|g| (self.ids[g[0].0 as usize], g))
            .collect();
        groups.sort_unstable_by_key(|(raw, _)| *raw);
        let oids: Vec<Oid> = groups
            .iter()
            .filter_map(|(raw, _)| Oid::from_bytes(raw).ok())
            .collect();
        let keys = self.packs.keys(&oids);
        let mut keyed: Vec<(u64, Oid, &[Occurrence])> = keys
            .into_iter()
            .zip(oids)
            .zip(groups.into_iter().map(|(_, g)| g))
            .map(|((k, o), g)| (k, o, g))
            .collect();
        keyed.sort_by_key(|(key, _, _)| *key);
        for slice in keyed.chunks(MAX_QUEUED) {
            if all {
                feeder.wait_backlog(MAX_QUEUED / CHUNK / 2);
            }
            let mut jobs = slice.iter().map(|&(_, blob, g)| {
                self.state[g[0].0 as usize] = SENT;
                let shown = g.iter().map(|&(_, p, c)| (paths.display(p), c)).collect();
                Job { blob, shown }
            });
            loop {
                let chunk: Vec<Job> = jobs.by_ref().take(CHUNK).collect();
                if chunk.is_empty() {
                    break;
                }
                feeder.send(chunk);
            }
        }
    }

    /// The late paths, grouped by blob (oldest first within one), in pack order.
    pub fn late(&mut self, paths: &PathTable) -> Vec<Job> {
        let mut late = std::mem::take(&mut self.late);
        let ids = &self.ids;
        late.sort_unstable_by_key(|&(b, path, commit)| (ids[b as usize], commit, path));
        let mut jobs: Vec<Job> = Vec::new();
        for group in late.chunk_by(|x, y| x.0 == y.0) {
            let Ok(blob) = Oid::from_bytes(&ids[group[0].0 as usize]) else {
                continue;
            };
            let shown = group
                .iter()
                .map(|&(_, p, c)| (paths.display(p), c))
                .collect();
            jobs.push(Job { blob, shown });
        }
        let oids: Vec<Oid> = jobs.iter().map(|j| j.blob).collect();
        let keys = self.packs.keys(&oids);
        let mut keyed: Vec<(u64, Job)> = keys.into_iter().zip(jobs).collect();
        keyed.sort_by_key(|(key, _)| *key);
        keyed.into_iter().map(|(_, j)| j).collect()
    }
}
