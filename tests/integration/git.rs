//! Git sources on real repositories built with the git CLI in temp dirs: the history audit,
//! commit ranges, the staged index, and the odd repositories (bare, worktree, shallow,
//! submodules, missing objects).
use crate::util::*;
use serde_json::Value;

/// An Attio-shaped token built at run time.
pub fn token(s: &mut Secrets) -> String {
    s.token(&Secrets::join(&["s", "k_"]), 40)
}

fn findings(v: &Value) -> &Vec<Value> {
    v["findings"].as_array().expect("findings")
}

/// The finding whose secret is `secret` (reports run with --show-secrets).
fn finding_for<'a>(v: &'a Value, secret: &str) -> Vec<&'a Value> {
    findings(v)
        .iter()
        .filter(|f| f["secret"] == secret)
        .collect()
}

/// A history with three secrets: one added then deleted, one only on a side branch, one
/// that sits unchanged while thirty other commits happen. Returns the secrets and the
/// commits that introduced them.
struct ThreeSecrets {
    repo: TestRepo,
    deleted: (String, String),
    side: (String, String),
    steady: (String, String),
}

fn three_secrets(seed: &str) -> ThreeSecrets {
    let mut s = Secrets::new(seed);
    let repo = TestRepo::new();
    repo.commit_file("README.md", "# demo\n", "first");
    let deleted = token(&mut s);
    let c_deleted = repo.commit_file(".env", format!("ATTIO_KEY={deleted}\n"), "add env");
    repo.git(&["rm", "-q", ".env"]);
    repo.git(&["commit", "-q", "-m", "remove env"]);
    let steady = token(&mut s);
    let c_steady = repo.commit_file(
        "config/app.yml",
        format!("name: demo\ntoken: {steady}\n"),
        "add config",
    );
    repo.git(&["checkout", "-q", "-b", "side"]);
    let side = token(&mut s);
    let c_side = repo.commit_file("side.txt", format!("key = \"{side}\"\n"), "side work");
    repo.git(&["checkout", "-q", "main"]);
    for i in 0..30 {
        repo.commit_file("notes.txt", format!("note {i}\n"), &format!("note {i}"));
    }
    ThreeSecrets {
        repo,
        deleted: (deleted, c_deleted),
        side: (side, c_side),
        steady: (steady, c_steady),
    }
}

#[test]
fn history_finds_deleted_side_branch_and_long_lived_secrets_once_each() {
    let t = three_secrets("history_three");
    let (code, v, err) = t.repo.json(&["git", "--show-secrets"]);
    assert_eq!(code, 1, "{v}\n{err}");
    assert_eq!(findings(&v).len(), 3, "{v}");
    for ((secret, commit), path) in [
        (&t.deleted, ".env"),
        (&t.side, "side.txt"),
        (&t.steady, "config/app.yml"),
    ] {
        let hits = finding_for(&v, secret);
        assert_eq!(hits.len(), 1, "{secret} in {v}");
        let f = hits[0];
        assert_eq!(f["path"], path);
        assert_eq!(f["commit"], commit.as_str(), "{f}");
        assert_eq!(f["author"], "Ada Tester");
        assert_eq!(f["email"], "ada@example.test");
        assert!(f["date"].as_str().unwrap().starts_with("2023-11-"), "{f}");
        assert!(f["date"].as_str().unwrap().ends_with("+00:00"), "{f}");
    }
    let msg = |s: &str| finding_for(&v, s)[0]["message"].clone();
    assert_eq!(msg(&t.deleted.0), "add env");
    assert_eq!(msg(&t.side.0), "side work");
    assert_eq!(msg(&t.steady.0), "add config");
    // 35 commits, and the steady blob was read once, not 30 times.
    assert!(v["stats"]["files"].as_u64().unwrap() < 40, "{}", v["stats"]);
    // Redacted unless asked.
    let (_, out, _) = t.repo.ferret_in(t.repo.path(), &["git"]);
    assert!(!out.contains(&t.steady.0), "{out}");
    assert!(out.contains("add config"), "{out}");
}

