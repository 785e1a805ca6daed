//! Control files: what a scanned tree or repository says about its own scan
//! (`.ferret.toml`, `.gitleaks.toml` and what it extends, `.ferretignore`).
//!
//! They are written by whoever wrote the tree, so they are read the way nothing can turn
//! against the user: only inside the tree (a symlink that leaves it is refused, so a
//! `.ferretignore` linked to `~/.git-credentials` reads nothing), only regular files (a
//! FIFO would block the scan), at most [`MAX_CONTROL`] bytes (a link to a 2 GB file is not
//! read whole), and errors name the file, never its content. From a commit (the base of a
//! reviewed range), they are read from the commit's tree, never from the work tree the
//! commits under review wrote.
use crate::{open_regular, Error as SourceError, Opened};
use ferret_rules::{Error, Files, Result};
use git2::{ObjectType, Oid, Repository};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest control file read. Configs and ignore lists are a few KiB.
pub const MAX_CONTROL: u64 = 1 << 20;

/// Control files inside the tree at `root`.
pub struct TreeFiles {
    root: PathBuf,
}

impl TreeFiles {
    pub fn new(root: &Path) -> Self {
        TreeFiles {
            root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
        }
    }

    /// Whether `path` names a file that exists (following links inside the tree).
    pub fn exists(&self, path: &Path) -> bool {
        std::fs::symlink_metadata(path).is_ok()
    }
}

fn refused(path: &Path, why: &str) -> Error {
    Error::Config {
        path: path.to_path_buf(),
        message: format!("not read: {why}"),
    }
}

impl Files for TreeFiles {
    fn read(&self, path: &Path) -> Result<String> {
        let real = path.canonicalize().map_err(|e| Error::io(path, e))?;
        if !real.starts_with(&self.root) {
            return Err(refused(path, "it leads outside the scanned tree"));
        }
        let file = match open_regular(&real) {
            Ok(Opened::File(f)) => f,
            Ok(Opened::Special(kind)) => {
                return Err(refused(path, &format!("a {kind}, not a regular file")))
            }
            Err(SourceError::Io { source, .. }) => return Err(Error::io(path, source)),
            Err(SourceError::NotFound { .. }) => {
                return Err(Error::NotFound {
                    path: path.to_path_buf(),
                })
            }
            Err(e) => return Err(refused(path, &e.to_string())),
        };
        let mut bytes = Vec::new();
        file.take(MAX_CONTROL + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        text(path, bytes)
    }
}

fn text(path: &Path, bytes: Vec<u8>) -> Result<String> {
    if bytes.len() as u64 > MAX_CONTROL {
        return Err(refused(
            path,
            &format!("larger than {} KiB", MAX_CONTROL >> 10),
        ));
    }
    String::from_utf8(bytes).map_err(|_| refused(path, "not UTF-8 text"))
}

/// Control files as a commit holds them: paths are relative to the repository's root and
/// are read from the commit's tree. A symlink there is refused (its target would be
/// resolved in the work tree).
pub struct CommitFiles<'r> {
    repo: &'r Repository,
    commit: Oid,
    /// Shown in errors as the file's place: `BASE:.ferret.toml`.
    label: String,
}

impl<'r> CommitFiles<'r> {
    pub fn new(repo: &'r Repository, commit: Oid) -> Self {
        let short = commit.to_string()[..12].to_string();
        CommitFiles {
            repo,
            commit,
            label: short,
        }
    }

    /// The blob at `path` in the commit, if there is one: (blob id, is a symlink).
    pub fn entry(&self, path: &Path) -> Option<(Oid, bool)> {
        let commit = self.repo.find_commit(self.commit).ok()?;
        let tree = commit.tree().ok()?;
        let e = tree.get_path(path).ok()?;
        (e.kind() == Some(ObjectType::Blob))
            .then(|| (e.id(), e.filemode() == i32::from(git2::FileMode::Link)))
    }

    /// How errors name a file of this commit.
    pub fn display(&self, path: &Path) -> PathBuf {
        PathBuf::from(format!("{}:{}", self.label, path.display()))
    }
}

impl Files for CommitFiles<'_> {
    fn read(&self, path: &Path) -> Result<String> {
        let shown = self.display(path);
        let Some((blob, link)) = self.entry(path) else {
            return Err(Error::NotFound { path: shown });
        };
        if link {
            return Err(refused(&shown, "a symbolic link"));
        }
        let odb = self.repo.odb().map_err(|e| refused(&shown, e.message()))?;
        let (size, _) = odb
            .read_header(blob)
            .map_err(|e| refused(&shown, e.message()))?;
        if size as u64 > MAX_CONTROL {
            return Err(refused(
                &shown,
                &format!("larger than {} KiB", MAX_CONTROL >> 10),
            ));
        }
        let obj = odb.read(blob).map_err(|e| refused(&shown, e.message()))?;
        text(&shown, obj.data().to_vec())
    }
}
