//! `ferret audit`: real temp git repositories (the `git` CLI, with HOME and identity set to
//! throwaway values) with each hygiene problem planted, a clean one, and the outputs.
//! Every secret is generated at run time; expected (path, line, rule) sets are exact, so a
//! missed problem or an extra finding fails the test.
use crate::util::*;

/// `ferret audit ARGS` in the repository: (exit code, stdout, stderr).
fn audit(r: &TestRepo, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["audit"];
    all.extend_from_slice(args);
    r.ferret_in(r.path(), &all)
}

/// `ferret audit --format json ARGS` in the repository: (exit code, report, stderr).
fn audit_json(r: &TestRepo, args: &[&str]) -> (i32, serde_json::Value, String) {
    let mut all = vec!["audit"];
    all.extend_from_slice(args);
    r.json(&all)
}

fn attio(s: &mut Secrets) -> String {
    s.token(&Secrets::join(&["s", "k_"]), 40)
}

fn expect(items: &[(&str, u64, &str)]) -> Vec<(String, u64, String)> {
    let mut v: Vec<_> = items
        .iter()
        .map(|(p, l, r)| (p.to_string(), *l, r.to_string()))
        .collect();
    v.sort();
    v
}

fn finding<'a>(report: &'a serde_json::Value, path: &str, rule: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path && f["rule_id"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding at {path}: {report}"))
}

/// One repository with every problem planted, and the secrets it holds.
fn planted() -> (TestRepo, Vec<String>) {
    let r = TestRepo::new();
    let mut s = Secrets::new("audit-planted");
    let (tracked, shared, sections, logged, built, templated) = (
        attio(&mut s),
        attio(&mut s),
        attio(&mut s),
        attio(&mut s),
        attio(&mut s),
        attio(&mut s),
    );
    let npm = s.chars(ALNUM, 36);
    let client_secret = s.chars(ALNUM, 32);
    r.write(".gitignore", "node_modules/\n");
    r.write(".env", format!("DEBUG=true\nATTIO_API_KEY={tracked}\n"));
    r.write(
        ".npmrc",
        format!("registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={npm}\n"),
    );
    r.write("deploy/id_rsa", "not really a key, the name is enough\n");
    r.write("infra/terraform.tfstate", "{\"version\": 4}\n");
    r.write("config/staging.yml", format!("attio:\n  token: {shared}\n"));
    r.write(
        "config/prod.yml",
        format!("# production\nattio:\n  token: {shared}\n"),
    );
    r.write(
        "config/app.yml",
        format!(
            "staging:\n  attio:\n    token: {sections}\nproduction:\n  region: eu\n  attio:\n    token: {sections}\n"
        ),
    );
    r.write(
        "logs/sync.log",
        format!("INFO start\nDEBUG config loaded\nDEBUG POST /v2/records Authorization: Bearer {logged}\n"),
    );
    r.write(
        "dist/app.min.js",
        format!("!function(){{var k=\"{built}\";}}();\n"),
    );
    r.write(".env.example", format!("ATTIO_API_KEY={templated}\n"));
    r.write(
        "config.sample.json",
        format!(
            "{{\n  \"client_id\": \"crm-sync\",\n  \"client_secret\": \"{client_secret}\"\n}}\n"
        ),
    );
    r.commit_all("planted");
    let secrets = vec![
        tracked,
        shared,
        sections,
        logged,
        built,
        templated,
        npm,
        client_secret,
    ];
    (r, secrets)
}

