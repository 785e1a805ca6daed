//! Scoring any scanner's JSON report against the truth. A finding is located by path and
//! line only (rule names differ between scanners); a location inside a planted secret's
//! lines finds that secret, and any other location is a false positive, whether it is on
//! a planted look-alike or on a line nobody labeled.
//!
//! Reports understood: ferret (`--format json` or `jsonl`), gitleaks and betterleaks
//! (`--report-format json` / `-o file.json`), kingfisher (`--format json` or `jsonl`).
use super::{Entry, Truth};
use crate::{Error, Result};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;

/// Where a scanner reported something: a line, or a range of lines for scanners that
/// report one (gitleaks' Kubernetes Secret rule spans from `kind: Secret` to the value).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub path: String,
    pub line: usize,
    pub end_line: usize,
}

impl Location {
    /// Whether the location is in a file under `prefix` (see `Truth::only`).
    pub fn under(&self, prefix: &str) -> bool {
        self.path.starts_with(prefix)
    }
}

/// Reads a report file; see [`parse_report`].
pub fn read_report(path: &Path, root: Option<&str>) -> Result<Vec<Location>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_report(&text, root).map_err(|m| Error::Usage(format!("{}: {m}", path.display())))
}

/// The locations in a JSON or JSON Lines report of any supported scanner. Paths are made
/// relative to `root` (the scanned directory as the scanner was given it) and use `/`.
pub fn parse_report(text: &str, root: Option<&str>) -> std::result::Result<Vec<Location>, String> {
    let items: Vec<Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(a)) => a,
        // JSON Lines with a single finding.
        Ok(Value::Object(o)) if !o.contains_key("findings") => vec![Value::Object(o)],
        Ok(Value::Object(mut o)) => match o.remove("findings") {
            Some(Value::Array(a)) => a,
            Some(Value::Null) | None => Vec::new(),
            Some(_) => return Err("\"findings\" is not an array".into()),
        },
        Ok(_) => return Err("not a JSON report".into()),
        Err(_) if text.trim().is_empty() => Vec::new(),
        Err(_) => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).map_err(|e| format!("not JSON or JSON Lines: {e}")))
            .collect::<std::result::Result<_, _>>()?,
    };
    let mut out = Vec::new();
    for f in &items {
        let (p, line, end) = locate(f).ok_or("a finding without a path and line")?;
        let path = normalize(&p, root);
        // ferret reports a multi-part credential once, with its parts' lines: each is a
        // reported location.
        for part in f
            .get("parts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(l) = part.get("line").and_then(Value::as_u64) {
                out.push(Location {
                    path: path.clone(),
                    line: l as usize,
                    end_line: l as usize,
                });
            }
        }
        out.push(Location {
            path,
            line,
            end_line: end.max(line),
        });
    }
    Ok(out)
}

/// (path, line, end line) of one finding, in whichever scanner's shape it comes.
fn locate(f: &Value) -> Option<(String, usize, usize)> {
    let pick = |o: &Value, keys: &[&str]| keys.iter().find_map(|k| o.get(*k).cloned());
    for scope in [Some(f), f.get("location"), f.get("finding")]
        .into_iter()
        .flatten()
    {
        let path =
            pick(scope, &["path", "File", "file"]).and_then(|v| v.as_str().map(str::to_string));
        let line = pick(scope, &["line", "StartLine", "start_line"]).and_then(|v| v.as_u64());
        let end = pick(scope, &["end_line", "EndLine"]).and_then(|v| v.as_u64());
        if let (Some(p), Some(l)) = (path, line) {
            return Some((p, l as usize, end.unwrap_or(l) as usize));
        }
    }
    None
}

fn normalize(path: &str, root: Option<&str>) -> String {
    let mut p = path.replace('\\', "/");
    if let Some(r) = root {
        let r = r.replace('\\', "/");
        let r = r.trim_end_matches('/');
        if !r.is_empty() && r != "." {
            if let Some(rest) = p.strip_prefix(r) {
                p = rest.trim_start_matches('/').to_string();
            }
        }
    }
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    p
}

/// One scanner's result on one tree.
#[derive(Debug, Clone, Default)]
pub struct Score {
    /// Per family: (secrets planted, secrets found).
    pub families: BTreeMap<String, (usize, usize)>,
    /// Per context (where secrets were written): (planted, found).
    pub contexts: BTreeMap<String, (usize, usize)>,
    /// Per class (command lines, connection strings, multi-part) and variant: (planted,
    /// found).
    pub classes: BTreeMap<String, BTreeMap<String, (usize, usize)>>,
    /// Per class: distinct reported locations that found one of its secrets, and those on
    /// one of its look-alikes.
    pub class_reports: BTreeMap<String, (usize, usize)>,
    /// Distinct reported locations that found a planted secret.
    pub true_positives: usize,
    /// Distinct reported locations that found nothing planted, with the look-alike there
    /// if the line holds one.
    pub false_positives: Vec<(Location, Option<Entry>)>,
    pub missed: Vec<Entry>,
}

impl Score {
    pub fn planted(&self) -> usize {
        self.families.values().map(|f| f.0).sum()
    }

