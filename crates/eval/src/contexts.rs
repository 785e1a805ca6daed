//! The places a secret is written: each context is a kind of file (a `.env`, a Kubernetes
//! Secret, a notebook, a minified bundle, a UTF-16 PowerShell script...) with a head, a
//! tail, filler lines, and a slot that writes `NAME = value` the way that file does,
//! encoding the value where the format does (base64 `data:`, percent-encoded URLs, JSON
//! string escapes).
use super::decoys::base64;
use super::sources::camel;
use ferret_rules::synth::{Rng, HEX};

/// A named value to write into a slot.
pub(crate) struct Value<'a> {
    pub var: &'a str,
    pub value: &'a str,
    /// Write it under its own name only. A look-alike (a hash, a UUID) written as a
    /// bearer token or under a name such as `token` would be a secret by placement, so
    /// look-alikes never take the forms that name the value a credential; and a secret
    /// with no format of its own (a password) is a secret only by its name.
    pub named: bool,
}

impl Value<'_> {
    /// One of `n` forms, or form 0 (the named one) for named values.
    fn form(&self, n: usize, rng: &mut Rng) -> usize {
        let f = rng.below(n);
        if self.named {
            0
        } else {
            f
        }
    }
}

impl Value<'_> {
    fn snake(&self) -> String {
        self.var.to_ascii_lowercase()
    }
    fn camel(&self) -> String {
        camel(self.var)
    }
    fn pascal(&self) -> String {
        let c = self.camel();
        let mut it = c.chars();
        it.next()
            .map(|f| f.to_ascii_uppercase().to_string() + it.as_str())
            .unwrap_or_default()
    }
    fn dotted(&self) -> String {
        self.snake().replace('_', ".")
    }
}

/// One kind of file secrets are written into.
pub(crate) struct Context {
    pub name: &'static str,
    pub paths: &'static [&'static str],
    /// Planted secrets per file (1 for formats that hold one value, like a bundle).
    pub per_file: usize,
    pub crlf: bool,
    pub utf16: bool,
    pub head: &'static str,
    pub tail: &'static str,
    /// Writes one slot: unlabeled lines before it (if any), then the line holding the value.
    pub slot: fn(&Value<'_>, &mut Rng) -> (Option<String>, String),
    pub filler: &'static [&'static str],
    /// Language of the code-line look-alikes mixed in (`py`, `ts`, `sh`, `c`).
    pub lang: Option<&'static str>,
}

