//! The matcher: one Aho-Corasick pass over every rule's keywords picks the rules that can
//! match a piece of content, then only those rules' regexes run to confirm and capture.
//!
//! A rule's regex (and its allowlist) is compiled the first time a keyword of the rule is
//! seen, so a pre-commit scan of a few files compiles a handful of rules, not all of them.
//! The engine is immutable after construction apart from those `OnceLock`s, so one engine
//! is shared by every worker thread; each worker brings its own [`Scratch`].

mod check;
pub mod encoded;
pub mod entropy;
pub mod finding;
mod gitleaks;
mod keywords;
pub mod lines;
mod short;

pub use check::{check_rules, CheckProblem};
pub use ferret_rules::{Error, Result};

use crate::finding::{fingerprint, Finding};
use ferret_rules::checksum;
use ferret_rules::{
    compile_regex, short_error, Allowlist, Condition, RegexTarget, Rule, RuleSet, Semantics,
};
use keywords::Keywords;
use regex::bytes::Regex;
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub use lines::{line_bounds, LineCursor};

/// How many encodings deep a secret is looked for (base64 inside base64 is common in
/// Kubernetes secrets holding Docker configs).
const MAX_DECODE_DEPTH: usize = 2;

/// How far before a keyword hit a rule's match may start (connection strings put the
/// keyword `password=` after the host), and how far after it may end (a PEM block).
const WINDOW_BEFORE: usize = 1024;
const WINDOW_AFTER: usize = 16 * 1024;

/// Words that mark a line as a deliberate, reviewed exception.
const INLINE_ALLOW: &[&[u8]] = &[b"ferret:allow", b"gitleaks:allow"];

/// A compiled allowlist. Stopwords are lowercased once.
#[derive(Debug, Default)]
struct Filters {
    /// Tried against what `target` names.
    secret: LazyRegexes,
    target: RegexTarget,
    line: LazyRegexes,
    paths: Option<short::Regex>,
    stopwords: Vec<String>,
    /// ferret's own stopwords count only when written as words (see [`one_case`]);
    /// gitleaks' count in any case, as gitleaks counts them.
    words_only: bool,
    commits: Vec<String>,
    condition: Condition,
}

/// What a candidate finding offers to allowlists.
struct Candidate<'a> {
    secret: &'a [u8],
    /// The whole text the rule's regex matched.
    matched: &'a [u8],
    line: &'a [u8],
    path: &'a str,
    commit: Option<&'a str>,
}

/// Allowlist regexes, compiled when the first candidate finding reaches them. Most rules
/// whose keywords appear in a file never match there, and a pre-commit run would otherwise
/// spend a tenth of its time compiling allowlists it never consults. [`Filters::check`]
/// compiles them up front, so a bad pattern is still reported before any scan.
#[derive(Debug, Default)]
struct LazyRegexes {
    patterns: Vec<String>,
    owner: String,
    compiled: OnceLock<std::result::Result<Vec<short::Regex>, String>>,
}

impl LazyRegexes {
    fn new(patterns: &[String], owner: &str) -> Self {
        LazyRegexes {
            patterns: patterns.to_vec(),
            owner: owner.to_string(),
            compiled: OnceLock::new(),
        }
    }

    fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    fn compiled(&self) -> std::result::Result<&[short::Regex], &String> {
        self.compiled
            .get_or_init(|| {
                // Errors are worded by the `regex` crate, as for rule regexes.
                self.patterns
                    .iter()
                    .map(|p| {
                        short::build(&[p], true).map_err(|meta| {
                            format!(
                                "allowlist regex {p:?}: {}",
                                short_error(
                                    &compile_regex(p).err().map_or(meta, |e| e.to_string())
                                )
                            )
                        })
                    })
                    .collect()
            })
            .as_ref()
            .map(Vec::as_slice)
    }

    /// Whether any pattern matches. A pattern that does not compile allows nothing: the
    /// finding is reported rather than lost (rule files are checked before scans start).
    fn any_match(&self, text: &[u8]) -> bool {
        self.compiled()
            .is_ok_and(|res| res.iter().any(|r| r.is_match(text)))
    }

    fn check(&self) -> Result<()> {
        self.compiled().map(drop).map_err(|m| Error::Rule {
            id: self.owner.clone(),
            message: m.clone(),
        })
    }
}

