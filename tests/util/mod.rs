//! The one test harness (ripgrep's `tests/util.rs` is the model): temp trees, git
//! repositories driven by the real git CLI ([`TestRepo`]: one identity, one clock), the
//! real `ferret` binary, synthetic secrets made at run time (so the repository never holds
//! a string that looks like a live credential), and offline checks of ferret's output
//! against the schemas kept in `tests/schemas/`.
#![allow(dead_code)]

pub mod action_yml;
mod repo;
pub mod sarif;

pub use repo::{ferret_dir, TestRepo, GIT_ENV};

/// The repository's root (where Cargo.toml is).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

use assert_cmd::Command;
use std::path::{Path, PathBuf};

#[allow(unused_imports)]
pub use ferret_rules::synth::{Rng, ALNUM, BASE64, DIGITS, HEX, LOWERNUM};

/// A temporary directory that files are written into.
pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Self {
        Tree {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` at `rel`, creating parent directories.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, contents).unwrap();
        p
    }
}

/// The `ferret` binary built for this test run, with colour and CI noise turned off.
pub fn ferret() -> Command {
    let mut c = Command::cargo_bin("ferret").expect("ferret binary");
    // No user config: FERRET_CONFIG empty turns it off (see settings/config.rs).
    c.env("NO_COLOR", "1").env("FERRET_CONFIG", "");
    c
}

/// Runs ferret with `args` in `dir` and returns (exit code, stdout, stderr).
pub fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    outcome(ferret().current_dir(dir).args(args))
}

/// Runs a prepared ferret command: (exit code, stdout, stderr).
pub fn outcome(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("run ferret");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a JSON scan and returns (exit code, parsed report, stderr).
pub fn scan_json(dir: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut args = vec!["scan", ".", "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = run_in(dir, &args);
    let v = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {out}\nstderr: {err}"));
    (code, v, err)
}

/// (path, line, rule_id) for every finding in a JSON report, sorted.
pub fn hits(report: &serde_json::Value) -> Vec<(String, u64, String)> {
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["rule_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Synthetic secret material, deterministic per test.
pub struct Secrets {
    rng: Rng,
}

impl Secrets {
    pub fn new(seed: &str) -> Self {
        Secrets {
            rng: Rng::from_str_seed(seed),
        }
    }
    pub fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        self.rng.string(alphabet, n)
    }
    /// `prefix` + `n` alphanumerics, e.g. `secrets.token("sk_", 40)`.
    pub fn token(&mut self, prefix: &str, n: usize) -> String {
        format!("{prefix}{}", self.rng.string(ALNUM, n))
    }
    /// The prefix is passed in pieces by callers so no source line holds a whole key shape.
    pub fn join(parts: &[&str]) -> String {
        parts.concat()
    }
}
