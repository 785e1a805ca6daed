//! Directory scans: exit codes, redaction, report shapes, bad input.
use crate::harness::*;

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
