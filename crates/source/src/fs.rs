//! Directory scans: a parallel walk (the `ignore` crate's walker, the one ripgrep uses)
//! that honours `.gitignore` and `.ignore`, does not skip dotfiles (secrets live in
//! `.env`, `.npmrc`, `.aws/credentials`), and never enters `.git` itself.
use super::Scanner;
use crate::{Error, Result};
use ferret_engine::finding::Finding;
use ferret_engine::Target;
use ignore::{WalkBuilder, WalkState};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Mutex;

/// Scans every path in `roots` (files, directories, or `-` for stdin). Paths that do not
/// exist are an error before anything is scanned; problems with single files during the
/// walk are recorded in the scanner's diagnostics and the walk goes on.
pub fn scan_paths(scanner: &Scanner<'_>, roots: &[PathBuf]) -> Result<Vec<Finding>> {
    for root in roots {
        if root.as_os_str() != "-" && std::fs::symlink_metadata(root).is_err() {
            return Err(Error::NotFound { path: root.clone() });
        }
    }
    let found = Mutex::new(Vec::new());
    let several = roots.len() > 1;
    for root in roots {
        if root.as_os_str() == "-" {
            let stdin = std::io::stdin();
            scan_stream(scanner, "<stdin>", stdin.lock(), &found)?;
            continue;
        }
        // A pipe named on the command line (`ferret scan <(cat .env)`, a FIFO) is read the
        // way stdin is; walking it would find no file in it.
        if let Ok(meta) = std::fs::metadata(root) {
            if !meta.is_file() && !meta.is_dir() {
                let file = std::fs::File::open(root).map_err(|e| Error::io(root, e))?;
                crate::blocking(&file);
                scan_stream(scanner, &slashes(&root.to_string_lossy()), file, &found)?;
                continue;
            }
        }
        walk(scanner, root, several, &found);
    }
    Ok(found.into_inner().unwrap_or_else(|p| p.into_inner()))
}

/// Reads a stream (stdin, a pipe) up to `--max-file-size` and scans it as `name`: a larger
/// stream is not held in memory but skipped, with a note, like a larger file.
fn scan_stream(
    scanner: &Scanner<'_>,
    name: &str,
    stream: impl Read,
    found: &Mutex<Vec<Finding>>,
) -> Result<()> {
    let max = scanner.options.max_file_size;
    let mut buf = Vec::new();
    stream
        .take(max.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| Error::io(name, e))?;
    if buf.len() as u64 > max {
        scanner.skipped_large(name);
        return Ok(());
    }
    let mut sink = scanner.sink();
    scanner.scan_bytes(&Target::path(name), &buf, &mut sink);
    scanner.keep_drops(&mut sink);
    found
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .append(&mut sink.findings);
    Ok(())
}

