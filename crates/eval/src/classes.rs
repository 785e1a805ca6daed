//! Layer 4: the classes of issue 16 that no rule example stands for, each written from the
//! tools' and providers' documented syntax rather than from ferret's rules, so that the
//! rules are measured on text they were not written against:
//!
//! - **command lines**: passwords passed as arguments (`curl -u user:pass`, `mysql -pPASS`,
//!   `sshpass -p`, `docker login -p`, `redis-cli -a`, `PGPASSWORD=`, `htpasswd -b`, htpasswd
//!   entries) in shell scripts, Dockerfiles, CI files and READMEs;
//! - **connection strings**: URLs with user info for every common scheme, JDBC URLs and
//!   ADO.NET strings;
//! - **multi-part**: credentials made of two or three values (AWS key id and secret key,
//!   Twilio SID and token, an Azure tenant, client id and secret, a GCP key file, ...), each
//!   planted as one entry spanning its parts' lines: a scanner that reports any of them
//!   found it.
//!
//! Each class has look-alikes of its own (placeholders, variables, prompts, local hosts),
//! next to the secrets. Every entry carries its class; the variant (`curl -u`,
//! `postgres url`, `aws credentials file`) is its context.
use super::decoys::{base64, random_bytes, uuid};
use super::doc::{Doc, Label};
use ferret_rules::synth::{Rng, ALNUM, BASE64, DIGITS, HEX, UPPER};

pub const COMMAND_LINES: &str = "command-lines";
pub const CONNECTION_STRINGS: &str = "connection-strings";
pub const MULTI_PART: &str = "multi-part";

/// Each variant is planted this many times, with fresh values, in different files.
const COPIES: usize = 3;

/// A password as people set them: letters and digits with a symbol or two that shells
/// and URLs take without quoting.
fn password(rng: &mut Rng) -> String {
    let sym = [b'!', b'%', b'_', b'.', b'-', b'+'];
    let n = 10 + rng.below(8);
    let mut p = rng.string(ALNUM, n);
    p.push(sym[rng.below(sym.len())] as char);
    let n = 2 + rng.below(3);
    p.push_str(&rng.string(DIGITS, n));
    p
}

/// A password safe inside a URL's user info (no `%`, `+` or `!` to escape).
fn url_password(rng: &mut Rng) -> String {
    let n = 14 + rng.below(10);
    let mut p = rng.string(ALNUM, n);
    p.push('_');
    p.push_str(&rng.string(DIGITS, 3));
    p
}

/// The placeholders and references documentation and templates write instead of a value.
const PLACEHOLDERS: &[&str] = &[
    "password",
    "${DB_PASSWORD}",
    "$PASSWORD",
    "<password>",
    "****",
    "changeme",
    "{{ .Values.password }}",
    "%PASSWORD%",
];

fn placeholder(rng: &mut Rng) -> &'static str {
    PLACEHOLDERS[rng.below(PLACEHOLDERS.len())]
}

fn label<'a>(class: &'a str, rule: &'a str, secret: bool, context: &'a str) -> Label<'a> {
    Label {
        family: class,
        rule: Some(rule),
        is_secret: secret,
        context,
    }
}

/// Plants `text` in `d` as an entry of `class`.
fn plant(d: &mut Doc, text: &str, l: Label<'_>) {
    let class = l.family.to_string();
    d.plant(text, l);
    if let Some(e) = d.entries.last_mut() {
        e.class = Some(class);
    }
}

/// One planted line: (variant, rule, text).
type Line = (&'static str, &'static str, String);

