//! What a path alone says about a file: a dotenv file, a template, a log, build output, a
//! credential store, or configuration for a named environment. Pure functions of the path
//! (forward slashes, relative to the audit root), so each rule is unit-tested here.

/// A deployment environment named by a path, a section or a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Env {
    Development,
    Test,
    Qa,
    Uat,
    Staging,
    Production,
}

impl Env {
    pub fn as_str(self) -> &'static str {
        match self {
            Env::Development => "development",
            Env::Test => "test",
            Env::Qa => "qa",
            Env::Uat => "uat",
            Env::Staging => "staging",
            Env::Production => "production",
        }
    }

    /// The environment a single word names (`prod`, `stage`, `live`…), if any.
    pub fn of_word(word: &str) -> Option<Env> {
        Some(match word {
            "dev" | "develop" | "development" => Env::Development,
            "test" | "testing" => Env::Test,
            "qa" => Env::Qa,
            "uat" => Env::Uat,
            "stage" | "staging" | "stg" | "preprod" => Env::Staging,
            "prod" | "production" | "prd" | "live" => Env::Production,
            _ => return None,
        })
    }

    /// The one environment `name` names: `None` when it names none, or two different
    /// ones (`prod_to_dev`), which is no evidence either way.
    pub fn named_in(name: &str) -> Option<Env> {
        let mut found = None;
        for w in words(name) {
            if let Some(e) = Env::of_word(&w) {
                match found {
                    None => found = Some(e),
                    Some(f) if f == e => {}
                    Some(_) => return None,
                }
            }
        }
        found
    }
}

/// Lowercase words of an identifier or file name: split at anything that is not a letter
/// or digit, and at lower-to-upper case changes (`prodApiKey` → prod, api, key).
pub fn words(s: &str) -> Vec<String> {
    ferret_engine::context::words(s)
}

/// The last path component.
pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The directory components, outermost first.
fn dirs(path: &str) -> impl Iterator<Item = &str> {
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    parts.into_iter().filter(|p| !p.is_empty() && *p != ".")
}

/// The environment a file's path names: the file name first, then its folders from the
/// innermost out (`config/prod.yml`, `.env.staging`, `deploy/production/values.yaml`).
pub fn env_of_path(path: &str) -> Option<Env> {
    if let Some(e) = Env::named_in(file_name(path)) {
        return Some(e);
    }
    let d: Vec<&str> = dirs(path).collect();
    d.iter().rev().find_map(|d| Env::named_in(d))
}

const TEMPLATE_WORDS: &[&str] = &["example", "sample", "template", "tmpl", "tpl", "dist"];

/// View templates share the words but hold markup, not settings.
const MARKUP_EXTENSIONS: &[&str] = &[
    "html",
    "htm",
    "hbs",
    "handlebars",
    "ejs",
    "njk",
    "liquid",
    "mustache",
    "vue",
    "svelte",
    "jsx",
    "tsx",
    "twig",
    "erb",
    "haml",
    "md",
    "rst",
];

/// A settings template meant to be committed and copied: `.env.example`, `example.env`,
/// `config.sample.json`, `settings.example.yml`, `wp-config-sample.php`, `.env.dist`.
pub fn is_template(path: &str) -> bool {
    let name = file_name(path).to_ascii_lowercase();
    let parts: Vec<&str> = name.split('.').filter(|p| !p.is_empty()).collect();
    if parts
        .last()
        .is_some_and(|ext| MARKUP_EXTENSIONS.contains(ext))
    {
        return false;
    }
    parts.iter().any(|p| {
        TEMPLATE_WORDS.iter().any(|w| {
            // A bare `template` or `example` file is not a settings template.
            (*p == *w && parts.len() > 1)
                || p.strip_suffix(w)
                    .is_some_and(|rest| rest.ends_with('-') || rest.ends_with('_'))
        })
    })
}

/// A dotenv file with real settings: `.env`, `.env.production`, `.env.local`,
/// `production.env`, but not templates and not dotenv-vault's encrypted `.env.vault`.
pub fn is_env_file(path: &str) -> bool {
    let name = file_name(path).to_ascii_lowercase();
    if is_template(path) || name == ".env.vault" {
        return false;
    }
    let code = [
        ".js", ".mjs", ".cjs", ".ts", ".py", ".rb", ".go", ".rs", ".java", ".json",
    ];
    if code.iter().any(|c| name.ends_with(c)) {
        return false;
    }
    name == ".env" || name.starts_with(".env.") || (name.ends_with(".env") && name.len() > 4)
}

