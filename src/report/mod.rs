//! Reports: the same findings, written for people (`human`), for programs (`json`,
//! `jsonl`), for code scanning (`sarif`) or as GitHub Actions annotations (`github`). Findings arrive sorted and deduplicated (see [`prepare`]), so parallel runs
//! print identically.

mod github;
mod human;
mod json;
pub mod sarif;

use crate::cli::Format;
use crate::engine::Engine;
use crate::finding::Finding;
use crate::source::StatsSnapshot;
use std::io::{self, Write};

pub use json::finding_json;

/// Everything a report needs besides the findings.
pub struct ReportContext<'a> {
    pub engine: &'a Engine,
    pub stats: &'a StatsSnapshot,
    pub show_secrets: bool,
    pub color: bool,
    /// What was scanned, for the human summary ("3 files", "12 commits").
    pub scope: String,
}

/// Sorts findings by path, line, column and rule, and drops exact duplicates (the same
/// secret found twice at the same place through two sources).
pub fn prepare(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        (
            &a.path,
            a.line,
            a.column,
            &a.rule_id,
            a.commit.as_ref().map(|c| &c.commit),
        )
            .cmp(&(
                &b.path,
                b.line,
                b.column,
                &b.rule_id,
                b.commit.as_ref().map(|c| &c.commit),
            ))
    });
    findings.dedup_by(|a, b| {
        a.fingerprint == b.fingerprint
            && a.line == b.line
            && a.column == b.column
            && a.commit.as_ref().map(|c| &c.commit) == b.commit.as_ref().map(|c| &c.commit)
    });
}

/// Writes `findings` in `format`.
pub fn write(
    format: Format,
    findings: &[Finding],
    ctx: &ReportContext<'_>,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(findings, ctx, w),
        Format::Json => json::write(findings, ctx, w),
        Format::Jsonl => json::write_lines(findings, ctx, w),
        Format::Sarif => sarif::write(findings, ctx, w),
        Format::Github => github::write(findings, ctx, w),
    }
}
