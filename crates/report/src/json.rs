//! `--format json` (one object) and `--format jsonl` (one finding per line).
use super::ReportContext;
use crate::Catalog;
use ferret_engine::finding::{Finding, Verification};
use serde_json::{json, Map, Value};
use std::io::{self, Write};

/// The JSON form of one finding; the secret is redacted unless `show_secrets`.
pub fn finding_json(f: &Finding, show_secrets: bool, catalog: &Catalog<'_>) -> Value {
    let mut m = Map::new();
    m.insert("rule_id".into(), json!(f.rule_id));
    m.insert("description".into(), json!(f.description));
    m.insert("severity".into(), json!(f.severity));
    m.insert("tags".into(), json!(f.tags));
    m.insert("path".into(), json!(f.path));
    m.insert("line".into(), json!(f.line));
    m.insert("column".into(), json!(f.column));
    m.insert("end_column".into(), json!(f.end_column));
    if let Some(len) = f.archive {
        // The file on disk (or in the commit) that holds the archive member `path` names.
        m.insert(
            "archive".into(),
            json!(f.path.get(..len).unwrap_or(&f.path)),
        );
    }
    if let Some((at, _)) = f.bytes {
        m.insert("byte_offset".into(), json!(at));
    }
    m.insert("secret".into(), json!(f.shown_secret(show_secrets)));
    m.insert("redacted".into(), json!(!show_secrets));
    m.insert("snippet".into(), json!(f.snippet(show_secrets)));
    m.insert("fingerprint".into(), json!(f.fingerprint));
    m.insert("group".into(), json!(f.group));
    m.insert("confidence".into(), json!(f.confidence));
    if let Some(c) = f.context {
        m.insert("context".into(), json!(c.as_str()));
    }
    if f.checksum_failed {
        m.insert("checksum".into(), json!("failed"));
    }
    if let Some(check) = catalog.check(&f.rule_id) {
        m.insert("remediation".into(), json!(check.remediation));
    }
    if let Some(d) = &f.decoded {
        m.insert("decoded".into(), json!(d));
    }
    if let Some(c) = &f.commit {
        m.insert("commit".into(), json!(c.commit));
        m.insert("author".into(), json!(c.author));
        m.insert("email".into(), json!(c.email));
        m.insert("date".into(), json!(c.date));
        m.insert("message".into(), json!(c.message));
    }
    if !f.parts.is_empty() {
        m.insert("parts".into(), parts_json(f, show_secrets));
    }
    if let Some(v) = &f.verification {
        m.insert("verification".into(), verification_json(v));
    }
    Value::Object(m)
}

/// The other parts of a multi-part credential: `[{name, rule_id, secret, line, column}]`,
/// each secret redacted unless `show_secrets`.
pub fn parts_json(f: &Finding, show_secrets: bool) -> Value {
    f.parts
        .iter()
        .map(|p| {
            let mut m = Map::new();
            m.insert("name".into(), json!(p.name));
            if let Some(r) = &p.rule_id {
                m.insert("rule_id".into(), json!(r));
            }
            m.insert("secret".into(), json!(p.shown_secret(show_secrets)));
            m.insert("line".into(), json!(p.line));
            m.insert("column".into(), json!(p.column));
            Value::Object(m)
        })
        .collect()
}

/// A verification result as reports carry it: `{status, reason, http_status, scopes,
/// write_scopes, identity}`, each present only when known.
pub fn verification_json(v: &Verification) -> Value {
    let mut m = Map::new();
    m.insert("status".into(), json!(v.status.as_str()));
    if let Some(r) = &v.reason {
        m.insert("reason".into(), json!(r));
    }
    if let Some(s) = v.http_status {
        m.insert("http_status".into(), json!(s));
    }
    if let Some(s) = &v.scopes {
        m.insert("scopes".into(), json!(s));
    }
    if let Some(s) = &v.write_scopes {
        m.insert("write_scopes".into(), json!(s));
    }
    if !v.identity.is_empty() {
        let id: Map<String, Value> = v.identity.iter().cloned().collect();
        m.insert("identity".into(), Value::Object(id));
    }
    Value::Object(m)
}

pub fn write(findings: &[Finding], ctx: &ReportContext<'_>, w: &mut dyn Write) -> io::Result<()> {
    let doc = json!({
        "version": 1,
        "tool": { "name": "ferret", "version": env!("CARGO_PKG_VERSION") },
        "findings": findings.iter().map(|f| finding_json(f, ctx.show_secrets, ctx.catalog)).collect::<Vec<_>>(),
        "stats": ctx.stats,
    });
    let mut doc = doc;
    doc["min_confidence"] = json!(ctx.min_confidence);
    doc["stats"]["groups"] = json!(crate::group_count(findings));
    if !ctx.config.files.is_empty() || !ctx.config.warnings.is_empty() {
        doc["config"] = json!(ctx.config);
    }
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

pub fn write_lines(
    findings: &[Finding],
    ctx: &ReportContext<'_>,
    w: &mut dyn Write,
) -> io::Result<()> {
    for f in findings {
        serde_json::to_writer(&mut *w, &finding_json(f, ctx.show_secrets, ctx.catalog))?;
        writeln!(w)?;
    }
    Ok(())
}
