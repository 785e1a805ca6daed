//! Multi-part credentials: an AWS access key id is half a key without its secret access
//! key, a Twilio auth token says nothing without the account SID it belongs to. A rule's
//! `pair` names the other parts; once every candidate of a piece of content has been
//! decided, each finding of such a rule looks for its parts near it (the same content,
//! within `within_lines` lines) and carries the nearest of each. A part is either another
//! rule's finding, or a match of a regex of the part's own (an identifier that is no secret
//! alone, such as a tenant id). What a primary finding takes as a part is not reported on
//! its own: the credential is one finding, placed at the primary part, so a baseline entry
//! and a verification cover the whole of it.
use crate::filters::Candidate as AllowlistView;
use crate::finding::{Finding, PairedPart};
use crate::lines::char_count;
use crate::{entropy, Engine, Reason, Sink, Target};
use ferret_rules::{Error, Result, RuleSet};
use std::collections::HashMap;

/// The rules with a `pair`, by id, after checking that every part is well formed.
pub(crate) fn paired_rules(set: &RuleSet) -> Result<HashMap<String, u32>> {
    let mut out = HashMap::new();
    for (i, rule) in set.rules.iter().enumerate() {
        let Some(pair) = &rule.pair else { continue };
        let bad = |message: String| Error::Rule {
            id: rule.id.clone(),
            message,
        };
        if pair.parts.is_empty() {
            return Err(bad("pair: no parts".into()));
        }
        for (k, part) in pair.parts.iter().enumerate() {
            let name_ok = !part.name.is_empty()
                && part
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !name_ok {
                return Err(bad(format!(
                    "pair: part name {:?} must be lowercase words joined by _",
                    part.name
                )));
            }
            if pair.parts[..k].iter().any(|p| p.name == part.name) {
                return Err(bad(format!("pair: part {:?} given twice", part.name)));
            }
            match (&part.rule, &part.regex) {
                (Some(id), None) => {
                    if id == &rule.id {
                        return Err(bad(format!(
                            "pair: part {:?} names its own rule",
                            part.name
                        )));
                    }
                    if !set.rules.iter().any(|r| &r.id == id) {
                        return Err(bad(format!(
                            "pair: part {:?} names rule {id:?}, which is not in the rule set",
                            part.name
                        )));
                    }
                }
                (None, Some(_)) => {}
                _ => {
                    return Err(bad(format!(
                        "pair: part {:?} needs exactly one of `rule` and `regex`",
                        part.name
                    )))
                }
            }
        }
        out.insert(rule.id.clone(), i as u32);
    }
    Ok(out)
}

/// A part candidate: where it is, and the finding it was (if any).
struct Found {
    span: (usize, usize),
    line: usize,
    column: usize,
    secret: String,
    finding: Option<usize>,
}

/// Line starts of a piece of content, made once per content that needs pairing.
struct Lines {
    /// Offsets of every `\n`.
    newlines: Vec<usize>,
    len: usize,
}

impl Lines {
    fn new(content: &[u8]) -> Lines {
        Lines {
            newlines: memchr::memchr_iter(b'\n', content).collect(),
            len: content.len(),
        }
    }

    /// 1-based line of `offset`.
    fn line_of(&self, offset: usize) -> usize {
        1 + self.newlines.partition_point(|&n| n < offset)
    }

    /// Byte offset where 1-based `line` starts (clamped to the content).
    fn start(&self, line: usize) -> usize {
        match line {
            0 | 1 => 0,
            l => self.newlines.get(l - 2).map_or(self.len, |&n| n + 1),
        }
    }

    /// Byte offset where 1-based `line` ends (its `\n`, or the end of the content).
    fn end(&self, line: usize) -> usize {
        self.newlines
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.len)
    }
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

