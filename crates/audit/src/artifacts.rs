//! Secrets where nobody meant to put them: log files (a request logged with its headers)
//! and build output (a bundler that inlined a server-side key). Each is the secret's own
//! finding re-labelled: the same place and the same redacted value under a `hygiene-` id,
//! the detecting rule named in the description and in a `rule:<id>` tag. One finding per
//! secret keeps counts, baselines and SARIF locations exact; `ferret scan` reports the
//! same secret under its rule (and can `--verify` it).
use super::catalog::{CheckFindings, SECRET_IN_BUILD, SECRET_IN_LOG};
use super::inventory::AuditFile;
use super::{placement, Placement};
use ferret_engine::finding::Finding;

pub fn check(files: &[AuditFile], out: &mut Vec<Finding>) {
    for f in files.iter().filter(|f| !f.ignored) {
        let (check, what) = match placement(&f.path) {
            Placement::Log => (&SECRET_IN_LOG, "in a log file".to_string()),
            Placement::Build(dir) => (&SECRET_IN_BUILD, format!("in build output ({dir}/)")),
            _ => continue,
        };
        for s in f.secrets.iter().filter(|s| !s.heuristic) {
            out.push(check.relabel(s.finding.clone(), &what));
        }
    }
}
