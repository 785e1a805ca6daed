//! A rule's `[rules.verify]` table (kept raw in `Rule::verify`), parsed and checked once,
//! then used to build the request for a secret and to judge the response.
//!
//! The schema is documented in docs/verify.md. Checks here are what make verification
//! safe whatever a rules file says: the URL is HTTPS and its host is fixed text (the secret
//! can only land in the path, query or headers), only GET and POST are allowed, and a rate
//! limit or server error can never be declared a "dead" status.
use super::scopes;
use super::target::{check_authority, Redirect};
use super::{aws, google};
use crate::request::percent_encode;
pub use crate::request::{Body, Method, Prepared, Response, MAX_BODY};
use ferret_engine::finding::{PairedPart, Status, Verification};
use serde::Deserialize;

const SECRET: &str = "{{secret}}";
/// `{{part.NAME}}`: a part of a multi-part credential (the rule's `pair`).
const PART: &str = "{{part.";

/// How a check is made: a request written out in the block, or one of the signed
/// exchanges that no template can express (the block then names only the kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The request the block describes.
    Http,
    /// AWS key pairs: STS GetCallerIdentity signed with SigV4 ([`aws`]).
    AwsSts,
    /// Google Cloud service-account key files: a signed JWT exchanged for a token
    /// ([`google`]).
    GcpServiceAccount,
}

/// A JSON condition on the response body: the value at `path` equals `equals`.
#[derive(Debug, Clone)]
pub struct Condition {
    path: String,
    equals: serde_json::Value,
    /// `dead_if` only: error statuses on which the condition is also tried, for providers
    /// that answer a dead key with the same status as other errors (the Graph API's 400
    /// with error code 190).
    status: Vec<u16>,
}

impl Condition {
    fn holds(&self, body: &serde_json::Value) -> bool {
        lookup(body, &self.path).is_some_and(|v| json_eq(v, &self.equals))
    }

    fn describe(&self, body: &serde_json::Value) -> String {
        match lookup(body, &self.path) {
            Some(v) => format!("{} is {}", self.path, v),
            None => format!("{} is missing", self.path),
        }
    }
}

/// Where a verified key's scopes are found.
#[derive(Debug, Clone)]
pub enum ScopeSource {
    /// A dotted JSON path to a string (split on `split`) or an array of strings.
    Json { path: String, split: Option<String> },
    /// A response header, split on `split` (default `,`).
    Header { name: String, split: Option<String> },
}

/// A checked verify block.
#[derive(Debug, Clone)]
pub struct VerifySpec {
    pub kind: Kind,
    pub method: Method,
    /// The URL template; `{{secret}}` may appear only after the host.
    pub url: String,
    headers: Vec<(String, String)>,
    basic_auth: Option<(String, String)>,
    live_status: Vec<u16>,
    dead_status: Vec<u16>,
    live_if: Option<Condition>,
    dead_if: Option<Condition>,
    scopes: Option<ScopeSource>,
    identity: Vec<(String, String)>,
    /// Identity labels read from the credential's own parts (a tenant id) once it is live.
    identity_parts: Vec<(String, String)>,
    body: Option<BodyTemplate>,
    pub docs: Option<String>,
    /// The provider's documented answers for a live and a rejected key, as the rule file
    /// gives them: checked against this block when it is parsed, and replayed by the test
    /// suite's stand-in server. Never used for a real request.
    pub responses: Option<Documented>,
}

/// A POST body: a JSON object or form fields whose string values may hold `{{secret}}`.
#[derive(Debug, Clone)]
enum BodyTemplate {
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
}

