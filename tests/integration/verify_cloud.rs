//! Multi-part cloud credentials, verified against local stand-ins for AWS STS, Google's
//! OAuth token endpoint and the Microsoft identity platform, each answering as the provider
//! documents: live, invalid, throttled, server error. The stand-ins check what the provider
//! checks: STS recomputes the SigV4 signature from the request with the secret it knows
//! (written here from AWS's documentation, not taken from ferret), Google's decodes the JWT,
//! checks its header and claims and verifies its RS256 signature with the public key, and
//! Microsoft's reads the client-credentials form. A request that would not pass there gets
//! the provider's rejection.
use crate::mock_api::{MockApi, Reply, Request};
use crate::util::*;
use ring::hmac;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

const STS: &str = "https://sts.amazonaws.com";
const GOOGLE: &str = "https://oauth2.googleapis.com";
const MICROSOFT: &str = "https://login.microsoftonline.com";

/// A scan with `--verify`, redirected for `from` to `api`.
fn verify(t: &Tree, api: &MockApi, from: &str) -> (i32, Value, String) {
    let redirect = api.redirect(from);
    scan_json(t.path(), &["--verify", "--verify-redirect", &redirect])
}

fn only_finding(report: &Value) -> &Value {
    let all = report["findings"].as_array().expect("findings");
    assert_eq!(all.len(), 1, "one finding for the credential: {report}");
    &all[0]
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() {
                if let Ok(x) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                    out.push(x);
                    i += 3;
                    continue;
                }
            }
            out.push(b[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

// ---------------------------------------------------------------------------------------
// AWS: STS GetCallerIdentity, SigV4.

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// What STS does with a request: recompute its SigV4 signature (AWS General Reference,
/// "Create a signed AWS API request") with `secret` for the headers it says it signed,
/// and compare.
fn signature_holds(req: &Request, key_id: &str, secret: &str) -> bool {
    let Some(auth) = req.header("authorization") else {
        return false;
    };
    let Some(rest) = auth.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return false;
    };
    let item = |name: &str| {
        rest.split(", ")
            .find_map(|p| p.strip_prefix(name))
            .map(str::to_string)
    };
    let (Some(credential), Some(signed), Some(signature)) = (
        item("Credential="),
        item("SignedHeaders="),
        item("Signature="),
    ) else {
        return false;
    };
    let mut scope = credential.splitn(2, '/');
    if scope.next() != Some(key_id) {
        return false;
    }
    let scope = scope.next().unwrap_or("");
    let parts: Vec<&str> = scope.split('/').collect();
    if parts.len() != 4 || parts[1..] != ["us-east-1", "sts", "aws4_request"] {
        return false;
    }
    let Some(amz_date) = req.header("x-amz-date") else {
        return false;
    };
    let mut canonical = format!("{}\n{}\n\n", req.method, req.path);
    for name in signed.split(';') {
        // The stand-in answers for sts.amazonaws.com, whatever port it listens on.
        let value = if name == "host" {
            "sts.amazonaws.com".to_string()
        } else {
            match req.header(name) {
                Some(v) => v.to_string(),
                None => return false,
            }
        };
        canonical.push_str(&format!("{name}:{value}\n"));
    }
    let body_hash = hex(ring::digest::digest(&ring::digest::SHA256, &req.body).as_ref());
    canonical.push_str(&format!("\n{signed}\n{body_hash}"));
    let canonical_hash =
        hex(ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes()).as_ref());
    let to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{canonical_hash}");
    let mac = |key: &[u8], data: &str| {
        hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data.as_bytes())
            .as_ref()
            .to_vec()
    };
    let mut key = mac(format!("AWS4{secret}").as_bytes(), parts[0]);
    for p in &parts[1..] {
        key = mac(&key, p);
    }
    hex(&mac(&key, &to_sign)) == signature
}

fn sts_error(status: u16, code: &str, message: &str) -> Reply {
    Reply::raw(
        status,
        &format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>"
        ),
    )
    .with_header("Content-Type", "text/xml")
}

/// STS as documented, for one IAM user's key pair.
fn sts(key_id: String, secret: String) -> MockApi {
    MockApi::start(move |req, _| {
        let f = form(&req.body);
        if req.method != "POST"
            || req.path != "/"
            || field(&f, "Action") != Some("GetCallerIdentity")
            || field(&f, "Version") != Some("2011-06-15")
        {
            return sts_error(400, "InvalidAction", "Could not find operation");
        }
        let asked = req
            .header("authorization")
            .and_then(|a| a.split("Credential=").nth(1))
            .and_then(|c| c.split('/').next())
            .unwrap_or("");
        if asked != key_id {
            return sts_error(
                403,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            );
        }
        if !signature_holds(req, &key_id, &secret) {
            return sts_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            );
        }
        Reply::raw(200, "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci-deploy</Arn><UserId>AIDACKCEVSQ6C2EXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata></GetCallerIdentityResponse>")
            .with_header("Content-Type", "text/xml")
    })
}

