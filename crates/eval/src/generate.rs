//! Writes the evaluation tree. Three layers:
//! 1. every example of every built-in rule, with fresh values, in the file its shape
//!    belongs to (`NAME=value` in an env file, `X-Api-Key: ...` in an `.http` file, a key
//!    block in a `.pem`), so each rule has planted secrets in its own format;
//! 2. every token that stands on its own (a known prefix) written into the contexts of
//!    [`super::contexts`] — the `sk_`, `whsec_` and `topo_` families into all of them,
//!    other tokens into two chosen at random;
//! 3. files that hold only look-alikes: lock files, checksums, changelogs, public keys
//!    and certificates, templates full of placeholders, encrypted files, fixtures, and
//!    code that names prefixes.
//!
//! Everything random comes from one seeded [`Rng`], and files are built in a fixed order,
//! so a seed always gives the same tree and the same truth.
use super::binaries::{Item, RawFile};
use super::contexts::{self, minified, Context, Value};
use super::decoys::{self, base64, random_bytes, uuid, Decoy, VALUE_KINDS};
use super::doc::{Doc, Label};
use super::sources::Source;
use super::Truth;
use crate::{Error, Result};
use ferret_rules::synth::{Rng, ALNUM, BASE64, BASE64URL, HEX, LOWERNUM};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// Rules planted in every context: the formats this project exists to catch.
pub const CORE_RULES: &[&str] = &[
    "attio-api-token",
    "stripe-webhook-secret",
    "svix-webhook-secret",
    "topo-api-key",
    "stripe-live-secret-key",
];

/// How many contexts each other standalone token is planted in.
const CONTEXTS_PER_TOKEN: usize = 2;

/// Secrets planted in each class of files that are not text (binaries, archives).
const CLASS_SECRETS: usize = 40;

/// Secrets known only by their name (a password) planted in each context.
const NAMED_PER_CONTEXT: usize = 2;

/// One secret bound for a context.
struct Plant {
    family: String,
    rule: String,
    var: String,
    value: String,
    /// Known only by its name, so always written under it.
    named: bool,
}

/// Writes the tree for `seed` under `dir` (created if missing; it should be empty) and
/// returns its truth. The truth is not written into the tree: keep it outside, or every
/// scanner would read it.
pub fn generate(dir: &Path, seed: u64) -> Result<Truth> {
    let mut g = Gen {
        // Seeded through a hash: `Rng::new` folds neighbouring seeds (2 and 3) together.
        rng: Rng::from_str_seed(&format!("ferret-eval-{seed}")),
        docs: Vec::new(),
        raw: Vec::new(),
        paths: HashSet::new(),
        decoys: 0,
    };
    let sources = Source::all();
    g.rule_examples(&sources);
    g.token_contexts(&sources);
    g.lookalike_files();
    g.class_files();
    g.classes(&sources);
    g.write(dir, seed)
}

struct Gen {
    rng: Rng,
    docs: Vec<Doc>,
    /// Files that are not text (the binaries and archives classes).
    raw: Vec<RawFile>,
    paths: HashSet<String>,
    /// Which value look-alike comes next (they are used in turn, so all kinds appear).
    decoys: usize,
}

fn secret<'a>(s: &'a Source, context: &'a str) -> Label<'a> {
    Label {
        family: &s.family,
        rule: Some(&s.id),
        is_secret: true,
        context,
    }
}

fn lookalike(d: &Decoy) -> Label<'_> {
    Label {
        family: d.family,
        rule: None,
        is_secret: false,
        context: d.kind,
    }
}

fn fake<'a>(family: &'a str, kind: &'a str) -> Label<'a> {
    Label {
        family,
        rule: None,
        is_secret: false,
        context: kind,
    }
}

/// Where a rule example goes, by its shape.
struct Home {
    path: &'static str,
    kind: HomeKind,
    head: &'static str,
    tail: &'static str,
    filler: &'static [&'static str],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum HomeKind {
    /// Examples appended one after another.
    Lines,
    /// `"name": value` members gathered into one JSON object.
    Members,
    /// A file per example; `path` holds `{n}` for its number.
    Own,
}

const fn home(path: &'static str, head: &'static str, tail: &'static str) -> Home {
    Home {
        path,
        kind: HomeKind::Lines,
        head,
        tail,
        filler: &[""],
    }
}

const fn own(path: &'static str, head: &'static str) -> Home {
    Home {
        path,
        kind: HomeKind::Own,
        head,
        tail: "",
        filler: &[],
    }
}

fn header_name(s: &str) -> bool {
    let Some((name, _)) = s.split_once(": ") else {
        return false;
    };
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && (name.contains('-') || name == "Authorization" || name == "Cookie")
}

fn is_env(s: &str) -> bool {
    let s = s.strip_prefix("export ").unwrap_or(s);
    s.split_once('=').is_some_and(|(n, _)| {
        !n.is_empty()
            && n.starts_with(|c: char| c.is_ascii_uppercase())
            && n.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    })
}

