//! The one Finding type every source produces and every report consumes.
use ferret_rules::Severity;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Where in git history a finding was introduced (history and range scans only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitInfo {
    pub commit: String,
    pub author: String,
    pub email: String,
    /// RFC 3339, author date.
    pub date: String,
    /// The commit's summary line.
    pub message: String,
}

/// One secret found at one place.
#[derive(Debug, Clone, Default)]
pub struct Finding {
    pub rule_id: String,
    pub description: String,
    pub severity: Severity,
    pub tags: Vec<String>,
    /// Relative to the scan root or repository, forward slashes.
    pub path: String,
    pub line: usize,
    pub column: usize,
    /// 1-based column just past the secret, on the same line when it fits on one.
    pub end_column: usize,
    /// The whole secret. Only reports read it, and only print it with `--show-secrets`.
    pub secret: String,
    /// Hash of rule id, secret and path: stable across edits above the line.
    pub fingerprint: String,
    /// Byte offsets of the secret within the scanned content.
    pub offset: (usize, usize),
    /// The line holding the secret, for redacted snippets (not serialized as is).
    pub line_text: String,
    pub commit: Option<CommitInfo>,
    /// How the secret was encoded where it stood (`base64`, `percent`, `json-escape`,
    /// chained with `+`), when it was not written as itself.
    pub decoded: Option<String>,
    /// The token's built-in checksum failed (kept only with `--keep-bad-checksums`).
    pub checksum_failed: bool,
    /// Filled in by the verify stage when `--verify` is on.
    pub verification: Option<Verification>,
    /// The other parts of a multi-part credential found near this one (its rule's
    /// `pair`), in the rule's order; empty for single-part secrets.
    pub parts: Vec<PairedPart>,
}

/// One part of a multi-part credential, found near the finding that carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PairedPart {
    /// The part's name in its rule's `pair` (`secret_access_key`).
    pub name: String,
    /// The rule whose finding this part was, when the part names a rule.
    pub rule_id: Option<String>,
    /// The whole part. Reports print it redacted unless `--show-secrets`.
    pub secret: String,
    pub line: usize,
    pub column: usize,
}

impl PairedPart {
    /// The part as reports should print it.
    pub fn shown_secret(&self, show: bool) -> String {
        if show || self.secret.is_empty() {
            self.secret.clone()
        } else {
            redact(&self.secret)
        }
    }
}

/// What the issuing service said about a secret (the verify stage fills it in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The service accepted the secret.
    Verified,
    /// The service authoritatively rejected it (revoked, deleted, never valid).
    Invalid,
    /// No answer that settles it: a timeout, a rate limit, a server error.
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Verified => "verified",
            Status::Invalid => "invalid",
            Status::Unknown => "unknown",
        }
    }
}

/// The result of checking one secret against its issuing service.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub status: Status,
    pub reason: Option<String>,
    pub http_status: Option<u16>,
    /// `None` when the rule says nothing about scopes.
    pub scopes: Option<Vec<String>>,
    /// The scopes that can write, delete or administer.
    pub write_scopes: Option<Vec<String>>,
    /// Label → value (workspace name, organisation id), in the rule's order.
    pub identity: Vec<(String, serde_json::Value)>,
}

impl Verification {
    pub fn new(status: Status) -> Self {
        Verification {
            status,
            reason: None,
            http_status: None,
            scopes: None,
            write_scopes: None,
            identity: Vec::new(),
        }
    }

    /// An `unknown` result, with why.
    pub fn unknown(reason: impl Into<String>) -> Self {
        Verification {
            reason: Some(reason.into()),
            ..Verification::new(Status::Unknown)
        }
    }

    /// Verified live, with scopes that can write.
    pub fn can_write(&self) -> bool {
        self.status == Status::Verified && self.write_scopes.as_ref().is_some_and(|w| !w.is_empty())
    }
}

