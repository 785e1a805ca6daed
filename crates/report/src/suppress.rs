//! Suppressions that people write down: a baseline of known findings (`--baseline FILE`)
//! and `.ferretignore` at the scanned root. Both are lists of fingerprints; a fingerprint
//! hashes rule, secret and path with no line or commit, so an entry survives edits above
//! the line, rebases and squash merges, and a new secret (or the old one pasted into a new
//! file) is still reported.
//!
//! A team coming from gitleaks keeps its `.gitleaksignore` (read from the same place):
//! gitleaks' fingerprints are places, not hashes, `commit:file:rule:line` from a history
//! scan or `file:rule:line` from a directory scan (which then holds in every commit), the
//! commit full or abbreviated (gitleaks shortened it to 7 digits in 8.26). gitleaks' rule
//! names are not ferret's: an entry whose rule ferret does not have applies to any rule's
//! finding at that file and line.
//!
//! Suppression happens once, in `app::finish`, so every command that reports findings gets
//! it the same way.
use crate::{Error, Result};
use ferret_engine::finding::{legacy_fingerprint, sanitize, Finding};
use ferret_engine::Reason;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Hex digits in a fingerprint (see [`ferret_engine::finding::fingerprint`]).
pub const FINGERPRINT_LEN: usize = 32;

/// The fingerprints not to report, by where they came from.
#[derive(Debug, Default)]
pub struct Suppressions {
    baseline: HashSet<String>,
    ignored: HashSet<String>,
    gitleaks: Vec<GitleaksEntry>,
}

/// One `.gitleaksignore` line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GitleaksEntry {
    /// Lowercase hex, 7 to 64 digits; `None` matches every commit (and findings without
    /// one).
    commit: Option<String>,
    file: String,
    /// `None` when the entry names a rule ferret does not have: any rule matches.
    rule: Option<String>,
    line: usize,
}

impl GitleaksEntry {
    fn matches(&self, f: &Finding) -> bool {
        if f.line != self.line || normalize_path(&f.path) != self.file {
            return false;
        }
        if self.rule.as_ref().is_some_and(|r| *r != f.rule_id) {
            return false;
        }
        match (&self.commit, &f.commit) {
            (None, _) => true,
            (Some(want), Some(c)) => c.commit.to_ascii_lowercase().starts_with(want.as_str()),
            (Some(_), None) => false,
        }
    }
}

/// How many findings each kind of suppression removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Suppressed {
    pub baseline: u64,
    pub ignored: u64,
    /// Of those, how many matched a fingerprint in ferret 0.1's form only: the list
    /// should be rewritten (those fingerprints can be guessed back for weak secrets).
    pub legacy: u64,
}

impl Suppressions {
    /// Reads `--baseline FILE` (if given) and parses the ignore list (`.ferretignore`,
    /// which the settings layer read with the scanned tree's limits): (its name, its text).
    pub fn load(baseline: Option<&Path>, ignore: Option<&(PathBuf, String)>) -> Result<Self> {
        let baseline = match baseline {
            Some(p) => read_baseline(p)?,
            None => HashSet::new(),
        };
        let ignored = match ignore {
            Some((name, text)) => parse_list(name, text)?,
            None => HashSet::new(),
        };
        Ok(Suppressions {
            baseline,
            ignored,
            gitleaks: Vec::new(),
        })
    }

    /// Also honours gitleaks' ignore file (read by the settings layer, with the scanned
    /// tree's limits): (its name, its text). `is_rule` says whether ferret has a rule of
    /// that id (an entry naming another rule matches any rule at its place).
    pub fn with_gitleaks_ignore(
        mut self,
        ignore: Option<&(PathBuf, String)>,
        is_rule: &dyn Fn(&str) -> bool,
    ) -> Result<Self> {
        if let Some((name, text)) = ignore {
            self.gitleaks = parse_gitleaks_ignore(name, text, is_rule)?;
        }
        Ok(self)
    }

    /// Removes suppressed findings. A fingerprint in both lists counts as ignored: the
    /// ignore file is the deliberate, reviewed decision.
    pub fn apply(&self, findings: &mut Vec<Finding>) -> Suppressed {
        self.apply_explained(findings, &mut |_, _| {})
    }

