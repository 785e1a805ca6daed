//! The SARIF check: a report must validate against the SARIF 2.1.0 schema kept in
//! `tests/schemas/`, and must give GitHub code scanning what an upload needs (GitHub's
//! "SARIF support for code scanning" page: required properties and upload limits).
//!
//! [`problems`] lists every problem; [`assert_valid`] fails a test with them. Problems
//! GitHub only warns about are problems here too: ferret's reports should draw no warning.
use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;

/// GitHub's published upload limits. Over a hard limit the upload is rejected.
const MAX_RUNS: usize = 20;
const MAX_RESULTS_PER_RUN: usize = 25_000;
const SHOWN_RESULTS_PER_RUN: usize = 5_000;
const MAX_RULES_PER_RUN: usize = 25_000;
const MAX_LOCATIONS_PER_RESULT: usize = 1_000;
const MAX_TAGS_PER_RULE: usize = 20;
const SHOWN_TAGS_PER_RULE: usize = 10;
const MAX_GZIP_BYTES: usize = 10 << 20;
const MAX_DESCRIPTION: usize = 1024;
const PRECISIONS: &[&str] = &["very-high", "high", "medium", "low"];

fn schema() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let path = super::repo_root().join("tests/schemas/sarif-schema-2.1.0.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let schema: Value = serde_json::from_str(&text).expect("the SARIF schema is JSON");
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .build(&schema)
            .expect("the SARIF schema compiles")
    })
}

/// Fails the test, listing every problem, unless `file` is a valid SARIF upload.
pub fn assert_valid(file: &Path) {
    let raw = std::fs::read(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let found = problems(&raw);
    assert!(
        found.is_empty(),
        "{} is not a valid SARIF upload:\n  {}",
        file.display(),
        found.join("\n  ")
    );
}

/// Every problem with `raw` as a SARIF file for GitHub code scanning, as `path: message`.
pub fn problems(raw: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t.trim_start_matches('\u{feff}'),
        Err(e) => return vec![format!("$: not UTF-8: {e}")],
    };
    let log: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return vec![format!("$: not JSON: {e}")],
    };
    for e in schema().iter_errors(&log) {
        out.push(format!(
            "schema at {}: {e}",
            pointer(&e.instance_path().to_string())
        ));
    }
    github(&log, raw, &mut out);
    out
}

fn pointer(p: &str) -> String {
    if p.is_empty() {
        "$".into()
    } else {
        format!("${p}")
    }
}

fn text(v: &Value) -> Option<&str> {
    v.get("text")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn github(log: &Value, raw: &[u8], out: &mut Vec<String>) {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(raw).unwrap();
    let zipped = gz.finish().unwrap().len();
    if zipped > MAX_GZIP_BYTES {
        out.push(format!(
            "$: {zipped} bytes gzipped; GitHub rejects uploads over 10 MB"
        ));
    }
    if log.get("$schema").and_then(Value::as_str).is_none() {
        out.push("$: no \"$schema\"".into());
    }
    if log.get("version").and_then(Value::as_str) != Some("2.1.0") {
        out.push("$.version: must be \"2.1.0\"".into());
    }
    let Some(runs) = log
        .get("runs")
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty())
    else {
        out.push("$.runs: need at least one run".into());
        return;
    };
    if runs.len() > MAX_RUNS {
        out.push(format!(
            "$.runs: {} runs; GitHub rejects more than {MAX_RUNS}",
            runs.len()
        ));
    }
    for (r, run) in runs.iter().enumerate() {
        let at = format!("$.runs[{r}]");
        let driver = &run["tool"]["driver"];
        if driver
            .get("name")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            out.push(format!("{at}.tool.driver.name: missing"));
        }
        if let Some(v) = driver.get("semanticVersion") {
            if !v.as_str().is_some_and(is_semver) {
                out.push(format!(
                    "{at}.tool.driver.semanticVersion: {v} is not SemVer 2.0"
                ));
            }
        }
        let Some(rules) = driver.get("rules").and_then(Value::as_array) else {
            out.push(format!(
                "{at}.tool.driver.rules: missing (GitHub needs a rule per ruleId)"
            ));
            continue;
        };
        if rules.len() > MAX_RULES_PER_RUN {
            out.push(format!(
                "{at}.tool.driver.rules: more than {MAX_RULES_PER_RUN}"
            ));
        }
        let mut ids = std::collections::HashSet::new();
        for (i, rule) in rules.iter().enumerate() {
            check_rule(&format!("{at}.tool.driver.rules[{i}]"), rule, &mut ids, out);
        }
        let Some(results) = run.get("results").and_then(Value::as_array) else {
            out.push(format!(
                "{at}.results: missing (use [] when nothing was found)"
            ));
            continue;
        };
        if results.len() > MAX_RESULTS_PER_RUN {
            out.push(format!("{at}.results: more than {MAX_RESULTS_PER_RUN}"));
        } else if results.len() > SHOWN_RESULTS_PER_RUN {
            out.push(format!(
                "{at}.results: GitHub shows only {SHOWN_RESULTS_PER_RUN}"
            ));
        }
        for (i, result) in results.iter().enumerate() {
            check_result(&format!("{at}.results[{i}]"), result, &ids, rules, out);
        }
    }
}

