//! The action's release download (scripts/action-install.sh) against a fake release server
//! on 127.0.0.1: the release of the action's tag is used when its SHA-256 matches the
//! release's SHA256SUMS, a mismatch fails the step, and every other case builds from
//! source and says why.
use super::*;
use std::collections::BTreeMap;
use std::fs;

const REPO: &str = "ferret-scanner/ferret";

/// A release folder served as GITHUB_SERVER_URL/REPO/releases/download/TAG/ASSET.
struct Release {
    dir: tempfile::TempDir,
    server: FileServer,
}

impl Release {
    fn new() -> Release {
        let dir = tempfile::tempdir().unwrap();
        let server = FileServer::start(dir.path());
        Release { dir, server }
    }

    fn tag_dir(&self, tag: &str) -> PathBuf {
        self.dir
            .path()
            .join(REPO)
            .join("releases/download")
            .join(tag)
    }

    /// Publishes release `tag` with one archive of `binary` per target and SHA256SUMS, as
    /// the release workflow does (dist.py archive, then dist.py checksums).
    fn publish(&self, tag: &str, binary: &Path, targets: &[&str], commit: Option<&str>) {
        let out = self.tag_dir(tag);
        for target in targets {
            let mut c = dist_py(&["archive", "--target", target]);
            c.args(["--version", tag.trim_start_matches('v')])
                .arg("--binary")
                .arg(binary)
                .arg("--out")
                .arg(&out);
            run_ok(&mut c);
        }
        if let Some(c) = commit {
            fs::write(out.join("SOURCE_COMMIT"), format!("{c}\n")).unwrap();
        }
        run_ok(dist_py(&["checksums"]).arg(&out));
    }

    fn requests(&self) -> Vec<String> {
        self.server.requests()
    }
}

struct Run {
    code: i32,
    stderr: String,
    outputs: BTreeMap<String, String>,
}

