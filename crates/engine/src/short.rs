//! Regexes for short inputs: allowlists match one path, one secret or one line at a time.
//!
//! The `regex` crate builds a literal prefilter for every regex. On a haystack of a few
//! dozen bytes it never pays for itself, and for a case-insensitive alternation it is most
//! of the compile: the built-in path allowlist (`(?i)\.(png|jpe?g|...)$` and two more)
//! took 9.3M instructions to compile with it and 1.9M without, on every run, before a
//! single file was read. These are built with `regex-automata`'s meta regex (what `regex`
//! wraps) with the prefilter off and the same syntax as [`ferret_rules::compile_regex`].
pub use regex_automata::meta::Regex;
use regex_automata::meta::{Builder, Config};
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::util::syntax;

/// Compiles `patterns` as one regex that matches where any of them does. With `unicode`
/// false, a pattern that needs Unicode (`\p{L}`) is retried with Unicode on, as rule
/// regexes are. The error is the first attempt's.
pub fn build<P: AsRef<str>>(patterns: &[P], unicode_fallback: bool) -> Result<Regex, String> {
    let build = |unicode| {
        Builder::new()
            .configure(
                Config::new()
                    .auto_prefilter(false)
                    .utf8_empty(false)
                    .which_captures(WhichCaptures::Implicit)
                    .nfa_size_limit(Some(32 << 20))
                    .hybrid_cache_capacity(2 << 20),
            )
            .syntax(syntax::Config::new().unicode(unicode).utf8(false))
            .build_many(patterns)
            .map_err(|e| e.to_string())
    };
    build(false).or_else(|e| {
        if unicode_fallback {
            build(true).map_err(|_| e)
        } else {
            Err(e)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_as_the_regex_crate_does() {
        let set = build(&[r"(?i)\.(png|jpe?g)$", r"(^|/)vendor/"], false).unwrap();
        assert!(set.is_match(b"a/B.JPG".as_slice()));
        assert!(set.is_match(b"vendor/x.go".as_slice()));
        assert!(!set.is_match(b"src/vendors/x.png.txt".as_slice()));
        // Bytes, not UTF-8: invalid UTF-8 is matched by `.` as the engine's regexes do.
        let any = build(&["^a.b$"], false).unwrap();
        assert!(any.is_match(b"a\xffb".as_slice()));
        // Unicode classes are accepted when asked for, refused otherwise.
        assert!(build(&[r"^\p{L}+$"], true)
            .unwrap()
            .is_match("été".as_bytes()));
        assert!(build(&[r"^\p{L}+$"], false).is_err());
        assert!(build(&["("], true).is_err());
    }
}