#[test]
fn each_planted_problem_is_found_with_its_rule_file_and_line() {
    let (r, _) = planted();
    let (code, report, err) = audit_json(&r, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        hits(&report),
        expect(&[
            (".env", 2, "hygiene-env-file-tracked"),
            (".gitignore", 1, "hygiene-gitignore-missing-env"),
            (".npmrc", 2, "hygiene-credential-file-tracked"),
            ("deploy/id_rsa", 1, "hygiene-credential-file-tracked"),
            (
                "infra/terraform.tfstate",
                1,
                "hygiene-credential-file-tracked"
            ),
            (
                "config/prod.yml",
                3,
                "hygiene-secret-reused-across-environments"
            ),
            (
                "config/app.yml",
                7,
                "hygiene-secret-reused-across-environments"
            ),
            ("logs/sync.log", 3, "hygiene-secret-in-log-file"),
            ("dist/app.min.js", 1, "hygiene-secret-in-build-output"),
            (".env.example", 1, "hygiene-template-real-value"),
            ("config.sample.json", 3, "hygiene-template-real-value"),
        ])
    );
    // Reuse names both places, and the sections when one file holds both environments.
    let reuse = finding(
        &report,
        "config/prod.yml",
        "hygiene-secret-reused-across-environments",
    );
    let d = reuse["description"].as_str().unwrap();
    assert!(
        d.contains("production (config/prod.yml:3)")
            && d.contains("staging (config/staging.yml:2)"),
        "{d}"
    );
    let d = finding(
        &report,
        "config/app.yml",
        "hygiene-secret-reused-across-environments",
    )["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        d.contains("section production") && d.contains("config/app.yml:3 section staging"),
        "{d}"
    );
    // Re-labelled secrets keep their place and name the rule that found them.
    let log = finding(&report, "logs/sync.log", "hygiene-secret-in-log-file");
    assert_eq!(log["column"], 46);
    assert_eq!(
        log["severity"], "critical",
        "the secret's own severity is kept"
    );
    assert!(log["tags"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("rule:attio-api-token")));
    assert!(
        log["description"]
            .as_str()
            .unwrap()
            .contains("attio-api-token"),
        "{log}"
    );
    // A random value of a secret-like name, in a template, is a finding of lower confidence.
    let sample = finding(&report, "config.sample.json", "hygiene-template-real-value");
    assert_eq!(sample["severity"], "medium");
    let npmrc = finding(&report, ".npmrc", "hygiene-credential-file-tracked");
    assert!(npmrc["description"].as_str().unwrap().contains("npm"));
    let ignore = finding(&report, ".gitignore", "hygiene-gitignore-missing-env");
    assert!(
        ignore["description"].as_str().unwrap().contains(".env"),
        "{ignore}"
    );
}

#[test]
fn outputs_hold_no_whole_secret_and_carry_remediation() {
    let (r, secrets) = planted();
    for format in ["human", "json", "jsonl"] {
        let (code, out, err) = audit(&r, &["--format", format]);
        assert_eq!(code, 1, "{format}: {err}");
        for s in &secrets {
            assert!(!out.contains(s.as_str()), "{format} printed a whole secret");
            assert!(!err.contains(s.as_str()), "{format} printed a whole secret");
        }
    }
    let (_, report, _) = audit_json(&r, &[]);
    for f in report["findings"].as_array().unwrap() {
        assert!(
            f["remediation"].as_str().is_some_and(|s| s.len() > 20),
            "no remediation: {f}"
        );
        assert!(f["fingerprint"].as_str().is_some_and(|s| s.len() == 32));
    }
    let (_, human, _) = audit(&r, &[]);
    assert!(
        human.contains("fix hygiene-secret-reused-across-environments:"),
        "{human}"
    );
    // --show-secrets shows re-labelled secrets, never a reused one: reuse names places.
    let (_, report, _) = audit_json(&r, &["--show-secrets"]);
    let log = finding(&report, "logs/sync.log", "hygiene-secret-in-log-file");
    assert_eq!(log["secret"], secrets[3].as_str());
    let reuse = finding(
        &report,
        "config/prod.yml",
        "hygiene-secret-reused-across-environments",
    );
    assert_eq!(reuse["secret"], "");
    assert!(!report.to_string().contains(secrets[1].as_str()));
}

#[test]
fn sarif_from_an_audit_passes_the_strict_validator_and_describes_each_check() {
    let (r, secrets) = planted();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("audit.sarif");
    let (code, _, err) = audit(&r, &["--format", "sarif", "-o", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    crate::ci::validate_sarif(&file);
    let text = std::fs::read_to_string(&file).unwrap();
    for s in &secrets {
        assert!(!text.contains(s.as_str()), "SARIF holds a whole secret");
    }
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let run = &v["runs"][0];
    assert_eq!(run["results"].as_array().unwrap().len(), 11);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 7, "one descriptor per check that fired");
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        let check = ferret_audit::check(id).unwrap_or_else(|| panic!("not a check: {id}"));
        assert_eq!(rule["shortDescription"]["text"], check.title);
        assert_eq!(rule["help"]["text"], check.remediation);
    }
    // A finding about a file has no secret to print after its description.
    let tracked = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "hygiene-env-file-tracked")
        .unwrap();
    assert_eq!(
        tracked["message"]["text"],
        "dotenv file tracked by git, holding a secret"
    );
}

