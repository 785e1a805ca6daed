//! Secrets written in an encoding: found, pointed at where they stand, and labelled.
use crate::util::*;

use ferret_rules::synth::base64;

#[test]
fn kubernetes_secret_data_is_decoded() {
    let t = Tree::new();
    let mut s = Secrets::new("k8s");
    let key = s.token(&Secrets::join(&["s", "k_"]), 40);
    let enc = base64(key.as_bytes());
    t.write(
        "k8s/secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: crm\ndata:\n  ATTIO_API_KEY: {enc}\n"
        ),
    );
    let (code, report, _) = scan_json(t.path(), &[]);
    assert_eq!(code, 1);
    let f = &report["findings"][0];
    assert_eq!(f["rule_id"], "attio-api-token");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(6), Some(18))
    );
    assert_eq!(f["decoded"], "base64");
    assert!(!report.to_string().contains(&key) && !report.to_string().contains(&enc));
}

#[test]
fn shell_pipe_and_data_url_and_double_base64() {
    let t = Tree::new();
    let mut s = Secrets::new("b64-more");
    let topo = s.token(&Secrets::join(&["to", "po_"]), 40);
    let once = base64(format!("export TOPO_KEY={topo}\n").as_bytes());
    t.write("a.sh", format!("echo {once} | base64 -d | sh\n"));
    t.write(
        "b.html",
        format!("<a href=\"data:text/plain;base64,{once}\">x</a>\n"),
    );
    let twice = base64(format!("{{\"auth\": \"{once}\"}}").as_bytes());
    t.write("c.json", format!("{{\"dockerconfig\": \"{twice}\"}}\n"));
    let (_, report, _) = scan_json(t.path(), &[]);
    let got: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["decoded"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("a.sh".to_string(), "base64".to_string()),
            ("b.html".to_string(), "base64".to_string()),
            ("c.json".to_string(), "base64+base64".to_string()),
        ]
    );
}

#[test]
fn percent_and_json_escaped_secrets_are_found() {
    let t = Tree::new();
    let mut s = Secrets::new("escapes");
    let wh = Secrets::join(&["wh", "sec_"]);
    let svix = format!(
        "{wh}{}+{}/{}=",
        s.chars(ALNUM, 12),
        s.chars(ALNUM, 14),
        s.chars(ALNUM, 9)
    );
    let pct = svix
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    t.write("form.txt", format!("secret={pct}&next=1\n"));
    let json = svix.replace('/', "\\/").replace('+', "\\u002B");
    t.write("cfg.json", format!("{{\"signing\": \"{json}\"}}\n"));
    let (_, report, _) = scan_json(t.path(), &[]);
    let got: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["rule_id"].as_str().unwrap(),
                f["decoded"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("cfg.json", "svix-webhook-secret", "json-escape"),
            ("form.txt", "svix-webhook-secret", "percent")
        ]
    );
}

#[test]
fn base64_images_and_plain_words_stay_quiet() {
    let t = Tree::new();
    let mut s = Secrets::new("images");
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for _ in 0..200 {
        png.push(s.chars(ALNUM, 1).as_bytes()[0].wrapping_mul(7) ^ 0x9c);
    }
    t.write(
        "page.html",
        format!("<img src=\"data:image/png;base64,{}\">\n", base64(&png)),
    );
    t.write(
        "words.txt",
        format!(
            "{}\n",
            base64(b"the quick brown fox jumps over the lazy dog again")
        ),
    );
    let (code, report, _) = scan_json(t.path(), &[]);
    assert_eq!((code, hits(&report)), (0, vec![]));
}

#[test]
fn generic_rules_judge_base64_values_decoded() {
    // A Kubernetes Secret's `data:` holds base64: a placeholder encoded is still a
    // placeholder, a password encoded is still a password, and an encoded token with a
    // failing checksum is still a look-alike.
    let t = Tree::new();
    let mut s = Secrets::new("k8s-generic");
    let password = s.chars(ALNUM, 20);
    let bad_npm = s.token(&Secrets::join(&["np", "m_"]), 36);
    let doc = format!(
        "apiVersion: v1\nkind: Secret\ndata:\n  API_KEY: {}\n  DB_PASSWORD: {}\n  NPM_TOKEN: {}\n",
        base64(b"your-api-key-here"),
        base64(password.as_bytes()),
        base64(bad_npm.as_bytes()),
    );
    t.write("secret.yaml", doc);
    let (_, report, _) = scan_json(t.path(), &[]);
    assert_eq!(
        hits(&report),
        vec![(
            "secret.yaml".into(),
            5,
            "generic-password-assignment".into()
        )]
    );
}
