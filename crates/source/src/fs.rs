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
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| Error::io("<stdin>", e))?;
            let mut sink = scanner.sink();
            scanner.scan_bytes(&Target::path("<stdin>"), &buf, &mut sink);
            scanner.keep_drops(&mut sink);
            found.lock().unwrap().append(&mut sink.findings);
            continue;
        }
        walk(scanner, root, several, &found);
    }
    Ok(found.into_inner().unwrap_or_else(|p| p.into_inner()))
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

fn walk(scanner: &Scanner<'_>, root: &Path, several: bool, found: &Mutex<Vec<Finding>>) {
    let opts = &scanner.options;
    let mut builder = walk_builder(root, opts);
    builder
        .threads(opts.threads)
        .filter_entry(|e| e.file_name() != ".git");
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
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
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
                Ok(true) => {
                    scanner.scan_bytes(&target, &buf, &mut sink);
                    scanner.keep_drops(&mut sink);
                    if !sink.findings.is_empty() {
                        found
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .append(&mut sink.findings);
                    }
                }
                Ok(false) => scanner.skipped_large(&shown),
                Err(e) => {
                    scanner.stats.errors.fetch_add(1, Ordering::Relaxed);
                    scanner.diagnostics.error(e);
                }
            }
            WalkState::Continue
        })
    });
}

fn walk_error(root: &Path, e: ignore::Error) -> Error {
    let path = match &e {
        ignore::Error::WithPath { path, .. } => path.clone(),
        _ => root.to_path_buf(),
    };
    let msg = e.to_string();
    let msg = msg.rsplit(": ").next().unwrap_or(&msg).to_string();
    Error::Io {
        path,
        source: std::io::Error::other(msg),
    }
}

/// Reads a file into `buf` (reused between files). Ok(false): too large, not read.
pub fn read_file(path: &Path, max: u64, buf: &mut Vec<u8>) -> Result<bool> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    if len > max {
        return Ok(false);
    }
    buf.clear();
    buf.reserve(len as usize);
    f.by_ref()
        .take(max + 1)
        .read_to_end(buf)
        .map_err(|e| Error::io(path, e))?;
    if buf.len() as u64 > max {
        return Ok(false);
    }
    Ok(true)
}