impl Engine {
    /// Pairs every finding of a rule with a `pair` (from `first` on) with its parts, and
    /// drops what became a part (and, for a `required` pair, primaries that lack a part).
    pub(crate) fn pair_parts(
        &self,
        target: &Target<'_>,
        content: &[u8],
        sink: &mut Sink,
        first: usize,
    ) {
        if self.paired.is_empty()
            || !sink.findings[first..]
                .iter()
                .any(|f| self.paired.contains_key(&f.rule_id))
        {
            return;
        }
        let lines = Lines::new(content);
        let n = sink.findings.len();
        // Why each finding (by index) is no longer reported on its own.
        let mut gone: Vec<Option<Reason>> = vec![None; n];
        // Spans already taken by a primary as a part.
        let mut taken: Vec<(usize, usize)> = Vec::new();
        let mut order: Vec<usize> = (first..n)
            .filter(|&i| self.paired.contains_key(&sink.findings[i].rule_id))
            .collect();
        order.sort_by_key(|&i| (sink.findings[i].line, sink.findings[i].column));
        for pi in order {
            if gone[pi].is_some() {
                continue;
            }
            let ri = self.paired[&sink.findings[pi].rule_id];
            let cr = &self.rules[ri as usize];
            let (Some(pair), Ok(regexes)) = (&cr.rule.pair, cr.part_regexes()) else {
                continue;
            };
            let (pline, pspan) = (sink.findings[pi].line, sink.findings[pi].offset);
            let near = |line: usize| line.abs_diff(pline) <= pair.within_lines;
            // Nearest first: fewest lines away, then a part after the primary before one
            // above it (a key id's secret usually follows it), then the closer offset.
            let rank = |f: &Found| {
                (
                    f.line.abs_diff(pline),
                    f.line < pline,
                    f.span.0.abs_diff(pspan.0),
                )
            };
            let mut parts = Vec::new();
            let mut missing = None;
            for (part, re) in pair.parts.iter().zip(regexes) {
                let free = |span: (usize, usize)| {
                    !overlaps(span, pspan) && !taken.iter().any(|&t| overlaps(t, span))
                };
                let mut candidates: Vec<Found> = Vec::new();
                if let Some(id) = &part.rule {
                    for (j, f) in sink.findings.iter().enumerate().skip(first) {
                        if j != pi
                            && &f.rule_id == id
                            && gone[j].is_none()
                            && near(f.line)
                            && free(f.offset)
                        {
                            candidates.push(Found {
                                span: f.offset,
                                line: f.line,
                                column: f.column,
                                secret: f.secret.clone(),
                                finding: Some(j),
                            });
                        }
                    }
                } else if let Some(re) = re {
                    let from = lines.start(pline.saturating_sub(pair.within_lines));
                    let to = lines.end(pline + pair.within_lines);
                    let window = &content[from..to.max(from)];
                    for caps in re.captures_iter(window) {
                        let Some(m) = caps
                            .name("secret")
                            .or_else(|| (1..caps.len()).find_map(|g| caps.get(g)))
                            .or_else(|| caps.get(0))
                        else {
                            continue;
                        };
                        let span = (from + m.start(), from + m.end());
                        if m.is_empty() || !free(span) {
                            continue;
                        }
                        // A piece of a longer secret another rule reported (40 characters
                        // inside an `sk_…` token) is not a part; the same text reported
                        // by a rule that knows it (a named secret key) is.
                        let inside_other = sink.findings[first..].iter().any(|f| {
                            overlaps(f.offset, span) && (f.offset.0 < span.0 || f.offset.1 > span.1)
                        });
                        if inside_other {
                            continue;
                        }
                        let secret = m.as_bytes();
                        if part
                            .entropy
                            .is_some_and(|min| !entropy::enough(secret, min))
                        {
                            continue;
                        }
                        let line = lines.line_of(span.0);
                        let line_start = lines.start(line);
                        let line_text = &content[line_start..lines.end(line).max(line_start)];
                        let view = AllowlistView {
                            secret,
                            matched: secret,
                            line: line_text,
                            path: target.path,
                            commit: target.commit,
                        };
                        // A placeholder (`<tenant-id>`, `${SECRET}`) is no part.
                        if self.global.finding_allowed(&view) {
                            continue;
                        }
                        candidates.push(Found {
                            span,
                            line,
                            column: 1 + char_count(&content[line_start..span.0]),
                            secret: String::from_utf8_lossy(secret).into_owned(),
                            finding: None,
                        });
                    }
                }
                match candidates.into_iter().min_by_key(|f| rank(f)) {
                    Some(found) => {
                        taken.push(found.span);
                        let primary = Reason::Paired {
                            primary: cr.rule.id.clone(),
                            line: pline,
                        };
                        match found.finding {
                            Some(j) => gone[j] = Some(primary),
                            // Another rule's finding of the same text (a context-gated
                            // secret rule, a generic assignment) is this part too.
                            None => {
                                for (j, f) in sink.findings.iter().enumerate().skip(first) {
                                    if j != pi
                                        && gone[j].is_none()
                                        && overlaps(f.offset, found.span)
                                    {
                                        gone[j] = Some(primary.clone());
                                    }
                                }
                            }
                        }
                        parts.push(PairedPart {
                            name: part.name.clone(),
                            rule_id: part.rule.clone(),
                            secret: found.secret,
                            line: found.line,
                            column: found.column,
                        });
                    }
                    None if !part.optional && missing.is_none() => {
                        missing = Some(part.name.clone())
                    }
                    None => {}
                }
            }
            match missing {
                Some(part) if pair.required => gone[pi] = Some(Reason::PartMissing { part }),
                _ => sink.findings[pi].parts = parts,
            }
        }
        if gone.iter().all(Option::is_none) {
            return;
        }
        let tail: Vec<Finding> = sink.findings.split_off(first);
        for (f, why) in tail.into_iter().zip(gone.into_iter().skip(first)) {
            match why {
                None => sink.findings.push(f),
                Some(why) => sink.drop_finding(&f, why),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Engine, Reason, Sink, Target};
    use ferret_rules::RuleSet;

    const RULES: &str = r#"
[[rules]]
id = "demo-key-id"
description = "demo key id"
regex = '''\b(DKID[A-Z0-9]{12})\b'''
keywords = ["DKID"]
[rules.pair]
within_lines = 2
parts = [
  { name = "secret_key", rule = "demo-secret" },
  { name = "account", regex = '''account[ =:]+([0-9]{6})''' },
  { name = "region", regex = '''region[ =:]+([a-z]{2}-[0-9])''', optional = true },
]

[[rules]]
id = "demo-secret"
description = "demo secret"
regex = '''demo_secret[ =:]+([A-Za-z0-9]{20})'''
keywords = ["demo_secret"]
"#;

    /// Two made-up secrets, kept out of the source as literals (ferret scans itself).
    const S1: &str = concat!("Q7wE9rT1", "yU3iO5pA2sD4");
    const S2: &str = concat!("Z8xC6vB4", "nM2lK0jH9gF7");

    fn scan(rules: &str, text: &str) -> (Vec<crate::finding::Finding>, Vec<crate::Dropped>) {
        let text = &text.replace("S1", S1).replace("S2", S2);
        let mut set = RuleSet::only(rules);
        set.allowlist.regexes.push("^0+$".into());
        let e = Engine::new(&set).unwrap();
        e.compile_now(|_| true).unwrap();
        let mut sink = Sink::new(true);
        e.scan(&Target::path("creds.env"), text.as_bytes(), &mut sink);
        let drops = sink.take_drops();
        (sink.findings, drops)
    }

    #[test]
    fn a_primary_carries_its_nearest_parts_and_they_are_not_reported_alone() {
        let text = "\
demo_secret = S1
id = DKIDAAAABBBBCCCC
demo_secret = S2
account = 123456

far away
";
        let (found, drops) = scan(RULES, text);
        let ids: Vec<(&str, usize)> = found.iter().map(|f| (f.rule_id.as_str(), f.line)).collect();
        // The secret that was not taken as a part is still reported on its own.
        assert_eq!(ids, [("demo-secret", 1), ("demo-key-id", 2)]);
        let f = &found[1];
        let parts: Vec<(&str, &str, usize)> = f
            .parts
            .iter()
            .map(|p| (p.name.as_str(), p.secret.as_str(), p.line))
            .collect();
        // Both secrets are one line away: the one after the key id wins.
        assert_eq!(parts, [("secret_key", S2, 3), ("account", "123456", 4)]);
        assert_eq!(f.parts[0].rule_id.as_deref(), Some("demo-secret"));
        assert_eq!(f.parts[0].column, 15);
        // The paired secret is not reported on its own, and `--explain` says why.
        assert!(drops.iter().any(|d| d.rule_id == "demo-secret"
            && d.line == 3
            && d.reason
                == Reason::Paired {
                    primary: "demo-key-id".into(),
                    line: 2
                }));
    }

    #[test]
    fn parts_out_of_reach_are_not_paired_and_required_pairs_drop_the_primary() {
        let text = "id = DKIDAAAABBBBCCCC\n\n\n\ndemo_secret = S1\n";
        let (found, _) = scan(RULES, text);
        let ids: Vec<(&str, usize)> = found
            .iter()
            .map(|f| (f.rule_id.as_str(), f.parts.len()))
            .collect();
        assert_eq!(ids, [("demo-key-id", 0), ("demo-secret", 0)]);

        let required = RULES.replace("within_lines = 2", "within_lines = 2\nrequired = true");
        let (found, drops) = scan(&required, text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule_id, "demo-secret");
        assert!(drops.iter().any(|d| d.reason
            == Reason::PartMissing {
                part: "secret_key".into()
            }));
        // An optional part missing does not make a required pair incomplete.
        let (found, _) = scan(
            &required,
            "id = DKIDAAAABBBBCCCC account=654321 demo_secret: S1\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].parts.len(), 2);
    }

    #[test]
    fn two_credentials_in_one_file_each_take_their_own_parts() {
        let text = "\
[default]
id = DKIDAAAABBBBCCCC
demo_secret = S1
account = 111111
[prod]
id = DKIDDDDDEEEEFFFF
demo_secret = S2
account = 222222
";
        let (found, _) = scan(RULES, text);
        let got: Vec<Vec<&str>> = found
            .iter()
            .map(|f| f.parts.iter().map(|p| p.secret.as_str()).collect())
            .collect();
        assert_eq!(got, [vec![S1, "111111"], vec![S2, "222222"]]);
    }

    #[test]
    fn a_regex_part_never_takes_a_piece_of_another_rules_secret() {
        let token = r#"
[[rules]]
id = "demo-token"
description = "t"
regex = '''(tok:account=[0-9]{6}:end)'''
keywords = ["tok:"]
"#;
        let rules = format!("{RULES}{token}");
        let (found, _) = scan(
            &rules,
            "id = DKIDAAAABBBBCCCC\nx = tok:account=123456:end\n",
        );
        let ids: Vec<&str> = found.iter().map(|f| f.rule_id.as_str()).collect();
        assert_eq!(ids, ["demo-key-id", "demo-token"], "{found:?}");
        assert!(found[0].part("account").is_none());
        // The same digits standing alone are the part.
        let (found, _) = scan(&rules, "id = DKIDAAAABBBBCCCC\naccount=123456\n");
        assert_eq!(found[0].part("account").unwrap().secret, "123456");
    }

    #[test]
    fn placeholders_are_no_parts_and_bad_pairs_are_refused() {
        let (found, _) = scan(RULES, "id = DKIDAAAABBBBCCCC\naccount = 000000\n");
        assert!(found[0].part("account").is_none(), "{:?}", found[0].parts);
        for (bad, why) in [
            ("{ name = \"x\", rule = \"nope\" }", "not in the rule set"),
            ("{ name = \"x\" }", "exactly one of"),
            ("{ name = \"Bad-Name\", regex = \"a\" }", "lowercase"),
            ("{ name = \"x\", rule = \"demo-key-id\" }", "its own rule"),
        ] {
            let text = RULES.replace(
                "{ name = \"secret_key\", rule = \"demo-secret\" },",
                &format!("{bad},"),
            );
            let err = Engine::new(&RuleSet::only(&text))
                .err()
                .expect(why)
                .to_string();
            assert!(err.contains(why), "{err}");
        }
    }
}
