//! The one Finding type every source produces and every report consumes.
use crate::context::Context;
use ferret_rules::{Confidence, Severity};
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
    /// Names the secret under its rule, whatever the path (see [`group_id`]): findings
    /// that share it are one secret found in several places. Set by the report stage.
    pub group: String,
    /// How sure ferret is that this is a real credential: the rule's confidence, lowered
    /// by where it stands ([`Finding::context`]), raised to high when verified live.
    pub confidence: Confidence,
    /// Where it stands, when that lowered the confidence (a test directory).
    pub context: Option<Context>,
    /// The rule's own confidence, before its place lowered it: what a commit gate judges
    /// by, so that a provider's key committed into a test directory is still stopped.
    pub rule_confidence: Confidence,
    /// Byte offsets of the secret within the scanned content (of the encoded text, for a
    /// secret found decoded).
    pub offset: (usize, usize),
    /// The line holding the secret, for redacted snippets (never serialized as it is).
    pub line_text: LineText,
    pub commit: Option<CommitInfo>,
    /// How the secret was encoded where it stood (`base64`, `percent`, `json-escape`,
    /// chained with `+`), when it was not written as itself.
    pub decoded: Option<String>,
    /// The token's built-in checksum failed (kept only with `--keep-bad-checksums`).
    pub checksum_failed: bool,
    /// Filled in by the verify stage when `--verify` is on.
    pub verification: Option<Verification>,
    /// In binary content (an executable, a `.class` file, a database): where the secret's
    /// bytes are in the file (or the archive member), since lines mean little there.
    /// `offset` and `line_text` stay in the printable strings that were scanned.
    pub bytes: Option<(usize, usize)>,
    /// Inside an archive: `path` is `archive.zip!inner/path` (members of nested archives
    /// joined by more `!`), and this is the length of its first part, the file itself.
    pub archive: Option<usize>,
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

/// A fingerprint names a secret at a path under a rule, without the secret: no line, no
/// commit, no offset, so a baseline entry keeps matching after edits above the line,
/// rebases and squashes. Baselines and reports are committed and shared, so a fingerprint
/// must not give its secret away:
///
/// - a secret a person chose (found by a generic or password rule, in a connection string
///   or basic auth) or with under [`STRONG_BITS`] of estimated entropy is first stretched
///   with Argon2id ([`ARGON2_KIB`] KiB, one pass: 0.25-0.5 ms here, once per distinct
///   rule and secret in a run), so guessing `Winter2024!x` back from a baseline costs an
///   attacker a memory-hard hash per guess instead of one SHA-256 (about 10^4 times fewer
///   guesses per second on a GPU);
/// - a random token with more entropy cannot be guessed, and keeps the SHA-256 fingerprint
///   of ferret 0.1, so baselines of such findings stay valid;
/// - with an organisation key ([`set_key`]: `FERRET_FINGERPRINT_KEY` or the user's
///   config), every fingerprint is an HMAC under that key, which nobody without the key
///   can test a guess against.
pub fn fingerprint(rule_id: &str, tags: &[String], secret: &str, path: &str) -> String {
    let key = KEY.get().and_then(Option::as_ref);
    if secret.is_empty() && key.is_none() {
        return legacy_fingerprint(rule_id, secret, path);
    }
    match key {
        Some(k) => {
            let inner = hmac(
                k,
                &[b"ferret-fp/keyed", rule_id.as_bytes(), secret.as_bytes()],
            );
            hex16(&hmac(&inner, &[path.as_bytes()]))
        }
        None if chosen_by_a_person(tags) || estimated_bits(secret) < STRONG_BITS => {
            let stretched = stretched(rule_id, secret);
            let mut h = Sha256::new();
            h.update(b"ferret-fp/v2\0");
            h.update(stretched);
            h.update(path.as_bytes());
            hex16(&h.finalize())
        }
        None => legacy_fingerprint(rule_id, secret, path),
    }
}

/// The fingerprint ferret 0.1 wrote for every finding (SHA-256 of rule, secret and path),
/// still used for strong secrets and recognised in old baselines.
pub fn legacy_fingerprint(rule_id: &str, secret: &str, path: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0]);
    h.update(secret.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    hex16(&h.finalize())
}

