//! Synthetic secrets for examples and tests.
//!
//! Rule examples are written with generators such as `sk_{{alnum:40}}` instead of literal
//! keys, so that neither this repository nor anything it ships holds a string that looks
//! like a live credential (ours or another scanner's push protection would rightly flag
//! it). Expansion is deterministic for a given seed, so failures reproduce.
//!
//! Generators: `alnum`, `lower`, `upper`, `digits`, `hex`, `HEX`, `base64`, `base64url`,
//! `lowernum` (lowercase letters and digits), each with a length: `{{hex:32}}`; and
//! `crc62:N`, N alphanumerics followed by their CRC32 in six base62 digits (the GitHub and
//! npm token checksum), so checksummed examples are valid.

/// A small, fast, deterministic PRNG (xorshift64*): test data, never key material.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }

    /// Seed from a string, e.g. a rule id, so every rule gets its own stream.
    pub fn from_str_seed(s: &str) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in s.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        Rng::new(h)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// `n` characters drawn from `alphabet`.
    pub fn string(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[self.below(alphabet.len())] as char)
            .collect()
    }
}

pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
pub const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
pub const DIGITS: &[u8] = b"0123456789";
pub const HEX: &[u8] = b"0123456789abcdef";
pub const HEX_UPPER: &[u8] = b"0123456789ABCDEF";
pub const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub const LOWERNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn alphabet(name: &str) -> Option<&'static [u8]> {
    Some(match name {
        "alnum" => ALNUM,
        "lower" => LOWER,
        "upper" => UPPER,
        "digits" => DIGITS,
        "hex" => HEX,
        "HEX" => HEX_UPPER,
        "base64" => BASE64,
        "base64url" => BASE64URL,
        "lowernum" => LOWERNUM,
        _ => return None,
    })
}

/// Expands every `{{name:len}}` in `text`. Unknown generators are an error so that a typo
/// in a rule file does not silently produce an example that proves nothing.
pub fn expand(text: &str, rng: &mut Rng) -> Result<String, String> {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let spec = &after[..end];
        match spec.split_once(':') {
            Some(("crc62", len)) => {
                let n: usize = len
                    .trim()
                    .parse()
                    .map_err(|_| format!("bad length in {{{{{spec}}}}}"))?;
                let body = rng.string(ALNUM, n);
                let check = crate::checksum::encode(crc32fast::hash(body.as_bytes()));
                out.push_str(&body);
                out.push_str(&check);
            }
            Some((name, len)) if alphabet(name).is_some() => {
                let n: usize = len
                    .trim()
                    .parse()
                    .map_err(|_| format!("bad length in {{{{{spec}}}}}"))?;
                out.push_str(&rng.string(alphabet(name).unwrap(), n));
            }
            Some((name, len))
                if name.bytes().all(|b| b.is_ascii_alphanumeric())
                    && !len.is_empty()
                    && len.bytes().all(|b| b.is_ascii_digit()) =>
            {
                return Err(format!("unknown generator {{{{{spec}}}}}"))
            }
            // Anything else (`{{ .Values.token }}`, `{{secret}}`) is literal text.
            _ => {
                out.push_str("{{");
                out.push_str(spec);
                out.push_str("}}");
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Standard base64 of `bytes`, padded: for test data that hides a secret in an encoding.
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(BASE64[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