fn aws_pair(s: &mut Secrets) -> (String, String) {
    const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let id = Secrets::join(&["AK", "IA"]) + &s.chars(BASE32, 16);
    let secret = format!(
        "{}/{}+{}",
        s.chars(ALNUM, 20),
        s.chars(ALNUM, 10),
        s.chars(ALNUM, 8)
    );
    (id, secret)
}

#[test]
fn aws_key_pairs_are_verified_with_a_signed_get_caller_identity() {
    let mut s = Secrets::new("verify_cloud_aws");
    let (id, secret) = aws_pair(&mut s);
    let t = Tree::new();
    t.write(
        ".aws/credentials",
        format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\nregion = eu-west-1\n"),
    );

    // Live: the stand-in knows this pair, and the signature is right.
    let api = sts(id.clone(), secret.clone());
    let (code, report, err) = verify(&t, &api, STS);
    assert_eq!(code, 1, "{err}");
    let f = only_finding(&report);
    assert_eq!(f["rule_id"], "aws-access-key-id");
    assert_eq!(f["line"], 2);
    assert_eq!(f["parts"][0]["name"], "secret_access_key");
    assert_eq!(f["parts"][0]["line"], 3);
    let v = &f["verification"];
    assert_eq!(v["status"], "verified", "{v}");
    assert_eq!(v["identity"]["account"], "123456789012");
    assert_eq!(
        v["identity"]["arn"],
        "arn:aws:iam::123456789012:user/ci-deploy"
    );
    assert_eq!(api.count(), 1);
    // The secret key signs; it is never sent, and never printed.
    let req = &api.requests()[0];
    let sent = format!("{:?}{}", req.headers, String::from_utf8_lossy(&req.body));
    assert!(!sent.contains(&secret), "the secret access key was sent");
    let all = format!("{report}{err}");
    assert!(!all.contains(&secret) && !all.contains(&id), "{all}");

    // Invalid: a key id STS does not know, and a secret that is not the key's.
    let (other_id, other_secret) = aws_pair(&mut s);
    for api in [sts(other_id, secret.clone()), sts(id.clone(), other_secret)] {
        let (_, report, err) = verify(&t, &api, STS);
        let v = &only_finding(&report)["verification"];
        assert_eq!(v["status"], "invalid", "{v} {err}");
        assert_eq!(v["http_status"], 403);
    }

    // Throttled and server errors say nothing about the key.
    let throttled = MockApi::start(|_, _| sts_error(400, "Throttling", "Rate exceeded"));
    let (_, report, _) = verify(&t, &throttled, STS);
    let v = &only_finding(&report)["verification"];
    assert_eq!(v["status"], "unknown", "{v}");
    assert!(
        v["reason"].as_str().unwrap().starts_with("rate limited"),
        "{v}"
    );
    let down = MockApi::start(|_, _| Reply::raw(500, "").with_header("Retry-After", "0"));
    let (_, report, _) = verify(&t, &down, STS);
    let v = &only_finding(&report)["verification"];
    assert_eq!(
        (v["status"].as_str(), v["http_status"].as_u64()),
        (Some("unknown"), Some(500)),
        "{v}"
    );
    assert_eq!(down.count(), 3, "retried");
}

#[test]
fn an_aws_key_id_without_its_secret_is_reported_but_not_sent() {
    let mut s = Secrets::new("verify_cloud_aws_alone");
    let (id, _) = aws_pair(&mut s);
    let t = Tree::new();
    t.write(
        "deploy.env",
        format!("AWS_ACCESS_KEY_ID={id}\nREGION=eu-west-1\n"),
    );
    let api = MockApi::start(|_, _| Reply::raw(200, ""));
    let (code, report, _) = verify(&t, &api, STS);
    assert_eq!(code, 1);
    let v = &only_finding(&report)["verification"];
    assert_eq!(v["status"], "unknown");
    assert_eq!(v["reason"], "its secret access key was not found near it");
    assert_eq!(api.count(), 0);
}

// ---------------------------------------------------------------------------------------
// GCP: a service-account key file, a signed JWT exchanged at the token endpoint.

struct ServiceAccount {
    /// The key file's `private_key`, as PEM.
    pem: String,
    n: Vec<u8>,
    e: Vec<u8>,
}

fn service_account() -> ServiceAccount {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    use rsa::traits::PublicKeyParts;
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("an RSA key");
    ServiceAccount {
        pem: key
            .to_pkcs8_pem(LineEnding::LF)
            .expect("PKCS#8")
            .to_string(),
        n: key.n().to_bytes_be(),
        e: key.e().to_bytes_be(),
    }
}

fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (mut bits, mut n, mut out) = (0u32, 0, Vec::new());
    for c in s.bytes() {
        bits = (bits << 6) | T.iter().position(|&t| t == c)? as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    Some(out)
}

/// Google's token endpoint as documented ("Using OAuth 2.0 for Server to Server
/// Applications"), for one service account whose public key is (`n`, `e`).
fn google(email: &'static str, key_id: String, n: Vec<u8>, e: Vec<u8>) -> MockApi {
    MockApi::start(move |req, _| {
        let bad = |what: &str| {
            Reply::json(
                400,
                json!({"error": "invalid_request", "error_description": what}),
            )
        };
        let f = form(&req.body);
        if req.method != "POST" || req.path != "/token" {
            return Reply::json(404, json!({"error": "not_found"}));
        }
        if field(&f, "grant_type") != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
            return bad("Invalid grant_type");
        }
        let Some(jwt) = field(&f, "assertion") else {
            return bad("Missing required parameter: assertion");
        };
        let pieces: Vec<&str> = jwt.split('.').collect();
        if pieces.len() != 3 {
            return bad("Invalid JWT");
        }
        let json_of =
            |p: &str| b64url_decode(p).and_then(|b| serde_json::from_slice::<Value>(&b).ok());
        let (Some(header), Some(claims), Some(signature)) = (
            json_of(pieces[0]),
            json_of(pieces[1]),
            b64url_decode(pieces[2]),
        ) else {
            return bad("Invalid JWT");
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let iat = claims["iat"].as_i64().unwrap_or(0);
        let shape_ok = header["alg"] == "RS256"
            && header["typ"] == "JWT"
            && header["kid"] == key_id.as_str()
            && claims["iss"] == email
            && claims["aud"] == "https://oauth2.googleapis.com/token"
            && claims["scope"]
                .as_str()
                .is_some_and(|s| s.starts_with("https://www.googleapis.com/auth/"))
            && (iat - now).abs() < 300
            && claims["exp"].as_i64() == Some(iat + 3600);
        if !shape_ok {
            return Reply::json(
                400,
                json!({"error": "invalid_grant", "error_description": "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."}),
            );
        }
        let signed = format!("{}.{}", pieces[0], pieces[1]);
        let public = ring::signature::RsaPublicKeyComponents { n: &n, e: &e };
        if public
            .verify(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                signed.as_bytes(),
                &signature,
            )
            .is_err()
        {
            return Reply::json(
                400,
                json!({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}),
            );
        }
        Reply::json(
            200,
            json!({"access_token": "<stand-in>", "expires_in": 3599, "token_type": "Bearer"}),
        )
    })
}

const SA_EMAIL: &str = "ci-deploy@acme-prod-4821.iam.gserviceaccount.com";

fn key_file(pem: &str, key_id: &str) -> String {
    let escaped = pem.replace('\n', "\\n");
    // `token_uri` names a host the check must never use.
    format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"acme-prod-4821\",\n  \"private_key_id\": \"{key_id}\",\n  \"private_key\": \"{escaped}\",\n  \"client_email\": \"{SA_EMAIL}\",\n  \"client_id\": \"109876543210987654321\",\n  \"auth_uri\": \"https://accounts.google.com/o/oauth2/auth\",\n  \"token_uri\": \"https://token.attacker.test/token\"\n}}\n"
    )
}

#[test]
fn gcp_key_files_are_verified_with_a_signed_jwt_at_googles_endpoint() {
    let sa = service_account();
    let mut s = Secrets::new("verify_cloud_gcp");
    let key_id = s.chars(b"0123456789abcdef", 40);
    let t = Tree::new();
    t.write("deploy/sa.json", key_file(&sa.pem, &key_id));

    let api = google(SA_EMAIL, key_id.clone(), sa.n.clone(), sa.e.clone());
    let (code, report, err) = verify(&t, &api, GOOGLE);
    assert_eq!(code, 1, "{err}");
    let f = only_finding(&report);
    assert_eq!(f["rule_id"], "gcp-service-account-key");
    let v = &f["verification"];
    assert_eq!(v["status"], "verified", "{v} {err}");
    assert_eq!(v["identity"]["client_email"], SA_EMAIL);
    assert_eq!(v["identity"]["project"], "acme-prod-4821");
    assert_eq!(
        api.count(),
        1,
        "the request went to Google's endpoint, not token_uri"
    );
    let sent = String::from_utf8_lossy(&api.requests()[0].body).into_owned();
    assert!(
        !sent.contains("PRIVATE KEY"),
        "the key signs; it is not sent"
    );
    let body = sa.pem.lines().nth(1).unwrap();
    assert!(!format!("{report}{err}").contains(body));

    // Invalid: Google knows another public key for this account.
    let other = service_account();
    let api = google(SA_EMAIL, key_id.clone(), other.n, other.e);
    let (_, report, err) = verify(&t, &api, GOOGLE);
    let v = &only_finding(&report)["verification"];
    assert_eq!(v["status"], "invalid", "{v} {err}");
    assert_eq!(v["http_status"], 400);

    for status in [429, 503] {
        let api = MockApi::start(move |_, _| {
            Reply::json(status, json!({"error": "rate_limit_exceeded"}))
                .with_header("Retry-After", "0")
        });
        let (_, report, _) = verify(&t, &api, GOOGLE);
        let v = &only_finding(&report)["verification"];
        assert_eq!(
            (v["status"].as_str(), v["http_status"].as_u64()),
            (Some("unknown"), Some(status as u64)),
            "{v}"
        );
        assert_eq!(api.count(), 3);
    }
}

