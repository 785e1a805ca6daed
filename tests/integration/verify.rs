//! `--verify`: live checks against a local server that answers like each provider's API,
//! reached through `--verify-redirect`. No request ever leaves 127.0.0.1.
use crate::mock_api::{MockApi, Reply, Request};
use crate::util::*;
use serde_json::{json, Value};
use std::time::Duration;

const ATTIO: &str = "https://api.attio.com";
const TOPO: &str = "https://api.topo.io";

fn attio_key(s: &mut Secrets) -> String {
    s.token(&Secrets::join(&["s", "k_"]), 40)
}

fn topo_key(s: &mut Secrets) -> String {
    s.token(&Secrets::join(&["to", "po_"]), 40)
}

/// Attio's documented `GET /v2/self` answer for an active token.
fn attio_active(scope: &str) -> Reply {
    Reply::json(
        200,
        json!({
            "active": true,
            "scope": scope,
            "client_id": "0b6d5f3e-4f5a-4c3e-9a55-1c2b3d4e5f60",
            "token_type": "Bearer",
            "exp": null,
            "iat": 1700000000,
            "sub": "a7d4c1e2-0000-4000-8000-000000000001",
            "aud": "0b6d5f3e-4f5a-4c3e-9a55-1c2b3d4e5f60",
            "iss": "attio.com",
            "authorized_by_workspace_member_id": "b1c2d3e4-0000-4000-8000-000000000002",
            "workspace_id": "a7d4c1e2-0000-4000-8000-000000000001",
            "workspace_name": "Acme",
            "workspace_slug": "acme",
            "workspace_logo_url": null
        }),
    )
}

const WRITE_SCOPES: &str =
    "record_permission:read-write object_configuration:read list_entry:read-write user_management:read";
const READ_SCOPES: &str = "record_permission:read object_configuration:read";

/// A scan with `--verify` redirected to `api`, as JSON.
fn verify_json(t: &Tree, api: &MockApi, extra: &[&str]) -> (i32, Value, String) {
    let redirect = api.redirect(ATTIO);
    let mut args = vec!["--verify", "--verify-redirect", redirect.as_str()];
    args.extend_from_slice(extra);
    scan_json(t.path(), &args)
}

fn verification(report: &Value, i: usize) -> &Value {
    &report["findings"][i]["verification"]
}

#[test]
fn live_key_is_verified_with_its_write_scopes_named() {
    let t = Tree::new();
    let mut s = Secrets::new("verify_live");
    let key = attio_key(&mut s);
    t.write(".env", format!("ATTIO_API_KEY={key}\n"));
    let api = MockApi::start(|_, _| attio_active(WRITE_SCOPES));

    let (code, v, err) = verify_json(&t, &api, &[]);
    assert_eq!(code, 1, "{err}");
    let ver = verification(&v, 0);
    assert_eq!(ver["status"], "verified", "{ver}");
    assert_eq!(ver["http_status"], 200);
    assert_eq!(ver["scopes"].as_array().unwrap().len(), 4, "{ver}");
    assert_eq!(
        ver["write_scopes"],
        json!(["record_permission:read-write", "list_entry:read-write"])
    );
    assert_eq!(ver["identity"]["workspace"], "Acme");
    assert_eq!(
        ver["identity"]["workspace_id"],
        "a7d4c1e2-0000-4000-8000-000000000001"
    );
    assert!(
        !v.to_string().contains(&key),
        "secret leaked into the report"
    );

    let redirect = api.redirect(ATTIO);
    let (code, out, err) = run_in(
        t.path(),
        &["scan", ".", "--verify", "--verify-redirect", &redirect],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains(
            "LIVE Attio API token (workspace Acme) — can write: record_permission, list_entry"
        ),
        "{out}"
    );
    assert!(out.contains("Workspace settings → Developers"), "{out}");
    assert!(out.contains("verification: 1 live (1 can write)"), "{out}");
    assert!(!out.contains(&key) && !err.contains(&key));
}

