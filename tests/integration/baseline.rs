//! Baselines (`ferret baseline`, `--baseline`) and `.ferretignore`: adopting ferret in a
//! repository that already has findings.
use crate::util::*;
use serde_json::Value;
use std::collections::BTreeMap;

fn attio(s: &mut Secrets) -> String {
    s.token(&Secrets::join(&["s", "k_"]), 40)
}

/// (path, rule) → fingerprint for every finding in a JSON report.
fn fingerprints(report: &Value) -> BTreeMap<(String, String), String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["rule_id"].as_str().unwrap().to_string(),
                ),
                f["fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn old_secrets(seed: &str) -> (Tree, Vec<String>) {
    let t = Tree::new();
    let mut s = Secrets::new(seed);
    let keys = vec![attio(&mut s), attio(&mut s)];
    t.write("config/.env", format!("ATTIO_API_KEY={}\n", keys[0]));
    t.write("src/app.py", format!("print(1)\nKEY = '{}'\n", keys[1]));
    (t, keys)
}

#[test]
fn fingerprints_do_not_change_when_lines_are_inserted_above() {
    let (t, _) = old_secrets("fp_shift");
    let (_, before, _) = scan_json(t.path(), &[]);
    for rel in ["config/.env", "src/app.py"] {
        let p = t.path().join(rel);
        let old = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, format!("# added\n\n# lines\n{old}")).unwrap();
    }
    let (_, after, _) = scan_json(t.path(), &[]);
    assert_eq!(fingerprints(&before), fingerprints(&after));
    assert_eq!(fingerprints(&before).len(), 2);
    let lines = |r: &Value| -> Vec<u64> { hits(r).into_iter().map(|(_, line, _)| line).collect() };
    assert_eq!(lines(&before), [1, 2]);
    assert_eq!(lines(&after), [4, 5]);
}

#[test]
fn a_baseline_hides_old_findings_and_a_new_secret_still_fails() {
    let (t, keys) = old_secrets("baseline_new");
    let (code, out, err) = run_in(t.path(), &["baseline", ".ferret-baseline"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("wrote 2 fingerprints"), "{out}");

    // The file: sorted fingerprints, each with rule and path, never the secret.
    let text = std::fs::read_to_string(t.path().join(".ferret-baseline")).unwrap();
    for k in &keys {
        assert!(
            !text.contains(k.as_str()),
            "secret in the baseline:\n{text}"
        );
    }
    let entries: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    let (_, report, _) = scan_json(t.path(), &[]);
    let fps = fingerprints(&report);
    let mut want: Vec<String> = fps
        .iter()
        .map(|((path, rule), fp)| format!("{fp}  # {rule}  {path}"))
        .collect();
    want.sort();
    assert_eq!(entries, want);

    // Old findings are hidden and counted.
    let (code, report, _) = scan_json(t.path(), &["--baseline", ".ferret-baseline"]);
    assert_eq!(code, 0);
    assert_eq!(hits(&report), vec![]);
    assert_eq!(report["stats"]["suppressed_baseline"], 2);
    let (_, out, _) = run_in(t.path(), &["scan", ".", "--baseline", ".ferret-baseline"]);
    assert!(out.contains("not reported: 2 in the baseline"), "{out}");

    // A new secret fails the scan; so does an old secret copied to a new file.
    let mut s = Secrets::new("baseline_new_2");
    t.write("src/new.py", format!("K = '{}'\n", attio(&mut s)));
    t.write("src/copy.py", format!("K = '{}'\n", keys[0]));
    let (code, report, _) = scan_json(t.path(), &["--baseline", ".ferret-baseline"]);
    assert_eq!(code, 1);
    assert_eq!(
        hits(&report),
        vec![
            ("src/copy.py".into(), 1, "attio-api-token".into()),
            ("src/new.py".into(), 1, "attio-api-token".into()),
        ]
    );
}

#[test]
fn baseline_of_a_subdirectory_matches_scans_of_it() {
    let (t, _) = old_secrets("baseline_sub");
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("base.txt");
    let (code, _, err) = run_in(t.path(), &["baseline", file.to_str().unwrap(), "src", "-q"]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("# attio-api-token  app.py"), "{text}");
    let (code, _, _) = run_in(
        t.path(),
        &["scan", "src", "--baseline", file.to_str().unwrap()],
    );
    assert_eq!(code, 0);
}

#[test]
fn a_json_report_works_as_a_baseline() {
    let (t, _) = old_secrets("baseline_json");
    let out = tempfile::tempdir().unwrap();
    for format in ["json", "jsonl", "sarif"] {
        let file = out.path().join(format!("old.{format}"));
        let (code, _, _) = run_in(
            t.path(),
            &[
                "scan",
                ".",
                "--format",
                format,
                "-o",
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 1);
        let (code, report, err) = scan_json(t.path(), &["--baseline", file.to_str().unwrap()]);
        assert_eq!((code, hits(&report)), (0, vec![]), "{format}: {err}");
    }
}

#[test]
fn ferretignore_lists_fingerprints_never_to_report() {
    let (t, _) = old_secrets("ferretignore");
    let (_, report, _) = scan_json(t.path(), &[]);
    let fps = fingerprints(&report);
    let env_fp = &fps[&("config/.env".to_string(), "attio-api-token".to_string())];
    t.write(
        ".ferretignore",
        format!("# reviewed: a revoked test key\n\n{env_fp}   # config/.env\n"),
    );
    let (code, report, _) = scan_json(t.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        hits(&report),
        vec![("src/app.py".into(), 2, "attio-api-token".into())]
    );
    assert_eq!(report["stats"]["suppressed_ignored"], 1);

    // The ignore file applies when the directory is scanned from elsewhere too.
    let parent = t.path().parent().unwrap();
    let name = t.path().file_name().unwrap().to_str().unwrap();
    let (_, out, _) = run_in(parent, &["scan", name, "--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["stats"]["suppressed_ignored"], 1);

    // A baseline written now leaves out what is already ignored.
    let (code, _, _) = run_in(t.path(), &["baseline", "b.txt"]);
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(t.path().join("b.txt")).unwrap();
    assert!(!text.contains(env_fp.as_str()), "{text}");
}

#[test]
fn a_bad_ignore_file_or_baseline_is_exit_two_naming_the_line() {
    let (t, _) = old_secrets("bad_ignore");
    t.write(".ferretignore", "# ok\nconfig/.env\n");
    let (code, _, err) = run_in(t.path(), &["scan", "."]);
    assert_eq!(code, 2);
    assert!(
        err.contains(".ferretignore: line 2: expected one 32-hex-digit fingerprint"),
        "{err}"
    );
    std::fs::remove_file(t.path().join(".ferretignore")).unwrap();
    let (code, _, err) = run_in(t.path(), &["scan", ".", "--baseline", "missing.txt"]);
    assert_eq!(code, 2);
    assert!(err.contains("missing.txt"), "{err}");
    t.write("report.json", r#"{"something": "else"}"#);
    let (code, _, err) = run_in(t.path(), &["scan", ".", "--baseline", "report.json"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("report.json: JSON, but not a ferret report"),
        "{err}"
    );
}
