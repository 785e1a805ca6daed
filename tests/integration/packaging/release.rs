//! The release workflow's scripts: archives and checksums (scripts/release/dist.py) on the
//! debug build, the static-binary check, the unpacking for npm and Docker, and the version
//! check that gates a tag.
use super::*;
use std::fs;

/// `dist.py archive` of `binary` for `target` into `out`; returns the archive's path.
fn archive(binary: &Path, target: &str, out: &Path, include: &[&Path]) -> PathBuf {
    let mut c = dist_py(&["archive", "--target", target, "--version", version()]);
    c.arg("--binary").arg(binary).arg("--out").arg(out);
    for f in include {
        c.arg("--include").arg(f);
    }
    let o = run_ok(&mut c);
    PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())
}

/// The member names of a .tar.gz, in archive order.
fn tar_names(archive: &Path) -> Vec<String> {
    let o = run_ok(Command::new("tar").arg("-tzf").arg(archive));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_linux_archive_of_the_debug_build_holds_the_binary_and_its_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let target = "x86_64-unknown-linux-musl";
    let readme = root().join("README.md");
    let a = archive(&ferret_bin(), target, dir.path(), &[&readme]);
    let stem = format!("ferret-{}-{target}", version());
    assert_eq!(a, dir.path().join(format!("{stem}.tar.gz")));

    // The .sha256 file is `sha256sum` output for the archive, and sha256sum agrees.
    let sums = fs::read_to_string(format!("{}.sha256", a.display())).unwrap();
    assert_eq!(sums, format!("{}  {stem}.tar.gz\n", sha256_hex(&a)));
    run_ok(
        Command::new("sha256sum")
            .arg("--check")
            .arg(format!("{stem}.tar.gz.sha256"))
            .current_dir(dir.path()),
    );

    // One folder with the binary (executable, byte for byte the build) and the README.
    assert_eq!(
        tar_names(&a),
        [
            format!("{stem}/"),
            format!("{stem}/README.md"),
            format!("{stem}/ferret")
        ]
    );
    let unpacked = dir.path().join("unpacked");
    fs::create_dir(&unpacked).unwrap();
    run_ok(
        Command::new("tar")
            .arg("-xzf")
            .arg(&a)
            .arg("-C")
            .arg(&unpacked),
    );
    let bin = unpacked.join(&stem).join("ferret");
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&bin).unwrap().permissions().mode() & 0o777,
            0o755
        );
    }
    assert!(
        sha256_hex(&bin) == sha256_hex(&ferret_bin()),
        "the archived binary differs from the build"
    );
    let o = run_ok(Command::new(&bin).arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("ferret {}", version())
    );

    // Reproducible: the same inputs give the same bytes.
    let again = tempfile::tempdir().unwrap();
    let b = archive(&ferret_bin(), target, again.path(), &[&readme]);
    assert_eq!(sha256_hex(&a), sha256_hex(&b));
}

#[test]
fn a_windows_archive_is_a_zip_with_ferret_exe() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("ferret.exe");
    fs::write(&fake, b"MZ not really a program").unwrap();
    let a = archive(&fake, "x86_64-pc-windows-msvc", dir.path(), &[]);
    let stem = format!("ferret-{}-x86_64-pc-windows-msvc", version());
    assert_eq!(
        a.file_name().unwrap().to_string_lossy(),
        format!("{stem}.zip")
    );
    let o = run_ok(Command::new(python()).args(["-m", "zipfile", "-l"]).arg(&a));
    let listing = String::from_utf8_lossy(&o.stdout);
    assert!(listing.contains(&format!("{stem}/ferret.exe")), "{listing}");
}

#[test]
fn checksums_lists_every_release_file_in_sha256sum_format() {
    let dir = tempfile::tempdir().unwrap();
    let bin = static_binary(dir.path());
    let dist = dir.path().join("dist");
    let a = archive(&bin, "x86_64-unknown-linux-musl", &dist, &[]);
    let b = archive(&bin, "aarch64-apple-darwin", &dist, &[]);
    fs::write(
        dist.join("SOURCE_COMMIT"),
        "0123456789abcdef0123456789abcdef01234567\n",
    )
    .unwrap();
    run_ok(dist_py(&["checksums"]).arg(&dist));
    let sums = fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    let mut want: Vec<String> = [&a, &b, &dist.join("SOURCE_COMMIT")]
        .iter()
        .map(|p| {
            format!(
                "{}  {}",
                sha256_hex(p),
                p.file_name().unwrap().to_string_lossy()
            )
        })
        .collect();
    want.sort_by(|x, y| x[66..].cmp(&y[66..]));
    assert_eq!(
        sums.lines().collect::<Vec<_>>(),
        want,
        "the .sha256 files are not listed"
    );
    run_ok(
        Command::new("sha256sum")
            .args(["--check", "SHA256SUMS"])
            .current_dir(&dist),
    );
}