fn is_semver(s: &str) -> bool {
    let core = s.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
}

fn check_rule(
    at: &str,
    rule: &Value,
    ids: &mut std::collections::HashSet<String>,
    out: &mut Vec<String>,
) {
    match rule.get("id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => {
            if !ids.insert(id.to_string()) {
                out.push(format!("{at}: rule id {id:?} appears twice"));
            }
        }
        _ => out.push(format!("{at}: rule has no id")),
    }
    for field in ["shortDescription", "fullDescription"] {
        match text(&rule[field]) {
            None => out.push(format!("{at}.{field}.text: missing")),
            Some(t) if t.chars().count() > MAX_DESCRIPTION => {
                out.push(format!("{at}.{field}.text: longer than {MAX_DESCRIPTION}"))
            }
            Some(_) => {}
        }
    }
    if text(&rule["help"]).is_none() {
        out.push(format!(
            "{at}.help.text: missing (GitHub shows it on the alert)"
        ));
    }
    let props = &rule["properties"];
    if let Some(tags) = props.get("tags").and_then(Value::as_array) {
        if tags.len() > MAX_TAGS_PER_RULE {
            out.push(format!(
                "{at}: {} tags; GitHub rejects more than 20",
                tags.len()
            ));
        } else if tags.len() > SHOWN_TAGS_PER_RULE {
            out.push(format!("{at}: {} tags; GitHub shows only 10", tags.len()));
        }
    }
    if let Some(sev) = props.get("security-severity") {
        let n = sev.as_str().and_then(|s| s.parse::<f64>().ok());
        if !n.is_some_and(|n| n > 0.0 && n <= 10.0) {
            out.push(format!(
                "{at}: security-severity {sev} is not a number string in (0, 10]"
            ));
        }
    }
    if let Some(p) = props.get("precision") {
        if !p.as_str().is_some_and(|p| PRECISIONS.contains(&p)) {
            out.push(format!("{at}: precision {p} is not one of {PRECISIONS:?}"));
        }
    }
}

