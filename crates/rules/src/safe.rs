//! Text that came from a config file or a scanned tree, made safe to print in an error.
//!
//! A config can hold a secret (an allowlist regex written around a known key, a rule
//! whose id or description is a pasted token), and errors go to CI logs that anyone can
//! read. So errors never quote a config's text as it is: a value is shown only when it
//! reads like a name, and any run of characters that looks like key material is replaced.

/// Runs of key-like characters at least this long are looked at.
const MIN_RUN: usize = 16;
/// Bits per character above which such a run is taken for key material: English words
/// and identifiers in snake or kebab case stay below 3.3, random base62 of this length
/// is above 3.5.
const RANDOM_BITS: f64 = 3.3;

/// `s` for an error message: as it is when it is short and holds nothing that looks like
/// key material, otherwise a description of it (`(32 characters, not shown)`).
pub fn quoted(s: &str) -> String {
    let printable = s.chars().all(|c| !c.is_control());
    if s.len() <= 64 && printable && !has_key_material(s) {
        format!("{s:?}")
    } else {
        format!("({} characters, not shown)", s.chars().count())
    }
}

/// A rule id (or any name) for an error message: as it is when it reads like an id
/// (lowercase words, digits and dashes, nothing random-looking), otherwise described.
pub fn id(s: &str) -> String {
    let plain = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !has_key_material(s);
    if plain {
        s.to_string()
    } else {
        format!("({} characters, not shown)", s.chars().count())
    }
}

/// `s` with every run that looks like key material replaced by `…`, and control
/// characters by U+FFFD: for free text (an error message that may quote its input).
pub fn scrub(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if looks_random(run) {
            out.push('…');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in s.chars() {
        if is_key_char(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            });
        }
    }
    flush(&mut run, &mut out);
    out
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '/' | '=' | '.' | '~')
}

fn has_key_material(s: &str) -> bool {
    s.split(|c: char| !is_key_char(c)).any(looks_random)
}

fn looks_random(run: &str) -> bool {
    if run.len() < MIN_RUN {
        return false;
    }
    // Paths and dotted names are words joined by separators: judge each word, but a word
    // of sixteen or more random characters still counts.
    let words_only = run
        .split(['/', '.', '-', '_'])
        .all(|w| w.len() < MIN_RUN || bits(w) < RANDOM_BITS);
    !(words_only && bits(&run.replace(['/', '.', '-', '_'], "")) < RANDOM_BITS + 0.4)
}

fn bits(s: &str) -> f64 {
    shannon(s.as_bytes())
}

/// Shannon entropy in bits per byte of `data` (0.0 for empty input): the one definition
/// the rules' look-alike checks, the engine's entropy gates and fingerprints share.
pub fn shannon(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in data {
        counts[b as usize] += 1;
    }
    let n = data.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_show_and_key_material_does_not() {
        assert_eq!(quoted("attio-api-token"), "\"attio-api-token\"");
        assert_eq!(
            quoted("rules/extra.gitleaks.toml"),
            "\"rules/extra.gitleaks.toml\""
        );
        let key = ["sk", "_live_", "4eC39HqLyjWDarjtT1zdp7dc"].concat();
        assert_eq!(quoted(&key), "(32 characters, not shown)");
        assert_eq!(quoted(&"x".repeat(100)), "(100 characters, not shown)");
        let said = scrub(&format!(
            "unknown variant `{key}`, expected one of `low`, `high`"
        ));
        assert!(!said.contains(&key[8..]), "{said}");
        assert!(said.contains("expected one of `low`, `high`"), "{said}");
        assert_eq!(
            scrub("TOML parse error at line 3, column 10"),
            "TOML parse error at line 3, column 10"
        );
    }
}