/// Names a secret under a rule wherever it was found, for grouping one secret's findings:
/// a [`fingerprint`] without the path, made the same way, so that a group id gives the
/// secret away no more than a fingerprint does (stretched with Argon2id when a person
/// chose it or it is weak, an HMAC under the organisation key when one is set). An empty
/// secret (a file reported by its name) has no group of its own: `None`.
pub fn group_id(rule_id: &str, tags: &[String], secret: &str) -> Option<String> {
    if secret.is_empty() {
        return None;
    }
    let key = KEY.get().and_then(Option::as_ref);
    Some(match key {
        Some(k) => hex16(&hmac(
            k,
            &[b"ferret-group/keyed", rule_id.as_bytes(), secret.as_bytes()],
        )),
        None if chosen_by_a_person(tags) || estimated_bits(secret) < STRONG_BITS => {
            let mut h = Sha256::new();
            h.update(b"ferret-group/v1\0");
            h.update(stretched(rule_id, secret));
            hex16(&h.finalize())
        }
        None => {
            let mut h = Sha256::new();
            h.update(b"ferret-group/v1\0");
            h.update(rule_id.as_bytes());
            h.update([0]);
            h.update(secret.as_bytes());
            hex16(&h.finalize())
        }
    })
}

/// Secrets with fewer estimated bits than this are stretched before hashing. Random
/// tokens carry 128 bits and more; Shannon's estimate reads 32 hex characters as about
/// 120 bits and 20 random alphanumerics as about 84, so the line sits where a brute force
/// is hopeless above it.
pub const STRONG_BITS: f64 = 100.0;

/// Argon2id's memory per stretch: small enough that a report of a thousand weak secrets
/// costs a fraction of a second, large enough that a GPU cannot run it as fast as SHA-256.
pub const ARGON2_KIB: u32 = 256;

static KEY: std::sync::OnceLock<Option<Vec<u8>>> = std::sync::OnceLock::new();

/// Sets the organisation key fingerprints are keyed with, once per process, before the
/// first fingerprint. `None`: the default, unkeyed fingerprints.
pub fn set_key(key: Option<Vec<u8>>) {
    let _ = KEY.set(key.filter(|k| !k.is_empty()));
}

/// Whether fingerprints are keyed (an organisation key is set).
pub fn keyed() -> bool {
    KEY.get().is_some_and(Option::is_some)
}

/// Rules whose secrets people choose: passwords, generic assignments, credentials in URLs
/// and connection strings.
fn chosen_by_a_person(tags: &[String]) -> bool {
    tags.iter().any(|t| {
        matches!(
            t.as_str(),
            "generic" | "password" | "basic-auth" | "connection-string"
        )
    })
}

/// Length times bits per character: Shannon's estimate of what a brute force must cover.
fn estimated_bits(secret: &str) -> f64 {
    crate::entropy::shannon(secret.as_bytes()) * secret.len() as f64
}

/// Argon2id of the secret, salted with the rule id, cached per (rule, secret) for the run:
/// a secret in a thousand files is stretched once.
fn stretched(rule_id: &str, secret: &str) -> [u8; 32] {
    use std::collections::HashMap;
    use std::sync::Mutex;
    type Stretched = HashMap<(String, String), [u8; 32]>;
    static CACHE: std::sync::OnceLock<Mutex<Stretched>> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (rule_id.to_string(), secret.to_string());
    if let Some(v) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return *v;
    }
    let params = argon2::Params::new(ARGON2_KIB, 1, 1, Some(32)).expect("valid Argon2 parameters");
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = format!("ferret-fp/v2/{rule_id}");
    let mut out = [0u8; 32];
    argon
        .hash_password_into(secret.as_bytes(), salt.as_bytes(), &mut out)
        .expect("Argon2id with a salt of at least 8 bytes");
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, out);
    out
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    use hmac::Mac;
    let mut m = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        m.update(p);
        m.update(&[0]);
    }
    m.finalize().into_bytes().into()
}

