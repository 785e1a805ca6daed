//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it.
//!
//! What GitHub needs beyond the schema: every result's rule in `tool.driver.rules`, a
//! repository-relative URI (from the repository's root, whatever directory was scanned),
//! `security-severity` on rules so alerts get a security severity, and staying within the
//! upload limits (a file over them is rejected whole, so we cap and say so on stderr
//! instead).
//!
//! `partialFingerprints` carries ferret's own fingerprint under its own key,
//! [`FINGERPRINT_KEY`]. `primaryLocationLineHash` is GitHub's: its uploader
//! (`upload-sarif`) computes it from the file's text at the result's line and warns when a
//! tool has set a different value, so ferret leaves it to the uploader.
use super::ReportContext;
use ferret_engine::finding::{sanitize, Finding, Status};
use ferret_rules::{Check, Confidence, Rule, Severity};
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactContent, ArtifactLocation, Location, Message, MultiformatMessageString,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

/// GitHub rejects a run with more results than this.
pub const MAX_RESULTS: usize = 25_000;
/// GitHub keeps only this many results of a run (the most severe).
pub const SHOWN_RESULTS: usize = 5_000;
/// GitHub rejects a rule with more than 20 tags and shows 10: we send at most 10.
pub const MAX_TAGS: usize = 10;
/// GitHub's limit on rule descriptions.
pub const MAX_DESCRIPTION: usize = 1024;
/// GitHub's limit on rule names.
pub const MAX_RULE_NAME: usize = 255;

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// ferret's key in `partialFingerprints`: the finding's fingerprint (see
/// `Finding::fingerprint`, an opaque string here) and, after a colon, which occurrence of
/// it in the run this is, so the same secret twice in one file is two results. Versioned,
/// so a future change of fingerprint scheme gets a new key rather than new values under
/// the old one.
pub const FINGERPRINT_KEY: &str = "ferret/v1";

pub fn write(findings: &[Finding], ctx: &ReportContext<'_>, w: &mut dyn Write) -> io::Result<()> {
    let log = build(findings, ctx, &mut |m| {
        eprintln!("ferret: warning: {}", sanitize(&m))
    });
    serde_json::to_writer_pretty(&mut *w, &log)?;
    writeln!(w)
}

/// The SARIF log for `findings`; `warn` hears about limits that cost results.
pub fn build(findings: &[Finding], ctx: &ReportContext<'_>, warn: &mut dyn FnMut(String)) -> Sarif {
    let kept = cap(findings, warn);

    // Rules that produced a result, sorted by id; at most one per result, so within the
    // rules-per-run limit whenever the results are.
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut first: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in &kept {
        first.entry(f.rule_id.as_str()).or_insert(f);
    }
    let descriptors: Vec<ReportingDescriptor> = first
        .iter()
        .enumerate()
        .map(|(i, (id, f))| {
            index.insert(id, i);
            descriptor(ctx.catalog.rule(id), ctx.catalog.check(id), f)
        })
        .collect();

    let mut occurrences: HashMap<&str, usize> = HashMap::new();
    let results: Vec<SarifResult> = kept
        .iter()
        .map(|f| {
            let n = occurrences.entry(f.fingerprint.as_str()).or_insert(0);
            *n += 1;
            result(f, index[f.rule_id.as_str()], *n, ctx)
        })
        .collect();

    let driver = ToolComponent::builder()
        .name("ferret")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(descriptors)
        .build();
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        // Our columns count Unicode scalar values, not UTF-16 units (SARIF's default).
        .column_kind(json!("unicodeCodePoints"))
        .build();
    if !ctx.config.warnings.is_empty() {
        let mut props = BTreeMap::new();
        props.insert(
            "ferret/config-warnings".to_string(),
            json!(ctx.config.warnings),
        );
        run.properties = Some(PropertyBag::builder().additional_properties(props).build());
    }
    Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

/// The findings that fit in one run. Over the limit, the most severe are kept (verified
/// first), in their original order, so the upload is accepted and the worst are in it.
fn cap<'a>(findings: &'a [Finding], warn: &mut dyn FnMut(String)) -> Vec<&'a Finding> {
    if findings.len() <= MAX_RESULTS {
        if findings.len() > SHOWN_RESULTS {
            warn(format!(
                "{} results: GitHub code scanning keeps only the {SHOWN_RESULTS} most severe",
                findings.len()
            ));
        }
        return findings.iter().collect();
    }
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| {
        let f = &findings[i];
        (std::cmp::Reverse((verified(f), f.severity)), i)
    });
    order.truncate(MAX_RESULTS);
    order.sort_unstable();
    warn(format!(
        "{} findings, but GitHub code scanning rejects a run with more than {MAX_RESULTS} \
         results: the SARIF holds the {MAX_RESULTS} most severe and leaves out {} \
         (--format json lists them all)",
        findings.len(),
        findings.len() - MAX_RESULTS
    ));
    order.into_iter().map(|i| &findings[i]).collect()
}

fn verified(f: &Finding) -> bool {
    f.verification
        .as_ref()
        .is_some_and(|v| v.status == Status::Verified)
}

