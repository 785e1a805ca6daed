//! `ferret org plan|scan|merge` and `ferret git URL`, end to end: local repositories
//! served as `file://` remotes, every shard a separate ferret process, the GitHub API a
//! loopback server, the emitted Job and the documented workflows checked by
//! kubernetes-validate and actionlint.
use crate::mock_api::{MockApi, Reply};
use crate::util::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One org key for every test process: secret ids comparable across plans.
const ORG_KEY: &str = "test-org-key-0123456789abcdef";

fn attio(s: &mut Secrets) -> String {
    s.token(&Secrets::join(&["s", "k_"]), 40)
}

/// A ferret process for the org commands: private HOME, the test org key, no tokens.
fn org_cmd(home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("ferret"));
    c.args(args)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
        .env("NO_COLOR", "1")
        .env("FERRET_ORG_KEY", ORG_KEY)
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove(ferret_org_kill_env())
        .stdin(Stdio::null());
    for v in GIT_ENV {
        c.env_remove(v);
    }
    c
}

fn ferret_org_kill_env() -> &'static str {
    "FERRET_ORG_TEST_KILL_AFTER"
}

/// Runs a prepared command: (exit code, or -1 when killed by a signal; stdout; stderr).
fn run(c: &mut Command) -> (i32, String, String) {
    let out = c.output().expect("run ferret");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An organisation of local repositories, each a `file://` remote.
struct Org {
    dir: tempfile::TempDir,
    repos: Vec<TestRepo>,
    /// Every secret committed anywhere.
    secrets: Vec<String>,
    /// The secret committed to repositories 0, 4 and 8.
    shared: String,
}

impl Org {
    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn url(r: &TestRepo) -> String {
        format!("file://{}", r.path().display())
    }

    /// A REPOS file listing every repository (and `extra` lines); returns its path.
    fn repos_file(&self, extra: &[&str]) -> PathBuf {
        let mut text = String::from("# the test organisation\n");
        for r in &self.repos {
            text.push_str(&Org::url(r));
            text.push('\n');
        }
        for e in extra {
            text.push_str(e);
            text.push('\n');
        }
        let p = self.path("repos.txt");
        std::fs::write(&p, text).unwrap();
        p
    }

    fn ferret(&self, args: &[&str]) -> (i32, String, String) {
        run(org_cmd(&self.home(), args).current_dir(self.dir.path()))
    }

    fn plan(&self, repos: &Path, shards: usize, plan: &str) {
        let (code, _, err) = self.ferret(&[
            "org",
            "plan",
            repos.to_str().unwrap(),
            "--shards",
            &shards.to_string(),
            "-o",
            plan,
        ]);
        assert_eq!(code, 0, "{err}");
    }

    /// Runs every shard of `plan` at once, each its own process, into `out/shard-I`.
    fn scan_all(&self, plan: &str, shards: usize, out: &str) -> Vec<(i32, String)> {
        let children: Vec<_> = (0..shards)
            .map(|i| {
                org_cmd(
                    &self.home(),
                    &[
                        "org",
                        "scan",
                        plan,
                        "--shard",
                        &format!("{i}/{shards}"),
                        "--out",
                        &format!("{out}/shard-{i}"),
                        "--cache-dir",
                        "cache",
                    ],
                )
                .current_dir(self.dir.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn a shard")
            })
            .collect();
        children
            .into_iter()
            .map(|c| {
                let o = c.wait_with_output().expect("shard");
                (
                    o.status.code().unwrap_or(-1),
                    String::from_utf8_lossy(&o.stderr).into_owned(),
                )
            })
            .collect()
    }

    fn merge(&self, dirs: &[String], out: &str, extra: &[&str]) -> (i32, Value, String) {
        let mut args: Vec<&str> = vec!["org", "merge"];
        args.extend(dirs.iter().map(String::as_str));
        args.extend(["-o", out]);
        args.extend_from_slice(extra);
        let (code, _, err) = self.ferret(&args);
        let text =
            std::fs::read_to_string(self.path(out)).unwrap_or_else(|e| panic!("{out}: {e}\n{err}"));
        (code, serde_json::from_str(&text).expect("merged JSON"), err)
    }
}

/// A dozen repositories: every one has history and a clean file; a third hold a secret of
/// their own; repositories 0, 4 and 8 hold the same secret (at different paths).
fn org(seed: &str) -> Org {
    let mut s = Secrets::new(seed);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    let shared = attio(&mut s);
    let mut secrets = vec![shared.clone()];
    let mut repos = Vec::new();
    for i in 0..12 {
        let r = TestRepo::new();
        r.commit_file("README.md", format!("# service {i}\n"), "start");
        for k in 0..(1 + i % 4) {
            r.commit_file(
                "src/main.txt",
                format!("version {k} of service {i}\n"),
                &format!("work {k}"),
            );
        }
        if i % 4 == 0 {
            r.commit_file(
                &format!("config/{i}.env"),
                format!("ATTIO_API_KEY={shared}\n"),
                "shared config",
            );
        }
        if i % 3 == 1 {
            let own = attio(&mut s);
            r.commit_file("deploy/.env", format!("ATTIO_API_KEY={own}\n"), "own key");
            secrets.push(own);
        }
        repos.push(r);
    }
    Org {
        dir,
        repos,
        secrets,
        shared,
    }
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// What must be equal between two merged reports: each secret's id, rule, repositories
/// and findings (repository, path, line, commit, fingerprint).
fn secrets_view(report: &Value) -> Vec<Value> {
    report["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .map(|s| {
            let findings: Vec<Value> = s["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    json!([f["repo"], f["secret_id"], f["path"], f["line"], f["commit"], f["fingerprint"], f["rule_id"]])
                })
                .collect();
            json!({"id": s["secret_id"], "rule": s["rule_id"], "repos": s["repos"], "findings": findings})
        })
        .collect()
}

#[test]
fn merged_shards_equal_one_process_over_every_repository() {
    let o = org("org_merge_equals_single");
    let repos = o.repos_file(&[]);
    o.plan(&repos, 3, "plan3.json");
    o.plan(&repos, 1, "plan1.json");
    let plan3: Value =
        serde_json::from_str(&std::fs::read_to_string(o.path("plan3.json")).unwrap()).unwrap();
    let per_shard: Vec<usize> = (0..3)
        .map(|i| {
            plan3["repos"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["shard"] == i)
                .count()
        })
        .collect();
    assert_eq!(per_shard.iter().sum::<usize>(), 12);
    assert!(
        per_shard.iter().all(|&n| n >= 3),
        "unbalanced: {per_shard:?}"
    );

    for (code, err) in o.scan_all("plan3.json", 3, "out3") {
        assert_eq!(code, 0, "{err}");
    }
    for (code, err) in o.scan_all("plan1.json", 1, "out1") {
        assert_eq!(code, 0, "{err}");
    }
    let dirs3: Vec<String> = (0..3).map(|i| format!("out3/shard-{i}")).collect();
    let (code3, merged3, err3) = o.merge(&dirs3, "merged3.json", &["--plan", "plan3.json"]);
    let (code1, merged1, _) = o.merge(
        &["out1/shard-0".into()],
        "merged1.json",
        &["--plan", "plan1.json"],
    );
    assert_eq!(code3, 1, "findings make the merge exit 1: {err3}");
    assert_eq!(code1, 1);
    assert_eq!(secrets_view(&merged3), secrets_view(&merged1));
    assert_eq!(merged3["summary"]["repos"], 12);
    assert_eq!(merged3["summary"]["complete"], 12);
    assert_eq!(merged3["not_fully_scanned"], json!([]));
    // One secret across three repositories is one secret id.
    let shared: Vec<&Value> = merged3["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["repos"].as_array().unwrap().len() > 1)
        .collect();
    assert_eq!(shared.len(), 1, "{merged3}");
    assert_eq!(shared[0]["repos"].as_array().unwrap().len(), 3);
    assert_eq!(shared[0]["findings"].as_array().unwrap().len(), 3);
    assert_eq!(merged3["summary"]["secrets"], o.secrets.len());
    // Every finding says where it is.
    for s in merged3["secrets"].as_array().unwrap() {
        for f in s["findings"].as_array().unwrap() {
            assert!(
                f["repo"].is_string() && f["secret_id"] == s["secret_id"],
                "{f}"
            );
        }
    }
    // No file ferret wrote holds a whole secret.
    for f in files_under(&o.path("out3"))
        .into_iter()
        .chain(files_under(&o.path("out1")))
        .chain([o.path("merged3.json"), o.path("plan3.json")])
    {
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for secret in &o.secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{} holds a secret",
                f.display()
            );
        }
    }
    assert!(!o.shared.is_empty());
}

