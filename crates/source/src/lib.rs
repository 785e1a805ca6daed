//! Where bytes come from: a directory walk or stdin here, git objects in [`git`].
//! Every source hands content to [`Scanner::scan_bytes`] with a [`Target`] naming it, which
//! opens archives ([`archive`]), decodes text, takes the printable strings of binary
//! content ([`content::strings`]) and runs the engine, so the rules of reading are the
//! same for files, blobs and staged entries.

pub mod archive;
pub mod content;
pub mod control;
mod error;
pub mod fs;
pub mod fuzzing;
pub mod git;

pub use error::{Error, Result};

use ferret_engine::{Dropped, Engine, Reason, Sink, Target};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Knobs that affect what is read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub max_file_size: u64,
    /// Scan binary content as raw bytes instead of its printable strings.
    pub scan_binary: bool,
    /// Whether archives are opened, and the limits of their extraction.
    pub archives: archive::Limits,
    pub no_ignore: bool,
    pub follow_links: bool,
    pub threads: usize,
    /// Keep every dropped candidate with its reason (`--explain`).
    pub explain: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_file_size: 10 << 20,
            scan_binary: false,
            archives: archive::Limits::default(),
            no_ignore: false,
            follow_links: false,
            threads: 0,
            explain: false,
        }
    }
}

/// What opening a path for reading found.
pub enum Opened {
    File(std::fs::File),
    /// Not a regular file: its kind ("FIFO", "socket", "device", "directory").
    Special(&'static str),
}

/// Opens `path` for reading without ever blocking. A FIFO opened for reading blocks until
/// someone writes to it (secret managers mount `.env` files as FIFOs, and a file can be
/// replaced by one between a walk and the open), so the open is non-blocking and the
/// opened file's own type decides: a regular file is returned, anything else is named.
pub fn open_regular(path: &std::path::Path) -> Result<Opened> {
    let file = open_nonblocking(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    Ok(if meta.is_file() {
        Opened::File(file)
    } else {
        Opened::Special(kind(&meta))
    })
}

#[cfg(unix)]
fn open_nonblocking(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Makes reads from `file` block again (a pipe named on the command line is read whole,
/// as stdin is).
#[cfg(unix)]
pub fn blocking(file: &std::fs::File) {
    use std::os::unix::io::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a file descriptor this process owns, with integer arguments.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
}

#[cfg(not(unix))]
pub fn blocking(_: &std::fs::File) {}

fn kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "FIFO";
        }
        if t.is_socket() {
            return "socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "device";
        }
    }
    if meta.is_dir() {
        "directory"
    } else {
        "special file"
    }
}

/// Counters for the closing summary; atomics so workers share them without locks.
#[derive(Debug, Default)]
pub struct Stats {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
    pub skipped_large: AtomicU64,
    pub skipped_binary: AtomicU64,
    pub skipped_allowlisted: AtomicU64,
    /// FIFOs, sockets and devices met in a walk: never opened for reading.
    pub skipped_special: AtomicU64,
    pub errors: AtomicU64,
}

/// A plain copy of [`Stats`] for reports.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StatsSnapshot {
    pub files: u64,
    pub bytes: u64,
    pub skipped_large: u64,
    pub skipped_binary: u64,
    pub skipped_allowlisted: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped_special: u64,
    pub errors: u64,
    pub elapsed_ms: u64,
    /// Findings not reported because `--baseline` lists them.
    pub suppressed_baseline: u64,
    /// Findings not reported because `.ferretignore` lists them.
    pub suppressed_ignored: u64,
    /// Findings not reported because their confidence is below the run's minimum.
    pub below_confidence: u64,
}