/// GitHub's reading of `security-severity`: ≥ 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium,
/// 0.1–3.9 low. Info has none, so it is not ranked as a vulnerability.
pub fn security_severity(s: Severity) -> Option<&'static str> {
    match s {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}

fn level_name(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn level(f: &Finding) -> ResultLevel {
    match (verified(f), f.severity) {
        (true, _) | (_, Severity::Critical | Severity::High) => ResultLevel::Error,
        (_, Severity::Medium) => ResultLevel::Warning,
        _ => ResultLevel::Note,
    }
}

/// SARIF's `precision` of a rule (GitHub code scanning reads it from the rule's
/// properties): the rule's confidence (see `Rule::confidence`), one step up SARIF's
/// scale, whose top is `very-high`: a checksummed format is `very-high`, a provider's
/// format `high`, a rule that knows a secret by its place (a password, a generic
/// assignment) `low`. Results carry their own `confidence`, which their place and a live
/// check change.
pub fn precision(rule: &Rule) -> &'static str {
    match rule.confidence() {
        Confidence::High => "very-high",
        Confidence::Medium => "high",
        Confidence::Low => "low",
    }
}

fn descriptor(rule: Option<&Rule>, check: Option<&Check>, f: &Finding) -> ReportingDescriptor {
    if let Some(check) = check {
        return hygiene_descriptor(check, f);
    }
    let description = truncate(&f.description, MAX_DESCRIPTION);
    let full = truncate(
        &format!(
            "{}: a {} severity credential found in the scanned files or history. Anyone who \
             can read the repository, a clone or a fork can use it until it is revoked.",
            f.description, f.severity
        ),
        MAX_DESCRIPTION,
    );
    let remediation = rule
        .and_then(|r| r.remediation.as_deref())
        .unwrap_or("Revoke the credential with its provider and issue a new one, update every place that uses it, then remove it from the code.");
    let help_text = format!(
        "{remediation}\n\nDeleting the line does not undo the leak: the secret stays in git \
         history, so revoke it first. If this is not a secret, add its fingerprint to \
         .ferretignore, or mark the line with ferret:allow."
    );
    let help_markdown = format!(
        "**Remediation**\n\n{remediation}\n\nDeleting the line does not undo the leak: the \
         secret stays in git history, so revoke it first.\n\n**Not a secret?** Add the \
         result's fingerprint (in its properties) to `.ferretignore`, or put \
         `ferret:allow` in a comment on the line."
    );
    let mut tags = vec!["security".to_string(), "secret".to_string()];
    for t in &f.tags {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    tags.truncate(MAX_TAGS);
    let mut props = BTreeMap::new();
    props.insert(
        "precision".to_string(),
        json!(rule.map(precision).unwrap_or("high")),
    );
    if let Some(s) = security_severity(f.severity) {
        props.insert("security-severity".to_string(), json!(s));
    }
    props.insert("severity".to_string(), json!(f.severity));
    if f.archive.is_some() {
        props.insert("archive_path".to_string(), json!(f.path));
        props.insert("archive_line".to_string(), json!(f.line));
    }
    if let Some((at, _)) = f.bytes {
        props.insert("byte_offset".to_string(), json!(at));
    }
    ReportingDescriptor::builder()
        .id(f.rule_id.clone())
        .name(truncate(&pascal_case(&f.rule_id), MAX_RULE_NAME))
        .short_description(
            MultiformatMessageString::builder()
                .text(description)
                .build(),
        )
        .full_description(MultiformatMessageString::builder().text(full).build())
        .help(
            MultiformatMessageString::builder()
                .text(help_text)
                .markdown(help_markdown)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level_name(f.severity)))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(tags)
                .additional_properties(props)
                .build(),
        )
        .build()
}

/// A `ferret audit` check: its title and remediation come from the audit's catalog, since
/// its findings' descriptions name one place and it is not always about one credential.
fn hygiene_descriptor(check: &Check, f: &Finding) -> ReportingDescriptor {
    let full = format!(
        "{}: a repository hygiene problem found by ferret audit.",
        check.title
    );
    let help_markdown = format!(
        "**Remediation**\n\n{}\n\n**Accepted?** Add the result's fingerprint (in its \
         properties) to `.ferretignore`.",
        check.remediation
    );
    let mut props = BTreeMap::new();
    props.insert("precision".to_string(), json!("high"));
    if let Some(s) = security_severity(check.severity) {
        props.insert("security-severity".to_string(), json!(s));
    }
    props.insert("severity".to_string(), json!(check.severity));
    let mut tags = vec!["security".to_string(), "hygiene".to_string()];
    for t in &f.tags {
        if !tags.contains(t) && !t.starts_with("rule:") {
            tags.push(t.clone());
        }
    }
    tags.truncate(MAX_TAGS);
    ReportingDescriptor::builder()
        .id(f.rule_id.clone())
        .name(truncate(&pascal_case(&f.rule_id), MAX_RULE_NAME))
        .short_description(
            MultiformatMessageString::builder()
                .text(check.title)
                .build(),
        )
        .full_description(MultiformatMessageString::builder().text(full).build())
        .help(
            MultiformatMessageString::builder()
                .text(check.remediation)
                .markdown(help_markdown)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level_name(check.severity)))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(tags)
                .additional_properties(props)
                .build(),
        )
        .build()
}