#[test]
fn a_killed_shard_resumes_without_rescanning_what_it_finished() {
    let o = org("org_kill_resume");
    let repos = o.repos_file(&[]);
    o.plan(&repos, 2, "plan.json");
    let args = [
        "org",
        "scan",
        "plan.json",
        "--shard",
        "0/2",
        "--out",
        "out",
        "--cache-dir",
        "cache",
    ];
    let (code, _, err) = run(org_cmd(&o.home(), &args)
        .current_dir(o.dir.path())
        .env(ferret_org_kill_env(), "2"));
    assert_eq!(code, -1, "killed by a signal: {err}");
    let marker: Value =
        serde_json::from_str(&std::fs::read_to_string(o.path("out/shard-0-of-2.json")).unwrap())
            .unwrap();
    assert_eq!(marker["state"], "running");
    let records = |dir: &str| -> Vec<Value> {
        std::fs::read_dir(o.path(dir))
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                    .map(|e| {
                        serde_json::from_str(&std::fs::read_to_string(e.path()).unwrap()).unwrap()
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let before = records("out/repos");
    assert_eq!(
        before.len(),
        2,
        "two repositories were done before the kill"
    );

    let (code, _, err) = run(org_cmd(&o.home(), &args).current_dir(o.dir.path()));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err.matches("audited earlier in this run").count(),
        2,
        "{err}"
    );
    assert!(err.contains("resumed run"), "{err}");
    let after = records("out/repos");
    assert_eq!(after.len(), 6, "{err}");
    // The two records from before the kill were not rewritten: same run, same times.
    for b in &before {
        let a = after.iter().find(|a| a["slug"] == b["slug"]).unwrap();
        assert_eq!(a, b);
    }
    assert!(after.iter().all(|a| a["run"] == before[0]["run"]));
    let marker: Value =
        serde_json::from_str(&std::fs::read_to_string(o.path("out/shard-0-of-2.json")).unwrap())
            .unwrap();
    assert_eq!(marker["state"], "done");
}

#[test]
fn a_rerun_scans_only_what_is_new_and_says_so() {
    let mut s = Secrets::new("org_incremental");
    let o = org("org_incremental_base");
    let repos = o.repos_file(&[]);
    o.plan(&repos, 1, "plan.json");
    let scan = |out: &str| {
        o.ferret(&[
            "org",
            "scan",
            "plan.json",
            "--shard",
            "0/1",
            "--out",
            out,
            "--cache-dir",
            "cache",
        ])
    };
    let (code, _, err) = scan("out");
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("incremental"), "{err}");
    // Two new commits in one repository: one edits a file, one adds a secret.
    let r = &o.repos[5];
    r.commit_file("src/main.txt", "a new version\n", "edit");
    let new_secret = attio(&mut s);
    let added = r.commit_file(
        "later.env",
        format!("ATTIO_API_KEY={new_secret}\n"),
        "add a key",
    );

    let (code, _, err) = scan("out");
    assert_eq!(code, 0, "{err}");
    let slug = {
        std::fs::read_dir(o.path("out/repos"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.extension().is_some_and(|x| x == "json")
                    && std::fs::read_to_string(p).unwrap().contains(&Org::url(r))
            })
            .unwrap()
    };
    let c: Value = serde_json::from_str(&std::fs::read_to_string(&slug).unwrap()).unwrap();
    assert_eq!(c["status"], "complete");
    assert_eq!(c["commits_scanned"], 2, "{c}");
    assert_eq!(c["blobs_scanned"], 2, "only the two new blobs: {c}");
    assert!(c["incremental"]["since_run"].is_string(), "{c}");
    // Every repository says the rerun built on the first run; unchanged ones walked nothing.
    assert_eq!(
        err.matches("incremental: only what is new").count(),
        12,
        "{err}"
    );
    assert!(err.contains("0 commits, 0 blobs scanned"), "{err}");

    // The incremental result is the full one: the same findings as a fresh audit.
    let (code, _, err) = scan("fresh");
    assert_eq!(code, 0, "{err}");
    let (_, inc, _) = o.merge(&["out".into()], "inc.json", &[]);
    let (_, full, _) = o.merge(&["fresh".into()], "full.json", &[]);
    assert_eq!(secrets_view(&inc), secrets_view(&full));
    let by_commit: Vec<&Value> = inc["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["findings"].as_array().unwrap())
        .filter(|f| f["commit"] == added.as_str())
        .collect();
    assert_eq!(
        by_commit.len(),
        1,
        "the new secret, at the commit that added it"
    );
}

#[test]
fn bad_input_gets_coverage_records_the_shard_exits_2_and_the_merge_lists_it() {
    let o = org("org_bad_input");
    // A repository with a corrupt pack, once as a remote (the fetch fails) and once as a
    // local path (the audit reads what it can).
    let corrupt = TestRepo::new();
    for i in 0..5 {
        let mut s = Secrets::new(&format!("org_bad_corrupt_{i}"));
        corrupt.commit_file(&format!("f{i}.txt"), s.chars(BASE64, 4000), "data");
    }
    corrupt.git(&["repack", "-adq"]);
    let pack = std::fs::read_dir(corrupt.path().join(".git/objects/pack"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .unwrap();
    let mut bytes = std::fs::read(&pack).unwrap();
    let n = bytes.len();
    for b in &mut bytes[n / 3..n / 3 + 400] {
        *b ^= 0x5a;
    }
    let mut perm = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&pack, perm).unwrap();
    std::fs::write(&pack, bytes).unwrap();
    let empty = TestRepo::empty();
    empty.git(&["init", "-q", "--bare", "."]);
    let missing = o.path("no-such-repo");
    let extra = [
        format!("file://{}", missing.display()),
        Org::url(&corrupt),
        corrupt.path().display().to_string(),
        format!("file://{}", empty.path().display()),
        "https://github.com/o/r.git 12 extra".to_string(),
    ];
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let repos = o.repos_file(&extra);
    o.plan(&repos, 2, "plan.json");
    let results = o.scan_all("plan.json", 2, "out");
    let all_err: String = results.iter().map(|(_, e)| e.as_str()).collect();
    assert!(results.iter().any(|(c, _)| *c == 2), "{all_err}");
    assert!(results.iter().all(|(c, _)| *c == 0 || *c == 2), "{all_err}");
    let dirs: Vec<String> = (0..2).map(|i| format!("out/shard-{i}")).collect();
    let (code, merged, err) = o.merge(&dirs, "merged.json", &["--plan", "plan.json"]);
    assert_eq!(code, 2, "{err}");
    let not = merged["not_fully_scanned"].as_array().unwrap();
    let status_of = |needle: &str| -> Vec<String> {
        not.iter()
            .filter(|r| {
                r["url"].as_str().unwrap_or_default().contains(needle)
                    || r["errors"].to_string().contains(needle)
            })
            .map(|r| r["status"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(status_of("no-such-repo"), ["failed"], "{not:?}");
    assert_eq!(status_of("empty repository"), ["failed"], "{not:?}");
    assert_eq!(
        status_of("line 18"),
        ["failed"],
        "the bad REPOS line: {not:?}"
    );
    let corrupt_states = status_of(&corrupt.path().display().to_string());
    assert!(
        corrupt_states.contains(&"failed".to_string()),
        "remote: {not:?}"
    );
    assert!(
        corrupt_states.contains(&"partial".to_string()),
        "local path: {not:?}"
    );
    assert_eq!(not.len(), 5, "{not:?}");
    for r in not {
        assert!(!r["errors"].as_array().unwrap().is_empty(), "{r}");
    }
    // The good repositories were scanned all the same.
    assert_eq!(merged["summary"]["complete"], 12, "{}", merged["summary"]);
    assert!(err.contains("not fully scanned: "), "{err}");
}

#[test]
fn one_verification_per_distinct_secret_per_shard() {
    let o = org("org_verify_once");
    let api = MockApi::start(|_, _| {
        Reply::json(
            200,
            json!({"active": true, "scope": "record_permission:read", "workspace_name": "Acme", "workspace_id": "w1"}),
        )
    });
    let repos = o.repos_file(&[]);
    o.plan(&repos, 1, "plan.json");
    let redirect = api.redirect("https://api.attio.com");
    let (code, _, err) = o.ferret(&[
        "org",
        "scan",
        "plan.json",
        "--shard",
        "0/1",
        "--out",
        "out",
        "--cache-dir",
        "cache",
        "--verify",
        "--verify-redirect",
        &redirect,
    ]);
    assert_eq!(code, 0, "{err}");
    // The shared secret is in three repositories, each other one in one: one request each.
    assert_eq!(api.count(), o.secrets.len(), "{:?}", api.requests());
    let (_, merged, _) = o.merge(&["out".into()], "merged.json", &[]);
    for s in merged["secrets"].as_array().unwrap() {
        assert_eq!(s["verification"]["status"], "verified", "{s}");
        assert!(!s["secret"].as_str().unwrap().contains(&o.shared));
    }
}

#[test]
fn merge_writes_a_sarif_per_repository_and_a_queryable_database() {
    let o = org("org_sarif_sqlite");
    let repos = o.repos_file(&[]);
    o.plan(&repos, 2, "plan.json");
    for (code, err) in o.scan_all("plan.json", 2, "out") {
        assert_eq!(code, 0, "{err}");
    }
    let dirs = ["out/shard-0", "out/shard-1"];
    let (code, _, err) = o.ferret(&[
        "org", "merge", dirs[0], dirs[1], "--format", "sarif", "-o", "sarif",
    ]);
    assert_eq!(code, 1, "{err}");
    let sarifs = files_under(&o.path("sarif"));
    assert_eq!(sarifs.len(), 12);
    let mut results = 0;
    for f in &sarifs {
        sarif::assert_valid(f);
        let v: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let found = v["runs"][0]["results"].as_array().unwrap();
        results += found.len();
        // Each result keeps the shard record's group and confidence.
        for r in found {
            assert_eq!(
                r["properties"]["group"].as_str().map(str::len),
                Some(32),
                "{r}"
            );
            assert!(r["properties"]["confidence"].is_string(), "{r}");
        }
        assert!(!v.to_string().contains(&o.shared));
    }
    // Three repositories hold the shared secret, four have one of their own.
    assert_eq!(results, 7);

    let (code, _, err) = o.ferret(&[
        "org", "merge", dirs[0], dirs[1], "--format", "sqlite", "-o", "org.db",
    ]);
    assert_eq!(code, 1, "{err}");
    let db = rusqlite::Connection::open(o.path("org.db")).unwrap();
    let shared: (i64, i64) = db
        .query_row(
            "SELECT repos, findings FROM secrets WHERE repos > 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(shared, (3, 3));
    let complete: i64 = db
        .query_row(
            "SELECT count(*) FROM repos WHERE status = 'complete'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(complete, 12);
    let joined: i64 = db
        .query_row(
            "SELECT count(*) FROM findings f JOIN secrets s USING (secret_id) JOIN repos r USING (repo)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(joined, 7);
    let bytes = std::fs::read(o.path("org.db")).unwrap();
    for secret in &o.secrets {
        assert!(memchr::memmem::find(&bytes, secret.as_bytes()).is_none());
    }
}

#[test]
fn github_org_listing_follows_pagination_and_keeps_the_token_at_home() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let token = ["gh", "o_", "testtoken0123456789"].concat();
    let api = MockApi::start(move |req, _| {
        let repo = |n: u32| json!({"full_name": format!("acme/r{n}"), "clone_url": format!("https://github.example/acme/r{n}.git"), "size": n * 100});
        if req.path.starts_with("/orgs/acme/repos") && !req.path.contains("page=2") {
            Reply::json(200, json!([repo(1), repo(2)])).with_header(
                "Link",
                &format!(
                    "<http://127.0.0.1:{}/organizations/7/repos?per_page=100&page=2>; rel=\"next\", <http://127.0.0.1:{}/organizations/7/repos?per_page=100&page=2>; rel=\"last\"",
                    req.header("host").and_then(|h| h.rsplit(':').next()).unwrap_or("0"),
                    req.header("host").and_then(|h| h.rsplit(':').next()).unwrap_or("0")
                ),
            )
        } else if req.path.contains("page=2") {
            Reply::json(200, json!([repo(3)]))
        } else {
            Reply::json(404, json!({"message": "Not Found"}))
        }
    });
    let base = format!("http://127.0.0.1:{}", api.port());
    let (code, out, err) = run(org_cmd(
        &home,
        &[
            "org",
            "plan",
            "--github-org",
            "acme",
            "--api-url",
            &base,
            "--shards",
            "2",
            "-o",
            "plan.json",
            "--emit",
            "github-matrix",
        ],
    )
    .current_dir(dir.path())
    .env("GH_TOKEN", &token));
    assert_eq!(code, 0, "{err}");
    let reqs = api.requests();
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    assert!(
        reqs.iter().all(|r| r.bearer() == Some(token.as_str())),
        "{reqs:?}"
    );
    assert!(reqs[0].path.contains("per_page=100"));
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("plan.json")).unwrap())
            .unwrap();
    let names: Vec<&str> = plan["repos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{plan}");
    assert!(names.contains(&"acme/r3"));
    let matrix: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(matrix["include"].as_array().unwrap().len(), 2);
    assert!(!std::fs::read_to_string(dir.path().join("plan.json"))
        .unwrap()
        .contains(&token));

    // A next link to another host is not followed with the token.
    let evil = MockApi::start(|_, _| Reply::json(200, json!([])));
    let evil_port = evil.port();
    let api2 = MockApi::start(move |_, _| {
        Reply::json(200, json!([])).with_header(
            "Link",
            &format!("<http://localhost:{evil_port}/next>; rel=\"next\""),
        )
    });
    let base2 = format!("http://127.0.0.1:{}", api2.port());
    let (code, _, err) = run(org_cmd(
        &home,
        &[
            "org",
            "plan",
            "--github-org",
            "acme",
            "--api-url",
            &base2,
            "--shards",
            "1",
            "-o",
            "plan2.json",
        ],
    )
    .current_dir(dir.path())
    .env("GH_TOKEN", &token));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("another host"), "{err}");
    assert_eq!(evil.count(), 0);
    assert!(!err.contains(&token));

    // A refusal names the status and never the token.
    let (code, _, err) = run(org_cmd(
        &home,
        &[
            "org",
            "plan",
            "--github-org",
            "nobody",
            "--api-url",
            &base,
            "--shards",
            "1",
            "-o",
            "plan3.json",
        ],
    )
    .current_dir(dir.path())
    .env("GH_TOKEN", &token));
    assert_eq!(code, 2);
    assert!(err.contains("HTTP 404"), "{err}");
    assert!(!err.contains(&token));
}

#[test]
fn plan_reads_gh_json_balances_by_size_and_emits_a_valid_job() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let list: Vec<Value> = (1..=9)
        .map(|i| json!({"nameWithOwner": format!("acme/r{i}"), "url": format!("https://github.com/acme/r{i}"), "diskUsage": i * i * 1000}))
        .collect();
    std::fs::write(dir.path().join("repos.json"), Value::from(list).to_string()).unwrap();
    let (code, out, err) = run(org_cmd(
        &home,
        &[
            "org",
            "plan",
            "repos.json",
            "--shards",
            "3",
            "-o",
            "plan.json",
            "--emit",
            "k8s",
            "--image",
            "registry.example/ferret:1",
        ],
    )
    .current_dir(dir.path()));
    assert_eq!(code, 0, "{err}");
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("plan.json")).unwrap())
            .unwrap();
    let mut loads = [0u64; 3];
    for r in plan["repos"].as_array().unwrap() {
        loads[r["shard"].as_u64().unwrap() as usize] += r["size_kb"].as_u64().unwrap();
    }
    // 285,000 KiB in all, largest first to the least loaded shard: 81+16, 64+25+4+1,
    // 49+36+9 (thousands).
    loads.sort_unstable();
    assert_eq!(loads, [94_000, 94_000, 97_000]);
    // The key is in the environment, so not in the plan.
    assert!(plan.get("key").is_none(), "{plan}");

    let job = dir.path().join("job.yaml");
    std::fs::write(&job, &out).unwrap();
    assert!(
        out.contains("completionMode: Indexed") && out.contains("completions: 3"),
        "{out}"
    );
    assert!(out.contains("JOB_COMPLETION_INDEX"));
    kubernetes_validate(&job).unwrap_or_else(|e| panic!("{e}\n{out}"));
    // The validator does catch a broken Job.
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, out.replace("completions: 3", "completions: three")).unwrap();
    assert!(kubernetes_validate(&broken).is_err());
    // The plan inside the ConfigMap is the plan.
    let docs: Vec<Value> = serde_norway::Deserializer::from_str(&out)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    let in_map: Value =
        serde_json::from_str(docs[0]["data"]["plan.json"].as_str().unwrap()).unwrap();
    assert_eq!(in_map, plan);

    // A matrix has at most 256 entries.
    let (code, _, err) = run(org_cmd(
        &home,
        &[
            "org",
            "plan",
            "repos.json",
            "--shards",
            "300",
            "-o",
            "big.json",
            "--emit",
            "github-matrix",
        ],
    )
    .current_dir(dir.path()));
    assert_eq!(code, 2);
    assert!(err.contains("256"), "{err}");
}

/// `kubernetes-validate --strict FILE` (from PyPI, installed by scripts/install-test-deps.sh).
fn kubernetes_validate(file: &Path) -> Result<(), String> {
    let out = Command::new("kubernetes-validate")
        .args(["--strict", "--quiet"])
        .arg(file)
        .output()
        .expect("kubernetes-validate (run scripts/install-test-deps.sh)");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The fenced YAML blocks of a Markdown file.
fn yaml_blocks(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in md.lines() {
        match &mut cur {
            None if line.trim_start().starts_with("```yaml") => cur = Some(String::new()),
            Some(_) if line.trim_start().starts_with("```") => out.extend(cur.take()),
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None => {}
        }
    }
    out
}

#[test]
fn the_documented_workflow_passes_actionlint_and_the_documented_job_validates() {
    let md = std::fs::read_to_string(repo_root().join("docs/org-audit.md")).unwrap();
    let blocks = yaml_blocks(&md);
    let workflows: Vec<&String> = blocks.iter().filter(|b| b.contains("\njobs:")).collect();
    let manifests: Vec<&String> = blocks.iter().filter(|b| b.contains("kind: Job")).collect();
    assert!(
        !workflows.is_empty() && !manifests.is_empty(),
        "docs/org-audit.md lost its examples"
    );
    let dir = tempfile::tempdir().unwrap();
    let wf_dir = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf_dir).unwrap();
    let mut files = Vec::new();
    for (i, w) in workflows.iter().enumerate() {
        let f = wf_dir.join(format!("org-{i}.yml"));
        std::fs::write(&f, w).unwrap();
        files.push(f);
    }
    let out = Command::new("actionlint")
        .arg("-no-color")
        .args(&files)
        .current_dir(dir.path())
        .output()
        .expect("actionlint (run scripts/install-test-deps.sh)");
    assert!(
        out.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // actionlint does catch a broken workflow.
    let broken = wf_dir.join("broken.yml");
    std::fs::write(&broken, workflows[0].replace("runs-on:", "run-on:")).unwrap();
    let bad = Command::new("actionlint")
        .arg("-no-color")
        .arg(&broken)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!bad.status.success());
    for (i, m) in manifests.iter().enumerate() {
        let f = dir.path().join(format!("job-{i}.yaml"));
        std::fs::write(&f, m).unwrap();
        kubernetes_validate(&f).unwrap_or_else(|e| panic!("the Job in docs/org-audit.md: {e}"));
    }
}

#[test]
fn git_audits_a_url_through_a_mirror_fetched_again_later() {
    let mut s = Secrets::new("git_url_mirror");
    let r = TestRepo::new();
    let key = attio(&mut s);
    r.commit_file(".env", format!("ATTIO_API_KEY={key}\n"), "key");
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let url = format!("file://{}", r.path().display());
    let args = [
        "git",
        url.as_str(),
        "--cache-dir",
        "cache",
        "-f",
        "json",
        "--progress",
        "never",
    ];
    let (code, out, err) = run(org_cmd(&home, &args).current_dir(dir.path()));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("mirrored"), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    let second = attio(&mut s);
    r.commit_file("b.env", format!("ATTIO_API_KEY={second}\n"), "another");
    let (code, out, err) = run(org_cmd(&home, &args).current_dir(dir.path()));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("fetched"), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["findings"].as_array().unwrap().len(),
        2,
        "the new commit was fetched"
    );
    let mirrors: Vec<_> = std::fs::read_dir(dir.path().join("cache"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(mirrors.len(), 1, "one mirror, reused");

    // Credentials in a URL are never printed, whatever fails.
    let token = ["gh", "p_", "urltoken0123456789abcdef"].concat();
    let bad = format!("https://x-access-token:{token}@127.0.0.1:9/acme/repo.git");
    let (code, out, err) =
        run(org_cmd(&home, &["git", &bad, "--cache-dir", "cache"]).current_dir(dir.path()));
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains(&token) && !out.contains(&token), "{err}");
    assert!(
        err.contains("https://***@127.0.0.1:9/acme/repo.git"),
        "{err}"
    );
    for f in files_under(&dir.path().join("cache")) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        assert!(!text.contains(&token), "{} holds the token", f.display());
    }
}