    /// [`Suppressions::apply`], telling `dropped` about each finding it removes.
    pub fn apply_explained(
        &self,
        findings: &mut Vec<Finding>,
        dropped: &mut dyn FnMut(&Finding, Reason),
    ) -> Suppressed {
        let mut n = Suppressed::default();
        if self.baseline.is_empty() && self.ignored.is_empty() && self.gitleaks.is_empty() {
            return n;
        }
        findings.retain(|f| {
            // Lists written by ferret 0.1 hold the fingerprints it computed then; they still
            // match, and a note asks for the list to be rewritten (see `legacy`).
            let legacy = || {
                let old = legacy_fingerprint(&f.rule_id, &f.secret, &f.path);
                (old != f.fingerprint).then_some(old)
            };
            let listed = |set: &HashSet<String>, n_legacy: &mut u64| {
                set.contains(&f.fingerprint)
                    || legacy().is_some_and(|old| {
                        let hit = set.contains(&old);
                        *n_legacy += u64::from(hit);
                        hit
                    })
            };
            if listed(&self.ignored, &mut n.legacy) {
                n.ignored += 1;
                dropped(f, Reason::Ignored);
                false
            } else if self.gitleaks.iter().any(|e| e.matches(f)) {
                n.ignored += 1;
                dropped(f, Reason::GitleaksIgnored);
                false
            } else if listed(&self.baseline, &mut n.legacy) {
                n.baseline += 1;
                dropped(f, Reason::Baseline);
                false
            } else {
                true
            }
        });
        n
    }
}

fn read(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|_| invalid(path, "not UTF-8 text"))
}

fn invalid(path: &Path, message: impl Into<String>) -> Error {
    Error::Baseline {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// A baseline file, or a ferret report used as one: `--format json` (an object with
/// `findings`), `jsonl` (one finding per line) or `sarif` (`properties.fingerprint` of each
/// result).
pub fn read_baseline(path: &Path) -> Result<HashSet<String>> {
    let text = read(path)?;
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('{') {
        from_report(path, body)
    } else {
        parse_list(path, &text)
    }
}

fn from_report(path: &Path, text: &str) -> Result<HashSet<String>> {
    let docs: Vec<(usize, Value)> = match serde_json::from_str::<Value>(text) {
        Ok(doc) => vec![(0, doc)],
        // Not one document: JSON lines.
        Err(_) => text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l)
                    .map(|v| (i + 1, v))
                    .map_err(|e| invalid(path, format!("line {}: not JSON: {e}", i + 1)))
            })
            .collect::<Result<_>>()?,
    };
    let mut out = HashSet::new();
    for (line, doc) in docs {
        let at = |what: &str| match line {
            0 => what.to_string(),
            n => format!("line {n}: {what}"),
        };
        let fps: Vec<&Value> = if let Some(fs) = doc.get("findings").and_then(Value::as_array) {
            fs.iter().map(|f| &f["fingerprint"]).collect()
        } else if let Some(runs) = doc.get("runs").and_then(Value::as_array) {
            runs.iter()
                .filter_map(|r| r.get("results").and_then(Value::as_array))
                .flatten()
                .map(|r| &r["properties"]["fingerprint"])
                .collect()
        } else if doc.get("fingerprint").is_some() {
            vec![&doc["fingerprint"]]
        } else {
            return Err(invalid(
                path,
                at("JSON, but not a ferret report (no `findings`, `runs` or `fingerprint`)"),
            ));
        };
        for fp in fps {
            match fp.as_str().and_then(normalize) {
                Some(fp) => {
                    out.insert(fp);
                }
                None => return Err(invalid(path, at("a finding without a valid fingerprint"))),
            }
        }
    }
    Ok(out)
}

