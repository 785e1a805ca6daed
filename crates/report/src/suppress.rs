//! Suppressions that people write down: a baseline of known findings (`--baseline FILE`)
//! and `.ferretignore` at the scanned root. Both are lists of fingerprints; a fingerprint
//! hashes rule, secret and path with no line or commit, so an entry survives edits above
//! the line, rebases and squash merges, and a new secret (or the old one pasted into a new
//! file) is still reported.
//!
//! Suppression happens once, in `app::finish`, so every command that reports findings gets
//! it the same way.
use crate::{Error, Result};
use ferret_engine::finding::{sanitize, Finding};
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
}

/// How many findings each kind of suppression removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Suppressed {
    pub baseline: u64,
    pub ignored: u64,
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
        Ok(Suppressions { baseline, ignored })
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
        if self.baseline.is_empty() && self.ignored.is_empty() {
            return n;
        }
        findings.retain(|f| {
            if self.ignored.contains(&f.fingerprint) {
                n.ignored += 1;
                dropped(f, Reason::Ignored);
                false
            } else if self.baseline.contains(&f.fingerprint) {
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

fn normalize(s: &str) -> Option<String> {
    (s.len() == FINGERPRINT_LEN && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| s.to_ascii_lowercase())
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
            fingerprint: fingerprint(rule, secret, path),
            offset: (0, 1),
            line_text: secret.into(),
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
            "x: line 3: expected one 32-hex-digit fingerprint, found \"not-a-fingerprint\""
        );
    }

    #[test]
    fn reports_of_every_format_read_as_baselines() {
        let fp = fingerprint("r", "s", "p");
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
        };
        let mut fs = vec![a, b, c.clone()];
        let n = s.apply(&mut fs);
        assert_eq!((n.baseline, n.ignored), (1, 1));
        assert_eq!(fs.len(), 1);
        assert_eq!(fs[0].fingerprint, c.fingerprint);
    }
}