fn check_result(
    at: &str,
    result: &Value,
    ids: &std::collections::HashSet<String>,
    rules: &[Value],
    out: &mut Vec<String>,
) {
    let rid = result.get("ruleId").and_then(Value::as_str).unwrap_or("");
    if rid.is_empty() {
        out.push(format!("{at}: no ruleId"));
    } else if !ids.contains(rid) {
        out.push(format!("{at}: ruleId {rid:?} is not in tool.driver.rules"));
    }
    if let Some(i) = result.get("ruleIndex").and_then(Value::as_u64) {
        match rules.get(i as usize) {
            None => out.push(format!("{at}: ruleIndex {i} is past the end of the rules")),
            Some(r) if r["id"] != rid => out.push(format!(
                "{at}: ruleIndex {i} names rule {}, not {rid:?}",
                r["id"]
            )),
            Some(_) => {}
        }
    }
    if text(&result["message"]).is_none() {
        out.push(format!("{at}.message.text: missing (the alert's title)"));
    }
    if result.get("level").and_then(Value::as_str) == Some("none") {
        out.push(format!("{at}: level none is not shown by GitHub"));
    }
    let locations = result
        .get("locations")
        .and_then(Value::as_array)
        .map(Vec::as_slice);
    match locations {
        None | Some([]) => out.push(format!("{at}: no locations")),
        Some(locs) => {
            if locs.len() > MAX_LOCATIONS_PER_RESULT {
                out.push(format!(
                    "{at}: more than {MAX_LOCATIONS_PER_RESULT} locations"
                ));
            }
            for (i, loc) in locs.iter().enumerate() {
                let at = format!("{at}.locations[{i}].physicalLocation");
                let pl = &loc["physicalLocation"];
                if !pl.is_object() {
                    out.push(format!("{at}: missing"));
                    continue;
                }
                check_uri(&at, pl["artifactLocation"]["uri"].as_str(), out);
                check_region(&format!("{at}.region"), &pl["region"], out);
            }
        }
    }
    match result.get("partialFingerprints").and_then(Value::as_object) {
        Some(fps) if !fps.is_empty() => {
            if fps.values().any(|v| v.as_str().is_none_or(str::is_empty)) {
                out.push(format!("{at}.partialFingerprints: an empty value"));
            }
            // GitHub's uploader computes this one from the file and warns when the tool
            // set a different value (codeql-action's fingerprints.ts).
            if fps.contains_key("primaryLocationLineHash") {
                out.push(format!(
                    "{at}.partialFingerprints.primaryLocationLineHash: set by the tool; \
                     GitHub's uploader computes it and warns when it differs"
                ));
            }
        }
        _ => out.push(format!(
            "{at}.partialFingerprints: missing (alerts are tracked by them)"
        )),
    }
}

/// `artifactLocation.uri` must be a relative reference from the repository root.
fn check_uri(at: &str, uri: Option<&str>, out: &mut Vec<String>) {
    let at = format!("{at}.artifactLocation.uri");
    let Some(uri) = uri.filter(|u| !u.is_empty()) else {
        out.push(format!("{at}: missing"));
        return;
    };
    let scheme = uri.split_once(':').is_some_and(|(s, _)| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
    });
    if scheme || uri.starts_with('/') || uri.starts_with('\\') {
        out.push(format!(
            "{at}: {uri:?} is absolute; GitHub needs a repository-relative path"
        ));
    }
    if uri.split(['/', '\\']).any(|s| s == "..") {
        out.push(format!("{at}: {uri:?} climbs out with '..'"));
    }
    if uri.starts_with("./") {
        out.push(format!("{at}: {uri:?} starts with './'"));
    }
    if uri.contains('\\') {
        out.push(format!("{at}: {uri:?} uses backslashes"));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c);
    if !uri.chars().all(allowed) {
        out.push(format!(
            "{at}: {uri:?} has characters that must be percent-encoded"
        ));
    }
}

fn check_region(at: &str, region: &Value, out: &mut Vec<String>) {
    let Some(start) = region
        .get("startLine")
        .and_then(Value::as_u64)
        .filter(|&l| l >= 1)
    else {
        out.push(format!("{at}.startLine: missing or below 1"));
        return;
    };
    for k in ["startColumn", "endLine", "endColumn"] {
        if region.get(k).is_none() {
            out.push(format!(
                "{at}.{k}: missing (needed for precise highlighting)"
            ));
        }
    }
    let end = region
        .get("endLine")
        .and_then(Value::as_u64)
        .unwrap_or(start);
    if end < start {
        out.push(format!("{at}: endLine {end} is before startLine {start}"));
    }
    let (sc, ec) = (region["startColumn"].as_u64(), region["endColumn"].as_u64());
    if let (true, Some(sc), Some(ec)) = (end == start, sc, ec) {
        if ec < sc {
            out.push(format!("{at}: endColumn {ec} is before startColumn {sc}"));
        }
    }
}
