//! The GitHub Action: action.yml is valid, and scripts/action.sh does the right thing for
//! each simulated event. These cases put a fake ferret in FERRET_BIN that records its
//! arguments, so they check what the script asks for; tests/integration/action_events.rs
//! runs the real binary against real remotes for every event.
use crate::ci::*;
use crate::util::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const ZERO: &str = "0000000000000000000000000000000000000000";

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn action_yml_passes_the_metadata_check() {
    let found = crate::util::action_yml::problems(&repo_root().join("action.yml"));
    assert!(
        found.is_empty(),
        "action.yml:
  {}",
        found.join(
            "
  "
        )
    );
}

/// A simulated runner: workspace, event payload, output and summary files.
pub struct Runner {
    pub dir: tempfile::TempDir,
    env: BTreeMap<String, String>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub outputs: BTreeMap<String, String>,
    pub summary: String,
    /// The fake ferret's arguments, one list per call, if it ran.
    pub calls: Vec<Vec<String>>,
}

impl Runner {
    /// A runner whose workspace is `workspace` (a git repository or a plain directory).
    pub fn new(workspace: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let temp = dir.path().join("runner-temp");
        std::fs::create_dir_all(&temp).unwrap();
        let mut env = BTreeMap::new();
        let p = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
        env.insert(
            "GITHUB_WORKSPACE".into(),
            workspace.to_string_lossy().into_owned(),
        );
        env.insert("GITHUB_OUTPUT".into(), p("output"));
        env.insert("GITHUB_STEP_SUMMARY".into(), p("summary.md"));
        env.insert("GITHUB_EVENT_PATH".into(), p("event.json"));
        env.insert("RUNNER_TEMP".into(), temp.to_string_lossy().into_owned());
        // Records each call's arguments (a line `--end--` after each), and writes
        // FAKE_SARIF wherever it is asked for SARIF (`--format sarif=FILE`).
        let fake = dir.path().join("fake-ferret");
        std::fs::write(
            &fake,
            "#!/bin/sh\n\
             printf '%s\\n' \"$@\" --end-- >> \"$FAKE_ARGS\"\n\
             for a in \"$@\"; do\n\
               case \"$a\" in sarif=*) out=${a#sarif=}\n\
                 if [ -n \"${FAKE_SARIF:-}\" ]; then cp \"$FAKE_SARIF\" \"$out\"; fi ;; esac\n\
             done\n\
             exit \"${FAKE_EXIT:-0}\"\n",
        )
        .unwrap();
        make_executable(&fake);
        env.insert("FERRET_BIN".into(), fake.to_string_lossy().into_owned());
        env.insert("FAKE_ARGS".into(), p("args"));
        Runner { dir, env }
    }

    pub fn event(&mut self, name: &str, payload: Value) -> &mut Self {
        self.env.insert("GITHUB_EVENT_NAME".into(), name.into());
        std::fs::write(self.dir.path().join("event.json"), payload.to_string()).unwrap();
        self
    }

    pub fn set(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// The fake ferret writes a SARIF file with `n` results and exits with `code`.
    pub fn fake_results(&mut self, n: usize, code: i32) -> &mut Self {
        let results: Vec<Value> = (0..n)
            .map(|i| {
                json!({
                    "ruleId": "attio-api-token", "level": "error",
                    "message": {"text": "Attio API token: sk…"},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": {"uri": format!("src/f{i}.py")},
                        "region": {"startLine": i + 1}}}],
                    "properties": {"severity": "critical", "commit": "0123456789abcdef0123"}
                })
            })
            .collect();
        let doc = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "ferret"}}, "results": results}]});
        let file = self.dir.path().join("fake.sarif");
        std::fs::write(&file, doc.to_string()).unwrap();
        self.env
            .insert("FAKE_SARIF".into(), file.to_string_lossy().into_owned());
        self.env.insert("FAKE_EXIT".into(), code.to_string());
        self
    }

    pub fn run(&self) -> Run {
        for f in ["args", "output", "summary.md"] {
            let _ = std::fs::remove_file(self.dir.path().join(f));
        }
        let mut cmd = Command::new("bash");
        cmd.arg(repo_root().join("scripts/action.sh"));
        for (k, _) in std::env::vars() {
            if k.starts_with("GITHUB_") || k.starts_with("INPUT_") || k.starts_with("RUNNER_") {
                cmd.env_remove(k);
            }
        }
        for v in GIT_ENV {
            cmd.env_remove(v);
        }
        cmd.envs(&self.env)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1");
        let out = cmd.output().expect("run action.sh");
        let read =
            |name: &str| std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        let outputs = read("output")
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut calls = Vec::new();
        let mut call = Vec::new();
        for line in read("args").lines() {
            if line == "--end--" {
                calls.push(std::mem::take(&mut call));
            } else {
                call.push(line.to_string());
            }
        }
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs,
            summary: read("summary.md"),
            calls,
        }
    }

    pub fn default_sarif(&self) -> String {
        self.dir
            .path()
            .join("runner-temp/ferret.sarif")
            .to_string_lossy()
            .into_owned()
    }

    /// Where the action writes the SARIF of the event's own scan.
    pub fn event_sarif(&self) -> PathBuf {
        self.dir.path().join("runner-temp/ferret-event.sarif")
    }
}

