//! [`TestRepo`]: a git repository in a temp dir, driven by the real git CLI. Every test
//! repository commits as the same person, on its own clock that ticks one minute per git
//! command, with a private HOME, so the user's git config is never read or touched and
//! commit ids and dates are the same on every run.
use super::{ferret, Tree};
use serde_json::Value;
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Environment variables git sets for hooks; a test must not inherit them.
pub const GIT_ENV: &[&str] = &[
    "GIT_DIR",
    "GIT_INDEX_FILE",
    "GIT_WORK_TREE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CEILING_DIRECTORIES",
];

/// The start of every repository's clock: 2023-11-14T22:13:20Z.
const EPOCH: u64 = 1_700_000_000;

pub struct TestRepo {
    pub tree: Tree,
    pub home: tempfile::TempDir,
    clock: Cell<u64>,
}

impl Default for TestRepo {
    fn default() -> Self {
        Self::new()
    }
}

impl TestRepo {
    /// A new repository with a `main` branch.
    pub fn new() -> Self {
        let r = TestRepo::empty();
        r.git(&["-c", "init.defaultBranch=main", "init", "-q", "."]);
        r
    }

    /// A temp dir with a HOME but no repository yet (for clones, bare repositories).
    pub fn empty() -> Self {
        TestRepo {
            tree: Tree::new(),
            home: tempfile::tempdir().expect("tempdir"),
            clock: Cell::new(EPOCH),
        }
    }

    pub fn path(&self) -> &Path {
        self.tree.path()
    }

    /// `program` in `dir` with the test's environment: identity, HOME, the next tick.
    pub fn command_in(&self, dir: &Path, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.current_dir(dir)
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.home.path().join(".gitconfig"))
            .env("GIT_AUTHOR_NAME", "Ada Tester")
            .env("GIT_AUTHOR_EMAIL", "ada@example.test")
            .env("GIT_COMMITTER_NAME", "Ada Tester")
            .env("GIT_COMMITTER_EMAIL", "ada@example.test")
            .env("NO_COLOR", "1");
        for v in GIT_ENV {
            c.env_remove(v);
        }
        let t = self.clock.get() + 60;
        self.clock.set(t);
        c.env("GIT_AUTHOR_DATE", format!("@{t} +0000"))
            .env("GIT_COMMITTER_DATE", format!("@{t} +0000"));
        c
    }

    /// Runs git in `dir`, asserts success and returns stdout, trimmed.
    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = self
            .command_in(dir, "git")
            .args(args)
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(self.path(), args)
    }

    /// Whether `rev` names a commit here.
    pub fn has_commit(&self, rev: &str) -> bool {
        self.command_in(self.path(), "git")
            .args(["cat-file", "-e", &format!("{rev}^{{commit}}")])
            .stderr(std::process::Stdio::null())
            .status()
            .expect("run git")
            .success()
    }

    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        self.tree.write(rel, text)
    }

    /// Stages everything and commits (empty commits too); returns the new commit id.
    pub fn commit_all(&self, msg: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Writes `rel`, commits everything and returns the new commit id.
    pub fn commit_file(&self, rel: &str, text: impl AsRef<[u8]>, msg: &str) -> String {
        self.write(rel, text);
        self.commit_all(msg)
    }

    /// Runs ferret in `dir` with this repository's HOME: (exit code, stdout, stderr).
    pub fn ferret_in(&self, dir: &Path, args: &[&str]) -> (i32, String, String) {
        let mut c = ferret();
        c.current_dir(dir)
            .env("HOME", self.home.path())
            .env_remove("CI");
        for v in GIT_ENV {
            c.env_remove(v);
        }
        super::outcome(c.args(args))
    }

    /// `ferret ARGS --format json` in the repository: (exit code, report, stderr).
    pub fn json(&self, args: &[&str]) -> (i32, Value, String) {
        self.json_in(self.path(), args)
    }

    /// `ferret ARGS --format json` in `dir`: (exit code, report, stderr).
    pub fn json_in(&self, dir: &Path, args: &[&str]) -> (i32, Value, String) {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let (code, out, err) = self.ferret_in(dir, &all);
        let v = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("bad JSON ({e}): {out}\nstderr: {err}"));
        (code, v, err)
    }
}

/// The ferret binary's directory, for PATH.
pub fn ferret_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("ferret")
        .parent()
        .expect("bin dir")
        .to_path_buf()
}
