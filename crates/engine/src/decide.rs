//! The one place that decides whether a candidate is reported, and why not.
//!
//! Every rule's matcher (see [`crate::rule::Matcher`]) turns regex matches into
//! [`Candidate`]s: where the secret is, the text matched, the line. [`Engine::consider`]
//! then applies every check a candidate can fail, in one order, for every kind of rule:
//! length, entropy, an inline `ferret:allow`, the allowlists, an encoded decoy, the
//! checksum. What happens to findings later (overlaps between rules, lines a commit did not
//! add, baselines, `.ferretignore`, duplicates) is decided elsewhere but named with the same
//! [`Reason`], and with `--explain` every dropped candidate is kept in the worker's
//! [`Sink`] with its reason, so "why wasn't this reported?" has an answer.
use crate::context::Context;
use crate::filters::{Candidate as AllowlistView, Filters};
use crate::finding::{redact_for, Finding};
use crate::lines::line_bounds;
use crate::rule::CompiledRule;
use crate::{encoded, entropy, Engine, Scratch};
use ferret_rules::{checksum, Confidence, Semantics};

/// Words that mark a line as a deliberate, reviewed exception.
pub(crate) const INLINE_ALLOW: &[&[u8]] = &[b"ferret:allow", b"gitleaks:allow"];

/// What is being scanned: the path findings report (and path allowlists see), and where
/// the content comes from in git, so that commit allowlists apply and explanations can
/// name it.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// Relative to the scan root or repository, forward slashes.
    pub path: &'a str,
    /// The commit the content was found in (history and range scans).
    pub commit: Option<&'a str>,
    /// The blob's id, when the content is a git blob.
    pub blob: Option<&'a str>,
    /// Inside decoded text: how deep, and where the encoded span starts in the content
    /// findings are placed in (line, column).
    pub(crate) layer: Option<Layer>,
}

/// A decoded layer of content (base64 inside a file, base64 inside that).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layer {
    pub depth: usize,
    pub line: usize,
    pub column: usize,
}

impl<'a> Target<'a> {
    /// A file or stdin, named `path`.
    pub fn path(path: &'a str) -> Self {
        Target {
            path,
            commit: None,
            blob: None,
            layer: None,
        }
    }

    /// The same target, found in `commit`.
    pub fn in_commit(mut self, commit: Option<&'a str>) -> Self {
        self.commit = commit;
        self
    }

    /// The same target, read from blob `blob`.
    pub fn blob(mut self, blob: Option<&'a str>) -> Self {
        self.blob = blob;
        self
    }

    pub(crate) fn depth(&self) -> usize {
        self.layer.map_or(0, |l| l.depth)
    }
}

