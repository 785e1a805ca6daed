//! Turning raw bytes into something the matcher can read: UTF-16 is transcoded, binary
//! content is recognised (and skipped unless asked for), everything else is scanned as the
//! bytes it is, invalid UTF-8 included. Nothing is decoded lossily: the matcher works on
//! bytes and secrets are ASCII.
use std::borrow::Cow;

/// How far into a file we look for a NUL byte to call it binary (what git and ripgrep do).
const BINARY_SNIFF: usize = 8 * 1024;

/// What the bytes turned out to be.
pub enum Decoded<'a> {
    Text(Cow<'a, [u8]>),
    Binary,
}

/// Decodes `raw` for scanning. With `scan_binary`, binary content is scanned as bytes.
pub fn decode(raw: &[u8], scan_binary: bool) -> Decoded<'_> {
    if let Some(text) = utf16(raw) {
        return Decoded::Text(Cow::Owned(text));
    }
    let sniff = &raw[..raw.len().min(BINARY_SNIFF)];
    if !scan_binary && memchr::memchr(0, sniff).is_some() {
        return Decoded::Binary;
    }
    let body = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
    Decoded::Text(Cow::Borrowed(body))
}

/// UTF-16 with a byte-order mark, transcoded to UTF-8. Unpaired surrogates become U+FFFD,
/// which cannot be part of a secret anyway.
fn utf16(raw: &[u8]) -> Option<Vec<u8>> {
    let le = match raw {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let units = raw[2..].chunks_exact(2).map(|c| {
        if le {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    let mut out = String::with_capacity(raw.len() / 2);
    out.extend(char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')));
    Some(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16le_with_bom_is_transcoded() {
        let mut raw = vec![0xFF, 0xFE];
        for u in "key=abc\n".encode_utf16() {
            raw.extend_from_slice(&u.to_le_bytes());
        }
        match decode(&raw, false) {
            Decoded::Text(t) => assert_eq!(&*t, b"key=abc\n"),
            Decoded::Binary => panic!("UTF-16 taken for binary"),
        }
    }

    #[test]
    fn nul_bytes_mean_binary() {
        assert!(matches!(decode(b"ab\0cd", false), Decoded::Binary));
        assert!(matches!(decode(b"ab\0cd", true), Decoded::Text(_)));
    }
}