#[test]
fn request_carries_the_secret_and_user_agent_to_the_redirected_host_only() {
    let t = Tree::new();
    let mut s = Secrets::new("verify_request");
    let (attio, topo) = (attio_key(&mut s), topo_key(&mut s));
    t.write("a.env", format!("ATTIO_API_KEY={attio}\n"));
    t.write("b.env", format!("TOPO_API_KEY={topo}\n"));
    let attio_api = MockApi::start(|_, _| attio_active(READ_SCOPES));
    let topo_api = MockApi::start(|_, _| {
        Reply::json(
            200,
            json!({"id": "key_1", "name": "CI deploy key", "organization_id": "org_42",
                   "scopes": ["projects:read", "deployments:write"]}),
        )
    });
    let (r1, r2) = (attio_api.redirect(ATTIO), topo_api.redirect(TOPO));
    let (code, v, err) = scan_json(
        t.path(),
        &[
            "--verify",
            "--verify-redirect",
            &r1,
            "--verify-redirect",
            &r2,
        ],
    );
    assert_eq!(code, 1, "{err}");

    let seen: Vec<Request> = attio_api.requests();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/v2/self"));
    assert_eq!(r.bearer(), Some(attio.as_str()));
    assert_eq!(
        r.header("user-agent"),
        Some(format!("ferret/{}", env!("CARGO_PKG_VERSION")).as_str())
    );
    assert_eq!(
        r.header("host"),
        Some(format!("127.0.0.1:{}", attio_api.port()).as_str())
    );

    let seen = topo_api.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/v1/me");
    assert_eq!(seen[0].bearer(), Some(topo.as_str()));

    let by_path = |p: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == p)
            .unwrap()["verification"]
            .clone()
    };
    assert_eq!(by_path("a.env")["write_scopes"], json!([]));
    let t = by_path("b.env");
    assert_eq!(t["status"], "verified");
    assert_eq!(t["write_scopes"], json!(["deployments:write"]));
    assert_eq!(
        t["identity"],
        json!({"name": "CI deploy key", "organization_id": "org_42"})
    );
}

#[test]
fn revoked_keys_are_invalid() {
    let t = Tree::new();
    let mut s = Secrets::new("verify_revoked");
    let (inactive, rejected) = (attio_key(&mut s), attio_key(&mut s));
    t.write("a.env", format!("ATTIO_API_KEY={inactive}\n"));
    t.write("b.env", format!("ATTIO_API_KEY={rejected}\n"));
    let bad = rejected.clone();
    // Attio answers 200 `{"active": false}` for a revoked token, 401 for one it never issued.
    let api = MockApi::start(move |r, _| {
        if r.bearer() == Some(bad.as_str()) {
            Reply::json(
                401,
                json!({"status_code": 401, "type": "auth_error", "code": "unauthorized"}),
            )
        } else {
            Reply::json(200, json!({"active": false}))
        }
    });
    let (code, v, _) = verify_json(&t, &api, &[]);
    assert_eq!(code, 1);
    let a = verification(&v, 0);
    assert_eq!(a["status"], "invalid", "{a}");
    assert_eq!(a["http_status"], 200);
    let b = verification(&v, 1);
    assert_eq!(b["status"], "invalid", "{b}");
    assert_eq!(b["http_status"], 401);
    assert!(b.get("scopes").is_none());

    let redirect = api.redirect(ATTIO);
    let (_, out, _) = run_in(
        t.path(),
        &["scan", ".", "--verify", "--verify-redirect", &redirect],
    );
    assert!(
        out.contains("revoked/invalid (HTTP 200 but active is false)"),
        "{out}"
    );
    assert!(
        out.contains("revoked/invalid (rejected with HTTP 401)"),
        "{out}"
    );
}

#[test]
fn rate_limit_is_retried_after_the_servers_wait() {
    let t = Tree::new();
    let mut s = Secrets::new("verify_429");
    t.write(".env", format!("K={}\n", attio_key(&mut s)));
    let api = MockApi::start(|_, i| {
        if i == 0 {
            Reply::json(429, json!({"status_code": 429, "type": "rate_limit_error"}))
                .with_header("Retry-After", "0")
        } else {
            attio_active(WRITE_SCOPES)
        }
    });
    let (_, v, _) = verify_json(&t, &api, &[]);
    assert_eq!(verification(&v, 0)["status"], "verified");
    assert_eq!(api.count(), 2, "one retry");
}

