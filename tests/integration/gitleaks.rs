//! gitleaks configs: `--config` with a gitleaks-format file, and `.gitleaks.toml` found at
//! the scanned root, are translated and matched the way gitleaks matches. The configs here
//! are small and synthetic (made-up `zq` prefixes), not gitleaks' own rules.
use crate::util::*;

/// A token of a made-up format: `zq` + `kind` + `_` + 20 random lowercase alphanumerics.
fn zq(s: &mut Secrets, kind: &str) -> String {
    format!("zq{kind}_{}", s.chars(LOWERNUM, 20))
}

/// Runs a JSON scan of `tree` with the gitleaks config `config` (kept outside the tree).
fn scan_with(tree: &Tree, config: &str, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let dir = Tree::new();
    let path = dir.write("rules.gitleaks.toml", config);
    let mut args = vec!["--config", path.to_str().unwrap(), "--show-secrets"];
    args.extend_from_slice(extra);
    scan_json(tree.path(), &args)
}

fn ids(report: &serde_json::Value) -> Vec<String> {
    hits(report).into_iter().map(|h| h.2).collect()
}

fn secrets(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["secret"].as_str().unwrap().to_string())
        .collect()
}

const ZQA: &str = r#"
title = "zq"
[[rules]]
id = "zq-a"
description = "zq a token"
regex = '''zqa_[a-z0-9]{20}'''
keywords = ["zqa_"]
"#;

