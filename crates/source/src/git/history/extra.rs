//! `--all-objects`: what a history audit reads besides the branches and tags.
//!
//! - **Stashes**: every entry of `refs/stash`'s reflog is a commit whose tree is the work
//!   tree when it was stashed, with the index and the untracked files (`stash -u`) as
//!   parent commits: they join the audit as tips, and their blobs are scanned and
//!   attributed like any other commit's (the commit message says `WIP on main: …`).
//! - **Unreachable commits** (with `GitOptions::unreachable`): every commit in the object database joins as a tip (commits
//!   left by a reset, a rebase or a deleted branch until `git gc` prunes them), except the
//!   history of the notes refs, which holds notes, not files.
//! - **Notes** (`refs/notes/*`): every note blob in the history of every notes ref,
//!   reported as `<note on OBJECT>` with the annotated commit.
//! - **Commit messages**: the whole message of every commit audited, reported as
//!   `<commit message>` with the commit.
//! - **Unreachable blobs** (the same): blobs in the object database that no audited tree holds (a
//!   `git add` never committed, a tree never written), as `<unreachable blob ID>`.
//!
//! Finding the unreachable objects lists every object in the database and reads its
//! header (its type; a delta's type is its base's), which is why this is a flag: on
//! git/git's 420,000 objects it is a second or two on top of the audit.
use super::super::{commit_info, git_error, read_blob, Blob};
use super::commits::Commits;
use super::handout::Discovered;
use super::ids::raw_id;
use crate::Scanner;
use ferret_engine::finding::Finding;
use ferret_engine::Target;
use git2::{ObjectType, Oid, Repository};
use std::collections::HashSet;
use std::sync::atomic::Ordering;

/// The path commit messages are reported under.
pub const MESSAGE: &str = "<commit message>";

/// What lies outside the branches, found before the walk.
#[derive(Default)]
pub(super) struct Extra {
    /// Stash entries and every other commit of the object database: more tips.
    pub tips: Vec<Oid>,
    /// The notes refs and their tips.
    notes: Vec<(String, Oid)>,
    /// Every blob of the object database.
    blobs: Vec<Oid>,
}

impl Extra {
    /// Lists the stashes, the notes refs and, with `unreachable`, the objects of the
    /// database.
    pub fn find(scanner: &Scanner<'_>, repo: &Repository, unreachable: bool) -> Extra {
        let mut extra = Extra::default();
        if let Ok(log) = repo.reflog("refs/stash") {
            extra.tips.extend(log.iter().map(|e| e.id_new()));
        }
        // A mirror has the stash ref (fetched with `refs/*`) but no reflog behind it.
        if let Ok(id) = repo.refname_to_id("refs/stash") {
            extra.tips.push(id);
        }
        if let Ok(refs) = repo.references_glob("refs/notes/*") {
            for r in refs.flatten() {
                if let Some(id) = r.target() {
                    let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
                    extra.notes.push((name, id));
                }
            }
        }
        if !unreachable {
            return extra;
        }
        // The notes refs' own commits are not file history.
        let mut notes_history = HashSet::new();
        for (_, tip) in &extra.notes {
            if let Ok(mut walk) = repo.revwalk() {
                if walk.push(*tip).is_ok() {
                    notes_history.extend(walk.flatten());
                }
            }
        }
        let odb = match repo.odb() {
            Ok(o) => o,
            Err(e) => {
                scanner.diagnostics.error(git_error(
                    repo,
                    format!("cannot open the object database: {}", e.message()),
                ));
                return extra;
            }
        };
        let mut commits = Vec::new();
        let listed = odb.foreach(|oid| {
            match odb.read_header(*oid) {
                Ok((_, ObjectType::Commit)) if !notes_history.contains(oid) => commits.push(*oid),
                Ok((_, ObjectType::Blob)) => extra.blobs.push(*oid),
                _ => {}
            }
            true
        });
        if let Err(e) = listed {
            scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
            scanner.diagnostics.error(git_error(
                repo,
                format!("cannot list the object database: {}", e.message()),
            ));
        }
        // Packs and loose objects can both hold an object.
        commits.sort_unstable();
        commits.dedup();
        extra.blobs.sort_unstable();
        extra.blobs.dedup();
        extra.tips.extend(commits);
        extra
    }