#[test]
fn persistent_rate_limit_and_server_errors_are_unknown_never_invalid() {
    for (status, reason) in [
        (429, "rate limited"),
        (500, "server error"),
        (503, "server error"),
    ] {
        let t = Tree::new();
        let mut s = Secrets::new("verify_5xx");
        t.write(".env", format!("K={}\n", attio_key(&mut s)));
        let api = MockApi::start(move |_, _| {
            Reply::json(status, json!({"error": "busy"})).with_header("Retry-After", "0")
        });
        let (code, v, _) = verify_json(&t, &api, &[]);
        assert_eq!(code, 1);
        let ver = verification(&v, 0);
        assert_eq!(ver["status"], "unknown", "{ver}");
        assert_eq!(ver["http_status"], status);
        let r = ver["reason"].as_str().unwrap();
        assert!(r.contains(reason) && r.contains("after 3 tries"), "{r}");
        assert_eq!(api.count(), 3, "HTTP {status}: three tries in all");
    }
}

#[test]
fn a_response_slower_than_the_timeout_is_unknown() {
    let t = Tree::new();
    let mut s = Secrets::new("verify_slow");
    t.write(".env", format!("K={}\n", attio_key(&mut s)));
    let api = MockApi::start(|_, _| attio_active(WRITE_SCOPES).after(Duration::from_secs(3)));
    let (code, v, _) = verify_json(&t, &api, &["--verify-timeout", "1"]);
    assert_eq!(code, 1);
    let ver = verification(&v, 0);
    assert_eq!(ver["status"], "unknown", "{ver}");
    assert_eq!(ver["reason"], "timed out after 1 s");
    assert_eq!(api.count(), 1, "a timeout is not retried");
}

#[test]
fn malformed_or_unexpected_bodies_are_unknown() {
    for body in [
        "{\"active\": tru",
        "<html>maintenance</html>",
        "{\"hello\": 1}",
    ] {
        let t = Tree::new();
        let mut s = Secrets::new("verify_malformed");
        t.write(".env", format!("K={}\n", attio_key(&mut s)));
        let api = MockApi::start(move |_, _| Reply::raw(200, body));
        let (_, v, _) = verify_json(&t, &api, &[]);
        let ver = verification(&v, 0);
        assert_eq!(ver["status"], "unknown", "{body}: {ver}");
        assert!(
            ver["reason"].as_str().unwrap().starts_with("HTTP 200"),
            "{ver}"
        );
    }
}

#[test]
fn the_same_secret_in_three_files_is_asked_about_once() {
    let t = Tree::new();
    let mut s = Secrets::new("verify_once");
    let key = attio_key(&mut s);
    for f in ["a.env", "b/config.yml", "c/settings.py"] {
        t.write(f, format!("attio_token = \"{key}\"\n"));
    }
    let api = MockApi::start(|_, _| attio_active(WRITE_SCOPES));
    let (_, v, _) = verify_json(&t, &api, &[]);
    assert_eq!(api.count(), 1);
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);
    for f in findings {
        assert_eq!(f["verification"]["status"], "verified", "{f}");
    }
}

#[test]
fn nothing_is_sent_without_verify() {
    let t = Tree::new();
    let mut s = Secrets::new("verify_off");
    t.write(".env", format!("K={}\n", attio_key(&mut s)));
    let api = MockApi::start(|_, _| attio_active(WRITE_SCOPES));
    let redirect = api.redirect(ATTIO);
    let (code, v, _) = scan_json(t.path(), &["--verify-redirect", &redirect]);
    assert_eq!(code, 1);
    assert!(v["findings"][0].get("verification").is_none());
    // A config in the scanned tree cannot turn verification on; it says it was ignored.
    t.write(".ferret.toml", "[verify]\nenabled = true\n");
    let (_, v, err) = scan_json(t.path(), &["--verify-redirect", &redirect]);
    assert!(v["findings"][0].get("verification").is_none());
    assert!(err.contains("[verify] table is ignored"), "{err}");
    assert_eq!(api.count(), 0);
    // --no-verify wins over a config the user names that turns verification on.
    let named = ["--config", ".ferret.toml"];
    let (_, v, _) = scan_json(
        t.path(),
        &[&["--no-verify", "--verify-redirect", &redirect][..], &named].concat(),
    );
    assert!(v["findings"][0].get("verification").is_none());
    assert_eq!(api.count(), 0);
    // A config the user names turns it on.
    let (_, v, _) = scan_json(
        t.path(),
        &[&["--verify-redirect", &redirect][..], &named].concat(),
    );
    assert_eq!(verification(&v, 0)["status"], "verified");
    assert_eq!(api.count(), 1);
}

