//! Where in a settings file a value stands: the key it is assigned to and the sections
//! around it (`production:` → `stripe:` → `secret_key:`), so that one YAML or JSON file
//! with `staging` and `production` sections counts as two environments. Line-based and
//! forgiving: it reads YAML by indentation, JSON by brackets, TOML and INI by `[headers]`,
//! and never fails; a file it cannot follow just yields fewer names.
use super::names::{file_name, Env};

/// The names around one offset.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// The key the value is assigned to (`PROD_API_KEY`, `secret_key`).
    pub key: Option<String>,
    /// Enclosing sections, innermost first.
    pub sections: Vec<String>,
}

/// How a place names its environment, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Naming {
    /// The key says it: `STRIPE_KEY_LIVE`.
    Key(String),
    /// An enclosing section says it: `production:`.
    Section(String),
    /// The file or a folder says it: `.env.staging`, `deploy/prod/`.
    Path,
}

impl Context {
    /// The environment this place belongs to: its key, else its sections from the
    /// innermost out, else the path (the most specific evidence wins).
    pub fn env(&self, path_env: Option<Env>) -> Option<(Env, Naming)> {
        if let Some(k) = &self.key {
            if let Some(e) = Env::named_in(k) {
                return Some((e, Naming::Key(k.clone())));
            }
        }
        for s in &self.sections {
            if let Some(e) = Env::named_in(s) {
                return Some((e, Naming::Section(s.clone())));
            }
        }
        path_env.map(|e| (e, Naming::Path))
    }
}

/// The key and sections around byte `offset` of `text`, read according to `path`'s syntax.
pub fn context(path: &str, text: &[u8], offset: usize) -> Context {
    let offset = offset.min(text.len());
    let name = file_name(path).to_ascii_lowercase();
    let ext = name.rsplit('.').find(|e| {
        matches!(
            *e,
            "json" | "yml" | "yaml" | "toml" | "ini" | "cfg" | "conf" | "properties"
        )
    });
    match ext {
        Some("json") => json(text, offset),
        Some("yml" | "yaml") => Context {
            key: line_key(text, offset),
            sections: yaml_sections(text, offset),
        },
        Some("toml" | "ini" | "cfg" | "conf") => Context {
            key: line_key(text, offset),
            sections: header_sections(text, offset),
        },
        _ => Context {
            key: line_key(text, offset),
            sections: Vec::new(),
        },
    }
}

fn line_start(text: &[u8], offset: usize) -> usize {
    memchr::memrchr(b'\n', &text[..offset]).map_or(0, |i| i + 1)
}

/// The key of a `key = value` / `key: value` line, when it comes before `offset`.
fn line_key(text: &[u8], offset: usize) -> Option<String> {
    let start = line_start(text, offset);
    let line = std::str::from_utf8(&text[start..offset]).ok()?;
    key_of(line)
}

fn key_of(line: &str) -> Option<String> {
    let t = line.trim_start();
    let t = t.strip_prefix("export ").unwrap_or(t);
    let t = t.strip_prefix("- ").unwrap_or(t).trim_start();
    let end = t.find(['=', ':'])?;
    let key = t[..end].trim().trim_matches(|c| c == '"' || c == '\'');
    let ok = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '));
    ok.then(|| key.to_string())
}

fn indent(line: &[u8]) -> usize {
    line.iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()
}

/// YAML: walking up from the line of `offset`, each line indented less than everything
/// seen so far is an enclosing key.
fn yaml_sections(text: &[u8], offset: usize) -> Vec<String> {
    let start = line_start(text, offset);
    let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
    let mut min = indent(&text[start..end]);
    let mut out = Vec::new();
    let mut cursor = start;
    while min > 0 && cursor > 0 {
        let prev_end = cursor - 1;
        let prev_start = line_start(text, prev_end);
        cursor = prev_start;
        let line = &text[prev_start..prev_end];
        let body = line.trim_ascii();
        if body.is_empty() || body.starts_with(b"#") {
            continue;
        }
        let ind = indent(line);
        if ind < min {
            min = ind;
            if let Some(k) = std::str::from_utf8(line).ok().and_then(key_of) {
                out.push(k);
            }
        }
    }
    out
}

