//! Remote repositories: `ferret git URL` and the org audit keep a bare mirror of each one
//! in a cache directory and fetch into it incrementally on later runs.
//!
//! Cloning and fetching go through the `git` command, not libgit2: git brings the user's
//! whole transport setup for free (credential helpers such as `gh auth setup-git` or a
//! CI's `GIT_ASKPASS`, `~/.ssh/config`, proxies, `insteadOf` rewrites, `http.extraHeader`),
//! and libgit2 would need each of those wired up by hand (it has no credential-helper
//! support of its own beyond a callback). Reading the mirror afterwards is libgit2's job,
//! as for any local repository.
//!
//! Credentials never leave git: the URL written into a mirror and every URL ferret prints
//! has its user-info removed ([`redact_url`]), and git's own messages are passed through
//! [`redact_text`] before they become part of an error. A URL holding a token
//! (`https://TOKEN@host/...`) still works for the fetch itself, which gets it on the
//! command line, never from disk.
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The refs a mirror keeps: branches and tags, which is what a history audit reads, and
/// the notes and the stash ref, which an org audit reads as well (`--all-objects`). The
/// stash is a pattern so that a remote without one is no error. Pull-request refs
/// (`refs/pull/*`) and other hidden refs are left out: on a busy repository they hold
/// more objects than its branches.
const REFSPECS: &[&str] = &[
    "+refs/heads/*:refs/heads/*",
    "+refs/tags/*:refs/tags/*",
    "+refs/notes/*:refs/notes/*",
    "+refs/stash*:refs/stash*",
];

/// Whether `arg` names a remote repository rather than a local path: a URL with a
/// scheme git fetches over (`https://`, `http://`, `ssh://`, `git://`, `file://`), or
/// scp-like `user@host:path`.
pub fn is_remote(arg: &str) -> bool {
    if let Some((scheme, rest)) = arg.split_once("://") {
        return !rest.is_empty()
            && ["https", "http", "ssh", "git", "file", "git+ssh", "ssh+git"]
                .contains(&scheme.to_ascii_lowercase().as_str());
    }
    // scp-like: `git@github.com:org/repo.git`; a local path with a colon has no `@`
    // before it, and `C:\` is a drive letter.
    match (arg.find('@'), arg.find(':')) {
        (Some(at), Some(colon)) => at < colon && colon > at + 1 && !arg[..at].contains('/'),
        _ => false,
    }
}

/// `url` without credentials: the user-info of a URL with a scheme is replaced by `***`
/// (`https://TOKEN@github.com/org/repo` becomes `https://***@github.com/org/repo`). An
/// ssh user name (`git@host:...`, `ssh://git@host/...`) is not a secret and stays, but a
/// password after it does not.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return redact_scp(url);
    };
    let (scheme, rest) = (&url[..scheme_end], &url[scheme_end + 3..]);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let user_info = &authority[..at];
    let shown = if scheme.to_ascii_lowercase().contains("ssh") && !user_info.contains(':') {
        user_info.to_string()
    } else {
        "***".to_string()
    };
    format!("{scheme}://{shown}@{}", &rest[at + 1..])
}

fn redact_scp(url: &str) -> String {
    match (url.find('@'), url.find(':')) {
        // `user:password@host:path` is not valid scp syntax, but hide it all the same.
        (Some(at), Some(colon)) if colon < at => format!("***@{}", &url[at + 1..]),
        _ => url.to_string(),
    }
}

/// `text` (a message from git) with the user-info of every URL in it redacted.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        // The scheme: letters, digits, `+`, `-`, `.` just before `://`.
        let start = rest[..i]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)))
            .map_or(0, |p| p + 1);
        out.push_str(&rest[..start]);
        let end = rest[i + 3..]
            .find(|c: char| c.is_whitespace() || "'\"<>`".contains(c))
            .map_or(rest.len(), |p| i + 3 + p);
        out.push_str(&redact_url(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// A short name for a repository, for file names and messages: the last two path
/// segments of the URL (`org/repo`), without `.git` and without credentials.
pub fn display_name(url: &str) -> String {
    let clean = redact_url(url);
    let path = match clean.split_once("://") {
        Some((_, rest)) => rest.split_once('/').map_or("", |(_, p)| p).to_string(),
        None => clean
            .split_once(':')
            .map_or(clean.as_str(), |(_, p)| p)
            .to_string(),
    };
    let trimmed = path.trim_end_matches('/').trim_end_matches(".git");
    let parts: Vec<&str> = trimmed.split('/').filter(|s| !s.is_empty()).collect();
    match parts.len() {
        0 => clean,
        1 => parts[0].to_string(),
        n => format!("{}/{}", parts[n - 2], parts[n - 1]),
    }
}

/// A file-name-safe key for a repository: its display name with anything but letters,
/// digits, `.`, `-` and `_` turned into `_`, and a hash of its credential-free URL, so
/// two repositories with the same name on different hosts do not collide.
pub fn slug(url: &str) -> String {
    let name: String = display_name(url)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let digest = Sha256::digest(redact_url(url).replace("://***@", "://").as_bytes());
    let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{hash}", name.trim_start_matches('.'))
}

/// The default cache directory for mirrors: `$XDG_CACHE_HOME/ferret/repos`, else
/// `~/.cache/ferret/repos`, else `ferret-cache/repos` in the temp directory.
pub fn default_cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })
        .unwrap_or_else(|| std::env::temp_dir().join("ferret-cache"));
    base.join("ferret").join("repos")
}