/// The live and the rejected response a provider documents for this request.
#[derive(Debug, Clone)]
pub struct Documented {
    pub live: Response,
    pub dead: Response,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    headers: toml::Table,
    #[serde(default)]
    basic_auth: Option<RawBasic>,
    #[serde(default)]
    live_status: Option<Vec<u16>>,
    #[serde(default)]
    dead_status: Option<Vec<u16>>,
    #[serde(default)]
    live_if: Option<RawCondition>,
    #[serde(default)]
    dead_if: Option<RawCondition>,
    #[serde(default)]
    scopes: Option<RawScopes>,
    #[serde(default)]
    identity: toml::Table,
    #[serde(default)]
    identity_parts: toml::Table,
    #[serde(default)]
    json_body: Option<toml::Table>,
    #[serde(default)]
    form_body: Option<toml::Table>,
    #[serde(default)]
    docs: Option<String>,
    #[serde(default)]
    responses: Option<RawResponses>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResponses {
    live: RawResponse,
    dead: RawResponse,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResponse {
    status: u16,
    #[serde(default)]
    headers: toml::Table,
    #[serde(default)]
    body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBasic {
    username: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    path: String,
    equals: toml::Value,
    #[serde(default)]
    status: Vec<u16>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScopes {
    #[serde(default)]
    json: Option<String>,
    #[serde(default)]
    header: Option<String>,
    #[serde(default)]
    split: Option<String>,
}

impl VerifySpec {
    /// Parses and checks a `[rules.verify]` table. The error is one line, without the rule
    /// id (the caller names the rule).
    pub fn parse(value: &toml::Value) -> Result<VerifySpec, String> {
        let raw: RawSpec = value
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| first_line(&e.to_string()))?;
        let kind = match raw.kind.as_deref() {
            None | Some("http") => Kind::Http,
            Some("aws-sts") => Kind::AwsSts,
            Some("gcp-service-account") => Kind::GcpServiceAccount,
            Some(k) => {
                return Err(format!(
                    "kind {k:?}: expected http, aws-sts or gcp-service-account"
                ))
            }
        };
        if kind != Kind::Http {
            return Self::parse_kind(kind, raw);
        }
        let url = raw.url.clone().ok_or("missing field `url`")?;
        let method = match raw
            .method
            .as_deref()
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            None | Some("GET") => Method::Get,
            Some("POST") => Method::Post,
            Some(m) => return Err(format!("method {m:?}: only GET and POST are allowed")),
        };
        check_url(&url)?;
        let mut headers = Vec::new();
        for (name, v) in &raw.headers {
            let v = v
                .as_str()
                .ok_or_else(|| format!("header {name:?}: value must be a string"))?;
            check_header_name(name)?;
            check_template(v).map_err(|m| format!("header {name:?}: {m}"))?;
            headers.push((name.clone(), v.to_string()));
        }
        let basic_auth = match raw.basic_auth {
            Some(b) => {
                check_template(&b.username).map_err(|m| format!("basic_auth: {m}"))?;
                check_template(&b.password).map_err(|m| format!("basic_auth: {m}"))?;
                if headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("authorization"))
                {
                    return Err("basic_auth and an Authorization header both given".into());
                }
                Some((b.username, b.password))
            }
            None => None,
        };
        let body = match (raw.json_body, raw.form_body) {
            (None, None) => None,
            (Some(_), Some(_)) => return Err("give json_body or form_body, not both".into()),
            (Some(t), None) => Some(BodyTemplate::json(t)?),
            (None, Some(t)) => Some(BodyTemplate::form(t)?),
        };
        if body.is_some() && method != Method::Post {
            return Err("json_body and form_body need method = \"POST\"".into());
        }
        let sent = url.contains(SECRET)
            || headers.iter().any(|(_, v)| v.contains(SECRET))
            || basic_auth
                .as_ref()
                .is_some_and(|(u, p)| u.contains(SECRET) || p.contains(SECRET))
            || body.as_ref().is_some_and(BodyTemplate::uses_secret);
        if !sent {
            return Err(format!(
                "the request does not use {SECRET} (put it in a header, basic_auth, the URL or the body)"
            ));
        }
        let live_status = raw.live_status.unwrap_or_else(|| vec![200]);
        let dead_status = raw.dead_status.unwrap_or_else(|| vec![401]);
        if live_status.is_empty() {
            return Err("live_status is empty".into());
        }
        for &s in &live_status {
            if !(200..500).contains(&s) || s == 429 {
                return Err(format!("live_status {s}: must be 2xx-4xx and not 429"));
            }
        }
        for &s in &dead_status {
            // A rate limit or a server error says nothing about the key.
            if !(400..500).contains(&s) || s == 429 {
                return Err(format!("dead_status {s}: must be 4xx and not 429"));
            }
            if live_status.contains(&s) {
                return Err(format!("status {s} is both live and dead"));
            }
        }
        let live_if = raw.live_if.map(condition).transpose()?;
        let dead_if = raw.dead_if.map(condition).transpose()?;
        if live_if.as_ref().is_some_and(|c| !c.status.is_empty()) {
            return Err("live_if: `status` is for dead_if only".into());
        }
        for &s in dead_if.iter().flat_map(|c| &c.status) {
            // A rate limit or a server error says nothing about the key, whatever its body.
            if !(400..500).contains(&s) || s == 429 {
                return Err(format!("dead_if status {s}: must be 4xx and not 429"));
            }
            if live_status.contains(&s) || dead_status.contains(&s) {
                return Err(format!(
                    "dead_if status {s} is already a live or dead status"
                ));
            }
        }
        let scopes = match raw.scopes {
            None => None,
            Some(RawScopes {
                json: Some(path),
                header: None,
                split,
            }) => {
                check_path(&path)?;
                Some(ScopeSource::Json { path, split })
            }
            Some(RawScopes {
                json: None,
                header: Some(name),
                split,
            }) => {
                check_header_name(&name)?;
                Some(ScopeSource::Header { name, split })
            }
            Some(_) => return Err("scopes: give exactly one of `json` or `header`".into()),
        };
        let mut identity = Vec::new();
        for (label, path) in &raw.identity {
            let path = path
                .as_str()
                .ok_or_else(|| format!("identity {label:?}: value must be a JSON path string"))?;
            check_path(path)?;
            identity.push((label.clone(), path.to_string()));
        }
        let mut identity_parts = Vec::new();
        for (label, part) in &raw.identity_parts {
            let part = part
                .as_str()
                .filter(|p| part_name_ok(p))
                .ok_or_else(|| format!("identity_parts {label:?}: value must be a part name"))?;
            identity_parts.push((label.clone(), part.to_string()));
        }
        check_docs(raw.docs.as_deref())?;
        let spec = VerifySpec {
            kind,
            method,
            url,
            headers,
            basic_auth,
            live_status,
            dead_status,
            live_if,
            dead_if,
            scopes,
            identity,
            identity_parts,
            body,
            docs: raw.docs,
            responses: None,
        };
        spec.with_responses(raw.responses)
    }

    /// A block of a signed kind: only `kind`, `docs` and `responses`; the request is the
    /// kind's own, to the kind's own host.
    fn parse_kind(kind: Kind, raw: RawSpec) -> Result<VerifySpec, String> {
        let templated = raw.url.is_some()
            || raw.method.is_some()
            || !raw.headers.is_empty()
            || raw.basic_auth.is_some()
            || raw.live_status.is_some()
            || raw.dead_status.is_some()
            || raw.live_if.is_some()
            || raw.dead_if.is_some()
            || raw.scopes.is_some()
            || !raw.identity.is_empty()
            || !raw.identity_parts.is_empty()
            || raw.json_body.is_some()
            || raw.form_body.is_some();
        if templated {
            return Err(format!(
                "kind {:?} takes only `docs` and `responses`: its request is fixed",
                raw.kind.unwrap_or_default()
            ));
        }
        check_docs(raw.docs.as_deref())?;
        let url = match kind {
            Kind::AwsSts => aws::URL,
            _ => google::URL,
        };
        let spec = VerifySpec {
            kind,
            method: Method::Post,
            url: url.to_string(),
            headers: Vec::new(),
            basic_auth: None,
            live_status: vec![200],
            dead_status: Vec::new(),
            live_if: None,
            dead_if: None,
            scopes: None,
            identity: Vec::new(),
            identity_parts: Vec::new(),
            body: None,
            docs: raw.docs,
            responses: None,
        };
        spec.with_responses(raw.responses)
    }

    fn with_responses(mut self, raw: Option<RawResponses>) -> Result<VerifySpec, String> {
        if let Some(r) = raw {
            let live = documented(r.live).map_err(|m| format!("responses.live: {m}"))?;
            let dead = documented(r.dead).map_err(|m| format!("responses.dead: {m}"))?;
            self.check_documented(&live, &dead)?;
            self.responses = Some(Documented { live, dead });
        }
        Ok(self)
    }

    /// The parts of the credential the check cannot be made without, and those it uses
    /// when they are there.
    pub fn parts(&self) -> (Vec<String>, Vec<String>) {
        match self.kind {
            Kind::AwsSts => (vec![aws::SECRET_PART.into()], vec![aws::TOKEN_PART.into()]),
            Kind::GcpServiceAccount => (
                vec![google::EMAIL_PART.into()],
                vec![google::PROJECT_PART.into(), google::KEY_ID_PART.into()],
            ),
            Kind::Http => {
                let mut text = self.url.clone();
                for (_, v) in &self.headers {
                    text.push_str(v);
                }
                if let Some((u, p)) = &self.basic_auth {
                    text.push_str(u);
                    text.push_str(p);
                }
                match &self.body {
                    Some(BodyTemplate::Json(v)) => text.push_str(&v.to_string()),
                    Some(BodyTemplate::Form(f)) => f.iter().for_each(|(_, v)| text.push_str(v)),
                    None => {}
                }
                let mut needed: Vec<String> = text
                    .split(PART)
                    .skip(1)
                    .filter_map(|rest| rest.split_once("}}").map(|(n, _)| n.to_string()))
                    .collect();
                needed.sort();
                needed.dedup();
                let optional = self
                    .identity_parts
                    .iter()
                    .map(|(_, p)| p.clone())
                    .filter(|p| !needed.contains(p))
                    .collect();
                (needed, optional)
            }
        }
    }

    /// Adds what the credential's own parts say about whom it belongs to, once it is
    /// known to be live: the block's `identity_parts`, a key file's email and project.
    pub fn identify(&self, v: &mut Verification, parts: &[PairedPart]) {
        if v.status != Status::Verified {
            return;
        }
        let named: Vec<(String, String)> = match self.kind {
            Kind::GcpServiceAccount => vec![
                ("client_email".into(), google::EMAIL_PART.into()),
                ("project".into(), google::PROJECT_PART.into()),
            ],
            _ => self.identity_parts.clone(),
        };
        for (label, name) in named {
            if let Some(p) = parts.iter().find(|p| p.name == name) {
                v.identity.push((label, p.secret.clone().into()));
            }
        }
    }

    /// The documented answers must read as this block says: the live one `verified`, with
    /// every identity label and the scopes found, the dead one `invalid`. A block whose
    /// paths or conditions do not fit the provider's own examples fails here, in
    /// `ferret rules check`, rather than as `unknown` on every real key.
    fn check_documented(&self, live: &Response, dead: &Response) -> Result<(), String> {
        let v = self.judge(live);
        if v.status != Status::Verified {
            return Err(format!(
                "responses.live is judged {} ({}), not verified",
                v.status.as_str(),
                v.reason.unwrap_or_default()
            ));
        }
        for (label, path) in &self.identity {
            if !v.identity.iter().any(|(l, _)| l == label) {
                return Err(format!(
                    "responses.live: identity {label:?} finds nothing at {path:?}"
                ));
            }
        }
        if self.scopes.is_some() && v.scopes.as_ref().is_none_or(|s| s.is_empty()) {
            return Err("responses.live: no scopes where `scopes` points".into());
        }
        let d = self.judge(dead);
        if d.status != Status::Invalid {
            return Err(format!(
                "responses.dead is judged {} ({}), not invalid",
                d.status.as_str(),
                d.reason.unwrap_or_default()
            ));
        }
        Ok(())
    }

    /// The request for `secret`. Only the secret-free host of the rule's URL, or the
    /// destination of a matching `--verify-redirect`, can receive it.
    pub fn prepare(
        &self,
        secret: &str,
        parts: &[PairedPart],
        redirects: &[Redirect],
    ) -> Result<Prepared, String> {
        let (needed, _) = self.parts();
        if let Some(name) = needed.iter().find(|n| !parts.iter().any(|p| &p.name == *n)) {
            return Err(format!(
                "its {} was not found near it",
                name.replace('_', " ")
            ));
        }
        let part = |name: &str| {
            parts
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.secret.as_str())
        };
        let mut prepared = match self.kind {
            Kind::AwsSts => aws::prepare(
                &aws::Credentials {
                    key_id: secret,
                    secret: part(aws::SECRET_PART).unwrap_or_default(),
                    session_token: part(aws::TOKEN_PART),
                },
                &aws::amz_date(now()),
            )?,
            Kind::GcpServiceAccount => google::prepare(
                secret,
                part(google::EMAIL_PART).unwrap_or_default(),
                part(google::KEY_ID_PART),
                now(),
            )?,
            Kind::Http => self.prepare_http(secret, parts)?,
        };
        if let Some(url) = redirects.iter().find_map(|r| r.apply(&prepared.url)) {
            prepared.url = url;
        }
        Ok(prepared)
    }

