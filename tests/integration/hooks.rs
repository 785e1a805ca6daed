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
        .contains("ferret git --staged"));

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
    assert_eq!(commit_count(&repo), 3);
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

#[test]
fn the_pre_commit_framework_runs_ferret() {
    let repo = TestRepo::new();
    repo.commit_file("README.md", "hi\n", "first");
    let python = python();
    let config = format!(
        "repos:\n  - repo: local\n    hooks:\n      - id: ferret\n        name: ferret\n        \
         entry: {} git --staged --no-verify\n        language: system\n        \
         pass_filenames: false\n",
        assert_cmd::cargo::cargo_bin("ferret").display()
    );
    repo.write(".pre-commit-config.yaml", config);
    repo.git(&["add", ".pre-commit-config.yaml"]);
    let pre_commit = |args: &[&str]| {
        repo.command_in(repo.path(), &python)
            .env("PRE_COMMIT_HOME", repo.home.path().join("pre-commit"))
            .args(["-m", "pre_commit"])
            .args(args)
            .output()
            .expect("run pre-commit")
    };
    let o = pre_commit(&["install"]);
    assert!(o.status.success(), "{}", text(&o));

    let key = stage_secret(&repo, "pre_commit_framework", "secrets.env");
    let o = commit(&repo, "key", &path_without_ferret());
    let said = text(&o);
    assert!(!o.status.success(), "{said}");
    assert!(said.contains("attio-api-token"), "{said}");
    assert!(!said.contains(&key), "{said}");
    assert_eq!(commit_count(&repo), 1);

    repo.git(&["rm", "-q", "--cached", "secrets.env"]);
    std::fs::remove_file(repo.path().join("secrets.env")).unwrap();
    repo.write("clean.txt", "nothing to see\n");
    repo.git(&["add", "clean.txt"]);
    let o = commit(&repo, "clean", &path_without_ferret());
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(commit_count(&repo), 2);
}

#[test]
fn the_published_pre_commit_manifest_is_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = root.join(".pre-commit-hooks.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    for line in [
        "id: ferret",
        "language: rust",
        "entry: ferret git --staged",
        "args: [--no-verify]",
        "pass_filenames: false",
    ] {
        assert!(text.contains(line), "{line} missing from {text}");
    }
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
    repo.write(".husky/pre-commit", "ferret git --staged --no-verify\n");
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
    assert_eq!(commit_count(&repo), 1);

    // install-hook does not overwrite husky's generated hooks.
    let (code, _, err) = install(&repo, &["--force"]);
    assert_eq!(code, 2);
    assert!(err.contains(".husky/pre-commit"), "{err}");
}