/// Why a candidate (or a finding, or a whole file) was not reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The secret is longer than the rule's `max_length`.
    TooLong,
    /// The rule's group matched nothing.
    Empty,
    /// Less entropy than the rule asks for: a word, a mask, a made-up value.
    LowEntropy,
    /// The line holds `ferret:allow` or `gitleaks:allow`.
    InlineAllow,
    /// The rule's own allowlist.
    RuleAllowlist,
    /// ferret's global allowlist (placeholders, templating, code reading a secret).
    GlobalAllowlist,
    /// A config's `[[allowlists]]`.
    ConfigAllowlist,
    /// A generic rule's value is an encoding of a placeholder, or of a token a more
    /// specific rule recognises (and judges) once decoded.
    EncodedDecoy,
    /// The token's built-in checksum fails: a look-alike (`--keep-bad-checksums` keeps it).
    BadChecksum,
    /// A more specific rule reported the same text.
    Overlap { winner: String },
    /// A gitleaks `generic` rule yields to another rule's finding on the same line.
    GenericDuplicate { winner: String },
    /// A path allowlist skips the whole file.
    PathAllowlisted,
    /// A commit or staged scan reports only the lines the change adds.
    NotAdded,
    /// `--baseline` lists the fingerprint.
    Baseline,
    /// `.ferretignore` lists the fingerprint.
    Ignored,
    /// `.gitleaksignore` lists the finding (gitleaks' `[commit:]file:rule:line`).
    GitleaksIgnored,
    /// The same finding was reported twice through two sources.
    Duplicate,
    /// Reported as a part of a multi-part credential: the finding of `primary` at `line`
    /// carries it.
    Paired { primary: String, line: usize },
    /// The rule's `pair` is `required` and this part was not found near the match.
    PartMissing { part: String },
    /// The finding's confidence is below the run's minimum (`--min-confidence`, or the
    /// command's default); `context` is where it stands when that lowered it.
    BelowConfidence {
        confidence: Confidence,
        min: Confidence,
        context: Option<Context>,
    },
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::TooLong => f.write_str("longer than the rule's max_length"),
            Reason::Empty => f.write_str("the rule's secret group is empty"),
            Reason::LowEntropy => f.write_str("too little entropy for the rule"),
            Reason::InlineAllow => f.write_str("the line holds ferret:allow or gitleaks:allow"),
            Reason::RuleAllowlist => f.write_str("the rule's allowlist"),
            Reason::GlobalAllowlist => {
                f.write_str("the global allowlist (placeholder, template or code)")
            }
            Reason::ConfigAllowlist => f.write_str("a config [[allowlists]] entry"),
            Reason::EncodedDecoy => f.write_str(
                "an encoded value that decodes to a placeholder or to another rule's token",
            ),
            Reason::BadChecksum => {
                f.write_str("the token's checksum fails (--keep-bad-checksums keeps it)")
            }
            Reason::Overlap { winner } => write!(f, "rule {winner} reported the same text"),
            Reason::GenericDuplicate { winner } => {
                write!(f, "generic rule yields to {winner} on the same line")
            }
            Reason::PathAllowlisted => f.write_str("a path allowlist skips the file"),
            Reason::NotAdded => f.write_str("not on a line the change adds"),
            Reason::Baseline => f.write_str("listed in the --baseline file"),
            Reason::Ignored => f.write_str("listed in .ferretignore"),
            Reason::GitleaksIgnored => f.write_str("listed in .gitleaksignore"),
            Reason::Duplicate => f.write_str("the same finding was already reported"),
            Reason::Paired { primary, line } => {
                write!(
                    f,
                    "reported as a part of the {primary} finding on line {line}"
                )
            }
            Reason::PartMissing { part } => {
                write!(f, "its {part} is not near it (the rule's pair is required)")
            }
            Reason::BelowConfidence {
                confidence,
                min,
                context,
            } => {
                write!(f, "{confidence} confidence")?;
                if let Some(c) = context {
                    write!(f, " ({})", c.describe())?;
                }
                write!(
                    f,
                    " is below the minimum, {min} (--min-confidence {confidence} reports it)"
                )
            }
        }
    }
}

/// A candidate that was not reported, with where it was and why. The secret is kept
/// redacted only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// Empty for a whole file.
    pub rule_id: String,
    pub path: String,
    pub commit: Option<String>,
    /// 0 for a whole file.
    pub line: usize,
    pub column: usize,
    pub secret: String,
    pub reason: Reason,
}

/// A worker's own state across scans: buffers reused from one scan to the next (the hot
/// path allocates nothing per line), the findings so far, and, when explaining, what was
/// dropped and why.
#[derive(Default)]
pub struct Sink {
    pub(crate) scratch: Scratch,
    pub findings: Vec<Finding>,
    drops: Option<Vec<Dropped>>,
    /// What the engine had to say about a scan (a cap reached, a budget spent), for the
    /// run's notes.
    pub notes: Vec<String>,
}

impl Sink {
    /// A sink that keeps dropped candidates when `explain` is set.
    pub fn new(explain: bool) -> Self {
        Sink {
            drops: explain.then(Vec::new),
            ..Sink::default()
        }
    }

