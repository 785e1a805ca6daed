//! Where a verification request goes. A secret is sent only to the scheme and host its
//! rule's URL names; the one way to send it elsewhere is an explicit `--verify-redirect`
//! given by the person running ferret (for a proxy or a test server), never a config file.

/// `--verify-redirect FROM=TO`: requests whose URL starts with `FROM` go to `TO` instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    from: String,
    to: String,
}

impl Redirect {
    /// Parses `FROM=TO`. FROM is an `https://` base URL (`https://api.attio.com`); TO is
    /// an `http://` or `https://` base URL (`http://127.0.0.1:8080`).
    pub fn parse(s: &str) -> Result<Redirect, String> {
        let (from, to) = s.split_once('=').ok_or_else(|| {
            format!("{s:?}: expected FROM=TO, e.g. https://api.example.com=http://127.0.0.1:8080")
        })?;
        let from = base_url(from, &["https"]).map_err(|m| format!("FROM {from:?}: {m}"))?;
        let to = base_url(to, &["https", "http"]).map_err(|m| format!("TO {to:?}: {m}"))?;
        Ok(Redirect { from, to })
    }

    /// `url` with this redirect applied, or `None` when the redirect does not cover it.
    /// FROM must match whole path segments: `https://api.x.com` covers
    /// `https://api.x.com/v1` but not `https://api.x.com.evil.test/`.
    pub fn apply(&self, url: &str) -> Option<String> {
        let n = self.from.len();
        let head = url.as_bytes().get(..n)?;
        if !head.eq_ignore_ascii_case(self.from.as_bytes()) {
            return None;
        }
        let rest = &url[n..];
        if rest.is_empty() || rest.starts_with('/') || rest.starts_with('?') {
            Some(format!("{}{}", self.to, rest))
        } else {
            None
        }
    }
}

/// Checks a base URL (scheme, host, optional port and path; no query, no user info) and
/// returns it without a trailing slash.
fn base_url(s: &str, schemes: &[&str]) -> Result<String, String> {
    let s = s.trim();
    let (scheme, rest) = s
        .split_once("://")
        .ok_or("not a URL (expected scheme://host)")?;
    if !schemes.iter().any(|x| x.eq_ignore_ascii_case(scheme)) {
        return Err(format!("scheme must be {}", schemes.join(" or ")));
    }
    let authority = rest.split('/').next().unwrap_or("");
    check_authority(authority)?;
    if !s.is_ascii() || s.contains(['?', '#', ' ']) {
        return Err("only scheme, host, port and path are allowed".into());
    }
    Ok(s.trim_end_matches('/').to_string())
}

/// An authority we are willing to send a secret to: a host (and port), nothing else.
pub(crate) fn check_authority(authority: &str) -> Result<(), String> {
    if authority.is_empty() {
        return Err("no host".into());
    }
    if authority.contains('@') {
        return Err("user info (`user@`) is not allowed in the host".into());
    }
    if !authority
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    {
        return Err(format!("invalid host {authority:?}"));
    }
    Ok(())
}

/// `scheme://authority` of a URL: where a request to it is sent.
pub fn origin(url: &str) -> Option<&str> {
    let after = url.find("://")? + 3;
    let end = url[after..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after + i);
    Some(&url[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_parses_and_applies_to_whole_segments() {
        let r = Redirect::parse("https://api.attio.com/=http://127.0.0.1:9000").unwrap();
        assert_eq!(
            r.apply("https://api.attio.com/v2/self").as_deref(),
            Some("http://127.0.0.1:9000/v2/self")
        );
        assert_eq!(
            r.apply("https://API.attio.com").as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(r.apply("https://api.attio.com.evil.test/v2/self"), None);
        assert_eq!(r.apply("https://api.topo.io/v1/me"), None);
        assert_eq!(r.apply("http://api.attio.com/v2/self"), None);
    }

    #[test]
    fn redirect_rejects_what_is_not_a_base_url() {
        assert!(Redirect::parse("https://api.attio.com").is_err());
        assert!(Redirect::parse("http://api.attio.com=http://127.0.0.1:1").is_err());
        assert!(Redirect::parse("https://a@api.attio.com=http://127.0.0.1:1").is_err());
        assert!(Redirect::parse("https://api.attio.com=ftp://127.0.0.1").is_err());
        assert!(Redirect::parse("https://api.attio.com=http://127.0.0.1/?q=1").is_err());
    }

    #[test]
    fn origin_is_scheme_and_authority() {
        assert_eq!(
            origin("https://api.attio.com/v2/self?x=1"),
            Some("https://api.attio.com")
        );
        assert_eq!(origin("http://127.0.0.1:9"), Some("http://127.0.0.1:9"));
        assert_eq!(origin("no-scheme"), None);
    }
}
