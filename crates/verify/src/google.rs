//! Google Cloud service-account key files: a JWT signed with the file's private key,
//! exchanged for an access token (Google's "OAuth 2.0 for Server to Server Applications").
//!
//! The assertion is RS256 (`ring`), claims `iss` (the file's `client_email`), `scope`,
//! `aud` and a one-hour `iat`/`exp`; it is POSTed as `grant_type=urn:ietf:params:oauth:
//! grant-type:jwt-bearer&assertion=…` to Google's documented token endpoint. The key file's
//! own `token_uri` is never read: a file found in a scanned tree cannot choose where its
//! key is sent. The access token that comes back is dropped unused.
//!
//! Verdicts: 200 with an `access_token` is live (reported with the client email and the
//! project); `invalid_grant` for a bad signature or a deleted account, and `invalid_client`
//! (a disabled or deleted account), are invalid; anything else (a clock too far off, rate
//! limits, server errors) is unknown.
use crate::request::{Body, Method, Prepared, Response};
use ferret_engine::finding::{Status, Verification};
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};

pub const URL: &str = "https://oauth2.googleapis.com/token";
pub const DOCS: &str =
    "https://developers.google.com/identity/protocols/oauth2/service-account#httprest";
/// Read-only, and only asked for: the token is never used.
const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform.read-only";
const GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

pub const EMAIL_PART: &str = "client_email";
pub const PROJECT_PART: &str = "project_id";
pub const KEY_ID_PART: &str = "private_key_id";

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Unpadded base64url, as JWTs use it.
pub fn base64url(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            let c = B64[(n >> (18 - 6 * i)) as usize & 63];
            out.push(match c {
                b'+' => '-',
                b'/' => '_',
                c => c as char,
            });
        }
    }
    out
}

/// The DER inside a PEM `PRIVATE KEY` block as a key file holds it: newlines written as
/// JSON's `\n`, or real ones.
fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let text = pem.replace("\\n", "\n");
    let body = text
        .split("-----BEGIN PRIVATE KEY-----")
        .nth(1)?
        .split("-----END PRIVATE KEY-----")
        .next()?;
    let mut out = Vec::new();
    let (mut bits, mut n) = (0u32, 0);
    for c in body
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        bits = (bits << 6) | B64.iter().position(|&t| t == c)? as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    Some(out)
}

/// The signed assertion for the service account `email` at `now` (seconds since the
/// epoch), with the key id in the header when the file gives one.
pub fn assertion(
    private_key: &str,
    email: &str,
    key_id: Option<&str>,
    now: u64,
) -> Result<String, String> {
    let der = pem_der(private_key).ok_or("the private key is not a PEM PRIVATE KEY block")?;
    let key = RsaKeyPair::from_pkcs8(&der)
        .map_err(|_| "the private key is not an RSA key in PKCS#8 form".to_string())?;
    let mut header = serde_json::json!({"alg": "RS256", "typ": "JWT"});
    if let Some(kid) = key_id {
        header["kid"] = kid.into();
    }
    let claims = serde_json::json!({
        "iss": email,
        "scope": SCOPE,
        "aud": URL,
        "iat": now,
        "exp": now + 3600,
    });
    let signing_input = format!(
        "{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes())
    );
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        signing_input.as_bytes(),
        &mut signature,
    )
    .map_err(|_| "the private key could not sign".to_string())?;
    Ok(format!("{signing_input}.{}", base64url(&signature)))
}

/// The token request for the key file's private key and fields.
pub fn prepare(
    private_key: &str,
    email: &str,
    key_id: Option<&str>,
    now: u64,
) -> Result<Prepared, String> {
    let jwt = assertion(private_key, email, key_id, now)?;
    let body = format!(
        "grant_type={}&assertion={jwt}",
        crate::request::percent_encode(GRANT)
    );
    Ok(Prepared {
        method: Method::Post,
        url: URL.to_string(),
        headers: Vec::new(),
        body: Some(Body {
            content_type: "application/x-www-form-urlencoded",
            bytes: body.into_bytes(),
        }),
    })
}

/// The verdict on the token endpoint's answer.
pub fn judge(r: &Response) -> Verification {
    let mut v = Verification::new(Status::Unknown);
    v.http_status = Some(r.status);
    let body: Option<serde_json::Value> = serde_json::from_slice(&r.body).ok();
    let field = |k: &str| {
        body.as_ref()
            .and_then(|b| b.get(k))
            .and_then(|x| x.as_str())
            .unwrap_or("")
            .to_string()
    };
    let (error, description) = (
        field("error"),
        field("error_description").to_ascii_lowercase(),
    );
    let after = if r.tries > 1 {
        format!(" after {} tries", r.tries)
    } else {
        String::new()
    };
    match r.status {
        200 if !field("access_token").is_empty() => v.status = Status::Verified,
        200 => v.reason = Some("HTTP 200 without an access_token".into()),
        400 | 401
            if error == "invalid_client"
                || (error == "invalid_grant"
                    && (description.contains("invalid jwt signature")
                        || description.contains("not found"))) =>
        {
            v.status = Status::Invalid;
            v.reason = Some(format!("rejected with HTTP {} {error}", r.status));
        }
        429 => v.reason = Some(format!("rate limited (HTTP 429){after}")),
        500..=599 => v.reason = Some(format!("server error (HTTP {}){after}", r.status)),
        s if !error.is_empty()
            && error
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
        {
            v.reason = Some(format!("unexpected HTTP status {s} ({error})"));
        }
        s => v.reason = Some(format!("unexpected HTTP status {s}")),
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
            tries: 1,
        }
    }

    #[test]
    fn base64url_has_no_padding_and_no_plus_or_slash() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(
            base64url(br#"{"alg":"RS256","typ":"JWT"}"#),
            "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"
        );
    }

    #[test]
    fn a_key_that_is_not_a_key_is_not_sent() {
        let fake = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n";
        let err = prepare(fake, "a@b.iam.gserviceaccount.com", None, 0).unwrap_err();
        assert!(err.contains("RSA key"), "{err}");
        assert!(prepare("no pem", "a@b", None, 0).is_err());
    }

    #[test]
    fn token_answers_are_judged() {
        let live = judge(&response(
            200,
            r#"{"access_token": "ya29.c.x", "expires_in": 3599, "token_type": "Bearer"}"#,
        ));
        assert_eq!(live.status, Status::Verified);
        for body in [
            r#"{"error": "invalid_grant", "error_description": "Invalid JWT Signature."}"#,
            r#"{"error": "invalid_grant", "error_description": "Invalid grant: account not found"}"#,
            r#"{"error": "invalid_client", "error_description": "The OAuth client was disabled."}"#,
        ] {
            assert_eq!(
                judge(&response(400, body)).status,
                Status::Invalid,
                "{body}"
            );
        }
        // A clock out of step is invalid_grant too, but says nothing about the key.
        let skew = judge(&response(
            400,
            r#"{"error": "invalid_grant", "error_description": "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."}"#,
        ));
        assert_eq!(skew.status, Status::Unknown);
        assert_eq!(
            skew.reason.as_deref(),
            Some("unexpected HTTP status 400 (invalid_grant)")
        );
        for status in [429, 500, 503] {
            assert_eq!(judge(&response(status, "{}")).status, Status::Unknown);
        }
    }
}
