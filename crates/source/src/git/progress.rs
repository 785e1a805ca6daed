//! The progress bar of a history audit: commits walked, then blobs and bytes scanned and
//! the rate. Drawn on stderr only when [`super::GitOptions::progress`] says a person is
//! watching; otherwise every call is a no-op.
use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Progress {
    bar: Option<ProgressBar>,
    bytes: AtomicU64,
    /// Blobs scanned, counted from the start: scanning begins while the walk runs.
    blobs: AtomicU64,
    /// Whether the bar shows the scan yet (it shows the walk until then).
    scanning: AtomicBool,
    /// When the blob scan started, for the rate.
    started: Mutex<Instant>,
}

impl Progress {
    pub fn new(on: bool) -> Self {
        let bar = on.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} walking history: {pos} commits {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            bytes: AtomicU64::new(0),
            blobs: AtomicU64::new(0),
            scanning: AtomicBool::new(false),
            started: Mutex::new(Instant::now()),
        }
    }

    /// One more commit walked; `blobs` unique blobs found so far.
    pub fn commit(&self, blobs: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            if bar.position() % 256 == 0 {
                bar.set_message(format!("· {blobs} blobs"));
            }
        }
    }

    /// The walk is done; `blobs` blobs are to be scanned in all (some already are).
    pub fn start_scan(&self, blobs: u64) {
        if let Some(bar) = &self.bar {
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} scanning blobs {bar:30} {pos}/{len} {msg} · {elapsed}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_length(blobs);
            bar.set_position(self.blobs.load(Ordering::Relaxed));
            self.scanning.store(true, Ordering::Relaxed);
            bar.reset_elapsed();
            *self.started.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
            bar.set_message(String::new());
        }
    }

    /// One blob of `len` bytes scanned.
    pub fn blob(&self, len: u64) {
        let Some(bar) = &self.bar else { return };
        let total = self.bytes.fetch_add(len, Ordering::Relaxed) + len;
        self.blobs.fetch_add(1, Ordering::Relaxed);
        if !self.scanning.load(Ordering::Relaxed) {
            return;
        }
        bar.inc(1);
        if bar.position() % 512 == 0 {
            let started = *self.started.lock().unwrap_or_else(|p| p.into_inner());
            let secs = started.elapsed().as_secs_f64().max(0.001);
            bar.set_message(format!(
                "· {} · {}/s",
                HumanBytes(total),
                HumanBytes((total as f64 / secs) as u64)
            ));
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