    /// A sink for a nested scan that explains when this one does.
    pub fn like(other: &Sink) -> Self {
        Sink::new(other.explaining())
    }

    pub fn explaining(&self) -> bool {
        self.drops.is_some()
    }

    /// Records that `f` was dropped after the engine reported it.
    pub fn drop_finding(&mut self, f: &Finding, reason: Reason) {
        if let Some(d) = &mut self.drops {
            d.push(Dropped {
                rule_id: f.rule_id.clone(),
                path: f.path.clone(),
                commit: f.commit.as_ref().map(|c| c.commit.clone()),
                line: f.line,
                column: f.column,
                secret: redact_for(&f.secret, &f.tags),
                reason,
            });
        }
    }

    /// Records that a whole file was skipped.
    pub fn drop_file(&mut self, target: &Target<'_>, reason: Reason) {
        if let Some(d) = &mut self.drops {
            d.push(Dropped {
                rule_id: String::new(),
                path: target.path.to_string(),
                commit: target.commit.map(str::to_string),
                line: 0,
                column: 0,
                secret: String::new(),
                reason,
            });
        }
    }

    /// What was dropped so far, emptied.
    pub fn take_drops(&mut self) -> Vec<Dropped> {
        self.drops.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Moves another sink's drops into this one.
    pub fn absorb_drops(&mut self, other: &mut Sink) {
        if let (Some(mine), Some(theirs)) = (&mut self.drops, &mut other.drops) {
            mine.append(theirs);
        }
    }

    /// Records an engine candidate that failed a check (explaining only).
    pub(crate) fn drop_candidate(
        &mut self,
        rule: &CompiledRule,
        content: &[u8],
        target: &Target<'_>,
        span: (usize, usize),
        reason: Reason,
    ) {
        let Some(d) = &mut self.drops else { return };
        let (line, column) = match target.layer {
            Some(l) => (l.line, l.column),
            None => {
                let at = span.0.min(content.len());
                let (ls, _) = line_bounds(content, at);
                let line = 1 + memchr::memchr_iter(b'\n', &content[..at]).count();
                (line, 1 + crate::lines::char_count(&content[ls..at]))
            }
        };
        let secret = String::from_utf8_lossy(&content[span.0..span.1.max(span.0)]);
        d.push(Dropped {
            rule_id: rule.rule.id.clone(),
            path: target.path.to_string(),
            commit: target.commit.map(str::to_string),
            line,
            column,
            secret: redact_for(&secret, &rule.rule.tags),
            reason,
        });
    }
}

/// A candidate that failed a check, kept while explaining: (rule, secret span, why).
pub(crate) type RawDrop = (u32, (usize, usize), Reason);

/// Where a matcher puts candidates that failed a check, when explaining.
pub(crate) type Drops<'a> = Option<&'a mut Vec<RawDrop>>;

/// One regex match of one rule, as its matcher reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    /// The secret.
    pub secret: (usize, usize),
    /// The whole text the regex matched (allowlists may target it).
    pub matched: (usize, usize),
    /// The line or lines that an inline allow marker and line allowlists look at; `None`:
    /// the line holding the secret's start (found only when a check needs it).
    pub line: Option<(usize, usize)>,
    /// Where the finding is placed: the secret for ferret's rules, the match for gitleaks'.
    pub at: (usize, usize),
}

/// Whether the last line looked at holds an inline allow marker: candidates come in order
/// and many share a line, and a minified line can be a megabyte long, so it is searched
/// once, not once per candidate (10,000 candidates on a 1 MB line were 10 GB of search).
#[derive(Default, Clone, Copy)]
pub(crate) struct AllowCache {
    line: Option<(usize, usize, bool)>,
    /// The bounds of the last line found by offset.
    bounds: Option<(usize, usize)>,
}