impl Filters {
    fn compile(a: &Allowlist, owner: &str, words_only: bool) -> Result<Filters> {
        let paths = if a.paths.is_empty() {
            None
        } else {
            Some(short::build(&a.paths, false).map_err(|meta| {
                let e = regex::bytes::RegexSetBuilder::new(&a.paths)
                    .unicode(false)
                    .build()
                    .err()
                    .map_or(meta, |e| e.to_string());
                Error::Rule {
                    id: owner.to_string(),
                    message: format!("allowlist path: {}", short_error(&e)),
                }
            })?)
        };
        Ok(Filters {
            secret: LazyRegexes::new(&a.regexes, owner),
            target: a.regex_target,
            line: LazyRegexes::new(&a.line_regexes, owner),
            paths,
            stopwords: a.stopwords.iter().map(|s| s.to_lowercase()).collect(),
            words_only,
            commits: a.commits.iter().map(|c| c.trim().to_lowercase()).collect(),
            condition: a.condition,
        })
    }

    /// Compiles what is otherwise compiled on first use, to report bad patterns now.
    fn check(&self) -> Result<()> {
        self.secret.check()?;
        self.line.check()
    }

    fn path_matches(&self, path: &str) -> bool {
        self.paths
            .as_ref()
            .is_some_and(|s| s.is_match(path.as_bytes()))
    }

    fn commit_matches(&self, commit: Option<&str>) -> bool {
        commit.is_some_and(|c| self.commits.iter().any(|x| x.eq_ignore_ascii_case(c)))
    }

    /// True when the whole file (or commit) is allowed, before its content is read. With
    /// `condition = "and"`, only an allowlist that lists nothing but paths and commits can
    /// say so; the others are judged finding by finding.
    fn path_allowed(&self, path: &str, commit: Option<&str>) -> bool {
        match self.condition {
            Condition::Or => self.path_matches(path) || self.commit_matches(commit),
            Condition::And => {
                if !self.secret.is_empty() || !self.line.is_empty() || !self.stopwords.is_empty() {
                    return false;
                }
                let mut checks = false;
                if !self.commits.is_empty() {
                    if !self.commit_matches(commit) {
                        return false;
                    }
                    checks = true;
                }
                if self.paths.is_some() {
                    if !self.path_matches(path) {
                        return false;
                    }
                    checks = true;
                }
                checks
            }
        }
    }

    /// True when this finding is allowed: with `or`, any regex or stopword (paths and
    /// commits were judged per file); with `and`, every kind of check listed holds.
    fn finding_allowed(&self, c: &Candidate<'_>) -> bool {
        let target = match self.target {
            RegexTarget::Secret => c.secret,
            RegexTarget::Match => c.matched,
            RegexTarget::Line => c.line,
        };
        let regex = || !target.is_empty() && self.secret.any_match(target);
        let line = || self.line.any_match(c.line);
        let stopword = || {
            if self.stopwords.is_empty() || c.secret.is_empty() {
                return false;
            }
            let lower = c.secret.to_ascii_lowercase();
            self.stopwords.iter().any(|w| {
                memchr::memmem::find_iter(&lower, w.as_bytes())
                    .any(|i| !self.words_only || one_case(&c.secret[i..i + w.len()]))
            })
        };
        match self.condition {
            Condition::Or => regex() || line() || stopword(),
            Condition::And => {
                let listed = [
                    !self.commits.is_empty(),
                    self.paths.is_some(),
                    !self.secret.is_empty(),
                    !self.line.is_empty(),
                    !self.stopwords.is_empty(),
                ];
                listed.iter().any(|&l| l)
                    && (!listed[0] || self.commit_matches(c.commit))
                    && (!listed[1] || self.path_matches(c.path))
                    && (!listed[2] || regex())
                    && (!listed[3] || line())
                    && (!listed[4] || stopword())
            }
        }
    }
}

