//! `ferret git --all-objects`: stashes, notes, commit messages and unreachable objects,
//! which a history audit of the branches does not read.
use crate::util::*;
use serde_json::Value;

fn attio(s: &mut Secrets) -> String {
    s.token(&Secrets::join(&["s", "k_"]), 40)
}

/// (path, line, commit message) of every finding.
fn places(report: &Value) -> Vec<(String, u64, String)> {
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn stashed_secrets_are_found_only_with_all_objects() {
    let repo = TestRepo::new();
    let mut s = Secrets::new("stash");
    let (staged, untracked) = (attio(&mut s), attio(&mut s));
    repo.commit_file("app.py", "print('hi')\n", "init");
    repo.write("app.py", format!("print('hi')\nKEY = '{staged}'\n"));
    repo.git(&["add", "app.py"]);
    repo.write("local.env", format!("ATTIO_API_KEY={untracked}\n"));
    repo.git(&["stash", "push", "-u", "-m", "try the key"]);
    assert!(!std::fs::read_to_string(repo.path().join("app.py"))
        .unwrap()
        .contains("KEY"));

    let (code, report, _) = repo.json(&["git"]);
    assert_eq!(code, 0, "{report:#}");
    let (code, report, err) = repo.json(&["git", "--all-objects"]);
    assert_eq!(code, 1, "{err}");
    let found = places(&report);
    assert!(
        found.iter().any(|(p, l, _)| p == "app.py" && *l == 2),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(p, l, m)| p == "local.env" && *l == 1 && m.contains("untracked files")),
        "{found:?}"
    );
}

#[test]
fn notes_and_commit_messages_are_found_with_all_objects() {
    let repo = TestRepo::new();
    let mut s = Secrets::new("notes and messages");
    let (in_note, in_message) = (attio(&mut s), attio(&mut s));
    let first = repo.commit_file("a.txt", "a\n", "init");
    repo.git(&[
        "notes",
        "add",
        "-m",
        &format!("deployed with\nATTIO_API_KEY={in_note}"),
        &first,
    ]);
    let second = repo.commit_file(
        "b.txt",
        "b\n",
        &format!("Rotate the key\n\nThe new one is {in_message} for now."),
    );

    let (code, report, _) = repo.json(&["git"]);
    assert_eq!(code, 0, "{report:#}");
    let (code, report, err) = repo.json(&["git", "--all-objects", "--show-secrets"]);
    assert_eq!(code, 1, "{err}");
    let findings = report["findings"].as_array().unwrap();
    let by_secret = |secret: &str| {
        findings
            .iter()
            .find(|f| f["secret"] == secret)
            .unwrap_or_else(|| panic!("{secret} not found: {report:#}"))
    };
    let note = by_secret(&in_note);
    assert_eq!(note["path"], format!("<note on {first}>").as_str());
    assert_eq!(note["line"], 2);
    assert_eq!(note["commit"], first.as_str());
    let message = by_secret(&in_message);
    assert_eq!(message["path"], "<commit message>");
    assert_eq!(message["line"], 3);
    assert_eq!(message["commit"], second.as_str());
    assert_eq!(findings.len(), 2, "{report:#}");
}

#[test]
fn unreachable_commits_and_blobs_are_found_with_all_objects() {
    let repo = TestRepo::new();
    let mut s = Secrets::new("unreachable");
    let (reset, added) = (attio(&mut s), attio(&mut s));
    repo.commit_file("a.txt", "a\n", "init");
    repo.commit_file(".env", format!("ATTIO_API_KEY={reset}\n"), "oops");
    repo.git(&["reset", "--hard", "HEAD~1"]);
    // Added to the index, then never committed: only a blob.
    repo.write("draft.env", format!("ATTIO_API_KEY={added}\n"));
    repo.git(&["add", "draft.env"]);
    repo.git(&["rm", "--cached", "-q", "draft.env"]);
    let blob = repo.git(&["hash-object", "draft.env"]);
    std::fs::remove_file(repo.path().join("draft.env")).unwrap();

    let (code, report, _) = repo.json(&["git"]);
    assert_eq!(code, 0, "{report:#}");
    let (code, report, err) = repo.json(&["git", "--all-objects"]);
    assert_eq!(code, 1, "{err}");
    let found = places(&report);
    assert_eq!(
        found,
        [
            (".env".to_string(), 1, "oops".to_string()),
            (format!("<unreachable blob {blob}>"), 1, String::new()),
        ]
    );
}
