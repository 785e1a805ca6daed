//! The built-in rules: every `rules/*.toml` file, checked and turned into JSON by the build
//! script and embedded in the binary, so the default rule set is data that ships with the
//! executable and needs no files at run time.
use ferret_rules::{Result, RuleSet};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// The built-in rule set.
pub fn rules() -> Result<RuleSet> {
    RuleSet::from_embedded(BUILTIN_RULE_FILES)
}
