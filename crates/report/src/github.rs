//! `--format github`: GitHub Actions workflow commands, one per finding, so that findings
//! show as annotations on the pull request diff without uploading anything.
//!
//! `::error file=F,line=L,endLine=L,col=C,endColumn=E,title=T::MESSAGE`, with GitHub's
//! escaping: `%`, CR and LF in the message; additionally `:` and `,` in properties. Paths
//! are repository-relative (GitHub resolves `file=` from the repository's root).
//!
//! GitHub shows at most 10 error and 10 warning annotations per step (the REST checks
//! documentation: "GitHub Actions are limited to 10 warning annotations and 10 error
//! annotations per step"; notices are capped the same way) and drops the rest without a
//! word. So past [`ANNOTATIONS_PER_KIND`] findings of one kind, the last annotation of
//! that kind says how many more there are, and those findings are printed as plain lines:
//! the step log always lists every finding.
use super::ReportContext;
use ferret_engine::finding::{sanitize, Finding, Status};
use ferret_rules::Severity;
use std::io::{self, Write};

/// Annotations of one kind (error, warning, notice) GitHub shows for one step.
pub const ANNOTATIONS_PER_KIND: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Error,
    Warning,
    Notice,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Error, Kind::Warning, Kind::Notice];

    fn name(self) -> &'static str {
        match self {
            Kind::Error => "error",
            Kind::Warning => "warning",
            Kind::Notice => "notice",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

fn kind(f: &Finding) -> Kind {
    let verified = f
        .verification
        .as_ref()
        .is_some_and(|v| v.status == Status::Verified);
    match f.severity {
        _ if verified => Kind::Error,
        Severity::Critical | Severity::High => Kind::Error,
        Severity::Medium => Kind::Warning,
        Severity::Low | Severity::Info => Kind::Notice,
    }
}

pub fn write(findings: &[Finding], ctx: &ReportContext<'_>, w: &mut dyn Write) -> io::Result<()> {
    let mut total = [0usize; 3];
    for f in findings {
        total[kind(f).index()] += 1;
    }
    // One annotation of each overflowing kind is kept for the "N more" line.
    let annotated = total.map(|n| {
        if n > ANNOTATIONS_PER_KIND {
            ANNOTATIONS_PER_KIND - 1
        } else {
            n
        }
    });
    let mut seen = [0usize; 3];
    let mut rest = Vec::new();
    for f in findings {
        let k = kind(f);
        seen[k.index()] += 1;
        if seen[k.index()] <= annotated[k.index()] {
            writeln!(w, "{}", command(f, k, ctx))?;
        } else {
            rest.push(f);
        }
    }
    for k in Kind::ALL {
        let more = total[k.index()] - annotated[k.index()];
        if more > 0 {
            let message = format!(
                "{more} more {}-level finding{} not annotated: GitHub shows {ANNOTATIONS_PER_KIND} \
                 {} annotations per step. Every finding is listed in this step's log.",
                k.name(),
                if more == 1 { " is" } else { "s are" },
                k.name()
            );
            writeln!(
                w,
                "::{} title={}::{}",
                k.name(),
                property("ferret: more findings"),
                data(&message)
            )?;
        }
    }
    for f in rest {
        writeln!(w, "ferret: {}", data_line(&plain(f, ctx)))?;
    }
    writeln!(
        w,
        "ferret: {} finding{} · scanned {}",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        ctx.scope
    )
}

/// A finding as one log line, for those past the annotation limit.
fn plain(f: &Finding, ctx: &ReportContext<'_>) -> String {
    let mut line = format!(
        "{}:{}:{}: {} {} {} (confidence {})",
        ctx.repo_paths.shown(&f.path),
        f.line,
        f.column,
        f.severity,
        f.rule_id,
        f.description,
        f.confidence
    );
    if !f.secret.is_empty() {
        line.push_str(&format!(": {}", f.shown_secret(ctx.show_secrets)));
    }
    if let Some(c) = &f.commit {
        line.push_str(&format!(
            " (commit {})",
            &c.commit[..c.commit.len().min(12)]
        ));
    }
    line.push_str(&format!(" fingerprint {}", f.fingerprint));
    line
}

/// A plain log line: sanitized, and unable to start a workflow command.
fn data_line(s: &str) -> String {
    sanitize(&s.replace(['\r', '\n'], " "))
}

fn command(f: &Finding, kind: Kind, ctx: &ReportContext<'_>) -> String {
    let verified = f
        .verification
        .as_ref()
        .is_some_and(|v| v.status == Status::Verified);
    let path = ctx.repo_paths.shown(&f.path);
    let title = format!("{} ({})", f.description, f.rule_id);
    // The location leads the message: the step log shows only the message.
    let mut message = format!(
        "{path}:{}:{}: {} severity, {} confidence {}",
        f.line, f.column, f.severity, f.confidence, f.description
    );
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
        "::{} file={},line={},endLine={},col={},endColumn={},title={}::{}",
        kind.name(),
        property(&ctx.repo_paths.shown(f.file())),
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

    fn finding(i: usize, severity: Severity) -> Finding {
        Finding {
            rule_id: "r".into(),
            description: "D".into(),
            severity,
            path: format!("f{i}.txt"),
            line: i + 1,
            column: 1,
            end_column: 5,
            secret: "secret-value".into(),
            fingerprint: format!("fp{i}"),
            ..Default::default()
        }
    }

    fn render(findings: &[Finding], paths: &crate::RepoPaths) -> String {
        let catalog = crate::Catalog::default();
        let stats = ferret_source::StatsSnapshot::default();
        let config = crate::ConfigSummary::default();
        let ctx = ReportContext {
            config: &config,
            catalog: &catalog,
            stats: &stats,
            show_secrets: false,
            color: false,
            scope: "x".into(),
            repo_paths: paths,
            min_confidence: crate::MinConfidence::all(),
        };
        let mut out = Vec::new();
        write(findings, &ctx, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn annotations_stay_within_githubs_per_step_limits() {
        // 12 errors, 10 warnings, 1 notice.
        let mut fs: Vec<Finding> = (0..12).map(|i| finding(i, Severity::Critical)).collect();
        fs.extend((12..22).map(|i| finding(i, Severity::Medium)));
        fs.push(finding(22, Severity::Low));
        let out = render(&fs, &crate::RepoPaths::unchanged());
        let count = |p: &str| out.lines().filter(|l| l.starts_with(p)).count();
        assert_eq!(count("::error "), ANNOTATIONS_PER_KIND, "{out}");
        assert_eq!(count("::warning "), ANNOTATIONS_PER_KIND, "{out}");
        assert_eq!(count("::notice "), 1, "{out}");
        assert!(
            out.contains("::error title=ferret%3A more findings::3 more error-level findings are not annotated"),
            "{out}"
        );
        // The three left out are in the log, as plain lines that are not commands.
        let plain: Vec<&str> = out.lines().filter(|l| l.starts_with("ferret: f")).collect();
        assert_eq!(plain.len(), 3, "{out}");
        assert!(
            plain[0].starts_with("ferret: f9.txt:10:1: critical r D (confidence medium): "),
            "{out}"
        );
        assert!(plain[0].ends_with("fingerprint fp9"), "{out}");
        assert!(!out.contains("secret-value"), "{out}");
        assert!(out.ends_with("ferret: 23 findings · scanned x\n"), "{out}");
    }

    #[test]
    fn annotation_paths_are_repository_relative() {
        let dir = std::env::temp_dir().join(format!("ferret-gh-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let paths = crate::RepoPaths::new(&dir, &dir.join("src")).unwrap();
        let out = render(&[finding(0, Severity::High)], &paths);
        assert!(out.starts_with("::error file=src/f0.txt,line=1,"), "{out}");
        assert!(
            out.contains("::src/f0.txt:1:1: high severity, medium confidence D"),
            "{out}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
