//! Every event the action handles, against a real bare remote (file://) and a checkout
//! made the way actions/checkout makes it by default (the one commit, fetched by id into
//! the event's ref), with the real ferret. Each event must report exactly the secrets its
//! commits add, and the SARIF file for code scanning must hold what the checked-out ref
//! holds. Every secret sits in a file named after it, so a report is checked as the set of
//! files it names.
use crate::action::{real_ferret, Run, Runner};
use crate::ci::*;
use crate::util::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;

const ZERO: &str = "0000000000000000000000000000000000000000";

/// A bare remote and a developer's clone that builds its history.
struct Origin {
    bare: TestRepo,
    dev: TestRepo,
    url: String,
    secrets: Secrets,
}

/// Where actions/checkout puts the fetched commit.
enum Checkout<'a> {
    /// A push to a branch (or a merge queue's branch): `-B branch`.
    Branch(&'a str),
    /// A tag push: the tag ref, detached.
    Tag(&'a str),
    /// A pull request: the merge commit under `refs/remotes/pull/N/merge`, detached.
    Ref(&'a str),
}

impl Origin {
    /// A remote whose main branch has an old secret (`old.env`) followed by `filler`
    /// clean commits, pushed.
    fn new(seed: &str, filler: usize) -> Self {
        let bare = TestRepo::empty();
        bare.git(&["-c", "init.defaultBranch=main", "init", "-q", "--bare", "."]);
        let url = format!("file://{}", bare.path().display());
        let dev = TestRepo::empty();
        dev.git(&["-c", "init.defaultBranch=main", "init", "-q", "."]);
        dev.git(&["remote", "add", "origin", &url]);
        let mut o = Origin {
            bare,
            dev,
            url,
            secrets: Secrets::new(seed),
        };
        o.dev.commit_file("README.md", "demo\n", "start");
        o.secret("old.env", "an old secret");
        o.filler("main", filler);
        o.push(&["origin", "main"]);
        o
    }

    /// Commits `file` holding a new secret; returns the commit.
    fn secret(&mut self, file: &str, msg: &str) -> String {
        let key = self.secrets.token(&Secrets::join(&["s", "k_"]), 40);
        self.dev
            .commit_file(file, format!("ATTIO_API_KEY={key}\n"), msg)
    }

    /// `n` clean commits, each touching its own file.
    fn filler(&self, tag: &str, n: usize) -> String {
        let mut last = String::new();
        for i in 0..n {
            last = self.dev.commit_file(
                &format!("notes/{tag}-{i}.txt"),
                format!("{i}\n"),
                &format!("{tag} {i}"),
            );
        }
        last
    }

    fn git(&self, args: &[&str]) -> String {
        self.dev.git(args)
    }

    fn push(&self, args: &[&str]) {
        let mut all = vec!["push", "-q"];
        all.extend_from_slice(args);
        self.dev.git(&all);
    }

    fn sha(&self, rev: &str) -> String {
        self.dev.git(&["rev-parse", rev])
    }

    /// The workspace actions/checkout leaves: one commit deep, no tags, the remote as
    /// `origin`.
    fn checkout(&self, sha: &str, how: Checkout<'_>) -> TestRepo {
        let ws = TestRepo::empty();
        ws.git(&["-c", "init.defaultBranch=main", "init", "-q", "."]);
        ws.git(&["remote", "add", "origin", &self.url]);
        let (target, after) = match how {
            Checkout::Branch(b) => (format!("refs/remotes/origin/{b}"), Some(b)),
            Checkout::Tag(t) => (format!("refs/tags/{t}"), None),
            Checkout::Ref(r) => (r.to_string(), None),
        };
        ws.git(&[
            "fetch",
            "-q",
            "--no-tags",
            "--prune",
            "--depth=1",
            "origin",
            &format!("+{sha}:{target}"),
        ]);
        match after {
            Some(b) => ws.git(&["checkout", "-q", "--force", "-B", b, &target]),
            None => ws.git(&["checkout", "-q", "--force", &target]),
        };
        assert_eq!(ws.git(&["rev-parse", "--is-shallow-repository"]), "true");
        ws
    }
}

/// Runs the action in `ws` for `event` with the real ferret.
fn act(ws: &TestRepo, event: &str, payload: Value, inputs: &[(&str, &str)]) -> (Runner, Run) {
    let mut r = Runner::new(ws.path());
    r.event(event, payload)
        .set("FERRET_BIN", real_ferret().to_str().unwrap())
        .set("GITHUB_SHA", &ws.git(&["rev-parse", "HEAD"]))
        .set("GITHUB_SERVER_URL", "https://github.example")
        .set("GITHUB_REPOSITORY", "acme/app");
    for (k, v) in inputs {
        r.set(k, v);
    }
    let run = r.run();
    (r, run)
}

/// The files the results of a SARIF file name.
fn files(sarif: &Path) -> BTreeSet<String> {
    validate_sarif(sarif);
    read_json(sarif)["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

fn set(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The event reported exactly `added` (and failed the step when that is not empty), and
/// the SARIF file holds exactly `tree` under `category`.
fn expect(r: &Runner, run: &Run, added: &[&str], tree: &[&str], category: &str) {
    let said = format!("{}\n{}", run.stderr, run.summary);
    // When the event's scan is the one code scanning gets, there is one SARIF file.
    let event = r.event_sarif();
    let event = if event.exists() {
        event
    } else {
        run.outputs["sarif-file"].clone().into()
    };
    assert_eq!(files(&event), set(added), "{said}");
    assert_eq!(run.code, if added.is_empty() { 0 } else { 1 }, "{said}");
    assert_eq!(run.outputs["findings"], added.len().to_string(), "{said}");
    for f in added {
        assert!(
            run.stdout.contains(&format!("::error file={f},")),
            "no annotation for {f}: {}",
            run.stdout
        );
    }
    let sarif = Path::new(&run.outputs["sarif-file"]);
    assert_eq!(files(sarif), set(tree), "{said}");
    assert_eq!(run.outputs["sarif-category"], category);
    assert_eq!(
        read_json(sarif)["runs"][0]["automationDetails"]["id"],
        format!("{category}/")
    );
}

#[test]
fn pull_request_reports_what_the_branch_adds() {
    let mut o = Origin::new("ev_pr", 12);
    let base = o.sha("main");
    o.git(&["checkout", "-q", "-b", "feature"]);
    o.secret("pr.env", "feature adds a key");
    let head = o.filler("feature", 2);
    o.push(&["origin", "feature", &format!("{head}:refs/pull/1/head")]);
    // GitHub's test merge of the pull request into its base.
    o.git(&["checkout", "-q", "--detach", &base]);
    o.git(&["merge", "-q", "--no-ff", "-m", "Merge feature", "feature"]);
    let merge = o.sha("HEAD");
    o.push(&["origin", &format!("{merge}:refs/pull/1/merge")]);

    let ws = o.checkout(&merge, Checkout::Ref("refs/remotes/pull/1/merge"));
    let payload = json!({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}});
    let (r, run) = act(&ws, "pull_request", payload, &[]);
    expect(&r, &run, &["pr.env"], &["old.env", "pr.env"], "ferret/tree");
}

#[test]
fn a_push_reports_what_its_commits_add() {
    let mut o = Origin::new("ev_push", 3);
    let before = o.sha("main");
    let added = o.secret("push.env", "a key");
    let after = o.filler("push", 2);
    o.push(&["origin", "main"]);
    let ws = o.checkout(&after, Checkout::Branch("main"));
    let payload = json!({"ref": "refs/heads/main", "before": before, "after": after});
    let (r, run) = act(&ws, "push", payload, &[]);
    expect(
        &r,
        &run,
        &["push.env"],
        &["old.env", "push.env"],
        "ferret/tree",
    );
    // The summary links each finding to its line at the commit that added it.
    let link = format!("(https://github.example/acme/app/blob/{added}/push.env#L1)");
    assert!(run.summary.contains(&link), "{}", run.summary);
}

#[test]
fn a_branchs_first_push_reports_only_what_no_other_branch_has() {
    // The branch starts well below main's tip and has more commits than the first
    // deepening fetches: the fork point must still be found.
    let mut o = Origin::new("ev_first", 15);
    o.git(&["checkout", "-q", "-b", "topic", "main~6"]);
    o.filler("topic-a", 2);
    o.secret("topic.env", "topic key");
    let after = o.filler("topic-b", 12);
    o.push(&["origin", "topic"]);
    let ws = o.checkout(&after, Checkout::Branch("topic"));
    let payload =
        json!({"ref": "refs/heads/topic", "before": ZERO, "after": after, "created": true});
    let (r, run) = act(&ws, "push", payload, &[]);
    expect(
        &r,
        &run,
        &["topic.env"],
        &["old.env", "topic.env"],
        "ferret/tree",
    );
    assert!(
        run.stderr.contains("fetching history from origin"),
        "{}",
        run.stderr
    );

    // A new branch made at a commit main already has adds nothing.
    let main = o.sha("main");
    o.push(&["origin", "main:refs/heads/same"]);
    let ws = o.checkout(&main, Checkout::Branch("same"));
    let payload = json!({"ref": "refs/heads/same", "before": ZERO, "after": main, "created": true});
    let (r, run) = act(&ws, "push", payload, &[]);
    expect(&r, &run, &[], &["old.env"], "ferret/tree");
}

#[test]
fn tag_pushes_report_only_commits_no_branch_has() {
    let mut o = Origin::new("ev_tag", 4);
    // A tag on main's tip adds nothing.
    let main = o.sha("main");
    o.git(&["tag", "v1", "main"]);
    o.push(&["origin", "v1"]);
    let ws = o.checkout(&main, Checkout::Tag("v1"));
    let payload = json!({"ref": "refs/tags/v1", "before": ZERO, "after": main, "created": true});
    let (r, run) = act(&ws, "push", payload, &[]);
    expect(&r, &run, &[], &["old.env"], "ferret/tree");

    // A tag on a release commit made off any branch adds that commit.
    o.git(&["checkout", "-q", "--detach", "main"]);
    let release = o.secret("release.env", "release with a key");
    o.git(&["tag", "v2", &release]);
    o.push(&["origin", "v2"]);
    let ws = o.checkout(&release, Checkout::Tag("v2"));
    let payload = json!({"ref": "refs/tags/v2", "before": ZERO, "after": release, "created": true});
    let (r, run) = act(&ws, "push", payload, &[]);
    expect(
        &r,
        &run,
        &["release.env"],
        &["old.env", "release.env"],
        "ferret/tree",
    );
}

#[test]
fn a_merge_commit_push_finds_what_the_merged_branch_added_and_removed() {
    let mut o = Origin::new("ev_merge", 12);
    o.git(&["checkout", "-q", "-b", "side", "main~9"]);
    let added = o.secret("tmp.env", "side adds a key");
    o.git(&["rm", "-q", "tmp.env"]);
    o.git(&["commit", "-q", "-m", "side removes it again"]);
    o.filler("side", 3);
    o.git(&["checkout", "-q", "main"]);
    o.filler("main-more", 2);
    o.push(&["origin", "main"]);
    let before = o.sha("main");
    o.git(&["merge", "-q", "--no-ff", "-m", "Merge side", "side"]);
    let after = o.sha("main");
    o.push(&["origin", "main"]);

    let ws = o.checkout(&after, Checkout::Branch("main"));
    let payload = json!({"ref": "refs/heads/main", "before": before, "after": after});
    let (r, run) = act(&ws, "push", payload, &[]);
    // Found at the side commit that added it, although the merge no longer has it; the
    // old secret on main is not new.
    expect(&r, &run, &["tmp.env"], &["old.env"], "ferret/tree");
    let event = read_json(&r.event_sarif());
    assert_eq!(
        event["runs"][0]["results"][0]["properties"]["commit"],
        added
    );
}

#[test]
fn a_force_push_reports_what_the_rewritten_branch_adds() {
    let mut o = Origin::new("ev_force", 6);
    o.git(&["checkout", "-q", "-b", "feat", "main"]);
    o.secret("g.env", "feat adds a key");
    let before = o.filler("feat", 2);
    o.push(&["origin", "feat"]);
    // Rewrite the last commit: the key in g.env stays, a new one arrives.
    o.git(&["reset", "-q", "--hard", "HEAD~1"]);
    o.secret("h.env", "rewritten with another key");
    let after = o.sha("HEAD");
    o.push(&["--force", "origin", "feat"]);

    let ws = o.checkout(&after, Checkout::Branch("feat"));
    let payload =
        json!({"ref": "refs/heads/feat", "before": before, "after": after, "forced": true});
    let (r, run) = act(&ws, "push", payload.clone(), &[]);
    expect(
        &r,
        &run,
        &["h.env"],
        &["g.env", "h.env", "old.env"],
        "ferret/tree",
    );

    // The remote still had the old tip (GitHub serves a force-pushed-away commit by its
    // id too). Where it is gone, the push is judged against the other branches only:
    // everything the branch has that main lacks, and the log says why.
    o.bare.git(&["reflog", "expire", "--expire=now", "--all"]);
    o.bare.git(&["gc", "-q", "--prune=now"]);
    let ws = o.checkout(&after, Checkout::Branch("feat"));
    let (r, run) = act(&ws, "push", payload, &[]);
    expect(
        &r,
        &run,
        &["g.env", "h.env"],
        &["g.env", "h.env", "old.env"],
        "ferret/tree",
    );
    assert!(
        run.stderr.contains("is gone from the remote"),
        "{}",
        run.stderr
    );

    // Rebased onto a main that moved on: main's new key is not the branch's.
    o.git(&["checkout", "-q", "main"]);
    o.secret("main2.env", "main adds a key");
    o.push(&["origin", "main"]);
    o.git(&["checkout", "-q", "feat"]);
    let before = o.sha("feat");
    o.git(&["rebase", "-q", "main"]);
    let after = o.sha("feat");
    o.push(&["--force", "origin", "feat"]);
    let ws = o.checkout(&after, Checkout::Branch("feat"));
    let payload =
        json!({"ref": "refs/heads/feat", "before": before, "after": after, "forced": true});
    let (r, run) = act(&ws, "push", payload, &[]);
    // The rebased commits are new commits, and add both keys again.
    expect(
        &r,
        &run,
        &["g.env", "h.env"],
        &["g.env", "h.env", "main2.env", "old.env"],
        "ferret/tree",
    );
}

#[test]
fn a_merge_group_reports_what_the_queued_pull_request_adds() {
    let mut o = Origin::new("ev_queue", 12);
    let base = o.sha("main");
    o.git(&["checkout", "-q", "-b", "pr", "main~4"]);
    o.secret("mq.env", "queued key");
    o.filler("pr", 2);
    o.git(&["checkout", "-q", "--detach", &base]);
    o.git(&["merge", "-q", "--no-ff", "-m", "Merge pr", "pr"]);
    let head = o.sha("HEAD");
    let queue = format!("gh-readonly-queue/main/pr-7-{base}");
    o.push(&["origin", &format!("{head}:refs/heads/{queue}")]);
    let ws = o.checkout(&head, Checkout::Branch(&queue));
    let payload = json!({"merge_group": {"base_sha": base, "head_sha": head}});
    let (r, run) = act(&ws, "merge_group", payload, &[]);
    expect(&r, &run, &["mq.env"], &["old.env", "mq.env"], "ferret/tree");
}

#[test]
fn schedule_and_workflow_dispatch_scan_the_files_or_the_whole_history() {
    let mut o = Origin::new("ev_sched", 3);
    o.secret("gone.env", "a key");
    o.git(&["rm", "-q", "gone.env"]);
    o.git(&["commit", "-q", "-m", "remove it"]);
    let main = o.filler("later", 2);
    o.push(&["origin", "main"]);

    for event in ["schedule", "workflow_dispatch"] {
        let ws = o.checkout(&main, Checkout::Branch("main"));
        let (r, run) = act(&ws, event, json!({}), &[]);
        // The files: one scan for the step and for code scanning.
        expect(&r, &run, &["old.env"], &["old.env"], "ferret/tree");
    }
    // The history, from a one-commit checkout: the whole history is fetched first, and the
    // key deleted long ago is found.
    let ws = o.checkout(&main, Checkout::Branch("main"));
    let (r, run) = act(&ws, "schedule", json!({}), &[("INPUT_SCAN", "history")]);
    expect(
        &r,
        &run,
        &["gone.env", "old.env"],
        &["gone.env", "old.env"],
        "ferret/history",
    );
    assert_eq!(ws.git(&["rev-parse", "--is-shallow-repository"]), "false");
}

#[test]
fn a_subdirectory_is_reported_from_the_repository_root() {
    let mut o = Origin::new("ev_path", 1);
    o.git(&["checkout", "-q", "main"]);
    let before = o.sha("main");
    o.secret("src/app.env", "a key under src");
    let after = o.sha("HEAD");
    o.push(&["origin", "main"]);
    let ws = o.checkout(&after, Checkout::Branch("main"));
    let payload = json!({"ref": "refs/heads/main", "before": before, "after": after});
    let (r, run) = act(&ws, "push", payload, &[("INPUT_PATH", "src")]);
    // Annotations, the event's SARIF and the upload all name src/app.env.
    expect(
        &r,
        &run,
        &["src/app.env"],
        &["src/app.env"],
        "ferret/tree/src",
    );
    assert!(run.summary.contains("src/app.env"), "{}", run.summary);
}