/// The name a file is reported under: relative to the root it was found from, with the
/// root in front when several roots were given, always with forward slashes.
fn display_path(root: &Path, path: &Path, several: bool) -> String {
    if path == root {
        return slashes(&root.to_string_lossy());
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    let rel = slashes(&rel.to_string_lossy());
    if several {
        let r = slashes(&root.to_string_lossy());
        format!("{}/{}", r.trim_end_matches('/'), rel)
    } else {
        rel
    }
}

fn slashes(s: &str) -> String {
    let s = if std::path::MAIN_SEPARATOR == '\\' {
        s.replace('\\', "/")
    } else {
        s.to_string()
    };
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// ferret's walking policy, shared by every walk of a tree: dotfiles are read (secrets
/// live in `.env`, `.npmrc`), ignore files are honoured unless `--no-ignore` (in a plain
/// directory too), links are followed only when asked. Callers skip `.git` themselves.
pub fn walk_builder(root: &Path, opts: &super::ReadOptions) -> WalkBuilder {
    let respect = !opts.no_ignore;
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .ignore(respect)
        .git_ignore(respect)
        .git_global(respect)
        .git_exclude(respect)
        .parents(respect)
        .require_git(false)
        .follow_links(opts.follow_links);
    builder
}

/// The ignore files the walker reads in a directory.
const IGNORE_FILES: &[&str] = &[".gitignore", ".ignore"];

/// The largest ignore file read: real ones are a few KiB.
const MAX_IGNORE_FILE: u64 = 1 << 20;

/// Why an ignore file in `dir` must not be read: it is a link leading outside `tree`, not a
/// regular file (a FIFO would block the walk, `/dev/zero` would never end), or larger than
/// [`MAX_IGNORE_FILE`]. A repository can commit a `.gitignore` that is a symbolic link.
pub fn unsafe_ignore_file(dir: &Path, tree: &Path) -> Option<(PathBuf, &'static str)> {
    for name in IGNORE_FILES {
        let p = dir.join(name);
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            match p.canonicalize() {
                Ok(real) if real.starts_with(tree) => {}
                _ => return Some((p, "a link that leads outside the scanned tree")),
            }
        }
        match std::fs::metadata(&p) {
            Ok(m) if !m.is_file() => return Some((p, "not a regular file")),
            Ok(m) if m.len() > MAX_IGNORE_FILE => return Some((p, "larger than 1 MiB")),
            _ => {}
        }
    }
    None
}

fn walk(scanner: &Scanner<'_>, root: &Path, several: bool, found: &Mutex<Vec<Finding>>) {
    walk_with(
        scanner,
        root,
        root,
        several,
        !scanner.options.no_ignore,
        found,
    );
}

/// Walks `dir` (under the scan root `root`). A directory whose ignore file must not be
/// read is left out of the walk, said as an error, and walked again on its own with no
/// ignore file read at all: the scan covers more, never less.
fn walk_with(
    scanner: &Scanner<'_>,
    root: &Path,
    dir: &Path,
    several: bool,
    respect: bool,
    found: &Mutex<Vec<Finding>>,
) {
    let opts = &scanner.options;
    let tree = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut respect = respect;
    if respect {
        // The directory's own ignore files and its parents' (the walker reads those too);
        // above the scanned tree, a link may lead anywhere, but not to a FIFO or a device.
        let real = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let bad = std::iter::successors(Some(real.as_path()), |d| d.parent()).find_map(|d| {
            unsafe_ignore_file(
                d,
                if d.starts_with(&tree) {
                    &tree
                } else {
                    Path::new("/")
                },
            )
        });
        if let Some((file, why)) = bad {
            scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
            scanner.diagnostics.error(Error::Io {
                path: file,
                source: std::io::Error::other(format!(
                    "ignore file not read ({why}); {} scanned without ignore files",
                    dir.display()
                )),
            });
            respect = false;
        }
    }
    let mut builder = walk_builder(dir, opts);
    if !respect {
        builder
            .ignore(false)
            .git_ignore(false)
            .git_global(false)
            .git_exclude(false)
            .parents(false);
    }
    let unsafe_dirs: std::sync::Arc<Mutex<Vec<PathBuf>>> = Default::default();
    let seen = unsafe_dirs.clone();
    let tree_for_filter = tree.clone();
    builder.threads(opts.threads).filter_entry(move |e| {
        if e.file_name() == ".git" {
            return false;
        }
        if respect
            && e.depth() > 0
            && e.file_type().is_some_and(|t| t.is_dir())
            && unsafe_ignore_file(e.path(), &tree_for_filter).is_some()
        {
            seen.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(e.path().to_path_buf());
            return false;
        }
        true
    });
    builder.build_parallel().run(|| {
        let mut sink = scanner.sink();
        let mut buf = Vec::new();
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
                    scanner.diagnostics.error(walk_error(root, e));
                    return WalkState::Continue;
                }
            };
            match entry.file_type() {
                Some(t) if t.is_file() => {}
                // A FIFO, a socket, a device: counted, never opened.
                Some(t) if !t.is_dir() && !t.is_symlink() => {
                    scanner
                        .stats
                        .skipped_special
                        .fetch_add(1, Ordering::Relaxed);
                    return WalkState::Continue;
                }
                _ => return WalkState::Continue,
            }
            let path = entry.path();
            let shown = display_path(root, path, several);
            let target = Target::path(&shown);
            if scanner.engine.path_ignored(&shown) {
                scanner.skipped_allowlisted(&target, &mut sink);
                scanner.keep_drops(&mut sink);
                return WalkState::Continue;
            }
            match read_file(path, opts.max_file_size, &mut buf) {
                Ok(Loaded::Read) => {
                    scanner.scan_bytes(&target, &buf, &mut sink);
                    scanner.keep_drops(&mut sink);
                    if !sink.findings.is_empty() {
                        found
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .append(&mut sink.findings);
                    }
                }
                Ok(Loaded::TooLarge) => scanner.skipped_large(&shown),
                Ok(Loaded::Special(_)) => {
                    scanner
                        .stats
                        .skipped_special
                        .fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
                    scanner.diagnostics.error(e);
                }
            }
            WalkState::Continue
        })
    });
    let later = std::mem::take(&mut *unsafe_dirs.lock().unwrap_or_else(|p| p.into_inner()));
    for d in later {
        walk_with(scanner, root, &d, several, true, found);
    }
}

/// A walk error as ferret reports it: naming the directory or file that could not be read
/// (the walker wraps it in depth and line information), not the scan's root.
fn walk_error(root: &Path, e: ignore::Error) -> Error {
    fn path_of(e: &ignore::Error) -> Option<&Path> {
        match e {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            ignore::Error::Partial(errs) => errs.iter().find_map(path_of),
            ignore::Error::Loop { child, .. } => Some(child),
            _ => None,
        }
    }
    let path = path_of(&e).unwrap_or(root).to_path_buf();
    let msg = e.to_string();
    let msg = msg.rsplit(": ").next().unwrap_or(&msg).to_string();
    Error::Io {
        path,
        source: std::io::Error::other(msg),
    }
}

/// What [`read_file`] found.
pub enum Loaded {
    /// The content is in the buffer.
    Read,
    /// Larger than the limit: not read.
    TooLarge,
    /// Not a regular file (a FIFO, a socket, a device): not read, never waited on.
    Special(&'static str),
}

/// Reads a file into `buf` (reused between files), at most `max` bytes, without ever
/// blocking on a FIFO (see [`crate::open_regular`]).
pub fn read_file(path: &Path, max: u64, buf: &mut Vec<u8>) -> Result<Loaded> {
    let mut f = match crate::open_regular(path)? {
        crate::Opened::File(f) => f,
        crate::Opened::Special(kind) => return Ok(Loaded::Special(kind)),
    };
    let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    if len > max {
        return Ok(Loaded::TooLarge);
    }
    buf.clear();
    buf.reserve(len as usize);
    f.by_ref()
        .take(max + 1)
        .read_to_end(buf)
        .map_err(|e| Error::io(path, e))?;
    if buf.len() as u64 > max {
        return Ok(Loaded::TooLarge);
    }
    Ok(Loaded::Read)
}