/// A mirror after [`mirror`]: where it is and what the fetch did.
#[derive(Debug, Clone)]
pub struct Mirror {
    /// The bare repository.
    pub path: PathBuf,
    /// The URL as ferret prints it (no credentials).
    pub url: String,
    /// True when this run created the mirror; false when it fetched into an existing one.
    pub cloned: bool,
}

/// Brings the mirror of `url` under `cache_dir` up to date: creates a bare repository
/// the first time, then fetches branches and tags into it (pruning deleted ones). The
/// fetch resumes cleanly after an interrupted one. Git never prompts (no terminal, no
/// `GIT_TERMINAL_PROMPT`): credentials come from its helpers or the URL.
pub fn mirror(url: &str, cache_dir: &Path) -> Result<Mirror> {
    let shown = redact_url(url);
    let path = cache_dir.join(format!("{}.git", slug(url)));
    let fail = |message: String| Error::Remote {
        url: shown.clone(),
        message,
    };
    std::fs::create_dir_all(cache_dir)
        .map_err(|e| fail(format!("cannot create {}: {e}", cache_dir.display())))?;
    let cloned = !path.join("HEAD").is_file();
    if cloned {
        run_git(None, &["init", "--bare", "--quiet"], Some(&path)).map_err(fail)?;
        // The remote as git shows it in the mirror's config, without credentials: fetches
        // pass the real URL on the command line.
        run_git(
            Some(&path),
            &["config", "ferret.remote", &shown],
            None::<&Path>,
        )
        .map_err(fail)?;
    }
    let mut args = vec![
        "fetch",
        "--quiet",
        "--prune",
        "--no-write-fetch-head",
        "--",
        url,
    ];
    args.extend_from_slice(REFSPECS);
    run_git(Some(&path), &args, None::<&Path>).map_err(|m| fail(format!("fetch failed: {m}")))?;
    // HEAD of a new bare repository names `master` (or init.defaultBranch); point it at
    // the remote's default branch when there is one, so `--branch HEAD` means what it
    // means on the server.
    if cloned {
        if let Ok(head) = run_git(
            Some(&path),
            &["ls-remote", "--symref", "--", url, "HEAD"],
            None::<&Path>,
        ) {
            if let Some(branch) = head
                .lines()
                .find_map(|l| l.strip_prefix("ref: ")?.split_whitespace().next())
            {
                let _ = run_git(
                    Some(&path),
                    &["symbolic-ref", "HEAD", branch],
                    None::<&Path>,
                );
            }
        }
    }
    Ok(Mirror {
        path,
        url: shown,
        cloned,
    })
}

/// Runs git (in the repository `dir`, or with `extra_path` appended as the last
/// argument) with no terminal and no prompts; returns stdout, or git's message with
/// credentials redacted.
fn run_git(dir: Option<&Path>, args: &[&str], extra_path: Option<&Path>) -> Result<String, String> {
    let mut cmd = Command::new("git");
    if let Some(d) = dir {
        cmd.arg("--git-dir").arg(d);
    }
    cmd.args(args);
    if let Some(p) = extra_path {
        cmd.arg(p);
    }
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("GCM_INTERACTIVE", "never")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_OBJECT_DIRECTORY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = cmd.output().map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("hint:"))
        .collect();
    let message = match lines.len() {
        0 => format!("git exited with {}", out.status),
        n => lines[n.saturating_sub(3)..].join("; "),
    };
    Err(redact_text(&message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_arguments_are_told_from_paths() {
        for r in [
            "https://github.com/o/r",
            "HTTP://h/x",
            "ssh://git@host/o/r.git",
            "git@github.com:o/r.git",
            "file:///tmp/x",
        ] {
            assert!(is_remote(r), "{r}");
        }
        for p in [
            ".",
            "repo",
            "/tmp/a:b",
            "dir/user@host:x",
            "C:\\repo",
            "mailto://",
        ] {
            assert!(!is_remote(p), "{p}");
        }
    }

    #[test]
    fn credentials_are_redacted_from_urls_and_messages() {
        let token = ["ghp", "_", "abcdef"].concat();
        let url = format!("https://x-access-token:{token}@github.com/o/r.git");
        assert_eq!(redact_url(&url), "https://***@github.com/o/r.git");
        assert_eq!(
            redact_url(&format!("https://{token}@host/o/r")),
            "https://***@host/o/r"
        );
        assert_eq!(redact_url("ssh://git@host/o/r"), "ssh://git@host/o/r");
        assert_eq!(redact_url("ssh://git:pw@host/o/r"), "ssh://***@host/o/r");
        assert_eq!(redact_url("git@host:o/r"), "git@host:o/r");
        assert_eq!(redact_url("https://host/a@b"), "https://host/a@b");
        let msg = format!("fatal: unable to access '{url}/': Could not resolve host");
        let red = redact_text(&msg);
        assert!(!red.contains(&token), "{red}");
        assert_eq!(
            red,
            "fatal: unable to access 'https://***@github.com/o/r.git/': Could not resolve host"
        );
    }

    #[test]
    fn names_and_slugs_are_short_safe_and_distinct() {
        assert_eq!(display_name("https://github.com/org/repo.git"), "org/repo");
        assert_eq!(display_name("git@github.com:org/repo.git"), "org/repo");
        assert_eq!(display_name("file:///srv/git/one.git"), "git/one");
        let a = slug("https://github.com/org/repo.git");
        let b = slug("https://example.com/org/repo.git");
        assert!(a.starts_with("org_repo-"), "{a}");
        assert_ne!(a, b);
        // The same repository with or without a token in the URL is one mirror.
        let token = ["ghp", "_", "abcdef"].concat();
        assert_eq!(
            slug("https://github.com/org/repo.git"),
            slug(&format!("https://{token}@github.com/org/repo.git"))
        );
    }
}