fn command_line_secrets(rng: &mut Rng) -> Vec<Line> {
    let host = |rng: &mut Rng| {
        format!(
            "{}.acme-{}.internal",
            ["db", "cache", "api", "registry"][rng.below(4)],
            rng.string(DIGITS, 2)
        )
    };
    let mut v: Vec<Line> = Vec::new();
    let (p1, p2, p3, p4) = (
        password(rng),
        password(rng),
        password(rng),
        url_password(rng),
    );
    let h = host(rng);
    v.push((
        "curl -u",
        "curl-user-password",
        format!("curl -fsS -u deploy:{p1} https://{h}/api/v1/status"),
    ));
    v.push((
        "curl --user",
        "curl-user-password",
        format!("curl --user 'ci-bot:{p2}' -X POST https://{h}/job/build"),
    ));
    v.push((
        "curl --user=",
        "curl-user-password",
        format!("curl --retry 3 --user=mirror:{p4} -o pkg.tgz https://{h}/pkg.tgz"),
    ));
    let (p1, p2, p3b) = (password(rng), password(rng), url_password(rng));
    v.push((
        "mysql -p",
        "mysql-password-argument",
        format!("mysql -h {h} -u app -p{p3b} shop < schema.sql"),
    ));
    v.push((
        "mysql -p'…'",
        "mysql-password-argument",
        format!("mysql -h {h} -u app -p'{p1}' -e 'select 1'"),
    ));
    v.push((
        "mysqldump --password=",
        "mysql-password-argument",
        format!(
            "mysqldump --single-transaction -u backup --password={p2} shop | gzip > shop.sql.gz"
        ),
    ));
    let (p1, p2) = (password(rng), url_password(rng));
    v.push((
        "sshpass -p",
        "sshpass-password",
        format!(
            "sshpass -p '{p1}' ssh -o StrictHostKeyChecking=no deploy@10.0.{}.{} uptime",
            rng.below(250),
            rng.below(250)
        ),
    ));
    v.push((
        "sshpass -pPASS",
        "sshpass-password",
        format!("sshpass -p{p2} scp build.tar.gz ops@{h}:/srv/"),
    ));
    let (p1, p2) = (url_password(rng), password(rng));
    v.push((
        "docker login -p",
        "docker-login-password",
        format!("docker login -u ci-pusher -p {p1} registry.acme.test"),
    ));
    v.push((
        "docker login --password=",
        "docker-login-password",
        format!("docker login registry.acme.test --username deploy --password='{p2}'"),
    ));
    let (p1, p2) = (url_password(rng), password(rng));
    v.push((
        "redis-cli -a",
        "redis-cli-password",
        format!("redis-cli -h {h} -p 6380 -a {p1} --tls ping"),
    ));
    v.push((
        "redis-cli --pass",
        "redis-cli-password",
        format!("redis-cli --pass '{p2}' -h {h} info"),
    ));
    let (p1, p2) = (url_password(rng), password(rng));
    v.push((
        "PGPASSWORD= psql",
        "pgpassword-variable",
        format!("PGPASSWORD={p1} psql -h {h} -U reporting -d warehouse -c 'select 1'"),
    ));
    v.push((
        "export PGPASSWORD",
        "pgpassword-variable",
        format!("export PGPASSWORD='{p2}'"),
    ));
    v.push((
        "htpasswd -b",
        "htpasswd-batch-password",
        format!("htpasswd -bc /etc/nginx/.htpasswd admin {p3}"),
    ));
    v
}

fn command_line_lookalikes(rng: &mut Rng) -> Vec<Line> {
    let ph = |rng: &mut Rng| placeholder(rng).to_string();
    vec![
        ("curl -u", "curl-user-password", format!("curl -u deploy:{} https://api.acme.test/v1/status", ph(rng))),
        ("curl -u", "curl-user-password", "curl -u \"$API_USER:$API_PASS\" https://api.acme.test/".into()),
        ("curl -u", "curl-user-password", "curl -u admin https://api.acme.test/   # prompts for the password".into()),
        ("mysql -p", "mysql-password-argument", "mysql -h db -u root -p shop".into()),
        ("mysql -p", "mysql-password-argument", format!("mysql -u app -p{} shop", ph(rng))),
        ("sshpass -p", "sshpass-password", "sshpass -e ssh deploy@10.0.0.5 uptime".into()),
        ("sshpass -p", "sshpass-password", "sshpass -p \"$SSH_PASSWORD\" ssh deploy@10.0.0.5".into()),
        ("docker login -p", "docker-login-password", "echo \"$CI_REGISTRY_PASSWORD\" | docker login -u \"$CI_REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\"".into()),
        ("docker login -p", "docker-login-password", format!("docker login -u ci -p {} registry.acme.test", ph(rng))),
        ("redis-cli -a", "redis-cli-password", "redis-cli -a \"$REDIS_PASSWORD\" ping".into()),
        ("PGPASSWORD= psql", "pgpassword-variable", "PGPASSWORD=$POSTGRES_PASSWORD psql -h db -U app".into()),
        ("htpasswd -b", "htpasswd-batch-password", "htpasswd -c /etc/nginx/.htpasswd admin".into()),
    ]
}

