//! A rule as the engine runs it: the matcher chosen once from what the rule is, and its
//! regexes and allowlists compiled the first time a keyword of the rule is seen (a
//! pre-commit scan of a few files compiles a handful of rules, not all of them).
use crate::filters::Filters;
use ferret_rules::{compile_regex, short_error, Error, Rule, Semantics};
use regex::bytes::Regex;
use std::sync::OnceLock;

/// How a rule's matches become candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Matcher {
    /// ferret's own rules: the regex runs in windows around the rule's keyword hits, the
    /// secret is the capture group, overlaps go to the most specific rule.
    Native,
    /// Rules translated from a gitleaks config, matched as gitleaks 8 matches them (see
    /// [`crate::gitleaks`]), so a team moving over keeps the findings it had.
    Gitleaks,
    /// A gitleaks composite rule: a gitleaks match reported only when each of its
    /// `required` rules matches near it.
    Composite,
    /// A rule without a regex: a non-empty file whose path matches is the finding.
    PathOnly,
}

pub(crate) struct CompiledRule {
    pub rule: Rule,
    pub matcher: Matcher,
    /// Breaks ties between overlapping matches: the higher wins.
    pub specificity: i32,
    /// A native rule tagged `generic`: it knows no token format, only a name that says
    /// "secret", so its value stops at the next query parameter and an encoded value is
    /// judged by what it decodes to.
    pub generic: bool,
    regex: OnceLock<Result<Regex, String>>,
    /// The rule's `path` regex, if it has one.
    path: OnceLock<Result<Option<Regex>, String>>,
    /// `allowlist` (when not empty) and `allowlists`.
    filters: OnceLock<Result<Vec<Filters>, String>>,
    /// For a rule from a config file: its regex as a lazy DFA that gives up instead of
    /// falling back to a slow search, and as a meta regex for the groups of a match.
    budgeted: OnceLock<Result<Budgeted, String>>,
    /// The `regex` of each of the rule's `pair` parts (`None` for a part that names a rule).
    parts: OnceLock<Result<Vec<Option<Regex>>, String>>,
}

/// A config rule's regex under a work budget. The `regex` crate falls back from its lazy
/// DFA to a search whose cost grows with the pattern's size times the input's when the
/// DFA thrashes: a config regex like `(?:[a-z]{1,100}){1,100}x` then ran at 8.5 KB/s on a
/// long line. Here the DFA alone finds matches and gives up (the rule is skipped for that
/// content, with a note) when it keeps clearing its cache without progress; the groups of
/// each match are then read by an anchored search over the match alone.
pub(crate) struct Budgeted {
    pub dfa: regex_automata::hybrid::regex::Regex,
    pub groups: regex_automata::meta::Regex,
}

/// The longest match a budgeted rule reads groups in: no secret is this long, and an
/// anchored search over a megabyte-long match would be the slow search again.
pub(crate) const MAX_BUDGETED_MATCH: usize = 64 << 10;

impl CompiledRule {
    pub fn new(rule: &Rule) -> Self {
        let matcher = if rule.regex.is_empty() {
            Matcher::PathOnly
        } else {
            match rule.semantics {
                Semantics::Ferret => Matcher::Native,
                Semantics::Gitleaks if rule.required.is_empty() => Matcher::Gitleaks,
                Semantics::Gitleaks => Matcher::Composite,
            }
        };
        CompiledRule {
            specificity: rule.specificity(),
            generic: matcher == Matcher::Native && rule.tags.iter().any(|t| t == "generic"),
            matcher,
            rule: rule.clone(),
            regex: OnceLock::new(),
            path: OnceLock::new(),
            filters: OnceLock::new(),
            budgeted: OnceLock::new(),
            parts: OnceLock::new(),
        }
    }

    /// The budgeted form of a config rule's regex (see [`Budgeted`]); `None` for ferret's
    /// own rules, which the test suite proves and which keep the `regex` crate's search.
    pub fn budgeted(&self) -> Option<Result<&Budgeted, &String>> {
        if !self.rule.from_config {
            return None;
        }
        Some(
            self.budgeted
                .get_or_init(|| build_budgeted(&self.rule.regex))
                .as_ref(),
        )
    }

    /// The compiled `regex` of each `pair` part, in order.
    pub fn part_regexes(&self) -> Result<&[Option<Regex>], &String> {
        self.parts
            .get_or_init(|| {
                let Some(pair) = &self.rule.pair else {
                    return Ok(Vec::new());
                };
                pair.parts
                    .iter()
                    .map(|p| {
                        p.regex
                            .as_deref()
                            .map(compile_regex)
                            .transpose()
                            .map_err(|e| {
                                format!(
                                    "part {:?}: invalid regex: {}",
                                    p.name,
                                    short_error(&e.to_string())
                                )
                            })
                    })
                    .collect()
            })
            .as_ref()
            .map(Vec::as_slice)
    }

    pub fn regex(&self) -> Result<&Regex, &String> {
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

    pub fn path(&self) -> Result<Option<&Regex>, &String> {
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

    pub fn filters(&self) -> Result<&[Filters], &String> {
        self.filters
            .get_or_init(|| {
                let own = (!self.rule.allowlist.is_empty()).then_some(&self.rule.allowlist);
                let words_only = self.rule.semantics != Semantics::Gitleaks;
                own.into_iter()
                    .chain(&self.rule.allowlists)
                    .map(|a| {
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
    pub fn runs_on(&self, path: &str) -> bool {
        match self.path() {
            Ok(Some(re)) => re.is_match(path.as_bytes()),
            Ok(None) => true,
            Err(_) => false,
        }
    }
}

fn build_budgeted(pattern: &str) -> Result<Budgeted, String> {
    use regex_automata::hybrid::{dfa, regex::Builder};
    use regex_automata::util::syntax;
    let attempt = |unicode: bool| -> Result<Budgeted, String> {
        let syntax = syntax::Config::new().unicode(unicode).utf8(false);
        let dfa = Builder::new()
            .syntax(syntax)
            .dfa(
                dfa::Config::new()
                    .cache_capacity(2 << 20)
                    // Give up after the third cache clear that came with less than ten
                    // bytes of progress per state built: thrashing, not work.
                    .minimum_cache_clear_count(Some(3))
                    .minimum_bytes_per_state(Some(10)),
            )
            .build(pattern)
            .map_err(|e| e.to_string())?;
        let groups = regex_automata::meta::Builder::new()
            .syntax(syntax)
            .configure(regex_automata::meta::Config::new().utf8_empty(false))
            .build(pattern)
            .map_err(|e| e.to_string())?;
        Ok(Budgeted { dfa, groups })
    };
    attempt(false).or_else(|e| attempt(true).map_err(|_| e))
}