#[test]
fn accepted_audit_findings_can_be_listed_in_ferretignore() {
    let r = TestRepo::new();
    r.write(".gitignore", ".env*\n");
    r.write("config/master.key", "not a real master key\n");
    r.commit_all("planted");
    let (code, report, _) = audit_json(&r, &[]);
    assert_eq!(code, 1);
    let fp = report["findings"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    r.write(
        ".ferretignore",
        format!("{fp}  # the demo app's throwaway key\n"),
    );
    let (code, report, err) = audit_json(&r, &[]);
    assert_eq!((code, hits(&report)), (0, vec![]), "{err}");
}

#[test]
fn clean_repository_has_no_findings() {
    let r = TestRepo::new();
    let mut s = Secrets::new("audit-clean");
    let (dev, prod, logged) = (attio(&mut s), attio(&mut s), attio(&mut s));
    let (dev_pw, prod_pw) = (s.chars(ALNUM, 24), s.chars(ALNUM, 24));
    r.write(
        ".gitignore",
        ".env\n.env.*\n!.env.example\nlogs/\ndist/\ntmp/\n",
    );
    r.write(
        ".env.example",
        "ATTIO_API_KEY=\nATTIO_SANDBOX_KEY=sk_your_token_here\nDB_PASSWORD=changeme\nJWT_SECRET=<your-jwt-secret>\n",
    );
    // Kept out of git, each environment with its own key and password.
    r.write(
        ".env.development",
        format!("ATTIO_API_KEY={dev}\nDB_PASSWORD={dev_pw}\n"),
    );
    r.write(
        ".env.production",
        format!("ATTIO_API_KEY={prod}\nDB_PASSWORD={prod_pw}\n"),
    );
    r.write("logs/sync.log", format!("Bearer {logged}\n"));
    // An ignored folder is not entered, not even for dotenv files.
    r.write(
        "tmp/old-checkout/.env.production",
        format!("ATTIO_API_KEY={dev}\n"),
    );
    r.write("config/staging.yml", "attio:\n  token: ${ATTIO_API_KEY}\n");
    r.write("config/prod.yml", "attio:\n  token: ${ATTIO_API_KEY}\n");
    r.write(".npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n");
    r.write(
        "certs/ca.pem",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    );
    r.write(
        "src/app.py",
        "import os\nkey = os.environ['ATTIO_API_KEY']\n",
    );
    r.commit_all("planted");
    let (code, out, err) = audit(&r, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 findings"), "{out}");
    // The ignored dotenv files were read (distinct keys), not skipped.
    let (code, report, _) = audit_json(&r, &[]);
    assert_eq!((code, hits(&report)), (0, vec![]));
    // 7 tracked files and the 2 ignored dotenv files; not the ignored log.
    assert_eq!(report["stats"]["files"], 9, "{report}");
}

#[test]
fn ignored_dotenv_files_still_show_a_shared_secret() {
    let r = TestRepo::new();
    let mut s = Secrets::new("audit-ignored-reuse");
    let (key, pw) = (attio(&mut s), s.chars(ALNUM, 24));
    r.write(".gitignore", ".env*\n!.env.example\n");
    r.write(
        ".env.development",
        format!("DB_PASSWORD={pw}\nATTIO_API_KEY={key}\n"),
    );
    r.write(
        ".env.production",
        format!("ATTIO_API_KEY={key}\nDB_PASSWORD={pw}\n"),
    );
    // One file, two keys that name their environments.
    r.write(
        ".env",
        format!("# live and test\nATTIO_KEY_LIVE={key}\nATTIO_KEY_TEST={key}\n"),
    );
    r.commit_all("planted");
    let (code, report, err) = audit_json(&r, &[]);
    assert_eq!(code, 1, "{err}");
    // One finding per shared value, anchored in production; the ATTIO_KEY_* pair shares the
    // same key, so it joins that group (anchored at the first production place).
    assert_eq!(
        hits(&report),
        expect(&[
            (".env", 2, "hygiene-secret-reused-across-environments"),
            (
                ".env.production",
                2,
                "hygiene-secret-reused-across-environments"
            ),
        ])
    );
    let d = finding(&report, ".env", "hygiene-secret-reused-across-environments")["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(d.contains(".env:2 key ATTIO_KEY_LIVE"), "{d}");
    assert!(d.contains("test (.env:3 key ATTIO_KEY_TEST)"), "{d}");
    assert!(d.contains("development (.env.development:2)"), "{d}");
    let d = finding(
        &report,
        ".env.production",
        "hygiene-secret-reused-across-environments",
    )["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        d.contains("DB_PASSWORD") && d.contains("(.env.development:1)"),
        "{d}"
    );
}

#[test]
fn force_added_and_deleted_dotenv_files_count_as_tracked() {
    let r = TestRepo::new();
    let mut s = Secrets::new("audit-force-added");
    let key = attio(&mut s);
    r.write(".gitignore", ".env\n");
    r.write(".env", format!("ATTIO_API_KEY={key}\n"));
    r.write("app/.env.local", format!("\n\nATTIO_API_KEY={key}\n"));
    r.git(&["add", ".gitignore", "app/.env.local"]);
    r.git(&["add", "-f", ".env"]);
    r.git(&["commit", "-q", "-m", "oops"]);
    // Deleted from the work tree but still in the index: still committed.
    std::fs::remove_file(r.path().join("app/.env.local")).unwrap();
    let (code, report, err) = audit_json(&r, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        hits(&report),
        expect(&[
            (".env", 1, "hygiene-env-file-tracked"),
            ("app/.env.local", 3, "hygiene-env-file-tracked"),
            (".gitignore", 1, "hygiene-gitignore-missing-env"),
        ])
    );
    let d = finding(&report, ".gitignore", "hygiene-gitignore-missing-env")["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        d.contains("app/.env.local") && !d.contains(".env and"),
        "the root .env is ignored, app/.env.local is not: {d}"
    );
    assert_eq!(
        finding(&report, ".env", "hygiene-env-file-tracked")["severity"],
        "high"
    );
}

#[test]
fn gitignore_covering_only_some_dotenv_names_is_reported() {
    let r = TestRepo::new();
    r.write(".gitignore", ".env.local\n");
    r.write(".env.local", "NODE_ENV=development\n");
    r.write("README.md", "hello\n");
    r.commit_all("planted");
    let (code, report, err) = audit_json(&r, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        hits(&report),
        expect(&[(".gitignore", 1, "hygiene-gitignore-missing-env")])
    );
    let d = report["findings"][0]["description"].as_str().unwrap();
    assert_eq!(d, ".gitignore does not ignore .env (if created)");
    // Ignoring every dotenv name settles it.
    r.write(".gitignore", ".env*\n");
    let (code, report, _) = audit_json(&r, &[]);
    assert_eq!((code, hits(&report)), (0, vec![]));
}

#[test]
fn a_subfolder_is_audited_with_paths_relative_to_it() {
    let r = TestRepo::new();
    r.write(".gitignore", "");
    r.write("apps/web/.env", "NODE_ENV=development\n");
    r.write("apps/api/.env", "NODE_ENV=development\n");
    r.commit_all("planted");
    let (code, report, err) = audit_json(&r, &["apps/web"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        hits(&report),
        expect(&[
            (".env", 1, "hygiene-env-file-tracked"),
            (".gitignore", 1, "hygiene-gitignore-missing-env"),
        ])
    );
    assert_eq!(
        finding(&report, ".env", "hygiene-env-file-tracked")["severity"],
        "medium",
        "no secret in it: medium"
    );
}

#[test]
fn outside_git_the_content_checks_run_and_a_note_says_what_was_skipped() {
    // A TestRepo's folder with no repository in it.
    let t = TestRepo::empty();
    let mut s = Secrets::new("audit-no-git");
    let key = attio(&mut s);
    t.write(".env", format!("ATTIO_API_KEY={key}\n"));
    t.write("app.log", format!("token={key}\n"));
    let (code, out, err) = audit(&t, &["--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        hits(&report),
        expect(&[("app.log", 1, "hygiene-secret-in-log-file")])
    );
    assert!(err.contains("not inside a git repository"), "{err}");
    let (_, _, quiet) = audit(&t, &["--quiet"]);
    assert!(quiet.is_empty(), "{quiet}");
}

#[test]
fn missing_path_is_exit_two_naming_it() {
    let t = TestRepo::empty();
    let (code, _, err) = audit(&t, &["no/such/dir"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/dir"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn a_history_audit_with_hygiene_reports_what_ferret_audit_reports() {
    let (r, _) = planted();
    let hygiene = |v: &serde_json::Value| -> Vec<(String, u64, String)> {
        hits(v)
            .into_iter()
            .filter(|(_, _, rule)| rule.starts_with("hygiene-"))
            .collect()
    };
    let git_json = |extra: &[&str]| {
        let mut args = vec!["git"];
        args.extend_from_slice(extra);
        r.json(&args)
    };
    let (_, audit, _) = audit_json(&r, &[]);
    let (_, plain, _) = git_json(&[]);
    let (code, with, err) = git_json(&["--hygiene"]);
    assert_eq!(code, 1, "{err}");
    assert!(hygiene(&plain).is_empty(), "{plain}");
    assert!(!hygiene(&audit).is_empty());
    assert_eq!(hygiene(&with), hygiene(&audit));
    // The history's own findings are all still there.
    for hit in hits(&plain) {
        assert!(hits(&with).contains(&hit), "{hit:?} lost with --hygiene");
    }
    let (code, _, err) = r.ferret_in(r.path(), &["git", "--staged", "--hygiene"]);
    assert_eq!(code, 2, "{err}");
}
