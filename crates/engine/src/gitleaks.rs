//! Matching for rules with `gitleaks` semantics (rules translated from a gitleaks config),
//! following gitleaks 8's `detect.detectRule`: where ferret and gitleaks differ, these
//! rules do what gitleaks does, so a team moving over gets the findings it had.
//!
//! What differs from ferret's own rules: the whole match is trimmed of newlines and the
//! secret group is taken by matching the regex again inside it; a group that took no part
//! gives an empty secret (reported, unless `entropy` is set); entropy is counted per
//! character over the secret's length in bytes and must be strictly above the minimum;
//! `gitleaks:allow` anywhere on the lines the match spans suppresses it; a `line`
//! allowlist target is those lines as gitleaks cuts them (with the newline before them);
//! the finding is placed at the start of the match; ferret's global allowlist does not
//! apply; and no overlap resolution happens, except gitleaks' one rule of precedence: a
//! finding of a rule whose id contains `generic` is dropped when a non-generic rule found,
//! on the same line, a secret that contains its secret.
use crate::decide::{Candidate, Drops, Hit, Reason};
use crate::filters::Filters;
use crate::finding::{fingerprint, Finding, LineText};
use crate::rule::Matcher;
use crate::{Engine, Sink, Target};
use ferret_rules::Semantics;
use regex::bytes::Regex;
use std::collections::HashMap;

impl Engine {
    /// The candidates of `gitleaks` rule `ri` in `content`, decided on: hits go to
    /// `hits`, failures to `drops` when explaining. True when a config rule's regex gave
    /// up on this content (see [`crate::rule::Budgeted`]).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn gitleaks_hits(
        &self,
        ri: u32,
        re: &Regex,
        filters: &[Filters],
        content: &[u8],
        target: &Target<'_>,
        hits: &mut Vec<Hit>,
        mut drops: Drops<'_>,
    ) -> bool {
        let rule = &self.rules[ri as usize].rule;
        let budgeted = match self.rules[ri as usize].budgeted() {
            Some(Ok(b)) => Some(b),
            Some(Err(_)) => return false,
            None => None,
        };
        let mut matches = Matches::new(re, budgeted, content);
        let mut allow = crate::decide::AllowCache::default();
        while let Some(m) = matches.next() {
            if hits.len() >= crate::MAX_HITS {
                break;
            }
            let (s, e) = m;
            if budgeted.is_some() && e - s > crate::rule::MAX_BUDGETED_MATCH {
                continue;
            }
            let (ts, te) = trim_newlines(content, s, e);
            let matched = &content[ts..te];
            let Some((ss, se)) = secret_span(re, matched, rule.secret_group) else {
                continue;
            };
            // A newline at the start of the match counts, for gitleaks, as the next line.
            let at = if content.get(s) == Some(&b'\n') {
                s + 1
            } else {
                s
            };
            // gitleaks keeps the untrimmed start and measures the end from it.
            let c = Candidate {
                secret: (ts + ss, ts + se),
                matched: (ts, te),
                line: Some(line_span(content, s, s + (te - ts))),
                at: (at, te.max(at)),
            };
            match self.consider(ri, filters, content, target, c, &mut allow) {
                Ok(hit) => hits.push(hit),
                Err(reason) => {
                    if let Some(d) = drops.as_deref_mut() {
                        d.push((ri, c.secret, reason));
                    }
                }
            }
        }
        matches.gave_up
    }

    /// Findings of rules that report a file by its name (gitleaks' path-only rules): for
    /// non-empty files whose path matches, when a keyword of the rule (if it has any) is in
    /// the content. They have no line; they are placed at line 1.
    pub(crate) fn path_rule_findings(&self, target: &Target<'_>, content: &[u8], sink: &mut Sink) {
        if self.path_only.is_empty() || content.is_empty() {
            return;
        }
        let path = target.path;
        let mut prefiltered = false;
        for &ri in &self.path_only {
            let cr = &self.rules[ri as usize];
            if !cr.runs_on(path)
                || (cr.rule.semantics == Semantics::Ferret
                    && self.global.path_allowed(path, target.commit))
            {
                continue;
            }
            let Ok(filters) = cr.filters() else { continue };
            if filters.iter().any(|f| f.path_allowed(path, target.commit)) {
                continue;
            }
            if !cr.rule.keywords.is_empty() {
                if !prefiltered {
                    self.candidates(content, &mut sink.scratch);
                    prefiltered = true;
                }
                if !sink.scratch.candidates.contains(&ri) {
                    continue;
                }
            }
            let rule = &cr.rule;
            let (confidence, context) = crate::context::placed(rule.confidence(), path);
            sink.findings.push(Finding {
                fingerprint: fingerprint(&rule.id, &rule.tags, "", path),
                confidence,
                context,
                rule_confidence: rule.confidence(),
                rule_id: rule.id.clone(),
                description: rule.description.clone(),
                severity: rule.severity,
                tags: rule.tags.clone(),
                path: path.to_string(),
                line: 1,
                column: 1,
                end_column: 1,
                line_text: LineText::plain(format!("file detected: {path}")),
                ..Finding::default()
            });
        }
    }

    /// gitleaks' one rule of precedence (`detect.filter`), over the findings of one piece
    /// of content from `first` on.
    pub(crate) fn drop_generic_duplicates(&self, sink: &mut Sink, first: usize) {
        let generic = |id: &str| id.to_ascii_lowercase().contains("generic");
        let gitleaks_generic = |id: &str| {
            generic(id)
                && self
                    .by_id
                    .get(id)
                    .is_some_and(|&i| self.rules[i as usize].rule.semantics == Semantics::Gitleaks)
        };
        let found = &sink.findings[first..];
        if !found.iter().any(|f| generic(&f.rule_id)) {
            return;
        }
        let winners: Vec<Option<String>> = found
            .iter()
            .map(|f| {
                if !gitleaks_generic(&f.rule_id) {
                    return None;
                }
                found
                    .iter()
                    .find(|p| {
                        p.line == f.line
                            && p.rule_id != f.rule_id
                            && !generic(&p.rule_id)
                            && p.secret.contains(f.secret.as_str())
                    })
                    .map(|p| p.rule_id.clone())
            })
            .collect();
        if winners.iter().all(Option::is_none) {
            return;
        }
        let tail = sink.findings.split_off(first);
        for (f, winner) in tail.into_iter().zip(winners) {
            match winner {
                None => sink.findings.push(f),
                Some(winner) => sink.drop_finding(&f, Reason::GenericDuplicate { winner }),
            }
        }
    }

    /// A composite rule's hits: those with, for every required rule, a hit of that rule
    /// near enough (gitleaks' `processRequiredRules`). Required rules are looked for
    /// whatever their keywords and `skip_report`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn composite_hits(
        &self,
        ri: u32,
        re: &Regex,
        filters: &[Filters],
        content: &[u8],
        target: &Target<'_>,
        hits: &mut Vec<Hit>,
        drops: Drops<'_>,
    ) -> bool {
        let mut primary = Vec::new();
        let gave_up = self.gitleaks_hits(ri, re, filters, content, target, &mut primary, drops);
        if primary.is_empty() {
            return gave_up;
        }
        let rule = &self.rules[ri as usize].rule;
        let mut found = Vec::with_capacity(rule.required.len());
        for req in &rule.required {
            let mut v = Vec::new();
            if let Some(&qi) = self.by_id.get(&req.id) {
                let cr = &self.rules[qi as usize];
                if let (false, true, Ok(re), Ok(filters)) = (
                    cr.matcher == Matcher::PathOnly,
                    cr.runs_on(target.path),
                    cr.regex(),
                    cr.filters(),
                ) {
                    if !filters
                        .iter()
                        .any(|f| f.path_allowed(target.path, target.commit))
                    {
                        let _ = self.gitleaks_hits(qi, re, filters, content, target, &mut v, None);
                    }
                }
            }
            found.push(v);
        }
        let place = |h: &Hit| {
            let line = memchr::memchr_iter(b'\n', &content[..h.at]).count();
            let column = match memchr::memrchr(b'\n', &content[..h.at]) {
                Some(p) => h.at - p + 1,
                None => h.at + 1,
            };
            (line, column)
        };
        for p in primary {
            let (pl, pc) = place(&p);
            let near = |req: &ferret_rules::Required, q: &Hit| {
                let (ql, qc) = place(q);
                req.within_lines.is_none_or(|n| pl.abs_diff(ql) <= n)
                    && req.within_columns.is_none_or(|n| pc.abs_diff(qc) <= n)
            };
            if rule
                .required
                .iter()
                .zip(&found)
                .all(|(req, qs)| qs.iter().any(|q| near(req, q)))
            {
                hits.push(p);
            }
        }
        gave_up
    }
}