    fn prepare_http(&self, secret: &str, parts: &[PairedPart]) -> Result<Prepared, String> {
        let url = fill(&self.url, secret, parts, percent_encode);
        let plain = |t: &str| fill(t, secret, parts, |s| s.to_string());
        let mut headers = Vec::new();
        // Every request names ferret and its version; a rule cannot pose as something else.
        for (name, template) in &self.headers {
            if !name.eq_ignore_ascii_case("user-agent") {
                headers.push((name.clone(), plain(template)));
            }
        }
        if let Some((u, p)) = &self.basic_auth {
            let pair = format!("{}:{}", plain(u), plain(p));
            headers.push((
                "Authorization".into(),
                format!("Basic {}", base64(pair.as_bytes())),
            ));
        }
        if headers
            .iter()
            .any(|(_, v)| v.chars().any(|c| c.is_control()))
        {
            return Err("the secret holds characters a header cannot carry".into());
        }
        Ok(Prepared {
            method: self.method,
            url,
            headers,
            body: self.body.as_ref().map(|b| b.render(secret, parts)),
        })
    }

    /// Reads the final response as a verdict.
    pub fn judge(&self, r: &Response) -> Verification {
        match self.kind {
            Kind::AwsSts => aws::judge(r),
            Kind::GcpServiceAccount => google::judge(r),
            Kind::Http => self.judge_http(r),
        }
    }