#[test]
fn org_scans_read_notes_stashes_and_commit_messages() {
    // `--all-objects` is on in org audits: what a mirror fetches besides branches (notes,
    // the stash ref) and every commit's message are scanned (all_objects.rs shows a plain
    // `ferret git` does not read them).
    let mut s = Secrets::new("org_all_objects");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    let r = TestRepo::new();
    let (in_note, in_message, in_stash) = (attio(&mut s), attio(&mut s), attio(&mut s));
    let first = r.commit_file("a.txt", "a\n", "init");
    r.git(&[
        "notes",
        "add",
        "-m",
        &format!("ATTIO_API_KEY={in_note}"),
        &first,
    ]);
    r.commit_file("b.txt", "b\n", &format!("Rotate\n\nnew key {in_message}"));
    r.write("a.txt", format!("ATTIO_API_KEY={in_stash}\n"));
    r.git(&["stash"]);
    let o = Org {
        dir,
        repos: vec![r],
        secrets: vec![in_note, in_message, in_stash.clone()],
        shared: String::new(),
    };
    let repos = o.repos_file(&[]);
    o.plan(&repos, 1, "plan.json");
    for (code, err) in o.scan_all("plan.json", 1, "out") {
        assert_eq!(code, 0, "{err}");
    }
    let (code, merged, err) = o.merge(&["out/shard-0".into()], "merged.json", &[]);
    assert_eq!(code, 1, "findings: {err}");
    let mut paths: Vec<String> = merged["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["findings"].as_array().unwrap().clone())
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            "<commit message>".to_string(),
            format!("<note on {first}>"),
            "a.txt".to_string(),
        ],
        "{merged:#}"
    );
    assert_eq!(merged["secrets"].as_array().unwrap().len(), 3, "{merged:#}");
    assert!(
        !merged.to_string().contains(&in_stash),
        "reports stay redacted"
    );
}
