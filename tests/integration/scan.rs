//! Directory scans: exit codes, redaction, report shapes, bad input.
use crate::util::*;

fn attio(s: &mut Secrets) -> String {
    s.token(&Secrets::join(&["s", "k_"]), 40)
}

#[test]
fn clean_tree_exits_zero_and_says_what_it_scanned() {
    let t = Tree::new();
    t.write("src/main.py", "print('hello')\n");
    let (code, out, _) = run_in(t.path(), &["scan", "."]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 findings"), "{out}");
    assert!(out.contains("1 file"), "{out}");
}

#[test]
fn finding_exits_one_and_is_redacted() {
    let t = Tree::new();
    let mut s = Secrets::new("finding_exits_one");
    let key = attio(&mut s);
    t.write(".env", format!("ATTIO_API_KEY={key}\n"));
    let (code, out, err) = run_in(t.path(), &["scan", "."]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("attio-api-token"), "{out}");
    assert!(
        !out.contains(&key),
        "whole secret printed without --show-secrets"
    );
    let (code, v, _) = scan_json(t.path(), &[]);
    assert_eq!(code, 1);
    let f = &v["findings"][0];
    assert_eq!(f["path"], ".env");
    assert_eq!(f["line"], 1);
    assert_eq!(f["column"], 15);
    assert!(!v.to_string().contains(&key));
    let (_, v, _) = scan_json(t.path(), &["--show-secrets"]);
    assert_eq!(v["findings"][0]["secret"], key.as_str());
}

#[test]
fn exit_code_flag_changes_the_findings_code() {
    let t = Tree::new();
    let mut s = Secrets::new("exit_code_flag");
    t.write("a.txt", format!("token {}\n", attio(&mut s)));
    let (code, _, _) = run_in(t.path(), &["scan", ".", "--exit-code", "7"]);
    assert_eq!(code, 7);
}

#[test]
fn missing_path_is_exit_two_naming_the_path() {
    let t = Tree::new();
    let (code, _, err) = run_in(t.path(), &["scan", "no/such/dir"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/dir"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

fn tree_with_key(seed: &str) -> (Tree, String) {
    let t = Tree::new();
    let mut s = Secrets::new(seed);
    let key = attio(&mut s);
    (t, key)
}

#[test]
fn gitignored_files_are_skipped_unless_no_ignore() {
    let (t, key) = tree_with_key("gitignore");
    t.write(".gitignore", "build/\n");
    t.write("build/out.txt", format!("k={key}\n"));
    let (code, report, _) = scan_json(t.path(), &[]);
    assert_eq!((code, hits(&report)), (0, vec![]));
    let (code, report, _) = scan_json(t.path(), &["--no-ignore"]);
    assert_eq!(code, 1);
    assert_eq!(
        hits(&report),
        vec![("build/out.txt".into(), 1, "attio-api-token".into())]
    );
}

#[test]
fn dotfiles_are_scanned_but_dot_git_is_not() {
    let (t, key) = tree_with_key("dotfiles");
    t.write(".config/app/.npmrc", format!("token={key}\n"));
    t.write(".git/config", format!("k={key}\n"));
    let (_, report, _) = scan_json(t.path(), &[]);
    assert_eq!(
        hits(&report),
        vec![(".config/app/.npmrc".into(), 1, "attio-api-token".into())]
    );
}

#[test]
fn binary_files_are_scanned_by_their_strings_or_raw_with_scan_binary() {
    let (t, key) = tree_with_key("binary");
    t.write(
        "blob.bin",
        [b"\0\x01\x02".as_slice(), key.as_bytes(), b"\0"].concat(),
    );
    for extra in [&[][..], &["--scan-binary"]] {
        let (code, report, _) = scan_json(t.path(), extra);
        assert_eq!(code, 1, "{extra:?}");
        assert_eq!(report["stats"]["skipped_binary"], 0);
        assert_eq!(hits(&report).len(), 1, "{extra:?}");
        assert_eq!(report["findings"][0]["column"], 4);
    }
    let (_, report, _) = scan_json(t.path(), &[]);
    assert_eq!(report["findings"][0]["byte_offset"], 3);
}

#[test]
fn large_files_are_skipped_with_a_note() {
    let (t, key) = tree_with_key("large");
    t.write("big.txt", format!("{}\nk={key}\n", "a".repeat(2048)));
    let (code, report, err) = scan_json(t.path(), &["--max-file-size", "1K"]);
    assert_eq!(code, 0);
    assert_eq!(report["stats"]["skipped_large"], 1);
    assert!(
        err.contains("big.txt") && err.contains("max-file-size"),
        "{err}"
    );
}

#[test]
fn crlf_and_utf16_files_report_the_right_line() {
    let (t, key) = tree_with_key("encodings");
    t.write("win.env", format!("A=1\r\nB=2\r\nKEY={key}\r\n"));
    let mut utf16 = vec![0xFF, 0xFE];
    for u in format!("x\ny\nKEY={key}\n").encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    t.write("utf16.txt", utf16);
    t.write(
        "latin1.txt",
        [
            b"caf\xe9\n\xff\xfe\xfdKEY=".as_slice(),
            key.as_bytes(),
            b"\n",
        ]
        .concat(),
    );
    let (_, report, _) = scan_json(t.path(), &[]);
    assert_eq!(
        hits(&report),
        vec![
            ("latin1.txt".into(), 2, "attio-api-token".into()),
            ("utf16.txt".into(), 3, "attio-api-token".into()),
            ("win.env".into(), 3, "attio-api-token".into()),
        ]
    );
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_reported_and_the_scan_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let (t, key) = tree_with_key("unreadable");
    let locked = t.write("locked.txt", "nothing\n");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_ok() {
        // Running as root: permissions do not stop reads, so make the file unreadable
        // another way: a dangling symlink followed with -L.
        std::fs::remove_file(&locked).unwrap();
        std::os::unix::fs::symlink("missing-target", t.path().join("locked.txt")).unwrap();
    }
    t.write("ok.txt", format!("k={key}\n"));
    let (code, report, err) = scan_json(t.path(), &["-L"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("locked.txt"), "{err}");
    assert_eq!(
        hits(&report),
        vec![("ok.txt".into(), 1, "attio-api-token".into())]
    );
}

#[cfg(unix)]
#[test]
fn symlinks_are_not_followed_by_default() {
    let (t, key) = tree_with_key("symlinks");
    let outside = Tree::new();
    outside.write("secret.txt", format!("k={key}\n"));
    std::os::unix::fs::symlink(outside.path(), t.path().join("link")).unwrap();
    let (code, _, _) = scan_json(t.path(), &[]);
    assert_eq!(code, 0);
    let (code, report, _) = scan_json(t.path(), &["--follow"]);
    assert_eq!(code, 1);
    assert_eq!(
        hits(&report),
        vec![("link/secret.txt".into(), 1, "attio-api-token".into())]
    );
}

#[test]
fn stdin_is_scanned_with_dash() {
    let (_t, key) = tree_with_key("stdin");
    let out = ferret()
        .args(["scan", "-", "--format", "jsonl"])
        .write_stdin(format!("one\nKEY={key}\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let line: serde_json::Value =
        serde_json::from_slice(out.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(line["path"], "<stdin>");
    assert_eq!(line["line"], 2);
}

#[test]
fn output_file_and_jsonl() {
    let (t, key) = tree_with_key("output_file");
    t.write("a.txt", format!("k={key}\nk2={key}\n"));
    let out = t.path().join("report.jsonl");
    let (code, stdout, _) = run_in(
        t.path(),
        &["scan", "a.txt", "-f", "jsonl", "-o", out.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    let text = std::fs::read_to_string(out).unwrap();
    assert_eq!(text.lines().count(), 2);
    for l in text.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["path"], "a.txt");
    }
}

#[test]
fn findings_are_sorted_and_identical_across_runs() {
    let t = Tree::new();
    let mut s = Secrets::new("sorted");
    for i in 0..40 {
        t.write(
            &format!("d{}/f{i}.txt", i % 7),
            format!("k={}\n", attio(&mut s)),
        );
    }
    let (_, a, _) = run_in(t.path(), &["scan", ".", "-f", "json", "-j", "2"]);
    let (_, b, _) = run_in(t.path(), &["scan", ".", "-f", "json", "-j", "1"]);
    let strip = |s: &str| {
        let mut v: serde_json::Value = serde_json::from_str(s).unwrap();
        v["stats"]["elapsed_ms"] = 0.into();
        v
    };
    assert_eq!(strip(&a), strip(&b));
    let h = hits(&strip(&a));
    assert_eq!(h.len(), 40);
}

#[test]
fn config_adds_rules_and_allowlists() {
    let (t, key) = tree_with_key("config");
    t.write(
        ".ferret.toml",
        r#"
[allowlist]
paths = ['^fixtures/']

[[rules]]
id = "internal-token"
description = "Internal service token"
regex = '''\b(itk_[a-z0-9]{16})\b'''
keywords = ["itk_"]
severity = "medium"
remediation = "Rotate it in the internal console."
examples = ["itk_{{lowernum:16}}"]
"#,
    );
    t.write("fixtures/a.txt", format!("k={key}\n"));
    t.write("svc.txt", "token = itk_0a1b2c3d4e5f6a7b\n");
    let (code, report, err) = scan_json(t.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        hits(&report),
        vec![("svc.txt".into(), 1, "internal-token".into())]
    );
}

#[test]
fn config_can_replace_and_disable_builtin_rules() {
    let (t, key) = tree_with_key("config_disable");
    t.write("a.txt", format!("k={key}\n"));
    t.write(
        "cfg.toml",
        "[extend]\ndisabled_rules = [\"attio-api-token\"]\n",
    );
    let (code, _, err) = run_in(t.path(), &["scan", "a.txt", "--config", "cfg.toml"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn broken_rule_in_config_is_exit_two_naming_the_rule() {
    let t = Tree::new();
    t.write(
        ".ferret.toml",
        "[[rules]]\nid = \"bad-rule\"\ndescription = \"x\"\nregex = '(unclosed'\nkeywords = [\"x\"]\n",
    );
    t.write("a.txt", "hello\n");
    let (code, _, err) = run_in(t.path(), &["scan", "."]);
    assert_eq!(code, 2);
    assert!(err.contains("bad-rule") && err.contains("regex"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn broken_allowlist_regex_in_config_is_exit_two_before_any_match() {
    // Allowlist regexes compile when a candidate first reaches them, but a config file's
    // are compiled up front: a bad one is an error even where nothing would ever match.
    let t = Tree::new();
    t.write("a.txt", "hello\n");
    t.write(
        "rule.toml",
        "[[rules]]\nid = \"odd-rule\"\ndescription = \"x\"\nregex = 'zz[0-9]{8}'\n\
         keywords = [\"zz\"]\n[rules.allowlist]\nregexes = ['(unclosed']\n",
    );
    let (code, _, err) = run_in(t.path(), &["scan", "a.txt", "--config", "rule.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("odd-rule") && err.contains("allowlist regex"),
        "{err}"
    );
    t.write("global.toml", "[allowlist]\nregexes = ['[unclosed']\n");
    let (code, _, err) = run_in(t.path(), &["scan", "a.txt", "--config", "global.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("global.toml") && err.contains("allowlist regex"),
        "{err}"
    );
}

#[test]
fn invalid_config_file_is_exit_two_naming_the_file() {
    let t = Tree::new();
    t.write("bad.toml", "[[rules]\nid = 3\n");
    let (code, _, err) = run_in(t.path(), &["scan", ".", "--config", "bad.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.toml"), "{err}");
    let (code, _, err) = run_in(t.path(), &["scan", ".", "--config", "missing.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("missing.toml"), "{err}");
}

#[test]
fn rules_check_reports_a_failing_example() {
    let t = Tree::new();
    t.write(
        "r.toml",
        r#"
[[rules]]
id = "demo-token"
description = "Demo"
regex = '''\bdemo_[a-z]{8}\b'''
keywords = ["demo_"]
severity = "low"
examples = ["demo_ABCDEFGH"]
negative_examples = ["demo_abcdefgh"]
"#,
    );
    let (code, _, err) = run_in(t.path(), &["rules", "check", "r.toml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("demo-token") && err.contains("example does not match"),
        "{err}"
    );
    assert!(err.contains("negative example matches"), "{err}");
}

#[test]
fn rules_list_names_the_key_rules() {
    let t = Tree::new();
    let (code, out, _) = run_in(t.path(), &["rules", "list"]);
    assert_eq!(code, 0);
    for id in [
        "attio-api-token",
        "stripe-webhook-secret",
        "svix-webhook-secret",
        "topo-api-key",
    ] {
        assert!(out.contains(id), "{id} missing");
    }
}

#[test]
fn terminal_output_is_sanitized() {
    let (t, key) = tree_with_key("sanitize");
    t.write("evil\x1b[31m.txt", format!("k={key}\n"));
    let (_, out, _) = run_in(t.path(), &["scan", "."]);
    assert!(!out.contains('\x1b'), "{out:?}");
}

#[test]
fn help_documents_exit_codes() {
    let (code, out, _) = run_in(Tree::new().path(), &["scan", "--help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Exit codes") && out.contains("2  an error"),
        "{out}"
    );
}
