//! The audit's checks as data: stable id, default severity, a title and the remediation
//! reports print. Reports look remediation up here for `hygiene-*` ids, as they look it up
//! in the rules for secret findings.
use ferret_engine::finding::{fingerprint, Finding};
pub use ferret_rules::Check;
use ferret_rules::Severity;

pub const ENV_FILE_TRACKED: Check = Check {
    id: "hygiene-env-file-tracked",
    severity: Severity::High,
    title: "A dotenv file is tracked by git",
    remediation: "Stop tracking it (`git rm --cached FILE`), add it to .gitignore, commit a \
        `.env.example` with placeholders instead, and rotate every secret it held: they \
        stay in the history and in every clone.",
};

pub const CREDENTIAL_FILE_TRACKED: Check = Check {
    id: "hygiene-credential-file-tracked",
    severity: Severity::High,
    title: "A credential file is tracked by git",
    remediation: "Stop tracking it (`git rm --cached FILE`), add its name to .gitignore, keep \
        it in a secret store or the CI's secret settings, and rotate the credential: it \
        stays in the history and in every clone.",
};

pub const GITIGNORE_MISSING_ENV: Check = Check {
    id: "hygiene-gitignore-missing-env",
    severity: Severity::Medium,
    title: "dotenv files exist but .gitignore does not ignore them",
    remediation: "Add `.env` and `.env.*` to .gitignore, with `!.env.example` (or your \
        template's name) so the template stays tracked.",
};

pub const SECRET_REUSED: Check = Check {
    id: "hygiene-secret-reused-across-environments",
    severity: Severity::High,
    title: "The same secret is configured for several environments",
    remediation: "Issue a separate key for each environment (most providers allow several \
        keys per account), starting with production, and revoke the shared one: a leak \
        from a laptop or a test system must not open production.",
};

pub const SECRET_IN_LOG: Check = Check {
    id: "hygiene-secret-in-log-file",
    severity: Severity::High,
    title: "A secret is written in a log file",
    remediation: "Rotate the secret, delete the log (and stop tracking `*.log` and `logs/` \
        in git), and find the code that logged it: mask credentials before logging \
        requests, headers and configuration.",
};

pub const SECRET_IN_BUILD: Check = Check {
    id: "hygiene-secret-in-build-output",
    severity: Severity::High,
    title: "A secret is baked into build output",
    remediation: "Rotate the secret, remove the build folder from git and add it to \
        .gitignore, and keep server-side secrets out of client bundles (only public \
        keys belong in variables a bundler inlines, such as NEXT_PUBLIC_ or VITE_).",
};

pub const TEMPLATE_REAL_VALUE: Check = Check {
    id: "hygiene-template-real-value",
    severity: Severity::High,
    title: "A settings template holds a real-looking value",
    remediation: "Replace the value with a placeholder (`ATTIO_API_KEY=` or \
        `<your-api-key>`) and rotate it if it was ever real: templates are committed and \
        copied everywhere.",
};

/// Every check, in the order docs and listings show them.
pub const CHECKS: &[Check] = &[
    ENV_FILE_TRACKED,
    CREDENTIAL_FILE_TRACKED,
    GITIGNORE_MISSING_ENV,
    SECRET_REUSED,
    SECRET_IN_LOG,
    SECRET_IN_BUILD,
    TEMPLATE_REAL_VALUE,
];

/// The check with this id, if it is one of the audit's.
pub fn check(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.id == id)
}

/// The remediation reports print for an audit finding.
pub fn remediation(id: &str) -> Option<&'static str> {
    check(id).map(|c| c.remediation)
}

/// How a check turns into findings.
pub trait CheckFindings {
    fn finding(
        &self,
        path: &str,
        line: usize,
        column: usize,
        description: String,
        key: &str,
    ) -> Finding;
    fn relabel(&self, f: Finding, what: &str) -> Finding;
}

impl CheckFindings for Check {
    /// A finding about a file or a place in it that holds no secret of its own to show
    /// (a tracked file, a .gitignore gap, a reuse named by places): the secret and the line
    /// text stay empty so no report can print a value. `key` keeps the fingerprint stable
    /// and distinct (a secret's hash, or nothing for a file-level finding).
    fn finding(
        &self,
        path: &str,
        line: usize,
        column: usize,
        description: String,
        key: &str,
    ) -> Finding {
        Finding {
            rule_id: self.id.to_string(),
            description,
            severity: self.severity,
            tags: vec!["hygiene".to_string()],
            path: path.to_string(),
            line: line.max(1),
            column: column.max(1),
            end_column: column.max(1),
            fingerprint: fingerprint(self.id, &[], key, path),
            ..Finding::default()
        }
    }

    /// The secret's own finding under this check's id: same place, same (redacted) secret
    /// and the rule's severity (a generic password in a log is as uncertain as anywhere),
    /// the detecting rule named in the description and the tags.
    fn relabel(&self, mut f: Finding, what: &str) -> Finding {
        f.description = format!("{} ({}) {what}", f.description, f.rule_id);
        f.tags.insert(0, "hygiene".to_string());
        f.tags.push(format!("rule:{}", f.rule_id));
        f.fingerprint = fingerprint(self.id, &f.tags, &f.secret, &f.path);
        f.rule_id = self.id.to_string();
        f.verification = None;
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_hygiene_prefixed() {
        let mut ids: Vec<_> = CHECKS.iter().map(|c| c.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), CHECKS.len());
        assert!(ids.iter().all(|i| i.starts_with("hygiene-")));
    }

    #[test]
    fn relabelled_finding_keeps_place_and_names_the_rule() {
        let f = Finding {
            rule_id: "attio-api-token".into(),
            description: "Attio API token".into(),
            severity: Severity::Critical,
            path: "app.log".into(),
            line: 3,
            secret: "s".repeat(20),
            ..Finding::default()
        };
        let r = SECRET_IN_LOG.relabel(f, "in a log file");
        assert_eq!(r.rule_id, "hygiene-secret-in-log-file");
        assert_eq!(r.line, 3);
        assert_eq!(
            r.severity,
            Severity::Critical,
            "the rule's severity is kept"
        );
        assert!(r.description.contains("attio-api-token"));
    }
}
