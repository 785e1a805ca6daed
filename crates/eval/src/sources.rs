//! Format-correct secret values, made from each built-in rule's own examples: the examples
//! are the rule author's statement of what the provider's tokens look like, and their
//! `{{alnum:40}}`-style generators give fresh random values on every expansion.
use ferret_rules::compile_regex;
use ferret_rules::synth::{expand, Rng};
use regex::bytes::Regex;

/// One built-in rule, as a source of planted secrets.
pub(crate) struct Source {
    pub id: String,
    /// The rules file's name without `.toml`: the provider family.
    pub family: String,
    pub examples: Vec<String>,
    regex: Regex,
    /// The example whose secret stands on its own (a prefix the rule knows without any
    /// surrounding name), if there is one: such tokens can be planted in any context.
    token_example: Option<usize>,
    /// A variable name the provider's docs would use (`TOPO_API_KEY`).
    pub var: String,
}

impl Source {
    /// Every built-in rule, in file order.
    pub fn all() -> Vec<Source> {
        let mut out = Vec::new();
        for (name, file) in ferret_rules::load_dir(&crate::rules_dir()).unwrap_or_default() {
            let family = name.trim_end_matches(".toml").to_string();
            for rule in file.rules {
                let Ok(regex) = compile_regex(&rule.regex) else {
                    continue;
                };
                let mut src = Source {
                    var: var_name(&rule.id, &rule.examples),
                    id: rule.id,
                    family: family.clone(),
                    examples: rule.examples,
                    regex,
                    token_example: None,
                };
                src.token_example =
                    (0..src.examples.len()).find(|&i| src.stands_alone(i, &rule.keywords));
                out.push(src);
            }
        }
        out
    }

    /// Whether example `i`'s secret is recognisable with no context: it holds one of the
    /// rule's keywords, sits on one line, and the rule matches it alone.
    fn stands_alone(&self, i: usize, keywords: &[String]) -> bool {
        let mut rng = Rng::from_str_seed(&self.id);
        let Some(secret) = expand(&self.examples[i], &mut rng)
            .ok()
            .and_then(|t| self.secret_in(&t))
        else {
            return false;
        };
        let lower = secret.to_ascii_lowercase();
        !secret.contains(['\n', ' ', '"', '\''])
            && keywords
                .iter()
                .any(|k| lower.contains(&k.to_ascii_lowercase()))
            && self.secret_in(&format!(" {secret} ")).as_deref() == Some(secret.as_str())
    }

    pub fn is_token(&self) -> bool {
        self.token_example.is_some()
    }

    /// Example `i` with fresh random values.
    pub fn example(&self, i: usize, rng: &mut Rng) -> String {
        expand(&self.examples[i], rng).unwrap_or_else(|_| self.examples[i].clone())
    }

    /// A fresh token on its own (for rules whose secrets stand alone).
    pub fn token(&self, rng: &mut Rng) -> Option<String> {
        let i = self.token_example?;
        let text = self.example(i, rng);
        self.secret_in(&text)
    }

    /// The secret the rule's regex captures in `text`: the `secret` group, else the first
    /// group that took part, else the whole match (as the engine picks it).
    fn secret_in(&self, text: &str) -> Option<String> {
        let caps = self.regex.captures(text.as_bytes())?;
        let m = caps
            .name("secret")
            .or_else(|| (1..caps.len()).find_map(|g| caps.get(g)))
            .or_else(|| caps.get(0))?;
        Some(String::from_utf8_lossy(m.as_bytes()).into_owned())
    }
}

/// `NAME` from an example written as `NAME=value` or `export NAME=value`, else the rule
/// id in upper snake case.
fn var_name(id: &str, examples: &[String]) -> String {
    for e in examples {
        let e = e.strip_prefix("export ").unwrap_or(e);
        if let Some((name, _)) = e.split_once('=') {
            if name.len() >= 3
                && name.starts_with(|c: char| c.is_ascii_uppercase())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            {
                return name.to_string();
            }
        }
    }
    id.to_ascii_uppercase().replace('-', "_")
}

/// `TOPO_API_KEY` → `topoApiKey`.
pub(crate) fn camel(var: &str) -> String {
    let mut out = String::new();
    for (i, part) in var.split('_').filter(|p| !p.is_empty()).enumerate() {
        let lower = part.to_ascii_lowercase();
        if i == 0 {
            out.push_str(&lower);
        } else {
            let mut c = lower.chars();
            if let Some(f) = c.next() {
                out.push(f.to_ascii_uppercase());
                out.extend(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_a_source_and_prefixed_tokens_stand_alone() {
        let all = Source::all();
        assert_eq!(
            all.len(),
            ferret_rules::RuleSet::from_dir(&crate::rules_dir())
                .unwrap()
                .rules
                .len()
        );
        let topo = all.iter().find(|s| s.id == "topo-api-key").unwrap();
        assert!(topo.is_token());
        assert_eq!(topo.var, "TOPO_API_KEY");
        let mut rng = Rng::new(1);
        let t = topo.token(&mut rng).unwrap();
        assert!(t.starts_with("topo_") && t.len() > 30);
        let generic = all
            .iter()
            .find(|s| s.id == "generic-password-assignment")
            .unwrap();
        assert!(!generic.is_token());
        assert_eq!(camel("TOPO_API_KEY"), "topoApiKey");
    }
}
