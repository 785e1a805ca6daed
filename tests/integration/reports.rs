//! SARIF for GitHub code scanning and GitHub annotations (`--format sarif`, `github`).
use crate::ci::*;
use crate::util::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// Rules of medium and low severity, so every level and security-severity shows up.
const LEVELS_CONFIG: &str = r#"
[[rules]]
id = "demo-medium-token"
description = "Demo medium token"
regex = '''\b(medtok_[a-z0-9]{24})\b'''
keywords = ["medtok_"]
severity = "medium"
tags = ["demo"]

[[rules]]
id = "demo-low-token"
description = "Demo low token"
regex = '''\b(lowtok_[a-z0-9]{24})\b'''
keywords = ["lowtok_"]
severity = "low"
tags = ["demo"]
"#;

struct Keys {
    attio: String,
    topo: String,
    medium: String,
    low: String,
}

fn keys(seed: &str) -> Keys {
    let mut s = Secrets::new(seed);
    Keys {
        attio: s.token(&Secrets::join(&["s", "k_"]), 40),
        topo: s.token(&Secrets::join(&["to", "po_"]), 32),
        medium: format!("medtok_{}", s.chars(LOWERNUM, 24)),
        low: format!("lowtok_{}", s.chars(LOWERNUM, 24)),
    }
}

fn tree(k: &Keys) -> Tree {
    let t = Tree::new();
    t.write(".ferret.toml", LEVELS_CONFIG);
    t.write("config/.env", format!("ATTIO_API_KEY={}\n", k.attio));
    t.write(
        "src/my app/settings.py",
        format!("A = '{}'\nB = '{}'\nT = \"{}\"\n", k.attio, k.attio, k.topo),
    );
    t.write("notes/levels.txt", format!("m {}\nl {}\n", k.medium, k.low));
    t
}

/// Scans `t` to SARIF in a separate directory; returns (exit code, file text, parsed, stderr).
fn sarif(t: &Tree, extra: &[&str]) -> (i32, String, Value, String, tempfile::TempDir) {
    let out_dir = tempfile::tempdir().unwrap();
    let file = out_dir.path().join("ferret.sarif");
    let mut args = vec![
        "scan",
        ".",
        "--format",
        "sarif",
        "-o",
        file.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, _, err) = run_in(t.path(), &args);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}: {err}"));
    let v = serde_json::from_str(&text).unwrap();
    (code, text, v, err, out_dir)
}

fn results(v: &Value) -> &Vec<Value> {
    v["runs"][0]["results"].as_array().expect("results")
}

fn rule<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id}"))
}

fn uri(r: &Value) -> &str {
    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
}