fn is_assignment(s: &str) -> bool {
    s.split_once(" = ").is_some_and(|(n, _)| {
        !n.is_empty()
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.[]'".contains(&b))
    })
}

fn is_yaml_key(s: &str) -> bool {
    let t = s.trim_start();
    t.split_once(':').is_some_and(|(k, rest)| {
        !k.is_empty()
            && k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
            && (rest.is_empty() || rest.starts_with(' '))
    })
}

/// The home of a rule example, from its first line.
fn home_of(example: &str) -> Home {
    let first = example.lines().next().unwrap_or("");
    let t = first.trim_start();
    let starts = |p: &str| t.starts_with(p);
    let key_block = (example.contains("BEGIN") && example.contains("PRIVATE KEY"))
        || starts("PuTTY-User-Key-File")
        || starts("---- BEGIN SSH2");
    if key_block && !starts("{") && !starts("tls:") && !is_env(t) {
        return if starts("PuTTY") {
            own("keys/deploy-{n}.ppk", "")
        } else {
            own("keys/service-{n}.pem", "")
        };
    }
    if starts("# public key: age1") {
        return own("keys/age-{n}.txt", "# created: 2024-05-02T10:15:00Z");
    }
    let members = Home {
        kind: HomeKind::Members,
        ..home("config/appsettings.json", "{", "}")
    };
    match () {
        _ if starts("machine ") => home(".netrc", "", ""),
        _ if starts("[pypi]") || starts("[testpypi]") => home(
            ".pypirc",
            "[distutils]\nindex-servers =\n  pypi\n  testpypi\n",
            "",
        ),
        _ if starts("[registry]") => home(".cargo/credentials.toml", "", ""),
        _ if starts("[[runners]]") => home(
            "ci/gitlab-runner/config.toml",
            "concurrent = 4\ncheck_interval = 0\n",
            "",
        ),
        _ if starts("credentials \"") => home(
            ".terraformrc",
            "plugin_cache_dir = \"$HOME/.terraform.d/plugin-cache\"\n",
            "",
        ),
        _ if starts("---") => home(".gem/credentials", "", ""),
        _ if starts("users:") => own(
            "deploy/kubeconfig-{n}.yaml",
            "apiVersion: v1\nkind: Config\ncurrent-context: prod",
        ),
        _ if starts("data:") => own(
            "deploy/k8s/tls-secret-{n}.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\ntype: kubernetes.io/tls",
        ),
        _ if starts("[auth]") => home(".sentryclirc", "[defaults]\norg = acme\n", ""),
        _ if starts("npmRegistries:") => home(".yarnrc.yml", "nodeLinker: node-modules\n", ""),
        _ if starts("//") || starts("_auth") => {
            home(".npmrc", "registry=https://registry.npmjs.org/\n", "")
        }
        _ if starts("{") => own("config/credentials/{n}.json", ""),
        _ if starts("\"") => members,
        _ if starts("<") => home(
            "android/app/src/main/res/values/secrets.xml",
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<resources>",
            "</resources>",
        ),
        _ if starts("#define") => home("firmware/include/secrets.h", "#pragma once\n", ""),
        _ if starts("'") => home("config/providers.php", "<?php\n\nreturn [", "];"),
        _ if starts("import {")
            || starts("const ")
            || t.contains(":\"")
            || (is_yaml_key(t) && t.ends_with("',")) =>
        {
            home("src/integrations/providers.ts", "// provider clients\n", "")
        }
        _ if t.contains(":=") => home(
            "internal/providers/keys.go",
            "package providers\n\nfunc init() {",
            "}",
        ),
        _ if header_name(t) => home(
            "requests/providers.http",
            "### provider smoke tests\nGET https://api.acme.test/v1/me",
            "",
        ),
        _ if is_env(t) => Home {
            filler: &["", "LOG_LEVEL=info", "# rotated 2024-04"],
            ..home(
                "config/providers.env",
                "# provider credentials for the sync workers",
                "",
            )
        },
        _ if is_assignment(t)
            || starts("import ")
            || t.contains('(') && !t.contains(' ')
            || starts("client") =>
        {
            home("src/integrations/providers.py", "import os\n", "")
        }
        _ if t
            .split_once('=')
            .is_some_and(|(k, _)| k.contains('.') && !k.contains(' ')) =>
        {
            home(
                "src/main/resources/providers.properties",
                "server.port=8080",
                "",
            )
        }
        _ if t
            .split_once('=')
            .is_some_and(|(k, _)| !k.contains(' ') && !k.contains(':')) =>
        {
            home("config/connections.ini", "[connections]", "")
        }
        _ if is_yaml_key(t) => Home {
            filler: &["", "# managed by platform", "timeout: 30"],
            ..home("config/providers.yml", "# provider settings", "")
        },
        _ if t.contains("://") && !t.contains(' ') => {
            home("docs/endpoints.md", "# Endpoints\n", "")
        }
        _ if t.split_whitespace().next().is_some_and(|w| {
            w.starts_with("--") || w.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        }) =>
        {
            home(
                "scripts/provision.sh",
                "#!/usr/bin/env bash\nset -euo pipefail\n",
                "",
            )
        }
        _ => home("docs/integrations.md", "# Integrations\n", ""),
    }
}

