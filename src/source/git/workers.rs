//! Parallel work over git objects. A `git2::Repository` handle must not be shared between
//! threads, so each worker thread of a dedicated rayon pool opens its own handle once and
//! keeps it, with its own scratch buffers, for the whole scan.
use crate::engine::Scratch;
use git2::Repository;
use rayon::prelude::*;
use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// What one worker thread owns.
pub struct Worker {
    pub repo: Repository,
    pub scratch: Scratch,
}

thread_local! {
    static WORKER: RefCell<Option<(PathBuf, Worker)>> = const { RefCell::new(None) };
}

/// Runs `f` on every item, in parallel, keeping neighbouring items on one thread in
/// stretches of at least `min_len` (items sorted by pack offset are then read mostly
/// sequentially, which keeps libgit2's delta-base cache warm). A worker that cannot open
/// the repository calls `failed` for each of its items instead.
pub fn for_each<T: Sync>(
    git_dir: &Path,
    threads: usize,
    items: &[T],
    min_len: usize,
    f: impl Fn(&mut Worker, &T) + Sync,
    failed: impl Fn(&T, &git2::Error) + Sync,
) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("ferret-git-{i}"))
        .build();
    let run = || {
        items
            .par_iter()
            .with_min_len(min_len.max(1))
            .for_each(|item| {
                WORKER.with(|cell| {
                    let mut slot = cell.borrow_mut();
                    if slot.as_ref().is_none_or(|(p, _)| p != git_dir) {
                        match Repository::open(git_dir) {
                            Ok(repo) => {
                                *slot = Some((
                                    git_dir.to_path_buf(),
                                    Worker {
                                        repo,
                                        scratch: Scratch::default(),
                                    },
                                ))
                            }
                            Err(e) => return failed(item, &e),
                        }
                    }
                    if let Some((_, worker)) = slot.as_mut() {
                        f(worker, item);
                    }
                })
            })
    };
    match pool {
        Ok(pool) => pool.install(run),
        // No threads to be had: do the work on this one.
        Err(_) => run(),
    }
}