    pub fn found(&self) -> usize {
        self.families.values().map(|f| f.1).sum()
    }

    pub fn recall(&self) -> f64 {
        ratio(self.found(), self.planted())
    }

    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives.len(),
        )
    }

    /// A class's recall and precision: (planted, found, true positives, false positives).
    pub fn class(&self, class: &str) -> (usize, usize, usize, usize) {
        let (planted, found) = self
            .classes
            .get(class)
            .map(|m| m.values().fold((0, 0), |a, v| (a.0 + v.0, a.1 + v.1)))
            .unwrap_or_default();
        let (tp, fp) = self.class_reports.get(class).copied().unwrap_or_default();
        (planted, found, tp, fp)
    }

    pub fn family_recall(&self, family: &str) -> f64 {
        self.families
            .get(family)
            .map_or(0.0, |&(planted, found)| ratio(found, planted))
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Scores `found` against `truth`.
pub fn score(truth: &Truth, found: &[Location]) -> Score {
    // (path, line) → the entry covering it.
    let mut at: HashMap<(&str, usize), &Entry> = HashMap::new();
    for e in &truth.entries {
        for l in e.line..=e.end_line {
            at.insert((e.path.as_str(), l), e);
        }
    }
    let locations: BTreeSet<&Location> = found.iter().collect();
    let mut hit: BTreeSet<(&str, usize)> = BTreeSet::new();
    let mut s = Score::default();
    for loc in locations {
        let mut secrets = Vec::new();
        let mut lookalike: Option<Entry> = None;
        let mut class = None;
        // A reported range finds every planted secret it covers (bounded: no scanner
        // reports a finding thousands of lines long).
        for l in loc.line..=loc.end_line.min(loc.line + 1000) {
            match at.get(&(loc.path.as_str(), l)) {
                Some(e) if e.is_secret => {
                    secrets.push((e.path.as_str(), e.line));
                    class = class.or(e.class.as_deref());
                }
                Some(e) if lookalike.is_none() => lookalike = Some((*e).clone()),
                _ => {}
            }
        }
        if secrets.is_empty() {
            if let Some(c) = lookalike.as_ref().and_then(|e| e.class.clone()) {
                s.class_reports.entry(c).or_default().1 += 1;
            }
            s.false_positives.push((loc.clone(), lookalike));
        } else {
            if let Some(c) = class {
                s.class_reports.entry(c.to_string()).or_default().0 += 1;
            }
            s.true_positives += 1;
            hit.extend(secrets);
        }
    }
    for e in truth.secrets() {
        let found = hit.contains(&(e.path.as_str(), e.line));
        for (key, map) in [(&e.family, &mut s.families), (&e.context, &mut s.contexts)] {
            let slot = map.entry(key.clone()).or_default();
            slot.0 += 1;
            slot.1 += usize::from(found);
        }
        if let Some(c) = &e.class {
            let slot = s
                .classes
                .entry(c.clone())
                .or_default()
                .entry(e.context.clone())
                .or_default();
            slot.0 += 1;
            slot.1 += usize::from(found);
        }
        if !found {
            s.missed.push(e.clone());
        }
    }
    s
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A Markdown table of several scanners' scores on one tree: overall recall and precision,
/// then recall per family (and per context with `by_context`).
pub fn table(truth: &Truth, scores: &[(&str, &Score)], by_context: bool) -> String {
    let mut out = String::new();
    let names: Vec<&str> = scores.iter().map(|(n, _)| *n).collect();
    let head = |out: &mut String, first: &str| {
        let _ = writeln!(out, "| {first} | planted | {} |", names.join(" | "));
        let _ = writeln!(out, "|---|---:|{}", "---:|".repeat(names.len()));
    };
    head(&mut out, "overall");
    let planted = truth.secrets().count();
    let row = |f: &dyn Fn(&Score) -> String| {
        scores
            .iter()
            .map(|(_, s)| f(s))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    // One line of a recall table: what was planted of `label`, and per tool what it found
    // ("100%", or the share and the count).
    let recall_row = |out: &mut String, label: &str, get: &dyn Fn(&Score) -> (usize, usize)| {
        let planted = scores.first().map_or(0, |(_, s)| get(s).0);
        let _ = writeln!(
            out,
            "| {label} | {planted} | {} |",
            row(&|s| {
                let (p, f) = get(s);
                if f == p {
                    "100%".to_string()
                } else {
                    format!("{} ({f})", pct(ratio(f, p)))
                }
            })
        );
    };
    let _ = writeln!(
        out,
        "| recall | {planted} | {} |",
        row(&|s| format!("{} ({})", pct(s.recall()), s.found()))
    );
    let _ = writeln!(
        out,
        "| precision | | {} |",
        row(&|s| format!("{} ({} FP)", pct(s.precision()), s.false_positives.len()))
    );
    let decoys = truth.entries.len() - planted;
    let _ = writeln!(
        out,
        "| look-alikes reported | {decoys} | {} |",
        row(&|s| s
            .false_positives
            .iter()
            .filter(|(_, e)| e.is_some())
            .count()
            .to_string())
    );
    let _ = writeln!(
        out,
        "| unlabeled lines reported | | {} |",
        row(&|s| s
            .false_positives
            .iter()
            .filter(|(_, e)| e.is_none())
            .count()
            .to_string())
    );
    let mut sections = vec![("family", true)];
    if by_context {
        sections.push(("context", false));
    }
    for (title, family) in sections {
        let _ = writeln!(out);
        head(&mut out, title);
        let keys: BTreeSet<&String> = scores
            .iter()
            .flat_map(|(_, s)| {
                if family {
                    s.families.keys()
                } else {
                    s.contexts.keys()
                }
            })
            .collect();
        for k in keys {
            let get = |s: &Score| {
                let m = if family { &s.families } else { &s.contexts };
                m.get(k).copied().unwrap_or_default()
            };
            recall_row(&mut out, k, &get);
        }
    }
    let classes: BTreeSet<&String> = scores.iter().flat_map(|(_, s)| s.classes.keys()).collect();
    for class in classes {
        let _ = writeln!(out);
        head(&mut out, class);
        let variants: BTreeSet<&String> = scores
            .iter()
            .flat_map(|(_, s)| s.classes.get(class).into_iter().flat_map(|m| m.keys()))
            .collect();
        for v in variants {
            let get = |s: &Score| {
                s.classes
                    .get(class)
                    .and_then(|m| m.get(v))
                    .copied()
                    .unwrap_or_default()
            };
            recall_row(&mut out, v, &get);
        }
        let planted = scores.first().map_or(0, |(_, s)| s.class(class).0);
        let _ = writeln!(
            out,
            "| **recall** | {planted} | {} |",
            row(&|s| {
                let (p, f, _, _) = s.class(class);
                format!("{} ({f})", pct(ratio(f, p)))
            })
        );
        let lookalikes = truth
            .entries
            .iter()
            .filter(|e| !e.is_secret && e.class.as_deref() == Some(class.as_str()))
            .count();
        let _ = writeln!(
            out,
            "| **precision** (look-alikes reported) | {lookalikes} | {} |",
            row(&|s| {
                let (_, _, tp, fp) = s.class(class);
                format!("{} ({fp})", pct(ratio(tp, tp + fp)))
            })
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, line: usize, end: usize, secret: bool) -> Entry {
        Entry {
            path: path.into(),
            line,
            end_line: end,
            family: "f".into(),
            rule: None,
            is_secret: secret,
            context: "c".into(),
            class: None,
        }
    }

    #[test]
    fn every_report_shape_is_located() {
        let ferret = r#"{"findings":[{"path":"a/b.env","line":3,"rule_id":"x"}]}"#;
        let gitleaks = r#"[{"File":"/tmp/t/a/b.env","StartLine":3,"RuleID":"x"}]"#;
        let betterleaks = r#"{"findings":[{"location":{"path":"./a/b.env","start_line":3}}]}"#;
        let kingfisher = r#"{"findings":[{"rule":{},"finding":{"path":"./a/b.env","line":3}}]}"#;
        let jsonl = "{\"path\":\"a/b.env\",\"line\":3}\n";
        let parts = r#"{"findings":[{"path":"a/b.env","line":3,"parts":[{"name":"k","line":5}]}]}"#;
        assert_eq!(
            parse_report(parts, None)
                .unwrap()
                .iter()
                .map(|l| l.line)
                .collect::<Vec<_>>(),
            [5, 3]
        );
        let want = vec![Location {
            path: "a/b.env".into(),
            line: 3,
            end_line: 3,
        }];
        for r in [ferret, gitleaks, betterleaks, kingfisher, jsonl] {
            assert_eq!(parse_report(r, Some("/tmp/t")).unwrap(), want, "{r}");
        }
        assert!(parse_report("[]", None).unwrap().is_empty());
        assert!(parse_report(r#"[{"nope":1}]"#, None).is_err());
    }

    #[test]
    fn locations_are_matched_by_line_range_and_counted_once() {
        let truth = Truth {
            seed: 0,
            files: 1,
            entries: vec![
                entry("k.pem", 1, 4, true),
                entry("a", 2, 2, true),
                entry("a", 5, 5, false),
            ],
        };
        let loc = |p: &str, l, e| Location {
            path: p.into(),
            line: l,
            end_line: e,
        };
        let found = [
            loc("k.pem", 3, 3),
            loc("k.pem", 3, 3),
            loc("a", 5, 5),
            loc("a", 9, 9),
        ];
        let s = score(&truth, &found);
        assert_eq!((s.planted(), s.found(), s.true_positives), (2, 1, 1));
        assert_eq!(s.false_positives.len(), 2);
        assert!(s.false_positives[0].1.is_some() && s.false_positives[1].1.is_none());
        assert_eq!(s.missed[0].path, "a");
        assert!((s.precision() - 1.0 / 3.0).abs() < 1e-9);
        // A range that covers a secret's line finds it.
        let s = score(&truth, &[loc("a", 1, 2)]);
        assert_eq!((s.found(), s.false_positives.len()), (1, 0));
    }
}
