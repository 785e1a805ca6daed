//! The container image's Dockerfile. No Docker engine runs here, so the image is never
//! built or run in the test suite: hadolint lints the file, and the tests read it to check
//! that the image runs the static binary (the release's musl build, staged by
//! `dist.py docker-context`, or one built on Alpine, whose Rust targets musl) with git
//! beside it, and that the release workflow builds it that way.
use super::*;
use std::fs;

/// The Dockerfile as (stage name, instructions) with line continuations joined and
/// comments dropped; an instruction is (KEYWORD, arguments).
fn stages() -> Vec<(String, Vec<(String, String)>)> {
    let text = fs::read_to_string(root().join("Dockerfile")).unwrap();
    let mut logical = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('#') || (t.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(rest) = t.strip_suffix('\\') {
            current.push_str(rest);
            current.push(' ');
        } else {
            current.push_str(t);
            logical.push(std::mem::take(&mut current));
        }
    }
    let mut out: Vec<(String, Vec<(String, String)>)> = vec![("(global)".into(), vec![])];
    for l in logical {
        let (kw, args) = l.split_once(' ').unwrap_or((&l, ""));
        let kw = kw.to_ascii_uppercase();
        if kw == "FROM" {
            let name = args
                .split_whitespace()
                .collect::<Vec<_>>()
                .windows(2)
                .find(|w| w[0].eq_ignore_ascii_case("as"))
                .map(|w| w[1].to_string())
                .unwrap_or_else(|| "(final)".into());
            out.push((name, vec![(kw, args.trim().to_string())]));
        } else {
            out.last_mut()
                .unwrap()
                .1
                .push((kw, args.trim().to_string()));
        }
    }
    out
}

fn stage<'a>(all: &'a [(String, Vec<(String, String)>)], name: &str) -> &'a [(String, String)] {
    &all.iter()
        .find(|s| s.0 == name)
        .unwrap_or_else(|| panic!("no stage {name}"))
        .1
}

fn find<'a>(instrs: &'a [(String, String)], kw: &str) -> Vec<&'a str> {
    instrs
        .iter()
        .filter(|i| i.0 == kw)
        .map(|i| i.1.as_str())
        .collect()
}

#[test]
fn hadolint_passes_the_dockerfile() {
    let o = Command::new(tool("hadolint"))
        .arg(root().join("Dockerfile"))
        .output()
        .unwrap();
    assert!(o.status.success(), "hadolint:\n{}", text(&o));

    // hadolint does check: an untagged base image is reported.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("Dockerfile");
    fs::write(&bad, "FROM alpine\nENTRYPOINT [\"/bin/sh\"]\n").unwrap();
    let o = Command::new(tool("hadolint")).arg(&bad).output().unwrap();
    assert!(!o.status.success());
    assert!(text(&o).contains("DL3006"), "{}", text(&o));
}

#[test]
fn the_image_runs_the_static_binary_with_git_beside_it() {
    let all = stages();
    let last = &all.last().unwrap().1;
    let from = find(last, "FROM");
    assert!(
        from[0].starts_with("alpine:3."),
        "the final stage is not a tagged Alpine: {from:?}"
    );
    let runs = find(last, "RUN").join("\n");
    assert!(runs.contains("apk add --no-cache git"), "{runs}");
    assert!(runs.contains("safe.directory"), "{runs}");
    assert_eq!(
        find(last, "COPY"),
        ["--from=binary --chmod=0755 /out/ferret /usr/local/bin/ferret"]
    );
    assert_eq!(find(last, "ENTRYPOINT"), ["[\"/usr/local/bin/ferret\"]"]);

    // `binary` is one of the two sources of /out/ferret, `source` by default.
    let global = stage(&all, "(global)");
    assert_eq!(find(global, "ARG"), ["FERRET_BINARY=source"]);
    assert_eq!(
        find(stage(&all, "binary"), "FROM"),
        ["${FERRET_BINARY} AS binary"]
    );

    // source: cargo on Alpine, whose default target is musl (static).
    let source = stage(&all, "source");
    assert!(find(source, "FROM")[0].starts_with("rust:1-alpine "));
    assert!(find(source, "RUN")
        .iter()
        .any(|r| r.contains("cargo build --release --locked") && r.contains("/out/ferret")));

    // prebuilt: the path dist.py docker-context writes each architecture's binary to.
    let prebuilt = stage(&all, "prebuilt");
    assert_eq!(find(prebuilt, "FROM"), ["scratch AS prebuilt"]);
    assert_eq!(
        find(prebuilt, "COPY"),
        ["${TARGETOS}/${TARGETARCH}/ferret /out/ferret"]
    );
    let dir = tempfile::tempdir().unwrap();
    let bin = static_binary(dir.path());
    let dist = dir.path().join("dist");
    for target in ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"] {
        let mut c = dist_py(&["archive", "--target", target, "--version", version()]);
        c.arg("--binary").arg(&bin).arg("--out").arg(&dist);
        run_ok(&mut c);
    }
    let ctx = dir.path().join("ctx");
    run_ok(dist_py(&["docker-context"]).arg(&dist).arg(&ctx));
    for arch in ["amd64", "arm64"] {
        let copied = "${TARGETOS}/${TARGETARCH}/ferret"
            .replace("${TARGETOS}", "linux")
            .replace("${TARGETARCH}", arch);
        assert!(
            ctx.join(&copied).is_file(),
            "{copied} is not in the context"
        );
    }
}

#[test]
fn the_release_builds_the_image_from_the_prebuilt_static_binaries() {
    let wf: serde_json::Value = serde_norway::from_str(
        &fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap(),
    )
    .unwrap();
    let steps = wf["jobs"]["image"]["steps"].as_array().unwrap();
    let run = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        run.contains("scripts/release/dist.py docker-context dist docker-context"),
        "{run}"
    );
    let build = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("docker/build-push-action@"))
        })
        .expect("a build-push step");
    assert_eq!(build["with"]["context"], "docker-context");
    assert_eq!(build["with"]["file"], "Dockerfile");
    assert_eq!(build["with"]["build-args"], "FERRET_BINARY=prebuilt");
    assert_eq!(build["with"]["platforms"], "linux/amd64,linux/arm64");
    let meta = steps
        .iter()
        .find(|s| s["id"] == "meta")
        .expect("a metadata step");
    assert_eq!(meta["with"]["images"], "ghcr.io/${{ github.repository }}");
}