#[test]
fn sarif_from_a_directory_scan_passes_the_strict_validator() {
    let k = keys("sarif_dir");
    let t = tree(&k);
    let (code, text, v, err, dir) = sarif(&t, &[]);
    assert_eq!(code, 1, "{err}");
    validate_sarif(&dir.path().join("ferret.sarif"));

    assert_eq!(v["version"], "2.1.0");
    let driver = &v["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "ferret");
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let ids: Vec<&str> = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "attio-api-token",
            "demo-low-token",
            "demo-medium-token",
            "topo-api-key"
        ],
        "only rules that produced a result, sorted"
    );

    let attio = rule(&v, "attio-api-token");
    assert_eq!(attio["properties"]["security-severity"], "9.5");
    assert!(attio["properties"]["tags"]
        .as_array()
        .unwrap()
        .contains(&Value::from("security")));
    assert!(["very-high", "high", "medium"]
        .contains(&attio["properties"]["precision"].as_str().unwrap()));
    assert!(attio["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("Workspace settings"));
    assert_eq!(attio["name"], "AttioApiToken");
    assert_eq!(
        rule(&v, "demo-medium-token")["properties"]["security-severity"],
        "5.5"
    );
    assert_eq!(
        rule(&v, "demo-low-token")["properties"]["security-severity"],
        "3.0"
    );

    let rs = results(&v);
    assert_eq!(rs.len(), 6);
    for r in rs {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(driver["rules"][i]["id"], r["ruleId"]);
        let level = r["level"].as_str().unwrap();
        let want = match r["ruleId"].as_str().unwrap() {
            "demo-medium-token" => "warning",
            "demo-low-token" => "note",
            _ => "error",
        };
        assert_eq!(level, want, "{r}");
    }
    let by_uri: Vec<&str> = rs.iter().map(uri).collect();
    assert!(by_uri.contains(&"src/my%20app/settings.py"), "{by_uri:?}");
    assert!(by_uri.contains(&"config/.env"), "{by_uri:?}");

    // The same secret twice in one file: two alerts, told apart by an occurrence count,
    // both carrying the finding's fingerprint and no line number.
    let (_, json, _) = scan_json(t.path(), &[]);
    let fp = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "src/my app/settings.py" && f["line"] == 1)
        .unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let hashes: Vec<&str> = rs
        .iter()
        .filter(|r| uri(r) == "src/my%20app/settings.py" && r["ruleId"] == "attio-api-token")
        .map(|r| r["partialFingerprints"]["ferret/v1"].as_str().unwrap())
        .collect();
    assert_eq!(hashes, [format!("{fp}:1"), format!("{fp}:2")]);

    // Redacted everywhere, the snippet included.
    for secret in [&k.attio, &k.topo, &k.medium, &k.low] {
        assert!(!text.contains(secret.as_str()), "whole secret in SARIF");
    }
    let first = rs.iter().find(|r| uri(r) == "config/.env").unwrap();
    let region = &first["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 1);
    assert_eq!(region["startColumn"], 15);
    assert_eq!(region["endColumn"], 15 + k.attio.len() as u64);
    let snippet = region["snippet"]["text"].as_str().unwrap();
    assert!(
        snippet.starts_with("ATTIO_API_KEY=") && snippet.ends_with('…'),
        "{snippet}"
    );
    assert!(first["message"]["text"]
        .as_str()
        .unwrap()
        .starts_with("Attio API token: "));
}

#[test]
fn sarif_shows_whole_secrets_only_when_asked() {
    let k = keys("sarif_show");
    let t = tree(&k);
    let (_, text, _, _, _) = sarif(&t, &["--show-secrets"]);
    assert!(text.contains(&k.attio));
}

#[test]
fn sarif_with_no_findings_is_valid_and_exits_zero() {
    let t = Tree::new();
    t.write("README.md", "nothing to see\n");
    let (code, _, v, _, dir) = sarif(&t, &[]);
    assert_eq!(code, 0);
    assert_eq!(results(&v).len(), 0);
    validate_sarif(&dir.path().join("ferret.sarif"));
}

#[test]
fn sarif_alerts_keep_their_identity_when_lines_move() {
    let k = keys("sarif_shift");
    let t = tree(&k);
    let summary = |v: &Value| -> BTreeMap<(String, String), (String, u64)> {
        results(v)
            .iter()
            .map(|r| {
                let hash = r["partialFingerprints"]["ferret/v1"]
                    .as_str()
                    .unwrap()
                    .to_string();
                let line = r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap();
                (
                    (r["ruleId"].as_str().unwrap().to_string(), hash),
                    (uri(r).to_string(), line),
                )
            })
            .collect()
    };
    let (_, _, before, _, _) = sarif(&t, &[]);
    for rel in ["config/.env", "src/my app/settings.py", "notes/levels.txt"] {
        let p = t.path().join(rel);
        let old = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, format!("# one\n# two\n# three\n{old}")).unwrap();
    }
    let (_, _, after, _, _) = sarif(&t, &[]);
    let (before, after) = (summary(&before), summary(&after));
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (key, (path, line)) in &before {
        assert_eq!(after[key], (path.clone(), line + 3), "{key:?}");
    }
}