fn connection_string_secrets(rng: &mut Rng) -> Vec<Line> {
    let mut v: Vec<Line> = Vec::new();
    let host = |rng: &mut Rng, kind: &str| {
        format!(
            "{kind}-{}.prod.acme-{}.net",
            rng.below(9),
            rng.string(DIGITS, 3)
        )
    };
    let pw = |rng: &mut Rng| url_password(rng);
    let cases: [(&str, &str, &str, &str); 18] = [
        ("postgres url", "postgres-connection-string", "DATABASE_URL=postgres://app:{pw}@{h}:5432/app", "pg"),
        ("postgresql url", "postgres-connection-string", "SQLALCHEMY_DATABASE_URI = \"postgresql+psycopg2://svc:{pw}@{h}/reports\"", "pg"),
        ("jdbc postgresql", "postgres-connection-string", "spring.datasource.url=jdbc:postgresql://etl:{pw}@{h}:5432/warehouse", "pg"),
        ("mysql url", "mysql-connection-string", "DATABASE_URL=mysql://shop:{pw}@{h}:3306/shop", "mysql"),
        ("mysql2 url", "mysql-connection-string", "  url: mysql2://rails:{pw}@{h}/app_production", "mysql"),
        ("mariadb url", "mysql-connection-string", "MARIADB_URL=mariadb://etl:{pw}@{h}:3306/dw", "maria"),
        ("mongodb url", "mongodb-connection-string", "MONGO_URL=mongodb://admin:{pw}@{h}:27017/admin?authSource=admin", "mongo"),
        ("mongodb+srv url", "mongodb-connection-string", "MONGODB_URI=mongodb+srv://api:{pw}@cluster0.{h}/prod?retryWrites=true", "mongo"),
        ("redis url", "redis-connection-string", "REDIS_URL=redis://default:{pw}@{h}:6379/0", "cache"),
        ("rediss url", "redis-connection-string", "CACHE_URL=rediss://:{pw}@{h}:6380", "cache"),
        ("amqp url", "amqp-connection-string", "CELERY_BROKER_URL=amqp://worker:{pw}@{h}:5672/prod", "mq"),
        ("amqps url", "amqp-connection-string", "RABBITMQ_URL=amqps://worker:{pw}@{h}:5671/", "mq"),
        ("jdbc password=", "jdbc-password-parameter", "jdbc.url=jdbc:mysql://{h}:3306/shop?user=shop&password={pw}&useSSL=true", "mysql"),
        ("sqlserver url", "service-url-with-credentials", "MSSQL_DSN=sqlserver://app:{pw}@{h}:1433?database=erp", "sql"),
        ("ado.net", "sqlserver-connection-string", "\"Default\": \"Server=tcp:{h},1433;Database=erp;User ID=erp_app;Password={pw};Encrypt=True;\"", "sql"),
        ("ldaps url", "service-url-with-credentials", "LDAP_URI=ldaps://svc-sync:{pw}@{h}:636/dc=acme,dc=test", "ldap"),
        ("ftp url", "service-url-with-credentials", "BACKUP_TARGET=ftp://backup:{pw}@{h}/nightly/", "files"),
        ("smtp url", "service-url-with-credentials", "EMAIL_URL=smtp://postmaster:{pw}@{h}:587", "smtp"),
    ];
    for (variant, rule, t, kind) in cases {
        let (p, h) = (pw(rng), host(rng, kind));
        v.push((variant, rule, t.replace("{pw}", &p).replace("{h}", &h)));
    }
    let (p, h) = (pw(rng), host(rng, "git"));
    v.push((
        "https url",
        "url-with-credentials",
        format!("git clone https://build:{p}@{h}/platform/app.git"),
    ));
    v
}

