//! gitleaks configs, translated into ferret's rule model, so that a team brings its
//! `.gitleaks.toml` as it is and gets the findings gitleaks gave it.
//!
//! Every translated rule has [`Semantics::Gitleaks`]: the engine matches it the way
//! gitleaks 8 does (see that variant). The translation follows gitleaks' own loader
//! (`config.ViperConfig.Translate`): keys are case-insensitive, keywords are lowercased,
//! `[rules.allowlist]` is the older spelling of one `[[rules.allowlists]]`, `[allowlist]`
//! of one `[[allowlists]]`, an allowlist with `targetRules` is added to those rules,
//! `[extend] path` merges another gitleaks config underneath (rules with the same id are
//! merged field by field), and `[extend] useDefault = true` keeps ferret's built-in rules
//! (gitleaks' own defaults are gitleaks' data; ferret ships its own).
//!
//! Composite rules (`[[rules.required]]`, `skipReport`) are translated too. Ignored, as
//! gitleaks ignores them: `minVersion` and `[extend] url`.
use super::{
    Allowlist, Condition, Extend, RegexTarget, Required, Rule, RulesFile, Semantics, Severity,
};
use crate::{safe, Error, Files, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// The config file gitleaks looks for at the root of a scan; ferret reads it when there is
/// no `.ferret.toml`.
pub const FILE_NAME: &str = ".gitleaks.toml";

/// How many `[extend] path` hops are followed; gitleaks stops at two as well.
const MAX_EXTEND_DEPTH: usize = 2;

const TOP_KEYS: &[&str] = &[
    "title",
    "description",
    "minversion",
    "extend",
    "rules",
    "allowlist",
    "allowlists",
];
const EXTEND_KEYS: &[&str] = &["path", "url", "usedefault", "disabledrules"];
const RULE_KEYS: &[&str] = &[
    "id",
    "description",
    "path",
    "regex",
    "secretgroup",
    "entropy",
    "keywords",
    "tags",
    "allowlist",
    "allowlists",
    "required",
    "skipreport",
];
const REQUIRED_KEYS: &[&str] = &["id", "withinlines", "withincolumns"];
const ALLOWLIST_KEYS: &[&str] = &[
    "description",
    "condition",
    "commits",
    "paths",
    "regextarget",
    "regexes",
    "stopwords",
    "targetrules",
];

/// True when the file's name says it is a gitleaks config (`.gitleaks.toml`,
/// `gitleaks.toml`, `ci-gitleaks.toml`, ...).
pub fn named_like(path: &Path) -> bool {
    path.file_name().is_some_and(|n| {
        n.to_string_lossy()
            .to_ascii_lowercase()
            .contains("gitleaks")
    })
}

/// Translates the gitleaks config at `path` (its text already read). Unknown keys are
/// ignored, as gitleaks ignores them.
pub fn translate(path: &Path, text: &str) -> Result<RulesFile> {
    translate_with(path, text, &crate::Disk)
}

/// [`translate`], reading any `[extend] path` through `files`.
pub fn translate_with(path: &Path, text: &str, files: &dyn Files) -> Result<RulesFile> {
    let mut unknown = Vec::new();
    translate_checked(path, text, files, &mut unknown)
}

/// Translates `text` only if it is a valid gitleaks config that uses no key gitleaks does
/// not know: how a config whose name does not say what it is gets recognised, without
/// taking a mistyped ferret config for a gitleaks one.
pub fn translate_strict(path: &Path, text: &str) -> Option<RulesFile> {
    translate_strict_with(path, text, &crate::Disk)
}

/// [`translate_strict`], reading any `[extend] path` through `files`.
pub fn translate_strict_with(path: &Path, text: &str, files: &dyn Files) -> Option<RulesFile> {
    let mut unknown = Vec::new();
    let file = translate_checked(path, text, files, &mut unknown).ok()?;
    unknown.is_empty().then_some(file)
}

fn translate_checked(
    path: &Path,
    text: &str,
    files: &dyn Files,
    unknown: &mut Vec<String>,
) -> Result<RulesFile> {
    let err = |message: String| Error::Config {
        path: path.to_path_buf(),
        message,
    };
    let config = parse(path, text, 0, files, unknown)?;
    let GlConfig {
        title,
        extend,
        mut rules,
        allowlists,
        targeted,
    } = config;
    for (i, r) in rules.iter().enumerate() {
        // The rule's description and regex are not quoted: a config's text may hold a
        // secret (see `safe`).
        if r.id.trim().is_empty() {
            return Err(err(format!("rule |id| is missing or empty (rules[{i}])")));
        }
        if r.regex.is_empty() && r.path.is_none() {
            return Err(err(format!(
                "rule {}: both |regex| and |path| are empty, this rule will have no effect",
                safe::id(&r.id)
            )));
        }
    }
    for r in &rules {
        if let Some(q) = r
            .required
            .iter()
            .find(|q| !rules.iter().any(|x| x.id == q.id))
        {
            return Err(err(format!(
                "rule {}: [[rules.required]] rule ID '{}' does not exist",
                safe::id(&r.id),
                safe::id(&q.id)
            )));
        }
    }
    for (id, allowlist) in targeted {
        match rules.iter_mut().find(|r| r.id == id) {
            Some(r) => r.allowlists.push(allowlist),
            None => {
                return Err(err(format!(
                    "[[allowlists]] target rule ID '{}' does not exist",
                    safe::id(&id)
                )))
            }
        }
    }
    let disabled_rules = if extend.use_default {
        extend.disabled
    } else {
        Vec::new()
    };
    Ok(RulesFile {
        title,
        extend: Some(Extend {
            use_default: extend.use_default,
            disabled_rules,
        }),
        allowlist: None,
        allowlists,
        rules: rules.into_iter().map(GlRule::into_rule).collect(),
        verify: None,
    })
}

/// One config file, with whatever it extends merged in.
struct GlConfig {
    title: Option<String>,
    extend: GlExtend,
    rules: Vec<GlRule>,
    allowlists: Vec<Allowlist>,
    /// Global allowlists with `targetRules`: added to those rules once all is merged.
    targeted: Vec<(String, Allowlist)>,
}

#[derive(Default)]
struct GlExtend {
    path: Option<String>,
    use_default: bool,
    disabled: Vec<String>,
}

struct GlRule {
    id: String,
    description: String,
    regex: String,
    path: Option<String>,
    secret_group: usize,
    entropy: f64,
    keywords: Vec<String>,
    tags: Vec<String>,
    allowlists: Vec<Allowlist>,
    required: Vec<Required>,
    skip_report: bool,
}

impl GlRule {
    fn into_rule(self) -> Rule {
        Rule {
            id: self.id,
            description: self.description,
            regex: self.regex,
            path: self.path,
            secret_group: (self.secret_group > 0).then_some(self.secret_group),
            keywords: self.keywords,
            entropy: (self.entropy != 0.0).then_some(self.entropy),
            window_lines: None,
            max_length: None,
            checksum: None,
            severity: Severity::High,
            confidence: None,
            tags: self.tags,
            remediation: None,
            priority: None,
            allowlist: Allowlist::default(),
            allowlists: self.allowlists,
            semantics: Semantics::Gitleaks,
            from_config: true,
            required: self.required,
            skip_report: self.skip_report,
            examples: Vec::new(),
            negative_examples: Vec::new(),
            verify: None,
            pair: None,
        }
    }

    /// gitleaks' merge of a rule from the extending config (`self`) onto the rule with
    /// the same id in the extended one (`base`): set fields win, lists are appended; like
    /// gitleaks, the base keeps its own `required` and `skipReport`.
    fn merged_onto(self, mut base: GlRule) -> GlRule {
        if !self.description.is_empty() {
            base.description = self.description;
        }
        if self.entropy != 0.0 {
            base.entropy = self.entropy;
        }
        if self.secret_group != 0 {
            base.secret_group = self.secret_group;
        }
        if !self.regex.is_empty() {
            base.regex = self.regex;
        }
        if self.path.is_some() {
            base.path = self.path;
        }
        base.tags.extend(self.tags);
        base.keywords.extend(self.keywords);
        base.allowlists.extend(self.allowlists);
        base
    }
}

fn parse(
    path: &Path,
    text: &str,
    depth: usize,
    files: &dyn Files,
    unknown: &mut Vec<String>,
) -> Result<GlConfig> {
    let err = |message: String| Error::Config {
        path: path.to_path_buf(),
        message,
    };
    let value: Value = toml::from_str(text).map_err(|e| err(super::one_line(&e.to_string())))?;
    let Value::Table(top) = lowercase_keys(value) else {
        return Err(err("not a TOML table".into()));
    };
    let top = Fields::new(&top, "", TOP_KEYS, unknown);
    let title = top.string("title").map_err(&err)?;

    let mut rules: Vec<GlRule> = Vec::new();
    for (i, t) in top.tables("rules").map_err(&err)?.into_iter().enumerate() {
        let id = t
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_default();
        let name = if id.is_empty() {
            format!("rules[{i}]")
        } else {
            format!("rule {}", safe::id(&id))
        };
        let rule = parse_rule(&t, &name, unknown).map_err(&err)?;
        // A later definition of an id replaces the earlier one, as in gitleaks' rule map.
        match rules
            .iter()
            .position(|r| r.id == rule.id && !rule.id.is_empty())
        {
            Some(at) => rules[at] = rule,
            None => rules.push(rule),
        }
    }

    let old = top.table("allowlist").map_err(&err)?;
    let new = top.tables("allowlists").map_err(&err)?;
    if old.is_some() && !new.is_empty() {
        return Err(err(
            "[allowlist] is deprecated, it cannot be used alongside [[allowlists]]".into(),
        ));
    }
    let mut allowlists = Vec::new();
    let mut targeted = Vec::new();
    for t in old.into_iter().chain(new) {
        let fields = Fields::new(&t, "[[allowlists]]", ALLOWLIST_KEYS, unknown);
        let allowlist = parse_allowlist(&fields).map_err(|m| err(format!("[[allowlists]] {m}")))?;
        let targets = fields.strings("targetrules").map_err(&err)?;
        if targets.is_empty() {
            allowlists.push(allowlist);
        } else {
            targeted.extend(targets.into_iter().map(|id| (id, allowlist.clone())));
        }
    }

    let extend = match top.table("extend").map_err(&err)? {
        None => GlExtend::default(),
        Some(t) => {
            let f = Fields::new(&t, "[extend]", EXTEND_KEYS, unknown);
            GlExtend {
                path: f.string("path").map_err(&err)?.filter(|p| !p.is_empty()),
                use_default: f.boolean("usedefault").map_err(&err)?.unwrap_or(false),
                disabled: f.strings("disabledrules").map_err(&err)?,
            }
        }
    };
    let mut config = GlConfig {
        title,
        extend,
        rules,
        allowlists,
        targeted,
    };
    if depth < MAX_EXTEND_DEPTH {
        if config.extend.path.is_some() && config.extend.use_default {
            return Err(err("[extend] path and useDefault cannot both be set".into()));
        }
        if let Some(p) = config.extend.path.clone() {
            let base_path = resolve(path, &p);
            let base_text = files.read(&base_path).map_err(|e| {
                err(format!(
                    "[extend] path {}: {}",
                    safe::quoted(&p),
                    match e {
                        Error::NotFound { .. } => "not found".to_string(),
                        Error::Io { source, .. } => source.to_string(),
                        Error::Config { message, .. } => message,
                        e => e.to_string(),
                    }
                ))
            })?;
            let base = parse(&base_path, &base_text, depth + 1, files, unknown)?;
            config.merge_base(base);
        }
    }
    Ok(config)
}

impl GlConfig {
    /// gitleaks' `Config.extend`: the extended config's rules are added, or merged under
    /// the rule with the same id, unless listed in `disabledRules`.
    fn merge_base(&mut self, base: GlConfig) {
        let mut by_id: HashMap<String, usize> = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        let mut current: Vec<Option<GlRule>> = std::mem::take(&mut self.rules)
            .into_iter()
            .map(Some)
            .collect();
        let mut merged = Vec::new();
        for rule in base.rules {
            if self.extend.disabled.contains(&rule.id) {
                continue;
            }
            match by_id.remove(&rule.id) {
                Some(i) => {
                    let own = current[i].take().expect("each id merged once");
                    merged.push(own.merged_onto(rule));
                }
                None => merged.push(rule),
            }
        }
        merged.extend(current.into_iter().flatten());
        self.rules = merged;
        self.allowlists.extend(base.allowlists);
        self.targeted.extend(base.targeted);
    }
}

/// An `[extend] path` is taken relative to the config that names it; gitleaks takes it
/// relative to the working directory, which is where that config usually is, so that is
/// tried when the first does not exist.
fn resolve(config: &Path, extended: &str) -> PathBuf {
    let p = Path::new(extended);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    let beside = config
        .parent()
        .map(|d| d.join(p))
        .unwrap_or_else(|| p.to_path_buf());
    if beside.exists() || !p.exists() {
        beside
    } else {
        p.to_path_buf()
    }
}

fn parse_rule(t: &Table, name: &str, unknown: &mut Vec<String>) -> Result<GlRule, String> {
    let f = Fields::new(t, name, RULE_KEYS, unknown);
    let mut required = Vec::new();
    for q in f.tables("required")? {
        let q = Fields::new(&q, name, REQUIRED_KEYS, unknown);
        let id = q.string("id")?.unwrap_or_default();
        if id.is_empty() {
            return Err(format!("{name}: [[rules.required]] rule ID is empty"));
        }
        let within = |key: &str| -> Result<Option<usize>, String> {
            match q.number(key)? {
                None => Ok(None),
                Some(n) if n >= 0.0 && n.fract() == 0.0 => Ok(Some(n as usize)),
                Some(n) => Err(format!(
                    "{name}: [[rules.required]] {key} {n} is not a count"
                )),
            }
        };
        required.push(Required {
            id,
            within_lines: within("withinlines")?,
            within_columns: within("withincolumns")?,
        });
    }
    let old = f.table("allowlist")?;
    let new = f.tables("allowlists")?;
    if old.is_some() && !new.is_empty() {
        return Err(format!(
            "{name}: [rules.allowlist] is deprecated, it cannot be used alongside [[rules.allowlists]]"
        ));
    }
    let mut allowlists = Vec::new();
    for a in old.into_iter().chain(new) {
        let fields = Fields::new(&a, name, ALLOWLIST_KEYS, unknown);
        allowlists.push(
            parse_allowlist(&fields).map_err(|m| format!("{name}: [[rules.allowlists]] {m}"))?,
        );
    }
    let secret_group = match f.number("secretgroup")? {
        None => 0,
        Some(n) if n >= 0.0 && n.fract() == 0.0 => n as usize,
        Some(n) => return Err(format!("{name}: secretGroup {n} is not a group number")),
    };
    Ok(GlRule {
        id: f.string("id")?.unwrap_or_default(),
        description: f.string("description")?.unwrap_or_default(),
        regex: go_regex(&f.string("regex")?.unwrap_or_default()),
        path: f
            .string("path")?
            .filter(|p| !p.is_empty())
            .map(|p| go_regex(&p)),
        secret_group,
        entropy: f.number("entropy")?.unwrap_or(0.0),
        keywords: f
            .strings("keywords")?
            .into_iter()
            .map(|k| k.to_lowercase())
            .filter(|k| !k.is_empty())
            .collect(),
        tags: f.strings("tags")?,
        allowlists,
        required,
        skip_report: f.boolean("skipreport")?.unwrap_or(false),
    })
}

fn parse_allowlist(f: &Fields<'_>) -> Result<Allowlist, String> {
    let condition = f.string("condition")?.unwrap_or_default();
    let condition = match condition.to_ascii_uppercase().as_str() {
        "AND" | "&&" => Condition::And,
        "" | "OR" | "||" => Condition::Or,
        _ => {
            return Err(format!(
                "unknown allowlist |condition| '{condition}' (expected 'and', 'or')"
            ))
        }
    };
    let target = f.string("regextarget")?.unwrap_or_default();
    let regex_target = match target.as_str() {
        "" | "secret" => RegexTarget::Secret,
        "match" => RegexTarget::Match,
        "line" => RegexTarget::Line,
        _ => {
            return Err(format!(
                "unknown allowlist |regexTarget| '{target}' (expected 'match', 'line')"
            ))
        }
    };
    let allowlist = Allowlist {
        regexes: f.strings("regexes")?.iter().map(|r| go_regex(r)).collect(),
        regex_target,
        line_regexes: Vec::new(),
        paths: f.strings("paths")?.iter().map(|r| go_regex(r)).collect(),
        stopwords: f.strings("stopwords")?,
        commits: f
            .strings("commits")?
            .into_iter()
            .map(|c| c.trim().to_ascii_lowercase())
            .collect(),
        condition,
    };
    if allowlist.is_empty() {
        return Err(
            "must contain at least one check for: commits, paths, regexes, or stopwords".into(),
        );
    }
    Ok(allowlist)
}

/// gitleaks' regexes are Go RE2. Rust's regex syntax is nearly the same; this rewrites
/// the few spellings the two read differently: a `{` that does not start a repetition
/// (`{\d+}`), `[` inside a class, and `&&`, `~~`, `--` inside a class are literals in Go;
/// `\<` and `\>` are literal characters in Go, word boundaries in Rust; Go has octal
/// escapes (`\101`) and `\Q...\E` quoting, Rust has neither.
pub fn go_regex(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\\' => match next {
                None => {
                    out.push('\\');
                    i += 1;
                }
                Some('Q') => {
                    let mut j = i + 2;
                    while j < chars.len() && !(chars[j] == '\\' && chars.get(j + 1) == Some(&'E')) {
                        push_literal(&mut out, chars[j]);
                        j += 1;
                    }
                    i = (j + 2).min(chars.len().max(j));
                }
                Some('<') | Some('>') => {
                    out.push(next.unwrap_or_default());
                    i += 2;
                }
                Some(d @ '0'..='7') => {
                    // Go: `\0` starts an octal escape, `\1`..`\7` only with another digit.
                    let digits: String = chars[i + 1..]
                        .iter()
                        .take(3)
                        .take_while(|c| ('0'..='7').contains(c))
                        .collect();
                    if d != '0' && digits.len() < 2 {
                        out.push('\\');
                        out.push(d);
                        i += 2;
                    } else {
                        let v = u32::from_str_radix(&digits, 8).unwrap_or(0);
                        out.push_str(&format!("\\x{{{v:x}}}"));
                        i += 1 + digits.len();
                    }
                }
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                    i += 2;
                }
            },
            '[' if in_class => {
                if next == Some(':') {
                    // A POSIX class, `[:alpha:]`: copied as is.
                    let end = (i + 2..chars.len().saturating_sub(1))
                        .find(|&j| chars[j] == ':' && chars[j + 1] == ']');
                    match end {
                        Some(e) => {
                            out.extend(&chars[i..e + 2]);
                            i = e + 2;
                        }
                        None => {
                            out.push_str("\\[");
                            i += 1;
                        }
                    }
                } else {
                    out.push_str("\\[");
                    i += 1;
                }
            }
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
                i += 1;
            }
            '&' | '~' | '-' if in_class && next == Some(c) => {
                out.push(c);
                out.push('\\');
                out.push(c);
                i += 2;
            }
            '{' if !in_class && !is_repetition(&chars[i..]) => {
                out.push_str("\\{");
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// `{n}`, `{n,}` or `{n,m}` at the start of `s`: what Go reads as a repetition.
fn is_repetition(s: &[char]) -> bool {
    let Some(close) = s.iter().position(|&c| c == '}') else {
        return false;
    };
    let inner: String = s[1..close].iter().collect();
    let (lo, hi) = match inner.split_once(',') {
        Some((lo, hi)) => (lo, Some(hi)),
        None => (inner.as_str(), None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    digits(lo) && hi.is_none_or(|h| h.is_empty() || digits(h))
}

fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_punctuation() {
        out.push('\\');
    }
    out.push(c);
}

/// gitleaks reads its config through viper, which ignores the case of keys.
fn lowercase_keys(v: Value) -> Value {
    match v {
        Value::Table(t) => Value::Table(
            t.into_iter()
                .map(|(k, v)| (k.to_lowercase(), lowercase_keys(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(lowercase_keys).collect()),
        other => other,
    }
}

/// Typed, lenient access to one table (viper converts between scalar types and takes a
/// single string for a list, so this does too); type errors name the table.
struct Fields<'a> {
    t: &'a Table,
    name: &'a str,
}

impl<'a> Fields<'a> {
    fn new(t: &'a Table, name: &'a str, known: &[&str], unknown: &mut Vec<String>) -> Self {
        unknown.extend(
            t.keys()
                .filter(|k| !known.contains(&k.as_str()))
                .map(|k| format!("{name} {k}")),
        );
        Fields { t, name }
    }

    fn wrong(&self, key: &str, want: &str) -> String {
        let at = if self.name.is_empty() {
            String::new()
        } else {
            format!("{}: ", self.name)
        };
        format!("{at}{key} must be {want}")
    }

    fn string(&self, key: &str) -> Result<Option<String>, String> {
        match self.t.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Integer(i)) => Ok(Some(i.to_string())),
            Some(Value::Float(f)) => Ok(Some(f.to_string())),
            Some(Value::Boolean(b)) => Ok(Some(b.to_string())),
            Some(_) => Err(self.wrong(key, "a string")),
        }
    }

    fn strings(&self, key: &str) -> Result<Vec<String>, String> {
        match self.t.get(key) {
            None => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(self.wrong(key, "a list of strings")),
                })
                .collect(),
            Some(_) => Err(self.wrong(key, "a list of strings")),
        }
    }

    fn number(&self, key: &str) -> Result<Option<f64>, String> {
        match self.t.get(key) {
            None => Ok(None),
            Some(Value::Integer(i)) => Ok(Some(*i as f64)),
            Some(Value::Float(f)) => Ok(Some(*f)),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| self.wrong(key, "a number")),
            Some(_) => Err(self.wrong(key, "a number")),
        }
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, String> {
        match self.t.get(key) {
            None => Ok(None),
            Some(Value::Boolean(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" | "" => Ok(Some(false)),
                _ => Err(self.wrong(key, "true or false")),
            },
            Some(Value::Integer(i)) => Ok(Some(*i != 0)),
            Some(_) => Err(self.wrong(key, "true or false")),
        }
    }

    fn table(&self, key: &str) -> Result<Option<Table>, String> {
        match self.t.get(key) {
            None => Ok(None),
            Some(Value::Table(t)) => Ok(Some(t.clone())),
            Some(_) => Err(self.wrong(key, "a table")),
        }
    }

    fn tables(&self, key: &str) -> Result<Vec<Table>, String> {
        match self.t.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Value::Table(t) => Ok(t.clone()),
                    _ => Err(self.wrong(key, "an array of tables")),
                })
                .collect(),
            Some(Value::Table(t)) => Ok(vec![t.clone()]),
            Some(_) => Err(self.wrong(key, "an array of tables")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tr(text: &str) -> Result<RulesFile> {
        translate(Path::new("/nowhere/.gitleaks.toml"), text)
    }

    #[test]
    fn keys_are_case_insensitive_and_keywords_lowercased() {
        let f = tr(r#"
            [[rules]]
            id = "r"
            REGEX = 'a(b)c'
            secretgroup = 1
            Keywords = ["ABC"]
            entropy = 2
            [[rules.allowlists]]
            regexTarget = "line"
            Condition = "and"
            regexes = ['x']
            paths = ['y']
        "#)
        .unwrap();
        let r = &f.rules[0];
        assert_eq!(r.regex, "a(b)c");
        assert_eq!(r.secret_group, Some(1));
        assert_eq!(r.keywords, vec!["abc"]);
        assert_eq!(r.entropy, Some(2.0));
        assert_eq!(r.semantics, Semantics::Gitleaks);
        assert_eq!(r.allowlists[0].regex_target, RegexTarget::Line);
        assert_eq!(r.allowlists[0].condition, Condition::And);
        assert!(!f.extend.unwrap().use_default);
    }

    #[test]
    fn old_and_new_allowlist_spellings_do_not_mix() {
        let e = tr(r#"
            [[rules]]
            id = "r"
            regex = 'x'
            [rules.allowlist]
            regexes = ['a']
            [[rules.allowlists]]
            regexes = ['b']
        "#)
        .unwrap_err()
        .to_string();
        assert!(e.contains("rule r") && e.contains("deprecated"), "{e}");
    }

    #[test]
    fn target_rules_reach_their_rule_and_must_exist() {
        let f = tr(r#"
            [[rules]]
            id = "r"
            regex = 'x'
            [[allowlists]]
            targetRules = ["r"]
            stopwords = ["s"]
        "#)
        .unwrap();
        assert!(f.allowlists.is_empty());
        assert_eq!(f.rules[0].allowlists[0].stopwords, vec!["s"]);
        let e = tr("[[allowlists]]\ntargetRules = [\"nope\"]\nstopwords = [\"s\"]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("'nope' does not exist"), "{e}");
    }

    #[test]
    fn go_regex_spellings_become_rust_ones() {
        let cases = [
            (r"^\$(?:\d+|{\d+})$", r"^\$(?:\d+|\{\d+})$"),
            (r"a{2,3}b{2}c{1,}", r"a{2,3}b{2}c{1,}"),
            (r"x{,3}", r"x\{,3}"),
            (r"[[a]", r"[\[a]"),
            (r"[[:alpha:]_]", r"[[:alpha:]_]"),
            (r"[]a]", r"[\]a]"),
            (r"[a&&b]", r"[a&\&b]"),
            (r"\<b\>", r"<b>"),
            (r"\101\0", r"\x{41}\x{0}"),
            (r"\Qa.b\E+", r"a\.b+"),
        ];
        for (go, rust) in cases {
            assert_eq!(go_regex(go), rust, "{go}");
            assert!(crate::compile_regex(rust).is_ok(), "{rust}");
        }
    }

    #[test]
    fn strict_translation_refuses_unknown_keys() {
        let p = Path::new("custom.toml");
        assert!(translate_strict(p, "[[rules]]\nid='r'\nregex='x'\nsecretGroup=0\n").is_some());
        assert!(translate_strict(p, "[[rules]]\nid='r'\nregex='x'\nseverity='low'\n").is_none());
    }
}