/// The fingerprint of a secret at a path under a rule. No line, no commit, no offset: an
/// entry in a baseline keeps matching after edits above the line, rebases and squashes.
pub fn fingerprint(rule_id: &str, secret: &str, path: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0]);
    h.update(secret.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    let digest = h.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// A short, safe prefix of a secret: enough to recognise it, never enough to use it.
pub fn redact(secret: &str) -> String {
    let n = (secret.chars().count() / 4).min(5);
    let prefix: String = secret.chars().take(n).collect();
    format!("{prefix}…")
}

impl Finding {
    /// The lines the finding stands on: its own and its parts'. A change that adds any of
    /// them changes the credential.
    pub fn lines(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.line).chain(self.parts.iter().map(|p| p.line))
    }

    /// The part named `name`, if it was found.
    pub fn part(&self, name: &str) -> Option<&PairedPart> {
        self.parts.iter().find(|p| p.name == name)
    }

    /// The secret as reports should print it.
    pub fn shown_secret(&self, show: bool) -> String {
        if show || self.secret.is_empty() {
            self.secret.clone()
        } else {
            redact(&self.secret)
        }
    }

    /// The line holding the secret, with the secret redacted unless asked for. Long
    /// (minified) lines are cut to a window around the secret.
    pub fn snippet(&self, show: bool) -> String {
        let line = &self.line_text;
        // A file reported by its name alone has no secret to hide.
        if self.secret.is_empty() {
            return sanitize(line.trim());
        }
        let shown = self.shown_secret(show);
        let text = match line.find(self.secret.as_str()) {
            Some(i) => {
                let from = floor_char(line, i.saturating_sub(60));
                let to = ceil_char(line, (i + self.secret.len() + 60).min(line.len()));
                let mut s = String::new();
                if from > 0 {
                    s.push('…');
                }
                s.push_str(&line[from..i]);
                s.push_str(&shown);
                s.push_str(&line[i + self.secret.len()..to]);
                if to < line.len() {
                    s.push('…');
                }
                s
            }
            // Multi-line secrets (key blocks): show only the secret's redaction.
            None => shown,
        };
        // A part of a multi-part credential on the same line is redacted too.
        let mut text = text;
        if !show {
            for p in self.parts.iter().filter(|p| !p.secret.is_empty()) {
                text = text.replace(p.secret.as_str(), &redact(&p.secret));
            }
        }
        sanitize(text.trim())
    }
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Replaces control characters (terminal escapes from scanned files) with U+FFFD.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_line_and_changes_with_path() {
        let a = fingerprint("r", "s3cr3t-value", "a.txt");
        assert_eq!(a, fingerprint("r", "s3cr3t-value", "a.txt"));
        assert_ne!(a, fingerprint("r", "s3cr3t-value", "b.txt"));
        assert!(!a.contains("s3cr3t"));
    }

    #[test]
    fn redaction_keeps_a_short_prefix() {
        let r = redact("sk_abcdefghijklmnopqrstuvwxyz0123");
        assert_eq!(r, "sk_ab…");
    }

    #[test]
    fn snippets_redact_the_parts_on_the_line_too() {
        let key = concat!("AKIA", "QWERTYUIOPASDFGH");
        let secret = concat!("wJalrXUtnFEMI", "K7MDENGbPxRfiCYzzzzzzzzzzzzz");
        let f = Finding {
            secret: key.into(),
            line_text: format!("creds = {{ id: \"{key}\", secret: \"{secret}\" }}"),
            parts: vec![PairedPart {
                name: "secret_access_key".into(),
                secret: secret.into(),
                ..PairedPart::default()
            }],
            ..Finding::default()
        };
        let shown = f.snippet(false);
        assert!(!shown.contains(key) && !shown.contains(secret), "{shown}");
        assert!(f.snippet(true).contains(secret));
    }

    #[test]
    fn sanitize_removes_escape_sequences() {
        assert_eq!(sanitize("a\x1b[31mb"), "a\u{fffd}[31mb");
    }
}
