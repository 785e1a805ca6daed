//! Installing the pre-commit or pre-push hook without clobbering the one that is there.
//!
//! The hook goes where git will run it: `core.hooksPath` when set, else the hooks
//! directory shared by all worktrees. An existing hook is never lost: `--force` moves it
//! to `<hook>.ferret-backup`, `--chain` to `<hook>.ferret-chained` (which ferret's hook
//! runs first), and `uninstall` puts it back.
use ferret_source::git;
use ferret_source::{Error, Result};
use git2::Repository;
use std::path::{Path, PathBuf};

/// The pre-commit hook script (hooks/pre-commit in the source tree).
pub const HOOK: &str = include_str!("../hooks/pre-commit");
/// The pre-push hook script (hooks/pre-push in the source tree).
pub const PRE_PUSH_HOOK: &str = include_str!("../hooks/pre-push");
/// The line that marks a hook file as ferret's own.
const MARKER: &str = "ferret-hook";

/// Which git hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    PreCommit,
    PrePush,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::PreCommit => "pre-commit",
            Kind::PrePush => "pre-push",
        }
    }

    fn script(self) -> &'static str {
        match self {
            Kind::PreCommit => HOOK,
            Kind::PrePush => PRE_PUSH_HOOK,
        }
    }

    /// What a husky user writes instead (husky passes the hook's arguments through).
    fn husky_line(self) -> &'static str {
        match self {
            Kind::PreCommit => "ferret hook pre-commit",
            Kind::PrePush => "ferret hook pre-push \"$@\"",
        }
    }

    fn backup(self) -> String {
        format!("{}.ferret-backup", self.name())
    }

    fn chained(self) -> String {
        format!("{}.ferret-chained", self.name())
    }
}

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
pub fn install(repo_path: &Path, kind: Kind, force: bool, chain: bool) -> Result<String> {
    let repo = git::open(repo_path)?;
    let dir = hooks_dir(&repo)?;
    let name = kind.name();
    if dir.join("h").is_file() && dir.join("husky.sh").is_file() {
        return Err(refuse(format!(
            "{}: core.hooksPath points to husky's generated hooks; add the line \
             `{}` to .husky/{name} instead",
            dir.display(),
            kind.husky_line()
        )));
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let hook = dir.join(name);
    let mut done = format!("installed ferret's {name} hook at {}", hook.display());
    if exists(&hook) && is_ferrets(&hook) {
        done = format!("updated ferret's {name} hook at {}", hook.display());
    } else if exists(&hook) {
        let (keep, how) = if chain {
            (dir.join(kind.chained()), "it runs first, then ferret")
        } else if force {
            (
                dir.join(kind.backup()),
                "`ferret uninstall-hook` restores it",
            )
        } else {
            return Err(refuse(format!(
                "{}: a {name} hook is already there; use --chain to keep it and run it \
                 before ferret, or --force to replace it (it is kept as {})",
                hook.display(),
                kind.backup()
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
            "installed ferret's {name} hook at {}; the previous hook is now {} ({how})",
            hook.display(),
            keep.display()
        );
    }
    write_executable(&hook, kind.script())?;
    Ok(done)
}

/// Removes ferret's hook and puts back the hook it replaced or chained, if any.
pub fn uninstall(repo_path: &Path, kind: Kind) -> Result<String> {
    let repo = git::open(repo_path)?;
    let dir = hooks_dir(&repo)?;
    let name = kind.name();
    let hook = dir.join(name);
    if !exists(&hook) {
        return Ok(format!(
            "no {name} hook at {}; nothing to do",
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
    for kept in [kind.chained(), kind.backup()] {
        let kept = dir.join(kept);
        if exists(&kept) {
            std::fs::rename(&kept, &hook).map_err(|e| Error::io(&kept, e))?;
            return Ok(format!(
                "removed ferret's {name} hook and restored the previous one at {}",
                hook.display()
            ));
        }
    }
    Ok(format!(
        "removed ferret's {name} hook from {}",
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
    fn the_shipped_hooks_are_marked_as_ferrets_and_run_the_hook_command() {
        for (script, runs) in [
            (HOOK, vec!["exec ferret hook pre-commit"]),
            (
                PRE_PUSH_HOOK,
                vec![
                    "printf '%s\\n' \"$refs\" | ferret hook pre-push \"$@\"",
                    "exec ferret hook pre-push \"$@\"",
                ],
            ),
        ] {
            assert!(script.starts_with("#!/bin/sh\n"));
            assert!(script.lines().take(3).any(|l| l.contains(MARKER)));
            // `ferret hook` never verifies: the hooks only ever run it.
            let found: Vec<&str> = script
                .lines()
                .map(str::trim)
                .filter(|l| !l.starts_with('#') && !l.starts_with("echo"))
                .filter(|l| l.contains("ferret hook") || l.contains("ferret git"))
                .collect();
            assert_eq!(found, runs);
        }
    }
}