fn unique_path(paths: &mut HashSet<String>, path: String) -> String {
    let mut p = path.clone();
    let mut n = 2;
    while !paths.insert(p.clone()) {
        p = format!("more/{n}/{path}");
        n += 1;
    }
    p
}

impl Gen {
    fn unique(&mut self, path: String) -> String {
        unique_path(&mut self.paths, path)
    }

    /// Layer 4: command lines, connection strings and multi-part credentials
    /// ([`super::classes`]).
    fn class_files(&mut self) {
        let Gen {
            rng, paths, docs, ..
        } = self;
        let made = super::classes::docs(rng, |p| Doc::new(unique_path(paths, p.to_string())));
        docs.extend(made);
    }

    fn doc(&mut self, path: &str) -> Doc {
        let p = self.unique(path.to_string());
        Doc::new(p)
    }

    /// Layer 1: every example of every rule.
    fn rule_examples(&mut self, sources: &[Source]) {
        // Home path → the home and its (source, expanded example) pairs.
        type Planted = Vec<(usize, String)>;
        let mut homes: BTreeMap<&'static str, (Home, Planted)> = BTreeMap::new();
        for (si, s) in sources.iter().enumerate() {
            for i in 0..s.examples.len() {
                let text = s.example(i, &mut self.rng);
                let h = home_of(&s.examples[i]);
                homes
                    .entry(h.path)
                    .or_insert_with(|| (h, Vec::new()))
                    .1
                    .push((si, text));
            }
        }
        for (_, (h, items)) in homes {
            match h.kind {
                HomeKind::Own => {
                    for (n, (si, text)) in items.iter().enumerate() {
                        let mut d = self.doc(&h.path.replace("{n}", &(n + 1).to_string()));
                        if !h.head.is_empty() {
                            d.text(h.head);
                        }
                        d.plant(text, secret(&sources[*si], "example"));
                        self.docs.push(d);
                    }
                }
                HomeKind::Members => {
                    let mut d = self.doc(h.path);
                    d.text(h.head);
                    let last = items.len() - 1;
                    for (n, (si, text)) in items.iter().enumerate() {
                        let body = text.trim_end().trim_end_matches(',');
                        let sep = if n == last { "" } else { "," };
                        d.plant(&format!("  {body}{sep}"), secret(&sources[*si], "example"));
                    }
                    d.text(h.tail);
                    self.docs.push(d);
                }
                HomeKind::Lines => {
                    let mut d = self.doc(h.path);
                    if !h.head.is_empty() {
                        d.text(h.head);
                    }
                    for (si, text) in &items {
                        if !h.filler.is_empty() {
                            d.text(h.filler[self.rng.below(h.filler.len())]);
                        }
                        if h.path.ends_with(".http") {
                            d.text("\n###\nGET https://api.acme.test/v1/me");
                        }
                        d.plant(
                            text.trim_end_matches('\n'),
                            secret(&sources[*si], "example"),
                        );
                    }
                    if !h.tail.is_empty() {
                        d.text(h.tail);
                    }
                    self.docs.push(d);
                }
            }
        }
    }

    /// Layer 2: standalone tokens in every kind of file, and secrets known only by their
    /// name (passwords, signing keys) written under it.
    fn token_contexts(&mut self, sources: &[Source]) {
        let ctxs = contexts::all();
        let n = ctxs.len();
        let mut plan: Vec<Vec<Plant>> = (0..n).map(|_| Vec::new()).collect();
        for s in sources {
            if !s.is_token() {
                continue;
            }
            let targets: Vec<usize> = if CORE_RULES.contains(&s.id.as_str()) {
                (0..n).collect()
            } else {
                let first = self.rng.below(n);
                let mut t = vec![first];
                while t.len() < CONTEXTS_PER_TOKEN {
                    let c = self.rng.below(n);
                    if !t.contains(&c) {
                        t.push(c);
                    }
                }
                t
            };
            for c in targets {
                if let Some(value) = s.token(&mut self.rng) {
                    plan[c].push(Plant {
                        family: s.family.clone(),
                        rule: s.id.clone(),
                        var: s.var.clone(),
                        value,
                        named: false,
                    });
                }
            }
        }
        let mut k = 0;
        for items in &mut plan {
            for _ in 0..NAMED_PER_CONTEXT {
                let (rule, var, value) = decoys::named_secret(k, &mut self.rng);
                k += 1;
                items.push(Plant {
                    family: "generic".into(),
                    rule: rule.into(),
                    var: var.into(),
                    value,
                    named: true,
                });
            }
        }
        for (c, mut items) in ctxs.iter().zip(plan) {
            // Shuffle, so the core families do not all land in each context's first file.
            for i in (1..items.len()).rev() {
                let j = self.rng.below(i + 1);
                items.swap(i, j);
            }
            for (fi, chunk) in items.chunks(c.per_file).enumerate() {
                self.context_file(c, fi, chunk);
            }
        }
    }

