//! The Python wheel (maturin, `bindings = "bin"`, packaging/python) and the pre-commit hook
//! that installs it instead of compiling: the wheel is built by maturin (dev profile),
//! installed into a fresh virtual environment, and installed by the real pre-commit
//! framework from a local package index.
use super::*;
use crate::util::Secrets;
use crate::util::TestRepo as Repo;
use std::fs;

/// The host's target triple (rustc -vV).
fn host_triple() -> String {
    let o = run_ok(Command::new("rustc").arg("-vV"));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_string()
}

/// The ferret-scanner wheel, built once per test run, and the SHA-256 of the binary in it.
pub struct Wheel {
    pub path: PathBuf,
    pub binary_sha256: String,
}

/// Builds the wheel with maturin in the dev profile without debug info, once: the tests
/// that need it wait for the one build.
///
/// maturin builds like `cargo build`, whose dependency features differ from `cargo test`'s
/// (dev-dependencies unify features), and then moves the binary out of cargo's folder into
/// target/maturin. In target/debug that would take away the target/debug/ferret every
/// other test runs; an explicit `--target` of the host builds in target/TRIPLE/debug
/// instead: 1 min 35 s the first time on two cores, nothing after that. Without debug info
/// the binary is 28 MB instead of 116 MB.
pub fn wheel() -> &'static Wheel {
    static WHEEL: std::sync::OnceLock<Wheel> = std::sync::OnceLock::new();
    WHEEL.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("packaging-wheel");
        let _ = fs::remove_dir_all(&out);
        let o = run_ok(
            Command::new(python())
                .args(["-m", "maturin", "build", "--locked", "--profile", "dev"])
                .args(["--target", &host_triple()])
                .arg("--out")
                .arg(&out)
                .env("CARGO_PROFILE_DEV_DEBUG", "0")
                .current_dir(root().join("packaging/python")),
        );
        let wheels: Vec<PathBuf> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "whl"))
            .collect();
        assert_eq!(wheels.len(), 1, "{wheels:?}\n{}", text(&o));
        let name = wheels[0]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with(&format!("ferret_scanner-{}-py3-none-", version())),
            "{name}"
        );
        // The binary as the wheel holds it.
        let script = format!("ferret_scanner-{}.data/scripts/ferret", version());
        let o = run_ok(
            Command::new(python())
                .arg("-c")
                .arg(format!(
                    "import hashlib, sys, zipfile\n\
             print(hashlib.sha256(zipfile.ZipFile(sys.argv[1]).read('{script}')).hexdigest())"
                ))
                .arg(&wheels[0]),
        );
        Wheel {
            path: wheels[0].clone(),
            binary_sha256: String::from_utf8_lossy(&o.stdout).trim().to_string(),
        }
    })
}

/// pip with no package index, and none of the machine's pip settings.
fn offline_pip(c: &mut Command, find_links: Option<&Path>) {
    for (k, _) in std::env::vars() {
        if k.starts_with("PIP_") {
            c.env_remove(k);
        }
    }
    c.env("PIP_NO_INDEX", "1")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_CONFIG_FILE", "/dev/null");
    if let Some(dir) = find_links {
        c.env("PIP_FIND_LINKS", dir);
    }
}

#[test]
fn the_wheel_installs_into_a_fresh_venv_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let wheel = wheel();
    let venv = dir.path().join("venv");
    run_ok(Command::new(python()).args(["-m", "venv"]).arg(&venv));
    let mut pip = Command::new(venv.join("bin/python"));
    pip.args(["-m", "pip", "install", "--quiet"])
        .arg(&wheel.path);
    offline_pip(&mut pip, None);
    run_ok(&mut pip);

    // The wheel's script is the binary itself, byte for byte.
    let installed = venv.join("bin/ferret");
    assert_eq!(sha256_hex(&installed), wheel.binary_sha256);
    let o = run_ok(Command::new(&installed).arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("ferret {}", version())
    );
    let mut show = Command::new(venv.join("bin/python"));
    show.args(["-m", "pip", "show", "ferret-scanner"]);
    offline_pip(&mut show, None);
    let shown = String::from_utf8_lossy(&run_ok(&mut show).stdout).into_owned();
    assert!(
        shown.contains(&format!("Version: {}", version())),
        "{shown}"
    );

    // And it finds what the build finds.
    let tree = tempfile::tempdir().unwrap();
    let mut s = Secrets::new("wheel_scan");
    let key = s.token(&Secrets::join(&["s", "k_"]), 40);
    fs::write(tree.path().join(".env"), format!("ATTIO_API_KEY={key}\n")).unwrap();
    let o = Command::new(&installed)
        .args(["scan", ".", "--format", "json"])
        .current_dir(tree.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("attio-api-token"),
        "{}",
        text(&o)
    );
}

/// setuptools as a wheel, for pip to build the root pyproject.toml's project with
/// (scripts/install-test-deps.sh downloads it).
fn setuptools_wheel() -> PathBuf {
    let dir = root().join("target/test-deps/wheels");
    fs::read_dir(&dir)
        .ok()
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("setuptools-")
        })
        .unwrap_or_else(|| {
            panic!(
                "no setuptools wheel in {}: run scripts/install-test-deps.sh",
                dir.display()
            )
        })
}