/// A simulated Linux x64 runner running the install step, with the action at `ref`.
fn install(
    release: &Release,
    action_ref: &str,
    extra: &[(&str, &str)],
) -> (Run, tempfile::TempDir) {
    let runner = tempfile::tempdir().unwrap();
    let temp = runner.path().join("temp");
    fs::create_dir(&temp).unwrap();
    let output = runner.path().join("output");
    let mut c = Command::new("bash");
    c.arg(root().join("scripts/action-install.sh"));
    for (k, _) in std::env::vars() {
        let upper = k.to_ascii_uppercase();
        if k.starts_with("GITHUB_")
            || k.starts_with("INPUT_")
            || k.starts_with("RUNNER_")
            || k.starts_with("ACTION_")
            || upper.ends_with("_PROXY")
        {
            c.env_remove(&k);
        }
    }
    c.env("GITHUB_ACTION_PATH", root())
        .env("GITHUB_SERVER_URL", release.server.url())
        .env("GITHUB_OUTPUT", &output)
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("RUNNER_TEMP", &temp)
        .env("ACTION_REPOSITORY", REPO)
        .env("ACTION_REF", action_ref)
        .env("NO_PROXY", "127.0.0.1");
    for (k, v) in extra {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    let outputs = fs::read_to_string(&output)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (
        Run {
            code: o.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            outputs,
        },
        runner,
    )
}

fn tag() -> String {
    format!("v{}", version())
}

const LINUX_X64: &str = "x86_64-unknown-linux-musl";

/// A stand-in for a release binary: prints what `ferret --version` prints.
fn stand_in(dir: &Path, says: &str) -> PathBuf {
    let p = dir.join("ferret");
    fs::write(&p, format!("#!/bin/sh\necho '{says}'\n")).unwrap();
    make_executable(&p);
    p
}

fn download_path(tag: &str, asset: &str) -> String {
    format!("/{REPO}/releases/download/{tag}/{asset}")
}

fn asset(target: &str) -> String {
    format!("ferret-{}-{target}.tar.gz", version())
}

#[test]
fn at_a_release_tag_the_action_runs_the_checked_release_binary() {
    let release = Release::new();
    release.publish(
        &tag(),
        &ferret_bin(),
        &[LINUX_X64, "aarch64-apple-darwin"],
        None,
    );
    let (run, _runner) = install(&release, &tag(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bin = PathBuf::from(&run.outputs["ferret-bin"]);
    assert!(
        bin.ends_with(format!("ferret-{}-{LINUX_X64}/ferret", version())),
        "{}",
        bin.display()
    );
    assert_eq!(sha256_hex(&bin), sha256_hex(&ferret_bin()));
    let o = run_ok(Command::new(&bin).arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("ferret {}", version())
    );
    assert!(
        run.stderr.contains("SHA-256 checked against SHA256SUMS"),
        "{}",
        run.stderr
    );
    // Where GitHub serves release assets, the checksums first.
    assert_eq!(
        release.requests(),
        [
            download_path(&tag(), "SHA256SUMS"),
            download_path(&tag(), &asset(LINUX_X64))
        ]
    );
}

#[test]
fn a_checksum_mismatch_fails_the_step_and_leaves_no_binary() {
    let release = Release::new();
    let dir = tempfile::tempdir().unwrap();
    release.publish(
        &tag(),
        &stand_in(dir.path(), &format!("ferret {}", version())),
        &[LINUX_X64],
        None,
    );
    // The archive is replaced after SHA256SUMS was written (a tampered or corrupt asset).
    let other = tempfile::tempdir().unwrap();
    let evil = stand_in(other.path(), &format!("ferret {}", version()));
    fs::write(
        &evil,
        format!("#!/bin/sh\necho 'ferret {}'; echo altered\n", version()),
    )
    .unwrap();
    let mut c = dist_py(&["archive", "--target", LINUX_X64, "--version", version()]);
    c.arg("--binary").arg(&evil).arg("--out").arg(other.path());
    run_ok(&mut c);
    fs::copy(
        other.path().join(asset(LINUX_X64)),
        release.tag_dir(&tag()).join(asset(LINUX_X64)),
    )
    .unwrap();

    let (run, runner) = install(&release, &tag(), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("checksum mismatch for {}", asset(LINUX_X64))),
        "{}",
        run.stderr
    );
    assert!(!run.outputs.contains_key("ferret-bin"), "{:?}", run.outputs);
    let left = super::release::walk(runner.path());
    assert!(
        !left
            .iter()
            .any(|p| p.ends_with(".tar.gz") || p.ends_with("/ferret")),
        "{left:?}"
    );
}

#[test]
fn without_a_release_or_a_binary_for_the_runner_the_action_builds_from_source() {
    // No release at all.
    let release = Release::new();
    let (run, _r) = install(&release, &tag(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.outputs["ferret-bin"], "");
    assert!(
        run.stderr.contains(&format!(
            "release {} has no SHA256SUMS at {}/{REPO}/releases/download/{} (no such release): building ferret from source",
            tag(),
            release.server.url(),
            tag()
        )),
        "{}",
        run.stderr
    );

    // A release with no archive for this runner (Linux arm64): not even requested.
    let dir = tempfile::tempdir().unwrap();
    release.publish(&tag(), &stand_in(dir.path(), "x"), &[LINUX_X64], None);
    let before = release.requests().len();
    let (run, _r) = install(&release, &tag(), &[("RUNNER_ARCH", "ARM64")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.outputs["ferret-bin"], "");
    assert!(
        run.stderr.contains(&format!(
            "has no {} for this runner",
            asset("aarch64-unknown-linux-musl")
        )),
        "{}",
        run.stderr
    );
    assert_eq!(
        release.requests()[before..],
        [download_path(&tag(), "SHA256SUMS")]
    );

    // The same with install: release is an error.
    let (run, _r) = install(
        &release,
        &tag(),
        &[("RUNNER_ARCH", "ARM64"), ("INPUT_INSTALL", "release")],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("error: install: release, but"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_branch_or_a_local_action_builds_from_source_without_asking_the_server() {
    let release = Release::new();
    let dir = tempfile::tempdir().unwrap();
    release.publish(
        &tag(),
        &stand_in(dir.path(), &format!("ferret {}", version())),
        &[LINUX_X64],
        None,
    );
    for (r, said) in [
        (
            "main",
            "the action runs from ref 'main', which is no release tag",
        ),
        (
            "",
            "the action runs from a local path, which is no release tag",
        ),
    ] {
        let (run, _r) = install(&release, r, &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.outputs["ferret-bin"], "");
        assert!(run.stderr.contains(said), "{}", run.stderr);
    }
    let (run, _r) = install(&release, &tag(), &[("INPUT_INSTALL", "source")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.outputs["ferret-bin"], "");
    assert!(release.requests().is_empty(), "{:?}", release.requests());

    let (run, _r) = install(&release, &tag(), &[("INPUT_INSTALL", "sometimes")]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown install 'sometimes'"),
        "{}",
        run.stderr
    );
}

#[test]
fn at_a_commit_sha_the_release_is_used_only_if_it_was_built_from_that_commit() {
    let release = Release::new();
    let dir = tempfile::tempdir().unwrap();
    let built_from = "0123456789abcdef0123456789abcdef01234567";
    release.publish(
        &tag(),
        &stand_in(dir.path(), &format!("ferret {}", version())),
        &[LINUX_X64],
        Some(built_from),
    );
    let (run, _r) = install(&release, built_from, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.outputs["ferret-bin"].ends_with("/ferret"),
        "{:?}",
        run.outputs
    );

    let other = "89abcdef0123456789abcdef0123456789abcdef";
    let (run, _r) = install(&release, other, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.outputs["ferret-bin"], "");
    assert!(
        run.stderr
            .contains("the action's commit 89abcdef0123 is not the one release"),
        "{}",
        run.stderr
    );
}

#[test]
fn release_url_points_the_download_at_a_mirror() {
    // A GitHub Enterprise server without the release, and a mirror that has it.
    let release = Release::new();
    let mirror = Release::new();
    let dir = tempfile::tempdir().unwrap();
    mirror.publish(
        &tag(),
        &stand_in(dir.path(), &format!("ferret {}", version())),
        &[LINUX_X64],
        None,
    );
    let base = format!("{}/{REPO}/releases/download", mirror.server.url());
    let (run, _r) = install(&release, &tag(), &[("INPUT_RELEASE_URL", &base)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.outputs["ferret-bin"].ends_with("/ferret"));
    assert!(release.requests().is_empty());
    assert_eq!(mirror.requests().len(), 2);
}

#[test]
fn a_release_binary_that_reports_another_version_is_refused() {
    let release = Release::new();
    let dir = tempfile::tempdir().unwrap();
    release.publish(
        &tag(),
        &stand_in(dir.path(), "ferret 0.0.0-wrong"),
        &[LINUX_X64],
        None,
    );
    let (run, _r) = install(&release, &tag(), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "the release binary of {} says 'ferret 0.0.0-wrong'",
            tag()
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn a_windows_runner_gets_the_zip_and_ferret_exe() {
    let release = Release::new();
    let dir = tempfile::tempdir().unwrap();
    let windows = "x86_64-pc-windows-msvc";
    release.publish(
        &tag(),
        &stand_in(dir.path(), &format!("ferret {}", version())),
        &[LINUX_X64, windows],
        None,
    );
    let (run, _r) = install(&release, &tag(), &[("RUNNER_OS", "Windows")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let zip = format!("ferret-{}-{windows}.zip", version());
    assert!(
        run.outputs["ferret-bin"].ends_with(&format!("ferret-{}-{windows}/ferret.exe", version())),
        "{:?}",
        run.outputs
    );
    assert_eq!(release.requests()[1], download_path(&tag(), &zip));
}

#[test]
fn the_action_builds_only_when_the_install_step_installed_nothing() {
    let action: serde_json::Value =
        serde_norway::from_str(&fs::read_to_string(root().join("action.yml")).unwrap()).unwrap();
    let steps = action["runs"]["steps"].as_array().unwrap();
    assert_eq!(steps[0]["id"], "install");
    assert_eq!(
        steps[0]["run"],
        "bash \"$GITHUB_ACTION_PATH/scripts/action-install.sh\""
    );
    assert_eq!(steps[0]["env"]["ACTION_REF"], "${{ github.action_ref }}");
    let scan = steps.iter().position(|s| s["id"] == "scan").unwrap();
    for step in &steps[1..scan] {
        assert_eq!(
            step["if"], "steps.install.outputs.ferret-bin == ''",
            "{step}"
        );
    }
    assert_eq!(
        steps[scan]["env"]["FERRET_BIN"],
        "${{ steps.install.outputs.ferret-bin || steps.build.outputs.ferret-bin }}"
    );
    let build = steps.iter().find(|s| s["id"] == "build").unwrap();
    assert!(build["run"]
        .as_str()
        .unwrap()
        .contains("cargo build --release --locked"));
}
