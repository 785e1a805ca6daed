//! Shannon entropy, the cheap test that separates random key material from words.

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
    use super::shannon;

    #[test]
    fn repeated_bytes_have_no_entropy() {
        assert_eq!(shannon(b"aaaaaaaa"), 0.0);
    }

    #[test]
    fn distinct_bytes_have_log2_entropy() {
        assert!((shannon(b"abcdefgh") - 3.0).abs() < 1e-9);
    }
}
