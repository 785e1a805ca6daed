//! The default report: findings grouped by file, each with its confidence and its
//! fingerprint (what `.ferretignore` takes), the rule's remediation hint once per rule,
//! and a closing summary so that "no findings" never hides "scanned nothing". One secret
//! found in several places is one entry, at its first place, with the other places listed
//! under it: a test key copied into 36 modules is one thing to look at, not 36.
use super::ReportContext;
use ferret_engine::finding::{sanitize, Finding, Status};
use ferret_rules::Severity;
use std::collections::{BTreeSet, HashMap};
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
    let groups = Groups::of(findings);
    let mut current: Option<&str> = None;
    let mut rules_seen = BTreeSet::new();
    for (i, f) in findings.iter().enumerate() {
        // A secret found in several places is one entry, at its first place.
        let Some(members) = groups.led_by(i) else {
            continue;
        };
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
        let place = match f.bytes {
            Some((at, _)) => format!("{}:{} (byte {at})", f.line, f.column),
            None => format!("{}:{}", f.line, f.column),
        };
        writeln!(
            w,
            "  {}  {}  {}  {}{}",
            place,
            paint.severity(f.severity),
            paint.wrap("36", &f.rule_id),
            sanitize(&f.description),
            shown,
        )?;
        if let Some(c) = &f.commit {
            writeln!(w, "      {}", commit_line(c))?;
        }
        if !f.parts.is_empty() {
            let parts: Vec<String> = f
                .parts
                .iter()
                .map(|p| {
                    format!(
                        "{} {} ({}:{})",
                        p.name,
                        sanitize(&p.shown_secret(ctx.show_secrets)),
                        p.line,
                        p.column
                    )
                })
                .collect();
            writeln!(w, "      with {}", parts.join(", "))?;
        }
        if let Some(line) = verification_line(f) {
            let code = match f.verification.as_ref().map(|v| v.status) {
                Some(Status::Verified) => "1;31",
                Some(Status::Invalid) => "32",
                _ => "33",
            };
            writeln!(w, "      {}", paint.wrap(code, &sanitize(&line)))?;
        }
        // What `.ferretignore` and baselines list, so a false positive is one copy away
        // from being allowed.
        writeln!(
            w,
            "      {}",
            paint.wrap(
                "2",
                &format!("{} · fingerprint {}", confidence(f), f.fingerprint)
            )
        )?;
        if members.len() > 1 {
            let more = members.len() - 1;
            writeln!(
                w,
                "      the same secret in {more} more place{}:",
                if more == 1 { "" } else { "s" }
            )?;
            for &j in &members[1..] {
                let m = &findings[j];
                let mut line = format!("{}:{}:{}", sanitize(&m.path), m.line, m.column);
                if let Some(c) = &m.commit {
                    line.push_str(&format!(" (commit {})", short(&c.commit)));
                }
                if (m.confidence, m.context) != (f.confidence, f.context) {
                    line.push_str(&format!(" · {}", confidence(m)));
                }
                line.push_str(&format!(" · fingerprint {}", m.fingerprint));
                writeln!(w, "        {}", paint.wrap("2", &line))?;
            }
        }
        rules_seen.insert(f.rule_id.as_str());
    }
    if !findings.is_empty() {
        writeln!(w)?;
        for id in &rules_seen {
            let remediation = ctx.catalog.remediation(id);
            if let Some(fix) = remediation.and_then(|r| r.lines().find(|l| !l.trim().is_empty())) {
                writeln!(w, "{} {}: {}", paint.wrap("2", "fix"), id, fix.trim())?;
            }
        }
        writeln!(w)?;
    }
    if let Some(line) = verification_summary(findings) {
        writeln!(w, "{line}")?;
    }
    let files: BTreeSet<&str> = findings.iter().map(|f| f.path.as_str()).collect();
    let secrets = groups.count();
    let s = ctx.stats;
    let summary = format!(
        "{} finding{}{} in {} file{} · scanned {} ({}) in {:.2} s{}",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        if secrets < findings.len() {
            format!(
                " ({secrets} distinct secret{})",
                if secrets == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        },
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

/// `confidence medium`, or `confidence low (in a test or fixture directory)`.
fn confidence(f: &Finding) -> String {
    match f.context {
        Some(c) => format!("confidence {} ({})", f.confidence, c.describe()),
        None => format!("confidence {}", f.confidence),
    }
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

fn commit_line(c: &ferret_engine::finding::CommitInfo) -> String {
    format!(
        "commit {} by {} <{}> on {}: {}",
        short(&c.commit),
        sanitize(&c.author),
        sanitize(&c.email),
        c.date,
        sanitize(&c.message)
    )
}

/// The findings of each secret (same rule, same secret: the same [`Finding::group`]), in
/// report order; a finding without a group is its own.
struct Groups {
    /// Finding index → the indices of its group's findings, for the first of each group.
    leaders: HashMap<usize, Vec<usize>>,
    count: usize,
}

impl Groups {
    fn of(findings: &[Finding]) -> Self {
        let mut first: HashMap<&str, usize> = HashMap::new();
        let mut leaders: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, f) in findings.iter().enumerate() {
            let lead = if f.group.is_empty() {
                i
            } else {
                *first.entry(f.group.as_str()).or_insert(i)
            };
            leaders.entry(lead).or_default().push(i);
        }
        Groups {
            count: leaders.len(),
            leaders,
        }
    }

    /// The group finding `i` leads, if it is the first of one.
    fn led_by(&self, i: usize) -> Option<&[usize]> {
        self.leaders.get(&i).map(Vec::as_slice)
    }

    fn count(&self) -> usize {
        self.count
    }
}

fn skipped(s: &ferret_source::StatsSnapshot) -> String {
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
    if s.skipped_special > 0 {
        parts.push(format!("{} not regular files", s.skipped_special));
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

fn suppressed(s: &ferret_source::StatsSnapshot) -> String {
    let mut parts = Vec::new();
    if s.suppressed_baseline > 0 {
        parts.push(format!("{} in the baseline", s.suppressed_baseline));
    }
    if s.suppressed_ignored > 0 {
        parts.push(format!("{} in .ferretignore", s.suppressed_ignored));
    }
    if s.below_confidence > 0 {
        parts.push(format!(
            "{} below the minimum confidence (--min-confidence low reports them)",
            s.below_confidence
        ));
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

/// A verified, invalid or unverifiable finding's line, e.g. `LIVE Attio API token
/// (workspace Acme) — can write: record_permission, list_entry`.
pub fn verification_line(f: &Finding) -> Option<String> {
    let v = f.verification.as_ref()?;
    let reason = v.reason.as_deref();
    Some(match v.status {
        Status::Verified => {
            let mut line = format!("LIVE {}", f.description);
            if let Some((label, value)) = v.identity.first() {
                let value = value
                    .as_str()
                    .map(String::from)
                    .unwrap_or_else(|| value.to_string());
                line.push_str(&format!(" ({label} {value})"));
            }
            let writes = v.write_scopes.as_deref().unwrap_or_default();
            if !writes.is_empty() {
                let names: Vec<&str> = writes.iter().map(|s| scope_name(s)).collect();
                line.push_str(&format!(" — can write: {}", names.join(", ")));
            } else if let Some(all) = &v.scopes {
                line.push_str(&format!(
                    " — read-only ({} scope{})",
                    all.len(),
                    if all.len() == 1 { "" } else { "s" }
                ));
            }
            line
        }
        Status::Invalid => match reason {
            Some(r) => format!("revoked/invalid ({r})"),
            None => "revoked/invalid".into(),
        },
        Status::Unknown => format!("could not verify: {}", reason.unwrap_or("unknown")),
    })
}

/// Suffixes that only say "this scope can write", dropped when a write scope is shown.
const ACCESS_SUFFIXES: &[&str] = &[":read-write", ":read_write", ":readwrite", ":write"];

/// A write scope as the human report names it: `record_permission:read-write` is
/// `record_permission` (the line already says "can write"); `write:org` stays as it is.
fn scope_name(scope: &str) -> &str {
    ACCESS_SUFFIXES
        .iter()
        .find_map(|suffix| {
            let cut = scope.len().checked_sub(suffix.len())?;
            let tail = scope.get(cut..)?;
            (tail.eq_ignore_ascii_case(suffix) && cut > 0).then(|| &scope[..cut])
        })
        .unwrap_or(scope)
}

/// The closing count, when anything was verified.
pub fn verification_summary(findings: &[Finding]) -> Option<String> {
    let (mut live, mut write, mut invalid, mut unknown) = (0, 0, 0, 0);
    for v in findings.iter().filter_map(|f| f.verification.as_ref()) {
        match v.status {
            Status::Verified => {
                live += 1;
                if v.can_write() {
                    write += 1;
                }
            }
            Status::Invalid => invalid += 1,
            Status::Unknown => unknown += 1,
        }
    }
    if live + invalid + unknown == 0 {
        return None;
    }
    let mut s = format!("verification: {live} live");
    if write > 0 {
        s.push_str(&format!(" ({write} can write)"));
    }
    s.push_str(&format!(
        ", {invalid} revoked/invalid, {unknown} could not be verified"
    ));
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_engine::finding::Verification;
    use serde_json::json;

    #[test]
    fn scope_names_drop_the_access_suffix_only() {
        assert_eq!(
            scope_name("record_permission:read-write"),
            "record_permission"
        );
        assert_eq!(scope_name("chat:write"), "chat");
        assert_eq!(scope_name("write:org"), "write:org");
        assert_eq!(scope_name("repo"), "repo");
        assert_eq!(scope_name(":write"), ":write");
    }

    fn finding(v: Verification) -> Finding {
        Finding {
            rule_id: "attio-api-token".into(),
            description: "Attio API token".into(),
            verification: Some(v),
            ..Default::default()
        }
    }

    fn verified(scopes: &[&str], writes: &[&str]) -> Verification {
        Verification {
            scopes: Some(scopes.iter().map(|s| s.to_string()).collect()),
            write_scopes: Some(writes.iter().map(|s| s.to_string()).collect()),
            ..Verification::new(Status::Verified)
        }
    }

    #[test]
    fn verification_lines_say_what_a_key_can_do() {
        let mut live = verified(&["a:read", "b:read-write"], &["b:read-write"]);
        live.identity = vec![
            ("workspace".into(), json!("Acme")),
            ("workspace_id".into(), json!("w")),
        ];
        let live = finding(live);
        assert_eq!(
            verification_line(&live).unwrap(),
            "LIVE Attio API token (workspace Acme) — can write: b"
        );
        let read = finding(verified(&["a:read"], &[]));
        assert_eq!(
            verification_line(&read).unwrap(),
            "LIVE Attio API token — read-only (1 scope)"
        );
        let mut dead = Verification::new(Status::Invalid);
        dead.reason = Some("rejected with HTTP 401".into());
        let dead = finding(dead);
        assert_eq!(
            verification_line(&dead).unwrap(),
            "revoked/invalid (rejected with HTTP 401)"
        );
        let unknown = finding(Verification::unknown("connection refused"));
        assert_eq!(
            verification_line(&unknown).unwrap(),
            "could not verify: connection refused"
        );
        assert_eq!(
            verification_summary(&[live, read, dead, unknown]).unwrap(),
            "verification: 2 live (1 can write), 1 revoked/invalid, 1 could not be verified"
        );
    }
}
