//! Allowlists, compiled: what a rule (or a config, or ferret's global list) says is not a
//! secret, by the secret, the match, the line, the path or the commit. Regexes compile on
//! first use; [`Filters::check`] compiles them at once for rules a user wrote.
use crate::short;
use ferret_rules::{compile_regex, short_error, Allowlist, Condition, Error, RegexTarget, Result};
use std::sync::OnceLock;

/// A compiled allowlist. Stopwords are lowercased once.
#[derive(Debug, Default)]
pub(crate) struct Filters {
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
pub(crate) struct Candidate<'a> {
    pub secret: &'a [u8],
    /// The whole text the rule's regex matched.
    pub matched: &'a [u8],
    pub line: &'a [u8],
    pub path: &'a str,
    pub commit: Option<&'a str>,
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
                // Errors are worded by the `regex` crate, as for rule regexes; the pattern
                // is named by its place, not quoted (a config's text may hold a secret).
                self.patterns
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        short::build(&[p], true).map_err(|meta| {
                            format!(
                                "allowlist regex #{}: {}",
                                i + 1,
                                ferret_rules::safe::scrub(&short_error(
                                    &compile_regex(p).err().map_or(meta, |e| e.to_string())
                                ))
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
    pub(crate) fn compile(a: &Allowlist, owner: &str, words_only: bool) -> Result<Filters> {
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
    pub(crate) fn check(&self) -> Result<()> {
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
    pub(crate) fn path_allowed(&self, path: &str, commit: Option<&str>) -> bool {
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
    pub(crate) fn finding_allowed(&self, c: &Candidate<'_>) -> bool {
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

#[cfg(test)]
mod tests {
    use super::one_case;

    #[test]
    fn stopwords_count_in_one_case_or_in_words() {
        for s in ["fake_", "FAKE_", "Fake_", "yourKey"] {
            assert!(one_case(s.as_bytes()), "{s}");
        }
        for s in ["FaKE_", "YOUr_", "fAkE"] {
            assert!(!one_case(s.as_bytes()), "{s}");
        }
    }
}
