//! The HTTP side of verification: one `ureq` agent (rustls, no proxy from the environment,
//! no redirects followed), a per-request timeout, and retries with backoff on 429 and 5xx.
//!
//! Errors are turned into our own short reasons here: ureq's messages can quote the URL,
//! and a URL can hold a secret (some APIs take the key in the path).
use super::request::{Method, Prepared, Response, MAX_BODY};
use std::time::Duration;

/// Total tries for one request (the first one and two retries).
pub const MAX_TRIES: u32 = 3;
/// The longest we wait between tries, whatever `Retry-After` asks for.
pub const MAX_WAIT: Duration = Duration::from_secs(10);

pub struct Client {
    agent: ureq::Agent,
    timeout: Duration,
}

impl Client {
    pub fn new(timeout: Duration) -> Client {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            // A redirect would carry the secret to a host the rule does not name.
            .max_redirects(0)
            // Proxies from the environment are not used: `--verify-redirect` is the one
            // way to change where a secret goes.
            .proxy(None)
            .user_agent(concat!("ferret/", env!("CARGO_PKG_VERSION")))
            .accept("application/json")
            .build()
            .into();
        Client { agent, timeout }
    }

    /// Sends `req`, retrying on 429 and 5xx; `Err` is a transport failure's reason.
    pub fn send(&self, req: &Prepared) -> Result<Response, String> {
        let mut tries = 0;
        loop {
            tries += 1;
            let mut r = self.send_once(req)?;
            r.tries = tries;
            let retryable = r.status == 429 || (500..600).contains(&r.status);
            if !retryable || tries >= MAX_TRIES {
                return Ok(r);
            }
            std::thread::sleep(wait_before_retry(r.header("retry-after"), tries));
        }
    }

    fn send_once(&self, req: &Prepared) -> Result<Response, String> {
        let result = match req.method {
            Method::Get => {
                let mut b = self.agent.get(&req.url);
                for (n, v) in &req.headers {
                    b = b.header(n.as_str(), v.as_str());
                }
                b.call()
            }
            Method::Post => {
                let mut b = self.agent.post(&req.url);
                for (n, v) in &req.headers {
                    b = b.header(n.as_str(), v.as_str());
                }
                match &req.body {
                    Some(body) => b
                        .header("Content-Type", body.content_type)
                        .send(&body.bytes[..]),
                    None => b.send_empty(),
                }
            }
        };
        let mut resp = result.map_err(|e| self.reason(&e))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(n, v)| {
                Some((
                    n.as_str().to_ascii_lowercase(),
                    v.to_str().ok()?.to_string(),
                ))
            })
            .collect();
        let body = match resp.body_mut().with_config().limit(MAX_BODY).read_to_vec() {
            Ok(b) => b,
            Err(ureq::Error::BodyExceedsLimit(_)) => {
                return Err(format!(
                    "HTTP {status} with a body over {} KiB",
                    MAX_BODY >> 10
                ))
            }
            Err(e) => return Err(self.reason(&e)),
        };
        Ok(Response {
            status,
            headers,
            body,
            tries: 1,
        })
    }

    /// A short reason for a transport error, never quoting ureq (which may quote the URL).
    fn reason(&self, e: &ureq::Error) -> String {
        use ureq::Error as E;
        match e {
            E::Timeout(_) => format!("timed out after {}", secs(self.timeout)),
            E::HostNotFound => "host not found".into(),
            E::ConnectionFailed => "connection failed".into(),
            E::Io(io) => match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                    format!("timed out after {}", secs(self.timeout))
                }
                k => format!("connection error ({k})"),
            },
            E::Tls(_) | E::Rustls(_) | E::Pem(_) | E::TlsRequired => "TLS error".into(),
            E::Protocol(_) | E::LargeResponseHeader(..) | E::BodyStalled => {
                "malformed HTTP response".into()
            }
            E::BadUri(_) | E::Http(_) => "invalid request".into(),
            _ => "request failed".into(),
        }
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

/// `Retry-After` in seconds when the server gives it (an HTTP date is not honoured), else
/// exponential backoff from one second; never more than [`MAX_WAIT`].
pub fn wait_before_retry(retry_after: Option<&str>, tries: u32) -> Duration {
    let asked = retry_after
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let backoff = Duration::from_secs(1 << tries.saturating_sub(1).min(4));
    asked.unwrap_or(backoff).min(MAX_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_honoured_and_capped() {
        assert_eq!(wait_before_retry(Some("0"), 1), Duration::ZERO);
        assert_eq!(wait_before_retry(Some(" 2 "), 1), Duration::from_secs(2));
        assert_eq!(wait_before_retry(Some("3600"), 1), MAX_WAIT);
        assert_eq!(wait_before_retry(None, 1), Duration::from_secs(1));
        assert_eq!(wait_before_retry(None, 2), Duration::from_secs(2));
        assert_eq!(
            wait_before_retry(Some("Wed, 21 Oct 2015 07:28:00 GMT"), 2),
            Duration::from_secs(2)
        );
    }
}