#[cfg(unix)]
fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A repository with `n` commits, and their ids, oldest first.
pub fn repo_with_commits(n: usize) -> (TestRepo, Vec<String>) {
    let repo = TestRepo::new();
    let c = (0..n)
        .map(|i| {
            repo.commit_file(
                &format!("f{i}.txt"),
                format!("{i}\n"),
                &format!("commit {i}"),
            )
        })
        .collect();
    (repo, c)
}

pub fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The arguments every scan of the event ends with: annotations on stdout, SARIF for the
/// summary in the runner's temp folder.
fn event_formats(r: &Runner) -> Vec<String> {
    strs(&[
        "--format",
        "github",
        "--format",
        &format!("sarif={}", r.event_sarif().display()),
    ])
}

#[test]
fn pull_request_scans_base_to_head_and_the_tree_for_code_scanning() {
    let (ws, c) = repo_with_commits(3);
    let mut r = Runner::new(ws.path());
    r.event(
        "pull_request",
        json!({"pull_request": {"base": {"sha": c[0]}, "head": {"sha": c[2]}}}),
    );
    let run = r.run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut want = strs(&["git", ".", "--range", &format!("{}..{}", c[0], c[2])]);
    want.extend(event_formats(&r));
    assert_eq!(run.calls[0], want);
    // The SARIF file is a second scan: every file of the checkout.
    assert_eq!(
        run.calls[1],
        strs(&[
            "scan",
            ".",
            "--format",
            &format!("sarif={}", r.default_sarif()),
            "--quiet"
        ])
    );
    assert_eq!(run.calls.len(), 2);
    assert_eq!(run.outputs["findings"], "0");
    assert!(run.summary.contains("pull_request"), "{}", run.summary);
    assert!(
        run.stderr.contains("running: "),
        "the command is logged: {}",
        run.stderr
    );
}

#[test]
fn push_scans_before_to_after_and_reports_findings() {
    let (ws, c) = repo_with_commits(3);
    let mut r = Runner::new(ws.path());
    r.event(
        "push",
        json!({"ref": "refs/heads/main", "before": c[1], "after": c[2]}),
    )
    .fake_results(2, 1)
    .set("GITHUB_SERVER_URL", "https://github.example")
    .set("GITHUB_REPOSITORY", "acme/app");
    let run = r.run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.calls[0][..4],
        strs(&["git", ".", "--range", &format!("{}..{}", c[1], c[2])])
    );
    assert_eq!(run.outputs["findings"], "2");
    assert_eq!(run.outputs["sarif-file"], r.default_sarif());
    assert_eq!(run.outputs["sarif-category"], "ferret/tree");
    assert_eq!(run.outputs["sarif-results"], "2");
    // The category is written into the file: upload-sarif needs no `category:`.
    let uploaded = read_json(Path::new(&r.default_sarif()));
    assert_eq!(
        uploaded["runs"][0]["automationDetails"]["id"],
        "ferret/tree/"
    );
    assert!(run.summary.contains("**2 findings**"), "{}", run.summary);
    // Each row links to the file and line at the commit that added it.
    assert!(
        run.summary.contains(
            "| critical | `attio-api-token` | [`src/f1.py:2`](https://github.example/acme/app/blob/0123456789abcdef0123/src/f1.py#L2) | 0123456789ab |"
        ),
        "{}",
        run.summary
    );

    // fail-on-findings: false reports the same and passes.
    r.set("INPUT_FAIL_ON_FINDINGS", "false");
    let run = r.run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.outputs["findings"], "2");

    // sarif-scope: none writes no SARIF file and runs one scan.
    r.set("INPUT_SARIF_SCOPE", "none");
    let run = r.run();
    assert_eq!(run.calls.len(), 1);
    assert_eq!(run.outputs["sarif-file"], "");
    assert_eq!(run.outputs["sarif-category"], "");
    r.set("INPUT_SARIF_SCOPE", "everything");
    let run = r.run();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown sarif-scope 'everything'"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_branchs_first_push_scans_what_no_other_branch_has() {
    let (ws, c) = repo_with_commits(2);
    let mut r = Runner::new(ws.path());
    r.event(
        "push",
        json!({"ref": "refs/heads/main", "before": ZERO, "after": c[1], "created": true}),
    );
    let run = r.run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The clone has the branch at the pushed commit: ferret walks from its name, so its
    // remote-tracking copies are told apart from other branches by name.
    assert_eq!(
        run.calls[0][..4],
        strs(&["git", ".", "--range", &format!("{ZERO}..refs/heads/main")])
    );
    assert!(!run.stderr.contains("fetching"), "{}", run.stderr);
    assert!(
        run.summary.contains("that no other branch has"),
        "{}",
        run.summary
    );
}

