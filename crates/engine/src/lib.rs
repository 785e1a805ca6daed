//! ferret's matcher, usable as a library: give it a [`RuleSet`], then hand it content with a
//! [`Target`] naming where the content came from, and it fills a [`Sink`] with findings.
//!
//! One Aho-Corasick pass over every rule's keywords ([`keywords`]) picks the rules that
//! can match a piece of content; only those rules' regexes run, each by the matcher chosen
//! for the rule when the engine was built ([`rule::Matcher`]: ferret's own, gitleaks'
//! semantics for translated configs, composite, path-only). Every match becomes a
//! candidate that one function decides on ([`decide`]: entropy, inline allow markers,
//! allowlists, encoded decoys, checksums), then overlapping hits go to the most specific
//! rule. Encoded spans (base64, percent-encoding, JSON escapes) are decoded and scanned
//! the same way, two layers deep ([`encoded`]).
//!
//! A rule's regex (and its allowlist) is compiled the first time a keyword of the rule is
//! seen, so a pre-commit scan of a few files compiles a handful of rules, not all of them.
//! The engine is immutable after construction apart from those `OnceLock`s, so one engine
//! is shared by every worker thread; each worker brings its own [`Sink`].

mod check;
pub mod context;
mod decide;
pub mod encoded;
pub mod entropy;
mod filters;
pub mod finding;
mod gitleaks;
mod keywords;
pub mod lines;
mod native;
mod pair;
mod rule;
mod short;

pub use check::{check_rules, CheckProblem};
pub use context::Context;
pub use decide::{Dropped, Reason, Sink, Target};
pub use ferret_rules::{Error, Result};
pub use lines::{line_bounds, LineCursor};

use crate::decide::{Hit, Layer};
use crate::filters::Filters;
use crate::finding::{fingerprint, Finding, LineText};
use crate::rule::{CompiledRule, Matcher};
use ferret_rules::{Rule, RuleSet, Semantics};
use keywords::Keywords;
use std::collections::BTreeMap;

/// The most findings one piece of content reports. A real file holds a few; a rule that
/// matches everything (a config's `regex = '.'`) would otherwise fill memory.
pub const MAX_FINDINGS: usize = 1000;

/// The most candidates one piece of content yields before matching stops (with a note):
/// a bound on the work and memory a pathological rule can take per file.
pub const MAX_HITS: usize = 10 * MAX_FINDINGS;

/// Masks, in every finding's kept line, the secrets of the other findings of the same
/// content, so no snippet shows a neighbour. Spans are sorted once and each finding looks
/// only at those within its window.
fn mask_neighbours(found: &mut [Finding]) {
    if found.len() < 2 {
        return;
    }
    let mut spans: Vec<(usize, usize)> = found.iter().map(|f| f.offset).collect();
    spans.sort_unstable();
    let longest = spans.iter().map(|s| s.1 - s.0).max().unwrap_or(0);
    for f in found.iter_mut() {
        let (ws, we) = (
            f.line_text.start,
            f.line_text.start + f.line_text.text.len(),
        );
        let from = spans.partition_point(|s| s.0 + longest < ws);
        let own = f.offset;
        let near = spans[from..]
            .iter()
            .take_while(|s| s.0 < we)
            .filter(|&&s| s != own)
            .copied();
        f.line_text.mask_all(near);
    }
}

/// How many encodings deep a secret is looked for (base64 inside base64 is common in
/// Kubernetes secrets holding Docker configs).
const MAX_DECODE_DEPTH: usize = 2;