#[test]
fn secret_group_picks_the_group() {
    let t = Tree::new();
    let mut s = Secrets::new("gl-group");
    let value = s.chars(LOWERNUM, 16);
    t.write("app.cfg", format!("zq_id = ab\nzq_key = {value}\n"));
    let config = r#"
[[rules]]
id = "zq-key"
regex = '''zq_(id|key) = ([a-z0-9]{4,})'''
secretGroup = 2
keywords = ["zq_"]
"#;
    let (code, v, err) = scan_with(&t, config, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(hits(&v), vec![("app.cfg".into(), 2, "zq-key".into())]);
    assert_eq!(secrets(&v), vec![value]);
}

#[test]
fn entropy_must_be_strictly_above_the_minimum() {
    let t = Tree::new();
    let mut s = Secrets::new("gl-entropy");
    // "abcdefgh" has exactly 3 bits per character: gitleaks drops it at entropy = 3.
    t.write("a.txt", "zqe_abcdefgh\n");
    t.write("b.txt", "zqe_aaaaaaaa\n");
    t.write("c.txt", format!("zqe_{}\n", s.chars(ALNUM, 24)));
    let config = r#"
[[rules]]
id = "zq-e"
regex = '''zqe_([a-zA-Z0-9]{8,})'''
entropy = 3
keywords = ["zqe_"]
"#;
    let (_, v, _) = scan_with(&t, config, &[]);
    assert_eq!(hits(&v), vec![("c.txt".into(), 1, "zq-e".into())]);
}

#[test]
fn keywords_gate_a_rule_and_a_rule_without_keywords_runs_everywhere() {
    let t = Tree::new();
    let mut s = Secrets::new("gl-keywords");
    let v1 = s.chars(LOWERNUM, 20);
    let v2 = s.chars(LOWERNUM, 20);
    t.write("with.txt", format!("ZQGATE here\nvalue={v1}\n"));
    t.write("without.txt", format!("value={v2}\n"));
    let config = r#"
[[rules]]
id = "zq-gated"
regex = '''value=([a-z0-9]{20})'''
keywords = ["zqgate"]

[[rules]]
id = "zq-open"
regex = '''value=([a-z0-9]{20})'''
"#;
    let (_, v, _) = scan_with(&t, config, &[]);
    assert_eq!(
        hits(&v),
        vec![
            ("with.txt".into(), 2, "zq-gated".into()),
            ("with.txt".into(), 2, "zq-open".into()),
            ("without.txt".into(), 1, "zq-open".into()),
        ],
        "keywords are matched case-insensitively; every rule reports, no overlap resolution"
    );
}

#[test]
fn path_only_rules_report_files_by_name_and_path_narrows_a_regex_rule() {
    let t = Tree::new();
    let mut s = Secrets::new("gl-path");
    let token = zq(&mut s, "p");
    t.write("certs/server.zqk", b"\x00\x01binary key store\x00");
    t.write("certs/empty.zqk", "");
    t.write("certs/notes.txt", "nothing\n");
    t.write("app.cfg", format!("x\n{token}\n"));
    t.write("app.txt", format!("{token}\n"));
    let config = r#"
[[rules]]
id = "zq-keystore"
description = "a key store file"
path = '''(?i)\.zqk$'''

[[rules]]
id = "zq-p-in-cfg"
regex = '''zqp_[a-z0-9]{20}'''
path = '''\.cfg$'''
keywords = ["zqp_"]
"#;
    let (code, v, err) = scan_with(&t, config, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        hits(&v),
        vec![
            ("app.cfg".into(), 2, "zq-p-in-cfg".into()),
            ("certs/server.zqk".into(), 1, "zq-keystore".into()),
        ],
        "binary files are judged by name too; empty files are not reported"
    );
    let file = &v["findings"][1];
    assert_eq!(file["snippet"], "file detected: certs/server.zqk");
    assert_eq!(file["description"], "a key store file");
}

#[test]
fn rule_allowlists_with_targets_stopwords_paths_and_and() {
    let t = Tree::new();
    let mut s = Secrets::new("gl-allow");
    let mut tok = || zq(&mut s, "a");
    // The match ends in `-dev`, the secret (group 1) does not.
    t.write("match.txt", format!("{}-dev\n", tok()));
    t.write("line.txt", format!("{} # reviewed\n", tok()));
    let stop = format!("zqa_testvalue{}", &tok()[13..]);
    t.write("stop.txt", format!("{stop}\n"));
    t.write("fixtures/one.txt", format!("{}\n", tok()));
    // condition = AND: the path and the line regex must both hold.
    t.write("docs/and.md", format!("sample {}\n", tok()));
    t.write("docs/other.md", format!("{}\n", tok()));
    t.write("src/and.md", format!("sample {}\n", tok()));
    let config = r#"
[[rules]]
id = "zq-a"
regex = '''(zqa_[a-z0-9]{20})(?:-dev)?'''
keywords = ["zqa_"]
[[rules.allowlists]]
regexTarget = "match"
regexes = ['''-dev$''']
[[rules.allowlists]]
regexTarget = "line"
regexes = ['''# reviewed$''']
[[rules.allowlists]]
stopwords = ["TESTVALUE"]
[[rules.allowlists]]
paths = ['''^fixtures/''']
[[rules.allowlists]]
condition = "AND"
paths = ['''^docs/''']
regexTarget = "line"
regexes = ['''^sample ''']

# The same `-dev` regex tried against the secret (the default target) allows nothing.
[[rules]]
id = "zq-a-secret-target"
regex = '''(zqa_[a-z0-9]{20})(?:-dev)?'''
path = '''^match\.txt$'''
keywords = ["zqa_"]
[[rules.allowlists]]
regexes = ['''-dev$''']
"#;
    let (_, v, _) = scan_with(&t, config, &[]);
    assert_eq!(
        hits(&v),
        vec![
            ("docs/other.md".into(), 1, "zq-a".into()),
            ("match.txt".into(), 1, "zq-a-secret-target".into()),
            ("src/and.md".into(), 1, "zq-a".into()),
        ]
    );
}

#[test]
fn old_style_rule_allowlist_still_works() {
    let t = Tree::new();
    let mut s = Secrets::new("gl-old-allow");
    t.write("a.txt", format!("{}\n", zq(&mut s, "a")));
    let config = format!("{ZQA}\n[rules.allowlist]\nregexes = ['''^zqa_''']\n");
    let (code, v, err) = scan_with(&t, &config, &[]);
    assert_eq!(code, 0, "{v}\n{err}");
}

#[test]
fn global_allowlists_apply_to_every_rule() {
    let t = Tree::new();
    let mut s = Secrets::new("gl-global");
    t.write("vendor/lib.txt", format!("{}\n", zq(&mut s, "a")));
    t.write("keep.txt", format!("{}\n", zq(&mut s, "a")));
    let allowed = format!("zqa_ok{}", &zq(&mut s, "a")[6..]);
    t.write("ok.txt", format!("{allowed}\n"));
    let config = format!(
        r#"{ZQA}
[allowlist]
paths = ['''^vendor/''']
regexes = ['''^zqa_ok''']
"#
    );
    let (_, v, _) = scan_with(&t, &config, &[]);
    assert_eq!(hits(&v), vec![("keep.txt".into(), 1, "zq-a".into())]);

    // [[allowlists]] with targetRules: only that rule is allowed.
    let config = format!(
        r#"{ZQA}
[[rules]]
id = "zq-a-too"
regex = '''zqa_[a-z0-9]{{20}}'''
keywords = ["zqa_"]
[[allowlists]]
targetRules = ["zq-a"]
paths = ['''^keep\.txt$''']
"#
    );
    let (_, v, _) = scan_with(&t, &config, &[]);
    let keep: Vec<_> = hits(&v).into_iter().filter(|h| h.0 == "keep.txt").collect();
    assert_eq!(keep, vec![("keep.txt".into(), 1, "zq-a-too".into())]);
}

#[test]
fn ferrets_own_global_allowlist_does_not_apply_to_gitleaks_rules() {
    let t = Tree::new();
    let mut s = Secrets::new("gl-exempt");
    // "example" is a stopword of ferret's global allowlist; lock files are skipped by it.
    let token = format!("zqa_example{}", s.chars(LOWERNUM, 13));
    t.write("a.txt", format!("{token}\n"));
    t.write(
        "package-lock.json",
        format!("{{\"k\": \"{}\"}}\n", zq(&mut s, "a")),
    );
    let (_, v, _) = scan_with(&t, ZQA, &[]);
    assert_eq!(
        hits(&v),
        vec![
            ("a.txt".into(), 1, "zq-a".into()),
            ("package-lock.json".into(), 1, "zq-a".into()),
        ]
    );
}

#[test]
fn generic_rules_yield_to_a_specific_rule_on_the_same_line() {
    let t = Tree::new();
    let mut s = Secrets::new("gl-generic");
    let token = zq(&mut s, "a");
    t.write(
        "a.env",
        format!("ZQ_TOKEN={token}\nOTHER_TOKEN={}\n", s.chars(ALNUM, 24)),
    );
    let config = format!(
        r#"{ZQA}
[[rules]]
id = "zq-generic-token"
regex = '''[A-Z_]+_TOKEN=([A-Za-z0-9_]{{16,}})'''
keywords = ["_token"]
"#
    );
    let (_, v, _) = scan_with(&t, &config, &[]);
    assert_eq!(
        hits(&v),
        vec![
            ("a.env".into(), 1, "zq-a".into()),
            ("a.env".into(), 2, "zq-generic-token".into()),
        ]
    );
}

#[test]
fn composite_rules_need_their_required_rule_nearby() {
    let t = Tree::new();
    let mut s = Secrets::new("gl-composite");
    let mut pass = || s.chars(LOWERNUM, 16);
    t.write("near.txt", format!("zq_user=alice\nzq_pass={}\n", pass()));
    t.write(
        "far.txt",
        format!("zq_user=alice\n\n\nzq_pass={}\n", pass()),
    );
    t.write("alone.txt", format!("zq_pass={}\n", pass()));
    let config = r#"
[[rules]]
id = "zq-user"
regex = '''zq_user=([a-z]{4,})'''
keywords = ["zq_user"]
skipReport = true

[[rules]]
id = "zq-pass"
regex = '''zq_pass=([a-z0-9]{16})'''
keywords = ["zq_pass"]
[[rules.required]]
id = "zq-user"
withinLines = 1
"#;
    let (_, v, _) = scan_with(&t, config, &[]);
    assert_eq!(hits(&v), vec![("near.txt".into(), 2, "zq-pass".into())]);
}

#[test]
fn gitleaks_allow_comment_suppresses_a_line() {
    let t = Tree::new();
    let mut s = Secrets::new("gl-inline");
    t.write(
        "a.py",
        format!(
            "x = '{}'  # gitleaks:allow\ny = '{}'\n",
            zq(&mut s, "a"),
            zq(&mut s, "a")
        ),
    );
    let (_, v, _) = scan_with(&t, ZQA, &[]);
    assert_eq!(hits(&v), vec![("a.py".into(), 2, "zq-a".into())]);
}

fn attio_key(s: &mut Secrets) -> String {
    s.token(&Secrets::join(&["s", "k_"]), 40)
}

#[test]
fn use_default_keeps_ferrets_builtin_rules_and_disabled_rules_turns_them_off() {
    let t = Tree::new();
    let mut s = Secrets::new("gl-default");
    t.write(
        "a.env",
        format!("ATTIO={}\nZQ={}\n", attio_key(&mut s), zq(&mut s, "a")),
    );

    let (_, v, _) = scan_with(&t, ZQA, &[]);
    assert_eq!(
        ids(&v),
        vec!["zq-a"],
        "without [extend], only the config's rules"
    );

    let with = format!("[extend]\nuseDefault = true\n{ZQA}");
    let (_, v, _) = scan_with(&t, &with, &[]);
    assert_eq!(ids(&v), vec!["attio-api-token", "zq-a"]);

    let off = format!("[extend]\nuseDefault = false\n{ZQA}");
    let (_, v, _) = scan_with(&t, &off, &[]);
    assert_eq!(ids(&v), vec!["zq-a"]);

    let disabled =
        format!("[extend]\nuseDefault = true\ndisabledRules = [\"attio-api-token\"]\n{ZQA}");
    let (_, v, _) = scan_with(&t, &disabled, &[]);
    assert_eq!(ids(&v), vec!["zq-a"]);
}

#[test]
fn extend_path_merges_another_config() {
    let t = Tree::new();
    let mut s = Secrets::new("gl-extend");
    t.write(
        "a.txt",
        format!("{}\n{}\n", zq(&mut s, "a"), zq(&mut s, "b")),
    );
    let dir = Tree::new();
    dir.write(
        "base.toml",
        r#"
[[rules]]
id = "zq-a"
description = "base description"
regex = '''zqa_[a-z0-9]{20}'''
keywords = ["zqa_"]

[[rules]]
id = "zq-b"
regex = '''zqb_[a-z0-9]{20}'''
keywords = ["zqb_"]

[[rules]]
id = "zq-c"
regex = '''zq[ab]_[a-z0-9]{20}'''
"#,
    );
    // Relative to the extending config; `zq-a` keeps its regex and takes the new
    // description; `zq-c` is disabled.
    let main = dir.write(
        "main.gitleaks.toml",
        r#"
[extend]
path = "base.toml"
disabledRules = ["zq-c"]

[[rules]]
id = "zq-a"
description = "overridden"
"#,
    );
    let (code, v, err) = scan_json(t.path(), &["--config", main.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(ids(&v), vec!["zq-a", "zq-b"]);
    let a = &v["findings"][0];
    assert_eq!(a["description"], "overridden");
}

#[test]
fn gitleaks_toml_at_the_root_is_found_unless_there_is_a_ferret_toml() {
    let t = Tree::new();
    let mut s = Secrets::new("gl-auto");
    t.write("a.txt", format!("{}\n", zq(&mut s, "a")));
    // The config itself holds a token (an example in a comment): like gitleaks, ferret
    // does not scan the config file it reads.
    let example = zq(&mut s, "a");
    t.write(
        ".gitleaks.toml",
        format!("# A token looks like {example}\n{ZQA}"),
    );
    let (code, v, err) = scan_json(t.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(hits(&v), vec![("a.txt".into(), 1, "zq-a".into())]);

    t.write(".ferret.toml", "title = \"ferret first\"\n");
    let (code, v, _) = scan_json(t.path(), &[]);
    assert_eq!(code, 0, "{v}");
}

#[test]
fn a_gitleaks_config_is_recognised_by_its_keys_whatever_its_name() {
    let t = Tree::new();
    let mut s = Secrets::new("gl-sniff");
    t.write("a.txt", format!("k zqa_{}\n", s.chars(LOWERNUM, 20)));
    let dir = Tree::new();
    let custom = dir.write(
        "custom.toml",
        "[[rules]]\nid = \"zq-a\"\nregex = '''k (zqa_[a-z0-9]{20})'''\nsecretGroup = 1\n",
    );
    let (code, v, err) = scan_json(t.path(), &["--config", custom.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(ids(&v), vec!["zq-a"]);

    // A ferret config with a mistyped key is still reported as a ferret config error.
    let typo = dir.write(
        "typo.toml",
        "[[rules]]\nid = \"zq-a\"\ndescription = \"d\"\nregex = 'x'\nsecret_grup = 1\n",
    );
    let (code, _, err) = run_in(t.path(), &["scan", ".", "--config", typo.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("typo.toml") && err.contains("secret_grup"),
        "{err}"
    );
}

#[test]
fn invalid_gitleaks_configs_are_exit_two_naming_the_file_and_the_rule() {
    let t = Tree::new();
    t.write("a.txt", "nothing\n");
    let cases = [
        ("[[rules]]\nid = \"zq-bad\"\nregex = '''zq(['''\n", "invalid regex"),
        (
            "[[rules]]\nid = \"zq-bad\"\nregex = '''zq(x)'''\nsecretGroup = 3\n",
            "secret group 3",
        ),
        (
            "[[rules]]\nid = \"zq-bad\"\nregex = 'x'\n[[rules.allowlists]]\ncondition = \"XOR\"\nregexes = ['y']\n",
            "condition",
        ),
        (
            "[[rules]]\nid = \"zq-bad\"\nregex = 'x'\n[[rules.allowlists]]\nregexTarget = \"path\"\nregexes = ['y']\n",
            "regexTarget",
        ),
        (
            "[[rules]]\nid = \"zq-bad\"\nregex = 'x'\n[[rules.allowlists]]\ndescription = \"empty\"\n",
            "at least one check",
        ),
        ("[[rules]]\nid = \"zq-bad\"\ndescription = \"nothing to match\"\n", "both |regex| and |path|"),
        (
            "[[rules]]\nid = \"zq-bad\"\nregex = 'x'\n[[rules.required]]\nid = \"other\"\n",
            "'other' does not exist",
        ),
    ];
    for (config, why) in cases {
        let dir = Tree::new();
        let path = dir.write("bad.gitleaks.toml", config);
        let (code, out, err) = run_in(t.path(), &["scan", ".", "--config", path.to_str().unwrap()]);
        assert_eq!(code, 2, "{config}\n{out}\n{err}");
        assert!(
            err.contains("bad.gitleaks.toml") && err.contains("zq-bad") && err.contains(why),
            "{config}\n{err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
    // Not TOML at all: the file is named.
    let dir = Tree::new();
    let path = dir.write(".gitleaks.toml", "[[rules]\n");
    let (code, _, err) = run_in(t.path(), &["scan", ".", "--config", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains(".gitleaks.toml"), "{err}");
}

#[test]
fn rules_list_and_check_read_a_gitleaks_config() {
    let dir = Tree::new();
    let path = dir.write(".gitleaks.toml", ZQA);
    let (code, out, err) = run_in(dir.path(), &["rules", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("zq-a") && out.contains("1 rules"), "{out}");
    let (code, out, err) = run_in(dir.path(), &["rules", "check", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}\n{err}");
}

/// An Attio-format key (the built-in rule `attio-api-token`).
fn attio(s: &mut Secrets) -> String {
    s.token(&Secrets::join(&["s", "k_"]), 40)
}

#[test]
fn gitleaksignore_entries_are_honoured_in_history_and_directory_scans() {
    let repo = TestRepo::new();
    let mut s = Secrets::new("gitleaksignore");
    repo.write("app/a.env", format!("A={}\n", attio(&mut s)));
    repo.write("app/b.env", format!("B={}\n", attio(&mut s)));
    let commit = repo.commit_all("two keys");
    let (code, v, err) = repo.json(&["git", "."]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);

    // gitleaks' history fingerprint (its short commit form), under gitleaks' own rule
    // name, which ferret does not have: it still names the place.
    repo.write(
        ".gitleaksignore",
        format!("# reviewed\n{}:app/a.env:generic-api-key:1\n", &commit[..7]),
    );
    let (code, v, err) = repo.json(&["git", "."]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        hits(&v),
        vec![("app/b.env".to_string(), 1, "attio-api-token".to_string())]
    );
    assert_eq!(v["stats"]["suppressed_ignored"], 1);
    let (_, _, err) = repo.ferret_in(repo.path(), &["git", ".", "--explain"]);
    assert!(err.contains("listed in .gitleaksignore"), "{err}");

    // The directory scan's form, without a commit, holds everywhere.
    repo.write(
        ".gitleaksignore",
        "app/a.env:attio-api-token:1\napp/b.env:generic-api-key:1\n",
    );
    let (code, v, err) = repo.json(&["scan", "."]);
    assert_eq!(code, 0, "{err}: {v}");
    let (code, _, _) = repo.json(&["git", "."]);
    assert_eq!(code, 0);
    // A ferret rule that differs is another finding: not hidden.
    repo.write(".gitleaksignore", "app/a.env:topo-api-key:1\n");
    let (code, _, _) = repo.json(&["scan", "."]);
    assert_eq!(code, 1);

    repo.write(".gitleaksignore", "no colons here\n");
    let (code, _, err) = repo.ferret_in(repo.path(), &["scan", "."]);
    assert_eq!(code, 2);
    assert!(err.contains(".gitleaksignore: line 1"), "{err}");
}

#[test]
fn gitleaks_commands_point_at_ferrets() {
    for (cmd, want) in [
        (vec!["detect", "--source", ".", "-v"], "`ferret git`"),
        (vec!["protect", "--staged"], "`ferret git --staged`"),
    ] {
        let (code, out, err) = outcome(ferret().args(&cmd));
        assert_eq!(code, 2, "{cmd:?}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("gitleaks' command") && err.contains(want),
            "{err}"
        );
    }
}