fn connection_string_lookalikes(rng: &mut Rng) -> Vec<Line> {
    let ph = |rng: &mut Rng| placeholder(rng).to_string();
    let p = url_password(rng);
    vec![
        (
            "postgres url",
            "postgres-connection-string",
            format!(
                "DATABASE_URL=postgres://app:{}@db.acme.test:5432/app",
                ph(rng)
            ),
        ),
        (
            "postgres url",
            "postgres-connection-string",
            format!("DATABASE_URL=postgres://app:{p}@localhost:5432/app"),
        ),
        (
            "mysql url",
            "mysql-connection-string",
            "DATABASE_URL=mysql://root:root@db:3306/shop".into(),
        ),
        (
            "mongodb+srv url",
            "mongodb-connection-string",
            "MONGODB_URI=mongodb+srv://<username>:<password>@cluster0.mongodb.net/".into(),
        ),
        (
            "redis url",
            "redis-connection-string",
            "REDIS_URL=redis://localhost:6379/0".into(),
        ),
        (
            "amqp url",
            "amqp-connection-string",
            "BROKER_URL=amqp://guest:guest@rabbitmq:5672//".into(),
        ),
        (
            "jdbc password=",
            "jdbc-password-parameter",
            "jdbc.url=jdbc:mysql://db:3306/shop?user=shop&password=${DB_PASSWORD}".into(),
        ),
        (
            "ado.net",
            "sqlserver-connection-string",
            "\"Default\": \"Server=sql01;Database=erp;Integrated Security=true;\"".into(),
        ),
        (
            "smtp url",
            "service-url-with-credentials",
            format!("EMAIL_URL=smtp://mailer:{}@smtp.acme.test:587", ph(rng)),
        ),
        (
            "https url",
            "url-with-credentials",
            "git clone https://${GIT_USER}:${GIT_TOKEN}@git.acme.test/app.git".into(),
        ),
    ]
}

/// Multi-part credentials: (variant, rule, text over several lines).
fn multi_part_secrets(rng: &mut Rng) -> Vec<Line> {
    const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let aws_id = |rng: &mut Rng| format!("{}{}", ["AK", "IA"].concat(), rng.string(BASE32, 16));
    let aws_secret = |rng: &mut Rng| {
        let mut s = rng.string(BASE64, 40);
        // Real secret keys mix cases and digits; make sure this one does.
        s.replace_range(
            0..3,
            &format!(
                "{}{}{}",
                rng.string(UPPER, 1),
                rng.string(b"abcdefghijklmnopqrstuvwxyz", 1),
                rng.string(DIGITS, 1)
            ),
        );
        s
    };
    let guid = |rng: &mut Rng| uuid(rng);
    let mut v: Vec<Line> = Vec::new();
    let (id, sec) = (aws_id(rng), aws_secret(rng));
    v.push((
        "aws credentials file",
        "aws-access-key-id",
        format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {sec}"),
    ));
    let (id, sec) = (aws_id(rng), aws_secret(rng));
    v.push((
        "aws env",
        "aws-access-key-id",
        format!("AWS_ACCESS_KEY_ID={id}\nAWS_SECRET_ACCESS_KEY={sec}"),
    ));
    let (id, sec) = (aws_id(rng), aws_secret(rng));
    v.push(("aws in code", "aws-access-key-id", format!("const s3 = new S3Client({{ credentials: {{ accessKeyId: \"{id}\", secretAccessKey: \"{sec}\" }} }});")));
    let (sid, tok) = (format!("AC{}", rng.string(HEX, 32)), rng.string(HEX, 32));
    v.push((
        "twilio sid + token",
        "twilio-auth-token",
        format!("TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={tok}"),
    ));
    let (app, key) = (
        format!("{}{}", rng.string(UPPER, 4), rng.string(DIGITS, 6)),
        rng.string(HEX, 32),
    );
    v.push((
        "algolia app id + admin key",
        "algolia-admin-api-key",
        format!("ALGOLIA_APP_ID={app}\nALGOLIA_ADMIN_API_KEY={key}"),
    ));
    let (api, appk) = (rng.string(HEX, 32), rng.string(HEX, 40));
    v.push((
        "datadog api + app key",
        "datadog-app-key",
        format!("DD_API_KEY={api}\nDD_APP_KEY={appk}"),
    ));
    let secret = format!(
        "{}{}Q~{}",
        rng.string(ALNUM, 3),
        rng.string(DIGITS, 1),
        rng.string(ALNUM, 34)
    );
    v.push(("azure tenant + client + secret", "azure-ad-client-secret", format!("  \"AzureAd\": {{\n    \"TenantId\": \"{}\",\n    \"ClientId\": \"{}\",\n    \"ClientSecret\": \"{secret}\"\n  }},", guid(rng), guid(rng))));
    let key = rng.string(HEX, 37);
    v.push((
        "cloudflare email + global key",
        "cloudflare-global-api-key",
        format!("CLOUDFLARE_EMAIL=ops@acme.test\nCLOUDFLARE_API_KEY={key}"),
    ));
    let (kid, ks) = (
        format!("rzp_live_{}", rng.string(ALNUM, 14)),
        rng.string(ALNUM, 24),
    );
    v.push((
        "razorpay key id + secret",
        "razorpay-key-secret",
        format!("RAZORPAY_KEY_ID={kid}\nRAZORPAY_KEY_SECRET={ks}"),
    ));
    let (cid, cs) = (rng.string(HEX, 24), rng.string(HEX, 30));
    v.push((
        "plaid client id + secret",
        "plaid-client-secret",
        format!("PLAID_CLIENT_ID={cid}\nPLAID_SECRET={cs}"),
    ));
    v
}

