//! Turning raw bytes into something the matcher can read: UTF-16 is transcoded, binary
//! content is recognised (and its printable [`strings`] scanned, unless `--scan-binary`
//! asks for the raw bytes), everything else is scanned as the bytes it is, invalid UTF-8
//! included. Nothing is decoded lossily: the matcher works on bytes and secrets are ASCII.
//!
//! A byte-order mark is a hint, not an order: two bytes `FF FE` in front of ASCII text
//! would otherwise turn every pair of characters into one CJK character and hide every
//! secret in the file. Text after a mark that is plainly 8-bit (no NUL, nearly all
//! printable ASCII) is scanned as it is; UTF-16 without a mark (every other byte NUL) is
//! recognised and transcoded rather than skipped as binary.
pub mod strings;

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
    if let Some(le) = utf16_mark(raw) {
        let body = &raw[2..];
        if plainly_8bit(body) {
            return Decoded::Text(Cow::Borrowed(body));
        }
        return Decoded::Text(Cow::Owned(utf16(body, le)));
    }
    let sniff = &raw[..raw.len().min(BINARY_SNIFF)];
    if let Some(le) = unmarked_utf16(sniff) {
        return Decoded::Text(Cow::Owned(utf16(raw, le)));
    }
    if !scan_binary && memchr::memchr(0, sniff).is_some() {
        return Decoded::Binary;
    }
    let body = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
    Decoded::Text(Cow::Borrowed(body))
}

/// The UTF-16 byte-order mark `raw` starts with: `Some(true)` for little-endian.
fn utf16_mark(raw: &[u8]) -> Option<bool> {
    match raw {
        [0xFF, 0xFE, ..] => Some(true),
        [0xFE, 0xFF, ..] => Some(false),
        _ => None,
    }
}

/// Text whose first 8 KiB hold no NUL and are 98% printable ASCII or whitespace: what a
/// UTF-16 file never looks like (its ASCII characters come with a NUL each, its others
/// with bytes outside ASCII), so a mark in front of it is a lie.
fn plainly_8bit(body: &[u8]) -> bool {
    let sniff = &body[..body.len().min(BINARY_SNIFF)];
    if sniff.is_empty() || memchr::memchr(0, sniff).is_some() {
        return false;
    }
    let text = sniff
        .iter()
        .filter(|&&b| (0x20..0x7f).contains(&b) || matches!(b, b'\n' | b'\r' | b'\t'))
        .count();
    text * 50 >= sniff.len() * 49
}

/// UTF-16 without a mark: in nine pairs out of ten one byte is NUL and the other printable
/// ASCII, always on the same side (`Some(true)`: little-endian, the NUL second).
fn unmarked_utf16(sniff: &[u8]) -> Option<bool> {
    let pairs = sniff.len() / 2;
    if pairs < 8 {
        return None;
    }
    let printable = |b: u8| (0x20..0x7f).contains(&b) || matches!(b, b'\n' | b'\r' | b'\t');
    let (mut le, mut be) = (0, 0);
    for c in sniff.chunks_exact(2) {
        le += usize::from(c[1] == 0 && printable(c[0]));
        be += usize::from(c[0] == 0 && printable(c[1]));
    }
    if le * 10 >= pairs * 9 {
        Some(true)
    } else if be * 10 >= pairs * 9 {
        Some(false)
    } else {
        None
    }
}

/// UTF-16 transcoded to UTF-8. Unpaired surrogates become U+FFFD, which cannot be part of a
/// secret anyway.
fn utf16(body: &[u8], le: bool) -> Vec<u8> {
    let units = body.chunks_exact(2).map(|c| {
        if le {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    let mut out = String::with_capacity(body.len() / 2);
    out.extend(char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')));
    out.into_bytes()
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

    fn text(d: Decoded<'_>) -> Vec<u8> {
        match d {
            Decoded::Text(t) => t.into_owned(),
            Decoded::Binary => panic!("taken for binary"),
        }
    }

    #[test]
    fn a_utf16_mark_in_front_of_ascii_is_ignored() {
        for mark in [[0xFF, 0xFE], [0xFE, 0xFF]] {
            let mut raw = mark.to_vec();
            raw.extend_from_slice(b"token = abc123\nother = line\n");
            assert_eq!(text(decode(&raw, false)), b"token = abc123\nother = line\n");
        }
    }

    #[test]
    fn utf16_without_a_mark_is_transcoded() {
        let mut le = Vec::new();
        let mut be = Vec::new();
        for u in "key=abc\nmore text here\n".encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(text(decode(&le, false)), b"key=abc\nmore text here\n");
        assert_eq!(text(decode(&be, false)), b"key=abc\nmore text here\n");
    }

    #[test]
    fn nul_bytes_mean_binary() {
        assert!(matches!(decode(b"ab\0cd", false), Decoded::Binary));
        assert!(matches!(decode(b"ab\0cd", true), Decoded::Text(_)));
    }
}