fn result(
    f: &Finding,
    rule_index: usize,
    occurrence: usize,
    ctx: &ReportContext<'_>,
) -> SarifResult {
    let show = ctx.show_secrets;
    let mut text = f.description.clone();
    if !f.secret.is_empty() {
        text.push_str(&format!(": {}", f.shown_secret(show)));
    }
    if verified(f) {
        text.push_str(" (verified: the credential is live)");
    }
    if let Some(c) = &f.commit {
        text.push_str(&format!(
            " in commit {}",
            &c.commit[..c.commit.len().min(12)]
        ));
    }
    // A secret inside an archive is placed on the archive, which is the file GitHub
    // knows; where it is inside goes in the message and the properties.
    let (line, column, end_column) = match f.archive {
        Some(_) => {
            text.push_str(&format!(" in {}, line {}", f.path, f.line));
            (1, 1, 1)
        }
        None => (f.line, f.column, f.end_column.max(f.column)),
    };
    let mut region = Region::builder()
        .start_line(line as i64)
        .start_column(column as i64)
        .end_line(line as i64)
        .end_column(end_column as i64)
        .snippet(ArtifactContent::builder().text(f.snippet(show)).build())
        .build();
    // Binary content: the bytes, too (SARIF's binary region, the same span).
    if let (Some((at, end)), None) = (f.bytes, f.archive) {
        region.byte_offset = Some(at as i64);
        region.byte_length = Some(end.saturating_sub(at) as i64);
    }
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(
                    ArtifactLocation::builder()
                        .uri(uri(&ctx.repo_paths.shown(f.file())))
                        .uri_base_id("%SRCROOT%")
                        .build(),
                )
                .region(region)
                .build(),
        )
        .build();
    let mut props = BTreeMap::new();
    props.insert("fingerprint".to_string(), json!(f.fingerprint));
    props.insert("group".to_string(), json!(f.group));
    props.insert("severity".to_string(), json!(f.severity));
    if f.archive.is_some() {
        props.insert("archive_path".to_string(), json!(f.path));
        props.insert("archive_line".to_string(), json!(f.line));
    }
    if let Some((at, _)) = f.bytes {
        props.insert("byte_offset".to_string(), json!(at));
    }
    props.insert("confidence".to_string(), json!(f.confidence));
    if let Some(c) = f.context {
        props.insert("context".to_string(), json!(c.as_str()));
    }
    if let Some(c) = &f.commit {
        props.insert("commit".to_string(), json!(c.commit));
        props.insert("author".to_string(), json!(c.author));
        props.insert("email".to_string(), json!(c.email));
        props.insert("date".to_string(), json!(c.date));
    }
    if let Some(d) = &f.decoded {
        props.insert("decoded".to_string(), json!(d));
    }
    if f.checksum_failed {
        props.insert("checksum".to_string(), json!("failed"));
    }
    if !f.parts.is_empty() {
        props.insert("parts".to_string(), crate::parts_json(f, show));
    }
    if let Some(v) = &f.verification {
        props.insert("verification".to_string(), crate::verification_json(v));
    }
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(
        FINGERPRINT_KEY.to_string(),
        format!("{}:{occurrence}", f.fingerprint),
    );
    SarifResult::builder()
        .rule_id(f.rule_id.clone())
        .rule_index(rule_index as i64)
        .level(level(f))
        .message(Message::builder().text(text).build())
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build()
}

/// A repository-relative URI reference: forward slashes, no leading `./`, and everything
/// outside RFC 3986's unreserved and sub-delimiter characters percent-encoded. An absolute
/// path (a single file given on the command line) is made relative to the working
/// directory when it lies under it.
pub fn uri(path: &str) -> String {
    let mut p = path.replace('\\', "/");
    if p.starts_with('/') {
        if let Ok(cwd) = std::env::current_dir() {
            let cwd = cwd.to_string_lossy().replace('\\', "/");
            if let Some(rel) = p.strip_prefix(&format!("{}/", cwd.trim_end_matches('/'))) {
                p = rel.to_string();
            }
        }
    }
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(uri("./src/a b.rs"), "src/a%20b.rs");
        assert_eq!(uri("config/.env"), "config/.env");
        assert_eq!(uri("dir/ü.txt"), "dir/%C3%BC.txt");
        assert_eq!(uri("a#b?c:d"), "a%23b%3Fc%3Ad");
        let cwd = std::env::current_dir().unwrap();
        let abs = cwd.join("x/y.txt");
        assert_eq!(uri(&abs.to_string_lossy()), "x/y.txt");
    }

    #[test]
    fn names_and_severities() {
        assert_eq!(pascal_case("attio-api-token"), "AttioApiToken");
        assert_eq!(security_severity(Severity::Critical), Some("9.5"));
        assert_eq!(security_severity(Severity::Low), Some("3.0"));
        assert_eq!(truncate("abcdef", 4), "abc…");
    }
}
