//! Offline checksums carried by some token formats. A token whose checksum fails is a
//! look-alike (a truncated token, a hand-made placeholder, test data), not a credential.
//!
//! GitHub's formats (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and npm's `npm_` tokens end in
//! six base62 characters that encode the CRC32 of the thirty random characters before them.

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The checksum schemes a rule can name in its `checksum` field.
pub const SCHEMES: &[&str] = &["crc32-base62"];

/// Whether `secret` passes `scheme`. Unknown schemes are rejected when rules load, so
/// here they simply pass.
pub fn valid(scheme: &str, secret: &[u8]) -> bool {
    match scheme {
        "crc32-base62" => crc32_base62(secret),
        _ => true,
    }
}

/// The last 6 characters are base62(CRC32(the 30 characters before them)); whatever
/// precedes those 36 characters is the prefix.
fn crc32_base62(secret: &[u8]) -> bool {
    if secret.len() < 36 {
        return false;
    }
    let (body, check) = secret[secret.len() - 36..].split_at(30);
    encode(crc32fast::hash(body)).as_bytes() == check
}

/// Six base62 digits, most significant first, left-padded with `0`.
pub fn encode(mut n: u32) -> String {
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).expect("ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_made_token_passes_and_a_changed_one_fails() {
        let body = "abcdefghijABCDEFGHIJ0123456789";
        let token = format!("ghp_{body}{}", encode(crc32fast::hash(body.as_bytes())));
        assert!(valid("crc32-base62", token.as_bytes()));
        let bad = token.replace("abc", "abd");
        assert!(!valid("crc32-base62", bad.as_bytes()));
    }

    #[test]
    fn base62_is_padded() {
        assert_eq!(encode(0), "000000");
        assert_eq!(encode(61), "00000z");
        assert_eq!(encode(62), "000010");
    }
}
