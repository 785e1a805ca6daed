//! Look-alikes: what a careless scanner reports and a careful one does not. Placeholders
//! and references, hashes and UUIDs, public identifiers, identifiers that contain a token
//! prefix, checksum-failing copies of checksummed formats, images and encrypted values.
//! Prefixes are written in pieces (`"s", "k_"`) so this file holds no key shape.
use ferret_rules::synth::{Rng, ALNUM, BASE64, DIGITS, HEX, LOWERNUM};

/// A look-alike value for a `NAME = value` slot.
pub(crate) struct Decoy {
    pub var: String,
    pub value: String,
    /// The provider it imitates (`none` for hashes, UUIDs and images).
    pub family: &'static str,
    pub kind: &'static str,
}

type Fam = &'static str;
type Kind = &'static str;

const SK: &str = concat!("s", "k_");
const TOPO: &str = concat!("to", "po_");
const WHSEC: &str = concat!("wh", "sec_");

fn d(var: &str, value: String, family: &'static str, kind: &'static str) -> Decoy {
    Decoy {
        var: var.to_string(),
        value,
        family,
        kind,
    }
}

pub(crate) use ferret_rules::synth::base64;

pub(crate) fn random_bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.next_u64() as u8).collect()
}

pub(crate) fn uuid(rng: &mut Rng) -> String {
    format!(
        "{}-{}-4{}-a{}-{}",
        rng.string(HEX, 8),
        rng.string(HEX, 4),
        rng.string(HEX, 3),
        rng.string(HEX, 3),
        rng.string(HEX, 12)
    )
}

/// A small PNG (signature, then noise) as base64, the way images sit in CSS and notebooks.
pub(crate) fn png_base64(rng: &mut Rng, n: usize) -> String {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend(random_bytes(rng, n));
    base64(&b)
}

/// How many value look-alikes [`value`] cycles through.
pub(crate) const VALUE_KINDS: usize = 44;