impl Stats {
    pub fn snapshot(&self, elapsed: std::time::Duration) -> StatsSnapshot {
        StatsSnapshot {
            files: self.files.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            skipped_large: self.skipped_large.load(Ordering::Relaxed),
            skipped_binary: self.skipped_binary.load(Ordering::Relaxed),
            skipped_allowlisted: self.skipped_allowlisted.load(Ordering::Relaxed),
            skipped_special: self.skipped_special.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            elapsed_ms: elapsed.as_millis() as u64,
            suppressed_baseline: 0,
            suppressed_ignored: 0,
            below_confidence: 0,
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What a scan produced besides findings: problems and notes for stderr.
#[derive(Debug, Default)]
pub struct Diagnostics {
    pub errors: Mutex<Vec<Error>>,
    pub notes: Mutex<Vec<String>>,
    /// With `--explain`: every candidate, finding or file left out, and why.
    pub dropped: Mutex<Vec<Dropped>>,
}

impl Diagnostics {
    pub fn error(&self, e: Error) {
        self.errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(e);
    }
    pub fn note(&self, n: String) {
        self.notes.lock().unwrap_or_else(|p| p.into_inner()).push(n);
    }
    pub fn take_errors(&self) -> Vec<Error> {
        std::mem::take(&mut *self.errors.lock().unwrap_or_else(|p| p.into_inner()))
    }
    pub fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut *self.notes.lock().unwrap_or_else(|p| p.into_inner()))
    }
    pub fn take_dropped(&self) -> Vec<Dropped> {
        std::mem::take(&mut *self.dropped.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The engine plus read options and shared counters: what every source scans with.
pub struct Scanner<'e> {
    pub engine: &'e Engine,
    pub options: ReadOptions,
    pub stats: Stats,
    pub diagnostics: Diagnostics,
}

impl<'e> Scanner<'e> {
    /// Counts a file or blob left out for its size and says so (`what` names it).
    pub fn skipped_large(&self, what: &str) {
        self.stats.skipped_large.fetch_add(1, Ordering::Relaxed);
        self.diagnostics.note(format!(
            "{what}: skipped, larger than --max-file-size ({} bytes)",
            self.options.max_file_size
        ));
    }

    pub fn new(engine: &'e Engine, options: ReadOptions) -> Self {
        Scanner {
            engine,
            options,
            stats: Stats::default(),
            diagnostics: Diagnostics::default(),
        }
    }

    /// A worker's sink: it keeps dropped candidates when the scan explains.
    pub fn sink(&self) -> Sink {
        Sink::new(self.options.explain)
    }

    /// Moves a worker's engine notes and explanations of dropped candidates into the
    /// shared diagnostics.
    pub fn keep_drops(&self, sink: &mut Sink) {
        for n in sink.notes.drain(..) {
            self.diagnostics.note(n);
        }
        if sink.explaining() {
            let mut drops = sink.take_drops();
            if !drops.is_empty() {
                self.diagnostics
                    .dropped
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .append(&mut drops);
            }
        }
    }

    /// Scans one file or blob, adding findings to `sink.findings`, and counts it.
    pub fn scan_bytes(&self, target: &Target<'_>, raw: &[u8], sink: &mut Sink) {
        self.stats.files.fetch_add(1, Ordering::Relaxed);
        self.stats
            .bytes
            .fetch_add(raw.len() as u64, Ordering::Relaxed);
        self.scan_content(target, raw, sink);
    }

    /// Scans content without counting it: an archive is opened and its members scanned,
    /// anything else goes to [`Scanner::scan_leaf`].
    pub fn scan_content(&self, target: &Target<'_>, raw: &[u8], sink: &mut Sink) {
        if self.options.archives.enabled {
            if let Some(kind) = archive::sniff(raw) {
                if archive::scan(self, target, raw, kind, sink) {
                    return;
                }
            }
        }
        self.scan_leaf(target, raw, sink);
    }

    /// Whether content is opened as an archive rather than read as text or strings.
    pub fn is_archive(&self, raw: &[u8]) -> bool {
        self.options.archives.enabled && archive::sniff(raw).is_some()
    }

    /// Scans content that is not opened as an archive: text as text (UTF-16 transcoded),
    /// binary content by its printable strings, or as raw bytes with `--scan-binary`.
    pub fn scan_leaf(&self, target: &Target<'_>, raw: &[u8], sink: &mut Sink) {
        match content::decode(raw, self.options.scan_binary) {
            content::Decoded::Text(text) => self.engine.scan(target, &text, sink),
            content::Decoded::Binary => self.scan_strings(target, raw, sink),
        }
    }

    /// Binary content: its strings are scanned, and findings placed back in the raw
    /// bytes (line, column and `bytes`; the offset and the snippet stay in the strings).
    fn scan_strings(&self, target: &Target<'_>, raw: &[u8], sink: &mut Sink) {
        let strings = content::strings::Strings::extract(raw);
        if strings.truncated {
            self.diagnostics.note(format!(
                "{}: only the first {} MiB of this binary content were searched for strings",
                target.path,
                content::strings::MAX_INPUT >> 20
            ));
        }
        let first = sink.findings.len();
        self.engine.scan_strings(target, &strings.text, raw, sink);
        for f in &mut sink.findings[first..] {
            // Rules that judge a file by its name report the file, not a place in it.
            if f.secret.is_empty() {
                continue;
            }
            let (start, _) = strings.raw_offset(f.offset.0);
            let end = match f.offset.1.checked_sub(1) {
                Some(last) if last >= f.offset.0 => {
                    let (at, stride) = strings.raw_offset(last);
                    at + stride
                }
                _ => start,
            };
            let (line, column) = content::strings::raw_position(raw, start);
            f.line = line;
            f.column = column;
            f.end_column = column + (end - start);
            f.bytes = Some((start, end));
        }
    }

    /// Counts a file skipped because a path allowlist covers it (and explains it).
    pub fn skipped_allowlisted(&self, target: &Target<'_>, sink: &mut Sink) {
        self.stats
            .skipped_allowlisted
            .fetch_add(1, Ordering::Relaxed);
        sink.drop_file(target, Reason::PathAllowlisted);
    }
}
