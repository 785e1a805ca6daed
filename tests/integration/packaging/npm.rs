//! The npm packages: @ferret-scanner/cli (a launcher) and one package per platform holding
//! the binary, assembled by scripts/release/npm-packages.js from this run's debug build,
//! packed with `npm pack`, installed offline from the tarballs, and run with `npx ferret`,
//! by hand and from a husky pre-commit hook.
use super::*;
use crate::util::Secrets;
use crate::util::TestRepo as Repo;
use serde_json::Value;
use std::fs;

/// npm's name for this machine: `process.platform-process.arch`.
fn npm_platform() -> String {
    let o = run_ok(Command::new("node").args(["-p", "process.platform + '-' + process.arch"]));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// npm that cannot reach any registry: offline, an empty cache of its own, no user config.
fn offline_npm(c: &mut Command, cache: &Path) {
    for (k, _) in std::env::vars() {
        if k.to_ascii_lowercase().starts_with("npm_config_") {
            c.env_remove(k);
        }
    }
    c.env("npm_config_offline", "true")
        .env("npm_config_cache", cache)
        .env("npm_config_userconfig", cache.join("npmrc"))
        .env("npm_config_audit", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_update_notifier", "false");
}

/// Assembles the packages around `binary` and packs them into `dir/tarballs` (the platform
/// package only with `with_platform`); returns the tarballs, platform package first.
fn pack(dir: &Path, binary: &Path, with_platform: bool) -> Vec<PathBuf> {
    let pkgs = dir.join("pkgs");
    let mut c = Command::new("node");
    c.arg(root().join("scripts/release/npm-packages.js"))
        .args(["--version", version(), "--out"])
        .arg(&pkgs);
    let platform = npm_platform();
    c.arg("--binary")
        .arg(format!("{platform}={}", binary.display()));
    let o = run_ok(&mut c);
    let made: Vec<PathBuf> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(PathBuf::from)
        .collect();
    assert_eq!(
        made,
        [pkgs.join(format!("cli-{platform}")), pkgs.join("cli")],
        "the platform package comes first (the publishing order)"
    );
    let tarballs = dir.join("tarballs");
    fs::create_dir_all(&tarballs).unwrap();
    let to_pack: Vec<&PathBuf> = if with_platform {
        made.iter().collect()
    } else {
        vec![&made[1]]
    };
    let mut out = Vec::new();
    for p in to_pack {
        let mut c = Command::new("npm");
        c.args(["pack", "--silent", "--pack-destination"])
            .arg(&tarballs)
            .arg(p);
        offline_npm(&mut c, &dir.join("npm-cache"));
        let o = run_ok(&mut c);
        out.push(tarballs.join(String::from_utf8_lossy(&o.stdout).trim()));
    }
    out
}

/// `npm install` of the tarballs into the project at `project`.
fn install(project: &Path, tarballs: &[PathBuf], cache: &Path, extra: &[&str]) -> Output {
    let mut c = Command::new("npm");
    c.arg("install")
        .args(extra)
        .args(tarballs)
        .current_dir(project);
    offline_npm(&mut c, cache);
    c.output().unwrap()
}

#[test]
fn the_npm_packages_install_offline_and_npx_ferret_runs_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let tarballs = pack(dir.path(), &ferret_bin(), true);
    let platform = npm_platform();

    // The launcher names every platform package at exactly this version.
    let pkgs = dir.path().join("pkgs");
    let main: Value =
        serde_json::from_str(&fs::read_to_string(pkgs.join("cli/package.json")).unwrap()).unwrap();
    assert_eq!(main["name"], "@ferret-scanner/cli");
    assert_eq!(main["version"], version());
    assert_eq!(main["bin"]["ferret"], "bin/ferret.js");
    let optional = main["optionalDependencies"].as_object().unwrap();
    for p in [
        "linux-x64",
        "linux-arm64",
        "darwin-x64",
        "darwin-arm64",
        "win32-x64",
    ] {
        assert_eq!(
            optional[&format!("@ferret-scanner/cli-{p}")],
            version(),
            "{p}"
        );
    }
    let plat: Value = serde_json::from_str(
        &fs::read_to_string(pkgs.join(format!("cli-{platform}/package.json"))).unwrap(),
    )
    .unwrap();
    let (os, cpu) = platform.split_once('-').unwrap();
    assert_eq!(plat["os"], serde_json::json!([os]));
    assert_eq!(plat["cpu"], serde_json::json!([cpu]));

    // A husky project that installs the packages from the tarballs alone.
    let repo = Repo::new();
    repo.write(
        "package.json",
        "{\n  \"name\": \"demo\",\n  \"private\": true\n}\n",
    );
    repo.write(".gitignore", "node_modules\n");
    let cache = dir.path().join("npm-cache");
    let o = install(repo.path(), &tarballs, &cache, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let installed = repo.path().join(format!(
        "node_modules/@ferret-scanner/cli-{platform}/bin/ferret"
    ));
    assert_eq!(sha256_hex(&installed), sha256_hex(&ferret_bin()));

    let path = path_without_ferret_or_cargo();
    let npx = |args: &[&str]| {
        let mut c = repo.command_in(repo.path(), "npx");
        c.arg("ferret").args(args).env("PATH", &path);
        offline_npm(&mut c, &cache);
        c.output().unwrap()
    };
    let o = npx(&["--version"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("ferret {}", version())
    );
    // Exit codes pass through the launcher.
    let o = npx(&["scan", "--format", "nonsense"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    // husky: .husky/pre-commit calls `npx ferret`.
    let husky = root().join("target/test-deps/node_modules/husky");
    assert!(
        husky.join("bin.js").is_file(),
        "husky is missing from {}: run scripts/install-test-deps.sh",
        husky.display()
    );
    std::os::unix::fs::symlink(&husky, repo.path().join("node_modules/husky")).unwrap();
    let mut init = repo.command_in(repo.path(), "node");
    init.args(["node_modules/husky/bin.js", "init"])
        .env("PATH", &path);
    run_ok(&mut init);
    // The line the README tells husky users to write.
    repo.write(".husky/pre-commit", "npx ferret hook pre-commit\n");
    let commit = |msg: &str| {
        let mut c = repo.command_in(repo.path(), "git");
        c.args(["commit", "-q", "-m", msg]).env("PATH", &path);
        offline_npm(&mut c, &cache);
        c.output().unwrap()
    };
    repo.git(&["add", "-A"]);
    let o = commit("set up husky");
    assert!(o.status.success(), "{}", text(&o));

    let mut s = Secrets::new("npm_husky");
    let key = s.token(&Secrets::join(&["s", "k_"]), 40);
    repo.write(
        "src/keys.ts",
        format!("export const API_KEY = \"{key}\";\n"),
    );
    repo.git(&["add", "src/keys.ts"]);
    let o = commit("key");
    let said = text(&o);
    assert!(!o.status.success(), "{said}");
    assert!(said.contains("attio-api-token"), "{said}");
    assert!(!said.contains(&key), "{said}");
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "1");

    repo.git(&["rm", "-q", "--cached", "src/keys.ts"]);
    fs::remove_file(repo.path().join("src/keys.ts")).unwrap();
    repo.write("src/app.ts", "export const greeting = \"hello\";\n");
    repo.git(&["add", "src/app.ts"]);
    let o = commit("clean");
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "2");
}

#[test]
fn without_its_platform_package_the_launcher_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    // A small stand-in binary: only the launcher package is packed and installed.
    let stand_in = dir.path().join("stand-in");
    fs::write(&stand_in, "#!/bin/sh\nexit 0\n").unwrap();
    let tarballs = pack(dir.path(), &stand_in, false);
    assert_eq!(tarballs.len(), 1);
    let project = dir.path().join("project");
    fs::create_dir(&project).unwrap();
    fs::write(
        project.join("package.json"),
        "{\"name\": \"demo\", \"private\": true}\n",
    )
    .unwrap();
    let cache = dir.path().join("npm-cache");
    let o = install(&project, &tarballs, &cache, &["--omit=optional"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = Command::new("node")
        .arg(project.join("node_modules/.bin/ferret"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let said = text(&o);
    assert!(
        said.contains(&format!(
            "@ferret-scanner/cli-{} is not installed",
            npm_platform()
        )) && said.contains("--omit=optional"),
        "{said}"
    );
}

#[test]
fn the_assembly_script_refuses_an_unknown_platform_and_a_missing_one_with_require_all() {
    let dir = tempfile::tempdir().unwrap();
    let script = root().join("scripts/release/npm-packages.js");
    let run = |args: &[&str]| {
        Command::new("node")
            .arg(&script)
            .args(["--version", version(), "--out"])
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let bin = format!("linux-x64={}", ferret_bin().display());
    let o = run(&["--binary", "plan9-mips=/bin/true"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("unknown platform plan9-mips"),
        "{}",
        text(&o)
    );
    let o = run(&["--binary", &bin, "--require-all"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("no binary for linux-arm64, darwin-x64, darwin-arm64, win32-x64"),
        "{}",
        text(&o)
    );
}