/// The `n`th value look-alike (cycling), with fresh random parts.
pub(crate) fn value(n: usize, rng: &mut Rng) -> Decoy {
    match n % VALUE_KINDS {
        0 => d(
            "ATTIO_API_KEY",
            format!("{SK}your_token_here"),
            "attio",
            "placeholder",
        ),
        1 => d("ATTIO_API_KEY", format!("{SK}..."), "attio", "placeholder"),
        2 => d(
            "ATTIO_API_KEY",
            "<YOUR_ATTIO_API_KEY>".into(),
            "attio",
            "placeholder",
        ),
        3 => d(
            "ATTIO_API_KEY",
            "${ATTIO_API_KEY}".into(),
            "attio",
            "reference",
        ),
        4 => d(
            "TOPO_API_KEY",
            format!("{TOPO}{}", "X".repeat(32)),
            "topo",
            "placeholder",
        ),
        5 => d(
            "TOPO_API_KEY",
            "<your-topo-key>".into(),
            "topo",
            "placeholder",
        ),
        6 => d(
            "TOPO_API_KEY",
            "${TOPO_API_KEY:?missing}".into(),
            "topo",
            "reference",
        ),
        7 => d(
            "STRIPE_WEBHOOK_SECRET",
            format!("{WHSEC}..."),
            "webhooks",
            "placeholder",
        ),
        8 => d(
            "STRIPE_WEBHOOK_SECRET",
            format!("{WHSEC}{}", "x".repeat(32)),
            "webhooks",
            "placeholder",
        ),
        9 => d(
            "STRIPE_WEBHOOK_SECRET",
            "{{ .Values.stripe.webhookSecret }}".into(),
            "webhooks",
            "reference",
        ),
        10 => d(
            "SVIX_SECRET",
            format!("{WHSEC}REPLACE_ME"),
            "webhooks",
            "placeholder",
        ),
        11 => d(
            "STRIPE_SECRET_KEY",
            format!("{SK}live_..."),
            "stripe",
            "placeholder",
        ),
        12 => d(
            "STRIPE_SECRET_KEY",
            format!("{SK}test_your_key_here"),
            "stripe",
            "placeholder",
        ),
        13 => d("API_KEY", "changeme".into(), "generic", "placeholder"),
        14 => d(
            "API_KEY",
            "your-api-key-here".into(),
            "generic",
            "placeholder",
        ),
        15 => d(
            "DB_PASSWORD",
            "%DB_PASSWORD%".into(),
            "generic",
            "reference",
        ),
        16 => d(
            "AUTH_TOKEN",
            "REPLACE_WITH_TOKEN".into(),
            "generic",
            "placeholder",
        ),
        17 => d(
            "TASK_QUEUE",
            format!("task_{SK}manager"),
            "attio",
            "identifier",
        ),
        18 => d(
            "SORT_MODE",
            format!("{TOPO}sort_order"),
            "topo",
            "identifier",
        ),
        19 => d(
            "SSL_FREE_FN",
            format!("{SK}X509_pop_free"),
            "attio",
            "identifier",
        ),
        20 => d(
            "GRAPH_CACHE",
            format!("{TOPO}sortedNodesCache"),
            "topo",
            "identifier",
        ),
        21 => d(
            "WEBHOOK_SECRET_PREFIX",
            WHSEC.into(),
            "webhooks",
            "identifier",
        ),
        22 => d("GIT_SHA", rng.string(HEX, 40), "none", "hash"),
        23 => d("ARTIFACT_SHA256", rng.string(HEX, 64), "none", "hash"),
        24 => d("ETAG", rng.string(HEX, 32), "none", "hash"),
        25 => d(
            "BASE_IMAGE",
            format!("node@sha256:{}", rng.string(HEX, 64)),
            "none",
            "hash",
        ),
        26 => d(
            "BUNDLE_INTEGRITY",
            format!("sha384-{}", base64(&random_bytes(rng, 48))),
            "none",
            "hash",
        ),
        27 => d(
            "ADMIN_PASSWORD_HASH",
            format!(
                "$2b$12${}",
                rng.string(
                    b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                    53
                )
            ),
            "generic",
            "hash",
        ),
        28 => d("TENANT_ID", uuid(rng), "none", "uuid"),
        29 => d("CLIENT_ID", uuid(rng), "none", "uuid"),
        30 => d("REQUEST_ID", uuid(rng), "none", "uuid"),
        31 => d(
            "STRIPE_CUSTOMER",
            format!("cus_{}", rng.string(ALNUM, 14)),
            "stripe",
            "public-id",
        ),
        32 => d(
            "STRIPE_PRICE_ID",
            format!("price_1{}", rng.string(ALNUM, 23)),
            "stripe",
            "public-id",
        ),
        33 => d(
            "SENTRY_DSN",
            format!(
                "https://{}@o{}.ingest.sentry.io/{}",
                rng.string(HEX, 32),
                rng.string(DIGITS, 6),
                rng.string(DIGITS, 7)
            ),
            "sentry",
            "public-id",
        ),
        34 => d(
            "GOOGLE_CLIENT_ID",
            format!(
                "{}-{}.apps.googleusercontent.com",
                rng.string(DIGITS, 12),
                rng.string(LOWERNUM, 32)
            ),
            "google",
            "public-id",
        ),
        35 => d("AWS_ACCOUNT_ID", rng.string(DIGITS, 12), "aws", "public-id"),
        36 => d(
            "GITHUB_TOKEN",
            format!("{}{}", concat!("gh", "p_"), rng.string(ALNUM, 36)),
            "github",
            "checksum",
        ),
        37 => d(
            "GH_OAUTH_TOKEN",
            format!("{}{}", concat!("gh", "o_"), rng.string(ALNUM, 36)),
            "github",
            "checksum",
        ),
        38 => d(
            "NPM_TOKEN",
            format!("{}{}", concat!("np", "m_"), rng.string(ALNUM, 36)),
            "package-registries",
            "checksum",
        ),
        39 => d(
            "LOGO_DATA_URL",
            format!("data:image/png;base64,{}", png_base64(rng, 120)),
            "none",
            "image",
        ),
        40 => d(
            "DB_PASSWORD",
            format!(
                "ENC[AES256_GCM,data:{},iv:{},tag:{},type:str]",
                rng.string(BASE64, 24),
                base64(&random_bytes(rng, 32)),
                base64(&random_bytes(rng, 16))
            ),
            "generic",
            "encrypted",
        ),
        41 => d("TEST_API_KEY", "test-api-key".into(), "generic", "fixture"),
        42 => d(
            "STRIPE_WEBHOOK_SECRET",
            format!("{WHSEC}test_secret"),
            "webhooks",
            "fixture",
        ),
        _ => d("TOPO_API_KEY", format!("{TOPO}test_key"), "topo", "fixture"),
    }
}

/// A secret with no format of its own, known only by its name: (rule, name, value).
/// Passwords and keys as people and generators make them.
pub(crate) fn named_secret(n: usize, rng: &mut Rng) -> (&'static str, &'static str, String) {
    const PASSWORDS: &[&str] = &[
        "DB_PASSWORD",
        "POSTGRES_PASSWORD",
        "SMTP_PASSWORD",
        "REDIS_PASSWORD",
        "KEYSTORE_PASSWORD",
        "ADMIN_PASSWORD",
    ];
    const SECRETS: &[&str] = &[
        "JWT_SECRET",
        "SESSION_SECRET",
        "CLIENT_SECRET",
        "API_KEY",
        "ENCRYPTION_KEY",
        "WEBHOOK_SIGNING_KEY",
    ];
    const SYMBOLS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!@%*^~+";
    let extra = rng.below(4);
    let value = match n % 5 {
        0 => rng.string(ALNUM, 20 + 2 * extra),
        1 => base64(&random_bytes(rng, 24 + 3 * extra)),
        2 => rng.string(HEX, 32 + 8 * extra),
        3 => rng.string(SYMBOLS, 18 + extra),
        _ => format!(
            "{}-{}-{}",
            rng.string(ALNUM, 8),
            rng.string(ALNUM, 8),
            rng.string(ALNUM, 8)
        ),
    };
    if n % 2 == 0 {
        let name = PASSWORDS[(n / 2) % PASSWORDS.len()];
        ("generic-password-assignment", name, value)
    } else {
        let name = SECRETS[(n / 2) % SECRETS.len()];
        ("generic-secret-assignment", name, value)
    }
}