#[test]
fn an_unreachable_api_is_unknown_and_the_scan_finishes() {
    let t = Tree::new();
    let mut s = Secrets::new("verify_unreachable");
    t.write(".env", format!("K={}\n", attio_key(&mut s)));
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redirect = format!("{ATTIO}=http://127.0.0.1:{port}");
    let (code, v, err) = scan_json(t.path(), &["--verify", "--verify-redirect", &redirect]);
    assert_eq!(code, 1, "normal findings exit code: {err}");
    let ver = verification(&v, 0);
    assert_eq!(ver["status"], "unknown", "{ver}");
    assert_eq!(ver["reason"], "connection refused");
    assert!(!err.contains("error"), "{err}");
    let (_, out, _) = run_in(
        t.path(),
        &["scan", ".", "--verify", "--verify-redirect", &redirect],
    );
    assert!(
        out.contains("could not verify: connection refused"),
        "{out}"
    );
}

#[test]
fn fail_on_live_and_write_choose_which_findings_fail() {
    let t = Tree::new();
    let mut s = Secrets::new("verify_fail_on");
    t.write(".env", format!("K={}\n", attio_key(&mut s)));
    let scope = std::sync::Arc::new(std::sync::Mutex::new(READ_SCOPES));
    let answer = scope.clone();
    // An empty scope stands for a revoked key.
    let api = MockApi::start(move |_, _| match *answer.lock().unwrap() {
        "" => Reply::json(200, json!({"active": false})),
        sc => attio_active(sc),
    });
    let redirect = api.redirect(ATTIO);
    let run = |fail_on: &str| {
        run_in(
            t.path(),
            &[
                "scan",
                ".",
                "--fail-on",
                fail_on,
                "--verify-redirect",
                &redirect,
            ],
        )
        .0
    };
    *scope.lock().unwrap() = "";
    assert_eq!(
        run("any"),
        1,
        "--fail-on any: every finding fails, nothing is asked"
    );
    assert_eq!(run("live"), 0, "revoked key, --fail-on live");
    assert_eq!(run("write"), 0, "revoked key, --fail-on write");
    *scope.lock().unwrap() = READ_SCOPES;
    assert_eq!(run("live"), 1, "live read-only key, --fail-on live");
    assert_eq!(run("write"), 0, "live read-only key, --fail-on write");
    *scope.lock().unwrap() = WRITE_SCOPES;
    assert_eq!(run("write"), 1, "live key that can write, --fail-on write");
    // --fail-on turned verification on by itself: every run above asked the server.
    assert_eq!(api.count(), 5);
}

#[test]
fn findings_of_rules_without_a_verify_block_get_no_verification() {
    let t = Tree::new();
    let mut s = Secrets::new("verify_no_block");
    t.write(
        "hook.env",
        format!("WEBHOOK={}\n", s.token(&Secrets::join(&["wh", "sec_"]), 32)),
    );
    t.write("attio.env", format!("K={}\n", attio_key(&mut s)));
    let api = MockApi::start(|_, _| attio_active(WRITE_SCOPES));
    let redirect = api.redirect(ATTIO);
    let (_, out, _) = run_in(
        t.path(),
        &[
            "scan",
            ".",
            "--format",
            "jsonl",
            "--verify",
            "--verify-redirect",
            &redirect,
        ],
    );
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{out}");
    for f in &lines {
        match f["rule_id"].as_str().unwrap() {
            "attio-api-token" => assert_eq!(f["verification"]["status"], "verified"),
            _ => assert!(f.get("verification").is_none(), "{f}"),
        }
    }
}