    /// Scans the messages of `commits`, the notes, and the blobs neither the walk nor the
    /// notes reached.
    pub fn scan(
        &self,
        scanner: &Scanner<'_>,
        repo: &Repository,
        commits: &Commits,
        discovered: &Discovered,
    ) -> Vec<Finding> {
        let mut out = messages(scanner, repo, commits);
        let Ok(odb) = repo.odb() else { return out };
        let mut noted = HashSet::new();
        for (name, tip) in &self.notes {
            out.extend(notes(scanner, repo, &odb, name, *tip, &mut noted));
        }
        let mut sink = scanner.sink();
        for &blob in &self.blobs {
            if discovered.knows(&raw_id(blob.as_bytes())) || noted.contains(&blob) {
                continue;
            }
            let shown = format!("<unreachable blob {blob}>");
            let id = blob.to_string();
            let target = Target::path(&shown).blob(Some(&id));
            super::super::scan_blob(scanner, repo, &odb, blob, &target, &mut sink);
        }
        scanner.keep_drops(&mut sink);
        out.append(&mut sink.findings);
        out
    }
}

/// Every commit's whole message, scanned as text, with the commit as the place.
fn messages(scanner: &Scanner<'_>, repo: &Repository, commits: &Commits) -> Vec<Finding> {
    let mut sink = scanner.sink();
    let mut out = Vec::new();
    for c in (0..commits.len()).map(|i| commits.get(i)) {
        let commit = match repo.find_commit(c.id) {
            Ok(commit) => commit,
            // Already reported when the commit graph was loaded.
            Err(_) => continue,
        };
        let id = c.id.to_string();
        let target = Target::path(MESSAGE).in_commit(Some(&id));
        scanner
            .engine
            .scan(&target, commit.message_bytes(), &mut sink);
        if sink.findings.is_empty() {
            continue;
        }
        let info = commit_info(&commit);
        for mut f in sink.findings.drain(..) {
            f.commit = Some(info.clone());
            out.push(f);
        }
    }
    scanner.keep_drops(&mut sink);
    out
}

/// The note blobs in the history of notes ref `name`, each scanned once, reported as
/// `<note on OBJECT>` with the annotated commit.
fn notes(
    scanner: &Scanner<'_>,
    repo: &Repository,
    odb: &git2::Odb<'_>,
    name: &str,
    tip: Oid,
    noted: &mut HashSet<Oid>,
) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut walk = match repo.revwalk().and_then(|mut w| w.push(tip).map(|_| w)) {
        Ok(w) => w,
        Err(e) => {
            scanner.diagnostics.error(git_error(
                repo,
                format!("{name}: cannot walk its history: {}", e.message()),
            ));
            return found;
        }
    };
    // (note blob, annotated object) pairs, the newest notes commit first.
    let mut pairs = Vec::new();
    for commit in walk.by_ref().flatten() {
        let Ok(tree) = repo.find_commit(commit).and_then(|c| c.tree()) else {
            continue;
        };
        let _ = tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(ObjectType::Blob) && noted.insert(entry.id()) {
                // Fan-out directories split the annotated id: `ab/cdef…`.
                let name = String::from_utf8_lossy(entry.name_bytes());
                let object: String = format!("{dir}{name}").replace('/', "");
                pairs.push((entry.id(), object));
            }
            git2::TreeWalkResult::Ok
        });
    }
    let mut sink = scanner.sink();
    for (blob, object) in pairs {
        let shown = format!("<note on {object}>");
        let id = blob.to_string();
        let target = Target::path(&shown).blob(Some(&id));
        let info = Oid::from_str(&object)
            .and_then(|o| repo.find_commit(o))
            .ok()
            .map(|c| commit_info(&c));
        match read_blob(odb, blob, scanner.options.max_file_size) {
            Ok(Blob::Data(data)) => scanner.scan_bytes(&target, &data, &mut sink),
            Ok(Blob::TooLarge) => scanner.skipped_large(&shown),
            Err(e) => {
                scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
                scanner.diagnostics.error(git_error(
                    repo,
                    format!("{shown}: cannot read blob {blob}: {}", e.message()),
                ));
            }
        }
        for mut f in sink.findings.drain(..) {
            f.commit = info.clone();
            found.push(f);
        }
    }
    scanner.keep_drops(&mut sink);
    found
}