fn hex16(digest: &[u8]) -> String {
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// A short, safe form of a secret: a prefix of random tokens (enough to recognise them,
/// never enough to use them), nothing of a secret a person chose (a password's first
/// letters are a good part of it).
pub fn redact_for(secret: &str, tags: &[String]) -> String {
    if chosen_by_a_person(tags) {
        "…".to_string()
    } else {
        redact(secret)
    }
}

/// A short, safe prefix of a secret: enough to recognise it, never enough to use it.
pub fn redact(secret: &str) -> String {
    let n = (secret.chars().count() / 4).min(5);
    let prefix: String = secret.chars().take(n).collect();
    format!("{prefix}…")
}

/// How much of a finding's line is kept: a snippet shows 60 characters on each side of the
/// secret, and a minified megabyte-long line must not be copied into every finding of it.
pub const LINE_WINDOW: usize = 512;

/// The part of a finding's line that is kept, and where secrets sit in it. Every secret
/// the engine matched on the line is masked, not only the finding's own: a line with two
/// keys, or one key twice, never shows the other in a snippet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineText {
    pub text: String,
    /// Byte offset of `text` in the scanned content.
    pub start: usize,
    /// The line goes on before / after `text`.
    pub cut_before: bool,
    pub cut_after: bool,
    /// Byte ranges of `text` that hold secrets, sorted, not overlapping.
    pub masks: Vec<(usize, usize)>,
}

impl LineText {
    /// The line `line` (byte range of `content`) around `focus`, at most [`LINE_WINDOW`]
    /// bytes, with `focus` masked.
    pub fn new(content: &[u8], line: (usize, usize), focus: (usize, usize)) -> Self {
        let (ls, le) = (line.0, line.1.max(line.0));
        let half = LINE_WINDOW / 2;
        let fs = focus.0.clamp(ls, le);
        let fe = focus.1.clamp(fs, le);
        let mut from = fs.saturating_sub(half).max(ls);
        let mut to = (fe + half).min(le);
        if to - from > LINE_WINDOW {
            to = (from + LINE_WINDOW).min(le);
        }
        // Whole characters only.
        while from > ls && (content[from] & 0xC0) == 0x80 {
            from -= 1;
        }
        while to < le && (content[to] & 0xC0) == 0x80 {
            to += 1;
        }
        let mut t = LineText {
            text: String::from_utf8_lossy(&content[from..to]).into_owned(),
            start: from,
            cut_before: from > ls,
            cut_after: to < le,
            masks: Vec::new(),
        };
        t.mask(focus);
        t
    }

    /// A plain line (file-level findings, tests): nothing masked.
    pub fn plain(text: impl Into<String>) -> Self {
        LineText {
            text: text.into(),
            ..LineText::default()
        }
    }

    /// Masks what of the content range `span` falls in the kept text.
    pub fn mask(&mut self, span: (usize, usize)) {
        self.mask_all(std::iter::once(span));
    }

    /// Masks what of each content range falls in the kept text: one sort and merge for
    /// all of them (a line of a thousand one-byte matches costs a thousand steps, not a
    /// thousand sorts).
    pub fn mask_all(&mut self, spans: impl IntoIterator<Item = (usize, usize)>) {
        let end = self.start + self.text.len();
        for span in spans {
            let (s, e) = (span.0.max(self.start), span.1.min(end));
            if s >= e {
                continue;
            }
            let (mut s, mut e) = (s - self.start, e - self.start);
            while s > 0 && !self.text.is_char_boundary(s) {
                s -= 1;
            }
            while e < self.text.len() && !self.text.is_char_boundary(e) {
                e += 1;
            }
            self.masks.push((s, e));
        }
        self.masks.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(self.masks.len());
        for &(a, b) in &self.masks {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        self.masks = merged;
    }
}

impl Finding {
    /// Raises the confidence to high when the provider said the secret is live: no doubt
    /// is left, wherever it stands. Call it after verification and before any minimum
    /// confidence applies, so that a live key in a test directory is reported.
    pub fn trust_verification(&mut self) {
        if self.verification.as_ref().map(|v| v.status) == Some(Status::Verified) {
            self.confidence = Confidence::High;
        }
    }

    /// Sets [`Finding::group`]: the secret's [`group_id`], or the fingerprint for a
    /// finding without a secret (each such file is its own group).
    pub fn name_group(&mut self) {
        self.group = group_id(&self.rule_id, &self.tags, &self.secret)
            .unwrap_or_else(|| self.fingerprint.clone());
    }

    /// The lines the finding stands on: its own and its parts'. A change that adds any of
    /// them changes the credential.
    pub fn lines(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.line).chain(self.parts.iter().map(|p| p.line))
    }

