//! ferret's own matching: a rule's regex runs only in windows around the rule's keyword
//! hits, and the secret is the rule's capture group.
use crate::decide::Candidate;
use crate::filters::Filters;
use crate::rule::{Budgeted, MAX_BUDGETED_MATCH};
use crate::{Engine, Scratch, Target};
use regex::bytes::{Captures, Regex};

/// How far before a keyword hit a rule's match may start (connection strings put the
/// keyword `password=` after the host), and how far after it may end (a PEM block).
const WINDOW_BEFORE: usize = 1024;
const WINDOW_AFTER: usize = 16 * 1024;

impl Engine {
    /// The candidates of native rule `ri` in `content`, decided on: hits go to
    /// `scratch.hits`, and when explaining, failures to `scratch.drops`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn native_hits(
        &self,
        ri: u32,
        re: &Regex,
        filters: &[Filters],
        content: &[u8],
        target: &Target<'_>,
        scratch: &mut Scratch,
        explain: bool,
    ) {
        let group = self.rules[ri as usize].rule.secret_group;
        let mut windows = std::mem::take(&mut scratch.windows);
        self.windows(ri, content, &scratch.rule_hits, &mut windows);
        if let Some(budgeted) = self.rules[ri as usize].budgeted() {
            if let Ok(b) = budgeted {
                self.budgeted_hits(ri, b, filters, content, target, scratch, explain, &windows);
            }
            scratch.windows = windows;
            return;
        }
        'windows: for &(ws, we) in &windows {
            for caps in re.captures_iter(&content[ws..we]) {
                if scratch.hits.len() >= crate::MAX_HITS {
                    scratch.capped = true;
                    break 'windows;
                }
                let Some((s, e)) = secret_span(&caps, group, re) else {
                    continue;
                };
                let secret = (s + ws, e + ws);
                let matched = caps
                    .get(0)
                    .map_or(secret, |m| (m.start() + ws, m.end() + ws));
                let c = Candidate {
                    secret,
                    matched,
                    line: None,
                    at: secret,
                };
                match self.consider(ri, filters, content, target, c, &mut scratch.allow) {
                    Ok(hit) => scratch.hits.push(hit),
                    Err(reason) if explain => scratch.drops.push((ri, secret, reason)),
                    Err(_) => {}
                }
            }
        }
        scratch.windows = windows;
    }

    /// [`Engine::native_hits`] for a rule from a config file, under a work budget (see
    /// [`crate::rule::Budgeted`]): each window is searched as its own haystack, as the
    /// `regex` crate's search is, and the rule stops for this content when the DFA gives up.
    #[allow(clippy::too_many_arguments)]
    fn budgeted_hits(
        &self,
        ri: u32,
        b: &Budgeted,
        filters: &[Filters],
        content: &[u8],
        target: &Target<'_>,
        scratch: &mut Scratch,
        explain: bool,
        windows: &[(usize, usize)],
    ) {
        use regex_automata::{Anchored, Input};
        let group = self.rules[ri as usize].rule.secret_group;
        let mut cache = b.dfa.create_cache();
        let mut caps = b.groups.create_captures();
        for &(ws, we) in windows {
            let hay = &content[ws..we];
            let mut at = 0;
            while at <= hay.len() {
                let m = match b.dfa.try_search(&mut cache, &Input::new(hay).range(at..)) {
                    Ok(Some(m)) => m,
                    Ok(None) => break,
                    Err(_) => {
                        scratch.gave_up.push(ri);
                        return;
                    }
                };
                at = if m.end() > m.start() {
                    m.end()
                } else {
                    m.end() + 1
                };
                if m.end() - m.start() > MAX_BUDGETED_MATCH {
                    continue;
                }
                if scratch.hits.len() >= crate::MAX_HITS {
                    scratch.capped = true;
                    return;
                }
                b.groups.search_captures(
                    &Input::new(hay)
                        .range(m.start()..m.end())
                        .anchored(Anchored::Yes),
                    &mut caps,
                );
                let span = |g: usize| caps.get_group(g).map(|s| (s.start + ws, s.end + ws));
                let secret = caps
                    .get_group_by_name("secret")
                    .map(|s| (s.start + ws, s.end + ws))
                    .or_else(|| match group {
                        Some(g) => span(g),
                        None => (1..caps.group_len()).find_map(span).or_else(|| span(0)),
                    });
                let Some(secret) = secret else { continue };
                let c = Candidate {
                    secret,
                    matched: (m.start() + ws, m.end() + ws),
                    line: None,
                    at: secret,
                };
                match self.consider(ri, filters, content, target, c, &mut scratch.allow) {
                    Ok(hit) => scratch.hits.push(hit),
                    Err(reason) if explain => scratch.drops.push((ri, secret, reason)),
                    Err(_) => {}
                }
            }
        }
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
}

/// The secret's span: the `secret` group, the configured group, the first group that took
/// part, or the whole match.
pub(crate) fn secret_span(
    caps: &Captures<'_>,
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