/// A log file: `*.log`, rotated `*.log.1`, `nohup.out`, or anything under `logs/` or `log/`.
pub fn is_log(path: &str) -> bool {
    let name = file_name(path).to_ascii_lowercase();
    if name.ends_with(".log") || name == "nohup.out" {
        return true;
    }
    if let Some(i) = name.rfind(".log.") {
        let tail = &name[i + 5..];
        if tail.bytes().all(|b| b.is_ascii_digit()) || tail == "old" || tail == "bak" {
            return true;
        }
    }
    dirs(path).any(|d| d.eq_ignore_ascii_case("logs") || d.eq_ignore_ascii_case("log"))
}

const BUILD_DIRS: &[&str] = &[
    "dist",
    "build",
    "out",
    "target",
    ".next",
    ".nuxt",
    ".output",
    ".svelte-kit",
    "__pycache__",
    ".parcel-cache",
    ".turbo",
    ".vercel",
    ".serverless",
    ".aws-sam",
    "cdk.out",
    "_site",
    "storybook-static",
];

/// The build-output folder a file sits in (`dist`, `build`, `.next`, `target`…), if any.
pub fn build_dir(path: &str) -> Option<&str> {
    dirs(path).find(|d| BUILD_DIRS.iter().any(|b| d.eq_ignore_ascii_case(b)))
}

