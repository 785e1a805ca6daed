//! Shannon entropy, the cheap test that separates random key material from words.

/// The most a hex secret is asked for. Hex carries at most 4 bits per character and 32
/// random hex characters score anywhere from about 3.0 to 3.9, so a threshold written for
/// alphanumerics (3.5) would drop one hex key in five.
pub const HEX_MIN: f64 = 3.0;

/// Whether `secret` has at least `min` bits per byte, or [`HEX_MIN`] when it is hex (UUIDs
/// included) and `min` is higher.
pub fn enough(secret: &[u8], min: f64) -> bool {
    let hex = secret.len() >= 16 && secret.iter().all(|b| b.is_ascii_hexdigit() || *b == b'-');
    shannon(secret) >= if hex { min.min(HEX_MIN) } else { min }
}

/// Bits per byte of `data` (0.0 for empty input).
pub use ferret_rules::safe::shannon;

/// gitleaks' Shannon entropy: characters are counted (an invalid UTF-8 byte is one
/// U+FFFD, as Go's `range` over a string gives), probabilities divided by the length in
/// bytes. The same as ferret's for ASCII.
pub fn gitleaks(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut ascii = [0u32; 128];
    let mut other: std::collections::HashMap<char, u32> = Default::default();
    for chunk in data.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_ascii() {
                ascii[c as usize] += 1;
            } else {
                *other.entry(c).or_default() += 1;
            }
        }
        if !chunk.invalid().is_empty() {
            *other.entry(char::REPLACEMENT_CHARACTER).or_default() += chunk.invalid().len() as u32;
        }
    }
    let inv = 1.0 / data.len() as f64;
    ascii
        .iter()
        .copied()
        .chain(other.into_values())
        .filter(|&c| c > 0)
        .map(|c| {
            let p = f64::from(c) * inv;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::{enough, gitleaks, shannon};

    #[test]
    fn repeated_bytes_have_no_entropy() {
        assert_eq!(shannon(b"aaaaaaaa"), 0.0);
    }

    #[test]
    fn hex_is_held_to_what_hex_can_reach() {
        // 3.05 bits: below an alphanumeric threshold, enough for hex.
        let hex = b"91499f89cf4588598d9d6dd91d5ed9d0";
        assert!(shannon(hex) < 3.5 && enough(hex, 3.5));
        assert!(!enough(b"zzzzyyyyxxxxwwwwvvvvuuuuttttssss", 3.5));
        assert!(!enough(b"deadbeefdeadbeefdeadbeefdeadbeef", 3.5));
    }

    #[test]
    fn distinct_bytes_have_log2_entropy() {
        assert!((shannon(b"abcdefgh") - 3.0).abs() < 1e-9);
    }

    #[test]
    fn entropy_counts_characters_over_bytes() {
        assert!((gitleaks(b"abcdefgh") - 3.0).abs() < 1e-9);
        // Two characters of two bytes each: p = 1/4 each over 4 bytes.
        assert!((gitleaks("éè".as_bytes()) - 1.0).abs() < 1e-9);
        assert!((gitleaks(b"a\xff") - 1.0).abs() < 1e-9);
        assert_eq!(gitleaks(b"\xff\xfe"), 0.0);
    }
}