/// A list of fingerprints, one per line; `#` starts a comment; blank lines are skipped.
pub fn parse_list(path: &Path, text: &str) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let entry = line.split('#').next().unwrap_or("").trim();
        if entry.is_empty() {
            continue;
        }
        let mut words = entry.split_whitespace();
        let first = words.next().unwrap_or("");
        match normalize(first) {
            Some(fp) if words.next().is_none() => {
                out.insert(fp);
            }
            _ => {
                // The line is not quoted: whatever it holds (a pasted secret, another
                // file's content through a link) stays out of logs.
                return Err(invalid(
                    path,
                    format!(
                        "line {}: expected one {FINGERPRINT_LEN}-hex-digit fingerprint",
                        i + 1
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// gitleaks' ignore file: one fingerprint per line, `#` comments and blank lines skipped.
fn parse_gitleaks_ignore(
    path: &Path,
    text: &str,
    is_rule: &dyn Fn(&str) -> bool,
) -> Result<Vec<GitleaksEntry>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let entry = raw.split('#').next().unwrap_or("").trim();
        if entry.is_empty() {
            continue;
        }
        // Never quote the line: an ignore file may hold the very secret it ignores.
        let bad = || {
            invalid(
                path,
                format!(
                    "line {}: expected gitleaks' `commit:file:rule:line` or `file:rule:line`",
                    i + 1
                ),
            )
        };
        // The file may hold colons; the rule and line never do.
        let mut parts = entry.rsplitn(3, ':');
        let (Some(line), Some(rule), Some(rest)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let line: usize = line.trim().parse().map_err(|_| bad())?;
        let (commit, file) = match rest.split_once(':') {
            Some((c, f)) if is_commit(c) && !f.is_empty() => (Some(c.to_ascii_lowercase()), f),
            _ => (None, rest),
        };
        if file.is_empty() || rule.is_empty() {
            return Err(bad());
        }
        out.push(GitleaksEntry {
            commit,
            file: normalize_path(file),
            rule: is_rule(rule).then(|| rule.to_string()),
            line,
        });
    }
    Ok(out)
}

fn is_commit(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn normalize_path(p: &str) -> String {
    let p = p.replace('\\', "/");
    p.strip_prefix("./").map(str::to_string).unwrap_or(p)
}

fn normalize(s: &str) -> Option<String> {
    (s.len() == FINGERPRINT_LEN && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| s.to_ascii_lowercase())
}

/// Entry point for the fuzz target in `fuzz/` and the test that replays its corpus: the
/// text of an ignore list, a `.gitleaksignore` or a baseline (a list or an earlier JSON,
/// JSONL or SARIF report). Must return for any input.
pub fn fuzz_lists(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let name = Path::new("fuzz");
    let _ = parse_list(name, text);
    let _ = parse_gitleaks_ignore(name, text, &|_: &str| true);
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('{') {
        let _ = from_report(name, body);
    }
}

/// Writes a baseline: one fingerprint per line, sorted and unique, each with a comment
/// naming the rule and path (never the secret). Returns the number of entries.
pub fn write_baseline(findings: &[Finding], w: &mut dyn Write) -> io::Result<usize> {
    let entries: BTreeMap<&str, (&str, &str)> = findings
        .iter()
        .map(|f| {
            (
                f.fingerprint.as_str(),
                (f.rule_id.as_str(), f.path.as_str()),
            )
        })
        .collect();
    writeln!(
        w,
        "# ferret baseline: findings known when this file was written. Scans with\n\
         # `--baseline FILE` do not report them. Regenerate with `ferret baseline FILE [PATH]`.\n\
         # Each line: fingerprint (hash of rule, secret and path)  # rule  path"
    )?;
    for (fp, (rule, path)) in &entries {
        writeln!(w, "{fp}  # {}  {}", sanitize(rule), sanitize(path))?;
    }
    Ok(entries.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_engine::finding::fingerprint;

    fn finding(rule: &str, secret: &str, path: &str) -> Finding {
        Finding {
            rule_id: rule.into(),
            description: "d".into(),
            severity: ferret_rules::Severity::High,
            tags: vec![],
            path: path.into(),
            line: 1,
            column: 1,
            end_column: 2,
            secret: secret.into(),
            fingerprint: fingerprint(rule, &[], secret, path),
            offset: (0, 1),
            line_text: ferret_engine::finding::LineText::plain(secret),
            ..Default::default()
        }
    }

    #[test]
    fn written_baseline_reads_back_sorted_and_without_secrets() {
        let fs = vec![
            finding("r-b", "value-one-123", "b.txt"),
            finding("r-a", "value-two-456", "a\nb.txt"),
            finding("r-b", "value-one-123", "b.txt"),
        ];
        let mut out = Vec::new();
        assert_eq!(write_baseline(&fs, &mut out).unwrap(), 2);
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("value-"), "{text}");
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        let mut sorted = lines.clone();
        sorted.sort();
        assert_eq!(lines, sorted);
        assert_eq!(lines.len(), 2);
        let set = parse_list(Path::new("b"), &text).unwrap();
        assert!(fs.iter().all(|f| set.contains(&f.fingerprint)));
    }

    #[test]
    fn list_errors_name_the_line() {
        let e = parse_list(Path::new("x"), "# c\n\nnot-a-fingerprint\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "x: line 3: expected one 32-hex-digit fingerprint"
        );
    }

    #[test]
    fn reports_of_every_format_read_as_baselines() {
        let fp = fingerprint("r", &[], "s", "p");
        let json = format!(r#"{{"findings":[{{"fingerprint":"{fp}"}}]}}"#);
        let jsonl = format!("{{\"fingerprint\":\"{fp}\"}}\n{{\"fingerprint\":\"{fp}\"}}\n");
        let sarif =
            format!(r#"{{"runs":[{{"results":[{{"properties":{{"fingerprint":"{fp}"}}}}]}}]}}"#);
        for doc in [json, jsonl, sarif] {
            let set = from_report(Path::new("r"), &doc).unwrap();
            assert_eq!(
                set.into_iter().collect::<Vec<_>>(),
                vec![fp.clone()],
                "{doc}"
            );
        }
        assert!(from_report(Path::new("r"), r#"{"other":1}"#).is_err());
    }

    #[test]
    fn ignore_file_wins_over_baseline_in_the_counts() {
        let a = finding("r", "secret-a-1", "a");
        let b = finding("r", "secret-b-2", "b");
        let c = finding("r", "secret-c-3", "c");
        let s = Suppressions {
            baseline: [a.fingerprint.clone(), b.fingerprint.clone()].into(),
            ignored: [b.fingerprint.clone()].into(),
            gitleaks: Vec::new(),
        };
        let mut fs = vec![a, b, c.clone()];
        let n = s.apply(&mut fs);
        assert_eq!((n.baseline, n.ignored), (1, 1));
        assert_eq!(fs.len(), 1);
        assert_eq!(fs[0].fingerprint, c.fingerprint);
    }

    #[test]
    fn gitleaks_ignore_entries_match_by_place() {
        let commit = "0123456789abcdef0123456789abcdef01234567";
        let text = format!(
            "# reviewed\n\
             {commit}:config/app.yml:r:2\n\
             0123456:config/other.yml:r:3  # short commit, gitleaks 8.26+\n\
             src/a.py:generic-api-key:7\n\
             docs/x:y.md:r:1\n"
        );
        let entries =
            parse_gitleaks_ignore(Path::new(".gitleaksignore"), &text, &|r| r == "r").unwrap();
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[3].file, "docs/x:y.md", "a colon in the file name");
        let s = Suppressions {
            gitleaks: entries,
            ..Default::default()
        };
        let at = |rule: &str, path: &str, line: usize, c: Option<&str>| {
            let mut f = finding(rule, "value-1234567", path);
            f.line = line;
            f.commit = c.map(|c| ferret_engine::finding::CommitInfo {
                commit: c.to_string(),
                author: String::new(),
                email: String::new(),
                date: String::new(),
                message: String::new(),
            });
            let mut v = vec![f];
            s.apply(&mut v).ignored
        };
        assert_eq!(at("r", "config/app.yml", 2, Some(commit)), 1);
        assert_eq!(
            at("r", "config/app.yml", 2, Some(&"f".repeat(40))),
            0,
            "other commit"
        );
        assert_eq!(at("r", "config/app.yml", 3, Some(commit)), 0, "other line");
        assert_eq!(
            at("other", "config/app.yml", 2, Some(commit)),
            0,
            "a ferret rule differs"
        );
        assert_eq!(at("r", "config/app.yml", 2, None), 0, "no commit to match");
        assert_eq!(
            at("r", "config/other.yml", 3, Some(commit)),
            1,
            "short commit"
        );
        // gitleaks' own rule name: any ferret rule at that place, in any commit.
        assert_eq!(at("attio-api-token", "src/a.py", 7, Some(commit)), 1);
        assert_eq!(at("attio-api-token", "src/a.py", 7, None), 1);

        let e = parse_gitleaks_ignore(Path::new("g"), "just-a-word\n", &|_| true).unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }
}