    fn context_path(c: &Context, fi: usize) -> String {
        let base = c.paths[fi % c.paths.len()];
        if fi < c.paths.len() {
            base.to_string()
        } else {
            format!("services/svc{}/{base}", fi / c.paths.len())
        }
    }

    fn context_file(&mut self, c: &Context, fi: usize, chunk: &[Plant]) {
        let mut path = Self::context_path(c, fi);
        if c.name == "minified-js" {
            path = path.replace(".js", &format!("-{}.js", self.rng.string(HEX, 8)));
        }
        let mut d = self.doc(&path);
        if c.crlf {
            d = d.crlf();
        }
        if c.utf16 {
            d = d.utf16();
        }
        if !c.head.is_empty() {
            d.text(c.head);
        }
        for (k, p) in chunk.iter().enumerate() {
            if !c.filler.is_empty() && self.rng.below(2) == 0 {
                d.text(c.filler[self.rng.below(c.filler.len())]);
            }
            let (pre, line) = (c.slot)(
                &Value {
                    var: &p.var,
                    value: &p.value,
                    named: p.named,
                },
                &mut self.rng,
            );
            if let Some(pre) = pre {
                d.text(&pre);
            }
            d.plant(
                &line,
                Label {
                    family: &p.family,
                    rule: Some(&p.rule),
                    is_secret: true,
                    context: c.name,
                },
            );
            if c.per_file > 1 && k % 2 == 1 {
                let decoy = self.next_decoy();
                let (pre, line) = (c.slot)(
                    &Value {
                        var: &decoy.var,
                        value: &decoy.value,
                        named: true,
                    },
                    &mut self.rng,
                );
                if let Some(p) = pre {
                    d.text(&p);
                }
                d.plant(&line, lookalike(&decoy));
            }
            if let Some(lang) = c.lang {
                if k % 3 == 2 {
                    let (line, family, kind) =
                        decoys::code_line(lang, self.rng.below(97), &mut self.rng);
                    d.plant(&line, fake(family, kind));
                }
            }
        }
        if !c.tail.is_empty() {
            d.text(c.tail);
        }
        self.docs.push(d);
    }

    fn next_decoy(&mut self) -> Decoy {
        let d = decoys::value(self.decoys, &mut self.rng);
        self.decoys += 1;
        d
    }

    /// Layer 3: files with nothing but look-alikes.
    fn lookalike_files(&mut self) {
        self.lock_files();
        self.templates();
        self.public_material();
        self.code_files();
        self.bundles_and_images();
        self.fixtures_and_encrypted();
    }