fn multi_part_lookalikes(_rng: &mut Rng) -> Vec<Line> {
    vec![
        ("aws env", "aws-access-key-id", "AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID}\nAWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}".into()),
        ("twilio sid + token", "twilio-auth-token", "TWILIO_ACCOUNT_SID=<your-account-sid>\nTWILIO_AUTH_TOKEN=<your-auth-token>".into()),
        ("azure tenant + client + secret", "azure-ad-client-secret", "  \"AzureAd\": {\n    \"TenantId\": \"common\",\n    \"ClientId\": \"<client-id>\",\n    \"ClientSecret\": \"<client-secret>\"\n  },".into()),
        ("datadog api + app key", "datadog-app-key", "DD_API_KEY=${DD_API_KEY}\nDD_APP_KEY=${DD_APP_KEY}".into()),
    ]
}

/// A GCP service-account key file (the private key is random base64, as no scanner can
/// tell from the text alone).
fn gcp_key_file(rng: &mut Rng) -> String {
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\\n");
    let body = base64(&random_bytes(rng, 1190));
    for chunk in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        pem.push_str("\\n");
    }
    pem.push_str("-----END PRIVATE KEY-----\\n");
    let project = format!("acme-prod-{}", rng.string(DIGITS, 4));
    format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"{project}\",\n  \"private_key_id\": \"{}\",\n  \"private_key\": \"{pem}\",\n  \"client_email\": \"deployer@{project}.iam.gserviceaccount.com\",\n  \"client_id\": \"{}\",\n  \"token_uri\": \"https://oauth2.googleapis.com/token\"\n}}",
        rng.string(HEX, 40),
        rng.string(DIGITS, 21)
    )
}

