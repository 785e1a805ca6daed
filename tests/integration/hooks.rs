//! The pre-commit hook, run by git itself: installed by ferret, by the pre-commit
//! framework, and by husky. Every test commits for real and checks what got committed.
use crate::git::token;
use crate::util::*;
use std::path::{Path, PathBuf};
use std::process::Output;

/// PATH with the built ferret first.
pub(crate) fn path_with_ferret() -> String {
    let old = std::env::var("PATH").unwrap_or_default();
    format!("{}:{old}", ferret_dir().display())
}

/// PATH with git (and sh) but without ferret.
fn path_without_ferret() -> String {
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|d| !Path::new(d).join("ferret").exists())
        .collect::<Vec<_>>()
        .join(":")
}

/// `git commit -m msg` with `path` as PATH; returns git's output.
pub(crate) fn commit(repo: &TestRepo, msg: &str, path: &str) -> Output {
    repo.command_in(repo.path(), "git")
        .env("PATH", path)
        .args(["commit", "-q", "-m", msg])
        .output()
        .expect("run git commit")
}

pub(crate) fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn commit_count(repo: &TestRepo) -> usize {
    repo.git(&["rev-list", "--count", "HEAD"]).parse().unwrap()
}

pub(crate) fn install(repo: &TestRepo, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["install-hook"];
    args.extend_from_slice(extra);
    repo.ferret_in(repo.path(), &args)
}

/// Stages a file holding a fresh secret.
pub(crate) fn stage_secret(repo: &TestRepo, seed: &str, rel: &str) -> String {
    let mut s = Secrets::new(seed);
    let key = token(&mut s);
    repo.write(rel, format!("API_KEY={key}\n"));
    repo.git(&["add", rel]);
    key
}

#[test]
fn installed_hook_blocks_a_secret_and_lets_a_clean_commit_through() {
    let repo = TestRepo::new();
    repo.commit_file("README.md", "hi\n", "first");
    let (code, out, err) = install(&repo, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("installed"), "{out}");
    let hook = repo.path().join(".git/hooks/pre-commit");
    assert!(std::fs::read_to_string(&hook)
        .unwrap()
        .contains("exec ferret hook pre-commit"));

    let key = stage_secret(&repo, "hook_blocks", "config/.env");
    let o = commit(&repo, "add key", &path_with_ferret());
    let said = text(&o);
    assert!(!o.status.success(), "{said}");
    assert_eq!(commit_count(&repo), 1, "nothing was committed");
    assert!(said.contains("attio-api-token"), "{said}");
    assert!(said.contains("config/.env"), "{said}");
    assert!(said.contains("ferret: commit blocked"), "{said}");
    assert!(said.contains("ferret:allow"), "{said}");
    assert!(said.contains("git commit --no-verify"), "{said}");
    // The report shows the fingerprint the advice tells people to put in .ferretignore.
    let fp = fingerprint_in(&said);
    assert!(
        said.contains("add its fingerprint (shown above) to .ferretignore"),
        "{said}"
    );
    repo.write(".ferretignore", format!("{fp}\n"));
    repo.git(&["add", ".ferretignore"]);
    let o = commit(&repo, "key, ignored", &path_with_ferret());
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(commit_count(&repo), 2);
    repo.git(&["rm", "-q", ".ferretignore"]);
    let o = commit(&repo, "drop the ignore file", &path_with_ferret());
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        !said.contains(&key),
        "the hook printed the whole secret: {said}"
    );

    // Marked as reviewed: the commit goes through.
    repo.write("config/.env", format!("API_KEY={key} # ferret:allow\n"));
    repo.git(&["add", "config/.env"]);
    let o = commit(&repo, "allowed key", &path_with_ferret());
    assert!(o.status.success(), "{}", text(&o));

    repo.write("src/main.rs", "fn main() {}\n");
    repo.git(&["add", "src/main.rs"]);
    let o = commit(&repo, "clean", &path_with_ferret());
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(commit_count(&repo), 5);
}