/// Source lines that use a prefix or a secret's name without holding a secret.
pub(crate) fn code_line(lang: &str, n: usize, rng: &mut Rng) -> (String, Fam, Kind) {
    let py: [(String, Fam, Kind); 10] = [
        (
            format!("def {TOPO}sort_order(graph):"),
            "topo",
            "identifier",
        ),
        (
            format!("task_{SK}manager = TaskManager(queue=\"crm-sync\")"),
            "attio",
            "identifier",
        ),
        (
            format!("if not api_key.startswith(\"{SK}\"):"),
            "attio",
            "identifier",
        ),
        (
            format!("WEBHOOK_SECRET_PREFIX = \"{WHSEC}\""),
            "webhooks",
            "identifier",
        ),
        (
            "api_key = os.environ[\"ATTIO_API_KEY\"]".into(),
            "attio",
            "reference",
        ),
        (
            "secret = os.getenv(\"STRIPE_WEBHOOK_SECRET\", \"\")".into(),
            "webhooks",
            "reference",
        ),
        ("token = settings.TOPO_API_KEY".into(), "topo", "reference"),
        ("max_tokens = 4096".into(), "generic", "identifier"),
        (format!("request_id = \"{}\"", uuid(rng)), "none", "uuid"),
        (
            format!("EXPECTED_SHA256 = \"{}\"", rng.string(HEX, 64)),
            "none",
            "hash",
        ),
    ];
    let ts: [(String, Fam, Kind); 10] = [
        (
            format!("const order = {TOPO}sort_order(nodes);"),
            "topo",
            "identifier",
        ),
        (
            format!("export const KEY_PREFIX = '{SK}';"),
            "attio",
            "identifier",
        ),
        (
            "const secret = process.env.STRIPE_WEBHOOK_SECRET!;".into(),
            "webhooks",
            "reference",
        ),
        (
            "  headers: { Authorization: `Bearer ${process.env.TOPO_API_KEY}` },".into(),
            "topo",
            "reference",
        ),
        (
            format!("if (!secret.startsWith('{WHSEC}')) throw new Error('bad signing secret');"),
            "webhooks",
            "identifier",
        ),
        (
            "const apiKey = config.get<string>('attio.apiKey');".into(),
            "attio",
            "reference",
        ),
        (
            format!("const task_{SK}manager = createTaskManager();"),
            "attio",
            "identifier",
        ),
        (format!("const traceId = '{}';", uuid(rng)), "none", "uuid"),
        (
            format!("const commit = '{}';", rng.string(HEX, 40)),
            "none",
            "hash",
        ),
        (
            "type TokenType = 'bearer' | 'basic';".into(),
            "generic",
            "identifier",
        ),
    ];
    let sh: [(String, Fam, Kind); 6] = [
        (
            "export ATTIO_API_KEY=\"${ATTIO_API_KEY:?set ATTIO_API_KEY}\"".into(),
            "attio",
            "reference",
        ),
        (
            "curl -fsS -H \"Authorization: Bearer $TOPO_API_KEY\" https://api.acme.test/v1/me"
                .into(),
            "topo",
            "reference",
        ),
        ("sha256sum -c SHA256SUMS".into(), "none", "identifier"),
        (
            format!("echo \"deploying {}\"", rng.string(HEX, 40)),
            "none",
            "hash",
        ),
        (
            "stripe listen --forward-to localhost:3000/webhooks --print-secret > .whsec".into(),
            "webhooks",
            "identifier",
        ),
        (
            format!("git checkout {}", rng.string(HEX, 40)),
            "none",
            "hash",
        ),
    ];
    let c: [(String, Fam, Kind); 4] = [
        (
            format!("{SK}X509_pop_free(chain, X509_free);"),
            "attio",
            "identifier",
        ),
        (
            format!("STACK_OF(X509) *certs = {SK}X509_new_null();"),
            "attio",
            "identifier",
        ),
        (
            "struct sk_buff *skb = alloc_skb(len, GFP_KERNEL);".into(),
            "attio",
            "identifier",
        ),
        (
            format!("static int {TOPO}sort_nodes(struct graph *g);"),
            "topo",
            "identifier",
        ),
    ];
    let list: &[(String, Fam, Kind)] = match lang {
        "py" => &py,
        "ts" => &ts,
        "sh" => &sh,
        _ => &c,
    };
    let (s, f, k) = &list[n % list.len()];
    (s.clone(), *f, *k)
}
