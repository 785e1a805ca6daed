//! The labeled evaluation (see the `ferret-eval` crate): a generated tree of realistic files with
//! planted secrets of every rule and look-alikes, scanned by the real binary. ferret must
//! find every `sk_`, `whsec_` and `topo_` secret (and Stripe's `sk_live_`), 95% of all
//! secrets, with 97% of what it reports being planted secrets.
use crate::util::*;
use ferret_eval::{generate, parse_report, score, table, Score, Truth};

/// The families that must be found in full: Attio `sk_`, Stripe/Svix `whsec_` (the
/// `webhooks` rules), Topo `topo_`, and Stripe's own `sk_live_`/`sk_test_`.
const FULL_RECALL: &[&str] = &["attio", "webhooks", "topo", "stripe"];

fn scan(tree: &Tree, truth: &Truth, extra: &[&str]) -> Score {
    let mut args = vec!["scan", ".", "--format", "json", "--quiet"];
    args.extend_from_slice(extra);
    let (code, out, err) = run_in(tree.path(), &args);
    assert_eq!(code, 1, "expected findings; stderr: {err}");
    let found = parse_report(&out, None).expect("ferret's JSON report");
    score(truth, &found)
}

fn details(s: &Score) -> String {
    let mut out = String::from("missed:\n");
    for e in &s.missed {
        let rule = e.rule.as_deref().unwrap_or("-");
        out.push_str(&format!("  {}:{} {rule} ({})\n", e.path, e.line, e.context));
    }
    out.push_str("false positives:\n");
    for (l, e) in &s.false_positives {
        let what = e.as_ref().map_or("unlabeled line".to_string(), |e| {
            format!("{} look-alike ({})", e.family, e.context)
        });
        out.push_str(&format!("  {}:{} {what}\n", l.path, l.line));
    }
    out
}

/// The classes of files that are not text, with the recall ferret must reach in each. A
/// SQLite record stores its columns back to back, so a token glued to the column before
/// it has no word boundary in front: the binaries class plants some, and misses them.
const CLASSES: &[(&str, f64)] = &[("binaries/", 0.85), ("archives/", 0.95)];

#[test]
fn recall_and_precision_on_the_generated_tree() {
    let tree = Tree::new();
    let truth = generate(tree.path(), 1).expect("generate the tree");
    let (code, out, err) = run_in(tree.path(), &["scan", ".", "--format", "json", "--quiet"]);
    assert_eq!(code, 1, "expected findings; stderr: {err}");
    let found = parse_report(&out, None).expect("ferret's JSON report");
    // Shown with `cargo test eval -- --nocapture`.
    println!(
        "{}",
        table(&truth, &[("ferret", &score(&truth, &found))], true)
    );
    let in_class = |path: &str| CLASSES.iter().any(|(c, _)| path.starts_with(c));
    for (class, recall) in CLASSES {
        let mine: Vec<_> = found.iter().filter(|l| l.under(class)).cloned().collect();
        let s = score(&truth.only(class), &mine);
        assert!(s.planted() >= 30, "too few secrets in {class}");
        let why = details(&s);
        assert!(
            s.recall() >= *recall,
            "{class} recall {:.3}\n{why}",
            s.recall()
        );
        assert!(
            s.precision() >= 0.97,
            "{class} precision {:.3}\n{why}",
            s.precision()
        );
    }
    // The text contexts: every secret of the core families, and the thresholds.
    let text = Truth {
        entries: truth
            .entries
            .iter()
            .filter(|e| !in_class(&e.path))
            .cloned()
            .collect(),
        ..truth.clone()
    };
    let mine: Vec<_> = found
        .iter()
        .filter(|l| !in_class(&l.path))
        .cloned()
        .collect();
    let s = score(&text, &mine);
    let why = details(&s);
    for family in FULL_RECALL {
        assert!(
            s.families.get(*family).is_some_and(|f| f.0 > 20),
            "too few {family} secrets planted"
        );
        assert_eq!(s.family_recall(family), 1.0, "{family} recall\n{why}");
    }
    assert!(s.recall() >= 0.95, "recall {:.3}\n{why}", s.recall());
    assert!(
        s.precision() >= 0.97,
        "precision {:.3}\n{why}",
        s.precision()
    );
}

#[test]
fn the_look_alikes_bite() {
    // Keeping tokens whose checksum fails reports the checksum look-alikes planted in the
    // tree: the scorer sees them, and the default run's precision is earned, not given.
    let tree = Tree::new();
    let truth = generate(tree.path(), 2).expect("generate the tree");
    let strict = scan(&tree, &truth, &[]);
    let loose = scan(&tree, &truth, &["--keep-bad-checksums"]);
    let checksum_fps = loose
        .false_positives
        .iter()
        .filter(|(_, e)| e.as_ref().is_some_and(|e| e.context == "checksum"))
        .count();
    assert!(checksum_fps >= 5, "{}", details(&loose));
    assert_eq!(
        loose.false_positives.len(),
        strict.false_positives.len() + checksum_fps
    );
}

#[test]
fn assignments_on_consecutive_lines_are_each_found() {
    // A generic rule's match ends with the newline; the next line's name must still be
    // seen at the start of its line (a regression the generated tree found).
    let t = Tree::new();
    let mut s = Secrets::new("consecutive");
    let (a, b) = (s.chars(ALNUM, 12) + "!42", s.chars(ALNUM, 12) + "%17");
    t.write(
        "app.ini",
        format!("[db]\nuser_password = {a}\nadmin_password = {b}\n"),
    );
    let (_, report, _) = scan_json(t.path(), &[]);
    let lines: Vec<u64> = hits(&report).iter().map(|h| h.1).collect();
    assert_eq!(lines, vec![2, 3]);
}