/// A generic rule's value stops at the next parameter of a query string: in
/// `?token=abc&source=crm` the value is `abc`. An `&` not followed by `name=` (Azure's
/// `git&202503251200&key`) is part of the value.
fn query_value_len(value: &[u8]) -> usize {
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

/// Whether a stopword was written the way people write words: in one case (`fake`,
/// `FAKE`) or in words (`Fake`, `yourKey`). The same letters in mixed case (`FaKE_`,
/// `YOUr_`) are random key material that happened to spell them.
fn one_case(s: &[u8]) -> bool {
    let letters: Vec<u8> = s.iter().copied().filter(u8::is_ascii_alphabetic).collect();
    letters.iter().all(u8::is_ascii_lowercase)
        || letters.iter().all(u8::is_ascii_uppercase)
        || letters.iter().enumerate().all(|(i, c)| {
            !c.is_ascii_uppercase() || letters.get(i + 1).is_some_and(u8::is_ascii_lowercase)
        })
}

struct CompiledRule {
    rule: Rule,
    specificity: i32,
    /// Tagged `generic`: the rule knows no token format, only a name that says "secret".
    generic: bool,
    regex: OnceLock<std::result::Result<Regex, String>>,
    /// The rule's `path` regex, if it has one.
    path: OnceLock<std::result::Result<Option<Regex>, String>>,
    /// `allowlist` (when not empty) and `allowlists`.
    filters: OnceLock<std::result::Result<Vec<Filters>, String>>,
}

impl CompiledRule {
    fn regex(&self) -> std::result::Result<&Regex, &String> {
        self.regex
            .get_or_init(|| {
                let re =
                    compile_regex(&self.rule.regex).map_err(|e| short_error(&e.to_string()))?;
                let groups = re.captures_len() - 1;
                match self.rule.secret_group {
                    Some(g) if g > groups => Err(format!(
                        "secret group {g}, but the regex has {groups} group(s)"
                    )),
                    _ => Ok(re),
                }
            })
            .as_ref()
    }

    /// True for a rule that reports files by name alone.
    fn path_only(&self) -> bool {
        self.rule.regex.is_empty() && self.rule.path.is_some()
    }

    fn path(&self) -> std::result::Result<Option<&Regex>, &String> {
        self.path
            .get_or_init(|| {
                self.rule
                    .path
                    .as_deref()
                    .map(compile_regex)
                    .transpose()
                    .map_err(|e| format!("invalid path regex: {}", short_error(&e.to_string())))
            })
            .as_ref()
            .map(Option::as_ref)
    }

    fn filters(&self) -> std::result::Result<&[Filters], &String> {
        self.filters
            .get_or_init(|| {
                let own = (!self.rule.allowlist.is_empty()).then_some(&self.rule.allowlist);
                own.into_iter()
                    .chain(&self.rule.allowlists)
                    .map(|a| {
                        let words_only = self.rule.semantics != Semantics::Gitleaks;
                        Filters::compile(a, &self.rule.id, words_only).map_err(|e| match e {
                            Error::Rule { message, .. } => message,
                            e => e.to_string(),
                        })
                    })
                    .collect()
            })
            .as_ref()
            .map(Vec::as_slice)
    }

    /// True when the rule's path regex (if any) lets it run on `path`.
    fn runs_on(&self, path: &str) -> bool {
        match self.path() {
            Ok(Some(re)) => re.is_match(path.as_bytes()),
            Ok(None) => true,
            Err(_) => false,
        }
    }
}

/// Per-worker buffers, reused across files so the hot path does not allocate.
#[derive(Default)]
pub struct Scratch {
    /// (rule, offset) of every keyword hit, sorted.
    rule_hits: Vec<(u32, usize)>,
    /// Regex windows of the rule being run.
    windows: Vec<(usize, usize)>,
    seen: Vec<u64>,
    candidates: Vec<u32>,
    hits: Vec<Hit>,
}

#[derive(Clone, Copy)]
struct Hit {
    rule: u32,
    /// The secret.
    start: usize,
    end: usize,
    checksum_failed: bool,
    /// Where the finding is placed: the secret for `ferret` rules, the match for
    /// `gitleaks` rules.
    at: usize,
    at_end: usize,
}

/// The compiled rule set.
pub struct Engine {
    rules: Vec<CompiledRule>,
    prefilter: Keywords,
    /// Prefilter pattern id → rules that keyword belongs to.
    pattern_rules: Vec<Vec<u32>>,
    /// Rules without keywords: they run on everything.
    keywordless: Vec<u32>,
    /// ferret's global allowlist: `ferret` rules only.
    global: Filters,
    /// A config's `[[allowlists]]`: every rule.
    globals: Vec<Filters>,
    /// Rules that report files by name alone.
    path_only: Vec<u32>,
    /// Any rule with `gitleaks` semantics? (ferret's global path allowlist then skips no file.)
    any_gitleaks: bool,
    /// Rule id → index, for composite rules' `required`.
    by_id: std::collections::HashMap<String, u32>,
    keep_bad_checksums: bool,
}

impl Engine {
    /// Builds the engine; rule regexes compile lazily (see [`Engine::compile_now`]).
    pub fn new(set: &RuleSet) -> Result<Engine> {
        let mut keywords: Vec<String> = Vec::new();
        let mut pattern_rules: Vec<Vec<u32>> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        let mut keywordless = Vec::new();
        let mut path_only = Vec::new();
        let mut seen_ids = std::collections::HashSet::new();
        for (i, rule) in set.rules.iter().enumerate() {
            if !seen_ids.insert(rule.id.as_str()) {
                return Err(Error::Rule {
                    id: rule.id.clone(),
                    message: "duplicate rule id".into(),
                });
            }
            if rule.regex.is_empty() {
                if rule.path.is_none() {
                    return Err(Error::Rule {
                        id: rule.id.clone(),
                        message: "no regex and no path".into(),
                    });
                }
                path_only.push(i as u32);
            } else if rule.keywords.is_empty() {
                keywordless.push(i as u32);
            }
            for kw in &rule.keywords {
                if kw.is_empty() {
                    return Err(Error::Rule {
                        id: rule.id.clone(),
                        message: "empty keyword".into(),
                    });
                }
                let k = kw.to_ascii_lowercase();
                let slot = *index.entry(k.clone()).or_insert_with(|| {
                    keywords.push(k);
                    pattern_rules.push(Vec::new());
                    pattern_rules.len() - 1
                });
                if !pattern_rules[slot].contains(&(i as u32)) {
                    pattern_rules[slot].push(i as u32);
                }
            }
        }
        let prefilter = Keywords::new(&keywords);
        let rules: Vec<CompiledRule> = set
            .rules
            .iter()
            .map(|r| CompiledRule {
                specificity: r.specificity(),
                generic: r.tags.iter().any(|t| t == "generic"),
                rule: r.clone(),
                regex: OnceLock::new(),
                path: OnceLock::new(),
                filters: OnceLock::new(),
            })
            .collect();
        Ok(Engine {
            rules,
            prefilter,
            pattern_rules,
            keywordless,
            global: Filters::compile(&set.allowlist, "<global allowlist>", true)?,
            globals: set
                .allowlists
                .iter()
                .map(|a| Filters::compile(a, "<allowlists>", false))
                .collect::<Result<_>>()?,
            path_only,
            any_gitleaks: set.rules.iter().any(|r| r.semantics == Semantics::Gitleaks),
            by_id: gitleaks::composite_ids(set)?,
            keep_bad_checksums: false,
        })
    }

    /// Compiles the regexes and allowlists of the rules `which` selects, and the global
    /// allowlists, now, so that a broken rule is an error at start-up (user-supplied rules,
    /// `rules check`).
    pub fn compile_now(&self, which: impl Fn(&Rule) -> bool) -> Result<()> {
        for r in self.rules.iter().filter(|r| which(&r.rule)) {
            if !r.path_only() {
                r.regex().map_err(|m| Error::Rule {
                    id: r.rule.id.clone(),
                    message: if m.starts_with("secret group") {
                        m.clone()
                    } else {
                        format!("invalid regex: {m}")
                    },
                })?;
            }
            r.path().map_err(|m| Error::Rule {
                id: r.rule.id.clone(),
                message: m.clone(),
            })?;
            let filters = r.filters().map_err(|m| Error::Rule {
                id: r.rule.id.clone(),
                message: m.clone(),
            })?;
            for f in filters {
                f.check()?;
            }
        }
        self.global.check()?;
        self.globals.iter().try_for_each(Filters::check)
    }

    /// With `keep`, tokens whose checksum fails are reported at low severity instead of
    /// being dropped.
    pub fn keep_bad_checksums(&mut self, keep: bool) {
        self.keep_bad_checksums = keep;
    }

    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    pub fn rule(&self, i: usize) -> &Rule {
        &self.rules[i].rule
    }

    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().map(|r| &r.rule)
    }

    /// True when the global allowlists skip this path entirely (lock files, vendored
    /// code). ferret's own applies to `ferret` rules only, so it skips a file only when no
    /// `gitleaks` rule could still look at it.
    pub fn path_ignored(&self, path: &str) -> bool {
        self.globals.iter().any(|f| f.path_allowed(path, None))
            || (!self.any_gitleaks && self.global.path_allowed(path, None))
    }

    /// Finds secrets in `content` (text: UTF-16 already transcoded) and appends them to
    /// `out`. `path` is what findings report and what path allowlists see. Encoded spans
    /// (base64, percent, JSON escapes) are decoded and scanned too, two layers deep.
    pub fn scan(&self, content: &[u8], path: &str, scratch: &mut Scratch, out: &mut Vec<Finding>) {
        self.scan_in_commit(content, path, None, scratch, out);
    }

    /// [`Engine::scan`] for content from a commit, so that allowlists listing commits apply.
    pub fn scan_in_commit(
        &self,
        content: &[u8],
        path: &str,
        commit: Option<&str>,
        scratch: &mut Scratch,
        out: &mut Vec<Finding>,
    ) {
        if self.globals.iter().any(|f| f.path_allowed(path, commit)) {
            return;
        }
        let first = out.len();
        self.scan_layer(content, path, commit, scratch, out, 0);
        self.path_rule_findings(content, path, commit, scratch, out);
        if self.any_gitleaks {
            self.drop_generic_duplicates(out, first);
        }
    }

    /// Rules that judge a file by its name: they also see files skipped as binary.
    pub fn scan_path_rules(
        &self,
        content: &[u8],
        path: &str,
        scratch: &mut Scratch,
        out: &mut Vec<Finding>,
    ) {
        if !self.globals.iter().any(|f| f.path_allowed(path, None)) {
            self.path_rule_findings(content, path, None, scratch, out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn scan_layer(
        &self,
        content: &[u8],
        path: &str,
        commit: Option<&str>,
        scratch: &mut Scratch,
        out: &mut Vec<Finding>,
        depth: usize,
    ) {
        let first = out.len();
        self.scan_plain(content, path, commit, scratch, out);
        if depth >= MAX_DECODE_DEPTH {
            return;
        }
        let mut spans = Vec::new();
        encoded::spans(content, &mut spans);
        if spans.is_empty() {
            return;
        }
        let plain_end = out.len();
        let mut cursor = LineCursor::new(content);
        let mut inner = Vec::new();
        for span in spans {
            inner.clear();
            self.scan_layer(&span.text, path, commit, scratch, &mut inner, depth + 1);
            if inner.is_empty() {
                continue;
            }
            let pos = cursor.position(span.start);
            let (_, le) = line_bounds(content, span.start);
            let line = &content[pos.line_start..le.max(pos.line_start)];
            if INLINE_ALLOW
                .iter()
                .any(|w| memchr::memmem::find(line, w).is_some())
            {
                continue;
            }
            let end_on_line = span.end.min(le.max(span.start));
            let end_column = pos.column + lines::char_count(&content[span.start..end_on_line]);
            let line_text = String::from_utf8_lossy(line).into_owned();
            for mut f in inner.drain(..) {
                // Already found as written (the span merely contained it): report once.
                let plain = out[first..plain_end].iter().any(|p| {
                    p.rule_id == f.rule_id
                        && p.secret == f.secret
                        && p.offset.0 >= span.start
                        && p.offset.1 <= span.end
                });
                if plain {
                    continue;
                }
                f.decoded = Some(match f.decoded.take() {
                    Some(innermost) => format!("{}+{innermost}", span.how),
                    None => span.how.to_string(),
                });
                f.line = pos.line;
                f.column = pos.column;
                f.end_column = end_column;
                f.offset = (span.start, span.end);
                f.line_text = line_text.clone();
                out.push(f);
            }
        }
        self.resolve_decoded_overlaps(out, first, plain_end);
    }

    /// A secret seen both as written and decoded from an enclosing span (a percent-encoded
    /// webhook secret that a generic `secret=` rule also matched as written) is reported
    /// under the more specific rule only.
    fn resolve_decoded_overlaps(&self, out: &mut Vec<Finding>, first: usize, plain_end: usize) {
        if out.len() == plain_end || plain_end == first {
            return;
        }
        let spec = |id: &str| {
            self.rules
                .iter()
                .find(|r| r.rule.id == id)
                .map_or(0, |r| r.specificity)
        };
        let overlaps =
            |a: &Finding, b: &Finding| a.offset.0 < b.offset.1 && b.offset.0 < a.offset.1;
        let mut drop = vec![false; out.len()];
        for d in plain_end..out.len() {
            for r in first..plain_end {
                if !overlaps(&out[r], &out[d]) {
                    continue;
                }
                let (sr, sd) = (spec(&out[r].rule_id), spec(&out[d].rule_id));
                if sr < sd {
                    drop[r] = true;
                } else if sd < sr {
                    drop[d] = true;
                }
            }
        }
        let mut i = 0;
        out.retain(|_| {
            i += 1;
            !drop[i - 1]
        });
    }

    fn scan_plain(
        &self,
        content: &[u8],
        path: &str,
        commit: Option<&str>,
        scratch: &mut Scratch,
        out: &mut Vec<Finding>,
    ) {
        self.candidates(content, scratch);
        if scratch.candidates.is_empty() {
            return;
        }
        scratch.hits.clear();
        let native_allowed = self.global.path_allowed(path, commit);
        for &ri in &scratch.candidates {
            let cr = &self.rules[ri as usize];
            let gitleaks = cr.rule.semantics == Semantics::Gitleaks;
            if (native_allowed && !gitleaks) || cr.path_only() || !cr.runs_on(path) {
                continue;
            }
            let Ok(re) = cr.regex() else { continue };
            let Ok(filters) = cr.filters() else { continue };
            if filters.iter().any(|f| f.path_allowed(path, commit)) {
                continue;
            }
            if gitleaks {
                if cr.rule.skip_report {
                    continue;
                }
                let hits = &mut scratch.hits;
                if cr.rule.required.is_empty() {
                    self.gitleaks_hits(ri, re, filters, content, path, commit, hits);
                } else {
                    self.composite_hits(ri, re, filters, content, path, commit, hits);
                }
                continue;
            }
            let group = cr.rule.secret_group;
            let mut windows = std::mem::take(&mut scratch.windows);
            self.windows(ri, content, &scratch.rule_hits, &mut windows);
            for &(ws, we) in &windows {
                for caps in re.captures_iter(&content[ws..we]) {
                    let mut m = match secret_span(&caps, group, re) {
                        Some(m) => (m.0 + ws, m.1 + ws),
                        None => continue,
                    };
                    if cr.rule.max_length.is_some_and(|n| m.1 - m.0 > n) {
                        continue;
                    }
                    if cr.generic {
                        m.1 = m.0 + query_value_len(&content[m.0..m.1]);
                    }
                    let secret = &content[m.0..m.1];
                    if secret.is_empty() {
                        continue;
                    }
                    if let Some(min) = cr.rule.entropy {
                        if !entropy::enough(secret, min) {
                            continue;
                        }
                    }
                    let (ls, le) = line_bounds(content, m.0);
                    let line = &content[ls..le.max(ls)];
                    if INLINE_ALLOW
                        .iter()
                        .any(|w| memchr::memmem::find(line, w).is_some())
                    {
                        continue;
                    }
                    let candidate = Candidate {
                        secret,
                        matched: caps.get(0).map_or(secret, |w| w.as_bytes()),
                        line,
                        path,
                        commit,
                    };
                    if filters.iter().any(|f| f.finding_allowed(&candidate))
                        || self.global.finding_allowed(&candidate)
                        || self.globals.iter().any(|f| f.finding_allowed(&candidate))
                    {
                        continue;
                    }
                    if cr.generic
                        && self.generic_value_is_decoy(cr, filters, secret, line, path, commit)
                    {
                        continue;
                    }
                    // A token whose checksum fails still claims its text (dropped after
                    // overlaps are resolved), so that a generic `TOKEN=` rule does not
                    // report the look-alike in its place.
                    let checksum_failed = cr
                        .rule
                        .checksum
                        .as_deref()
                        .is_some_and(|c| !checksum::valid(c, secret));
                    scratch.hits.push(Hit {
                        checksum_failed,
                        rule: ri,
                        start: m.0,
                        end: m.1,
                        at: m.0,
                        at_end: m.1,
                    });
                }
            }
            scratch.windows = windows;
        }
        if scratch.hits.is_empty() {
            return;
        }
        self.resolve_overlaps(&mut scratch.hits);
        scratch.hits.sort_by_key(|h| (h.at, h.rule));
        let mut cursor = LineCursor::new(content);
        for h in &scratch.hits {
            if h.checksum_failed && !self.keep_bad_checksums {
                continue;
            }
            let rule = &self.rules[h.rule as usize].rule;
            let pos = cursor.position(h.at);
            let secret = String::from_utf8_lossy(&content[h.start..h.end]).into_owned();
            let (_, le) = line_bounds(content, h.at);
            let first_line_end = h.at_end.min(le.max(h.at)).max(h.at);
            let end_column = pos.column + lines::char_count(&content[h.at..first_line_end]);
            let line_text =
                String::from_utf8_lossy(&content[pos.line_start..le.max(pos.line_start)])
                    .into_owned();
            out.push(Finding {
                fingerprint: fingerprint(&rule.id, &secret, path),
                rule_id: rule.id.clone(),
                description: rule.description.clone(),
                severity: if h.checksum_failed {
                    ferret_rules::Severity::Low
                } else {
                    rule.severity
                },
                checksum_failed: h.checksum_failed,
                tags: rule.tags.clone(),
                path: path.to_string(),
                line: pos.line,
                column: pos.column,
                end_column,
                secret,
                offset: (h.start, h.end),
                line_text,
                commit: None,
                decoded: None,
                verification: None,
            });
        }
    }

    /// A generic rule judges the value that was assigned, not its encoding: a value that
    /// is base64 of text (a Kubernetes Secret's `data:`, a `.dockerconfigjson`) is a decoy
    /// when the decoded text is one (a placeholder, too little entropy), and is left to
    /// the decoded scan when a rule that knows the format matches the decoded text (that
    /// rule reports it, or its checksum says it is a look-alike).
    fn generic_value_is_decoy(
        &self,
        cr: &CompiledRule,
        filters: &[Filters],
        secret: &[u8],
        line: &[u8],
        path: &str,
        commit: Option<&str>,
    ) -> bool {
        let Some(text) = encoded::base64_text(secret) else {
            return false;
        };
        let decoded = Candidate {
            secret: &text,
            matched: &text,
            line,
            path,
            commit,
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

    /// The prefilter: one pass of the keyword automaton marks candidate rules.
    fn candidates(&self, content: &[u8], scratch: &mut Scratch) {
        let words = self.rules.len().div_ceil(64);
        scratch.seen.clear();
        scratch.seen.resize(words, 0);
        scratch.candidates.clear();
        scratch.candidates.extend_from_slice(&self.keywordless);
        scratch.rule_hits.clear();
        let (pattern_rules, seen, candidates, rule_hits) = (
            &self.pattern_rules,
            &mut scratch.seen,
            &mut scratch.candidates,
            &mut scratch.rule_hits,
        );
        self.prefilter.for_each(content, |p, start| {
            for &r in &pattern_rules[p] {
                rule_hits.push((r, start));
                let (w, b) = (r as usize / 64, r % 64);
                if seen[w] & (1 << b) == 0 {
                    seen[w] |= 1 << b;
                    candidates.push(r);
                }
            }
        });
        scratch.rule_hits.sort_unstable();
    }

    /// Where a rule's regex runs: around its keyword hits, from a little before each to
    /// well after it, widened to whole lines and merged. A rule's match holds or sits next
    /// to its keyword, so this finds what a search of the whole content finds, while the
    /// regexes of rules whose keywords are common words (`token`, `pat`) touch a few lines
    /// instead of the whole file. Rules without keywords search everything.
    fn windows(
        &self,
        rule: u32,
        content: &[u8],
        rule_hits: &[(u32, usize)],
        out: &mut Vec<(usize, usize)>,
    ) {
        out.clear();
        let from = rule_hits.partition_point(|&(r, _)| r < rule);
        let to = rule_hits.partition_point(|&(r, _)| r <= rule);
        if from == to {
            out.push((0, content.len()));
            return;
        }
        let lines = self.rules[rule as usize].rule.window_lines;
        for &(_, pos) in &rule_hits[from..to] {
            let (lo, hi) = match lines {
                Some(n) => (
                    memchr::memrchr(b'\n', &content[..pos]).map_or(0, |i| i + 1),
                    memchr::memchr_iter(b'\n', &content[pos..])
                        .nth(n.max(1) - 1)
                        .map_or(content.len(), |i| pos + i),
                ),
                None => (
                    pos.saturating_sub(WINDOW_BEFORE),
                    (pos + WINDOW_AFTER).min(content.len()),
                ),
            };
            if let Some(last) = out.last_mut() {
                if lo <= last.1 {
                    last.1 = last.1.max(hi);
                    continue;
                }
            }
            out.push((lo, hi));
        }
        // Whole lines, so `\b`, `^` and `$` see what they would see in the whole content.
        for w in out.iter_mut() {
            w.0 = memchr::memrchr(b'\n', &content[..w.0]).map_or(0, |i| i + 1);
            w.1 = memchr::memchr(b'\n', &content[w.1..]).map_or(content.len(), |i| w.1 + i);
        }
        out.dedup_by(|b, a| {
            if b.0 <= a.1 {
                a.1 = a.1.max(b.1);
                true
            } else {
                false
            }
        });
    }

    /// Where rules overlap on one piece of text, the most specific wins and the text is
    /// reported once (a Stripe `sk_live_` key is not also an Attio `sk_` token).
    fn resolve_overlaps(&self, hits: &mut Vec<Hit>) {
        if hits.len() < 2 {
            return;
        }
        hits.sort_by(|a, b| {
            let sa = self.rules[a.rule as usize].specificity;
            let sb = self.rules[b.rule as usize].specificity;
            sb.cmp(&sa)
                .then((b.end - b.start).cmp(&(a.end - a.start)))
                .then(a.start.cmp(&b.start))
                .then(a.rule.cmp(&b.rule))
        });
        let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
        hits.retain(|h| {
            // gitleaks reports every rule's match.
            if self.rules[h.rule as usize].rule.semantics == Semantics::Gitleaks {
                return true;
            }
            let before = taken.range(..h.end).next_back();
            let overlaps = before.is_some_and(|(_, &e)| e > h.start);
            if overlaps {
                return false;
            }
            taken.insert(h.start, h.end);
            true
        });
    }
}

/// The secret's span: the `secret` group, the configured group, the first group that took
/// part, or the whole match.
pub(crate) fn secret_span(
    caps: &regex::bytes::Captures<'_>,
    group: Option<usize>,
    re: &Regex,
) -> Option<(usize, usize)> {
    if let Some(m) = caps.name("secret") {
        return Some((m.start(), m.end()));
    }
    if let Some(g) = group {
        return caps.get(g).map(|m| (m.start(), m.end()));
    }
    for i in 1..re.captures_len() {
        if let Some(m) = caps.get(i) {
            return Some((m.start(), m.end()));
        }
    }
    caps.get(0).map(|m| (m.start(), m.end()))
}

/// The repository's `rules/` folder, for tests that run the built-in rules.
#[cfg(test)]
pub(crate) fn tests_rules_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_stop_at_the_next_parameter() {
        assert_eq!(query_value_len(b"abc&source=crm"), 3);
        assert_eq!(query_value_len(b"git&202503251200&Rk+x=="), 23);
        assert_eq!(query_value_len(b"no-ampersand"), 12);
    }

    #[test]
    fn stopwords_count_in_one_case_or_in_words() {
        for s in ["fake_", "FAKE_", "Fake_", "yourKey"] {
            assert!(one_case(s.as_bytes()), "{s}");
        }
        for s in ["FaKE_", "YOUr_", "fAkE"] {
            assert!(!one_case(s.as_bytes()), "{s}");
        }
    }

    fn engine(window_lines: &str) -> Engine {
        let text = r#"
[[rules]]
id = "demo-assignment"
description = "demo"
regex = '''(?i:demo_token)[ \t]*(?:=|\r?\n[ \t]+value:)[ \t]*([a-z0-9]{24})'''
keywords = ["demo_token"]
severity = "low"
WINDOW
"#
        .replace("WINDOW", window_lines);
        Engine::new(&RuleSet::only(&text)).unwrap()
    }

    fn lines_found(e: &Engine, content: &str) -> Vec<usize> {
        let mut out = Vec::new();
        e.scan(
            content.as_bytes(),
            "x.yaml",
            &mut Scratch::default(),
            &mut out,
        );
        out.iter().map(|f| f.line).collect()
    }

    #[test]
    fn a_line_window_holds_the_keyword_line_and_the_next() {
        let value = "q8w7e6r5t4y3u2i1o9p8a7s6";
        let content = format!("a: 1\nDEMO_TOKEN\n  value: {value}\nb: 2\ndemo_token = {value}\n");
        for window in ["", "window_lines = 2"] {
            assert_eq!(lines_found(&engine(window), &content), [3, 5], "{window:?}");
        }
        // The secret is on line 3. With one line the YAML value after the keyword is out
        // of reach, which shows the regex ran on the keyword's line only.
        assert_eq!(lines_found(&engine("window_lines = 1"), &content), [5]);
    }

    #[test]
    fn secrets_longer_than_max_length_are_dropped() {
        let e = Engine::new(&RuleSet::only(
            r#"
[[rules]]
id = "demo-key"
description = "demo"
regex = '''demo_key=([a-z]{4,})'''
keywords = ["demo_key"]
severity = "low"
max_length = 8
"#,
        ))
        .unwrap();
        assert_eq!(
            lines_found(&e, "demo_key=abcdefgh\ndemo_key=abcdefghi\n"),
            [1]
        );
    }
}
