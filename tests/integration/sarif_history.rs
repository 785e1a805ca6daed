//! SARIF from git sources: history audits and the Action's range scans with the real
//! binary.
use crate::action::{real_ferret, Runner};
use crate::ci::*;
use crate::util::*;
use serde_json::json;
use std::path::Path;

fn attio(s: &mut Secrets) -> String {
    s.token(&Secrets::join(&["s", "k_"]), 40)
}

#[test]
fn sarif_from_a_history_scan_passes_the_strict_validator() {
    let t = TestRepo::new();
    let mut s = Secrets::new("sarif_history");
    let (old, new) = (attio(&mut s), attio(&mut s));
    t.write("README.md", "demo\n");
    t.commit_all("start");
    t.write("config/.env", format!("ATTIO_API_KEY={old}\n"));
    let leaked = t.commit_all("add config");
    std::fs::remove_file(t.path().join("config/.env")).unwrap();
    t.commit_all("remove config");
    t.write("src/app py.txt", format!("x\nkey = {new}\n"));
    let again = t.commit_all("add app");

    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("history.sarif");
    let (code, _, err) = run_in(
        t.path(),
        &[
            "git",
            ".",
            "--format",
            "sarif",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{err}");
    validate_sarif(&file);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.contains(&old) && !text.contains(&new),
        "whole secret in SARIF"
    );
    let v = read_json(&file);
    let results = v["runs"][0]["results"].as_array().unwrap();
    let mut seen: Vec<(String, String)> = results
        .iter()
        .map(|r| {
            let p = &r["properties"];
            assert_eq!(p["author"], "Ada Tester", "{r}");
            assert_eq!(p["email"], "ada@example.test", "{r}");
            assert!(p["date"].as_str().unwrap().starts_with("2023-11-"), "{r}");
            let commit = p["commit"].as_str().unwrap().to_string();
            assert!(
                r["message"]["text"]
                    .as_str()
                    .unwrap()
                    .contains(&commit[..12]),
                "{r}"
            );
            let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string();
            (uri, commit)
        })
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen,
        vec![
            ("config/.env".to_string(), leaked),
            ("src/app%20py.txt".to_string(), again)
        ]
    );
}

fn repo_with_a_leaky_branch(seed: &str) -> (TestRepo, String, String, String) {
    let t = TestRepo::new();
    t.write("README.md", "demo\n");
    let base = t.commit_all("start");
    let mut s = Secrets::new(seed);
    let key = attio(&mut s);
    t.write("app/.env", format!("ATTIO_API_KEY={key}\n"));
    let head = t.commit_all("add env");
    (t, base, head, key)
}

fn check_range_run(r: &Runner, run: &crate::action::Run, head: &str, key: &str) {
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("--range"), "{}", run.stderr);
    assert_eq!(run.outputs["findings"], "1");
    // What the event added, with its commit.
    let event = r.event_sarif();
    validate_sarif(&event);
    let v = read_json(&event);
    assert_eq!(v["runs"][0]["results"][0]["properties"]["commit"], head);
    // What code scanning gets: the files of the checkout, under their category.
    let sarif = Path::new(&run.outputs["sarif-file"]);
    validate_sarif(sarif);
    let v = read_json(sarif);
    assert_eq!(v["runs"][0]["automationDetails"]["id"], "ferret/tree/");
    assert_eq!(
        v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app/.env"
    );
    let row = format!(
        "| critical | `attio-api-token` | `app/.env:1` | {} |",
        &head[..12]
    );
    assert!(run.summary.contains(&row), "{}", run.summary);
    assert!(!run.summary.contains(key));
}

#[test]
fn action_pull_request_range_with_the_real_binary() {
    let (t, base, head, key) = repo_with_a_leaky_branch("action_pr_real");
    let mut r = Runner::new(t.path());
    r.event(
        "pull_request",
        json!({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}),
    )
    .set("FERRET_BIN", real_ferret().to_str().unwrap());
    let run = r.run();
    check_range_run(&r, &run, &head, &key);
}

#[test]
fn action_first_push_with_the_real_binary() {
    let (t, _, head, key) = repo_with_a_leaky_branch("action_first_push_real");
    let mut r = Runner::new(t.path());
    r.event(
        "push",
        json!({"before": "0000000000000000000000000000000000000000", "after": head}),
    )
    .set("FERRET_BIN", real_ferret().to_str().unwrap());
    let run = r.run();
    check_range_run(&r, &run, &head, &key);
}

#[test]
fn action_shallow_checkout_without_a_remote_shows_ferrets_error() {
    let (origin, c) = crate::action::repo_with_commits(4);
    let ws = TestRepo::empty();
    let url = format!("file://{}", origin.path().display());
    ws.git(&["clone", "-q", "--depth", "1", &url, "."]);
    ws.git(&["remote", "remove", "origin"]);
    let mut r = Runner::new(ws.path());
    r.event("push", json!({"before": c[1], "after": c[3]}))
        .set("FERRET_BIN", real_ferret().to_str().unwrap());
    let run = r.run();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("ferret: error:"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&c[1][..7]),
        "the error names the missing commit: {}",
        run.stderr
    );
}

#[test]
fn history_scans_honour_the_baseline_and_ferretignore() {
    let t = TestRepo::new();
    let mut s = Secrets::new("history_baseline");
    let (a, b) = (attio(&mut s), attio(&mut s));
    t.write("old/.env", format!("A={a}\n"));
    t.write("old/b.txt", format!("B={b}\n"));
    t.commit_all("old secrets");
    // A baseline from a directory scan covers the same secrets in history: fingerprints
    // have no commit in them.
    let (code, _, err) = run_in(t.path(), &["baseline", "base.txt"]);
    assert_eq!(code, 0, "{err}");
    let (code, report, err) = scan_git_json(t.path(), &["--baseline", "base.txt"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(report["stats"]["suppressed_baseline"], 2);

    // .ferretignore at the repository root applies to `ferret git` too.
    let (_, report, _) = scan_git_json(t.path(), &[]);
    let fp = report["findings"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    t.write(".ferretignore", format!("{fp}\n"));
    let (code, report, _) = scan_git_json(t.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(report["stats"]["suppressed_ignored"], 1);
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
}

fn scan_git_json(dir: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut args = vec!["git", ".", "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = run_in(dir, &args);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("bad JSON ({e}): {out}\n{err}"));
    (code, v, err)
}