#[test]
fn check_static_passes_a_static_binary_and_names_what_a_dynamic_one_needs() {
    let dir = tempfile::tempdir().unwrap();
    let bin = static_binary(dir.path());
    let o = run_ok(&mut dist_py(&["check-static", bin.to_str().unwrap()]));
    assert!(text(&o).contains("static executable"), "{}", text(&o));

    // The debug build links glibc dynamically: refused, saying why.
    let o = dist_py(&["check-static", ferret_bin().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("needs the dynamic loader"),
        "{}",
        text(&o)
    );

    let readme = root().join("README.md");
    let o = dist_py(&["check-static", readme.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("not an ELF file"), "{}", text(&o));
}

#[test]
fn unpack_checks_each_archive_against_its_sha256_file() {
    let dir = tempfile::tempdir().unwrap();
    let bin = static_binary(dir.path());
    let dist = dir.path().join("dist");
    archive(&bin, "x86_64-unknown-linux-musl", &dist, &[]);
    archive(&bin, "x86_64-pc-windows-msvc", &dist, &[]);
    let out = dir.path().join("bin");
    run_ok(dist_py(&["unpack"]).arg(&dist).arg(&out));
    for exe in [
        "x86_64-unknown-linux-musl/ferret",
        "x86_64-pc-windows-msvc/ferret.exe",
    ] {
        assert_eq!(
            fs::read(out.join(exe)).unwrap(),
            fs::read(&bin).unwrap(),
            "{exe}"
        );
    }

    // A corrupted archive is refused by name.
    let a = dist.join(format!(
        "ferret-{}-x86_64-unknown-linux-musl.tar.gz",
        version()
    ));
    let mut bytes = fs::read(&a).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    fs::write(&a, bytes).unwrap();
    let o = dist_py(&["unpack"]).arg(&dist).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("checksum mismatch for ferret-")
            && text(&o).contains("linux-musl.tar.gz"),
        "{}",
        text(&o)
    );
}

#[test]
fn docker_context_stages_both_static_linux_binaries_and_refuses_a_dynamic_one() {
    let dir = tempfile::tempdir().unwrap();
    let bin = static_binary(dir.path());
    let dist = dir.path().join("dist");
    archive(&bin, "x86_64-unknown-linux-musl", &dist, &[]);

    // One architecture is not an image.
    let ctx = dir.path().join("ctx");
    let o = dist_py(&["docker-context"])
        .arg(&dist)
        .arg(&ctx)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("no Linux musl archive for arm64"),
        "{}",
        text(&o)
    );

    archive(&bin, "aarch64-unknown-linux-musl", &dist, &[]);
    archive(&bin, "aarch64-apple-darwin", &dist, &[]);
    run_ok(dist_py(&["docker-context"]).arg(&dist).arg(&ctx));
    let mut staged: Vec<String> = walk(&ctx);
    staged.sort();
    assert_eq!(staged, ["linux/amd64/ferret", "linux/arm64/ferret"]);

    // The debug build (dynamic) in a musl archive is refused.
    let bad = dir.path().join("bad");
    archive(&bin, "aarch64-unknown-linux-musl", &bad, &[]);
    archive(&ferret_bin(), "x86_64-unknown-linux-musl", &bad, &[]);
    let o = dist_py(&["docker-context"])
        .arg(&bad)
        .arg(dir.path().join("ctx2"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o)
            .contains("x86_64-unknown-linux-musl.tar.gz: the binary is not a static executable"),
        "{}",
        text(&o)
    );
}

/// Files under `dir`, relative, with `/`.
pub fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(
                    p.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    out
}

fn check_version(root_dir: &Path, tag: Option<&str>) -> Output {
    let mut c = Command::new("bash");
    c.arg(root().join("scripts/release/check-version.sh"))
        .arg("--root")
        .arg(root_dir);
    if let Some(t) = tag {
        c.args(["--tag", t]);
    }
    c.output().unwrap()
}

#[test]
fn the_version_check_passes_the_repository_and_its_own_tag() {
    let o = check_version(root(), Some(&format!("v{}", version())));
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("version={}\n", version())
    );
    let o = check_version(root(), Some("v999.0.0"));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains(&format!(
            "the tag is v999.0.0 but Cargo.toml's version is {}",
            version()
        )),
        "{}",
        text(&o)
    );
}

#[test]
fn the_version_check_names_each_file_that_pins_another_version() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path();
    fs::create_dir(copy.join("docs")).unwrap();
    for f in ["Cargo.toml", "pyproject.toml", "README.md"] {
        fs::copy(root().join(f), copy.join(f)).unwrap();
    }
    for e in fs::read_dir(root().join("docs")).unwrap() {
        let p = e.unwrap().path();
        fs::copy(&p, copy.join("docs").join(p.file_name().unwrap())).unwrap();
    }
    let o = check_version(copy, None);
    assert!(o.status.success(), "{}", text(&o));

    let v = version();
    let readme = fs::read_to_string(copy.join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("rev: v{v}")),
        "README.md pins no pre-commit rev"
    );
    fs::write(
        copy.join("README.md"),
        readme.replacen(&format!("rev: v{v}"), "rev: v9.9.9", 1),
    )
    .unwrap();
    let action_doc = fs::read_to_string(copy.join("docs/github-action.md")).unwrap();
    fs::write(
        copy.join("docs/github-action.md"),
        action_doc.replacen(
            &format!("ferret-scanner/ferret@v{v}"),
            "ferret-scanner/ferret@v0.0.1",
            1,
        ),
    )
    .unwrap();
    let py = fs::read_to_string(copy.join("pyproject.toml")).unwrap();
    fs::write(
        copy.join("pyproject.toml"),
        py.replace(&format!("ferret-scanner=={v}"), "ferret-scanner==0.0.1"),
    )
    .unwrap();
    let o = check_version(copy, None);
    assert_eq!(o.status.code(), Some(1));
    let said = text(&o);
    for want in [
        format!("README.md: 'rev: v9.9.9' pins 9.9.9, not {v}"),
        format!("docs/github-action.md: 'ferret-scanner/ferret@v0.0.1' pins 0.0.1, not {v}"),
        format!("pyproject.toml: does not depend on ferret-scanner=={v}"),
    ] {
        assert!(said.contains(&want), "{want} missing from: {said}");
    }
}