    fn lock_files(&mut self) {
        let names = [
            "react",
            "lodash",
            "zod",
            "axios",
            "express",
            "typescript",
            "vite",
            "jest",
            "dayjs",
            "uuid",
        ];
        let mut d = self.doc("package-lock.json");
        d.text("{\n  \"name\": \"web\",\n  \"lockfileVersion\": 3,\n  \"packages\": {");
        for (i, n) in names.iter().enumerate() {
            d.text(&format!("    \"node_modules/{n}\": {{\n      \"version\": \"{}.{}.{}\",\n      \"resolved\": \"https://registry.npmjs.org/{n}/-/{n}-1.0.0.tgz\",", 1 + i % 4, i, i * 3));
            let h = base64(&random_bytes(&mut self.rng, 64));
            d.plant(
                &format!("      \"integrity\": \"sha512-{h}\""),
                fake("none", "lockfile"),
            );
            d.text(if i + 1 == names.len() {
                "    }"
            } else {
                "    },"
            });
        }
        d.text("  }\n}");
        self.docs.push(d);

        let mut d = self.doc("web/yarn.lock");
        d.text("# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n");
        for n in names {
            d.text(&format!("\n{n}@^1.0.0:\n  version \"1.0.0\""));
            let sha = self.rng.string(HEX, 40);
            d.plant(
                &format!("  resolved \"https://registry.yarnpkg.com/{n}/-/{n}-1.0.0.tgz#{sha}\""),
                fake("none", "lockfile"),
            );
            let h = base64(&random_bytes(&mut self.rng, 64));
            d.plant(&format!("  integrity sha512-{h}"), fake("none", "lockfile"));
        }
        self.docs.push(d);

        let mut d = self.doc("Cargo.lock");
        d.text("# This file is automatically @generated by Cargo.\nversion = 3\n");
        for n in ["serde", "regex", "memchr", "rayon", "clap", "anyhow"] {
            d.text(&format!("[[package]]\nname = \"{n}\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\""));
            let h = self.rng.string(HEX, 64);
            d.plant(&format!("checksum = \"{h}\""), fake("none", "lockfile"));
            d.text("");
        }
        self.docs.push(d);

        let mut d = self.doc("go.sum");
        for m in [
            "github.com/google/uuid v1.6.0",
            "golang.org/x/sys v0.21.0",
            "github.com/spf13/cobra v1.8.0",
            "github.com/stretchr/testify v1.9.0",
        ] {
            let h = base64(&random_bytes(&mut self.rng, 32));
            d.plant(&format!("{m} h1:{h}"), fake("none", "lockfile"));
            let h = base64(&random_bytes(&mut self.rng, 32));
            d.plant(&format!("{m}/go.mod h1:{h}"), fake("none", "lockfile"));
        }
        self.docs.push(d);

        let mut d = self.doc("poetry.lock");
        for n in ["requests", "pydantic", "httpx"] {
            d.text(&format!(
                "[[package]]\nname = \"{n}\"\nversion = \"2.1.0\"\nfiles = ["
            ));
            for _ in 0..2 {
                let h = self.rng.string(HEX, 64);
                d.plant(
                    &format!(
                        "    {{file = \"{n}-2.1.0-py3-none-any.whl\", hash = \"sha256:{h}\"}},"
                    ),
                    fake("none", "lockfile"),
                );
            }
            d.text("]\n");
        }
        self.docs.push(d);

        let mut d = self.doc("pnpm-lock.yaml");
        d.text("lockfileVersion: '9.0'\n\npackages:\n");
        for n in names.iter().take(5) {
            d.text(&format!("  {n}@1.0.0:"));
            let h = base64(&random_bytes(&mut self.rng, 64));
            d.plant(
                &format!("    resolution: {{integrity: sha512-{h}}}"),
                fake("none", "lockfile"),
            );
        }
        self.docs.push(d);
    }

    /// Templates and docs that show where a key goes without holding one.
    fn templates(&mut self) {
        for path in [
            ".env.example",
            "services/billing/.env.sample",
            "docs/configuration.md",
        ] {
            let md = path.ends_with(".md");
            let mut d = self.doc(path);
            if md {
                d.text("# Configuration\n\nCopy these into your `.env`:\n\n```ini");
            } else {
                d.text("# Copy to .env and fill in real values. Never commit the real file.");
            }
            for _ in 0..VALUE_KINDS / 2 {
                let decoy = self.next_decoy();
                d.plant(&format!("{}={}", decoy.var, decoy.value), lookalike(&decoy));
            }
            if md {
                d.text("```");
            }
            self.docs.push(d);
        }
        let mut d = self.doc("deploy/k8s/deployment-refs.yaml");
        d.text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: sync\nspec:\n  template:\n    spec:\n      containers:\n        - name: sync");
        let digest = self.rng.string(HEX, 64);
        d.plant(
            &format!("          image: ghcr.io/acme/sync@sha256:{digest}"),
            fake("none", "hash"),
        );
        d.text("          env:");
        for (var, key) in [
            ("ATTIO_API_KEY", "attio"),
            ("TOPO_API_KEY", "topo"),
            ("STRIPE_WEBHOOK_SECRET", "whsec"),
        ] {
            d.text(&format!("            - name: {var}\n              valueFrom:\n                secretKeyRef:\n                  name: integrations"));
            d.plant(
                &format!("                  key: {key}"),
                fake("generic", "reference"),
            );
        }
        self.docs.push(d);
        let mut d = self.doc("infra/variables.tf");
        for v in ["attio_api_key", "topo_api_key", "stripe_webhook_secret"] {
            d.text(&format!(
                "variable \"{v}\" {{\n  type      = string\n  sensitive = true\n}}\n"
            ));
        }
        d.text("module \"sync\" {\n  source = \"./modules/sync\"");
        d.plant(
            "  attio_api_key = var.attio_api_key",
            fake("attio", "reference"),
        );
        d.plant(
            "  topo_api_key  = var.topo_api_key",
            fake("topo", "reference"),
        );
        d.plant(
            "  signing_secret = data.aws_secretsmanager_secret_version.whsec.secret_string",
            fake("webhooks", "reference"),
        );
        d.text("}");
        self.docs.push(d);
        let mut d = self.doc(".github/workflows/ci.yml");
        d.text("name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    env:");
        d.plant(
            "      ATTIO_API_KEY: ${{ secrets.ATTIO_API_KEY }}",
            fake("attio", "reference"),
        );
        d.plant(
            "      TOPO_API_KEY: ${{ secrets.TOPO_API_KEY }}",
            fake("topo", "reference"),
        );
        d.plant(
            "      STRIPE_WEBHOOK_SECRET: ${{ secrets.STRIPE_WEBHOOK_SECRET }}",
            fake("webhooks", "reference"),
        );
        d.text("    steps:\n      - uses: actions/checkout@v4\n      - run: make test");
        self.docs.push(d);
    }

