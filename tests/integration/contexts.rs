//! The keys that matter most, wherever they stand, next to the decoys that must stay quiet.
//! Every secret is generated at run time; the expected (path, line, rule) set is computed
//! from what the test wrote, so a missed secret or a reported decoy fails the test.
use crate::util::*;

struct Planted {
    tree: Tree,
    expected: Vec<(String, u64, String)>,
    secrets: Vec<String>,
}

impl Planted {
    fn new() -> Self {
        Planted {
            tree: Tree::new(),
            expected: Vec::new(),
            secrets: Vec::new(),
        }
    }

    /// Writes a file whose lines are given; lines holding `{S}` get `secret` substituted
    /// and are expected to be reported under `rule`.
    fn file(&mut self, path: &str, lines: &[&str], secret: &str, rule: &str) {
        let mut text = String::new();
        for (i, l) in lines.iter().enumerate() {
            if l.contains("{S}") {
                self.expected
                    .push((path.to_string(), i as u64 + 1, rule.to_string()));
            }
            text.push_str(&l.replace("{S}", secret));
            text.push('\n');
        }
        self.secrets.push(secret.to_string());
        self.tree.write(path, text);
    }
}

fn key_families(s: &mut Secrets) -> Vec<(String, &'static str)> {
    let sk = Secrets::join(&["s", "k_"]);
    let wh = Secrets::join(&["wh", "sec_"]);
    let topo = Secrets::join(&["to", "po_"]);
    let svix = format!(
        "{wh}{}+{}/{}=",
        s.chars(ALNUM, 12),
        s.chars(ALNUM, 14),
        s.chars(ALNUM, 9)
    );
    vec![
        (s.token(&sk, 40), "attio-api-token"),
        (s.token(&wh, 32), "stripe-webhook-secret"),
        (svix, "svix-webhook-secret"),
        (s.token(&topo, 40), "topo-api-key"),
    ]
}

#[test]
fn key_families_are_found_in_every_context() {
    let mut p = Planted::new();
    let mut s = Secrets::new("contexts");
    for (n, (secret, rule)) in key_families(&mut s).into_iter().enumerate() {
        let d = format!("k{n}");
        p.file(
            &format!("{d}/.env"),
            &["# settings", "DEBUG=1", "API_KEY={S}"],
            &secret,
            rule,
        );
        p.file(
            &format!("{d}/config.yml"),
            &["service:", "  name: crm", "  key: {S}"],
            &secret,
            rule,
        );
        p.file(
            &format!("{d}/list.yaml"),
            &["keys:", "  - {S}", "  - other"],
            &secret,
            rule,
        );
        p.file(
            &format!("{d}/req.http"),
            &["GET /v2/self", "Authorization: Bearer {S}"],
            &secret,
            rule,
        );
        p.file(
            &format!("{d}/run.sh"),
            &["#!/bin/sh", "TOKEN=\"${CRM_TOKEN:-{S}}\""],
            &secret,
            rule,
        );
        p.file(
            &format!("{d}/cfg.json"),
            &["{", "  \"token\": \"{S}\"", "}"],
            &secret,
            rule,
        );
        p.file(
            &format!("{d}/nb.ipynb"),
            &[
                "{\"cells\": [{\"cell_type\": \"code\",",
                " \"source\": [\"client = Client(\\\"{S}\\\")\\n\"]}]}",
            ],
            &secret,
            rule,
        );
        let filler = "var a=function(b){return b*2};".repeat(170);
        let minified = format!("{filler}const k=\"{{S}}\";{filler}");
        assert!(minified.len() > 10_000);
        p.file(&format!("{d}/app.min.js"), &[&minified], &secret, rule);
        p.file(
            &format!("{d}/links.md"),
            &["see https://hooks.example.test/in?token={S}&v=2"],
            &secret,
            rule,
        );
    }
    let (code, report, err) = scan_json(p.tree.path(), &[]);
    assert_eq!(code, 1, "{err}");
    let mut expected = p.expected.clone();
    expected.sort();
    assert_eq!(hits(&report), expected);
    let text = report.to_string();
    for secret in &p.secrets {
        assert!(!text.contains(secret.as_str()), "whole secret in report");
    }
}

#[test]
fn decoys_are_not_reported() {
    let t = Tree::new();
    let sk = Secrets::join(&["s", "k_"]);
    let topo = Secrets::join(&["to", "po_"]);
    let decoys = [
        format!("ATTIO_API_KEY={sk}your_token_here"),
        format!("ATTIO_API_KEY={sk}your_attio_api_key_goes_here"),
        format!("{sk}test_xxxxxxxxxxxxxxxxxxxxxxxx"),
        "api_key: <YOUR_API_KEY>".to_string(),
        "ATTIO_API_KEY=${ATTIO_API_KEY}".to_string(),
        "const key = process.env.ATTIO_API_KEY;".to_string(),
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE".to_string(),
        "id: 123e4567-e89b-12d3-a456-426614174000".to_string(),
        "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".to_string(),
        format!("class task_{sk}manager_for_all_the_things_in_queue: pass"),
        format!("{topo}sort_order = 3"),
        format!("def {topo}sort_nodes_by_dependency_order(graph): pass"),
        format!("cache = {topo}TopologicalSortResultCache"),
        "webhook_secret = whsec_...".to_string(),
    ];
    for (i, d) in decoys.iter().enumerate() {
        t.write(&format!("d{i}.txt"), format!("{d}\n"));
    }
    let (code, report, err) = scan_json(t.path(), &[]);
    assert_eq!(hits(&report), vec![], "{err}");
    assert_eq!(code, 0);
}

#[test]
fn inline_allow_comment_suppresses_a_line() {
    let t = Tree::new();
    let mut s = Secrets::new("inline_allow");
    let key = s.token(&Secrets::join(&["s", "k_"]), 40);
    t.write(
        "a.py",
        format!("KEY = '{key}'  # ferret:allow\nOTHER = '{key}'\n"),
    );
    let (_, report, _) = scan_json(t.path(), &[]);
    assert_eq!(
        hits(&report),
        vec![("a.py".into(), 2, "attio-api-token".into())]
    );
}

#[test]
fn stripe_keys_are_stripe_not_attio_and_reported_once() {
    let t = Tree::new();
    let mut s = Secrets::new("stripe_overlap");
    let live = s.token(&Secrets::join(&["s", "k_li", "ve_"]), 32);
    let restricted = s.token(&Secrets::join(&["r", "k_li", "ve_"]), 32);
    t.write(
        "pay.env",
        format!("STRIPE_KEY={live}\nSTRIPE_RESTRICTED={restricted}\n"),
    );
    let (_, report, _) = scan_json(t.path(), &[]);
    let h = hits(&report);
    assert_eq!(h.len(), 2, "{h:?}");
    for (_, _, rule) in &h {
        assert!(rule.starts_with("stripe"), "{h:?}");
    }
}