    /// The part named `name`, if it was found.
    pub fn part(&self, name: &str) -> Option<&PairedPart> {
        self.parts.iter().find(|p| p.name == name)
    }

    /// The file the finding is in, on disk or in git: `path`, or for a secret inside an
    /// archive, the archive.
    pub fn file(&self) -> &str {
        match self.archive {
            Some(n) if self.path.is_char_boundary(n) => &self.path[..n],
            _ => &self.path,
        }
    }

    /// The secret as reports print it: whole only with `--show-secrets`.
    pub fn shown_secret(&self, show: bool) -> String {
        if show || self.secret.is_empty() {
            self.secret.clone()
        } else {
            redact_for(&self.secret, &self.tags)
        }
    }

    /// The line holding the secret, cut to 60 characters on each side of it, with every
    /// secret on it redacted unless asked for: the finding's own shown as
    /// [`Finding::shown_secret`], any other (or another copy of the same) as `…`.
    pub fn snippet(&self, show: bool) -> String {
        let lt = &self.line_text;
        // A file reported by its name alone has no secret to hide.
        if self.secret.is_empty() {
            return sanitize(lt.text.trim());
        }
        let end = lt.start + lt.text.len();
        // The finding's own place in the kept text: its secret, or the encoded text it was
        // decoded from.
        let own = (self.offset.0.max(lt.start), self.offset.1.min(end));
        if own.0 >= own.1 || self.offset.0 < lt.start {
            // Starts on an earlier line (a key block): show only its redaction.
            return sanitize(&self.shown_secret(show));
        }
        let (own_s, own_e) = (own.0 - lt.start, own.1 - lt.start);
        let text = &lt.text;
        let from = floor_char(text, own_s.saturating_sub(60));
        let to = ceil_char(text, (own_e + 60).min(text.len()));
        let mut masks: Vec<(usize, usize)> = if show { Vec::new() } else { lt.masks.clone() };
        if !show && self.decoded.is_none() {
            // The same secret written again on the line, matched or not.
            for (i, _) in text.match_indices(self.secret.as_str()) {
                masks.push((i, i + self.secret.len()));
            }
            // A part of a multi-part credential on the same line, too.
            for p in self.parts.iter().filter(|p| !p.secret.is_empty()) {
                for (i, _) in text.match_indices(p.secret.as_str()) {
                    masks.push((i, i + p.secret.len()));
                }
            }
            masks.sort_unstable();
        }
        let mut out = String::new();
        if from > 0 || lt.cut_before {
            out.push('…');
        }
        let mut at = from;
        let mut own_done = false;
        for (ms, me) in masks.into_iter().filter(|&(s, e)| e > from && s < to) {
            let (ms, me) = (ms.max(at), me.min(to));
            if ms < at || ms >= me {
                continue;
            }
            out.push_str(&text[at..ms]);
            if ms <= own_s && me >= own_e && !own_done {
                out.push_str(&self.shown_secret(show));
                own_done = true;
            } else {
                out.push('…');
            }
            at = me;
        }
        out.push_str(&text[at..to]);
        if to < text.len() || lt.cut_after {
            out.push('…');
        }
        sanitize(out.trim())
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

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn fingerprint_ignores_line_and_changes_with_path() {
        let a = fingerprint("r", &[], "s3cr3t-value", "a.txt");
        assert_eq!(a, fingerprint("r", &[], "s3cr3t-value", "a.txt"));
        assert_ne!(a, fingerprint("r", &[], "s3cr3t-value", "b.txt"));
        assert!(!a.contains("s3cr3t"));
    }

    /// Secret-shaped test values, made at run time so no source line holds one.
    fn made(prefix: &str, n: usize) -> String {
        let mut rng = ferret_rules::synth::Rng::from_str_seed(prefix);
        format!("{prefix}{}", rng.string(ferret_rules::synth::ALNUM, n))
    }

    #[test]
    fn strong_tokens_keep_the_old_fingerprint_and_weak_secrets_are_stretched() {
        let token = made("", 40);
        assert_eq!(
            fingerprint("x-token", &[], &token, "a.env"),
            legacy_fingerprint("x-token", &token, "a.env")
        );
        let password = ["Winter", "2024!x"].concat();
        let password = password.as_str();
        let weak = fingerprint(
            "generic-password-assignment",
            &tags(&["password"]),
            password,
            "a.env",
        );
        assert_ne!(
            weak,
            legacy_fingerprint("generic-password-assignment", password, "a.env")
        );
        // A person's choice is stretched even when long.
        let phrase = ["correct-horse", "-battery-staple-2024!"].concat();
        let phrase = phrase.as_str();
        assert_ne!(
            fingerprint(
                "generic-secret-assignment",
                &tags(&["generic"]),
                phrase,
                "a"
            ),
            legacy_fingerprint("generic-secret-assignment", phrase, "a")
        );
    }

    fn finding(line: &str, secret: &str, tags: &[&str]) -> Finding {
        let at = line.find(secret).unwrap();
        let mut f = Finding {
            secret: secret.into(),
            tags: tags.iter().map(|s| s.to_string()).collect(),
            offset: (at, at + secret.len()),
            ..Finding::default()
        };
        f.line_text = LineText::new(line.as_bytes(), (0, line.len()), f.offset);
        f
    }

    #[test]
    fn snippets_mask_every_secret_on_the_line() {
        let a = made("ab_", 28);
        let b = made("cd_", 28);
        let line = format!("A={a} B={b} C={a}");
        let mut fa = finding(&line, &a, &[]);
        let fb = finding(&line, &b, &[]);
        fa.line_text.mask(fb.offset);
        let s = fa.snippet(false);
        assert!(!s.contains(&a[5..]) && !s.contains(&b[5..]), "{s}");
        assert!(s.starts_with(&format!("A={}…", &a[..5])), "{s}");
        let shown = fa.snippet(true);
        assert!(shown.contains(&a) && shown.contains(&b), "{shown}");
        // A password's redaction shows none of it.
        let pw = ["Winter", "2024!x"].concat();
        let p = finding(&format!("DB_PASS=\"{pw}\""), &pw, &["password"]);
        assert_eq!(p.snippet(false), "DB_PASS=\"…\"");
    }

    #[test]
    fn a_long_line_is_kept_as_a_window() {
        let secret = made("ab_", 28);
        let line = format!("{}{secret}{}", "a".repeat(100_000), "b".repeat(100_000));
        let f = finding(&line, &secret, &[]);
        assert!(f.line_text.text.len() <= LINE_WINDOW + secret.len());
        assert!(f.line_text.cut_before && f.line_text.cut_after);
        let s = f.snippet(false);
        assert!(
            s.starts_with('…') && s.ends_with('…') && s.contains(&format!("{}…", &secret[..5])),
            "{s}"
        );
    }

    #[test]
    fn group_ids_name_the_secret_not_the_place() {
        let token = made("", 40);
        let a = group_id("x-token", &[], &token).unwrap();
        assert_eq!(a, group_id("x-token", &[], &token).unwrap());
        assert_ne!(a, group_id("y-token", &[], &token).unwrap());
        assert_ne!(a, group_id("x-token", &[], &made("", 41)).unwrap());
        assert!(!a.contains(&token[..8]) && a.len() == 32);
        // Never the fingerprint: a group id cannot be matched against a baseline entry.
        assert_ne!(a, fingerprint("x-token", &[], &token, ""));
        // A weak secret's group is stretched like its fingerprint.
        let pw = ["Winter", "2024!x"].concat();
        let tags = tags(&["password"]);
        let g = group_id("generic-password-assignment", &tags, &pw).unwrap();
        let mut plain = Sha256::new();
        plain.update(b"ferret-group/v1\0");
        plain.update(b"generic-password-assignment\0");
        plain.update(pw.as_bytes());
        assert_ne!(g, hex16(&plain.finalize()));
        assert_eq!(group_id("r", &[], ""), None);
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
        let line = format!("creds = {{ id: \"{key}\", secret: \"{secret}\" }}");
        let mut f = finding(&line, key, &[]);
        f.parts = vec![PairedPart {
            name: "secret_access_key".into(),
            secret: secret.into(),
            ..PairedPart::default()
        }];
        let shown = f.snippet(false);
        assert!(!shown.contains(key) && !shown.contains(secret), "{shown}");
        assert!(f.snippet(true).contains(secret));
    }

    #[test]
    fn sanitize_removes_escape_sequences() {
        assert_eq!(sanitize("a\x1b[31mb"), "a\u{fffd}[31mb");
    }
}