    fn judge_http(&self, r: &Response) -> Verification {
        let status = r.status;
        let after = if r.tries > 1 {
            format!(" after {} tries", r.tries)
        } else {
            String::new()
        };
        let mut v = Verification::new(Status::Unknown);
        v.http_status = Some(status);
        if self.dead_status.contains(&status) {
            v.status = Status::Invalid;
            v.reason = Some(format!("rejected with HTTP {status}"));
            return v;
        }
        if let Some(c) = self.dead_if.as_ref().filter(|c| c.status.contains(&status)) {
            let body = serde_json::from_slice::<serde_json::Value>(&r.body).ok();
            if let Some(body) = body.filter(|b| c.holds(b)) {
                v.status = Status::Invalid;
                v.reason = Some(format!("HTTP {status} and {}", c.describe(&body)));
                return v;
            }
        }
        if !self.live_status.contains(&status) {
            v.reason = Some(match status {
                429 => format!("rate limited (HTTP 429){after}"),
                500..=599 => format!("server error (HTTP {status}){after}"),
                _ => format!("unexpected HTTP status {status}"),
            });
            return v;
        }
        let needs_body = self.live_if.is_some()
            || self.dead_if.is_some()
            || !self.identity.is_empty()
            || matches!(self.scopes, Some(ScopeSource::Json { .. }));
        let body: serde_json::Value = if needs_body {
            match serde_json::from_slice(&r.body) {
                Ok(b) => b,
                Err(_) => {
                    v.reason = Some(format!("HTTP {status} with a body that is not JSON"));
                    return v;
                }
            }
        } else {
            serde_json::Value::Null
        };
        if let Some(c) = &self.dead_if {
            if c.holds(&body) {
                v.status = Status::Invalid;
                v.reason = Some(format!("HTTP {status} but {}", c.describe(&body)));
                return v;
            }
        }
        if let Some(c) = &self.live_if {
            if !c.holds(&body) {
                v.reason = Some(format!("HTTP {status} but {}", c.describe(&body)));
                return v;
            }
        }
        v.status = Status::Verified;
        if let Some(src) = &self.scopes {
            let all = match src {
                ScopeSource::Json { path, split } => match lookup(&body, path) {
                    Some(serde_json::Value::String(s)) => split_scopes(s, split.as_deref()),
                    Some(serde_json::Value::Array(a)) => a
                        .iter()
                        .filter_map(|x| x.as_str())
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                    _ => Vec::new(),
                },
                ScopeSource::Header { name, split } => r
                    .header(name)
                    .map(|h| split_scopes(h, Some(split.as_deref().unwrap_or(","))))
                    .unwrap_or_default(),
            };
            v.write_scopes = Some(scopes::write_scopes(&all));
            v.scopes = Some(all);
        }
        for (label, path) in &self.identity {
            match lookup(&body, path) {
                Some(x) if !x.is_null() && !x.is_object() && !x.is_array() => {
                    v.identity.push((label.clone(), x.clone()));
                }
                _ => {}
            }
        }
        v
    }
}

