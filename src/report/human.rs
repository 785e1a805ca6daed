//! The default report: findings grouped by file, the rule's remediation hint once per
//! rule, and a closing summary so that "no findings" never hides "scanned nothing".
use super::ReportContext;
use crate::finding::{sanitize, Finding};
use crate::rules::Severity;
use std::collections::BTreeSet;
use std::io::{self, Write};

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low | Severity::Info => "2",
        };
        self.wrap(code, &format!("{:<8}", s.as_str()))
    }
}

pub fn write(findings: &[Finding], ctx: &ReportContext<'_>, w: &mut dyn Write) -> io::Result<()> {
    let paint = Paint { on: ctx.color };
    let mut current: Option<&str> = None;
    let mut rules_seen = BTreeSet::new();
    for f in findings {
        if current != Some(f.path.as_str()) {
            if current.is_some() {
                writeln!(w)?;
            }
            writeln!(w, "{}", paint.wrap("1;35", &sanitize(&f.path)))?;
            current = Some(f.path.as_str());
        }
        // Findings about a file rather than a value (the audit's) have no secret to show.
        let shown = if f.secret.is_empty() {
            String::new()
        } else {
            format!(
                "  {}",
                paint.wrap("1", &sanitize(&f.shown_secret(ctx.show_secrets)))
            )
        };
        writeln!(
            w,
            "  {}:{}  {}  {}  {}{}",
            f.line,
            f.column,
            paint.severity(f.severity),
            paint.wrap("36", &f.rule_id),
            sanitize(&f.description),
            shown,
        )?;
        if let Some(c) = &f.commit {
            writeln!(
                w,
                "      commit {} by {} <{}> on {}: {}",
                &c.commit[..c.commit.len().min(12)],
                sanitize(&c.author),
                sanitize(&c.email),
                c.date,
                sanitize(&c.message)
            )?;
        }
        if let Some(line) = crate::verify::human_line(f) {
            let code = match f.verification.as_ref().and_then(|v| v["status"].as_str()) {
                Some("verified") => "1;31",
                Some("invalid") => "32",
                _ => "33",
            };
            writeln!(w, "      {}", paint.wrap(code, &sanitize(&line)))?;
        }
        rules_seen.insert(f.rule_id.as_str());
    }
    if !findings.is_empty() {
        writeln!(w)?;
        for id in &rules_seen {
            let remediation = match ctx.engine.rules().find(|r| r.id == *id) {
                Some(rule) => rule.remediation.as_deref(),
                None => crate::audit::remediation(id),
            };
            if let Some(fix) = remediation.and_then(|r| r.lines().find(|l| !l.trim().is_empty())) {
                writeln!(w, "{} {}: {}", paint.wrap("2", "fix"), id, fix.trim())?;
            }
        }
        writeln!(w)?;
    }
    if let Some(line) = crate::verify::human_summary(findings) {
        writeln!(w, "{line}")?;
    }
    let files: BTreeSet<&str> = findings.iter().map(|f| f.path.as_str()).collect();
    let s = ctx.stats;
    let summary = format!(
        "{} finding{} in {} file{} · scanned {} ({}) in {:.2} s{}",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        ctx.scope,
        human_bytes(s.bytes),
        s.elapsed_ms as f64 / 1000.0,
        skipped(s),
    ) + &suppressed(s);
    writeln!(
        w,
        "{}",
        paint.wrap(if findings.is_empty() { "32" } else { "1;31" }, &summary)
    )
}

fn skipped(s: &crate::source::StatsSnapshot) -> String {
    let mut parts = Vec::new();
    if s.skipped_binary > 0 {
        parts.push(format!("{} binary", s.skipped_binary));
    }
    if s.skipped_large > 0 {
        parts.push(format!("{} too large", s.skipped_large));
    }
    if s.skipped_allowlisted > 0 {
        parts.push(format!("{} allowlisted", s.skipped_allowlisted));
    }
    if s.errors > 0 {
        parts.push(format!("{} unreadable", s.errors));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" · skipped {}", parts.join(", "))
    }
}

fn suppressed(s: &crate::source::StatsSnapshot) -> String {
    let mut parts = Vec::new();
    if s.suppressed_baseline > 0 {
        parts.push(format!("{} in the baseline", s.suppressed_baseline));
    }
    if s.suppressed_ignored > 0 {
        parts.push(format!("{} in .ferretignore", s.suppressed_ignored));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" · not reported: {}", parts.join(", "))
    }
}

pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}
