//! Token formats with a checksum: a look-alike with a wrong checksum is dropped, or kept at
//! low severity with --keep-bad-checksums.
use crate::util::*;
use ferret_rules::checksum::encode;

const RULE: &str = r#"
[[rules]]
id = "demo-checksummed-token"
description = "Demo token with a CRC32 checksum"
regex = '''\b(dmo_[A-Za-z0-9]{36})\b'''
keywords = ["dmo_"]
checksum = "crc32-base62"
severity = "high"
tags = ["demo"]
remediation = "Revoke it."
examples = ["dmo_{{crc62:30}}"]
"#;

#[test]
fn bad_checksums_are_dropped_or_kept_low() {
    let t = Tree::new();
    t.write(".ferret.toml", RULE);
    let mut s = Secrets::new("checksum");
    let body = s.chars(ALNUM, 30);
    let good = format!("dmo_{body}{}", encode(crc32fast::hash(body.as_bytes())));
    let mut bad = good.clone();
    bad.replace_range(4..5, if &good[4..5] == "A" { "B" } else { "A" });
    t.write("good.txt", format!("t={good}\n"));
    t.write("bad.txt", format!("t={bad}\n"));
    let (_, report, _) = scan_json(t.path(), &[]);
    assert_eq!(
        hits(&report),
        vec![("good.txt".into(), 1, "demo-checksummed-token".into())]
    );
    let (_, report, _) = scan_json(t.path(), &["--keep-bad-checksums"]);
    let f: Vec<_> = report["findings"].as_array().unwrap().iter().collect();
    assert_eq!(f.len(), 2);
    assert_eq!(
        (
            f[0]["path"].as_str(),
            f[0]["severity"].as_str(),
            f[0]["checksum"].as_str()
        ),
        (Some("bad.txt"), Some("low"), Some("failed"))
    );
    assert_eq!(
        (f[1]["path"].as_str(), f[1]["severity"].as_str()),
        (Some("good.txt"), Some("high"))
    );
    assert!(f[1].get("checksum").is_none());
}

#[test]
fn a_failed_checksum_is_not_reported_by_a_generic_rule_instead() {
    // `GITHUB_TOKEN=` is also a generic secret assignment; the look-alike must not come
    // back under that rule once the GitHub rule has set it aside.
    let t = Tree::new();
    let mut s = Secrets::new("checksum-generic");
    let body = s.chars(ALNUM, 30);
    let good = format!(
        "{}{body}{}",
        Secrets::join(&["gh", "p_"]),
        encode(crc32fast::hash(body.as_bytes()))
    );
    let bad = format!("{}{}", Secrets::join(&["gh", "p_"]), s.chars(ALNUM, 36));
    t.write(".env", format!("GITHUB_TOKEN={bad}\nGH_TOKEN={good}\n"));
    let (_, report, _) = scan_json(t.path(), &[]);
    assert_eq!(hits(&report), vec![(".env".into(), 2, "github-pat".into())]);
}