impl BodyTemplate {
    fn json(table: toml::Table) -> Result<BodyTemplate, String> {
        let value = json_template(&toml::Value::Table(table))?;
        // A GraphQL endpoint takes reads and writes alike: only a query is a check.
        if let Some(q) = value.get("query").and_then(|q| q.as_str()) {
            if q.trim_start().to_ascii_lowercase().starts_with("mutation") {
                return Err("json_body: a GraphQL mutation is not a read-only check".into());
            }
        }
        Ok(BodyTemplate::Json(value))
    }

    fn form(table: toml::Table) -> Result<BodyTemplate, String> {
        let mut fields = Vec::new();
        for (name, v) in table {
            let v = v
                .as_str()
                .ok_or_else(|| format!("form_body {name:?}: value must be a string"))?;
            if name.contains("{{") {
                return Err(format!(
                    "form_body {name:?}: a field name cannot be templated"
                ));
            }
            check_template(v).map_err(|m| format!("form_body {name:?}: {m}"))?;
            fields.push((name, v.to_string()));
        }
        Ok(BodyTemplate::Form(fields))
    }

    fn uses_secret(&self) -> bool {
        match self {
            BodyTemplate::Json(v) => v.to_string().contains(SECRET),
            BodyTemplate::Form(f) => f.iter().any(|(_, v)| v.contains(SECRET)),
        }
    }

    /// The body for `secret`: JSON-escaped in a JSON body (the secret is put into the
    /// parsed value, so it cannot end a string), percent-encoded in a form.
    fn render(&self, secret: &str, parts: &[PairedPart]) -> Body {
        match self {
            BodyTemplate::Json(v) => Body {
                content_type: "application/json",
                bytes: serde_json::to_vec(&fill_json(v, secret, parts)).unwrap_or_default(),
            },
            BodyTemplate::Form(fields) => {
                let pairs: Vec<String> = fields
                    .iter()
                    .map(|(n, v)| {
                        format!(
                            "{}={}",
                            percent_encode(n),
                            percent_encode(&fill(v, secret, parts, |s| s.to_string()))
                        )
                    })
                    .collect();
                Body {
                    content_type: "application/x-www-form-urlencoded",
                    bytes: pairs.join("&").into_bytes(),
                }
            }
        }
    }
}

/// A TOML table as JSON; only `{{secret}}` may be templated, and only in string values.
fn json_template(v: &toml::Value) -> Result<serde_json::Value, String> {
    Ok(match v {
        toml::Value::String(s) => {
            check_template(s).map_err(|m| format!("json_body: {m}"))?;
            serde_json::Value::String(s.clone())
        }
        toml::Value::Integer(i) => serde_json::Value::from(*i),
        toml::Value::Float(f) => serde_json::Value::from(*f),
        toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
        toml::Value::Array(a) => {
            serde_json::Value::Array(a.iter().map(json_template).collect::<Result<_, _>>()?)
        }
        toml::Value::Table(t) => {
            let mut m = serde_json::Map::new();
            for (k, x) in t {
                if k.contains("{{") {
                    return Err(format!("json_body {k:?}: a key cannot be templated"));
                }
                m.insert(k.clone(), json_template(x)?);
            }
            serde_json::Value::Object(m)
        }
        toml::Value::Datetime(_) => return Err("json_body: dates are not allowed".into()),
    })
}

fn fill_json(v: &serde_json::Value, secret: &str, parts: &[PairedPart]) -> serde_json::Value {
    match v {
        serde_json::Value::String(s) => {
            serde_json::Value::String(fill(s, secret, parts, |s| s.to_string()))
        }
        serde_json::Value::Array(a) => a.iter().map(|x| fill_json(x, secret, parts)).collect(),
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, x)| (k.clone(), fill_json(x, secret, parts)))
            .collect(),
        other => other.clone(),
    }
}

/// A template with `{{secret}}` and every `{{part.NAME}}` filled in, each value passed
/// through `encode` (percent-encoding in a URL). A value is put in place once: a secret that
/// happens to hold `{{part.x}}` is not expanded again.
fn fill(
    template: &str,
    secret: &str,
    parts: &[PairedPart],
    encode: impl Fn(&str) -> String,
) -> String {
    let mut out = String::with_capacity(template.len() + secret.len());
    let mut rest = template;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix(SECRET) {
            out.push_str(&encode(secret));
            rest = after;
        } else if let Some((name, after)) = tail.strip_prefix(PART).and_then(|t| t.split_once("}}"))
        {
            let value = parts
                .iter()
                .find(|p| p.name == name)
                .map_or("", |p| p.secret.as_str());
            out.push_str(&encode(value));
            rest = after;
        } else {
            out.push_str("{{");
            rest = &tail[2..];
        }
    }
    out.push_str(rest);
    out
}

fn part_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn check_docs(docs: Option<&str>) -> Result<(), String> {
    match docs {
        Some(d) if !d.starts_with("https://") => {
            Err(format!("docs {d:?}: must be an https:// URL"))
        }
        _ => Ok(()),
    }
}

/// Seconds since the Unix epoch, for signatures that carry a time.
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// One documented response as `judge` reads it.
fn documented(raw: RawResponse) -> Result<Response, String> {
    if !(100..600).contains(&raw.status) {
        return Err(format!("status {} is not an HTTP status", raw.status));
    }
    let mut headers = Vec::new();
    for (name, v) in &raw.headers {
        let v = v
            .as_str()
            .ok_or_else(|| format!("header {name:?}: value must be a string"))?;
        headers.push((name.to_ascii_lowercase(), v.to_string()));
    }
    Ok(Response {
        status: raw.status,
        headers,
        body: raw.body.into_bytes(),
        tries: 1,
    })
}

fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid verify table")
        .to_string()
}

fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| format!("url {url:?}: must start with https://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // The host is fixed text: a secret can never choose where it is sent.
    check_authority(authority).map_err(|m| format!("url {url:?}: {m}"))?;
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("url {url:?}: contains whitespace"));
    }
    check_template(url).map_err(|m| format!("url: {m}"))
}

/// Only `{{secret}}` and `{{part.NAME}}` may be templated.
fn check_template(s: &str) -> Result<(), String> {
    let mut rest = s.replace(SECRET, "");
    while let Some(i) = rest.find(PART) {
        let Some((name, _)) = rest[i + PART.len()..].split_once("}}") else {
            break;
        };
        if !part_name_ok(name) {
            return Err(format!("part name {name:?} is invalid in {s:?}"));
        }
        let end = i + PART.len() + name.len() + 2;
        rest.replace_range(i..end, "");
    }
    if rest.contains("{{") || rest.contains("}}") {
        return Err(format!(
            "only {SECRET} and {{{{part.NAME}}}} can be templated in {s:?}"
        ));
    }
    Ok(())
}

fn check_header_name(name: &str) -> Result<(), String> {
    let token = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !token {
        return Err(format!("header name {name:?} is invalid"));
    }
    let lower = name.to_ascii_lowercase();
    if ["host", "content-length", "transfer-encoding", "connection"].contains(&lower.as_str()) {
        return Err(format!("header {name:?} cannot be set by a rule"));
    }
    Ok(())
}

fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(format!(
            "JSON path {path:?} is invalid (use dotted keys: a.b.0.c)"
        ));
    }
    Ok(())
}

fn condition(raw: RawCondition) -> Result<Condition, String> {
    check_path(&raw.path)?;
    let equals = match raw.equals {
        toml::Value::String(s) => serde_json::Value::String(s),
        toml::Value::Integer(i) => serde_json::Value::from(i),
        toml::Value::Float(f) => serde_json::Value::from(f),
        toml::Value::Boolean(b) => serde_json::Value::Bool(b),
        _ => {
            return Err(format!(
                "condition on {:?}: equals must be a string, number or boolean",
                raw.path
            ))
        }
    };
    Ok(Condition {
        path: raw.path,
        equals,
        status: raw.status,
    })
}

