//! Repository-relative paths for the reports that GitHub reads (SARIF and annotations).
//!
//! GitHub resolves a SARIF `artifactLocation.uri` and an annotation's `file=` against the
//! repository's root, but a finding's path is relative to what was scanned: `ferret scan
//! src` reports `config.py` for `src/config.py`, and an alert on `config.py` points at a
//! file that does not exist. [`RepoPaths`] puts the scanned directory's place in the
//! repository in front. Only those two formats use it: the human, JSON and JSONL reports
//! keep the paths as the scan gave them, since fingerprints (and so baselines and
//! `.ferretignore`) are made from those.
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// How finding paths become repository-relative.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepoPaths {
    /// The scanned directory relative to the repository root, with forward slashes and no
    /// trailing slash; empty at the root.
    prefix: String,
    /// The repository root, for findings whose path is absolute (a file named by an
    /// absolute path on the command line).
    root: Option<PathBuf>,
}

impl RepoPaths {
    /// Paths relative to the scan are left as they are (not in a repository, or a scan of
    /// its root).
    pub fn unchanged() -> Self {
        RepoPaths::default()
    }

    /// Relative paths start at `base`, a directory inside the work tree at `root`; both
    /// are made absolute and canonical first, so `.`, `..` and symbolic links in either do
    /// not matter. `None` when `base` is not inside `root`.
    pub fn new(root: &Path, base: &Path) -> Option<Self> {
        let root = root.canonicalize().ok()?;
        let base = base.canonicalize().ok()?;
        let rel = base.strip_prefix(&root).ok()?;
        let prefix = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        Some(RepoPaths {
            prefix,
            root: Some(root),
        })
    }

    /// The scanned directory's path in the repository (`""` at the root).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `path` relative to the repository root, with forward slashes. A path that would
    /// climb out of the repository, or an absolute one outside it, is returned as it is.
    pub fn shown<'a>(&self, path: &'a str) -> Cow<'a, str> {
        let slashed = path.replace('\\', "/");
        let is_absolute = slashed.starts_with('/') || Path::new(path).is_absolute();
        if is_absolute {
            let Some(root) = &self.root else {
                return Cow::Borrowed(path);
            };
            return match Path::new(path).strip_prefix(root) {
                Ok(rel) => Cow::Owned(
                    normalize(&rel.to_string_lossy().replace('\\', "/"))
                        .unwrap_or_else(|| path.to_string()),
                ),
                Err(_) => Cow::Borrowed(path),
            };
        }
        if self.prefix.is_empty() && !slashed.starts_with("./") && !slashed.contains("/..") {
            return if slashed == path {
                Cow::Borrowed(path)
            } else {
                Cow::Owned(slashed)
            };
        }
        let joined = if self.prefix.is_empty() {
            slashed
        } else {
            format!("{}/{slashed}", self.prefix)
        };
        match normalize(&joined) {
            Some(p) => Cow::Owned(p),
            None => Cow::Borrowed(path),
        }
    }
}

/// Drops `.` segments and resolves `..` lexically; `None` if the path climbs above its
/// start.
fn normalize(path: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            s => out.push(s),
        }
    }
    Some(out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_get_the_scanned_directorys_place() {
        let dir = std::env::temp_dir().join(format!("ferret-paths-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src/app")).unwrap();
        let p = RepoPaths::new(&dir, &dir.join("src/app/../app")).unwrap();
        assert_eq!(p.prefix(), "src/app");
        assert_eq!(p.shown("config.py"), "src/app/config.py");
        assert_eq!(p.shown("./a/b.txt"), "src/app/a/b.txt");
        assert_eq!(p.shown("../lib.rs"), "src/lib.rs");
        assert_eq!(
            p.shown("../../../x"),
            "../../../x",
            "climbs out: left alone"
        );
        let abs = dir.canonicalize().unwrap().join("docs/x.md");
        assert_eq!(p.shown(&abs.to_string_lossy()), "docs/x.md");
        assert_eq!(p.shown("/elsewhere/y"), "/elsewhere/y");

        let root = RepoPaths::new(&dir, &dir).unwrap();
        assert_eq!(root.prefix(), "");
        assert_eq!(root.shown("a/b"), "a/b");
        assert_eq!(root.shown("./a/b"), "a/b");
        assert!(RepoPaths::new(&dir.join("src"), &dir).is_none());
        assert_eq!(RepoPaths::unchanged().shown("x/y"), "x/y");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