#[test]
fn sarif_over_githubs_result_limit_keeps_the_most_severe_and_warns() {
    let t = Tree::new();
    t.write(".ferret.toml", LEVELS_CONFIG);
    let mut s = Secrets::new("sarif_cap");
    let sk = Secrets::join(&["s", "k_"]);
    // Without x, no random key looks like an `xxxx` placeholder mask.
    let alphabet: Vec<u8> = ALNUM
        .iter()
        .copied()
        .filter(|c| !b"xX".contains(c))
        .collect();
    let mut key = || format!("{sk}{}", s.chars(&alphabet, 40));
    // 25,000 critical findings and one medium one that sorts first: the medium one goes.
    // (At most 1,000 findings are reported per file, so they are spread over 25 files.)
    for file in 0..25 {
        let mut many = String::new();
        for _ in 0..(if file == 24 { 999 } else { 1000 }) {
            many.push_str(&key());
            many.push('\n');
        }
        t.write(&format!("a{file:02}.txt"), many);
    }
    t.write("c.txt", format!("{}\n", key()));
    t.write("0.txt", format!("medtok_{}\n", s.chars(LOWERNUM, 24)));
    let (code, _, v, err, _) = sarif(&t, &[]);
    assert_eq!(code, 1);
    let rs = results(&v);
    assert_eq!(rs.len(), 25_000);
    assert!(rs.iter().all(|r| r["ruleId"] == "attio-api-token"));
    assert_eq!(uri(rs.last().unwrap()), "c.txt", "original order kept");
    assert_eq!(
        v["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(
        err.contains("25001 findings") && err.contains("leaves out 1"),
        "no warning on stderr: {err}"
    );
}

#[test]
fn github_format_prints_escaped_workflow_commands() {
    let k = keys("github_fmt");
    let t = tree(&k);
    t.write("odd,name:1.txt", format!("x={}\n", k.topo));
    let (code, out, err) = run_in(t.path(), &["scan", ".", "--format", "github"]);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let env = lines
        .iter()
        .find(|l| l.contains("file=config/.env,"))
        .unwrap_or_else(|| panic!("{out}"));
    let want = format!(
        "::error file=config/.env,line=1,endLine=1,col=15,endColumn={},title=Attio API token (attio-api-token)::config/.env:1:15: critical severity, medium confidence Attio API token: ",
        15 + k.attio.len()
    );
    assert!(env.starts_with(&want), "{env}\nwant prefix {want}");
    assert!(
        env.contains("%0AFix: "),
        "multi-line message escaped: {env}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::error file=odd%2Cname%3A1.txt,line=1,")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::warning file=notes/levels.txt,line=1,")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::notice file=notes/levels.txt,line=2,")),
        "{out}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::")).count(),
        7,
        "{out}"
    );
    for secret in [&k.attio, &k.topo, &k.medium, &k.low] {
        assert!(
            !out.contains(secret.as_str()),
            "whole secret in annotations"
        );
    }
}