/// The files of the three classes: each class's secrets and look-alikes, spread over the
/// kinds of file they turn up in.
pub(crate) fn docs(rng: &mut Rng, mut doc: impl FnMut(&str) -> Doc) -> Vec<Doc> {
    let mut out = Vec::new();
    // Command lines: a deploy script, a Dockerfile, a CI file, a README's code block.
    let homes: [(&str, &str, &str, &str); 4] = [
        (
            "scripts/ops/deploy.sh",
            "#!/usr/bin/env bash\nset -euo pipefail\n",
            "",
            "",
        ),
        (
            "docker/tools/Dockerfile",
            "FROM debian:bookworm-slim\n",
            "RUN ",
            "",
        ),
        (
            ".gitlab/ci/release.yml",
            "release:\n  stage: deploy\n  script:",
            "    - ",
            "",
        ),
        (
            "docs/runbooks/database.md",
            "# Database runbook\n\n```sh",
            "",
            "```",
        ),
    ];
    let mut lines: Vec<(Line, bool)> = Vec::new();
    for _ in 0..COPIES {
        lines.extend(command_line_secrets(rng).into_iter().map(|l| (l, true)));
        lines.extend(command_line_lookalikes(rng).into_iter().map(|l| (l, false)));
    }
    plant_spread(rng, &mut out, &mut doc, &homes, lines, COMMAND_LINES);
    let mut d = doc("deploy/nginx/.htpasswd");
    for user in ["admin", "grafana", "metrics"] {
        let line = format!(
            "{user}:$apr1${}${}",
            rng.string(ALNUM, 8),
            rng.string(ALNUM, 22)
        );
        plant(
            &mut d,
            &line,
            label(COMMAND_LINES, "htpasswd-entry", true, "htpasswd entry"),
        );
    }
    out.push(d);

    // Connection strings: an env file, a YAML config, a properties file, settings JSON.
    let homes: [(&str, &str, &str, &str); 3] = [
        (
            "deploy/prod/services.env",
            "# services\nLOG_LEVEL=info",
            "",
            "",
        ),
        ("config/datasources.yml", "# datasources", "", ""),
        ("docs/connections.md", "# Connections\n\n```", "", "```"),
    ];
    let mut lines: Vec<(Line, bool)> = Vec::new();
    for _ in 0..COPIES {
        lines.extend(
            connection_string_secrets(rng)
                .into_iter()
                .map(|l| (l, true)),
        );
        lines.extend(
            connection_string_lookalikes(rng)
                .into_iter()
                .map(|l| (l, false)),
        );
    }
    plant_spread(rng, &mut out, &mut doc, &homes, lines, CONNECTION_STRINGS);

    // Multi-part: each credential in its own kind of file.
    let mut credentials = Vec::new();
    for _ in 0..COPIES {
        credentials.extend(multi_part_secrets(rng));
    }
    for (i, (variant, rule, text)) in credentials.into_iter().enumerate() {
        let path = match variant {
            "aws credentials file" => format!("home/ops{i}/.aws/credentials"),
            "aws in code" => format!("web/src/storage{i}.ts"),
            v if v.starts_with("azure") => format!("services/api{i}/appsettings.Production.json"),
            _ => format!("services/worker{i}/.env.production"),
        };
        let mut d = doc(&path);
        let json = path.ends_with(".json");
        if json {
            d.text("{\n  \"Logging\": { \"LogLevel\": { \"Default\": \"Information\" } },");
        } else if path.ends_with(".env.production") {
            d.text("NODE_ENV=production");
        }
        plant(&mut d, &text, label(MULTI_PART, rule, true, variant));
        if json {
            d.text("  \"AllowedHosts\": \"*\"\n}");
        }
        out.push(d);
    }
    for _ in 0..COPIES {
        let mut d = doc("deploy/gcp/deployer-key.json");
        let key = gcp_key_file(rng);
        plant(
            &mut d,
            &key,
            label(MULTI_PART, "gcp-service-account-key", true, "gcp key file"),
        );
        out.push(d);
    }
    for (i, (variant, rule, text)) in multi_part_lookalikes(rng).into_iter().enumerate() {
        let json = variant.starts_with("azure");
        let mut d = doc(&if json {
            format!("templates/app{i}/appsettings.json")
        } else {
            format!("templates/app{i}/.env.example")
        });
        if json {
            d.text("{");
        }
        plant(&mut d, &text, label(MULTI_PART, rule, false, variant));
        if json {
            d.text("  \"AllowedHosts\": \"*\"\n}");
        }
        out.push(d);
    }
    out
}

/// Spreads lines over the homes in turn, each home a file with a head, a prefix for every
/// planted line (`RUN `, `    - `) and a tail.
fn plant_spread(
    rng: &mut Rng,
    out: &mut Vec<Doc>,
    doc: &mut impl FnMut(&str) -> Doc,
    homes: &[(&str, &str, &str, &str)],
    mut lines: Vec<(Line, bool)>,
    class: &str,
) {
    for i in (1..lines.len()).rev() {
        let j = rng.below(i + 1);
        lines.swap(i, j);
    }
    let mut docs: Vec<Doc> = homes
        .iter()
        .map(|(path, head, _, _)| {
            let mut d = doc(path);
            d.text(head);
            d
        })
        .collect();
    for (k, ((variant, rule, text), secret)) in lines.iter().enumerate() {
        let h = k % homes.len();
        let (_, _, prefix, _) = homes[h];
        plant(
            &mut docs[h],
            &format!("{prefix}{text}"),
            label(class, rule, *secret, variant),
        );
    }
    for (d, (_, _, _, tail)) in docs.iter_mut().zip(homes) {
        if !tail.is_empty() {
            d.text(tail);
        }
    }
    out.extend(docs);
}