/// The value at a dotted path (`a.b.0.c`); digits index arrays.
pub fn lookup<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(v, |cur, key| match cur {
        serde_json::Value::Object(m) => m.get(key),
        serde_json::Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

fn json_eq(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a, b) {
        (serde_json::Value::Number(x), serde_json::Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// Splits on `split`, or on commas and whitespace when none is given.
fn split_scopes(s: &str, split: Option<&str>) -> Vec<String> {
    let parts: Vec<&str> = match split {
        Some(sep) if !sep.is_empty() => s.split(sep).collect(),
        _ => s.split(|c: char| c == ',' || c.is_whitespace()).collect(),
    };
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::origin;

    fn spec(text: &str) -> Result<VerifySpec, String> {
        VerifySpec::parse(&toml::from_str::<toml::Value>(text).unwrap())
    }

    fn attio() -> VerifySpec {
        spec(
            r#"
            url = "https://api.attio.com/v2/self"
            headers = { Authorization = "Bearer {{secret}}" }
            live_if = { path = "active", equals = true }
            dead_if = { path = "active", equals = false }
            scopes = { json = "scope", split = " " }
            identity = { workspace = "workspace_name", workspace_id = "workspace_id" }
            "#,
        )
        .unwrap()
    }

    fn response(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
            tries: 1,
        }
    }

    #[test]
    fn secret_goes_only_to_the_rule_host() {
        let s =
            spec(r#"url = "https://api.telegram.test/bot{{secret}}/getMe?k={{secret}}""#).unwrap();
        // Secrets crafted to move the request elsewhere stay inside the path and query.
        for secret in [
            "a@evil.test",
            "x/../../@evil.test:80/",
            "#frag",
            "a?b=c&d",
            "é",
        ] {
            let p = s.prepare(secret, &[], &[]).unwrap();
            assert_eq!(
                origin(&p.url),
                Some("https://api.telegram.test"),
                "{}",
                p.url
            );
        }
        // A redirect for another host does not apply; one for this host does.
        let other = Redirect::parse("https://api.attio.com=http://127.0.0.1:1").unwrap();
        let p = s.prepare("k", &[], &[other]).unwrap();
        assert_eq!(origin(&p.url), Some("https://api.telegram.test"));
        let mine = Redirect::parse("https://api.telegram.test=http://127.0.0.1:2").unwrap();
        let p = s.prepare("k", &[], &[mine]).unwrap();
        assert_eq!(origin(&p.url), Some("http://127.0.0.1:2"));
        assert_eq!(p.url, "http://127.0.0.1:2/botk/getMe?k=k");
    }

    #[test]
    fn rules_cannot_choose_an_unsafe_destination() {
        for url in [
            "http://api.attio.com/v2/self",
            "https://{{secret}}.evil.test/",
            "https://user@api.attio.com/",
            "https://api.attio.com:{{secret}}/",
            "https://api.attio.com/{{other}}",
        ] {
            let text =
                format!("url = {url:?}\nheaders = {{ Authorization = \"Bearer {{{{secret}}}}\" }}");
            assert!(spec(&text).is_err(), "{url} accepted");
        }
        assert!(spec("url = \"https://a.test/\"\nheaders = { Host = \"{{secret}}\" }").is_err());
        assert!(spec(
            "url = \"https://a.test/\"\nmethod = \"DELETE\"\nheaders = { A = \"{{secret}}\" }"
        )
        .is_err());
        assert!(
            spec("url = \"https://a.test/\"").is_err(),
            "secret not used"
        );
        assert!(spec(
            "url = \"https://a.test/\"\nheaders = { A = \"{{secret}}\" }\ndead_status = [429]"
        )
        .is_err());
        assert!(spec(
            "url = \"https://a.test/\"\nheaders = { A = \"{{secret}}\" }\ndead_status = [503]"
        )
        .is_err());
        assert!(
            spec("url = \"https://a.test/\"\nheaders = { A = \"{{secret}}\" }\nbogus = 1").is_err()
        );
    }

    #[test]
    fn headers_and_basic_auth_carry_the_secret() {
        let p = attio().prepare("tok", &[], &[]).unwrap();
        assert_eq!(
            p.headers,
            [("Authorization".to_string(), "Bearer tok".to_string())]
        );
        let s =
            spec("url = \"https://a.test/\"\nbasic_auth = { username = \"{{secret}}\" }").unwrap();
        let p = s.prepare("Aladdin", &[], &[]).unwrap();
        assert_eq!(p.headers[0].1, format!("Basic {}", base64(b"Aladdin:")));
        assert_eq!(
            base64(b"Aladdin:open sesame"),
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert!(attio().prepare("a\r\nX: y", &[], &[]).is_err());
        let s = spec(
            "url = \"https://a.test/\"\nheaders = { A = \"{{secret}}\", \"User-Agent\" = \"x\" }",
        )
        .unwrap();
        let p = s.prepare("k", &[], &[]).unwrap();
        assert_eq!(p.headers, [("A".to_string(), "k".to_string())]);
    }

    #[test]
    fn attio_responses_are_judged() {
        let s = attio();
        let v = s.judge(&response(
            200,
            r#"{"active":true,"scope":"record_permission:read-write object_configuration:read","workspace_name":"Acme","workspace_id":"w1"}"#,
        ));
        assert_eq!(v.status, Status::Verified);
        assert_eq!(
            v.scopes.as_deref().unwrap(),
            ["record_permission:read-write", "object_configuration:read"]
        );
        assert_eq!(
            v.write_scopes.as_deref().unwrap(),
            ["record_permission:read-write"]
        );
        assert_eq!(
            v.identity[0],
            ("workspace".into(), serde_json::json!("Acme"))
        );
        assert_eq!(
            s.judge(&response(200, r#"{"active":false}"#)).status,
            Status::Invalid
        );
        assert_eq!(s.judge(&response(401, "")).status, Status::Invalid);
        let odd = s.judge(&response(200, r#"{"hello":1}"#));
        assert_eq!(odd.status, Status::Unknown);
        assert_eq!(
            odd.reason.as_deref(),
            Some("HTTP 200 but active is missing")
        );
        assert_eq!(s.judge(&response(200, "<html>")).status, Status::Unknown);
        for code in [429, 500, 503, 302, 404] {
            assert_eq!(
                s.judge(&response(code, "")).status,
                Status::Unknown,
                "{code}"
            );
        }
    }

    #[test]
    fn header_scopes_are_split_on_commas() {
        let s = spec(
            "url = \"https://api.github.test/user\"\nheaders = { Authorization = \"token {{secret}}\" }\nscopes = { header = \"X-OAuth-Scopes\" }",
        )
        .unwrap();
        let mut r = response(200, "{}");
        r.headers
            .push(("x-oauth-scopes".into(), "repo, read:org".into()));
        let v = s.judge(&r);
        assert_eq!(v.scopes.as_deref().unwrap(), ["repo", "read:org"]);
        assert_eq!(v.write_scopes.as_deref().unwrap(), ["repo"]);
    }

    #[test]
    fn post_bodies_carry_the_secret_escaped() {
        let s = spec(
            r#"
            method = "POST"
            url = "https://api.x.test/graphql"
            json_body = { query = "{ viewer { id } }", variables = { key = "{{secret}}" } }
            "#,
        )
        .unwrap();
        let p = s.prepare("a\"b", &[], &[]).unwrap();
        let body = p.body.unwrap();
        assert_eq!(body.content_type, "application/json");
        let sent: serde_json::Value = serde_json::from_slice(&body.bytes).unwrap();
        assert_eq!(
            sent["variables"]["key"], "a\"b",
            "a quote cannot end the string"
        );
        assert_eq!(sent["query"], "{ viewer { id } }");

        let s = spec(
            r#"
            method = "POST"
            url = "https://iam.x.test/token"
            form_body = { grant_type = "urn:x:apikey", apikey = "{{secret}}" }
            "#,
        )
        .unwrap();
        let body = s.prepare("k&v=1 +", &[], &[]).unwrap().body.unwrap();
        assert_eq!(body.content_type, "application/x-www-form-urlencoded");
        assert_eq!(
            String::from_utf8(body.bytes).unwrap(),
            "grant_type=urn:x:apikey&apikey=k%26v%3D1%20%2B"
        );
        assert!(attio().prepare("k", &[], &[]).unwrap().body.is_none());
    }

    #[test]
    fn bodies_are_post_only_read_only_and_templated_only_in_values() {
        for text in [
            // A body on a GET.
            "url = \"https://a.test/\"\njson_body = { k = \"{{secret}}\" }",
            // Both kinds.
            "method = \"POST\"\nurl = \"https://a.test/\"\njson_body = { k = \"{{secret}}\" }\nform_body = { k = \"{{secret}}\" }",
            // A GraphQL write.
            "method = \"POST\"\nurl = \"https://a.test/\"\nheaders = { A = \"{{secret}}\" }\njson_body = { query = \" Mutation { deleteAll }\" }",
            // Templated keys, other templates, non-string form values.
            "method = \"POST\"\nurl = \"https://a.test/\"\njson_body = { \"{{secret}}\" = 1 }",
            "method = \"POST\"\nurl = \"https://a.test/\"\njson_body = { k = \"{{secret}}{{host}}\" }",
            "method = \"POST\"\nurl = \"https://a.test/\"\nform_body = { k = 1, s = \"{{secret}}\" }",
        ] {
            assert!(spec(text).is_err(), "accepted: {text}");
        }
    }

    const ATTIO_RESPONSES: &str = r#"
        [responses.live]
        status = 200
        body = '{"active": true, "scope": "record_permission:read", "workspace_name": "Acme", "workspace_id": "w1"}'
        [responses.dead]
        status = 200
        body = '{"active": false}'
        "#;

    fn attio_with(responses: &str) -> Result<VerifySpec, String> {
        spec(&format!(
            r#"
            url = "https://api.attio.com/v2/self"
            headers = {{ Authorization = "Bearer {{{{secret}}}}" }}
            live_if = {{ path = "active", equals = true }}
            dead_if = {{ path = "active", equals = false }}
            scopes = {{ json = "scope", split = " " }}
            identity = {{ workspace = "workspace_name", workspace_id = "workspace_id" }}
            {responses}
            "#
        ))
    }

    #[test]
    fn documented_responses_must_read_as_the_block_says() {
        let s = attio_with(ATTIO_RESPONSES).unwrap();
        let r = s.responses.as_ref().unwrap();
        assert_eq!((r.live.status, r.dead.status), (200, 200));
        // A live answer the block would call unknown (the condition's field is missing).
        let err = attio_with(&ATTIO_RESPONSES.replace("\"active\": true, ", "")).unwrap_err();
        assert!(err.contains("responses.live is judged unknown"), "{err}");
        // A live answer without an identity field the block names.
        let err = attio_with(&ATTIO_RESPONSES.replace("\"workspace_id\": \"w1\"", "\"x\": 1"))
            .unwrap_err();
        assert!(err.contains("identity \"workspace_id\""), "{err}");
        // No scopes where the block says they are.
        let err = attio_with(&ATTIO_RESPONSES.replace("\"scope\"", "\"scopes_\"")).unwrap_err();
        assert!(err.contains("no scopes"), "{err}");
        // A dead answer the block would not call invalid: 403 is not a dead status here.
        let err = attio_with(&ATTIO_RESPONSES.replace(
            "status = 200\n        body = '{\"active\": false}'",
            "status = 403\n        body = '{}'",
        ))
        .unwrap_err();
        assert!(err.contains("responses.dead is judged unknown"), "{err}");
        // Both answers are required, and nothing else.
        assert!(attio_with("[responses.live]\nstatus = 200").is_err());
        assert!(attio_with(&format!("{ATTIO_RESPONSES}\nextra = 1")).is_err());
    }

    #[test]
    fn dead_if_can_decide_on_an_error_status_it_names() {
        let s = spec(
            r#"
            url = "https://graph.x.test/me?access_token={{secret}}"
            dead_status = []
            dead_if = { path = "error.code", equals = 190, status = [400] }
            "#,
        )
        .unwrap();
        let v = s.judge(&response(400, r#"{"error": {"code": 190}}"#));
        assert_eq!(v.status, Status::Invalid);
        assert_eq!(v.reason.as_deref(), Some("HTTP 400 and error.code is 190"));
        // Any other 400 (a throttled app, a bad parameter) says nothing about the key.
        for body in [r#"{"error": {"code": 4}}"#, "<html>"] {
            assert_eq!(s.judge(&response(400, body)).status, Status::Unknown);
        }
        // Statuses it does not name still need a live status.
        let v = s.judge(&response(403, r#"{"error": {"code": 190}}"#));
        assert_eq!(v.status, Status::Unknown);
        for bad in ["[429]", "[503]", "[200]", "[401]"] {
            let text = format!(
                "url = \"https://a.test/{{{{secret}}}}\"\ndead_if = {{ path = \"e\", equals = 1, status = {bad} }}"
            );
            assert!(spec(&text).is_err(), "status {bad} accepted");
        }
        assert!(spec(
            "url = \"https://a.test/{{secret}}\"\nlive_if = { path = \"e\", equals = 1, status = [400] }"
        )
        .is_err());
    }

    #[test]
    fn lookup_walks_objects_and_arrays() {
        let v = serde_json::json!({"a": {"b": [{"c": 3}]}});
        assert_eq!(lookup(&v, "a.b.0.c"), Some(&serde_json::json!(3)));
        assert_eq!(lookup(&v, "a.x"), None);
    }
}