/// The fingerprint the human report prints under a finding (`confidence … · fingerprint F`).
pub(crate) fn fingerprint_in(said: &str) -> String {
    said.lines()
        .find_map(|l| l.split_once("fingerprint ").map(|(_, f)| f))
        .unwrap_or_else(|| panic!("no fingerprint line in: {said}"))
        .trim()
        .to_string()
}

#[test]
fn hook_checks_what_commit_a_stages() {
    let repo = TestRepo::new();
    repo.commit_file("app.cfg", "a = 1\n", "first");
    install(&repo, &[]);
    let mut s = Secrets::new("commit_a");
    repo.write("app.cfg", format!("a = 1\nkey = {}\n", token(&mut s)));
    // Nothing staged: `git commit -a` stages into a temporary index for the hook.
    let o = repo
        .command_in(repo.path(), "git")
        .env("PATH", path_with_ferret())
        .args(["commit", "-q", "-a", "-m", "sneaky"])
        .output()
        .unwrap();
    assert!(!o.status.success(), "{}", text(&o));
    assert_eq!(commit_count(&repo), 1);
}

#[test]
fn hook_without_ferret_on_path_fails_clearly() {
    let repo = TestRepo::new();
    repo.commit_file("README.md", "hi\n", "first");
    install(&repo, &[]);
    repo.write("b.txt", "b\n");
    repo.git(&["add", "b.txt"]);
    let o = commit(&repo, "b", &path_without_ferret());
    let said = text(&o);
    assert!(!o.status.success(), "{said}");
    assert!(said.contains("'ferret' is not on PATH"), "{said}");
    assert!(said.contains("--no-verify"), "{said}");
    assert_eq!(commit_count(&repo), 1);
}

fn write_old_hook(repo: &TestRepo, dir: &Path) -> PathBuf {
    let hook = dir.join("pre-commit");
    std::fs::create_dir_all(dir).unwrap();
    let marker = repo.path().join("old-hook-ran");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\n# the team's own hook\necho ran >> '{}'\n",
            marker.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    marker
}

#[test]
fn an_existing_hook_is_refused_chained_or_replaced_and_restored() {
    let repo = TestRepo::new();
    repo.commit_file("README.md", "hi\n", "first");
    let hooks = repo.path().join(".git/hooks");
    let marker = write_old_hook(&repo, &hooks);
    let original = std::fs::read_to_string(hooks.join("pre-commit")).unwrap();

    let (code, _, err) = install(&repo, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--chain") && err.contains("--force"), "{err}");
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        original
    );

    // --chain: the old hook runs first, then ferret.
    let (code, out, err) = install(&repo, &["--chain"]);
    assert_eq!(code, 0, "{out}{err}");
    stage_secret(&repo, "chained", "k.txt");
    let o = commit(&repo, "key", &path_with_ferret());
    assert!(!o.status.success(), "{}", text(&o));
    assert!(marker.exists(), "the chained hook did not run");
    std::fs::remove_file(&marker).unwrap();
    repo.git(&["rm", "-q", "--cached", "k.txt"]);
    repo.write("ok.txt", "fine\n");
    repo.git(&["add", "ok.txt"]);
    let o = commit(&repo, "ok", &path_with_ferret());
    assert!(o.status.success(), "{}", text(&o));
    assert!(marker.exists(), "the chained hook did not run");

    // Installing again keeps the chain (no second backup, no error).
    let (code, out, _) = install(&repo, &["--chain"]);
    assert_eq!(code, 0);
    assert!(out.contains("updated"), "{out}");

    // Uninstall puts the team's hook back as it was.
    let (code, out, err) = repo.ferret_in(repo.path(), &["uninstall-hook"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        original
    );
    assert!(!hooks.join("pre-commit.ferret-chained").exists());

    // --force replaces it; the old one does not run; uninstall restores it.
    let (code, _, _) = install(&repo, &["--force"]);
    assert_eq!(code, 0);
    std::fs::remove_file(&marker).unwrap();
    repo.write("ok2.txt", "fine\n");
    repo.git(&["add", "ok2.txt"]);
    let o = commit(&repo, "ok2", &path_with_ferret());
    assert!(o.status.success(), "{}", text(&o));
    assert!(!marker.exists(), "a replaced hook ran");
    repo.ferret_in(repo.path(), &["uninstall-hook"]);
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        original
    );

    // A hook that is not ferret's is never removed.
    let (code, _, err) = repo.ferret_in(repo.path(), &["uninstall-hook"]);
    assert_eq!(code, 2);
    assert!(err.contains("not ferret's hook"), "{err}");
    assert!(hooks.join("pre-commit").exists());
}