#[test]
fn a_secret_kept_while_its_file_changes_is_reported_at_the_commit_that_added_it() {
    let mut s = Secrets::new("kept_while_edited");
    let repo = TestRepo::new();
    let key = token(&mut s);
    let mut text = format!("key: {key}\n");
    let added = repo.commit_file("settings.ini", &text, "add key");
    for i in 0..10 {
        text = format!("# edit {i}\n{text}");
        repo.commit_file("settings.ini", &text, &format!("edit {i}"));
    }
    let (code, v, _) = repo.json(&["git"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&v).len(), 1, "{v}");
    assert_eq!(findings(&v)[0]["commit"], added.as_str());
    assert_eq!(findings(&v)[0]["line"], 1);
}

/// Blobs are scanned while the walk goes on: here the first commit alone is large enough to
/// be handed out before the second is walked, so the copy of the key the second commit
/// makes is found after its blob was scanned, and must still be reported there.
#[test]
fn a_blob_scanned_before_the_walk_reaches_its_copy_is_reported_at_the_copy() {
    let mut s = Secrets::new("copied_after_scan");
    let repo = TestRepo::new();
    for i in 0..1100 {
        repo.write(&format!("filler/f{i:04}.txt"), format!("line {i}\n"));
    }
    let key = token(&mut s);
    let text = format!("name: demo\ntoken: {key}\n");
    let first = repo.commit_file("a/config.yml", &text, "add config");
    let copied = repo.commit_file("b/config.yml", &text, "copy config");
    repo.commit_file("notes.txt", "later\n", "later");
    for threads in ["1", "2"] {
        let (code, v, err) = repo.json(&["git", "--show-secrets", "--threads", threads]);
        assert_eq!(code, 1, "{v}\n{err}");
        let mut hits: Vec<(String, String)> = finding_for(&v, &key)
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["commit"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        hits.sort();
        assert_eq!(
            hits,
            [
                ("a/config.yml".to_string(), first.clone()),
                ("b/config.yml".to_string(), copied.clone())
            ],
            "{v}"
        );
        // Each distinct blob was read once.
        assert_eq!(v["stats"]["files"], 1102, "{}", v["stats"]);
    }
}

#[test]
fn branch_limits_the_audit_to_one_ref() {
    let t = three_secrets("branch_limits");
    let (code, v, _) = t.repo.json(&["git", "--branch", "main", "--show-secrets"]);
    assert_eq!(code, 1);
    assert!(finding_for(&v, &t.side.0).is_empty(), "{v}");
    assert_eq!(findings(&v).len(), 2, "{v}");
    let (code, _, err) = t
        .repo
        .ferret_in(t.repo.path(), &["git", "--branch", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn tags_and_remote_tracking_refs_are_audited() {
    let mut s = Secrets::new("tags_and_remotes");
    let repo = TestRepo::new();
    repo.commit_file("a.txt", "a\n", "a");
    let tagged = token(&mut s);
    let c_tag = repo.commit_file("t.txt", format!("{tagged}\n"), "tagged");
    repo.git(&["tag", "v1"]);
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let remote = token(&mut s);
    let c_remote = repo.commit_file("r.txt", format!("{remote}\n"), "remote only");
    repo.git(&["update-ref", "refs/remotes/origin/gone", "HEAD"]);
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let (code, v, _) = repo.json(&["git", "--show-secrets"]);
    assert_eq!(code, 1);
    assert_eq!(finding_for(&v, &tagged)[0]["commit"], c_tag.as_str());
    assert_eq!(finding_for(&v, &remote)[0]["commit"], c_remote.as_str());
}

#[test]
fn clean_history_exits_zero_and_says_what_it_scanned() {
    let repo = TestRepo::new();
    repo.commit_file("a.txt", "hello\n", "one");
    repo.commit_file("a.txt", "hello again\n", "two");
    let (code, out, err) = repo.ferret_in(repo.path(), &["git"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 commits, 2 blobs"), "{out}");
    // Not a terminal: no progress bar drawn.
    assert!(err.is_empty(), "{err}");
}

#[test]
fn not_a_repository_is_exit_two() {
    let t = Tree::new();
    let (code, _, err) = run_in(t.path(), &["git"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a git repository"), "{err}");
}

/// main: an old secret, then the feature branch forks; main goes on with another secret;
/// feature adds its own secret, edits the file with the old secret elsewhere, and merges
/// main in.
struct Pr {
    repo: TestRepo,
    old: String,
    main_later: String,
    feature: String,
    c_feature: String,
}

fn pull_request(seed: &str) -> Pr {
    let mut s = Secrets::new(seed);
    let repo = TestRepo::new();
    let old = token(&mut s);
    repo.commit_file("app.cfg", format!("a = 1\nkey = {old}\nb = 2\n"), "base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let feature = token(&mut s);
    let c_feature = repo.commit_file("new.txt", format!("token {feature}\n"), "feature key");
    repo.commit_file(
        "app.cfg",
        format!("a = 1\nkey = {old}\nb = 3\n"),
        "touch the old file",
    );
    repo.git(&["checkout", "-q", "main"]);
    let main_later = token(&mut s);
    repo.commit_file("main.txt", format!("{main_later}\n"), "main key");
    repo.git(&["checkout", "-q", "feature"]);
    repo.git(&["merge", "-q", "--no-edit", "main"]);
    Pr {
        repo,
        old,
        main_later,
        feature,
        c_feature,
    }
}

#[test]
fn range_reports_only_what_the_range_adds() {
    let pr = pull_request("range_only");
    let (code, v, err) = pr
        .repo
        .json(&["git", "--range", "main..feature", "--show-secrets"]);
    assert_eq!(code, 1, "{v}{err}");
    assert_eq!(findings(&v).len(), 1, "{v}");
    let f = &findings(&v)[0];
    assert_eq!(f["secret"], pr.feature.as_str());
    assert_eq!(f["commit"], pr.c_feature.as_str());
    assert_eq!(f["message"], "feature key");
    assert!(v["stats"]["files"].as_u64().unwrap() >= 2, "{}", v["stats"]);
    assert!(finding_for(&v, &pr.old).is_empty());
    assert!(finding_for(&v, &pr.main_later).is_empty());
    // BASE.. means BASE..HEAD (feature is checked out).
    let (code, v2, _) = pr
        .repo
        .json(&["git", "--range", "main..", "--show-secrets"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&v2).len(), 1);
    // Nothing new: clean.
    let (code, _, _) = pr.repo.json(&["git", "--range", "feature..main"]);
    assert_eq!(code, 0);
    // --whole-files: the old secret is in a file the range touched.
    let (_, v3, _) = pr.repo.json(&[
        "git",
        "--range",
        "main..feature",
        "--whole-files",
        "--show-secrets",
    ]);
    assert_eq!(finding_for(&v3, &pr.old).len(), 1, "{v3}");
}

#[test]
fn a_secret_written_by_a_merge_itself_is_in_the_range() {
    let mut s = Secrets::new("evil_merge");
    let repo = TestRepo::new();
    repo.commit_file("a.txt", "a\n", "base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.commit_file("b.txt", "b\n", "topic");
    repo.git(&["checkout", "-q", "main"]);
    repo.commit_file("c.txt", "c\n", "main");
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&["merge", "-q", "--no-commit", "topic"]);
    let key = token(&mut s);
    repo.write("c.txt", format!("c\n{key}\n"));
    repo.git(&["add", "c.txt"]);
    repo.git(&["commit", "-q", "-m", "merge topic"]);
    let merge = repo.git(&["rev-parse", "HEAD"]);
    let range = format!("{base}..HEAD");
    let (code, v, _) = repo.json(&["git", "--range", &range]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(findings(&v).len(), 1);
    assert_eq!(findings(&v)[0]["commit"], merge.as_str());
    assert_eq!(findings(&v)[0]["line"], 2);
}

#[test]
fn zero_base_scans_the_commits_no_other_ref_has() {
    let pr = pull_request("zero_base");
    let zero = "0".repeat(40);
    let range = format!("{zero}..HEAD");
    let (code, v, err) = pr.repo.json(&["git", "--range", &range, "--show-secrets"]);
    assert_eq!(code, 1, "{v}{err}");
    assert_eq!(findings(&v).len(), 1, "{v}");
    assert_eq!(findings(&v)[0]["secret"], pr.feature.as_str());
}

#[test]
fn bad_ranges_are_clear_errors() {
    let pr = pull_request("bad_ranges");
    for (spec, needle) in [
        ("main...feature", "two dots"),
        ("main", "BASE..HEAD"),
        ("nosuch..HEAD", "nosuch"),
    ] {
        let (code, _, err) = pr.repo.ferret_in(pr.repo.path(), &["git", "--range", spec]);
        assert_eq!(code, 2, "{spec}: {err}");
        assert!(err.contains(needle), "{spec}: {err}");
    }
}

#[test]
fn shallow_clone_range_works_with_its_base_and_names_a_missing_one() {
    let mut s = Secrets::new("shallow_range");
    let origin = TestRepo::new();
    for i in 0..5 {
        origin.commit_file("log.txt", format!("entry {i}\n"), &format!("c{i}"));
    }
    let old_base = origin.git(&["rev-parse", "HEAD~3"]);
    let base = origin.git(&["rev-parse", "HEAD"]);
    let key = token(&mut s);
    let c_key = origin.commit_file("k.txt", format!("{key}\n"), "add key");
    let url = format!("file://{}", origin.path().display());
    let clone = TestRepo::empty();
    clone.git(&["clone", "-q", "--depth", "2", &url, "c"]);
    let dir = clone.path().join("c");
    // The base (HEAD~1) is in the clone.
    let range = format!("{base}..HEAD");
    let (code, v, err) = clone.json_in(&dir, &["git", "--range", &range]);
    assert_eq!(code, 1, "{v}{err}");
    assert_eq!(findings(&v).len(), 1);
    assert_eq!(findings(&v)[0]["commit"], c_key.as_str());
    // An older base is not: exit 2, naming it.
    let range = format!("{old_base}..HEAD");
    let (code, out, err) = clone.ferret_in(&dir, &["git", "--range", &range]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains(&old_base), "{err}");
    assert!(err.contains("shallow"), "{err}");
    // A history audit of the shallow clone scans what is there and says so.
    let (code, v, err) = clone.json_in(&dir, &["git"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(findings(&v).len(), 1);
    assert!(err.contains("shallow"), "{err}");
}

/// A repository with a committed secret in app.cfg, then staged changes: a new secret
/// added to app.cfg and a new file with another; then the work tree is changed again
/// without staging.
struct Staged {
    repo: TestRepo,
    committed: String,
    staged_line: String,
    staged_file: String,
    unstaged: String,
}

fn staged_repo(seed: &str) -> Staged {
    let mut s = Secrets::new(seed);
    let repo = TestRepo::new();
    let committed = token(&mut s);
    repo.commit_file("app.cfg", format!("a = 1\nold = {committed}\n"), "base");
    let staged_line = token(&mut s);
    repo.write(
        "app.cfg",
        format!("a = 1\nold = {committed}\nnew = {staged_line}\n"),
    );
    let staged_file = token(&mut s);
    repo.write("deploy/.env", format!("X=1\nKEY={staged_file}\n"));
    repo.git(&["add", "app.cfg", "deploy/.env"]);
    // Change the work tree after staging: what is committed is the index.
    let unstaged = token(&mut s);
    repo.write(
        "app.cfg",
        format!("a = 1\nold = {committed}\nlater = {unstaged}\n"),
    );
    repo.write("loose.txt", format!("{unstaged}\n"));
    Staged {
        repo,
        committed,
        staged_line,
        staged_file,
        unstaged,
    }
}

#[test]
fn staged_reports_only_added_lines_from_the_index() {
    let st = staged_repo("staged_only");
    let (code, v, err) = st.repo.json(&["git", "--staged", "--show-secrets"]);
    assert_eq!(code, 1, "{v}{err}");
    let got: Vec<(&str, u64)> = findings(&v)
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(got, [("app.cfg", 3), ("deploy/.env", 2)], "{v}");
    assert_eq!(finding_for(&v, &st.staged_line).len(), 1);
    assert_eq!(finding_for(&v, &st.staged_file).len(), 1);
    assert!(finding_for(&v, &st.committed).is_empty());
    assert!(finding_for(&v, &st.unstaged).is_empty());
    assert!(findings(&v)[0].get("commit").is_none());
    assert_eq!(v["stats"]["files"], 2, "{}", v["stats"]);
    assert!(err.contains("ferret: checked 2 staged files\n"), "{err}");
    // --whole-files also reports the secret already in a staged file.
    let (_, v, _) = st
        .repo
        .json(&["git", "--staged", "--whole-files", "--show-secrets"]);
    assert_eq!(finding_for(&v, &st.committed).len(), 1, "{v}");
    assert_eq!(findings(&v).len(), 3);
}

#[test]
fn staged_reads_a_files_old_version_only_to_place_a_finding() {
    // HEAD's version of a staged file is read and diffed only when the new version has a
    // finding whose line must be judged added or not. With the old blobs deleted from the
    // object store, a change without findings passes cleanly; a change with one says the
    // old version is unreadable, reports every line as added (too much rather than too
    // little) and exits 2.
    let mut s = Secrets::new("old_version_on_demand");
    let repo = TestRepo::new();
    let old_secret = token(&mut s);
    repo.commit_file("notes.txt", "one\n", "notes");
    repo.commit_file("keyed.cfg", format!("old = {old_secret}\n"), "keyed");
    let object = |spec: &str| {
        let id = repo.git(&["rev-parse", spec]);
        repo.path()
            .join(".git/objects")
            .join(&id[..2])
            .join(&id[2..])
    };
    let (notes_old, keyed_old) = (object("HEAD:notes.txt"), object("HEAD:keyed.cfg"));

    repo.write("notes.txt", "one\ntwo\n");
    repo.git(&["add", "notes.txt"]);
    std::fs::remove_file(&notes_old).unwrap();
    let (code, out, err) = repo.ferret_in(repo.path(), &["git", "--staged"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("checked 1 staged file\n"), "{err}");
    assert!(!err.contains("previous version"), "{err}");

    let new_secret = token(&mut s);
    repo.write(
        "keyed.cfg",
        format!("old = {old_secret}\nnew = {new_secret}\n"),
    );
    repo.git(&["add", "keyed.cfg"]);
    std::fs::remove_file(&keyed_old).unwrap();
    let (code, v, err) = repo.json(&["git", "--staged", "--show-secrets"]);
    assert_eq!(code, 2, "{v}{err}");
    assert!(
        err.contains("keyed.cfg: cannot read the previous version"),
        "{err}"
    );
    assert_eq!(finding_for(&v, &new_secret).len(), 1, "{v}");
    assert_eq!(finding_for(&v, &old_secret).len(), 1, "{v}");
}

#[test]
fn staged_with_nothing_staged_says_it_checked_nothing() {
    let repo = TestRepo::new();
    repo.commit_file("a.txt", "a\n", "one");
    let (code, out, err) = repo.ferret_in(repo.path(), &["git", "--staged"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("checked 0 staged files\n"), "{err}");
    let (_, _, err) = repo.ferret_in(repo.path(), &["git", "--staged", "--quiet"]);
    assert!(err.is_empty(), "{err}");
}

#[test]
fn staged_works_before_the_first_commit_and_from_a_subdirectory() {
    let mut s = Secrets::new("staged_first");
    let repo = TestRepo::new();
    let key = token(&mut s);
    repo.write("src/lib/conf.py", format!("KEY = '{key}'\n"));
    repo.git(&["add", "."]);
    let (code, v, err) = repo.json_in(&repo.path().join("src"), &["git", "--staged"]);
    assert_eq!(code, 1, "{v}{err}");
    assert_eq!(findings(&v)[0]["path"], "src/lib/conf.py");
}

#[test]
fn a_renamed_file_adds_only_what_changed() {
    let mut s = Secrets::new("staged_rename");
    let repo = TestRepo::new();
    let key = token(&mut s);
    let body: String = (0..20).map(|i| format!("line {i}\n")).collect();
    repo.commit_file("old.cfg", format!("{body}key = {key}\n"), "base");
    repo.git(&["mv", "old.cfg", "new.cfg"]);
    let (code, v, err) = repo.json(&["git", "--staged"]);
    assert_eq!(code, 0, "{v}{err}");
}

#[test]
fn an_unreadable_index_is_exit_two_never_a_pass() {
    let mut s = Secrets::new("bad_index");
    let repo = TestRepo::new();
    repo.commit_file("a.txt", "a\n", "one");
    repo.write("b.txt", format!("{}\n", token(&mut s)));
    repo.git(&["add", "b.txt"]);
    std::fs::write(repo.path().join(".git/index"), b"DIRC garbage").unwrap();
    let (code, out, err) = repo.ferret_in(repo.path(), &["git", "--staged"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("index"), "{err}");
}

#[test]
fn staged_honours_the_temporary_index_git_gives_hooks() {
    let mut s = Secrets::new("git_index_file");
    let repo = TestRepo::new();
    repo.commit_file("a.txt", "a\n", "one");
    let key = token(&mut s);
    repo.write("a.txt", format!("a\n{key}\n"));
    // What `git commit -a` does: stage into another index file and point the hook at it.
    let tmp_index = repo.path().join(".git/other-index");
    std::fs::copy(repo.path().join(".git/index"), &tmp_index).unwrap();
    let status = repo
        .command_in(repo.path(), "git")
        .env("GIT_INDEX_FILE", &tmp_index)
        .args(["add", "a.txt"])
        .status()
        .unwrap();
    assert!(status.success());
    let (code, _, _) = repo.ferret_in(repo.path(), &["git", "--staged"]);
    assert_eq!(code, 0, "the real index has nothing staged");
    let out = ferret()
        .current_dir(repo.path())
        .env("GIT_INDEX_FILE", &tmp_index)
        .args(["git", "--staged"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn bare_repository_history_is_audited_and_staged_is_refused() {
    let t = three_secrets("bare_repo");
    let bare = TestRepo::empty();
    let src = t.repo.path().display().to_string();
    bare.git(&["clone", "-q", "--bare", "--no-local", &src, "b.git"]);
    let dir = bare.path().join("b.git");
    let (code, v, err) = bare.json_in(&dir, &["git", "--show-secrets"]);
    assert_eq!(code, 1, "{err}");
    // A bare clone has the branches (side included) as local branches.
    assert_eq!(findings(&v).len(), 3, "{v}");
    assert_eq!(
        finding_for(&v, &t.steady.0)[0]["commit"],
        t.steady.1.as_str()
    );
    let (code, _, err) = bare.ferret_in(&dir, &["git", "--staged"]);
    assert_eq!(code, 2);
    assert!(err.contains("bare"), "{err}");
}

#[test]
fn linked_worktrees_are_scanned_like_their_repository() {
    let st = staged_repo("worktree");
    let repo = &st.repo;
    repo.git(&["stash", "-q", "--include-untracked"]);
    let wt = repo.home.path().join("wt");
    repo.git(&["worktree", "add", "-q", "-b", "wt", wt.to_str().unwrap()]);
    let mut s = Secrets::new("worktree-2");
    let key = token(&mut s);
    std::fs::write(wt.join("w.txt"), format!("{key}\n")).unwrap();
    repo.git_in(&wt, &["add", "w.txt"]);
    let (code, v, err) = repo.json_in(&wt, &["git", "--staged"]);
    assert_eq!(code, 1, "{v}{err}");
    assert_eq!(findings(&v)[0]["path"], "w.txt");
    repo.git_in(&wt, &["commit", "-q", "-m", "wt key"]);
    let (code, v, err) = repo.json_in(&wt, &["git", "--show-secrets"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(finding_for(&v, &key).len(), 1, "{v}");
    assert_eq!(finding_for(&v, &st.committed).len(), 1, "{v}");
}

#[test]
fn submodules_are_noted_not_entered() {
    let repo = TestRepo::new();
    let c = repo.commit_file("a.txt", "a\n", "one");
    let info = format!("160000,{c},vendor/lib");
    repo.git(&["update-index", "--add", "--cacheinfo", &info]);
    repo.git(&["commit", "-q", "-m", "add submodule"]);
    let (code, out, err) = repo.ferret_in(repo.path(), &["git"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("submodule"), "{err}");
    assert!(err.contains("vendor/lib"), "{err}");
}

#[test]
fn a_missing_object_is_reported_and_the_scan_goes_on() {
    let mut s = Secrets::new("missing_object");
    let repo = TestRepo::new();
    let key = token(&mut s);
    repo.commit_file("keep.txt", format!("{key}\n"), "keep");
    repo.commit_file("lost.txt", "this blob goes missing\n", "lost");
    let blob = repo.git(&["rev-parse", "HEAD:lost.txt"]);
    let obj = repo
        .path()
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    std::fs::remove_file(obj).unwrap();
    let (code, v, err) = repo.json(&["git"]);
    assert_eq!(code, 2, "{v}{err}");
    assert_eq!(findings(&v).len(), 1, "the rest is still scanned: {v}");
    assert!(err.contains(&blob), "{err}");
    assert!(err.contains("lost.txt"), "{err}");
}

#[test]
fn rules_that_flag_a_file_by_name_fire_when_the_file_is_new() {
    let repo = TestRepo::new();
    repo.commit_file("README.md", "hi\n", "first");
    repo.write(
        ".ferret.toml",
        "[[rules]]\nid = \"zz-keystore\"\ndescription = \"a key store\"\npath = '(?i)\\.zzk$'\n",
    );
    repo.write("certs/a.zzk", b"\x00\x01binary key store\x00");
    repo.git(&["add", "certs/a.zzk"]);
    let (code, v, err) = repo.json(&["git", "--staged"]);
    assert_eq!(code, 1, "{v}{err}");
    assert_eq!(findings(&v)[0]["rule_id"], "zz-keystore");
    assert_eq!(findings(&v)[0]["path"], "certs/a.zzk");
    let added = {
        repo.git(&["commit", "-q", "-m", "key store"]);
        repo.git(&["rev-parse", "HEAD"])
    };
    // Changing a file that was already there adds no new key store.
    repo.write("certs/a.zzk", b"\x00\x02binary key store, rotated\x00");
    repo.git(&["add", "certs/a.zzk"]);
    let (code, v, _) = repo.json(&["git", "--staged"]);
    assert_eq!(code, 0, "{v}");
    let (code, _, _) = repo.json(&["git", "--staged", "--whole-files"]);
    assert_eq!(code, 1);
    repo.git(&["commit", "-q", "-m", "rotate"]);
    // History: reported once, at the commit that added it; the range sees the same.
    let (code, v, _) = repo.json(&["git"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&v).len(), 1, "{v}");
    assert_eq!(findings(&v)[0]["commit"], added.as_str());
    // A range is judged by its base's config (which has none here): the user names it.
    let (_, v, _) = repo.json(&["git", "--range", "HEAD~2..HEAD", "--config", ".ferret.toml"]);
    assert_eq!(findings(&v).len(), 1, "{v}");
    assert_eq!(findings(&v)[0]["commit"], added.as_str());
}

#[test]
fn allowlisted_commits_are_not_reported_by_history_or_range() {
    let mut s = Secrets::new("commit_allowlist");
    let repo = TestRepo::new();
    repo.commit_file("README.md", "hi\n", "first");
    let old = token(&mut s);
    let reviewed = repo.commit_file("fixture.txt", format!("{old}\n"), "reviewed fixture");
    let new = token(&mut s);
    repo.commit_file("app.env", format!("KEY={new}\n"), "real leak");
    repo.write(
        ".ferret.toml",
        format!("[allowlist]\ncommits = [\"{reviewed}\"]\n"),
    );
    for args in [
        &["git", "--show-secrets"][..],
        &[
            "git",
            "--range",
            "HEAD~2..HEAD",
            "--show-secrets",
            "--config",
            ".ferret.toml",
        ],
    ] {
        let (code, v, err) = repo.json(args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert_eq!(findings(&v).len(), 1, "{args:?}: {v}");
        assert_eq!(findings(&v)[0]["secret"], new.as_str());
    }
}

/// Runs ferret with stderr on a pseudo-terminal (Python's pty module) and returns what it
/// drew there.
fn stderr_on_a_terminal(repo: &TestRepo, args: &[&str], ci: bool) -> String {
    const RUN: &str = r#"
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=s, stdin=subprocess.DEVNULL)
os.close(s)
out = b""
while True:
    try:
        chunk = os.read(m, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
p.wait()
sys.stdout.write(out.decode("utf-8", "replace"))
"#;
    let mut c = repo.command_in(repo.path(), "python3");
    c.arg("-c")
        .arg(RUN)
        .arg(assert_cmd::cargo::cargo_bin("ferret"))
        .args(args)
        .env("NO_COLOR", "1");
    if ci {
        c.env("CI", "true");
    } else {
        c.env_remove("CI");
    }
    let out = c.output().expect("python3 runs the pty helper");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn history_progress_is_drawn_on_a_terminal_only_outside_ci_and_without_quiet() {
    let repo = TestRepo::new();
    for i in 0..20 {
        repo.commit_file(&format!("f{i}.txt"), format!("{i}\n"), &format!("c{i}"));
    }
    let drawn = stderr_on_a_terminal(&repo, &["git"], false);
    assert!(
        drawn.contains("walking history") || drawn.contains("scanning blobs"),
        "{drawn:?}"
    );
    for (args, ci) in [(&["git"][..], true), (&["git", "--quiet"][..], false)] {
        let drawn = stderr_on_a_terminal(&repo, args, ci);
        assert!(
            !drawn.contains("walking history") && !drawn.contains("scanning blobs"),
            "{args:?} CI={ci}: {drawn:?}"
        );
    }
}
