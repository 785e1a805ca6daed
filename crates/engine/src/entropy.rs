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
    use super::{enough, shannon};

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
}