#[test]
fn install_respects_core_hooks_path() {
    let repo = TestRepo::new();
    repo.commit_file("README.md", "hi\n", "first");
    repo.git(&["config", "core.hooksPath", "tools/hooks"]);
    let (code, out, err) = install(&repo, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(repo.path().join("tools/hooks/pre-commit").is_file());
    assert!(!repo.path().join(".git/hooks/pre-commit").exists());
    stage_secret(&repo, "hooks_path", "k.txt");
    let o = commit(&repo, "key", &path_with_ferret());
    assert!(!o.status.success(), "{}", text(&o));
}

/// `git push ARGS` with ferret on PATH.
fn push(repo: &TestRepo, args: &[&str]) -> Output {
    repo.command_in(repo.path(), "git")
        .env("PATH", path_with_ferret())
        .args(["push", "-q"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_pre_push_hook_scans_the_commits_being_pushed() {
    let repo = TestRepo::new();
    repo.commit_file("README.md", "hi\n", "first");
    let mut s = Secrets::new("pre_push_hook");
    // An old secret, already on the remote before the hook was installed.
    repo.commit_file("old.env", format!("API_KEY={}\n", token(&mut s)), "old");
    let remote = TestRepo::empty();
    remote.git(&["init", "-q", "--bare", "."]);
    let url = format!("file://{}", remote.path().display());
    repo.git(&["remote", "add", "origin", &url]);
    repo.git(&["push", "-q", "origin", "main"]);

    // An existing pre-push hook is chained: it runs first and reads the same refs.
    let hooks = repo.path().join(".git/hooks");
    let seen = repo.path().join("chained-saw");
    std::fs::write(
        hooks.join("pre-push"),
        format!("#!/bin/sh\ncat > '{}'\n", seen.display()),
    )
    .unwrap();
    make_executable(&hooks.join("pre-push"));
    let (code, out, err) = install(&repo, &["--pre-push", "--chain"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("pre-push hook"), "{out}");

    // A new branch's first push sends only its own commit, not main's old secret.
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let clean = repo.commit_file("src/app.py", "print('hi')\n", "clean work");
    let o = push(&repo, &["origin", "feature"]);
    assert!(o.status.success(), "{}", text(&o));
    let refs = std::fs::read_to_string(&seen).unwrap();
    assert!(
        refs.starts_with(&format!("refs/heads/feature {clean} refs/heads/feature ")),
        "the chained hook saw: {refs}"
    );

    // A secret added and removed again before the push still leaves with the commits.
    let key = token(&mut s);
    repo.commit_file("tmp.env", format!("API_KEY={key}\n"), "oops");
    std::fs::remove_file(repo.path().join("tmp.env")).unwrap();
    repo.commit_all("remove it again");
    let o = push(&repo, &["origin", "feature"]);
    let said = text(&o);
    assert!(!o.status.success(), "{said}");
    assert!(
        said.contains("tmp.env") && !said.contains("old.env"),
        "{said}"
    );
    assert!(!said.contains(&key), "{said}");
    assert!(said.contains("ferret: push blocked"), "{said}");
    assert!(
        said.contains(".ferretignore") && said.contains("git push --no-verify"),
        "{said}"
    );

    // A new branch holding that commit is blocked too: no remote-tracking ref has it.
    repo.git(&["checkout", "-q", "-b", "other"]);
    let o = push(&repo, &["origin", "other"]);
    assert!(!o.status.success(), "{}", text(&o));

    // Deleting a remote branch sends no commits.
    let o = push(&repo, &["origin", ":feature"]);
    assert!(o.status.success(), "{}", text(&o));

    let (code, out, _) = repo.ferret_in(repo.path(), &["uninstall-hook", "--pre-push"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push")).unwrap(),
        format!("#!/bin/sh\ncat > '{}'\n", seen.display()),
        "the chained hook is back"
    );
}

fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A `.pre-commit-config.yaml` with the published hook as a local one: the manifest's
/// entry, stages and settings, with the built binary in place of the installed `ferret`.
fn local_hook_config() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest: serde_json::Value = serde_norway::from_str(
        &std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap(),
    )
    .unwrap();
    let hook = manifest
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "ferret")
        .unwrap();
    let entry = hook["entry"].as_str().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("ferret");
    let entry = entry.replacen("ferret", &bin.to_string_lossy(), 1);
    let stages: Vec<&str> = hook["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    format!(
        "default_install_hook_types: [pre-commit, pre-push]\n\
         repos:\n  - repo: local\n    hooks:\n      - id: ferret\n        name: ferret\n        \
         entry: {entry}\n        language: system\n        require_serial: {}\n        \
         stages: [{}]\n",
        hook["require_serial"],
        stages.join(", ")
    )
}

struct PreCommit<'a> {
    repo: &'a TestRepo,
    python: String,
}

impl PreCommit<'_> {
    fn run(&self, args: &[&str]) -> Output {
        self.repo
            .command_in(self.repo.path(), &self.python)
            .env("PRE_COMMIT_HOME", self.repo.home.path().join("pre-commit"))
            .env("PATH", path_without_ferret())
            .args(["-m", "pre_commit"])
            .args(args)
            .output()
            .expect("run pre-commit")
    }
}

/// A repository whose history already holds a secret (committed past the hooks), with the
/// framework installed for pre-commit and pre-push. Returns the repository, the commit
/// before the secret, and the secret.
fn framework_repo(seed: &str) -> (TestRepo, String, String) {
    let repo = TestRepo::new();
    let first = repo.commit_file("README.md", "hi\n", "first");
    let mut s = Secrets::new(seed);
    let key = token(&mut s);
    repo.write("old/settings.env", format!("API_KEY={key}\n"));
    repo.write(".pre-commit-config.yaml", local_hook_config());
    repo.commit_all("old secret, before the hooks");
    let pc = PreCommit {
        repo: &repo,
        python: python(),
    };
    let o = pc.run(&["install"]);
    assert!(o.status.success(), "{}", text(&o));
    (repo, first, key)
}

#[test]
fn the_pre_commit_framework_scans_what_it_hands_ferret() {
    let (repo, first, key) = framework_repo("framework_runs");
    let pc = PreCommit {
        repo: &repo,
        python: python(),
    };
    let blocked = |o: &Output| {
        let said = text(o);
        assert!(!o.status.success(), "{said}");
        assert!(said.contains("attio-api-token"), "{said}");
        assert!(said.contains("old/settings.env"), "{said}");
        assert!(!said.contains(&key), "the whole secret was printed: {said}");
        said
    };
    // --all-files and --files scan the files whole: the committed secret is found.
    let said = blocked(&pc.run(&["run", "--all-files"]));
    assert!(said.contains("the files checked hold the secret"), "{said}");
    blocked(&pc.run(&["run", "--files", "old/settings.env", "README.md"]));
    let o = pc.run(&["run", "--files", "README.md"]);
    assert!(o.status.success(), "{}", text(&o));
    // --from-ref/--to-ref scan the commits in between.
    let said = blocked(&pc.run(&["run", "--from-ref", &first, "--to-ref", "HEAD"]));
    assert!(
        said.contains(&format!("the commits {first}..HEAD add")),
        "{said}"
    );
    let o = pc.run(&["run", "--from-ref", "HEAD", "--to-ref", "HEAD"]);
    assert!(o.status.success(), "{}", text(&o));

    // A commit still checks only what it stages, and only the lines it adds: touching the
    // file with the old secret is not blocked.
    let old = std::fs::read_to_string(repo.path().join("old/settings.env")).unwrap();
    repo.write("old/settings.env", format!("{old}DEBUG=1\n"));
    repo.git(&["add", "old/settings.env"]);
    let o = commit(&repo, "touch the old file", &path_without_ferret());
    let said = text(&o);
    assert!(o.status.success(), "{said}");
    assert!(said.contains("ferret"), "the hook did not run: {said}");
    let before = commit_count(&repo);

    // A plain `pre-commit run` (staged files only) checks the staged lines too.
    let new = stage_secret(&repo, "framework_new", "config/.env");
    let o = pc.run(&["run"]);
    let said = text(&o);
    assert!(!o.status.success(), "{said}");
    assert!(
        said.contains("config/.env") && !said.contains("old/settings.env"),
        "{said}"
    );
    // And the commit is blocked, with the advice.
    let o = commit(&repo, "new key", &path_without_ferret());
    let said = text(&o);
    assert!(!o.status.success(), "{said}");
    assert!(said.contains("ferret: commit blocked"), "{said}");
    assert!(!said.contains(&new), "{said}");
    assert_eq!(commit_count(&repo), before);
}

#[test]
fn the_pre_commit_frameworks_pre_push_stage_scans_the_pushed_commits() {
    let (repo, _, _) = framework_repo("framework_push");
    let remote = TestRepo::empty();
    remote.git(&["init", "-q", "--bare", "."]);
    let url = format!("file://{}", remote.path().display());
    repo.git(&["remote", "add", "origin", &url]);
    let push = |args: &[&str]| {
        repo.command_in(repo.path(), "git")
            .env("PATH", path_without_ferret())
            .args(["push", "-q"])
            .args(args)
            .output()
            .unwrap()
    };
    // The first push sends the old secret's commit: blocked.
    let o = push(&["origin", "main"]);
    let said = text(&o);
    assert!(!o.status.success(), "{said}");
    assert!(said.contains("old/settings.env"), "{said}");
    assert!(said.contains("ferret: push blocked"), "{said}");
    assert!(said.contains("git push --no-verify"), "{said}");
    // Pushed past the hook, the remote has it; a clean commit then pushes.
    let o = push(&["--no-verify", "origin", "main"]);
    assert!(o.status.success(), "{}", text(&o));
    repo.commit_file("notes.txt", "clean\n", "clean");
    let o = push(&["origin", "main"]);
    assert!(o.status.success(), "{}", text(&o));
    // A commit made past the pre-commit hook is caught at the push.
    let mut s = Secrets::new("framework_push_new");
    repo.write("later.env", format!("API_KEY={}\n", token(&mut s)));
    repo.git(&["add", "later.env"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "sneaky"]);
    let o = push(&["origin", "main"]);
    let said = text(&o);
    assert!(!o.status.success(), "{said}");
    assert!(
        said.contains("later.env") && !said.contains("old/settings.env"),
        "{said}"
    );
}

#[test]
fn the_published_pre_commit_manifest_is_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = root.join(".pre-commit-hooks.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    for line in [
        "id: ferret",
        "language: rust",
        "entry: ferret hook pre-commit",
        "stages: [pre-commit, pre-merge-commit, pre-push, manual]",
    ] {
        assert!(text.contains(line), "{line} missing from {text}");
    }
    // Filenames are passed (the default): --all-files and --files name what to scan.
    assert!(!text.contains("pass_filenames"), "{text}");
    let o = std::process::Command::new(python())
        .args(["-m", "pre_commit", "validate-manifest"])
        .arg(&manifest)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text_of(&o));
}