/// Ids to indexes, checking what composite rules refer to.
pub(super) fn composite_ids(
    set: &ferret_rules::RuleSet,
) -> ferret_rules::Result<HashMap<String, u32>> {
    let ids: HashMap<String, u32> = set
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i as u32))
        .collect();
    for r in &set.rules {
        let err = |message: String| ferret_rules::Error::Rule {
            id: r.id.clone(),
            message,
        };
        if r.semantics == Semantics::Ferret && (!r.required.is_empty() || r.skip_report) {
            return Err(err("required and skip_report are for gitleaks rules".into()));
        }
        if let Some(q) = r.required.iter().find(|q| !ids.contains_key(&q.id)) {
            return Err(err(format!("required rule {} does not exist", q.id)));
        }
    }
    Ok(ids)
}

/// A gitleaks rule's matches over a whole content: the `regex` crate's for ferret's own
/// kind of trust, the budgeted DFA's (see [`crate::rule::Budgeted`]) for a config's rule,
/// which ends early when the DFA gives up (`gave_up`).
struct Matches<'a> {
    plain: Option<regex::bytes::Matches<'a, 'a>>,
    budgeted: Option<(
        &'a crate::rule::Budgeted,
        regex_automata::hybrid::regex::Cache,
    )>,
    content: &'a [u8],
    at: usize,
    gave_up: bool,
}

