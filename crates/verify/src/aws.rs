//! AWS key pairs: STS `GetCallerIdentity`, signed with Signature Version 4.
//!
//! Every AWS request is signed with both halves of the key pair, so the check is one
//! `POST https://sts.amazonaws.com/` of `Action=GetCallerIdentity&Version=2011-06-15`, which
//! needs no permission (AWS: "No permissions are required to perform this operation"),
//! changes nothing, and answers with the account and ARN the key belongs to. The signing is
//! the few HMAC-SHA256 steps AWS documents, on `ring` (already in the tree through rustls)
//! rather than an SDK, and is tested against AWS's published SigV4 test suite.
//!
//! Verdicts: 200 with an ARN is live; 403 `InvalidClientTokenId` (no such key) or
//! `SignatureDoesNotMatch` (the secret is not the key's) is invalid; throttling, server
//! errors and anything else are unknown.
use crate::request::{Body, Method, Prepared, Response};
use ferret_engine::finding::{Status, Verification};
use ring::{digest, hmac};

/// The STS global endpoint (us-east-1): GetCallerIdentity answers there for keys of every
/// region.
pub const URL: &str = "https://sts.amazonaws.com/";
const HOST: &str = "sts.amazonaws.com";
const REGION: &str = "us-east-1";
const SERVICE: &str = "sts";
const BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
pub const DOCS: &str =
    "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html";

/// The parts a key id needs: its secret, and for temporary keys (`ASIA…`) the session
/// token.
pub const SECRET_PART: &str = "secret_access_key";
pub const TOKEN_PART: &str = "session_token";

/// A key pair, and the session token that goes with a temporary one.
pub struct Credentials<'a> {
    pub key_id: &'a str,
    pub secret: &'a str,
    pub session_token: Option<&'a str>,
}

/// What SigV4 signs about a request.
pub struct Request<'a> {
    pub method: &'a str,
    /// The canonical (already URI-encoded) path; `/` for the root.
    pub path: &'a str,
    /// The query as sent (`a=1&b=2`); sorted here.
    pub query: &'a str,
    /// Every header to sign, `host` and `x-amz-date` among them.
    pub headers: &'a [(&'a str, &'a str)],
    pub payload: &'a [u8],
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(data: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, data).as_ref())
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> hmac::Tag {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
}

/// The `Authorization` header for `req` signed with `creds` at `amz_date`
/// (`20150830T123600Z`), for `region` and `service`.
pub fn authorization(
    req: &Request<'_>,
    creds: &Credentials<'_>,
    amz_date: &str,
    region: &str,
    service: &str,
) -> String {
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(n, v)| {
            let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
            (n.to_ascii_lowercase(), v)
        })
        .collect();
    headers.sort();
    let signed: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
    let signed = signed.join(";");
    let mut query: Vec<&str> = req.query.split('&').filter(|p| !p.is_empty()).collect();
    query.sort_by(|a, b| {
        let key = |p: &str| p.split_once('=').map_or(p, |(k, _)| k).to_string();
        key(a).cmp(&key(b)).then(a.cmp(b))
    });
    let mut canonical = format!(
        "{}\n{}\n{}\n",
        req.method,
        if req.path.is_empty() { "/" } else { req.path },
        query.join("&")
    );
    for (n, v) in &headers {
        canonical.push_str(&format!("{n}:{v}\n"));
    }
    canonical.push_str(&format!("\n{signed}\n{}", sha256_hex(req.payload)));
    let date = &amz_date[..amz_date.len().min(8)];
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let mut key = hmac_sha256(format!("AWS4{}", creds.secret).as_bytes(), date.as_bytes());
    for part in [region, service, "aws4_request"] {
        key = hmac_sha256(key.as_ref(), part.as_bytes());
    }
    let signature = hex(hmac_sha256(key.as_ref(), to_sign.as_bytes()).as_ref());
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
        creds.key_id
    )
}

