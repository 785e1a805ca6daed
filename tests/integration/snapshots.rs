//! Snapshots (insta) of what people and programs read: every report format, every
//! command's `--help`, and the hook's messages. A change in output shows up as a diff of
//! `tests/integration/snapshots/` that a reviewer accepts (`cargo insta review`) or not.
//! Timings and temp paths are filtered out; secrets are made from fixed seeds, so the
//! redacted prefixes are the same on every run.
use crate::util::*;

/// Times and temp paths, which change from run to run.
fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"\b\d+\.\d\d s\b", "[TIME] s"),
        (r#""elapsed_ms": \d+"#, r#""elapsed_ms": "[TIME]""#),
        (r"/tmp/\.tmp[A-Za-z0-9]+", "[TMP]"),
    ]
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({filters => filters(), prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

/// A tree with one secret of each severity the built-in rules give, a placeholder that
/// must stay quiet, and a secret twice on one line.
fn tree() -> Tree {
    let mut s = Secrets::new("snapshots");
    let attio = s.token(&Secrets::join(&["s", "k_"]), 40);
    let topo = s.token(&Secrets::join(&["to", "po_"]), 32);
    let hook = s.token(&Secrets::join(&["wh", "sec_"]), 32);
    let t = Tree::new();
    t.write(
        ".env",
        format!("ATTIO_API_KEY={attio}\nPLACEHOLDER=sk_your_token_here\n"),
    );
    t.write(
        "src/settings.py",
        format!("TOPO = \"{topo}\"\nWEBHOOK_SECRET = \"{hook}\"\n"),
    );
    t
}

fn scan(t: &Tree, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["scan", "."];
    all.extend_from_slice(args);
    run_in(t.path(), &all)
}

#[test]
fn every_report_format() {
    let t = tree();
    for (name, args) in [
        ("report_human", vec![]),
        ("report_human_color", vec!["--color", "always"]),
        ("report_json", vec!["--format", "json"]),
        ("report_jsonl", vec!["--format", "jsonl"]),
        ("report_sarif", vec!["--format", "sarif"]),
        ("report_github", vec!["--format", "github"]),
    ] {
        let (code, out, err) = scan(&t, &args);
        assert_eq!(code, 1, "{name}: {err}");
        snapshot!(name, out);
    }
}

/// One secret in three places (one of them a test directory) and a password: grouped, with
/// each finding's confidence, and the summary counting what the default left out.
#[test]
fn groups_and_confidence_in_the_human_report() {
    let mut s = Secrets::new("snapshots-groups");
    let topo = s.token(&Secrets::join(&["to", "po_"]), 32);
    let password = format!("{}-{}", s.chars(ALNUM, 10), s.chars(ALNUM, 8));
    let t = Tree::new();
    t.write(
        "config/app.env",
        format!("TOPO_API_KEY={topo}\nDB_PASSWORD=\"{password}\"\n"),
    );
    t.write("deploy/prod.env", format!("TOPO_API_KEY={topo}\n"));
    t.write(
        "src/test/resources/app.env",
        format!("TOPO_API_KEY={topo}\n"),
    );
    for (name, args) in [
        ("report_human_grouped", vec![]),
        ("report_human_grouped_all", vec!["--min-confidence", "low"]),
    ] {
        let (code, out, err) = scan(&t, &args);
        assert_eq!(code, 1, "{name}: {err}");
        snapshot!(name, out);
    }
}

#[test]
fn a_clean_scan_says_what_it_scanned() {
    let t = Tree::new();
    t.write("README.md", "nothing to see\n");
    let (code, out, _) = scan(&t, &[]);
    assert_eq!(code, 0);
    snapshot!("report_human_clean", out);
}

#[test]
fn every_commands_help() {
    for cmd in [
        vec![],
        vec!["scan"],
        vec!["git"],
        vec!["audit"],
        vec!["baseline"],
        vec!["rules"],
        vec!["rules", "list"],
        vec!["rules", "check"],
        vec!["install-hook"],
        vec!["uninstall-hook"],
        vec!["hook", "pre-commit"],
        vec!["hook", "pre-push"],
        vec!["org"],
        vec!["org", "plan"],
        vec!["org", "scan"],
        vec!["org", "merge"],
    ] {
        let mut args = cmd.clone();
        args.push("--help");
        let (code, out, err) = outcome(ferret().env("COLUMNS", "100").args(&args));
        assert_eq!(code, 0, "{args:?}: {err}");
        let name = format!(
            "help_{}",
            if cmd.is_empty() {
                "ferret".into()
            } else {
                cmd.join("_")
            }
        );
        snapshot!(name, out);
    }
}

#[test]
fn the_hooks_block_message() {
    use crate::hooks::{commit, install, path_with_ferret, stage_secret, text};
    let repo = TestRepo::new();
    repo.commit_file("README.md", "hi\n", "first");
    let (code, _, err) = install(&repo, &[]);
    assert_eq!(code, 0, "{err}");
    stage_secret(&repo, "snapshot-hook", "config/.env");
    let o = commit(&repo, "add key", &path_with_ferret());
    assert!(!o.status.success());
    snapshot!("hook_blocked", text(&o));
}
