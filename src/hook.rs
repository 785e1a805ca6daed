//! Installing the pre-commit hook without clobbering the one that is there.
//!
//! The hook goes where git will run it: `core.hooksPath` when set, else the hooks
//! directory shared by all worktrees. An existing hook is never lost: `--force` moves it
//! to `pre-commit.ferret-backup`, `--chain` to `pre-commit.ferret-chained` (which ferret's
//! hook runs first), and `uninstall` puts it back.
use ferret_source::git;
use ferret_source::{Error, Result};
use git2::Repository;
use std::path::{Path, PathBuf};

/// The hook script (hooks/pre-commit in the source tree).
pub const HOOK: &str = include_str!("../hooks/pre-commit");
/// The line that marks a hook file as ferret's own.
const MARKER: &str = "ferret-hook";
const BACKUP: &str = "pre-commit.ferret-backup";
const CHAINED: &str = "pre-commit.ferret-chained";

/// Where git looks for the repository's hooks.
pub fn hooks_dir(repo: &Repository) -> Result<PathBuf> {
    let configured = repo
        .config()
        .and_then(|mut c| c.snapshot())
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok());
    Ok(match configured {
        // Relative to where hooks run: the work tree root, or the git dir when bare.
        Some(p) if p.is_relative() => repo.workdir().unwrap_or_else(|| repo.path()).join(p),
        Some(p) => p,
        None => repo.commondir().join("hooks"),
    })
}

fn is_ferrets(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|s| s.lines().take(3).any(|l| l.contains(MARKER)))
}

fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

fn refuse(message: String) -> Error {
    Error::Usage(message)
}

/// Installs the hook in the repository at `repo_path`. Returns what was done, for people.
pub fn install(repo_path: &Path, force: bool, chain: bool) -> Result<String> {
    let repo = git::open(repo_path)?;
    let dir = hooks_dir(&repo)?;
    if dir.join("h").is_file() && dir.join("husky.sh").is_file() {
        return Err(refuse(format!(
            "{}: core.hooksPath points to husky's generated hooks; add the line \
             `ferret git --staged --no-verify` to .husky/pre-commit instead",
            dir.display()
        )));
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let hook = dir.join("pre-commit");
    let mut done = format!("installed ferret's pre-commit hook at {}", hook.display());
    if exists(&hook) && is_ferrets(&hook) {
        done = format!("updated ferret's pre-commit hook at {}", hook.display());
    } else if exists(&hook) {
        let (keep, how) = if chain {
            (dir.join(CHAINED), "it runs first, then ferret")
        } else if force {
            (dir.join(BACKUP), "`ferret uninstall-hook` restores it")
        } else {
            return Err(refuse(format!(
                "{}: a pre-commit hook is already there; use --chain to keep it and run it \
                 before ferret, or --force to replace it (it is kept as {BACKUP})",
                hook.display()
            )));
        };
        if exists(&keep) {
            return Err(refuse(format!(
                "{}: already exists from an earlier install; move it away first",
                keep.display()
            )));
        }
        std::fs::rename(&hook, &keep).map_err(|e| Error::io(&hook, e))?;
        done = format!(
            "installed ferret's pre-commit hook at {}; the previous hook is now {} ({how})",
            hook.display(),
            keep.display()
        );
    }
    write_executable(&hook, HOOK)?;
    Ok(done)
}

/// Removes ferret's hook and puts back the hook it replaced or chained, if any.
pub fn uninstall(repo_path: &Path) -> Result<String> {
    let repo = git::open(repo_path)?;
    let dir = hooks_dir(&repo)?;
    let hook = dir.join("pre-commit");
    if !exists(&hook) {
        return Ok(format!(
            "no pre-commit hook at {}; nothing to do",
            hook.display()
        ));
    }
    if !is_ferrets(&hook) {
        return Err(refuse(format!(
            "{}: not ferret's hook; left alone",
            hook.display()
        )));
    }
    std::fs::remove_file(&hook).map_err(|e| Error::io(&hook, e))?;
    for kept in [CHAINED, BACKUP] {
        let kept = dir.join(kept);
        if exists(&kept) {
            std::fs::rename(&kept, &hook).map_err(|e| Error::io(&kept, e))?;
            return Ok(format!(
                "removed ferret's pre-commit hook and restored the previous one at {}",
                hook.display()
            ));
        }
    }
    Ok(format!(
        "removed ferret's pre-commit hook from {}",
        hook.display()
    ))
}

fn write_executable(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::io(path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_hook_is_marked_as_ferrets_and_never_verifies() {
        assert!(HOOK.starts_with("#!/bin/sh\n"));
        assert!(HOOK.lines().take(3).any(|l| l.contains(MARKER)));
        let runs: Vec<&str> = HOOK
            .lines()
            .filter(|l| l.trim_start().starts_with("ferret "))
            .collect();
        assert_eq!(
            runs,
            ["ferret git --staged --no-verify"],
            "the hook must never verify live"
        );
    }
}