/// What makes a credential file worth reporting: its name alone, or its name plus a line
/// that proves it holds a credential (an `.npmrc` that only sets a registry is fine).
#[derive(Debug, Clone, Copy)]
pub enum Evidence {
    Name,
    /// A regex (bytes, multi-line) that must match a line of the file.
    Content(&'static str),
}

/// A kind of file that holds credentials by design.
#[derive(Debug, Clone, Copy)]
pub struct CredentialFile {
    /// For messages: "npm config with an auth token".
    pub what: &'static str,
    pub evidence: Evidence,
}

const PRIVATE_KEY: Evidence = Evidence::Content(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY");

/// The kind of credential file `path` names, if any.
pub fn credential_file(path: &str) -> Option<CredentialFile> {
    let lower = path.to_ascii_lowercase();
    let name = file_name(&lower);
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let parent = dirs(&lower).last().unwrap_or("");
    let kind = |what, evidence| Some(CredentialFile { what, evidence });
    if is_template(path) {
        return None;
    }
    match name {
        ".npmrc" => {
            return kind(
                "npm config with an auth token",
                Evidence::Content(r"(?m)(_authToken|_auth|_password)\s*=\s*[^\s$]"),
            )
        }
        ".pypirc" => {
            return kind(
                "PyPI config with a password",
                Evidence::Content(r"(?mi)^\s*password\s*[=:]\s*[^\s$]"),
            )
        }
        ".netrc" | "_netrc" => {
            return kind(
                "netrc with a password",
                Evidence::Content(r"(?m)\bpassword\s+\S"),
            )
        }
        ".git-credentials" => return kind("git credential store", Evidence::Name),
        ".pgpass" => return kind("PostgreSQL password file", Evidence::Name),
        ".htpasswd" => return kind("htpasswd file", Evidence::Name),
        ".vault-token" => return kind("Vault token file", Evidence::Name),
        ".s3cfg" => {
            return kind(
                "s3cmd config with a secret key",
                Evidence::Content(r"(?m)^\s*secret_key\s*=\s*\S"),
            )
        }
        "credentials" if parent == ".aws" => return kind("AWS credentials file", Evidence::Name),
        "config" if parent == ".kube" => {
            return kind(
                "kubeconfig with credentials",
                Evidence::Content(r"(?m)^\s*(client-key-data|token|password):\s*\S"),
            )
        }
        "config.json" if parent == ".docker" => {
            return kind(
                "Docker config with registry credentials",
                Evidence::Content(r#""auth"\s*:\s*"[^"]+""#),
            )
        }
        "credentials.json" | "application_default_credentials.json" => {
            return kind("cloud credentials file", Evidence::Name)
        }
        "master.key" => return kind("Rails master key", Evidence::Name),
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" => {
            return kind("SSH private key", Evidence::Name)
        }
        "terraform.tfstate" | "terraform.tfstate.backup" => {
            return kind(
                "Terraform state (holds secrets in plain text)",
                Evidence::Name,
            )
        }
        _ => {}
    }
    if name.starts_with("client_secret") && ext == "json" {
        return kind("OAuth client secret file", Evidence::Name);
    }
    match ext {
        "pem" | "key" => kind("private key", PRIVATE_KEY),
        "ppk" => kind("PuTTY private key", Evidence::Name),
        "p12" | "pfx" => kind("PKCS#12 keystore", Evidence::Name),
        "jks" | "keystore" => kind("Java keystore", Evidence::Name),
        "kdbx" => kind("KeePass database", Evidence::Name),
        "tfstate" => kind(
            "Terraform state (holds secrets in plain text)",
            Evidence::Name,
        ),
        "backup" if name.ends_with(".tfstate.backup") => kind(
            "Terraform state (holds secrets in plain text)",
            Evidence::Name,
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_case_and_punctuation() {
        assert_eq!(words("prodApiKey"), ["prod", "api", "key"]);
        assert_eq!(words("STRIPE_KEY_LIVE"), ["stripe", "key", "live"]);
        assert_eq!(words(".env.production"), ["env", "production"]);
        assert_eq!(words("stagingURL"), ["staging", "url"]);
    }

    #[test]
    fn environments_from_paths() {
        assert_eq!(env_of_path(".env.production"), Some(Env::Production));
        assert_eq!(env_of_path(".env.development"), Some(Env::Development));
        assert_eq!(env_of_path("config/staging.yml"), Some(Env::Staging));
        assert_eq!(env_of_path("config/prod.yml"), Some(Env::Production));
        assert_eq!(
            env_of_path("deploy/qa/values.yaml"),
            Some(Env::Qa),
            "the folder names it"
        );
        assert_eq!(env_of_path("config/app.yml"), None);
        assert_eq!(env_of_path(".env"), None);
        assert_eq!(
            env_of_path("prod-to-dev.yml"),
            None,
            "two names: no evidence"
        );
        assert_eq!(
            env_of_path("tests/fixtures/a.yml"),
            None,
            "tests is not test"
        );
    }

    #[test]
    fn templates_are_recognised() {
        for t in [
            ".env.example",
            ".env.sample",
            ".env.template",
            ".env.dist",
            "example.env",
            "config.sample.json",
            "app/settings.example.yml",
            "wp-config-sample.php",
            ".env-example",
        ] {
            assert!(is_template(t), "{t}");
        }
        for t in [
            ".env",
            ".env.production",
            "sample_data.csv",
            "examples/app.yml",
            "src/email.template.html",
            "template",
        ] {
            assert!(!is_template(t), "{t}");
        }
    }

    #[test]
    fn env_files_exclude_templates_and_code() {
        for f in [
            ".env",
            ".env.local",
            "app/.env.production",
            "docker/prod.env",
        ] {
            assert!(is_env_file(f), "{f}");
        }
        for f in [
            ".env.example",
            ".env.vault",
            ".envrc",
            "env",
            "src/.env.ts",
            "environment.yml",
        ] {
            assert!(!is_env_file(f), "{f}");
        }
    }

    #[test]
    fn logs_and_build_output() {
        assert!(is_log("app.log"));
        assert!(is_log("logs/2024-01-01.txt"));
        assert!(is_log("var/app.log.3"));
        assert!(!is_log("src/logger.rs"));
        assert!(!is_log("catalog.md"));
        assert_eq!(build_dir("dist/app.min.js"), Some("dist"));
        assert_eq!(build_dir("web/.next/server/page.js"), Some(".next"));
        assert_eq!(build_dir("src/dist.rs"), None);
        assert_eq!(build_dir("outline/x.js"), None);
    }

    #[test]
    fn credential_files() {
        for f in [
            ".npmrc",
            ".pypirc",
            "home/.aws/credentials",
            ".docker/config.json",
            "certs/server.pem",
            "deploy/id_rsa",
            "keys/app.p12",
            "android/release.keystore",
            "credentials.json",
            "infra/terraform.tfstate",
            "infra/prod.tfstate.backup",
            "config/master.key",
        ] {
            assert!(credential_file(f).is_some(), "{f}");
        }
        for f in [
            "id_rsa.pub",
            "config.json",
            "aws/credentials.md",
            "credentials.example.json",
            "src/key.rs",
        ] {
            assert!(credential_file(f).is_none(), "{f}");
        }
    }
}
