//! Multi-part credentials in reports and in git: one finding at the primary part, carrying
//! its parts redacted; a change to any part's line is a change to the credential.
use crate::util::*;

const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn aws_pair(s: &mut Secrets) -> (String, String) {
    let id = Secrets::join(&["AK", "IA"]) + &s.chars(BASE32, 16);
    let secret = format!("{}/{}", s.chars(ALNUM, 20), s.chars(ALNUM, 19));
    (id, secret)
}

fn credentials(id: &str, secret: &str) -> String {
    format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n")
}

#[test]
fn a_key_pair_is_one_finding_with_its_part_redacted_unless_shown() {
    let mut s = Secrets::new("pairs_report");
    let (id, secret) = aws_pair(&mut s);
    let t = Tree::new();
    t.write("credentials", credentials(&id, &secret));

    let (code, report, _) = scan_json(t.path(), &[]);
    assert_eq!(code, 1);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(
        findings.len(),
        1,
        "the secret key is not a finding of its own: {report}"
    );
    let f = &findings[0];
    assert_eq!(
        (f["rule_id"].as_str(), f["line"].as_u64()),
        (Some("aws-access-key-id"), Some(2))
    );
    let part = &f["parts"][0];
    assert_eq!(part["name"], "secret_access_key");
    assert_eq!(
        (part["line"].as_u64(), part["column"].as_u64()),
        (Some(3), Some(25))
    );
    assert!(!report.to_string().contains(&secret), "{report}");

    let (_, shown, _) = scan_json(t.path(), &["--show-secrets"]);
    assert_eq!(shown["findings"][0]["parts"][0]["secret"], secret.as_str());

    let (_, human, _) = run_in(t.path(), &["scan", ".", "--color", "never"]);
    assert!(human.contains("with secret_access_key"), "{human}");
    assert!(!human.contains(&secret), "{human}");

    // --explain says where the secret key went.
    let (_, _, err) = run_in(t.path(), &["scan", ".", "--explain", "--quiet"]);
    assert!(
        err.contains("reported as a part of the aws-access-key-id finding on line 2"),
        "{err}"
    );
}

#[test]
fn rotating_only_the_secret_key_is_caught_by_a_staged_scan() {
    let mut s = Secrets::new("pairs_staged");
    let (id, secret) = aws_pair(&mut s);
    let repo = TestRepo::new();
    repo.commit_file("deploy/credentials", credentials(&id, &secret), "creds");
    let (_, rotated) = aws_pair(&mut s);
    repo.write("deploy/credentials", credentials(&id, &rotated));
    repo.git(&["add", "-A"]);
    let (code, report, err) = repo.json(&["git", "--staged", "--show-secrets"]);
    assert_eq!(code, 1, "{err}");
    let f = &report["findings"][0];
    assert_eq!(f["rule_id"], "aws-access-key-id");
    assert_eq!(f["parts"][0]["secret"], rotated.as_str());
    // A change elsewhere in the file adds neither line: nothing to report.
    repo.git(&["commit", "-q", "-m", "rotate"]);
    repo.write(
        "deploy/credentials",
        credentials(&id, &rotated) + "region = eu-west-1\n",
    );
    repo.git(&["add", "-A"]);
    let (code, report, err) = repo.json(&["git", "--staged"]);
    assert_eq!(code, 0, "{report} {err}");
}
