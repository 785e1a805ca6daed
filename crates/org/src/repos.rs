//! The repositories to audit, from a REPOS file: one URL or local path per line (`#`
//! comments and blank lines allowed, an optional size in KiB after the URL), or the JSON
//! that `gh repo list ORG --json nameWithOwner,url,diskUsage` prints.
//!
//! A line that names no repository becomes an entry with an error, not a failure of the
//! whole plan: the shard it lands on writes a coverage record saying so and exits 2, so a
//! typo in the list is never silently "no findings".
use crate::{Error, Result};
use ferret_source::git::remote;
use serde_json::Value;
use std::path::Path;

/// One repository of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// A URL (credentials removed) or a local path.
    pub url: String,
    /// A short name for reports: `org/repo` for a URL, the path for a local repository.
    pub name: String,
    /// Size in KiB when known (GitHub's `diskUsage`/`size`, or measured on disk).
    pub size_kb: Option<u64>,
    /// Why this entry cannot be audited (a bad line); the shard records it.
    pub error: Option<String>,
}

impl Entry {
    /// An entry for `url` (a URL or a path); credentials in a URL are dropped (and
    /// `dropped_credentials` is set) because the plan is a file that travels.
    pub fn new(url: &str, size_kb: Option<u64>) -> (Entry, bool) {
        let clean = if remote::is_remote(url) {
            strip_credentials(url)
        } else {
            url.to_string()
        };
        let dropped = clean != url;
        let name = if remote::is_remote(&clean) {
            remote::display_name(&clean)
        } else {
            clean.clone()
        };
        (
            Entry {
                url: clean,
                name,
                size_kb,
                error: None,
            },
            dropped,
        )
    }

    fn bad(line: usize, text: &str, why: &str) -> Entry {
        let shown: String = remote::redact_text(text).chars().take(120).collect();
        Entry {
            url: String::new(),
            name: format!("REPOS line {line}"),
            size_kb: None,
            error: Some(format!("line {line}: {why}: {shown:?}")),
        }
    }
}

/// `url` without user-info for http(s) (a token there would end up in the plan); ssh user
/// names stay (`git@host:...`).
fn strip_credentials(url: &str) -> String {
    let red = remote::redact_url(url);
    red.replacen("://***@", "://", 1)
        .trim_start_matches("***@")
        .to_string()
}

/// What a REPOS file held.
#[derive(Debug, Default)]
pub struct Listed {
    pub entries: Vec<Entry>,
    /// How many URLs held credentials that were dropped.
    pub dropped_credentials: usize,
}

/// Reads a REPOS file (lines or `gh repo list` JSON).
pub fn read(path: &Path) -> Result<Listed> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    if text.trim_start().starts_with('[') {
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| Error::format(path, format!("not valid JSON: {e}")))?;
        return from_gh_json(&v).map_err(|m| Error::format(path, m));
    }
    Ok(from_lines(&text))
}

/// Parses the line format.
pub fn from_lines(text: &str) -> Listed {
    let mut out = Listed::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let url = parts.next().unwrap_or_default();
        let size = parts.next();
        let rest = parts.next();
        let size_kb = match size.map(|s| s.parse::<u64>()) {
            None => None,
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => {
                out.entries
                    .push(Entry::bad(i + 1, line, "expected `URL [SIZE_KIB]`"));
                continue;
            }
        };
        if rest.is_some() {
            out.entries
                .push(Entry::bad(i + 1, line, "expected `URL [SIZE_KIB]`"));
            continue;
        }
        if !looks_like_repo(url) {
            out.entries
                .push(Entry::bad(i + 1, line, "not a repository URL or path"));
            continue;
        }
        let size_kb = size_kb.or_else(|| local_size_kb(url));
        let (entry, dropped) = Entry::new(url, size_kb);
        out.dropped_credentials += usize::from(dropped);
        out.entries.push(entry);
    }
    out
}

/// A URL git can fetch, or something that could be a path (no scheme we do not know,
/// no spaces, no control characters).
fn looks_like_repo(s: &str) -> bool {
    if remote::is_remote(s) {
        return true;
    }
    if s.contains("://") || s.chars().any(|c| c.is_control()) {
        return false;
    }
    true
}

/// The size of a local repository on disk (its object store), in KiB; `file://` URLs are
/// local too.
fn local_size_kb(path: &str) -> Option<u64> {
    let p = Path::new(path.strip_prefix("file://").unwrap_or(path));
    if !p.exists() {
        return None;
    }
    let objects = [p.join(".git/objects"), p.join("objects")]
        .into_iter()
        .find(|d| d.is_dir())?;
    Some(dir_size(&objects) / 1024)
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.filter_map(|e| e.ok())
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(_) => e.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}

/// Parses `gh repo list ORG --json nameWithOwner,url,diskUsage` (also accepts the REST
/// API's `full_name`, `clone_url` and `size`).
pub fn from_gh_json(v: &Value) -> std::result::Result<Listed, String> {
    let items = v
        .as_array()
        .ok_or("expected a JSON array of repositories")?;
    let mut out = Listed::default();
    for (i, item) in items.iter().enumerate() {
        let url = item
            .get("url")
            .or_else(|| item.get("clone_url"))
            .and_then(Value::as_str);
        let Some(url) = url else {
            out.entries.push(Entry::bad(
                i + 1,
                &item.to_string(),
                "entry without `url` (use --json nameWithOwner,url,diskUsage)",
            ));
            continue;
        };
        let size = item
            .get("diskUsage")
            .or_else(|| item.get("size"))
            .and_then(Value::as_u64);
        let (mut entry, dropped) = Entry::new(url, size);
        if let Some(n) = item
            .get("nameWithOwner")
            .or_else(|| item.get("full_name"))
            .and_then(Value::as_str)
        {
            entry.name = n.to_string();
        }
        out.dropped_credentials += usize::from(dropped);
        out.entries.push(entry);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_comments_sizes_and_bad_lines() {
        let token = ["ghp", "_", "xyz"].concat();
        let text = format!(
            "# org\n\nhttps://github.com/o/a.git 300\nhttps://{token}@github.com/o/b\n\
             git@github.com:o/c.git\nnot a repo line\nhttps://github.com/o/d 12kb\n"
        );
        let l = from_lines(&text);
        assert_eq!(l.entries.len(), 5);
        assert_eq!(l.entries[0].name, "o/a");
        assert_eq!(l.entries[0].size_kb, Some(300));
        assert_eq!(l.entries[1].url, "https://github.com/o/b");
        assert_eq!(l.dropped_credentials, 1);
        assert_eq!(l.entries[2].name, "o/c");
        assert!(l.entries[3].error.as_deref().unwrap().contains("line 6"));
        assert!(l.entries[4].error.is_some());
        assert!(!format!("{l:?}").contains(&token));
    }

    #[test]
    fn gh_json_is_read() {
        let v: Value = serde_json::from_str(
            r#"[{"nameWithOwner":"o/a","url":"https://github.com/o/a","diskUsage":42},
                {"nameWithOwner":"o/b"}]"#,
        )
        .unwrap();
        let l = from_gh_json(&v).unwrap();
        assert_eq!(l.entries[0].name, "o/a");
        assert_eq!(l.entries[0].size_kb, Some(42));
        assert!(l.entries[1].error.is_some());
    }
}
