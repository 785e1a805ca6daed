//! The repository hygiene audit (`ferret audit`, and `ferret git --hygiene`): the checks a
//! security review of an API integration asks for, beyond "is there a secret in this file".
//!
//! [`inventory`] gathers the files once (what git tracks plus what `git add .` would add)
//! and scans each with the engine; each check family then reads that inventory:
//! - [`tracked`]: dotenv and credential files tracked by git, and a .gitignore that does
//!   not ignore `.env`;
//! - [`reuse`]: one secret configured for several environments;
//! - [`artifacts`]: secrets in log files and build output;
//! - [`templates`]: templates holding real-looking values.
//!
//! Every result is an ordinary [`Finding`] with a `hygiene-*` rule id from [`catalog`], so
//! the reports, exit codes and baselines of scans apply unchanged.

mod artifacts;
mod assign;
pub mod catalog;
mod inventory;
pub mod names;
mod reuse;
mod structure;
mod templates;
mod tracked;

pub use catalog::{check, remediation, Check, CheckFindings, CHECKS};

use ferret_engine::finding::Finding;
use ferret_source::Result;
use ferret_source::Scanner;
use std::path::Path;

/// Audits the work tree at `root` (a repository's top or any folder in it; a folder
/// outside git gets the checks that need no git, and a note says so). Notes and per-file
/// errors go to `scanner.diagnostics`, counts to `scanner.stats`, as in a scan; findings
/// come back unsorted (`app::finish` sorts them).
pub fn audit(scanner: &Scanner<'_>, root: &Path) -> Result<Vec<Finding>> {
    let inv = inventory::collect(scanner, root)?;
    let mut out = Vec::new();
    if let Some(repo) = &inv.repo {
        tracked::check(root, repo, &inv.files, &mut out);
    }
    reuse::check(&inv.files, &mut out);
    artifacts::check(&inv.files, &mut out);
    templates::check(&inv.files, &mut out);
    Ok(out)
}

/// What kind of place a file is, for the checks that care where a secret stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement<'a> {
    Log,
    /// In a build folder (its name).
    Build(&'a str),
    Template,
    /// Anything else: configuration or code.
    Settings,
}

/// Logs first (a log under `dist/` is a log), then build output, then templates.
pub(crate) fn placement(path: &str) -> Placement<'_> {
    if names::is_log(path) {
        Placement::Log
    } else if let Some(d) = names::build_dir(path) {
        Placement::Build(d)
    } else if names::is_template(path) {
        Placement::Template
    } else {
        Placement::Settings
    }
}

/// Long enough and random enough to be issued rather than typed: the templates and reuse
/// checks leave `postgres` and `testpass` (local docker-compose passwords, shared on
/// purpose) to `ferret scan`.
pub(crate) fn real_looking(secret: &str) -> bool {
    secret.len() >= 12 && ferret_engine::entropy::shannon(secret.as_bytes()) >= 3.0
}

#[cfg(test)]
mod tests {
    use super::real_looking;

    #[test]
    fn typed_local_passwords_are_not_real_looking() {
        assert!(!real_looking("testpass"));
        assert!(!real_looking("postgrespostgres"));
        let issued =
            ferret_rules::synth::Rng::from_str_seed("t").string(ferret_rules::synth::ALNUM, 24);
        assert!(real_looking(&issued));
    }
}