/// `YYYYMMDDTHHMMSSZ` for seconds since the Unix epoch (UTC).
pub fn amz_date(unix: u64) -> String {
    let (days, secs) = (unix / 86_400, unix % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The signed GetCallerIdentity request for `creds` at `amz_date`.
pub fn prepare(creds: &Credentials<'_>, amz_date: &str) -> Result<Prepared, String> {
    let well_formed = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
    if !well_formed(creds.key_id)
        || !well_formed(creds.secret)
        || creds.session_token.is_some_and(|t| !well_formed(t))
    {
        return Err("the key pair holds characters a request cannot carry".into());
    }
    if creds.key_id.starts_with("ASIA") && creds.session_token.is_none() {
        return Err("a temporary key (ASIA…) needs its session token, not found near it".into());
    }
    let mut signed: Vec<(&str, &str)> = vec![
        ("content-type", CONTENT_TYPE),
        ("host", HOST),
        ("x-amz-date", amz_date),
    ];
    if let Some(t) = creds.session_token {
        signed.push(("x-amz-security-token", t));
    }
    let auth = authorization(
        &Request {
            method: "POST",
            path: "/",
            query: "",
            headers: &signed,
            payload: BODY.as_bytes(),
        },
        creds,
        amz_date,
        REGION,
        SERVICE,
    );
    // Host and Content-Type are sent by the client from the URL and the body.
    let mut headers = vec![
        ("X-Amz-Date".to_string(), amz_date.to_string()),
        ("Authorization".to_string(), auth),
    ];
    if let Some(t) = creds.session_token {
        headers.push(("X-Amz-Security-Token".to_string(), t.to_string()));
    }
    Ok(Prepared {
        method: Method::Post,
        url: URL.to_string(),
        headers,
        body: Some(Body {
            content_type: CONTENT_TYPE,
            bytes: BODY.as_bytes().to_vec(),
        }),
    })
}

/// The text of the first `<tag>…</tag>` in an XML body (STS answers in XML; the fields
/// read here hold no markup).
fn xml_text<'a>(body: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let end = start + body[start..].find(&format!("</{tag}>"))?;
    Some(body[start..end].trim())
}

/// The verdict on STS's answer.
pub fn judge(r: &Response) -> Verification {
    let body = String::from_utf8_lossy(&r.body);
    let mut v = Verification::new(Status::Unknown);
    v.http_status = Some(r.status);
    let code = xml_text(&body, "Code");
    let after = if r.tries > 1 {
        format!(" after {} tries", r.tries)
    } else {
        String::new()
    };
    match (r.status, code) {
        (200, _) => match (xml_text(&body, "Arn"), xml_text(&body, "Account")) {
            (Some(arn), Some(account)) => {
                v.status = Status::Verified;
                v.identity = vec![
                    ("arn".into(), arn.into()),
                    ("account".into(), account.into()),
                ];
                if let Some(user) = xml_text(&body, "UserId") {
                    v.identity.push(("user_id".into(), user.into()));
                }
            }
            _ => v.reason = Some("HTTP 200 without an Arn and Account".into()),
        },
        (403, Some(c @ ("InvalidClientTokenId" | "SignatureDoesNotMatch"))) => {
            v.status = Status::Invalid;
            v.reason = Some(format!("rejected with HTTP 403 {c}"));
        }
        (_, Some(c)) if c.contains("Throttl") => {
            v.reason = Some(format!("rate limited (HTTP {} {c}){after}", r.status));
        }
        (429, _) => v.reason = Some(format!("rate limited (HTTP 429){after}")),
        (500..=599, _) => v.reason = Some(format!("server error (HTTP {}){after}", r.status)),
        (s, Some(c)) if c.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            v.reason = Some(format!("unexpected HTTP status {s} ({c})"));
        }
        (s, _) => v.reason = Some(format!("unexpected HTTP status {s}")),
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The credentials of AWS's SigV4 test suite (published in AWS's documentation).
    fn suite() -> Credentials<'static> {
        Credentials {
            key_id: concat!("AKID", "EXAMPLE"),
            secret: concat!("wJalrXUtnFEMI/K7MDENG+bPxRfiCY", "EXAMPLEKEY"),
            session_token: None,
        }
    }

    const DATE: &str = "20150830T123600Z";

    fn sign(method: &str, query: &str, headers: &[(&str, &str)], payload: &[u8]) -> String {
        let mut all = vec![("Host", "example.amazonaws.com"), ("X-Amz-Date", DATE)];
        all.extend_from_slice(headers);
        let a = authorization(
            &Request {
                method,
                path: "/",
                query,
                headers: &all,
                payload,
            },
            &suite(),
            DATE,
            "us-east-1",
            "service",
        );
        a.rsplit_once("Signature=").unwrap().1.to_string()
    }

    #[test]
    fn signatures_match_the_aws_sigv4_test_suite() {
        // get-vanilla
        assert_eq!(
            sign("GET", "", &[], b""),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        // get-vanilla-query-order-key-case: the query is sorted before signing.
        assert_eq!(
            sign("GET", "Param2=value2&Param1=value1", &[], b""),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        );
        // post-x-www-form-urlencoded
        let form = [("Content-Type", "application/x-www-form-urlencoded")];
        assert_eq!(
            sign("POST", "", &form, b"Param1=value1"),
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
        );
        // post-x-www-form-urlencoded-parameters
        let form = [(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf8",
        )];
        assert_eq!(
            sign("POST", "", &form, b"Param1=value1"),
            "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"
        );
        let full = authorization(
            &Request {
                method: "GET",
                path: "/",
                query: "",
                headers: &[("Host", "example.amazonaws.com"), ("X-Amz-Date", DATE)],
                payload: b"",
            },
            &suite(),
            DATE,
            "us-east-1",
            "service",
        );
        assert!(full.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature="
        ));
    }

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(amz_date(1_440_938_160), DATE);
        assert_eq!(amz_date(0), "19700101T000000Z");
        assert_eq!(amz_date(951_782_400), "20000229T000000Z");
        assert_eq!(amz_date(1_767_225_599), "20251231T235959Z");
    }

    #[test]
    fn the_request_is_signed_and_temporary_keys_need_their_token() {
        let p = prepare(&suite(), DATE).unwrap();
        assert_eq!(p.url, URL);
        assert_eq!(p.body.as_ref().unwrap().bytes, BODY.as_bytes());
        let auth = &p
            .headers
            .iter()
            .find(|(n, _)| n == "Authorization")
            .unwrap()
            .1;
        assert!(auth
            .contains("/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, "));
        assert!(!auth.contains(suite().secret), "the secret is never sent");
        let temp = Credentials {
            key_id: "ASIAXXXXXXXXXXXXXXXX",
            ..suite()
        };
        assert!(prepare(&temp, DATE).unwrap_err().contains("session token"));
        let with_token = Credentials {
            session_token: Some("FQoGZXIvYXdz"),
            ..temp
        };
        let p = prepare(&with_token, DATE).unwrap();
        assert!(p
            .headers
            .iter()
            .any(|(n, v)| n == "X-Amz-Security-Token" && v == "FQoGZXIvYXdz"));
        let auth = &p
            .headers
            .iter()
            .find(|(n, _)| n == "Authorization")
            .unwrap()
            .1;
        assert!(auth.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,"));
        assert!(prepare(
            &Credentials {
                secret: "a\nb",
                ..suite()
            },
            DATE
        )
        .is_err());
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
    fn sts_answers_are_judged() {
        let live = judge(&response(
            200,
            "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/Alice</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
        ));
        assert_eq!(live.status, Status::Verified);
        assert_eq!(live.identity[0].1, "arn:aws:iam::123456789012:user/Alice");
        assert_eq!(live.identity[1].1, "123456789012");
        for code in ["InvalidClientTokenId", "SignatureDoesNotMatch"] {
            let body = format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>m</Message></Error></ErrorResponse>");
            assert_eq!(
                judge(&response(403, &body)).status,
                Status::Invalid,
                "{code}"
            );
        }
        let throttled = judge(&response(
            400,
            "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>",
        ));
        assert_eq!(throttled.status, Status::Unknown);
        assert!(throttled.reason.unwrap().starts_with("rate limited"));
        for (status, body) in [
            (
                403,
                "<ErrorResponse><Error><Code>ExpiredToken</Code></Error></ErrorResponse>",
            ),
            (503, ""),
            (200, "<html>"),
        ] {
            assert_eq!(
                judge(&response(status, body)).status,
                Status::Unknown,
                "{status}"
            );
        }
    }
}
