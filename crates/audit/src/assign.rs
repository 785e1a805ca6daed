//! Secrets no rule knows: a random-looking value assigned to a name that says it is a
//! secret (`DB_PASSWORD=…`, `jwtSecret: …`, `"client_secret": "…"`). Used only where a
//! value's mere presence is the problem (templates) or where the same value turning up
//! twice is (one password shared by staging and production), and only in settings files.
use super::names::{file_name, words};
use ferret_engine::entropy::shannon;
use regex::bytes::Regex;
use std::sync::LazyLock;

/// One `name = value` with a secret-like name and a random-looking value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    /// Byte span of the value.
    pub start: usize,
    pub end: usize,
}

static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?m)^[ \t]*(?:export[ \t]+|-[ \t]+)?["']?([A-Za-z_][A-Za-z0-9_.\-]{0,80})["']?[ \t]*[:=][ \t]*["']?([A-Za-z0-9+/=_\-.~]{16,512})["']?[ \t]*,?[ \t]*(?:#.*)?\r?$"#,
    )
    .expect("assignment regex")
});

const SETTINGS_EXTENSIONS: &[&str] = &[
    "env",
    "yml",
    "yaml",
    "json",
    "toml",
    "ini",
    "cfg",
    "conf",
    "properties",
    "tfvars",
    "example",
    "sample",
    "template",
    "dist",
    "tmpl",
    "tpl",
];

/// Files where `name = value` lines are settings: dotenv files, YAML, JSON, TOML, INI,
/// properties, tfvars and their templates. Source code is left to the rules.
pub fn is_settings_file(path: &str) -> bool {
    let name = file_name(path).to_ascii_lowercase();
    if name.starts_with(".env") || name.ends_with(".env") {
        return true;
    }
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| SETTINGS_EXTENSIONS.contains(&ext))
}

/// Every secret-like assignment in `text`.
pub fn find(text: &[u8]) -> Vec<Assignment> {
    let mut out = Vec::new();
    for caps in ASSIGNMENT.captures_iter(text) {
        let (Some(name), Some(value)) = (caps.get(1), caps.get(2)) else {
            continue;
        };
        let name_str = String::from_utf8_lossy(name.as_bytes());
        if !secret_like_name(&name_str) || !random_looking(value.as_bytes()) {
            continue;
        }
        out.push(Assignment {
            name: name_str.into_owned(),
            start: value.start(),
            end: value.end(),
        });
    }
    out
}

/// Last words that make a name about a secret rather than a secret (`TOKEN_URL`,
/// `SECRET_NAME`, `API_KEY_FILE`).
const NOT_A_SECRET: &[&str] = &[
    "url", "uri", "path", "file", "name", "id", "endpoint", "type", "ttl", "expiry", "expires",
    "length", "size", "header", "env", "enabled", "version", "region", "host", "user", "username",
    "dir", "mode", "email", "arn", "ref",
];

/// Names that say "secret": password, token, secret, API key, credentials, `…_KEY`.
pub fn secret_like_name(name: &str) -> bool {
    let w = words(name);
    let Some(last) = w.last() else { return false };
    if NOT_A_SECRET.contains(&last.as_str()) {
        return false;
    }
    // Public halves are meant to be shared (reCAPTCHA site keys, publishable keys).
    if w.iter()
        .any(|x| matches!(x.as_str(), "public" | "publishable" | "pub" | "site"))
    {
        return false;
    }
    let joined = w.concat();
    let contains = [
        "secret",
        "token",
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "apikey",
        "accesskey",
        "privatekey",
        "credential",
    ];
    contains.iter().any(|k| joined.contains(k))
        || last == "key"
        || w.iter().any(|x| x == "auth" || x == "authorization")
}

/// Words people put in a slot they mean to be filled in.
const PLACEHOLDERS: &[&str] = &[
    "example",
    "sample",
    "your",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "dummy",
    "redacted",
    "replace",
    "insert",
    "fake",
    "xxxx",
    "todo",
    "here",
    "12345678",
    "abcdefgh",
    "qwerty",
];

/// Long, mixed letters and digits, not a placeholder, not a path: what a generated secret
/// looks like.
pub fn random_looking(v: &[u8]) -> bool {
    if v.len() < 16 {
        return false;
    }
    let has_digit = v.iter().any(u8::is_ascii_digit);
    let has_alpha = v.iter().any(u8::is_ascii_alphabetic);
    if !has_digit || !has_alpha {
        return false;
    }
    if v.starts_with(b"/") || v.starts_with(b"./") || v.starts_with(b"~/") {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    let file_like = [
        ".pem", ".key", ".json", ".crt", ".p12", ".txt", ".yml", ".yaml",
    ];
    if file_like.iter().any(|e| lower.ends_with(e.as_bytes())) {
        return false;
    }
    if PLACEHOLDERS
        .iter()
        .any(|p| memchr::memmem::find(&lower, p.as_bytes()).is_some())
    {
        return false;
    }
    if lower.windows(6).any(|w| w.iter().all(|&b| b == w[0])) {
        return false;
    }
    shannon(v) >= 3.5
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_rules::synth::{Rng, ALNUM};

    fn value(seed: &str) -> String {
        Rng::from_str_seed(seed).string(ALNUM, 32)
    }

    #[test]
    fn finds_secret_assignments_in_settings_syntaxes() {
        let v = value("assign");
        for line in [
            format!("DB_PASSWORD={v}"),
            format!("export JWT_SECRET=\"{v}\""),
            format!("  apiKey: {v}"),
            format!("  \"client_secret\": \"{v}\","),
            format!("signing_key = '{v}'  # rotated"),
            format!("- auth_token: {v}"),
        ] {
            let found = find(line.as_bytes());
            assert_eq!(found.len(), 1, "{line}");
            assert_eq!(&line[found[0].start..found[0].end], v, "{line}");
        }
    }

    #[test]
    fn leaves_placeholders_references_and_non_secrets_alone() {
        let v = value("assign-neg");
        for line in [
            "DB_PASSWORD=your-database-password-here".to_string(),
            "API_KEY=${API_KEY}".to_string(),
            "JWT_SECRET=changeme-changeme-123".to_string(),
            format!("TOKEN_URL={v}"),
            format!("SECRET_NAME={v}"),
            format!("LOG_LEVEL={v}"),
            "API_KEY=xxxxxxxxxxxxxxxxxxxxxxxx".to_string(),
            "SSL_KEY=/etc/ssl/private/server01.key".to_string(),
            "AUTH_SECRET=abcdefghijklmnopqrst".to_string(),
        ] {
            assert!(find(line.as_bytes()).is_empty(), "{line}");
        }
    }

    #[test]
    fn names() {
        assert!(secret_like_name("STRIPE_KEY"));
        assert!(secret_like_name("dbPassword"));
        assert!(secret_like_name("Authorization"));
        assert!(!secret_like_name("author"));
        assert!(!secret_like_name("monkey"));
        assert!(!secret_like_name("API_KEY_ID"));
        assert!(!secret_like_name("RECAPTCHA_SITE_KEY"));
        assert!(!secret_like_name("stripePublishableKey"));
    }

    #[test]
    fn settings_files() {
        assert!(is_settings_file(".env.production"));
        assert!(is_settings_file("config/prod.yml"));
        assert!(is_settings_file(".env.example"));
        assert!(is_settings_file("config.sample"));
        assert!(!is_settings_file("src/app.py"));
    }
}
