//! The built-in rule set proves itself, and ferret's own repository stays clean.
use crate::util::*;
use ferret_engine::check_rules;
use ferret_rules::RuleSet;

/// The built-in rules, as the binary embeds them: the repository's `rules/` folder.
fn builtin() -> RuleSet {
    RuleSet::from_dir(&crate::util::repo_root().join("rules")).expect("built-in rules parse")
}

#[test]
fn every_builtin_rule_passes_its_examples() {
    let set = builtin();
    let problems = check_rules(&set, &|r| {
        ferret_verify::VerifySpec::parse(r.verify.as_ref()?).err()
    });
    assert!(
        problems.is_empty(),
        "{}",
        problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn builtin_rules_have_what_reports_need() {
    let set = builtin();
    for r in &set.rules {
        assert!(!r.keywords.is_empty(), "{} has no keywords", r.id);
        assert!(!r.examples.is_empty(), "{} has no examples", r.id);
        assert!(!r.tags.is_empty(), "{} has no tags", r.id);
    }
}

#[test]
fn ferrets_own_repository_has_no_findings() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, out, err) = run_in(root, &["scan", ".", "--format", "json"]);
    assert_eq!(
        code, 0,
        "ferret finds secrets in its own repository:\n{out}\n{err}"
    );
}