const fn ctx(
    name: &'static str,
    paths: &'static [&'static str],
    head: &'static str,
    tail: &'static str,
    slot: fn(&Value<'_>, &mut Rng) -> (Option<String>, String),
    filler: &'static [&'static str],
) -> Context {
    Context {
        name,
        paths,
        per_file: 8,
        crlf: false,
        utf16: false,
        head,
        tail,
        slot,
        filler,
        lang: None,
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub(crate) fn percent(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A JSON string body the way PHP's `json_encode` writes it (slashes escaped).
fn json_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('/', "\\/")
}

const ENV_FILLER: &[&str] = &[
    "NODE_ENV=production",
    "PORT=8080",
    "LOG_LEVEL=info",
    "DATABASE_HOST=db.internal",
    "REDIS_HOST=cache.internal",
    "FEATURE_SEARCH=true",
    "# third-party integrations",
    "",
    "SENTRY_ENVIRONMENT=production",
    "HTTP_TIMEOUT_MS=5000",
];
const YAML_FILLER: &[&str] = &[
    "    region: eu-west-1",
    "    timeout_seconds: 30",
    "    retries: 3",
    "    # rotated quarterly",
    "    base_url: https://api.acme.test/v2",
    "    enabled: true",
];
const CODE_FILLER: &[&str] = &[
    "",
    "logger = logging.getLogger(__name__)",
    "TIMEOUT = 30",
    "BASE_URL = \"https://api.acme.test/v2\"",
    "# keys for the nightly sync",
];
const TS_FILLER: &[&str] = &[
    "",
    "const TIMEOUT_MS = 5_000;",
    "const baseUrl = 'https://api.acme.test/v2';",
    "// keys for the nightly sync",
    "export type Region = 'eu' | 'us';",
];
const SH_FILLER: &[&str] = &[
    "",
    "echo \"==> configuring integrations\"",
    "API_BASE=https://api.acme.test/v2",
    "# keys for the smoke test",
    "mkdir -p \"$HOME/.config/acme\"",
];
const K8S_FILLER: &[&str] = &["  # managed by the platform team"];
const NONE: &[&str] = &[];

pub(crate) fn all() -> Vec<Context> {
    vec![
        ctx(
            "dotenv",
            &[
                ".env",
                "apps/web/.env.local",
                "services/billing/.env.production",
                "services/api/.env",
                "infra/.env.staging",
            ],
            "# service configuration",
            "",
            |v, rng| {
                let line = match rng.below(3) {
                    0 => format!("{}={}", v.var, v.value),
                    1 => format!("{}=\"{}\"", v.var, v.value),
                    _ => format!("export {}='{}'", v.var, v.value),
                };
                (None, line)
            },
            ENV_FILLER,
        ),
        ctx(
            "yaml",
            &[
                "config/settings.yaml",
                "config/production.yml",
                "deploy/values.yaml",
                "charts/api/values-prod.yaml",
            ],
            "app:\n  name: api\n  integrations:",
            "  replicas: 3",
            |v, rng| {
                let line = if rng.below(2) == 0 {
                    format!("    {}: {}", v.snake(), v.value)
                } else {
                    format!("    {}: \"{}\"", v.snake(), v.value)
                };
                (None, line)
            },
            YAML_FILLER,
        ),
        ctx(
            "docker-compose",
            &["docker-compose.yml", "docker-compose.prod.yml"],
            "services:\n  api:\n    image: ghcr.io/acme/api:1.8.2\n    ports:\n      - \"8080:8080\"\n    environment:",
            "    restart: unless-stopped",
            |v, _| (None, format!("      - {}={}", v.var, v.value)),
            &["      - LOG_LEVEL=info", "      - PORT=8080"],
        ),
        ctx(
            "github-workflow",
            &[".github/workflows/deploy.yml", ".github/workflows/nightly.yml"],
            "name: deploy\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:",
            "    steps:\n      - uses: actions/checkout@v4\n      - run: ./scripts/deploy.sh",
            |v, _| (None, format!("      {}: {}", v.var, v.value)),
            &["      NODE_VERSION: 20", "      CI: true"],
        ),
        ctx(
            "gitlab-ci",
            &[".gitlab-ci.yml"],
            "stages: [test, deploy]\nvariables:",
            "deploy:\n  stage: deploy\n  script:\n    - ./scripts/deploy.sh",
            |v, _| (None, format!("  {}: \"{}\"", v.var, v.value)),
            &["  GIT_DEPTH: \"10\"", "  DOCKER_DRIVER: overlay2"],
        ),
        ctx(
            "json",
            &[
                "config/default.json",
                "config/production.json",
                "src/config/keys.json",
                "appsettings.Production.json",
            ],
            "{\n  \"service\": \"sync\",",
            "  \"version\": 3\n}",
            |v, _| (None, format!("  \"{}\": \"{}\",", v.camel(), v.value)),
            &["  \"timeoutMs\": 5000,", "  \"region\": \"eu-west-1\","],
        ),
        ctx(
            "notebook",
            &[
                "notebooks/exploration.ipynb",
                "notebooks/crm-sync.ipynb",
                "analysis/webhooks.ipynb",
            ],
            "{\n \"cells\": [\n  {\n   \"cell_type\": \"code\",\n   \"execution_count\": 1,\n   \"metadata\": {},\n   \"outputs\": [],\n   \"source\": [\n    \"import os\\n\",",
            "    \"print('configured')\"\n   ]\n  }\n ],\n \"metadata\": {\"kernelspec\": {\"name\": \"python3\", \"display_name\": \"Python 3\"}},\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}",
            |v, rng| {
                let line = if rng.below(2) == 0 {
                    format!("    \"os.environ[\\\"{}\\\"] = \\\"{}\\\"\\n\",", v.var, v.value)
                } else {
                    format!("    \"{} = \\\"{}\\\"\\n\",", v.snake(), v.value)
                };
                (None, line)
            },
            &["    \"import pandas as pd\\n\",", "    \"\\n\","],
        ),
        Context {
            lang: Some("py"),
            ..ctx(
                "python",
                &[
                    "src/app/settings.py",
                    "scripts/sync_crm.py",
                    "src/app/clients.py",
                    "jobs/backfill.py",
                ],
                "import logging\nimport os\n\nimport requests\n",
                "\n\ndef main():\n    logger.info(\"ready\")",
                |v, rng| {
                    let line = match v.form(3, rng) {
                        0 => format!("{} = \"{}\"", v.var, v.value),
                        1 => format!("client = Client(api_key=\"{}\")", v.value),
                        _ => format!("HEADERS = {{\"Authorization\": \"Bearer {}\"}}", v.value),
                    };
                    (None, line)
                },
                CODE_FILLER,
            )
        },
        Context {
            lang: Some("ts"),
            ..ctx(
                "typescript",
                &[
                    "src/lib/config.ts",
                    "src/server/webhooks.ts",
                    "web/src/api/client.ts",
                ],
                "import { z } from 'zod';\n",
                "\nexport default {};",
                |v, rng| {
                    let line = match v.form(3, rng) {
                        0 => format!("const {} = '{}';", v.camel(), v.value),
                        1 => format!("export const {} = \"{}\";", v.var, v.value),
                        _ => format!("  headers: {{ Authorization: `Bearer {}` }},", v.value),
                    };
                    (None, line)
                },
                TS_FILLER,
            )
        },
        Context {
            lang: Some("sh"),
            ..ctx(
                "shell",
                &["scripts/deploy.sh", "scripts/smoke-test.sh", "bin/setup"],
                "#!/usr/bin/env bash\nset -euo pipefail\n",
                "\necho done",
                |v, rng| {
                    let line = if v.form(2, rng) == 0 {
                        format!("export {}={}", v.var, v.value)
                    } else {
                        format!(
                            "curl -fsS -H \"Authorization: Bearer {}\" https://api.acme.test/v1/health",
                            v.value
                        )
                    };
                    (None, line)
                },
                SH_FILLER,
            )
        },
        ctx(
            "terraform",
            &["infra/main.tf", "infra/modules/webhooks/main.tf"],
            "resource \"kubernetes_secret\" \"app\" {\n  metadata {\n    name = \"app-secrets\"\n  }\n  data = {",
            "  }\n}",
            |v, _| (None, format!("    {} = \"{}\"", v.snake(), v.value)),
            &["    # synced from the vault by hand", "    region = \"eu-west-1\""],
        ),
        ctx(
            "tfvars",
            &["infra/prod.auto.tfvars", "infra/envs/staging.tfvars"],
            "environment = \"prod\"",
            "instance_count = 3",
            |v, _| (None, format!("{} = \"{}\"", v.snake(), v.value)),
            &["region = \"eu-west-1\"", ""],
        ),
        ctx(
            "k8s-secret-stringdata",
            &["deploy/k8s/app-secret.yaml", "k8s/base/integrations-secret.yaml"],
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: integrations\n  namespace: prod\ntype: Opaque\nstringData:",
            "",
            |v, _| (None, format!("  {}: \"{}\"", v.var, v.value)),
            K8S_FILLER,
        ),
        ctx(
            "k8s-secret-data",
            &[
                "deploy/k8s/billing-secret.yaml",
                "k8s/overlays/prod/secret.yaml",
            ],
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: billing\n  namespace: prod\ntype: Opaque\ndata:",
            "",
            |v, _| (None, format!("  {}: {}", v.var, base64(v.value.as_bytes()))),
            K8S_FILLER,
        ),
        Context {
            per_file: 1,
            ..ctx(
                "k8s-dockerconfigjson",
                &["deploy/k8s/registry-secret.yaml"],
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: registry\ntype: kubernetes.io/dockerconfigjson\ndata:",
                "",
                |v, _| {
                    let auth = base64(format!("ci-bot:{}", v.value).as_bytes());
                    let config = format!("{{\"auths\":{{\"ghcr.io\":{{\"auth\":\"{auth}\"}}}}}}");
                    (None, format!("  .dockerconfigjson: {}", base64(config.as_bytes())))
                },
                NONE,
            )
        },
        ctx(
            "k8s-deployment-env",
            &["deploy/k8s/deployment.yaml", "k8s/base/worker.yaml"],
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.8.2\n          env:",
            "          ports:\n            - containerPort: 8080",
            |v, _| {
                (
                    Some(format!("            - name: {}", v.var)),
                    format!("              value: \"{}\"", v.value),
                )
            },
            &["            - name: LOG_LEVEL\n              value: info"],
        ),
        ctx(
            "dockerfile",
            &["Dockerfile", "services/worker/Dockerfile", "docker/Dockerfile.dev"],
            "FROM node:20-alpine\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci --omit=dev",
            "COPY . .\nCMD [\"node\", \"server.js\"]",
            |v, rng| {
                let kw = if rng.below(2) == 0 { "ENV" } else { "ARG" };
                (None, format!("{kw} {}={}", v.var, v.value))
            },
            &["EXPOSE 8080", "ENV NODE_ENV=production"],
        ),
        ctx(
            "markdown-code",
            &["docs/setup.md", "docs/integrations/crm.md", "README.md"],
            "# Setup\n\nThe service reads its keys from the environment. For local work:\n\n```bash",
            "```\n\nThen run `make dev`.",
            |v, _| (None, format!("export {}={}", v.var, v.value)),
            &["export LOG_LEVEL=debug"],
        ),
        ctx(
            "markdown-inline",
            &["docs/runbooks/webhooks.md", "docs/onboarding.md"],
            "# Runbook\n\nKeys currently in use (rotate after the incident review):\n",
            "\nAsk in #platform before rotating.",
            |v, _| (None, format!("- {}: `{}`", v.var, v.value)),
            &["", "- region: `eu-west-1`"],
        ),
        Context {
            per_file: 1,
            ..ctx(
                "minified-js",
                &[
                    "dist/assets/index.js",
                    "public/js/app.min.js",
                    "web/build/static/js/main.chunk.js",
                ],
                "",
                "",
                |v, rng| (None, minified(&format!("{}:\"{}\"", v.camel(), v.value), rng)),
                NONE,
            )
        },
        Context {
            crlf: true,
            ..ctx(
                "crlf-batch",
                &["scripts/setup.bat", "tools/win/configure.cmd"],
                "@echo off\nsetlocal",
                "endlocal",
                |v, _| (None, format!("set {}={}", v.var, v.value)),
                &["rem integration keys", "set LOG_LEVEL=info"],
            )
        },
        Context {
            crlf: true,
            ..ctx(
                "crlf-dotenv",
                &[".env.windows", "services/desktop/.env"],
                "# written on Windows",
                "",
                |v, _| (None, format!("{}={}", v.var, v.value)),
                ENV_FILLER,
            )
        },
        Context {
            crlf: true,
            utf16: true,
            ..ctx(
                "utf16-powershell",
                &["scripts/profile.ps1", "tools/Setup-Dev.ps1"],
                "Set-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'",
                "Write-Host 'environment ready'",
                |v, _| (None, format!("$env:{} = \"{}\"", v.var, v.value)),
                &["# integration keys", "$env:LOG_LEVEL = 'info'"],
            )
        },
        Context {
            crlf: true,
            utf16: true,
            ..ctx(
                "utf16-reg",
                &["tools/acme-sync.reg"],
                "Windows Registry Editor Version 5.00\n\n[HKEY_CURRENT_USER\\Software\\Acme\\Sync]",
                "",
                |v, _| (None, format!("\"{}\"=\"{}\"", v.pascal(), v.value)),
                &["\"Region\"=\"eu-west-1\""],
            )
        },
        ctx(
            "url-query",
            &["config/endpoints.yaml"],
            "endpoints:",
            "",
            |v, _| {
                (
                    None,
                    format!(
                        "  {}_url: https://hooks.acme.test/v1/ingest?{}={}&source=crm",
                        v.snake(),
                        v.snake(),
                        v.value
                    ),
                )
            },
            &["  health_url: https://api.acme.test/health"],
        ),
        ctx(
            "percent-encoded",
            &["config/callbacks.env"],
            "# OAuth return URLs",
            "",
            |v, _| {
                let inner = format!("https://api.acme.test/v1/hook?{}={}", v.snake(), v.value);
                (
                    None,
                    format!(
                        "{}_RETURN_URL=https://app.acme.test/login?next={}",
                        v.var,
                        percent(&inner)
                    ),
                )
            },
            &["LOGIN_URL=https://app.acme.test/login"],
        ),
        ctx(
            "json-escaped",
            &["data/integrations.json", "storage/app/settings.json"],
            "{",
            "  \"updated\": \"2024-05-02\"\n}",
            |v, _| {
                let inner = format!(
                    "{{\"endpoint\":\"https://api.acme.test/v1\",\"{}\":\"{}\"}}",
                    v.camel(),
                    v.value
                );
                (None, format!("  \"{}Config\": \"{}\",", v.camel(), json_escape(&inner)))
            },
            &["  \"locale\": \"en-GB\","],
        ),
        Context {
            lang: Some("sh"),
            ..ctx(
                "base64-shell",
                &["scripts/bootstrap.sh", "ci/restore-env.sh"],
                "#!/bin/sh\nset -e\n: > .env",
                "echo \"wrote .env\"",
                |v, _| {
                    let b = base64(format!("{}={}", v.var, v.value).as_bytes());
                    (None, format!("echo {b} | base64 -d >> .env"))
                },
                NONE,
            )
        },
        ctx(
            "data-url",
            &["web/public/embed.html"],
            "<!doctype html>\n<html>\n<head>",
            "</head>\n<body></body>\n</html>",
            |v, _| {
                let json = format!("{{\"{}\":\"{}\"}}", v.camel(), v.value);
                (
                    None,
                    format!(
                        "  <link rel=\"prefetch\" href=\"data:application/json;base64,{}\">",
                        base64(json.as_bytes())
                    ),
                )
            },
            &["  <meta charset=\"utf-8\">"],
        ),
        ctx(
            "html-script",
            &["web/public/index.html", "web/templates/base.html"],
            "<!doctype html>\n<html>\n<head>\n  <title>Acme</title>",
            "</head>\n<body><div id=\"root\"></div></body>\n</html>",
            |v, _| (None, format!("  <script>window.{} = \"{}\";</script>", v.var, v.value)),
            &["  <meta charset=\"utf-8\">"],
        ),
        ctx(
            "properties",
            &[
                "src/main/resources/application.properties",
                "src/main/resources/application-prod.properties",
            ],
            "server.port=8080",
            "",
            |v, _| (None, format!("acme.{}={}", v.dotted(), v.value)),
            &["spring.jpa.open-in-view=false", "logging.level.root=INFO"],
        ),
        ctx(
            "xml",
            &["config/App.config", "src/Acme.Web/Web.config"],
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <appSettings>",
            "  </appSettings>\n</configuration>",
            |v, _| (None, format!("    <add key=\"{}\" value=\"{}\" />", v.var, v.value)),
            &["    <add key=\"Region\" value=\"eu-west-1\" />"],
        ),
        ctx(
            "go",
            &["internal/config/keys.go", "cmd/sync/secrets.go"],
            "package config\n\nconst (",
            ")",
            |v, _| (None, format!("\t{} = \"{}\"", v.pascal(), v.value)),
            &["\tRegion = \"eu-west-1\""],
        ),
        ctx(
            "ini",
            &["config/app.ini", "deploy/supervisor/sync.conf"],
            "[credentials]",
            "\n[logging]\nlevel = info",
            |v, _| (None, format!("{} = {}", v.snake(), v.value)),
            &["region = eu-west-1"],
        ),
        ctx(
            "log",
            &["logs/app.log", "var/log/worker.log"],
            "2024-05-02T10:15:00Z INFO worker starting pid=4121",
            "2024-05-02T10:16:00Z INFO worker stopped",
            |v, rng| {
                let second = rng.below(60);
                let line = if v.form(2, rng) == 0 {
                    format!(
                        "2024-05-02T10:15:{second:02}Z DEBUG config loaded {}={}",
                        v.snake(),
                        v.value
                    )
                } else {
                    format!(
                        "2024-05-02T10:15:{second:02}Z DEBUG http request method=POST url=https://api.acme.test/v1/sync headers={{\"Authorization\": \"Bearer {}\", \"Accept\": \"application/json\"}}",
                        v.value
                    )
                };
                (None, line)
            },
            &["2024-05-02T10:15:30Z INFO sync batch=17 records=250"],
        ),
        ctx(
            "sql",
            &["db/seeds/integrations.sql"],
            "BEGIN;",
            "COMMIT;",
            |v, _| {
                (
                    None,
                    format!(
                        "INSERT INTO settings (key, value) VALUES ('{}', '{}');",
                        v.snake(),
                        v.value
                    ),
                )
            },
            &["-- seed data for staging"],
        ),
        ctx(
            "ruby",
            &["config/initializers/integrations.rb"],
            "Rails.application.configure do",
            "end",
            |v, _| (None, format!("  config.x.{} = \"{}\"", v.snake(), v.value)),
            &["  config.x.region = \"eu-west-1\""],
        ),
        ctx(
            "csharp",
            &["src/Acme.Sync/Secrets.cs"],
            "namespace Acme.Sync\n{\n    internal static class Secrets\n    {",
            "    }\n}",
            |v, _| {
                (
                    None,
                    format!("        public const string {} = \"{}\";", v.pascal(), v.value),
                )
            },
            &["        public const int TimeoutSeconds = 30;"],
        ),
        ctx(
            "java",
            &["src/main/java/com/acme/sync/Keys.java"],
            "package com.acme.sync;\n\npublic final class Keys {",
            "    private Keys() {}\n}",
            |v, _| (None, format!("    static final String {} = \"{}\";", v.var, v.value)),
            &["    static final int TIMEOUT = 30;"],
        ),
        ctx(
            "php",
            &["config/services.php"],
            "<?php\n\nreturn [",
            "];",
            |v, _| (None, format!("    '{}' => '{}',", v.snake(), v.value)),
            &["    'region' => 'eu-west-1',"],
        ),
    ]
}

/// A one-line bundle with `member` inside an object literal, surrounded by the kind of
/// code a bundler emits.
pub(crate) fn minified(member: &str, rng: &mut Rng) -> String {
    const PARTS: &[&str] = &[
        "function(e,t,n){\"use strict\";n.r(t),n.d(t,{default:function(){return o}});",
        "var r=n(67294),o=function(e){return r.createElement(\"div\",{className:\"app\"},e.children)};",
        "e.exports=function(e){return e&&e.__esModule?e:{default:e}};",
        "const a=(e,t)=>e.reduce((e,n)=>e+n[t],0);",
        "window.dataLayer=window.dataLayer||[];",
        "function s(e){if(!e)throw new Error(\"missing config\");return e}",
        "var l={retries:3,timeout:5e3,baseURL:\"https://api.acme.test/v2\"};",
        "Object.defineProperty(t,\"__esModule\",{value:!0});",
    ];
    let mut out = String::from("!function(){");
    for _ in 0..20 + rng.below(40) {
        out.push_str(PARTS[rng.below(PARTS.len())]);
    }
    out.push_str(&format!(
        "var c={{env:\"production\",build:\"{}\",{member},region:\"eu\"}};",
        rng.string(HEX, 8)
    ));
    for _ in 0..20 + rng.below(40) {
        out.push_str(PARTS[rng.below(PARTS.len())]);
    }
    out.push_str("}();");
    out
}