/// TOML and INI: the nearest `[section]` or `[a.b]` header above, innermost part first.
fn header_sections(text: &[u8], offset: usize) -> Vec<String> {
    let before = &text[..line_start(text, offset)];
    for line in before.rsplit(|&b| b == b'\n') {
        let t = line.trim_ascii();
        if t.starts_with(b"[") && t.ends_with(b"]") {
            let inner = String::from_utf8_lossy(t);
            let inner = inner.trim_start_matches('[').trim_end_matches(']');
            return inner
                .rsplit('.')
                .map(|s| s.trim().trim_matches('"').to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
    }
    Vec::new()
}

/// JSON: follow strings, colons and brackets up to `offset`; the keys of the open objects
/// are the sections, the key whose value holds `offset` is the key.
fn json(text: &[u8], offset: usize) -> Context {
    let mut stack: Vec<Option<String>> = Vec::new();
    let mut last_string: Option<String> = None;
    let mut pending: Option<String> = None;
    let mut in_string = false;
    let mut escaped = false;
    let mut buf: Vec<u8> = Vec::new();
    for &b in &text[..offset] {
        if in_string {
            if escaped {
                escaped = false;
                buf.push(b);
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                last_string = Some(String::from_utf8_lossy(&buf).into_owned());
            } else {
                buf.push(b);
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                buf.clear();
            }
            b':' => pending = last_string.take(),
            b'{' | b'[' => stack.push(pending.take()),
            b'}' | b']' => {
                stack.pop();
                pending = None;
            }
            b',' => pending = None,
            _ => {}
        }
    }
    Context {
        key: pending,
        sections: stack.into_iter().rev().flatten().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(path: &str, text: &str, needle: &str) -> Context {
        context(path, text.as_bytes(), text.find(needle).expect("needle"))
    }

    #[test]
    fn yaml_sections_by_indentation() {
        let y = "defaults:\n  region: eu\nstaging:\n  stripe:\n    # the key\n    secret_key: VALUE\nproduction:\n  stripe:\n    secret_key: OTHER\n";
        let c = at("config/app.yml", y, "VALUE");
        assert_eq!(c.key.as_deref(), Some("secret_key"));
        assert_eq!(c.sections, ["stripe", "staging"]);
        assert_eq!(c.env(None).unwrap().0, Env::Staging);
        let c = at("config/app.yml", y, "OTHER");
        assert_eq!(c.env(None).unwrap().0, Env::Production);
    }

    #[test]
    fn json_sections_by_brackets() {
        let j =
            r#"{"environments": {"prod": {"api": {"token": "VALUE"}}, "dev": {"token": "OTHER"}}}"#;
        let c = at("settings.json", j, "VALUE");
        assert_eq!(c.key.as_deref(), Some("token"));
        assert_eq!(c.sections, ["api", "prod", "environments"]);
        let c = at("settings.json", j, "OTHER");
        assert_eq!(
            c.env(None).unwrap(),
            (Env::Development, Naming::Section("dev".into()))
        );
    }

    #[test]
    fn toml_headers_and_env_keys() {
        let t = "[database]\nhost = \"x\"\n[production.stripe]\nkey = \"VALUE\"\n";
        let c = at("app.toml", t, "VALUE");
        assert_eq!(c.sections, ["stripe", "production"]);
        let e = "export STRIPE_KEY_LIVE=VALUE\n";
        let c = at(".env", e, "VALUE");
        assert_eq!(
            c.env(Some(Env::Development)).unwrap(),
            (Env::Production, Naming::Key("STRIPE_KEY_LIVE".into())),
            "the key is more specific than the path"
        );
    }

    #[test]
    fn path_is_the_fallback() {
        let c = at(".env.staging", "API_KEY=VALUE\n", "VALUE");
        assert_eq!(
            c.env(Some(Env::Staging)),
            Some((Env::Staging, Naming::Path))
        );
        assert_eq!(c.env(None), None);
    }
}
