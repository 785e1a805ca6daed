//! Confidence on every finding, `--min-confidence` and each command's default, and one
//! secret found in several places reported as one group.
use crate::hooks::{commit, install, path_with_ferret, text};
use crate::mock_api::{MockApi, Reply};
use crate::util::*;
use ferret_rules::checksum::encode;
use serde_json::{json, Value};

fn attio(s: &mut Secrets) -> String {
    s.token(&Secrets::join(&["s", "k_"]), 40)
}

/// A GitHub token whose CRC32 checksum holds: the built-in rule has `checksum`, so high.
fn github(s: &mut Secrets) -> String {
    let body = s.chars(ALNUM, 30);
    format!(
        "{}{body}{}",
        Secrets::join(&["gh", "p_"]),
        encode(crc32fast::hash(body.as_bytes()))
    )
}

/// A password a person chose: only the generic rule knows it, so low.
fn password(s: &mut Secrets) -> String {
    format!("{}-{}!", s.chars(ALNUM, 10), s.chars(ALNUM, 8))
}

/// (path, rule, confidence, context) of every finding, in report order.
fn levels(report: &Value) -> Vec<(String, String, String, Option<String>)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule_id"].as_str().unwrap().to_string(),
                f["confidence"].as_str().unwrap().to_string(),
                f["context"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn row(
    path: &str,
    rule: &str,
    confidence: &str,
    context: Option<&str>,
) -> (String, String, String, Option<String>) {
    (
        path.into(),
        rule.into(),
        confidence.into(),
        context.map(str::to_string),
    )
}

/// One token of each level in the code, and the same three in a test directory.
fn tree(s: &mut Secrets) -> Tree {
    let (gh, key, pw) = (github(s), attio(s), password(s));
    let t = Tree::new();
    let body = format!("GH_TOKEN={gh}\nATTIO_API_KEY={key}\nDB_PASSWORD=\"{pw}\"\n");
    t.write("config/app.env", &body);
    t.write("src/test/resources/app.env", &body);
    t
}

#[test]
fn every_finding_has_the_confidence_of_its_rule_lowered_in_test_directories() {
    let mut s = Secrets::new("confidence-levels");
    let t = tree(&mut s);
    let (code, report, err) = scan_json(t.path(), &["--min-confidence", "low"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        levels(&report),
        vec![
            row("config/app.env", "github-pat", "high", None),
            row("config/app.env", "attio-api-token", "medium", None),
            row("config/app.env", "generic-password-assignment", "low", None),
            row(
                "src/test/resources/app.env",
                "github-pat",
                "medium",
                Some("test")
            ),
            row(
                "src/test/resources/app.env",
                "attio-api-token",
                "low",
                Some("test")
            ),
            row(
                "src/test/resources/app.env",
                "generic-password-assignment",
                "low",
                Some("test")
            ),
        ]
    );
    assert_eq!(report["stats"]["below_confidence"], json!(0));
    assert_eq!(
        report["min_confidence"],
        json!({"default": "low", "in_tests": "low"})
    );
}

#[test]
fn scan_reports_every_level_but_only_medium_and_up_in_test_directories() {
    let mut s = Secrets::new("confidence-levels");
    let t = tree(&mut s);
    let (code, report, _) = scan_json(t.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        levels(&report),
        vec![
            row("config/app.env", "github-pat", "high", None),
            row("config/app.env", "attio-api-token", "medium", None),
            row("config/app.env", "generic-password-assignment", "low", None),
            row(
                "src/test/resources/app.env",
                "github-pat",
                "medium",
                Some("test")
            ),
        ]
    );
    assert_eq!(report["stats"]["below_confidence"], json!(2));

    // The human summary says what was left out and how to see it; --explain says why.
    let (_, out, err) = run_in(t.path(), &["scan", ".", "--explain"]);
    assert!(
        out.contains(
            "not reported: 2 below the minimum confidence (--min-confidence low reports them)"
        ),
        "{out}"
    );
    let why = err
        .lines()
        .find(|l| l.contains("src/test/resources/app.env:2:15: attio-api-token "))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        why.ends_with(
            "not reported: low confidence (in a test or fixture directory) is below the \
             minimum, medium (--min-confidence low reports it)"
        ),
        "{why}"
    );

    // An explicit level applies everywhere.
    let (_, report, _) = scan_json(t.path(), &["--min-confidence", "medium"]);
    assert_eq!(
        levels(&report),
        vec![
            row("config/app.env", "github-pat", "high", None),
            row("config/app.env", "attio-api-token", "medium", None),
            row(
                "src/test/resources/app.env",
                "github-pat",
                "medium",
                Some("test")
            ),
        ]
    );
    let (_, report, _) = scan_json(t.path(), &["--min-confidence", "high"]);
    assert_eq!(
        levels(&report),
        vec![row("config/app.env", "github-pat", "high", None)]
    );
    assert_eq!(report["stats"]["below_confidence"], json!(5));
}

#[test]
fn a_range_under_review_reports_a_providers_key_in_a_test_directory() {
    // CI judges a pull request with `git --range`: a real key pasted into a fixture must
    // fail it, while a generic assignment in a test stays out, as in `scan`.
    let mut s = Secrets::new("confidence-range");
    let repo = TestRepo::new();
    let base = repo.commit_file("README.md", "# app\n", "start");
    let (key, pw) = (attio(&mut s), password(&mut s));
    repo.write(
        "src/test/fixture.env",
        format!("ATTIO_API_KEY={key}\nDB_PASSWORD=\"{pw}\"\n"),
    );
    let head = repo.commit_all("a fixture");
    let (code, report, err) = repo.json(&["git", "--range", &format!("{base}..{head}")]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        levels(&report),
        vec![row(
            "src/test/fixture.env",
            "attio-api-token",
            "low",
            Some("test")
        )]
    );
    assert_eq!(report["stats"]["below_confidence"], json!(1), "{report:#}");
    // `scan` of the same tree leaves both out (and says so).
    let (code, report, _) = scan_json(repo.path(), &[]);
    assert_eq!((code, levels(&report).len()), (0, 0), "{report:#}");
}

#[test]
fn the_pre_commit_framework_judges_named_files_as_a_gate() {
    // `pre-commit run --files` hands the hook committed files, which it scans whole: the
    // gate's judgement carries into that scan, so a key in a test directory still fails.
    let mut s = Secrets::new("confidence-files");
    let repo = TestRepo::new();
    repo.commit_file(
        "src/test/fixture.env",
        format!("ATTIO_API_KEY={}\n", attio(&mut s)),
        "a fixture",
    );
    let (code, out, err) =
        repo.ferret_in(repo.path(), &["hook", "pre-commit", "src/test/fixture.env"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("attio-api-token"), "{out}");
    // `scan` of the same file, as a review, leaves it out and says so.
    let (code, out, _) = repo.ferret_in(repo.path(), &["scan", "src/test/fixture.env"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 below the minimum confidence"), "{out}");
}

#[test]
fn nothing_below_the_minimum_makes_the_exit_code() {
    let mut s = Secrets::new("confidence-exit");
    let t = Tree::new();
    t.write(
        "config/app.env",
        format!("DB_PASSWORD=\"{}\"\n", password(&mut s)),
    );
    let (code, report, _) = scan_json(t.path(), &["--min-confidence", "medium"]);
    assert_eq!((code, report["findings"].as_array().unwrap().len()), (0, 0));
    let (code, _, _) = scan_json(t.path(), &[]);
    assert_eq!(code, 1);
}

#[test]
fn the_hooks_block_on_medium_and_up_by_rule_and_history_audits_report_everything() {
    let mut s = Secrets::new("confidence-hooks");
    let repo = TestRepo::new();
    let (code, _, err) = install(&repo, &[]);
    assert_eq!(code, 0, "{err}");
    let pw = password(&mut s);
    let key = attio(&mut s);

    // A password a person chose does not block a commit...
    repo.write("config/app.env", format!("DB_PASSWORD=\"{pw}\"\n"));
    repo.git(&["add", "config/app.env"]);
    let (code, out, _) = repo.ferret_in(repo.path(), &["git", "--staged"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 below the minimum confidence"), "{out}");
    let o = commit(&repo, "a password", &path_with_ferret());
    assert!(o.status.success(), "{}", text(&o));
    // ...unless asked to.
    repo.write("config/app2.env", format!("DB_PASSWORD=\"{pw}x\"\n"));
    repo.git(&["add", "config/app2.env"]);
    let (code, _, _) = repo.ferret_in(repo.path(), &["git", "--staged", "--min-confidence", "low"]);
    assert_eq!(code, 1);
    let (code, _, _) = repo.ferret_in(
        repo.path(),
        &["hook", "pre-commit", "--min-confidence", "low"],
    );
    assert_eq!(code, 1);
    repo.git(&["reset", "-q", "config/app2.env"]);

    // A provider's token blocks it, in a test directory too: the gate judges by the
    // rule's level, not lowered by the place (a real key pasted into a fixture is the
    // leak a hook exists to stop). Bypassed once on purpose, it goes in.
    repo.write("src/test/fixture.env", format!("ATTIO_API_KEY={key}\n"));
    repo.git(&["add", "src/test/fixture.env"]);
    let o = commit(&repo, "a fixture", &path_with_ferret());
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("src/test/fixture.env"), "{}", text(&o));
    repo.git(&["commit", "-q", "--no-verify", "-m", "a fixture"]);
    repo.write("config/prod.env", format!("ATTIO_API_KEY={key}\n"));
    repo.git(&["add", "config/prod.env"]);
    let o = commit(&repo, "a key", &path_with_ferret());
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("attio-api-token"), "{}", text(&o));
    repo.git(&["reset", "-q", "config/prod.env"]);

    // The history audit reports all of it, whatever its confidence and place.
    let (code, report, _) = repo.json(&["git", "."]);
    assert_eq!(code, 1);
    let mut found: Vec<_> = levels(&report)
        .into_iter()
        .map(|(p, r, c, _)| (p, r, c))
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                "config/app.env".into(),
                "generic-password-assignment".into(),
                "low".into()
            ),
            (
                "src/test/fixture.env".into(),
                "attio-api-token".into(),
                "low".into()
            ),
        ]
    );
}

#[test]
fn a_key_verified_live_is_high_and_reported_wherever_it_stands() {
    let mut s = Secrets::new("confidence-live");
    let key = attio(&mut s);
    let t = Tree::new();
    t.write("tests/fixtures/app.env", format!("ATTIO_API_KEY={key}\n"));
    let api = MockApi::start(|_, _| {
        Reply::json(
            200,
            json!({"active": true, "scope": "record_permission:read", "workspace_name": "Acme"}),
        )
    });
    let redirect = api.redirect("https://api.attio.com");
    let (code, report, err) = scan_json(
        t.path(),
        &["--verify", "--verify-redirect", redirect.as_str()],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        levels(&report),
        vec![row(
            "tests/fixtures/app.env",
            "attio-api-token",
            "high",
            Some("test")
        )]
    );
    assert_eq!(
        report["findings"][0]["verification"]["status"],
        json!("verified")
    );

    // A key the provider rejects keeps its place's confidence.
    let dead = MockApi::start(|_, _| Reply::json(401, json!({"error": "invalid token"})));
    let redirect = dead.redirect("https://api.attio.com");
    let (_, report, _) = scan_json(
        t.path(),
        &["--verify", "--verify-redirect", redirect.as_str()],
    );
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    assert_eq!(report["stats"]["below_confidence"], json!(1));
}

#[test]
fn one_secret_in_several_places_is_one_entry_with_its_places() {
    let mut s = Secrets::new("confidence-groups");
    let (key, other) = (attio(&mut s), attio(&mut s));
    let t = Tree::new();
    t.write("a/app.env", format!("ATTIO_API_KEY={key}\n"));
    t.write("b/app.env", format!("ATTIO_API_KEY={other}\n"));
    t.write("c/app.env", format!("X=1\nATTIO_API_KEY={key}\n"));
    t.write("d/app.env", format!("ATTIO_API_KEY={key}\n"));

    let (_, report, _) = scan_json(t.path(), &[]);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 4, "JSON keeps every finding");
    let group = |i: usize| findings[i]["group"].as_str().unwrap().to_string();
    assert_eq!(group(0).len(), 32);
    assert_eq!((group(0) == group(2), group(0) == group(3)), (true, true));
    assert_ne!(group(0), group(1));
    assert_ne!(group(0), findings[0]["fingerprint"].as_str().unwrap());
    assert_eq!(report["stats"]["groups"], json!(2));

    let (_, out, _) = run_in(t.path(), &["scan", "."]);
    assert_eq!(
        out.matches("attio-api-token  Attio API token").count(),
        2,
        "{out}"
    );
    assert!(out.contains("the same secret in 2 more places:"), "{out}");
    let places: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("        ") && l.contains("fingerprint"))
        .map(|l| l.trim().split(' ').next().unwrap())
        .collect();
    assert_eq!(places, ["c/app.env:2:15", "d/app.env:1:15"], "{out}");
    assert!(
        out.contains("4 findings (2 distinct secrets) in 4 files"),
        "{out}"
    );
}

#[test]
fn sarif_carries_the_rules_precision_and_each_results_confidence() {
    let mut s = Secrets::new("confidence-sarif");
    let t = tree(&mut s);
    let (code, out, err) = run_in(
        t.path(),
        &["scan", ".", "--format", "sarif", "--min-confidence", "low"],
    );
    assert_eq!(code, 1, "{err}");
    let log: Value = serde_json::from_str(&out).unwrap();
    let run = &log["runs"][0];
    let precision = |id: &str| {
        run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["properties"]["precision"].clone())
    };
    assert_eq!(precision("github-pat"), Some(json!("very-high")));
    assert_eq!(precision("attio-api-token"), Some(json!("high")));
    assert_eq!(precision("generic-password-assignment"), Some(json!("low")));
    let results: Vec<(Value, Value)> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["properties"]["confidence"].clone(),
                r["properties"]["context"].clone(),
            )
        })
        .collect();
    assert_eq!(results[0], (json!("high"), Value::Null));
    assert_eq!(results[4], (json!("low"), json!("test")));
}