    /// Hashes, commit ids, public keys and certificates.
    fn public_material(&mut self) {
        let mut d = self.doc("SHA256SUMS");
        for f in [
            "sync-x86_64-linux.tar.gz",
            "sync-aarch64-linux.tar.gz",
            "sync-x86_64-darwin.tar.gz",
            "sync-windows.zip",
        ] {
            let h = self.rng.string(HEX, 64);
            d.plant(&format!("{h}  {f}"), fake("none", "hash"));
        }
        self.docs.push(d);
        let mut d = self.doc("CHANGELOG.md");
        d.text("# Changelog\n\n## 1.8.2\n");
        for msg in [
            "fix webhook retries",
            "rotate signing secrets on deploy",
            "faster topo sort of the dependency graph",
            "drop the legacy sk_ key format check",
        ] {
            let sha = self.rng.string(HEX, 40);
            d.plant(
                &format!(
                    "- {msg} ([{}](https://github.com/acme/sync/commit/{sha}))",
                    &sha[..7]
                ),
                fake("none", "hash"),
            );
        }
        self.docs.push(d);
        let mut d = self.doc("deploy/authorized_keys");
        for who in ["deploy@ci", "ops@bastion", "alice@laptop"] {
            let k = base64(&random_bytes(&mut self.rng, 32));
            d.plant(
                &format!("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{} {who}", &k[..43]),
                fake("none", "public-key"),
            );
        }
        let k = base64(&random_bytes(&mut self.rng, 270));
        d.plant(
            &format!("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ{k} legacy@build"),
            fake("none", "public-key"),
        );
        self.docs.push(d);
        for (path, label) in [
            ("certs/ca.pem", "CERTIFICATE"),
            ("certs/signing.pub", "PUBLIC KEY"),
        ] {
            let mut d = self.doc(path);
            let mut body = format!("-----BEGIN {label}-----\n");
            let b = base64(&random_bytes(&mut self.rng, 600));
            for chunk in b.as_bytes().chunks(64) {
                body.push_str(std::str::from_utf8(chunk).unwrap_or(""));
                body.push('\n');
            }
            body.push_str(&format!("-----END {label}-----"));
            d.plant(&body, fake("private-keys", "public-key"));
            self.docs.push(d);
        }
    }

    /// Source that names prefixes and secrets without holding any.
    fn code_files(&mut self) {
        for (path, lang, head) in [
            (
                "src/app/graph.py",
                "py",
                "import os\nfrom collections import deque\n",
            ),
            (
                "src/lib/keys.ts",
                "ts",
                "import { config } from './config';\n",
            ),
            (
                "native/ssl_chain.c",
                "c",
                "#include <openssl/x509.h>\n#include <linux/skbuff.h>\n",
            ),
            (
                "scripts/release.sh",
                "sh",
                "#!/usr/bin/env bash\nset -euo pipefail\n",
            ),
        ] {
            let mut d = self.doc(path);
            d.text(head);
            for n in 0..10 {
                let (line, family, kind) = decoys::code_line(lang, n, &mut self.rng);
                d.plant(&line, fake(family, kind));
            }
            self.docs.push(d);
        }
    }