impl AllowCache {
    /// The line holding `offset`, found once per line.
    pub(crate) fn bounds(&mut self, content: &[u8], offset: usize) -> (usize, usize) {
        match self.bounds {
            Some((s, e)) if s <= offset && offset <= e && (offset < e || e == content.len()) => {
                (s, e)
            }
            _ => {
                let (s, e) = line_bounds(content, offset);
                let b = (s, e.max(s));
                self.bounds = Some(b);
                b
            }
        }
    }

    fn allowed(&mut self, content: &[u8], line: (usize, usize)) -> bool {
        match self.line {
            Some((s, e, allowed)) if (s, e) == line => allowed,
            _ => {
                let text = &content[line.0..line.1];
                let allowed = INLINE_ALLOW
                    .iter()
                    .any(|w| memchr::memmem::find(text, w).is_some());
                self.line = Some((line.0, line.1, allowed));
                allowed
            }
        }
    }
}

/// A candidate that passed: it is reported unless a more specific rule's hit overlaps it.
#[derive(Clone, Copy)]
pub(crate) struct Hit {
    pub rule: u32,
    /// The secret.
    pub start: usize,
    pub end: usize,
    pub checksum_failed: bool,
    /// Where the finding is placed.
    pub at: usize,
    pub at_end: usize,
}

impl Engine {
    /// Applies every check a candidate of rule `ri` can fail, in order; a hit, or why not.
    pub(crate) fn consider(
        &self,
        ri: u32,
        filters: &[Filters],
        content: &[u8],
        target: &Target<'_>,
        c: Candidate,
        allow: &mut AllowCache,
    ) -> Result<Hit, Reason> {
        let cr = &self.rules[ri as usize];
        let native = cr.rule.semantics == Semantics::Ferret;
        let (start, mut end) = c.secret;
        if native && cr.rule.max_length.is_some_and(|n| end - start > n) {
            return Err(Reason::TooLong);
        }
        if cr.generic {
            end = start + query_value_len(&content[start..end]);
        }
        let secret = &content[start..end];
        // gitleaks reports a group that took no part as an empty secret.
        if native && secret.is_empty() {
            return Err(Reason::Empty);
        }
        if let Some(min) = cr.rule.entropy {
            let enough = if native {
                entropy::enough(secret, min)
            } else {
                entropy::gitleaks(secret) > min
            };
            if !enough {
                return Err(Reason::LowEntropy);
            }
        }
        let (ls, le) = c.line.unwrap_or_else(|| allow.bounds(content, start));
        let line = &content[ls..le];
        if allow.allowed(content, (ls, le)) {
            return Err(Reason::InlineAllow);
        }
        let view = AllowlistView {
            secret,
            matched: &content[c.matched.0..c.matched.1],
            line,
            path: target.path,
            commit: target.commit,
        };
        if self.globals.iter().any(|f| f.finding_allowed(&view)) {
            return Err(Reason::ConfigAllowlist);
        }
        if filters.iter().any(|f| f.finding_allowed(&view)) {
            return Err(Reason::RuleAllowlist);
        }
        // ferret's own global allowlist is for ferret's rules only.
        if native && self.global.finding_allowed(&view) {
            return Err(Reason::GlobalAllowlist);
        }
        if cr.generic && self.generic_value_is_decoy(cr, filters, secret, line, target) {
            return Err(Reason::EncodedDecoy);
        }
        // A token whose checksum fails still claims its text (dropped after overlaps are
        // resolved), so that a generic `TOKEN=` rule does not report the look-alike in its
        // place.
        let checksum_failed = native
            && cr
                .rule
                .checksum
                .as_deref()
                .is_some_and(|s| !checksum::valid(s, secret));
        let (at, at_end) = if native { (start, end) } else { c.at };
        Ok(Hit {
            rule: ri,
            start,
            end,
            checksum_failed,
            at,
            at_end,
        })
    }