#[test]
fn the_pre_commit_hook_installs_the_wheel_from_an_index_and_blocks_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    // The local package index: the wheel this run built, and setuptools.
    let index = dir.path().join("index");
    let wheel = wheel();
    fs::create_dir(&index).unwrap();
    fs::copy(&wheel.path, index.join(wheel.path.file_name().unwrap())).unwrap();
    let st = setuptools_wheel();
    fs::copy(&st, index.join(st.file_name().unwrap())).unwrap();

    // The hook repository as users get it at the release tag: the repository's own
    // .pre-commit-hooks.yaml and pyproject.toml, nothing else (no Rust source to compile).
    let hooks = Repo::new();
    for f in [".pre-commit-hooks.yaml", "pyproject.toml"] {
        fs::copy(root().join(f), hooks.path().join(f)).unwrap();
    }
    hooks.git(&["add", "-A"]);
    hooks.git(&["commit", "-q", "-m", "release"]);
    let tag = format!("v{}", version());
    hooks.git(&["tag", &tag]);

    let repo = Repo::new();
    repo.commit_file("README.md", "hi\n", "first");
    repo.write(
        ".pre-commit-config.yaml",
        format!(
            "repos:\n  - repo: file://{}\n    rev: {tag}\n    hooks:\n      - id: ferret\n",
            hooks.path().display()
        ),
    );
    repo.git(&["add", ".pre-commit-config.yaml"]);
    let home = repo.home.path().join("pre-commit");
    let path = path_without_ferret_or_cargo();
    let with_env = |c: &mut Command| {
        offline_pip(c, Some(&index));
        c.env("PRE_COMMIT_HOME", &home).env("PATH", &path);
    };
    let mut install = repo.command_in(repo.path(), python());
    install.args(["-m", "pre_commit", "install", "--install-hooks"]);
    with_env(&mut install);
    let o = install.output().unwrap();
    assert!(o.status.success(), "{}", text(&o));

    // The hook's environment has the wheel's ferret: the build's binary, not a compile.
    let envs: Vec<PathBuf> = walk_named(&home, "ferret");
    assert_eq!(envs.len(), 1, "{envs:?}");
    assert_eq!(sha256_hex(&envs[0]), wheel.binary_sha256);

    let mut s = Secrets::new("pre_commit_wheel");
    let key = s.token(&Secrets::join(&["s", "k_"]), 40);
    repo.write("config/.env", format!("API_KEY={key}\n"));
    repo.git(&["add", "config/.env"]);
    let mut commit = repo.command_in(repo.path(), "git");
    commit.args(["commit", "-q", "-m", "add key"]);
    with_env(&mut commit);
    let o = commit.output().unwrap();
    let said = text(&o);
    assert!(!o.status.success(), "{said}");
    assert!(said.contains("attio-api-token"), "{said}");
    assert!(!said.contains(&key), "the hook printed the secret: {said}");
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "1");

    repo.git(&["rm", "-q", "--cached", "config/.env"]);
    fs::remove_file(repo.path().join("config/.env")).unwrap();
    repo.write("src/app.py", "print('hello')\n");
    repo.git(&["add", "src/app.py"]);
    let mut commit = repo.command_in(repo.path(), "git");
    commit.args(["commit", "-q", "-m", "clean"]);
    with_env(&mut commit);
    let o = commit.output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "2");
}

/// Executables named `name` in `bin` folders under `dir`.
fn walk_named(dir: &Path, name: &str) -> Vec<PathBuf> {
    super::release::walk(dir)
        .into_iter()
        .filter(|p| p.ends_with(&format!("bin/{name}")))
        .map(|p| dir.join(p))
        .collect()
}

#[test]
fn the_hook_manifest_offers_the_wheel_and_the_source_build() {
    let manifest: serde_json::Value =
        serde_norway::from_str(&fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap())
            .unwrap();
    let hook = |id: &str| {
        manifest
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == id)
            .unwrap_or_else(|| panic!("no hook {id}"))
            .clone()
    };
    assert_eq!(hook("ferret")["language"], "python");
    assert_eq!(hook("ferret-source")["language"], "rust");
    assert_eq!(hook("ferret")["entry"], hook("ferret-source")["entry"]);

    // The project pre-commit installs for `language: python` pins the wheel of this version.
    let py: toml::Value =
        toml::from_str(&fs::read_to_string(root().join("pyproject.toml")).unwrap()).unwrap();
    assert_eq!(py["project"]["version"].as_str(), Some(version()));
    assert_eq!(
        py["project"]["dependencies"][0].as_str(),
        Some(format!("ferret-scanner=={}", version()).as_str())
    );
    // The wheel's project takes its version from Cargo.toml and packages the binary.
    let wheel: toml::Value = toml::from_str(
        &fs::read_to_string(root().join("packaging/python/pyproject.toml")).unwrap(),
    )
    .unwrap();
    assert_eq!(wheel["project"]["name"].as_str(), Some("ferret-scanner"));
    assert_eq!(wheel["project"]["dynamic"][0].as_str(), Some("version"));
    assert_eq!(wheel["tool"]["maturin"]["bindings"].as_str(), Some("bin"));
}

#[test]
fn the_sdist_holds_everything_the_build_needs() {
    // pip builds from the sdist where no wheel fits; cargo packages the crate the same way.
    let dir = tempfile::tempdir().unwrap();
    run_ok(
        Command::new(python())
            .args(["-m", "maturin", "sdist", "--out"])
            .arg(dir.path())
            .current_dir(root().join("packaging/python")),
    );
    let sdist = dir
        .path()
        .join(format!("ferret_scanner-{}.tar.gz", version()));
    let o = run_ok(Command::new("tar").arg("-tzf").arg(&sdist));
    let names: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| l.split_once('/').map_or(l, |x| x.1).to_string())
        .collect();
    for want in [
        "pyproject.toml",
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "src/main.rs",
        "rules/attio.toml",
        "README.md",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} is not in the sdist: {names:?}"
        );
    }
}
