//! The workflows (.github/workflows): actionlint with shellcheck passes them, including the
//! inputs given to this repository's own action (`uses: ./`); every script they call is in
//! the repository; the release builds every platform and publishes every package.
use super::*;
use serde_json::Value;
use std::fs;

fn workflow_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir.join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    v.sort();
    v
}

/// actionlint on the workflows of the repository at `dir`, with shellcheck for run: steps.
fn actionlint(dir: &Path) -> Output {
    Command::new(tool("actionlint"))
        .arg(format!("-shellcheck={}", tool("shellcheck").display()))
        .arg("-no-color")
        .args(workflow_files(dir))
        .current_dir(dir)
        .output()
        .unwrap()
}

fn workflow(name: &str) -> Value {
    serde_norway::from_str(
        &fs::read_to_string(root().join(".github/workflows").join(name)).unwrap(),
    )
    .unwrap()
}

#[test]
fn actionlint_passes_every_workflow() {
    let names: Vec<String> = workflow_files(root())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["ci.yml", "release.yml"]);
    let o = actionlint(root());
    assert!(o.status.success(), "actionlint:\n{}", text(&o));
}

#[test]
fn actionlint_checks_the_inputs_given_to_this_repositorys_action() {
    // A copy of the repository's workflows and action.yml with one input misspelt.
    let repo = crate::util::TestRepo::new();
    let copy = repo.path();
    fs::create_dir_all(copy.join(".github/workflows")).unwrap();
    fs::copy(root().join("action.yml"), copy.join("action.yml")).unwrap();
    for f in workflow_files(root()) {
        let mut text = fs::read_to_string(&f).unwrap();
        if f.ends_with("ci.yml") {
            let before = text.clone();
            text = text.replacen(
                "fail-on-findings: \"false\"",
                "fail-on-finding: \"false\"",
                1,
            );
            assert_ne!(text, before);
        }
        fs::write(
            copy.join(".github/workflows").join(f.file_name().unwrap()),
            text,
        )
        .unwrap();
    }
    let o = actionlint(copy);
    assert!(!o.status.success());
    assert!(
        text(&o)
            .contains("input \"fail-on-finding\" is not defined in action \"ferret secret scan\""),
        "{}",
        text(&o)
    );
}

/// Every `scripts/...` path the workflow's run: steps name.
fn scripts_called(wf: &Value) -> Vec<String> {
    let mut runs = Vec::new();
    for job in wf["jobs"].as_object().unwrap().values() {
        for step in job["steps"].as_array().into_iter().flatten() {
            if let Some(r) = step["run"].as_str() {
                runs.push(r.to_string());
            }
        }
    }
    let mut out = Vec::new();
    for r in runs {
        for (i, _) in r.match_indices("scripts/") {
            let rest = &r[i..];
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ';')
                .unwrap_or(rest.len());
            out.push(rest[..end].to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn every_script_the_workflows_call_is_in_the_repository() {
    let release = scripts_called(&workflow("release.yml"));
    assert_eq!(
        release,
        [
            "scripts/release/check-version.sh",
            "scripts/release/dist.py",
            "scripts/release/npm-packages.js",
        ]
    );
    let ci = scripts_called(&workflow("ci.yml"));
    assert_eq!(ci, ["scripts/test.sh"]);
    for s in release.iter().chain(&ci) {
        assert!(root().join(s).is_file(), "{s} is not in the repository");
    }
}

#[test]
fn ci_runs_the_test_suite_and_the_action_on_pull_requests() {
    let wf = workflow("ci.yml");
    assert!(wf["on"]["pull_request"].is_null() && wf["on"].get("pull_request").is_some());
    let steps = |job: &str| wf["jobs"][job]["steps"].as_array().unwrap().clone();
    assert!(steps("test")
        .iter()
        .any(|s| s["run"] == "./scripts/test.sh"));
    let action = steps("action");
    let uses: Vec<&Value> = action.iter().filter(|s| s["uses"] == "./").collect();
    assert_eq!(
        uses.len(),
        2,
        "the action on the commits, and on a planted secret"
    );
    assert_eq!(uses[1]["with"]["scan"], "dir");
}

#[test]
fn the_release_builds_five_targets_and_publishes_every_package() {
    let wf = workflow("release.yml");
    assert_eq!(wf["on"]["push"]["tags"], serde_json::json!(["v*"]));
    let mut targets: Vec<&str> = wf["jobs"]["binaries"]["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["target"].as_str().unwrap())
        .collect();
    targets.sort();
    assert_eq!(
        targets,
        [
            "aarch64-apple-darwin",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "x86_64-pc-windows-msvc",
            "x86_64-unknown-linux-musl",
        ]
    );
    let all = serde_json::to_string(&wf).unwrap();
    for needle in [
        "actions/attest-build-provenance@",
        "dist.py archive",
        "dist.py checksums dist",
        "dist.py check-static",
        "pypa/gh-action-pypi-publish@",
        "npm publish --access public --provenance",
        "docker/build-push-action@",
        "gh release create",
    ] {
        assert!(all.contains(needle), "release.yml has no {needle}");
    }
    // Trusted publishing: the PyPI and npm jobs get an OIDC token and no secret.
    for job in ["pypi", "npm"] {
        assert_eq!(wf["jobs"][job]["permissions"]["id-token"], "write", "{job}");
        assert!(
            !serde_json::to_string(&wf["jobs"][job])
                .unwrap()
                .contains("secrets."),
            "{job} uses a secret"
        );
    }
}

#[test]
fn the_workflows_the_docs_show_pass_actionlint() {
    // Every complete workflow (a ```yaml block with top-level `on:` and `jobs:`) in the
    // action's documentation, as a workflow file of its own.
    let dir = tempfile::tempdir().unwrap();
    let workflows = dir.path().join(".github/workflows");
    fs::create_dir_all(&workflows).unwrap();
    let doc = fs::read_to_string(root().join("docs/github-action.md")).unwrap();
    let mut n = 0;
    for block in doc.split("```yaml\n").skip(1) {
        let body = block.split("```").next().unwrap();
        if body.lines().any(|l| l.starts_with("on:")) && body.contains("\njobs:") {
            n += 1;
            fs::write(workflows.join(format!("doc{n}.yml")), body).unwrap();
        }
    }
    assert!(n >= 2, "found {n} workflows in docs/github-action.md");
    let o = actionlint(dir.path());
    assert!(o.status.success(), "actionlint:\n{}", text(&o));
}