    /// A generic rule judges the value that was assigned, not its encoding: a value that
    /// is base64 of text (a Kubernetes Secret's `data:`, a `.dockerconfigjson`) is a decoy
    /// when the decoded text is one (a placeholder, too little entropy), and is left to the
    /// decoded scan when a rule that knows the format matches the decoded text (that rule
    /// reports it, or its checksum says it is a look-alike).
    fn generic_value_is_decoy(
        &self,
        cr: &CompiledRule,
        filters: &[Filters],
        secret: &[u8],
        line: &[u8],
        target: &Target<'_>,
    ) -> bool {
        let Some(text) = encoded::base64_text(secret) else {
            return false;
        };
        let decoded = AllowlistView {
            secret: &text,
            matched: &text,
            line,
            path: target.path,
            commit: target.commit,
        };
        if cr
            .rule
            .entropy
            .is_some_and(|min| !entropy::enough(&text, min))
            || filters.iter().any(|f| f.finding_allowed(&decoded))
            || self.global.finding_allowed(&decoded)
        {
            return true;
        }
        let mut stronger = false;
        self.prefilter.for_each(&text, |p, _| {
            stronger = stronger
                || self.pattern_rules[p].iter().any(|&r| {
                    let other = &self.rules[r as usize];
                    other.specificity > cr.specificity
                        && !other.generic
                        && other.regex().is_ok_and(|re| re.is_match(&text))
                });
        });
        stronger
    }
}

/// A generic rule's value stops at the next parameter of a query string: in
/// `?token=abc&source=crm` the value is `abc`. An `&` not followed by `name=` (Azure's
/// `git&202503251200&key`) is part of the value.
pub(crate) fn query_value_len(value: &[u8]) -> usize {
    memchr::memchr_iter(b'&', value)
        .find(|&i| {
            let rest = &value[i + 1..];
            let name = rest
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
                .count();
            name > 0 && !rest[0].is_ascii_digit() && rest.get(name) == Some(&b'=')
        })
        .unwrap_or(value.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_rules::RuleSet;

    #[test]
    fn query_values_stop_at_the_next_parameter() {
        assert_eq!(query_value_len(b"abc&source=crm"), 3);
        assert_eq!(query_value_len(b"git&202503251200&Rk+x=="), 23);
        assert_eq!(query_value_len(b"no-ampersand"), 12);
    }

    fn engine() -> Engine {
        Engine::new(&RuleSet::only(
            r#"
[[rules]]
id = "demo-key"
description = "demo"
regex = '''demo_key=([a-z0-9]{4,})'''
keywords = ["demo_key"]
severity = "low"
entropy = 2.5
max_length = 20
allowlist = { regexes = ['^allowed'] }
"#,
        ))
        .unwrap()
    }

    fn reasons(text: &str) -> Vec<(usize, Reason)> {
        let mut sink = Sink::new(true);
        engine().scan(&Target::path("a.txt"), text.as_bytes(), &mut sink);
        sink.take_drops()
            .into_iter()
            .map(|d| (d.line, d.reason))
            .collect()
    }

    #[test]
    fn every_dropped_candidate_says_why() {
        let text = "demo_key=aaaaaaaa\n\
                    demo_key=q8w7e6r5t4 # ferret:allow\n\
                    demo_key=allowed9q8w7e6\n\
                    demo_key=q8w7e6r5t4y3u2i1o9p8a7s6\n\
                    demo_key=q8w7e6r5t4\n";
        assert_eq!(
            reasons(text),
            [
                (1, Reason::LowEntropy),
                (2, Reason::InlineAllow),
                (3, Reason::RuleAllowlist),
                (4, Reason::TooLong),
            ]
        );
    }

    #[test]
    fn drops_are_kept_only_when_explaining() {
        let mut sink = Sink::default();
        engine().scan(&Target::path("a.txt"), b"demo_key=aaaaaaaa\n", &mut sink);
        assert!(sink.take_drops().is_empty());
        assert!(sink.findings.is_empty());
    }
}
