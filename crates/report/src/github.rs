//! `--format github`: GitHub Actions workflow commands, one per finding, so that findings
//! show as annotations on the pull request diff without uploading anything.
//!
//! `::error file=F,line=L,endLine=L,col=C,endColumn=E,title=T::MESSAGE`, with GitHub's
//! escaping: `%`, CR and LF in the message; additionally `:` and `,` in properties.
use super::ReportContext;
use ferret_engine::finding::{sanitize, Finding, Status};
use ferret_rules::Severity;
use std::io::{self, Write};

pub fn write(findings: &[Finding], ctx: &ReportContext<'_>, w: &mut dyn Write) -> io::Result<()> {
    for f in findings {
        writeln!(w, "{}", command(f, ctx))?;
    }
    writeln!(
        w,
        "ferret: {} finding{} · scanned {}",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        ctx.scope
    )
}

fn command(f: &Finding, ctx: &ReportContext<'_>) -> String {
    let verified = f
        .verification
        .as_ref()
        .is_some_and(|v| v.status == Status::Verified);
    let kind = match f.severity {
        _ if verified => "error",
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    };
    let title = format!("{} ({})", f.description, f.rule_id);
    let mut message = format!("{} severity {}", f.severity, f.description);
    // Audit findings about a file or a place have no secret to show.
    if !f.secret.is_empty() {
        message.push_str(&format!(": {}", f.shown_secret(ctx.show_secrets)));
    }
    if verified {
        message.push_str(" (verified: the credential is live)");
    }
    if let Some(c) = &f.commit {
        message.push_str(&format!(
            "\nIn commit {} by {} on {}.",
            &c.commit[..c.commit.len().min(12)],
            c.author,
            c.date
        ));
    }
    if let Some(fix) = ctx.catalog.remediation(&f.rule_id) {
        message.push_str(&format!("\nFix: {}", fix.trim()));
    }
    let hygiene = ctx.catalog.check(&f.rule_id).is_some();
    message.push_str(&format!(
        "\n{} Add {} to .ferretignore.",
        if hygiene {
            "Accepted?"
        } else {
            "Not a secret?"
        },
        f.fingerprint
    ));
    // A secret inside an archive is annotated on the archive, and placed in the message.
    let (line, column, end_column) = match f.archive {
        Some(_) => {
            message.push_str(&format!("\nIn {}, line {}.", f.path, f.line));
            (1, 1, 1)
        }
        None => (f.line, f.column, f.end_column.max(f.column)),
    };
    format!(
        "::{kind} file={},line={},endLine={},col={},endColumn={},title={}::{}",
        property(f.file()),
        line,
        line,
        column,
        end_column,
        property(&title),
        data(&message)
    )
}

/// Escapes a command's message. Scanned text is sanitized first, so control characters from
/// a file cannot end the command early or forge another one.
pub fn data(s: &str) -> String {
    let clean: String = s
        .split('\n')
        .map(|line| sanitize(line.trim_end_matches('\r')))
        .collect::<Vec<_>>()
        .join("\n");
    clean
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as [`data`], plus `:` and `,`, which end a property.
pub fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_github() {
        assert_eq!(data("100%\nnext"), "100%25%0Anext");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
        // A control character from a scanned file cannot start a new command.
        assert_eq!(data("x\u{1b}[31m"), "x\u{fffd}[31m");
    }
}