#[test]
fn a_push_that_deletes_a_branch_scans_nothing() {
    let (ws, c) = repo_with_commits(1);
    let mut r = Runner::new(ws.path());
    r.event(
        "push",
        json!({"before": c[0], "after": ZERO, "deleted": true}),
    );
    let run = r.run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.calls.is_empty(), "ferret ran");
    assert_eq!(run.outputs["findings"], "0");
    assert_eq!(run.outputs["sarif-file"], "");
}

/// An origin with five commits and a one-commit shallow clone of it, as actions/checkout
/// leaves by default. Returns (origin, clone, origin's commits).
fn shallow_clone() -> (TestRepo, TestRepo, Vec<String>) {
    let (origin, c) = repo_with_commits(5);
    let ws = TestRepo::empty();
    let url = format!("file://{}", origin.path().display());
    ws.git(&["clone", "-q", "--depth", "1", &url, "."]);
    assert_eq!(ws.git(&["rev-parse", "--is-shallow-repository"]), "true");
    (origin, ws, c)
}

#[test]
fn a_shallow_checkout_is_deepened_from_its_remote() {
    let (_origin, ws, c) = shallow_clone();
    assert!(!ws.has_commit(&c[1]));
    let mut r = Runner::new(ws.path());
    r.event("push", json!({"before": c[1], "after": c[4]}));
    let run = r.run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("shallow clone: fetching history"),
        "{}",
        run.stderr
    );
    assert!(ws.has_commit(&c[1]), "base commit not fetched");
    ws.git(&["merge-base", &c[1], &c[4]]);
    assert_eq!(
        run.calls[0][..4],
        strs(&["git", ".", "--range", &format!("{}..{}", c[1], c[4])])
    );
}

#[test]
fn a_pull_request_head_missing_from_a_shallow_checkout_is_fetched() {
    // actions/checkout checks out the merge commit: the PR's head is not in the clone.
    let (origin, ws, c) = shallow_clone();
    origin.git(&["checkout", "-q", "-b", "feature", &c[2]]);
    std::fs::write(origin.path().join("feature.txt"), "x\n").unwrap();
    let head = origin.commit_all("feature work");
    assert!(!ws.has_commit(&head));
    let mut r = Runner::new(ws.path());
    r.event(
        "pull_request",
        json!({"pull_request": {"base": {"sha": c[4]}, "head": {"sha": head}}}),
    );
    let run = r.run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(ws.has_commit(&head) && ws.has_commit(&c[2]));
    ws.git(&["merge-base", &c[4], &head]);
}

#[test]
fn a_shallow_checkout_without_a_remote_is_left_to_ferret() {
    let (_origin, ws, c) = shallow_clone();
    ws.git(&["remote", "remove", "origin"]);
    let mut r = Runner::new(ws.path());
    r.event("push", json!({"before": c[1], "after": c[4]}))
        .fake_results(0, 2);
    let run = r.run();
    assert!(
        run.stderr.contains("shallow clone without a remote"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.calls[0][..4],
        strs(&["git", ".", "--range", &format!("{}..{}", c[1], c[4])])
    );
    // ferret's error (exit 2) fails the step as an error, not as findings.
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.summary.contains("ferret failed (exit 2)"),
        "{}",
        run.summary
    );
}

