//! Parallel work over git objects. A `git2::Repository` handle must not be shared between
//! threads, so each worker thread of a dedicated rayon pool opens its own handle once and
//! keeps it, with its own sink (buffers, findings), for the whole scan.
use crate::Scanner;
use ferret_engine::Sink;
use git2::Repository;
use rayon::prelude::*;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

/// What one worker thread owns.
pub struct Worker {
    pub repo: Repository,
    pub sink: Sink,
}

impl Worker {
    fn open(git_dir: &Path) -> std::result::Result<Worker, git2::Error> {
        Repository::open(git_dir).map(|repo| Worker {
            repo,
            sink: Sink::default(),
        })
    }

    /// Readies the worker for a job of `scanner`'s scan: its sink explains when the scan
    /// does (a worker outlives one scan).
    pub fn ready(&mut self, scanner: &Scanner<'_>) -> &mut Self {
        if self.sink.explaining() != scanner.options.explain {
            self.sink = scanner.sink();
        }
        self
    }
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
                        match Worker::open(git_dir) {
                            Ok(worker) => *slot = Some((git_dir.to_path_buf(), worker)),
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

/// A pool of worker threads fed chunks of work while the caller is still producing more
/// (the history audit scans blobs while it walks the trees). Chunks are taken one at a
/// time by whichever thread is free, so the threads finish together; each chunk is kept
/// on one thread so that blobs neighbouring in a pack are read by the same handle.
pub struct Feeder<'env, J> {
    tx: Sender<Vec<J>>,
    queued: Arc<AtomicUsize>,
    /// Signalled whenever a worker takes a chunk (see `wait_backlog`).
    taken: Arc<(Mutex<()>, std::sync::Condvar)>,
    /// Opened once the caller stops working itself (see `feed`).
    gate: Arc<(Mutex<bool>, std::sync::Condvar)>,
    /// When no thread could be started, chunks are worked through on the caller's.
    inline: Option<Inline<'env, J>>,
}

struct Inline<'env, J> {
    worker: std::result::Result<Worker, git2::Error>,
    f: &'env (dyn Fn(&mut Worker, J) + Sync),
    failed: &'env (dyn Fn(&J, &git2::Error) + Sync),
}

impl<J> Feeder<'_, J> {
    /// Queues one chunk.
    pub fn send(&mut self, chunk: Vec<J>) {
        if chunk.is_empty() {
            return;
        }
        if let Some(inline) = &mut self.inline {
            return run_chunk(&mut inline.worker, chunk, inline.f, inline.failed);
        }
        self.queued.fetch_add(1, Relaxed);
        // The receivers live as long as the workers, which only stop once the sender is
        // gone: this cannot fail.
        let _ = self.tx.send(chunk);
    }

    /// Lets the workers held back by `feed` start: the caller is done with its own work.
    pub fn open(&self) {
        let (open, cv) = &*self.gate;
        *open.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cv.notify_all();
    }

    /// Chunks queued and not yet taken by a worker.
    pub fn backlog(&self) -> usize {
        self.queued.load(Relaxed)
    }

    /// Blocks until at most `n` chunks are queued (at once when the chunks are worked
    /// through inline).
    pub fn wait_backlog(&self, n: usize) {
        let (lock, cv) = &*self.taken;
        let mut guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        while self.inline.is_none() && self.queued.load(Relaxed) > n {
            guard = cv.wait(guard).unwrap_or_else(|p| p.into_inner());
        }
    }
}

fn run_chunk<J>(
    worker: &mut std::result::Result<Worker, git2::Error>,
    chunk: Vec<J>,
    f: &(dyn Fn(&mut Worker, J) + Sync),
    failed: &(dyn Fn(&J, &git2::Error) + Sync),
) {
    for item in chunk {
        match worker {
            Ok(w) => f(w, item),
            Err(e) => failed(&item, e),
        }
    }
}

impl<J> Drop for Feeder<'_, J> {
    fn drop(&mut self) {
        self.open();
    }
}

/// Starts `threads` workers in `scope`, each with its own repository handle, calling `f`
/// on every item of every chunk sent to the returned feeder, until the feeder is dropped
/// and the queue is empty. A worker that cannot open the repository calls `failed` for
/// each item it takes instead. Only `early` of them start at once, the others when the
/// feeder is opened: the caller keeps a core busy until then, and more threads than cores
/// cost more in lost cache than they gain.
pub fn feed<'scope, 'env, J: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    git_dir: &'env Path,
    threads: usize,
    early: usize,
    f: &'env (dyn Fn(&mut Worker, J) + Sync),
    failed: &'env (dyn Fn(&J, &git2::Error) + Sync),
) -> Feeder<'env, J> {
    let (tx, rx) = std::sync::mpsc::channel::<Vec<J>>();
    let rx = Arc::new(Mutex::new(rx));
    let queued = Arc::new(AtomicUsize::new(0));
    let taken = Arc::new((Mutex::new(()), std::sync::Condvar::new()));
    let gate = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    let mut started = 0;
    for i in 0..threads.max(1) {
        let rx = rx.clone();
        let queued = queued.clone();
        let taken = taken.clone();
        let gate = gate.clone();
        let work = move || {
            if i >= early.max(1) {
                let (open, cv) = &*gate;
                let mut open = open.lock().unwrap_or_else(|p| p.into_inner());
                while !*open {
                    open = cv.wait(open).unwrap_or_else(|p| p.into_inner());
                }
            }
            let mut worker = Worker::open(git_dir);
            loop {
                let chunk = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                let Ok(chunk) = chunk else { break };
                queued.fetch_sub(1, Relaxed);
                {
                    // Under the lock, so a waiter cannot miss the wake-up between its
                    // check and its wait.
                    let _g = taken.0.lock().unwrap_or_else(|p| p.into_inner());
                    taken.1.notify_all();
                }
                run_chunk(&mut worker, chunk, f, failed);
            }
        };
        let spawned = std::thread::Builder::new()
            .name(format!("ferret-git-{i}"))
            .spawn_scoped(scope, work);
        if spawned.is_ok() {
            started += 1;
        }
    }
    Feeder {
        tx,
        queued,
        taken,
        gate,
        inline: (started == 0).then(|| Inline {
            worker: Worker::open(git_dir),
            f,
            failed,
        }),
    }
}