#[test]
fn concurrency_is_bounded() {
    let t = Tree::new();
    let mut s = Secrets::new("verify_concurrency");
    for i in 0..6 {
        t.write(&format!("{i}.env"), format!("K={}\n", attio_key(&mut s)));
    }
    let api = MockApi::start(|_, _| attio_active(READ_SCOPES).after(Duration::from_millis(200)));
    let (_, v, _) = verify_json(&t, &api, &["--verify-concurrency", "2"]);
    assert_eq!(api.count(), 6);
    assert!(api.max_in_flight() <= 2, "{} at once", api.max_in_flight());
    for f in v["findings"].as_array().unwrap() {
        assert_eq!(f["verification"]["status"], "verified");
    }
}

#[test]
fn bad_verify_settings_are_usage_errors() {
    let t = Tree::new();
    t.write("a.txt", "nothing here\n");
    let (code, _, err) = run_in(
        t.path(),
        &[
            "scan",
            ".",
            "--verify-redirect",
            "http://api.attio.com=http://127.0.0.1:1",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("FROM"), "{err}");
    // Even a config the user names cannot redirect secrets.
    t.write(
        ".ferret.toml",
        "[verify]\nredirect = \"https://api.attio.com=http://evil.test\"\n",
    );
    let (code, _, err) = run_in(t.path(), &["scan", ".", "--config", ".ferret.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(".ferret.toml") && err.contains("redirect"),
        "{err}"
    );
    // Nor can its rules send a secret over plain HTTP.
    t.write(
        ".ferret.toml",
        "[[rules]]\nid = \"x-token\"\ndescription = \"X\"\nregex = 'xtok_[a-z0-9]{20}'\nkeywords = [\"xtok_\"]\n[rules.verify]\nurl = \"http://api.x.test/me\"\nheaders = { Authorization = \"Bearer {{secret}}\" }\n",
    );
    let (code, _, err) = run_in(t.path(), &["scan", ".", "--config", ".ferret.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("rule \"x-token\": verify: url"), "{err}");
}

#[test]
fn a_config_rule_can_verify_with_post_and_basic_auth() {
    let t = Tree::new();
    let mut s = Secrets::new("verify_config_rule");
    let key = s.token("xtok_", 24).to_ascii_lowercase();
    t.write(
        ".ferret.toml",
        r#"[[rules]]
id = "x-token"
description = "X token"
regex = '\b(xtok_[a-z0-9]{24})\b'
keywords = ["xtok_"]
severity = "low"
examples = ["xtok_{{lowernum:24}}"]
[rules.verify]
method = "POST"
url = "https://api.x.test/auth.test"
basic_auth = { username = "{{secret}}" }
live_if = { path = "ok", equals = true }
dead_if = { path = "ok", equals = false }
identity = { team = "team" }
"#,
    );
    t.write("a.env", format!("X={key}\n"));
    let api = MockApi::start(|r, _| {
        if r.method == "POST" && r.path == "/auth.test" {
            Reply::json(200, json!({"ok": true, "team": "Blue"}))
        } else {
            Reply::json(404, json!({}))
        }
    });
    let redirect = api.redirect("https://api.x.test");
    let (code, v, err) = scan_json(
        t.path(),
        &[
            "--verify",
            "--verify-redirect",
            &redirect,
            "--config",
            ".ferret.toml",
        ],
    );
    assert_eq!(code, 1, "{err}");
    let ver = verification(&v, 0);
    assert_eq!(ver["status"], "verified", "{ver}");
    assert_eq!(ver["identity"]["team"], "Blue");
    assert!(ver.get("scopes").is_none(), "the rule names no scopes");
    let seen = api.requests();
    assert_eq!(seen.len(), 1);
    let auth = seen[0].header("authorization").unwrap();
    assert!(auth.starts_with("Basic ") && !auth.contains(&key), "{auth}");
}