    /// Bundles with look-alike identifiers and hashes; images as base64.
    fn bundles_and_images(&mut self) {
        let sk = concat!("s", "k_");
        let topo = concat!("to", "po_");
        let map = base64(br#"{"version":3,"sources":["webpack://app/./src/index.ts"],"names":["sortNodes"],"mappings":"AAAA,SAASA,EAAUC,GAAK,OAAOA"}"#);
        let hash = self.rng.string(HEX, 8);
        let mut d = self.doc(&format!("dist/assets/vendor-{hash}.js"));
        let member = format!("isKey:function(e){{return e.startsWith(\"{sk}\")}},sort:function(e){{return {topo}sort_order(e)}},chunk:\"{}\",id:\"{}\"", self.rng.string(HEX, 20), uuid(&mut self.rng));
        let line = minified(&member, &mut self.rng);
        d.plant(&line, fake("attio", "identifier"));
        d.plant(
            &format!("//# sourceMappingURL=data:application/json;charset=utf-8;base64,{map}"),
            fake("none", "image"),
        );
        self.docs.push(d);

        let mut d = self.doc("web/src/styles.css");
        d.text(".logo {\n  width: 32px;");
        let png = decoys::png_base64(&mut self.rng, 300);
        d.plant(
            &format!("  background: url(data:image/png;base64,{png}) no-repeat;"),
            fake("none", "image"),
        );
        d.text("}");
        let sri = base64(&random_bytes(&mut self.rng, 48));
        d.plant(
            &format!("/* vendor.css integrity sha384-{sri} */"),
            fake("none", "hash"),
        );
        self.docs.push(d);

        let mut d = self.doc("notebooks/plots.ipynb");
        d.text("{\n \"cells\": [\n  {\n   \"cell_type\": \"code\",\n   \"execution_count\": 3,\n   \"metadata\": {},\n   \"outputs\": [\n    {\n     \"data\": {");
        let png = decoys::png_base64(&mut self.rng, 900);
        d.plant(
            &format!("      \"image/png\": \"{png}\","),
            fake("none", "image"),
        );
        d.text("      \"text/plain\": [\"<Figure size 640x480>\"]\n     },\n     \"metadata\": {},\n     \"output_type\": \"display_data\"\n    }\n   ],\n   \"source\": [\"df.plot()\"]\n  }\n ],\n \"metadata\": {},\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}");
        self.docs.push(d);
    }

    /// Test fixtures with obviously fake values, and encrypted secrets files.
    fn fixtures_and_encrypted(&mut self) {
        let whsec = concat!("wh", "sec_");
        let mut d = self.doc("tests/fixtures/stripe_event.json");
        d.text("{");
        let id = self.rng.string(ALNUM, 24);
        d.plant(
            &format!("  \"id\": \"evt_1{id}\","),
            fake("stripe", "public-id"),
        );
        d.text("  \"object\": \"event\",\n  \"type\": \"invoice.paid\",\n  \"data\": {\n    \"object\": {");
        let cus = self.rng.string(ALNUM, 14);
        d.plant(
            &format!("      \"customer\": \"cus_{cus}\","),
            fake("stripe", "public-id"),
        );
        let pi = self.rng.string(ALNUM, 24);
        d.plant(
            &format!("      \"payment_intent\": \"pi_3{pi}\""),
            fake("stripe", "public-id"),
        );
        d.text("    }\n  },");
        d.plant(
            &format!("  \"test_signing_secret\": \"{whsec}test_secret\""),
            fake("webhooks", "fixture"),
        );
        d.text("}");
        self.docs.push(d);

        let mut d = self.doc("tests/test_webhooks.py");
        d.text("import pytest\n\nfrom app.webhooks import verify\n");
        d.plant(
            &format!("SECRET = \"{whsec}test_secret\""),
            fake("webhooks", "fixture"),
        );
        d.plant("API_KEY = \"test-api-key\"", fake("generic", "fixture"));
        d.plant("PASSWORD = \"password\"", fake("generic", "fixture"));
        d.text("\n\ndef test_rejects_bad_signature():\n    assert not verify(b\"{}\", \"t=1,v1=bad\", SECRET)");
        self.docs.push(d);

        let mut d = self.doc("secrets.enc.yaml");
        for var in ["attio_api_key", "topo_api_key", "stripe_webhook_secret"] {
            let data = base64(&random_bytes(&mut self.rng, 30));
            let iv = base64(&random_bytes(&mut self.rng, 32));
            let tag = base64(&random_bytes(&mut self.rng, 16));
            d.plant(
                &format!("{var}: ENC[AES256_GCM,data:{data},iv:{iv},tag:{tag},type:str]"),
                fake("generic", "encrypted"),
            );
        }
        d.text("sops:\n  age:");
        let recipient = self.rng.string(LOWERNUM, 58);
        d.plant(
            &format!("    - recipient: age1{recipient}"),
            fake("age", "public-key"),
        );
        let mac = base64(&random_bytes(&mut self.rng, 32));
        d.plant(
            &format!("  mac: ENC[AES256_GCM,data:{mac},type:str]"),
            fake("generic", "encrypted"),
        );
        d.text("  version: 3.8.1");
        self.docs.push(d);

        let mut d = self.doc("ansible/group_vars/prod/vault.yml");
        let mut body = String::from("$ANSIBLE_VAULT;1.1;AES256\n");
        for i in 0..8 {
            body.push_str(&self.rng.string(HEX, 80));
            if i < 7 {
                body.push('\n');
            }
        }
        d.plant(&body, fake("generic", "encrypted"));
        self.docs.push(d);

        let mut d = self.doc("docs/aws.md");
        d.text("# Cloud access\n\nThe SDK reads credentials from the environment; AWS's own documentation\nuses these sample values:\n\n```ini");
        d.plant(
            &format!(
                "aws_access_key_id = {}",
                concat!("AKIA", "IOSFODNN7", "EXAMPLE")
            ),
            fake("aws", "documentation"),
        );
        d.plant(
            &format!(
                "aws_secret_access_key = {}",
                concat!("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY")
            ),
            fake("aws", "documentation"),
        );
        d.text("```\n");
        let sheet = self.rng.string(BASE64URL, 44);
        d.plant(
            &format!("Capacity plan: https://docs.google.com/spreadsheets/d/{sheet}/edit#gid=0"),
            fake("none", "public-id"),
        );
        let vapid = self.rng.string(BASE64URL, 86);
        d.plant(
            &format!("Web push public key: `B{vapid}`"),
            fake("none", "public-key"),
        );
        self.docs.push(d);

        let mut d = self.doc("config/secrets.yml");
        d.text("production:");
        d.plant(
            "  secret_key_base: <%= ENV[\"SECRET_KEY_BASE\"] %>",
            fake("generic", "reference"),
        );
        d.plant("  stripe_webhook_secret: <%= Rails.application.credentials.dig(:stripe, :webhook_secret) %>", fake("webhooks", "reference"));
        self.docs.push(d);

        let mut d = self.doc("config/cache.yaml");
        d.text("cache:");
        let b = self.rng.string(BASE64, 44);
        d.plant(&format!("  etag_salt_b64: {b}"), fake("none", "hash"));
        d.plant(
            &format!("  build_id: {}", uuid(&mut self.rng)),
            fake("none", "uuid"),
        );
        self.docs.push(d);
    }

    /// Layer 4: the classes of files that are not text, each in a folder of its own so it
    /// can be scored alone (`eval-tree score --only binaries/`): secrets compiled into
    /// binaries, and secrets inside archives, with look-alikes among them.
    fn classes(&mut self, sources: &[Source]) {
        let tokens: Vec<&Source> = sources.iter().filter(|s| s.is_token()).collect();
        if tokens.is_empty() {
            return;
        }
        for (dir, context) in [("binaries", "binary"), ("archives", "archive")] {
            let mut items = Vec::new();
            // The control: secrets of the same rules, in a plain `.env` file. What a
            // scanner finds there against what it finds in the class tells its handling of
            // the class apart from the breadth of its rules.
            let mut control = self.doc(&format!("control/{dir}.env"));
            for i in 0..CLASS_SECRETS {
                let s = tokens[self.rng.below(tokens.len())];
                if let Some(value) = s.token(&mut self.rng) {
                    items.push(Item {
                        family: s.family.clone(),
                        rule: Some(s.id.clone()),
                        is_secret: true,
                        context,
                        var: s.var.clone(),
                        value,
                    });
                }
                if let Some(value) = s.token(&mut self.rng) {
                    control.plant(&format!("{}={value}", s.var), secret(s, "control"));
                }
                if i % 2 == 1 {
                    let d = self.next_decoy();
                    items.push(Item {
                        family: d.family.to_string(),
                        rule: None,
                        is_secret: false,
                        context: d.kind,
                        var: d.var,
                        value: d.value,
                    });
                }
            }
            let files = match dir {
                "binaries" => super::binaries::files(dir, &items, &mut self.rng),
                _ => super::archives::files(dir, &items, &mut self.rng),
            };
            for f in &files {
                self.paths.insert(f.path.clone());
            }
            self.raw.extend(files);
            self.docs.push(control);
        }
    }

    fn write(self, dir: &Path, seed: u64) -> Result<Truth> {
        let mut entries = Vec::new();
        let mut files = 0;
        for d in &self.docs {
            if d.is_empty() {
                continue;
            }
            files += 1;
            let path = dir.join(&d.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            std::fs::write(&path, d.bytes()).map_err(|e| Error::io(&path, e))?;
            entries.extend(d.entries.iter().cloned());
        }
        for f in &self.raw {
            files += 1;
            let path = dir.join(&f.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            std::fs::write(&path, &f.bytes).map_err(|e| Error::io(&path, e))?;
            entries.extend(f.entries.iter().cloned());
        }
        entries.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        Ok(Truth {
            seed,
            files,
            entries,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_is_deterministic_and_covers_every_rule() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let ta = generate(a.path(), 7).unwrap();
        let tb = generate(b.path(), 7).unwrap();
        assert_eq!(ta.entries, tb.entries);
        let read = |d: &Path, e: &super::super::Entry| std::fs::read(d.join(&e.path)).unwrap();
        for e in ta.entries.iter().take(50) {
            assert_eq!(read(a.path(), e), read(b.path(), e));
        }
        let rules = ferret_rules::RuleSet::from_dir(&crate::rules_dir()).unwrap();
        for r in &rules.rules {
            assert!(
                ta.secrets().any(|e| e.rule.as_deref() == Some(&r.id)),
                "no planted secret for {}",
                r.id
            );
        }
        // One labeled thing per line, so a finding's line names what it found.
        let mut seen = std::collections::HashSet::new();
        for e in &ta.entries {
            for l in e.line..=e.end_line {
                assert!(
                    seen.insert((e.path.clone(), l)),
                    "{}:{l} labeled twice",
                    e.path
                );
            }
        }
    }
}