#[test]
fn history_mode_and_the_other_inputs_become_arguments() {
    let (ws, _) = repo_with_commits(1);
    let mut r = Runner::new(ws.path());
    let sarif = r.dir.path().join("out/custom.sarif");
    r.event("workflow_dispatch", json!({}))
        .fake_results(0, 0)
        .set("INPUT_SCAN", "history")
        .set("INPUT_PATH", "sub dir")
        .set("INPUT_CONFIG", "ci/ferret.toml")
        .set("INPUT_VERIFY", "true")
        .set("INPUT_EXTRA_ARGS", "--max-file-size 2M  --threads 2")
        .set("INPUT_SARIF_FILE", sarif.to_str().unwrap());
    let run = r.run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    // One scan: the history is both what the step reports and what code scanning gets.
    assert_eq!(
        run.calls,
        vec![strs(&[
            "git",
            "sub dir",
            "--branch",
            "HEAD",
            "--format",
            "github",
            "--format",
            &format!("sarif={}", sarif.display()),
            "--config",
            "ci/ferret.toml",
            "--verify",
            "--max-file-size",
            "2M",
            "--threads",
            "2",
        ])]
    );
    assert!(
        sarif.parent().unwrap().is_dir(),
        "the SARIF file's directory is made"
    );
    assert_eq!(run.outputs["sarif-category"], "ferret/history/sub dir");
}

#[test]
fn events_without_a_range_scan_the_directory_or_fail_clearly() {
    let ws = Tree::new();
    let mut r = Runner::new(ws.path());
    r.event("schedule", json!({})).fake_results(0, 0);
    let run = r.run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    // One scan of the files, for the step and for code scanning.
    assert_eq!(run.calls.len(), 1);
    assert_eq!(run.calls[0][..2], strs(&["scan", "."]));
    assert_eq!(run.outputs["sarif-file"], r.default_sarif());

    r.set("INPUT_SCAN", "range");
    let run = r.run();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "scan: range needs a pull_request, push or merge_group event, not 'schedule'"
        ),
        "{}",
        run.stderr
    );
    assert!(run.calls.is_empty());

    r.set("INPUT_SCAN", "everything");
    let run = r.run();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown scan 'everything'"),
        "{}",
        run.stderr
    );
}

pub fn real_ferret() -> PathBuf {
    assert_cmd::cargo::cargo_bin("ferret")
}

#[test]
fn dir_mode_with_the_real_binary_writes_valid_sarif_and_a_summary() {
    let ws = Tree::new();
    let mut s = Secrets::new("action_dir");
    let key = s.token(&Secrets::join(&["s", "k_"]), 40);
    ws.write("app/.env", format!("ATTIO_API_KEY={key}\n"));
    let mut r = Runner::new(ws.path());
    r.event("workflow_dispatch", json!({}))
        .set("INPUT_SCAN", "dir")
        .set("FERRET_BIN", real_ferret().to_str().unwrap());
    let run = r.run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.outputs["findings"], "1");
    let sarif = PathBuf::from(&run.outputs["sarif-file"]);
    validate_sarif(&sarif);
    assert_eq!(
        read_json(&sarif)["runs"][0]["results"][0]["ruleId"],
        "attio-api-token"
    );
    assert!(
        run.summary
            .contains("| critical | `attio-api-token` | `app/.env:1` |  |"),
        "{}",
        run.summary
    );
    assert!(!run.summary.contains(&key));
    // The step log has the annotation.
    assert!(
        run.stdout.starts_with("::error file=app/.env,line=1,"),
        "{}",
        run.stdout
    );

    // With the finding in the baseline, the same run is clean.
    let (code, _, _) = run_in(ws.path(), &["baseline", ".ferret-baseline"]);
    assert_eq!(code, 0);
    r.set("INPUT_EXTRA_ARGS", "--baseline .ferret-baseline");
    let run = r.run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.outputs["findings"], "0");
    assert!(run.summary.contains("No secrets found"), "{}", run.summary);
}
