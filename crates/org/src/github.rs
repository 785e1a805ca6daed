//! An organisation's repositories from GitHub's REST API: `GET /orgs/{org}/repos`, 100 a
//! page, following the `Link: <...>; rel="next"` header, with `GH_TOKEN` (or
//! `GITHUB_TOKEN`) as a bearer token when set. `--api-url` points it at GitHub Enterprise
//! Server (`https://HOST/api/v3`) or at a test server.
//!
//! The token only goes to the API's own origin: a `next` link to another host is refused
//! rather than followed with the token.
use crate::repos::{Entry, Listed};
use crate::{Error, Result};
use serde_json::Value;
use std::time::Duration;

/// The public API.
pub const DEFAULT_API: &str = "https://api.github.com";
/// More pages than this is taken as a loop in the links (100,000 repositories).
const MAX_PAGES: usize = 1000;

/// The token from the environment: `GH_TOKEN`, else `GITHUB_TOKEN` (as `gh` does).
pub fn token_from_env() -> Option<String> {
    ["GH_TOKEN", "GITHUB_TOKEN"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|t| !t.trim().is_empty())
        .map(|t| t.trim().to_string())
}

/// Lists every repository of `org`.
pub fn list_org(api: &str, org: &str, token: Option<&str>) -> Result<Listed> {
    if org.is_empty()
        || !org
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(Error::Usage(format!(
            "--github-org {org:?}: not an organisation name"
        )));
    }
    let api = api.trim_end_matches('/');
    let origin = origin(api)
        .ok_or_else(|| Error::Usage(format!("--api-url {api:?}: not an http(s) URL")))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("ferret/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut url = format!("{api}/orgs/{org}/repos?per_page=100&type=all");
    let mut out = Listed::default();
    for _ in 0..MAX_PAGES {
        let mut req = agent
            .get(&url)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28");
        if let Some(t) = token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let mut resp = req
            .call()
            .map_err(|e| Error::Api(format!("{}: {}", redact_query(&url), transport(&e))))?;
        let status = resp.status().as_u16();
        let next = resp
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .and_then(next_link);
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .map_err(|e| Error::Api(format!("{}: {}", redact_query(&url), transport(&e))))?;
        if status != 200 {
            let message = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| v.get("message").and_then(Value::as_str).map(String::from))
                .unwrap_or_default();
            let hint = match status {
                401 => " (is GH_TOKEN valid?)",
                403 | 429 => " (rate limited, or the token lacks read access to the organisation)",
                404 => " (no such organisation, or it is private and GH_TOKEN is not set)",
                _ => "",
            };
            return Err(Error::Api(format!(
                "{}: HTTP {status} {message}{hint}",
                redact_query(&url)
            )));
        }
        let page: Value = serde_json::from_str(&body)
            .map_err(|e| Error::Api(format!("{}: not JSON: {e}", redact_query(&url))))?;
        let items = page
            .as_array()
            .ok_or_else(|| Error::Api(format!("{}: expected a JSON array", redact_query(&url))))?;
        for item in items {
            let Some(clone) = item.get("clone_url").and_then(Value::as_str) else {
                continue;
            };
            let (mut entry, dropped) = Entry::new(clone, item.get("size").and_then(Value::as_u64));
            if let Some(n) = item.get("full_name").and_then(Value::as_str) {
                entry.name = n.to_string();
            }
            out.dropped_credentials += usize::from(dropped);
            out.entries.push(entry);
        }
        match next {
            None => return Ok(out),
            Some(n) => {
                if origin_of(&n).as_deref() != Some(origin.as_str()) {
                    return Err(Error::Api(format!(
                        "the next page is on another host ({}); not sending the token there",
                        origin_of(&n).unwrap_or_default()
                    )));
                }
                url = n;
            }
        }
    }
    Err(Error::Api(format!(
        "more than {MAX_PAGES} pages of repositories"
    )))
}

/// The URL of `rel="next"` in a `Link` header.
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| url.to_string())
    })
}

/// `scheme://host[:port]` of an http(s) URL.
fn origin(url: &str) -> Option<String> {
    origin_of(url)
}

fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    Some(format!("{scheme}://{}", host.to_ascii_lowercase()))
}

/// A URL for messages: no query string (nothing secret goes there, but keep it short).
fn redact_query(url: &str) -> String {
    url.split('?').next().unwrap_or(url).to_string()
}

/// A transport error in our words (ureq's can quote headers).
fn transport(e: &ureq::Error) -> String {
    use ureq::Error as E;
    match e {
        E::Timeout(_) => "timed out".into(),
        E::HostNotFound => "host not found".into(),
        E::ConnectionFailed => "connection failed".into(),
        E::Io(io) => format!("connection error ({})", io.kind()),
        E::Tls(_) | E::Rustls(_) | E::Pem(_) | E::TlsRequired => "TLS error".into(),
        _ => "HTTP error".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_is_found() {
        let h = r#"<https://api.github.com/organizations/1/repos?page=2>; rel="next", <https://api.github.com/organizations/1/repos?page=5>; rel="last""#;
        assert_eq!(
            next_link(h).as_deref(),
            Some("https://api.github.com/organizations/1/repos?page=2")
        );
        assert_eq!(next_link(r#"<https://x/?page=1>; rel="prev""#), None);
        assert_eq!(
            origin_of("http://127.0.0.1:8080/api/v3").as_deref(),
            Some("http://127.0.0.1:8080")
        );
    }
}