#[test]
fn a_verified_key_is_an_error_whatever_its_severity() {
    use crate::mock_api::{MockApi, Reply};
    let t = Tree::new();
    t.write(
        ".ferret.toml",
        format!(
            "{LEVELS_CONFIG}\n[rules.verify]\nurl = \"https://api.example.test/check\"\n\
             headers = {{ Authorization = \"Bearer {{{{secret}}}}\" }}\n\
             live_status = [200]\ndead_status = [401]\n"
        ),
    );
    let k = keys("sarif_verified");
    t.write("notes/levels.txt", format!("m {}\nl {}\n", k.medium, k.low));
    let api = MockApi::start(|_, _| Reply::json(200, serde_json::json!({"ok": true})));
    let redirect = api.redirect("https://api.example.test");
    // Verify blocks come only from a config the user names (docs/security.md).
    let (code, _, v, err, dir) = sarif(
        &t,
        &[
            "--verify",
            "--verify-redirect",
            &redirect,
            "--config",
            ".ferret.toml",
        ],
    );
    assert_eq!(code, 1, "{err}");
    validate_sarif(&dir.path().join("ferret.sarif"));
    let rs = results(&v);
    let low = rs.iter().find(|r| r["ruleId"] == "demo-low-token").unwrap();
    assert_eq!(
        low["properties"]["verification"]["status"], "verified",
        "{low}"
    );
    assert_eq!(low["level"], "error");
    assert!(low["message"]["text"]
        .as_str()
        .unwrap()
        .contains("verified"));
    let medium = rs
        .iter()
        .find(|r| r["ruleId"] == "demo-medium-token")
        .unwrap();
    assert_eq!(medium["level"], "warning", "not verified, so its own level");
    assert!(medium["properties"].get("verification").is_none());
    assert_eq!(api.count(), 1);

    let (_, out, _) = run_in(
        t.path(),
        &[
            "scan",
            ".",
            "--format",
            "github",
            "--verify",
            "--verify-redirect",
            &redirect,
            "--config",
            ".ferret.toml",
        ],
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("::error file=notes/levels.txt,line=2,")),
        "{out}"
    );
}

#[test]
fn formats_repeat_each_to_its_own_place_in_any_case() {
    let k = keys("formats_repeat");
    let t = tree(&k);
    let out = tempfile::tempdir().unwrap();
    let sarif = out.path().join("x.sarif");
    let json = out.path().join("x.json");
    let (code, stdout, err) = run_in(
        t.path(),
        &[
            "scan",
            ".",
            "-f",
            "GitHub",
            "-f",
            "JSON",
            "--format",
            &format!("Sarif={}", sarif.display()),
            "-o",
            json.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(stdout.starts_with("::error file="), "{stdout}");
    validate_sarif(&sarif);
    let v = read_json(&json);
    assert_eq!(
        v["findings"].as_array().unwrap().len(),
        results(&read_json(&sarif)).len()
    );

    let (code, _, err) = run_in(t.path(), &["scan", ".", "-f", "json", "-f", "sarif"]);
    assert_eq!(code, 2);
    assert!(err.contains("only one report can go to stdout"), "{err}");
    let (code, _, err) = run_in(t.path(), &["scan", ".", "-f", "xml"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown format \"xml\""), "{err}");
}

#[test]
fn sarif_and_annotation_paths_start_at_the_repository_root() {
    let repo = TestRepo::new();
    let k = keys("repo_relative");
    repo.write("svc/api/.env", format!("ATTIO_API_KEY={}\n", k.attio));
    repo.write("svc/api/app.py", "x = 1\n");
    let out = tempfile::tempdir().unwrap();
    let sarif = out.path().join("x.sarif");
    let sarif_arg = format!("sarif={}", sarif.display());
    for (dir, target) in [
        (repo.path().to_path_buf(), "svc/api"),
        (repo.path().join("svc"), "api"),
        (repo.path().join("svc/api"), "."),
        (repo.path().join("svc/api"), ".env"),
    ] {
        let (code, stdout, err) =
            repo.ferret_in(&dir, &["scan", target, "-f", "github", "-f", &sarif_arg]);
        assert_eq!(code, 1, "{target}: {err}");
        assert!(
            stdout.starts_with("::error file=svc/api/.env,line=1,"),
            "scan {target} from {}: {stdout}",
            dir.display()
        );
        validate_sarif(&sarif);
        assert_eq!(
            uri(&results(&read_json(&sarif))[0]),
            "svc/api/.env",
            "{target}"
        );
        // The human and JSON reports keep the scan's own paths (fingerprints use them).
        let (_, v, _) = repo.json_in(&dir, &["scan", target]);
        let path = v["findings"][0]["path"].as_str().unwrap().to_string();
        assert!(
            path.ends_with(".env") && !path.starts_with("svc/api"),
            "{path}"
        );
    }
}