fn text_of(o: &Output) -> String {
    text(o)
}

/// The Python that has the pre-commit package (scripts/install-test-deps.sh installs it).
fn python() -> String {
    let o = std::process::Command::new("python3")
        .args(["-c", "import sys, pre_commit; print(sys.executable)"])
        .output()
        .expect("python3 is needed for the pre-commit framework test");
    assert!(
        o.status.success(),
        "the pre-commit package is missing: run scripts/install-test-deps.sh ({})",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// husky, installed from npm by scripts/install-test-deps.sh into target/test-deps.
fn husky_modules() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-deps/node_modules");
    assert!(
        dir.join("husky/bin.js").is_file(),
        "husky is missing from {}: run scripts/install-test-deps.sh",
        dir.display()
    );
    dir
}

#[test]
fn husky_runs_ferret_from_husky_pre_commit() {
    let modules = husky_modules();
    let repo = TestRepo::new();
    repo.write(
        "package.json",
        "{\n  \"name\": \"demo\",\n  \"private\": true\n}\n",
    );
    repo.write(".gitignore", "node_modules\n");
    std::os::unix::fs::symlink(&modules, repo.path().join("node_modules")).unwrap();
    let o = repo
        .command_in(repo.path(), "node")
        .arg("node_modules/husky/bin.js")
        .arg("init")
        .output()
        .expect("node is needed for the husky test");
    assert!(o.status.success(), "{}", text(&o));
    // The line docs/git.md tells husky users to write.
    repo.write(".husky/pre-commit", "ferret hook pre-commit\n");
    assert_eq!(repo.git(&["config", "core.hooksPath"]), ".husky/_");
    repo.git(&["add", "-A"]);
    let o = commit(&repo, "set up husky", &path_with_ferret());
    assert!(o.status.success(), "{}", text(&o));

    stage_secret(&repo, "husky", "src/keys.ts");
    let o = commit(&repo, "key", &path_with_ferret());
    let said = text(&o);
    assert!(!o.status.success(), "{said}");
    assert!(said.contains("attio-api-token"), "{said}");
    assert!(said.contains("husky - pre-commit script failed"), "{said}");
    // The same two lines as ferret's own hook.
    assert!(
        said.contains("ferret: commit blocked: the staged changes add the secret shown above."),
        "{said}"
    );
    assert!(
        said.contains(".ferretignore") && said.contains("git commit --no-verify"),
        "{said}"
    );
    assert_eq!(commit_count(&repo), 1);

    // .husky/pre-push gets the hook's arguments and git's refs on stdin.
    repo.write(".husky/pre-push", "ferret hook pre-push \"$@\"\n");
    repo.git(&["rm", "-q", "--cached", "src/keys.ts"]);
    repo.write(".gitignore", "node_modules\nsrc/keys.ts\n");
    repo.git(&["add", "-A"]);
    let o = commit(&repo, "pre-push too", &path_with_ferret());
    assert!(o.status.success(), "{}", text(&o));
    let remote = TestRepo::empty();
    remote.git(&["init", "-q", "--bare", "."]);
    let url = format!("file://{}", remote.path().display());
    repo.git(&["remote", "add", "origin", &url]);
    let o = push(&repo, &["origin", "main"]);
    assert!(o.status.success(), "{}", text(&o));
    let mut s = Secrets::new("husky_push");
    repo.write("late.env", format!("API_KEY={}\n", token(&mut s)));
    repo.git(&["add", "late.env"]);
    let o = repo
        .command_in(repo.path(), "git")
        .env("PATH", path_with_ferret())
        .args(["commit", "-q", "--no-verify", "-m", "past the commit hook"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let o = push(&repo, &["origin", "main"]);
    let said = text(&o);
    assert!(!o.status.success(), "{said}");
    assert!(
        said.contains("late.env") && said.contains("ferret: push blocked"),
        "{said}"
    );

    // install-hook does not overwrite husky's generated hooks.
    let (code, _, err) = install(&repo, &["--force"]);
    assert_eq!(code, 2);
    assert!(err.contains(".husky/pre-commit"), "{err}");
    assert!(err.contains("`ferret hook pre-commit`"), "{err}");
}