// ---------------------------------------------------------------------------------------
// Azure: the client-credentials grant of the Microsoft identity platform.

fn guid(s: &mut Secrets) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    format!(
        "{}-{}-{}-{}-{}",
        s.chars(HEX, 8),
        s.chars(HEX, 4),
        s.chars(HEX, 4),
        s.chars(HEX, 4),
        s.chars(HEX, 12)
    )
}

#[test]
fn azure_client_secrets_are_verified_in_their_tenant() {
    let mut s = Secrets::new("verify_cloud_azure");
    let (tenant, client) = (guid(&mut s), guid(&mut s));
    let secret = format!("{}8Q~{}", s.chars(ALNUM, 3), s.chars(ALNUM, 34));
    let t = Tree::new();
    t.write(
        "appsettings.json",
        format!("{{\n  \"AzureAd\": {{\n    \"TenantId\": \"{tenant}\",\n    \"ClientId\": \"{client}\",\n    \"ClientSecret\": \"{secret}\"\n  }}\n}}\n"),
    );
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let microsoft = |known: String| {
        let (tenant, client, seen) = (tenant.clone(), client.clone(), seen.clone());
        MockApi::start(move |req, _| {
            let f = form(&req.body);
            seen.lock().unwrap().push(req.path.clone());
            if req.path != format!("/{tenant}/oauth2/v2.0/token") {
                return Reply::json(
                    400,
                    json!({"error": "invalid_request", "error_description": "AADSTS90002: Tenant not found."}),
                );
            }
            if field(&f, "grant_type") != Some("client_credentials")
                || field(&f, "scope") != Some("https://graph.microsoft.com/.default")
                || field(&f, "client_id") != Some(client.as_str())
            {
                return Reply::json(
                    400,
                    json!({"error": "unauthorized_client", "error_description": "AADSTS700016: Application not found in the directory."}),
                );
            }
            if field(&f, "client_secret") != Some(known.as_str()) {
                return Reply::json(
                    401,
                    json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}),
                );
            }
            Reply::json(
                200,
                json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": "stand-in"}),
            )
        })
    };

    let api = microsoft(secret.clone());
    let (code, report, err) = verify(&t, &api, MICROSOFT);
    assert_eq!(code, 1, "{err}");
    let f = only_finding(&report);
    assert_eq!(f["rule_id"], "azure-ad-client-secret");
    let names: Vec<&str> = f["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["tenant_id", "client_id"]);
    let v = &f["verification"];
    assert_eq!(v["status"], "verified", "{v} {err}");
    assert_eq!(v["identity"]["tenant"], tenant.as_str());
    assert!(!format!("{report}{err}").contains(&secret));

    let api = microsoft(format!("{}9Q~{}", s.chars(ALNUM, 3), s.chars(ALNUM, 34)));
    let (_, report, _) = verify(&t, &api, MICROSOFT);
    let v = &only_finding(&report)["verification"];
    assert_eq!(
        (v["status"].as_str(), v["http_status"].as_u64()),
        (Some("invalid"), Some(401)),
        "{v}"
    );

    for status in [429, 500] {
        let api = MockApi::start(move |_, _| {
            Reply::json(status, json!({"error": "temporarily_unavailable"}))
                .with_header("Retry-After", "0")
        });
        let (_, report, _) = verify(&t, &api, MICROSOFT);
        let v = &only_finding(&report)["verification"];
        assert_eq!(
            (v["status"].as_str(), v["http_status"].as_u64()),
            (Some("unknown"), Some(status as u64)),
            "{v}"
        );
    }
    // Every request carried the tenant in the path of the fixed host, never elsewhere.
    assert!(seen
        .lock()
        .unwrap()
        .iter()
        .all(|path| path.starts_with(&format!("/{tenant}/"))));
}