/// Per-worker buffers, reused across scans so the hot path does not allocate.
#[derive(Default)]
pub(crate) struct Scratch {
    /// (rule, offset) of every keyword hit, sorted.
    rule_hits: Vec<(u32, usize)>,
    /// Regex windows of the rule being run.
    windows: Vec<(usize, usize)>,
    seen: Vec<u64>,
    candidates: Vec<u32>,
    hits: Vec<Hit>,
    /// Candidates that failed a check, kept only when explaining: (rule, secret, why).
    drops: Vec<decide::RawDrop>,
    /// Matching stopped at [`MAX_HITS`] candidates.
    capped: bool,
    /// Config rules whose regex gave up on this content (see `rule::Budgeted`).
    gave_up: Vec<u32>,
    /// The inline-allow answer for the last line a candidate sat on.
    allow: decide::AllowCache,
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
    /// Rule id → index of every rule with a `pair` (multi-part credentials).
    paired: std::collections::HashMap<String, u32>,
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
        Ok(Engine {
            rules: set.rules.iter().map(CompiledRule::new).collect(),
            prefilter: Keywords::new(&keywords),
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
            paired: pair::paired_rules(set)?,
            keep_bad_checksums: false,
        })
    }

    /// Compiles the regexes and allowlists of the rules `which` selects, and the global
    /// allowlists, now, so that a broken rule is an error at start-up (user-supplied rules,
    /// `rules check`).
    pub fn compile_now(&self, which: impl Fn(&Rule) -> bool) -> Result<()> {
        let rule_error = |r: &CompiledRule, message: String| Error::Rule {
            id: r.rule.id.clone(),
            message,
        };
        for r in self.rules.iter().filter(|r| which(&r.rule)) {
            if r.matcher != Matcher::PathOnly {
                r.regex().map_err(|m| {
                    rule_error(
                        r,
                        if m.starts_with("secret group") {
                            m.clone()
                        } else {
                            format!("invalid regex: {m}")
                        },
                    )
                })?;
            }
            r.path().map_err(|m| rule_error(r, m.clone()))?;
            r.part_regexes().map_err(|m| rule_error(r, m.clone()))?;
            for f in r.filters().map_err(|m| rule_error(r, m.clone()))? {
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
    /// `sink.findings`. Encoded spans (base64, percent, JSON escapes) are decoded and
    /// scanned too, two layers deep.
    pub fn scan(&self, target: &Target<'_>, content: &[u8], sink: &mut Sink) {
        self.scan_with(target, content, content, sink);
    }

    /// Finds secrets in the printable `strings` of binary content `raw` (one string per
    /// line); rules that judge a file by its name (a `.p12` key store) see `raw`, since a
    /// key store may have no string at all. Findings are placed in `strings`: the caller
    /// maps them back to `raw`.
    pub fn scan_strings(&self, target: &Target<'_>, strings: &[u8], raw: &[u8], sink: &mut Sink) {
        self.scan_with(target, strings, raw, sink);
    }

    fn scan_with(&self, target: &Target<'_>, content: &[u8], whole: &[u8], sink: &mut Sink) {
        if self
            .globals
            .iter()
            .any(|f| f.path_allowed(target.path, target.commit))
        {
            sink.drop_file(target, Reason::PathAllowlisted);
            return;
        }
        let first = sink.findings.len();
        self.scan_layer(target, content, sink);
        self.path_rule_findings(target, whole, sink);
        if self.any_gitleaks {
            self.drop_generic_duplicates(sink, first);
        }
        self.pair_parts(target, content, sink, first);
        let found = &mut sink.findings[first..];
        mask_neighbours(found);
        if found.len() > MAX_FINDINGS {
            sink.findings.truncate(first + MAX_FINDINGS);
            sink.notes.push(format!(
                "{}: more than {MAX_FINDINGS} findings; the first {MAX_FINDINGS} are reported",
                target.path
            ));
        }
    }

    /// Rules that judge a file by its name: they also see files skipped as binary.
    pub fn scan_path_rules(&self, target: &Target<'_>, content: &[u8], sink: &mut Sink) {
        if !self
            .globals
            .iter()
            .any(|f| f.path_allowed(target.path, None))
        {
            self.path_rule_findings(target, content, sink);
        }
    }

    /// One layer: the content as written, then each encoded span in it, decoded.
    fn scan_layer(&self, target: &Target<'_>, content: &[u8], sink: &mut Sink) {
        let first = sink.findings.len();
        self.scan_plain(target, content, sink);
        let depth = target.depth();
        if depth >= MAX_DECODE_DEPTH {
            return;
        }
        let mut spans = Vec::new();
        encoded::spans(content, &mut spans);
        if spans.is_empty() {
            return;
        }
        let plain_end = sink.findings.len();
        let mut cursor = LineCursor::new(content);
        for span in spans {
            let pos = cursor.position(span.start);
            let inner_target = Target {
                layer: Some(Layer {
                    depth: depth + 1,
                    line: target.layer.map_or(pos.line, |l| l.line),
                    column: target.layer.map_or(pos.column, |l| l.column),
                }),
                ..*target
            };
            let outer = std::mem::take(&mut sink.findings);
            self.scan_layer(&inner_target, &span.text, sink);
            let inner = std::mem::replace(&mut sink.findings, outer);
            if inner.is_empty() {
                continue;
            }
            let (_, le) = line_bounds(content, span.start);
            let line = &content[pos.line_start..le.max(pos.line_start)];
            if decide::INLINE_ALLOW
                .iter()
                .any(|w| memchr::memmem::find(line, w).is_some())
            {
                for f in &inner {
                    sink.drop_finding(f, Reason::InlineAllow);
                }
                continue;
            }
            let end_on_line = span.end.min(le.max(span.start));
            let end_column = pos.column + lines::char_count(&content[span.start..end_on_line]);
            let line_text = LineText::new(content, (pos.line_start, le), (span.start, span.end));
            for mut f in inner {
                // Already found as written (the span merely contained it): report once.
                let plain = sink.findings[first..plain_end].iter().any(|p| {
                    p.rule_id == f.rule_id
                        && p.secret == f.secret
                        && p.offset.0 >= span.start
                        && p.offset.1 <= span.end
                });
                if plain {
                    sink.drop_finding(&f, Reason::Duplicate);
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
                sink.findings.push(f);
            }
        }
        self.resolve_decoded_overlaps(sink, first, plain_end);
    }

    /// A secret seen both as written and decoded from an enclosing span (a percent-encoded
    /// webhook secret that a generic `secret=` rule also matched as written) is reported
    /// under the more specific rule only.
    fn resolve_decoded_overlaps(&self, sink: &mut Sink, first: usize, plain_end: usize) {
        let out = &sink.findings;
        if out.len() == plain_end || plain_end == first {
            return;
        }
        let spec = |id: &str| {
            self.by_id
                .get(id)
                .map_or(0, |&i| self.rules[i as usize].specificity)
        };
        // Plain findings by start, so each decoded one looks only at those it can overlap.
        let mut plain: Vec<usize> = (first..plain_end).collect();
        plain.sort_unstable_by_key(|&i| out[i].offset.0);
        let longest = plain
            .iter()
            .map(|&i| out[i].offset.1 - out[i].offset.0)
            .max()
            .unwrap_or(0);
        let mut winner: Vec<Option<usize>> = vec![None; out.len()];
        for d in plain_end..out.len() {
            let (ds, de) = out[d].offset;
            let from = plain.partition_point(|&i| out[i].offset.0 + longest <= ds);
            for &r in plain[from..].iter().take_while(|&&i| out[i].offset.0 < de) {
                if out[r].offset.1 <= ds {
                    continue;
                }
                let (sr, sd) = (spec(&out[r].rule_id), spec(&out[d].rule_id));
                if sr < sd {
                    winner[r] = Some(d);
                } else if sd < sr {
                    winner[d] = Some(r);
                }
            }
        }
        if winner.iter().all(Option::is_none) {
            return;
        }
        let winners: Vec<Option<String>> = winner
            .iter()
            .map(|w| w.map(|i| out[i].rule_id.clone()))
            .collect();
        let findings = std::mem::take(&mut sink.findings);
        for (f, winner) in findings.into_iter().zip(winners) {
            match winner {
                None => sink.findings.push(f),
                Some(winner) => sink.drop_finding(&f, Reason::Overlap { winner }),
            }
        }
    }

    /// The content as written: keyword prefilter, each candidate rule's matcher, the
    /// decision on each candidate, overlaps, then findings with their positions.
    fn scan_plain(&self, target: &Target<'_>, content: &[u8], sink: &mut Sink) {
        let explain = sink.explaining();
        let scratch = &mut sink.scratch;
        self.candidates(content, scratch);
        if scratch.candidates.is_empty() {
            return;
        }
        scratch.hits.clear();
        scratch.drops.clear();
        scratch.capped = false;
        scratch.gave_up.clear();
        scratch.allow = decide::AllowCache::default();
        let (path, commit) = (target.path, target.commit);
        let native_allowed = self.global.path_allowed(path, commit);
        let candidates = std::mem::take(&mut scratch.candidates);
        for &ri in &candidates {
            let cr = &self.rules[ri as usize];
            let skipped = match cr.matcher {
                Matcher::PathOnly => true,
                Matcher::Native => native_allowed,
                Matcher::Gitleaks | Matcher::Composite => cr.rule.skip_report,
            };
            if skipped || !cr.runs_on(path) {
                continue;
            }
            let Ok(re) = cr.regex() else { continue };
            let Ok(filters) = cr.filters() else { continue };
            if filters.iter().any(|f| f.path_allowed(path, commit)) {
                continue;
            }
            let drops = explain.then_some(&mut scratch.drops);
            match cr.matcher {
                Matcher::Native => {
                    self.native_hits(ri, re, filters, content, target, scratch, explain)
                }
                Matcher::Gitleaks | Matcher::Composite => {
                    // The same shape: hits to `scratch.hits`, and true when a config rule's
                    // regex gave up on this content under its work budget.
                    let hits = if matches!(cr.matcher, Matcher::Gitleaks) {
                        Self::gitleaks_hits
                    } else {
                        Self::composite_hits
                    };
                    let gave_up = hits(
                        self,
                        ri,
                        re,
                        filters,
                        content,
                        target,
                        &mut scratch.hits,
                        drops,
                    );
                    if gave_up {
                        scratch.gave_up.push(ri);
                    }
                }
                Matcher::PathOnly => {}
            }
        }
        scratch.candidates = candidates;
        if !scratch.hits.is_empty() {
            self.resolve_overlaps(&mut scratch.hits, explain.then_some(&mut scratch.drops));
            scratch.hits.sort_by_key(|h| (h.at, h.rule));
        }
        for ri in std::mem::take(&mut sink.scratch.gave_up) {
            sink.notes.push(format!(
                "{}: rule {} skipped here: its regex (from a config file) costs too much on \
                 this content",
                target.path,
                ferret_rules::safe::id(&self.rules[ri as usize].rule.id)
            ));
        }
        let scratch = &mut sink.scratch;
        if scratch.capped {
            sink.notes.push(format!(
                "{}: matching stopped after {MAX_HITS} candidates (a rule that matches \
                 almost everything?)",
                target.path
            ));
        }
        let scratch = &mut sink.scratch;
        let hits = std::mem::take(&mut scratch.hits);
        let drops = std::mem::take(&mut scratch.drops);
        let mut cursor = LineCursor::new(content);
        let mut lines = decide::AllowCache::default();
        for (made, h) in hits.iter().enumerate() {
            if made == MAX_FINDINGS {
                sink.notes.push(format!(
                    "{}: more than {MAX_FINDINGS} findings; the first {MAX_FINDINGS} are reported",
                    target.path
                ));
                break;
            }
            if h.checksum_failed && !self.keep_bad_checksums {
                sink.drop_candidate(
                    &self.rules[h.rule as usize],
                    content,
                    target,
                    (h.start, h.end),
                    Reason::BadChecksum,
                );
                continue;
            }
            let (_, le) = lines.bounds(content, h.at);
            sink.findings
                .push(self.finding(h, content, target, &mut cursor, le));
        }
        for (ri, span, reason) in &drops {
            sink.drop_candidate(
                &self.rules[*ri as usize],
                content,
                target,
                *span,
                reason.clone(),
            );
        }
        sink.scratch.hits = hits;
        sink.scratch.drops = drops;
    }

    /// The finding for a hit, placed by line and column.
    fn finding(
        &self,
        h: &Hit,
        content: &[u8],
        target: &Target<'_>,
        cursor: &mut LineCursor<'_>,
        le: usize,
    ) -> Finding {
        let rule = &self.rules[h.rule as usize].rule;
        let pos = cursor.position(h.at);
        let secret = String::from_utf8_lossy(&content[h.start..h.end]).into_owned();
        let first_line_end = h.at_end.min(le.max(h.at)).max(h.at);
        let end_column = pos.column + lines::char_count(&content[h.at..first_line_end]);
        let line_text = LineText::new(content, (pos.line_start, le), (h.start, h.end));
        let (confidence, context) = context::placed(rule.confidence(), target.path);
        Finding {
            fingerprint: fingerprint(&rule.id, &rule.tags, &secret, target.path),
            group: String::new(),
            confidence,
            context,
            rule_confidence: rule.confidence(),
            rule_id: rule.id.clone(),
            description: rule.description.clone(),
            severity: if h.checksum_failed {
                ferret_rules::Severity::Low
            } else {
                rule.severity
            },
            checksum_failed: h.checksum_failed,
            tags: rule.tags.clone(),
            path: target.path.to_string(),
            line: pos.line,
            column: pos.column,
            end_column,
            secret,
            offset: (h.start, h.end),
            line_text,
            commit: None,
            decoded: None,
            verification: None,
            parts: Vec::new(),
            bytes: None,
            archive: None,
        }
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

    /// Where rules overlap on one piece of text, the most specific wins and the text is
    /// reported once (a Stripe `sk_live_` key is not also an Attio `sk_` token).
    fn resolve_overlaps(&self, hits: &mut Vec<Hit>, mut drops: decide::Drops<'_>) {
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
        // Start → (end, rule) of every hit kept so far.
        let mut taken: BTreeMap<usize, (usize, u32)> = BTreeMap::new();
        hits.retain(|h| {
            // gitleaks reports every rule's match.
            if self.rules[h.rule as usize].rule.semantics == Semantics::Gitleaks {
                return true;
            }
            let before = taken.range(..h.end).next_back();
            if let Some((_, &(_, winner))) = before.filter(|(_, &(e, _))| e > h.start) {
                if let Some(d) = drops.as_deref_mut() {
                    let winner = self.rules[winner as usize].rule.id.clone();
                    d.push((h.rule, (h.start, h.end), Reason::Overlap { winner }));
                }
                return false;
            }
            taken.insert(h.start, (h.end, h.rule));
            true
        });
    }
}

/// Entry point for the config fuzz target in `fuzz/` and the test that replays its corpus:
/// a config's text into rules, the rules compiled (regexes, allowlists, pairs), and a small
/// text scanned with them. Must return for any input, in bounded time and memory.
pub fn fuzz_config(data: &[u8]) {
    let Some(set) = ferret_rules::fuzz_config(data) else {
        return;
    };
    let Ok(engine) = Engine::new(&set) else {
        return;
    };
    if engine.compile_now(|_| true).is_err() {
        return;
    }
    let mut sink = Sink::new(true);
    // Put together here so that the source holds no credential-shaped literal.
    let sample = [
        b"token = \"q8w7e6r5".as_slice(),
        b"t4y3u2i1o9p8\"\npassword: hunter2-but-longer\nsk_x AKIA x\n",
    ]
    .concat();
    engine.scan(&Target::path("fuzz.txt"), &sample, &mut sink);
    engine.scan(&Target::path("fuzz.txt"), data, &mut sink);
}

/// The repository's `rules/` folder, for tests that run the built-in rules.
#[cfg(test)]
pub(crate) fn tests_rules_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules")
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut sink = Sink::default();
        e.scan(&Target::path("x.yaml"), content.as_bytes(), &mut sink);
        sink.findings.iter().map(|f| f.line).collect()
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