impl<'a> Matches<'a> {
    fn new(re: &'a Regex, budgeted: Option<&'a crate::rule::Budgeted>, content: &'a [u8]) -> Self {
        Matches {
            plain: budgeted.is_none().then(|| re.find_iter(content)),
            budgeted: budgeted.map(|b| (b, b.dfa.create_cache())),
            content,
            at: 0,
            gave_up: false,
        }
    }

    fn next(&mut self) -> Option<(usize, usize)> {
        if let Some(it) = &mut self.plain {
            return it.next().map(|m| (m.start(), m.end()));
        }
        let (b, cache) = self.budgeted.as_mut()?;
        if self.gave_up || self.at > self.content.len() {
            return None;
        }
        let input = regex_automata::Input::new(self.content).range(self.at..);
        match b.dfa.try_search(cache, &input) {
            Ok(Some(m)) => {
                self.at = if m.end() > m.start() {
                    m.end()
                } else {
                    m.end() + 1
                };
                Some((m.start(), m.end()))
            }
            Ok(None) => None,
            Err(_) => {
                self.gave_up = true;
                None
            }
        }
    }
}

/// gitleaks trims newlines off both ends of a match (`strings.Trim(match, "\n")`).
fn trim_newlines(content: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    while s < e && content[s] == b'\n' {
        s += 1;
    }
    while e > s && content[e - 1] == b'\n' {
        e -= 1;
    }
    (s, e)
}

/// The lines gitleaks reports for a match from `s` to `end` (its `Finding.Line`): from the
/// newline before the match (a newline at `s` included) to the newline after `end`. On the
/// last line, with no newline after it, the line stops at a carriage return; a text
/// without any newline is all one line.
fn line_span(content: &[u8], s: usize, end: usize) -> (usize, usize) {
    let len = content.len();
    if memchr::memchr(b'\n', content).is_none() {
        return (0, len);
    }
    let s = s.min(len);
    let end = end.min(len);
    let start = memchr::memrchr(b'\n', &content[..(s + 1).min(len)]).unwrap_or(0);
    let stop = if let Some(i) = memchr::memchr(b'\n', &content[end..]) {
        end + i
    } else if memchr::memchr(b'\n', &content[(s + 1).min(len)..]).is_some() {
        end
    } else {
        end + memchr::memchr(b'\r', &content[end..]).unwrap_or(len - end)
    };
    (start, stop.max(start))
}

/// The secret within the (trimmed) match, as gitleaks takes it: the regex is matched again
/// inside the match; `secretGroup` if set (None when the regex has fewer groups), else the
/// first group that matched something, else the whole match.
fn secret_span(re: &Regex, matched: &[u8], group: Option<usize>) -> Option<(usize, usize)> {
    let whole = (0, matched.len());
    let groups = re.captures_len() - 1;
    if groups == 0 {
        return Some(whole);
    }
    let Some(caps) = re.captures(matched) else {
        return Some(whole);
    };
    match group {
        Some(g) if g > groups => None,
        Some(g) => Some(caps.get(g).map_or((0, 0), |m| (m.start(), m.end()))),
        None => Some(
            (1..=groups)
                .filter_map(|i| caps.get(i))
                .find(|m| !m.is_empty())
                .map_or(whole, |m| (m.start(), m.end())),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_span_follows_gitleaks() {
        let text = b"one\ntwo key\nthree";
        let s = 8; // "key"
        assert_eq!(line_span(text, s, s + 3), (3, 11));
        // Last line, no newline after it.
        assert_eq!(line_span(text, 12, 17), (11, 17));
        // No newline at all: everything.
        assert_eq!(line_span(b"a key\rb", 2, 5), (0, 7));
        // The last line stops at a carriage return.
        assert_eq!(line_span(b"x\na key\rb", 4, 7), (1, 7));
    }

    #[test]
    fn commit_allowlists_apply_to_content_from_that_commit() {
        let config = "[[rules]]\nid = 'zq'\nregex = 'zq_[a-z]{8}'\n\
                      [[rules.allowlists]]\ncommits = ['ABC123']\n";
        let file =
            ferret_rules::gitleaks::translate(std::path::Path::new("x.gitleaks.toml"), config)
                .unwrap();
        let set = ferret_rules::RuleSet::default().with_config(file);
        let engine = Engine::new(&set).unwrap();
        let mut sink = Sink::default();
        let mut found = |commit: Option<&str>| {
            sink.findings.clear();
            let target = Target::path("a.txt").in_commit(commit);
            engine.scan(&target, b"k = zq_abcdefgh\n", &mut sink);
            sink.findings.len()
        };
        assert_eq!(found(Some("abc123")), 0);
        assert_eq!(found(Some("def456")), 1);
        assert_eq!(found(None), 1);
    }

    #[test]
    fn secret_is_taken_by_matching_again() {
        let re = Regex::new(r"k=(a+)|k=(b+)").unwrap();
        assert_eq!(secret_span(&re, b"k=bbb", None), Some((2, 5)));
        assert_eq!(secret_span(&re, b"k=bbb", Some(1)), Some((0, 0)));
        assert_eq!(secret_span(&re, b"k=bbb", Some(3)), None);
    }
}
