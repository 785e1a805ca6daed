//! Secrets that are not written as themselves: base64 (Kubernetes Secret `data:`, data
//! URLs, `echo … | base64 -d`), percent-encoding (URLs, form bodies) and JSON/JS string
//! escapes (`\/`, `\u002F`). Candidate spans are found with cheap byte scans, decoded,
//! and the decoded text goes through the same engine (to a bounded depth), so a rule
//! never needs to know about encodings. Findings point at the encoded span and say how it
//! was decoded.

/// Shortest base64 run worth decoding: 24 characters hold 18 bytes, less than any key.
const MIN_BASE64: usize = 24;
/// Longest run decoded: larger runs are images and certificates, not wrapped secrets.
const MAX_SPAN: usize = 64 * 1024;

/// One decoded span of the content.
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub text: Vec<u8>,
    pub how: &'static str,
}

/// Finds and decodes every encoded span in `content`. Decoded text must look like text
/// (mostly printable ASCII), so random binary never reaches the matcher.
pub fn spans(content: &[u8], out: &mut Vec<Span>) {
    base64_spans(content, out);
    if memchr::memchr(b'%', content).is_some() {
        escaped_spans(content, b'%', "percent", percent_decode, out);
    }
    // One pass for both escapes (`\/`, `\u`) rather than a substring search for each.
    if memchr::memchr_iter(b'\\', content).any(|i| matches!(content.get(i + 1), Some(b'/' | b'u')))
    {
        escaped_spans(content, b'\\', "json-escape", json_unescape, out);
    }
}

/// Where the next run of at least [`MIN_BASE64`] base64 bytes starts, at or after `at`,
/// which must be the start of the content or follow a byte that is not base64.
///
/// Source code is mostly letters, digits and `_`, so most of it is short base64 runs;
/// looking at it 64 bytes at a time as a bit mask (a run of 24 is 24 consecutive ones)
/// costs a few instructions per block instead of a lookup per byte. This was a tenth of a
/// directory scan's CPU.
fn next_run(content: &[u8], at: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("bmi1")
        && std::arch::is_x86_feature_detected!("lzcnt")
    {
        // SAFETY: the features `next_run_avx2` is compiled for are present (checked above).
        return unsafe { next_run_avx2(content, at) };
    }
    next_run_with(content, at, b64_mask)
}

/// [`next_run`] compiled for AVX2 with the mask inlined: one feature check per call rather
/// than per block, and `lzcnt`/`tzcnt` for the bit scans (`bsr` was most of the loop).
///
/// # Safety
/// The CPU must support AVX2, BMI1 and LZCNT.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,lzcnt")]
unsafe fn next_run_avx2(content: &[u8], at: usize) -> Option<usize> {
    next_run_with(content, at, |block| {
        if block.len() == 64 {
            // SAFETY: AVX2 is enabled for this function; `block` holds 64 bytes.
            unsafe { b64_mask_avx2(block) }
        } else {
            b64_mask_scalar(block)
        }
    })
}

#[inline(always)]
fn next_run_with(content: &[u8], mut at: usize, b64_mask: impl Fn(&[u8]) -> u64) -> Option<usize> {
    // Base64 bytes just before `at`, in the run that reaches it.
    let mut run = 0;
    while at < content.len() {
        let block = &content[at..content.len().min(at + 64)];
        let len = block.len();
        let mask = b64_mask(block);
        let lead = mask.trailing_ones() as usize;
        if run + lead >= MIN_BASE64 {
            return Some(at - run);
        }
        if lead == len {
            run += len;
            at += len;
            continue;
        }
        // Bit k of `full` says bits k..k+24 are all set: a run of 24 inside the block.
        let mut full = mask;
        for shift in [1, 2, 4, 8, 8] {
            full &= full >> shift;
        }
        if full != 0 {
            return Some(at + full.trailing_zeros() as usize);
        }
        run = (mask << (64 - len)).leading_ones() as usize;
        at += len;
    }
    None
}

/// Bit k set when `block[k]` (at most 64 bytes) is a base64 byte, in either alphabet.
fn b64_mask(block: &[u8]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if block.len() == 64 && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 is present (checked just above) and `block` holds the 64 bytes the
        // two unaligned loads read.
        return unsafe { b64_mask_avx2(block) };
    }
    b64_mask_scalar(block)
}

#[inline(always)]
fn b64_mask_scalar(block: &[u8]) -> u64 {
    block
        .iter()
        .enumerate()
        .fold(0, |m, (k, &c)| m | (u64::from(B64[c as usize] != 0) << k))
}

/// [`b64_mask`] for a 64-byte block, 32 bytes per instruction.
///
/// # Safety
/// The CPU must support AVX2 and `block` must be at least 64 bytes long.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn b64_mask_avx2(block: &[u8]) -> u64 {
    use std::arch::x86_64::*;
    let mut mask = 0u64;
    for half in 0..2 {
        let c = _mm256_loadu_si256(block.as_ptr().add(32 * half).cast::<__m256i>());
        // `x - lo <= span` as unsigned bytes: min(d, span) == d.
        let letters = _mm256_sub_epi8(
            _mm256_or_si256(c, _mm256_set1_epi8(0x20)),
            _mm256_set1_epi8(b'a' as i8),
        );
        let letters = _mm256_cmpeq_epi8(_mm256_min_epu8(letters, _mm256_set1_epi8(25)), letters);
        let digits = _mm256_sub_epi8(c, _mm256_set1_epi8(b'0' as i8));
        let digits = _mm256_cmpeq_epi8(_mm256_min_epu8(digits, _mm256_set1_epi8(9)), digits);
        let plus = _mm256_cmpeq_epi8(c, _mm256_set1_epi8(b'+' as i8));
        let slash = _mm256_cmpeq_epi8(c, _mm256_set1_epi8(b'/' as i8));
        let dash = _mm256_cmpeq_epi8(c, _mm256_set1_epi8(b'-' as i8));
        let under = _mm256_cmpeq_epi8(c, _mm256_set1_epi8(b'_' as i8));
        let any = _mm256_or_si256(
            _mm256_or_si256(letters, digits),
            _mm256_or_si256(_mm256_or_si256(plus, slash), _mm256_or_si256(dash, under)),
        );
        mask |= u64::from(_mm256_movemask_epi8(any) as u32) << (32 * half);
    }
    mask
}

/// Byte classes for base64 runs, as bit flags so one OR per byte tracks what a run holds.
const UPPER: u8 = 1;
const LOWER: u8 = 2;
const DIGIT: u8 = 4;
const STD_SYM: u8 = 8; // `+` `/`
const URL_SYM: u8 = 16; // `-` `_`

static B64: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = if c.is_ascii_uppercase() {
            UPPER
        } else if c.is_ascii_lowercase() {
            LOWER
        } else if c.is_ascii_digit() {
            DIGIT
        } else if c == b'+' || c == b'/' {
            STD_SYM
        } else if c == b'-' || c == b'_' {
            URL_SYM
        } else {
            0
        };
        i += 1;
    }
    t
};

fn base64_spans(content: &[u8], out: &mut Vec<Span>) {
    let n = content.len();
    let mut i = 0;
    while let Some(start) = next_run(content, i) {
        let mut seen = 0u8;
        let mut j = start;
        while j < n {
            let c = B64[content[j] as usize];
            if c == 0 {
                break;
            }
            seen |= c;
            j += 1;
        }
        let mut end = j;
        while end < n && end - j < 2 && content[end] == b'=' {
            end += 1;
        }
        let len = j - start;
        // Real encodings mix upper and lower case with digits or symbols; identifiers,
        // words, paths and UPPER_SNAKE names do not, and are skipped without decoding.
        let mixed = seen & (UPPER | LOWER) == UPPER | LOWER && seen & (DIGIT | STD_SYM) != 0;
        let url = seen & URL_SYM != 0;
        if (MIN_BASE64..=MAX_SPAN).contains(&len) && mixed && !(url && seen & STD_SYM != 0) {
            if let Some(text) = decode_base64(&content[start..j], url) {
                if looks_like_text(&text) {
                    out.push(Span {
                        start,
                        end,
                        text,
                        how: "base64",
                    });
                }
            }
        }
        i = end.max(j + 1);
    }
}

fn b64_value(c: u8, url: bool) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' if !url => 62,
        b'/' if !url => 63,
        b'-' if url => 62,
        b'_' if url => 63,
        _ => return None,
    })
}

/// Decodes unpadded or padded base64 (padding already stripped by the caller).
fn decode_base64(s: &[u8], url: bool) -> Option<Vec<u8>> {
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in s {
        acc = (acc << 6) | u32::from(b64_value(c, url)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// `s` decoded, when the whole of it is base64 (standard or URL-safe, padded or not) of
/// printable text: a value that was encoded, not random key material, whose decoded bytes
/// are almost never all printable.
pub fn base64_text(s: &[u8]) -> Option<Vec<u8>> {
    let body = s
        .strip_suffix(b"==")
        .or_else(|| s.strip_suffix(b"="))
        .unwrap_or(s);
    if body.len() < 8 {
        return None;
    }
    let seen = body.iter().fold(0u8, |acc, &c| acc | B64[c as usize]);
    if body.iter().any(|&c| B64[c as usize] == 0) || seen & STD_SYM != 0 && seen & URL_SYM != 0 {
        return None;
    }
    let text = decode_base64(body, seen & URL_SYM != 0)?;
    let printable = |b: &u8| (0x20..0x7f).contains(b) || matches!(b, b'\n' | b'\r' | b'\t');
    (text.len() >= 6 && text.iter().all(printable)).then_some(text)
}

/// At least 16 bytes, and nearly all printable ASCII or whitespace.
fn looks_like_text(t: &[u8]) -> bool {
    if t.len() < 16 {
        return false;
    }
    let printable = t
        .iter()
        .filter(|&&b| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\r' || b == b'\t')
        .count();
    printable * 100 >= t.len() * 97
}

/// Spans around each `marker` byte that run to the nearest quote, whitespace or
/// delimiter, decoded with `decode`; kept when decoding changed something.
fn escaped_spans(
    content: &[u8],
    marker: u8,
    how: &'static str,
    decode: fn(&[u8]) -> Option<Vec<u8>>,
    out: &mut Vec<Span>,
) {
    let stop = |b: u8| {
        b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`' | b'<' | b'>' | b'(' | b')')
    };
    let mut last_end = 0;
    for pos in memchr::memchr_iter(marker, content) {
        if pos < last_end {
            continue;
        }
        let mut start = pos;
        while start > last_end && !stop(content[start - 1]) && pos - start < MAX_SPAN {
            start -= 1;
        }
        let mut end = pos;
        while end < content.len() && end - start < MAX_SPAN {
            let b = content[end];
            // A backslash escapes the next byte, quotes included.
            if marker == b'\\' && b == b'\\' && end + 1 < content.len() {
                end += 2;
                continue;
            }
            if stop(b) {
                break;
            }
            end += 1;
        }
        last_end = end;
        if end - start < 16 {
            continue;
        }
        if let Some(text) = decode(&content[start..end]) {
            if text.as_slice() != &content[start..end] {
                out.push(Span {
                    start,
                    end,
                    text,
                    how,
                });
            }
        }
    }
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn percent_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    let mut changed = false;
    while i < s.len() {
        if s[i] == b'%' && i + 2 < s.len() {
            if let (Some(h), Some(l)) = (hex(s[i + 1]), hex(s[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                changed = true;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    changed.then_some(out)
}

fn json_unescape(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    let mut changed = false;
    while i < s.len() {
        if s[i] != b'\\' || i + 1 >= s.len() {
            out.push(s[i]);
            i += 1;
            continue;
        }
        changed = true;
        match s[i + 1] {
            b'u' if i + 5 < s.len() => {
                let code = s[i + 2..i + 6]
                    .iter()
                    .try_fold(0u32, |acc, &b| hex(b).map(|d| acc * 16 + u32::from(d)));
                match code.and_then(char::from_u32) {
                    Some(c) => {
                        let mut buf = [0; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        i += 6;
                    }
                    None => {
                        out.push(s[i]);
                        i += 1;
                    }
                }
            }
            b'n' => {
                out.push(b'\n');
                i += 2;
            }
            b't' => {
                out.push(b'\t');
                i += 2;
            }
            b'r' => {
                out.push(b'\r');
                i += 2;
            }
            c @ (b'/' | b'"' | b'\\' | b'\'') => {
                out.push(c);
                i += 2;
            }
            _ => {
                out.push(s[i]);
                i += 1;
            }
        }
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run starts as `base64_spans` visits them, against a byte-by-byte reading.
    #[test]
    fn runs_are_found_across_block_boundaries() {
        let mut rng = ferret_rules::synth::Rng::new(7);
        for case in 0..300 {
            let len = rng.below(400);
            // Mostly base64 bytes with a few breaks, so runs of every length occur.
            let breaks = 1 + case % 40;
            let content: Vec<u8> = (0..len)
                .map(|_| match rng.below(breaks) {
                    0 => b" =.\n:"[rng.below(5)],
                    _ => b"aZ09+/-_Qx"[rng.below(10)],
                })
                .collect();
            let mut want = Vec::new();
            let mut k = 0;
            while k < len {
                let start = k;
                while k < len && B64[content[k] as usize] != 0 {
                    k += 1;
                }
                if k - start >= MIN_BASE64 {
                    want.push(start);
                }
                k += 1;
            }
            let mut got = Vec::new();
            let mut at = 0;
            while let Some(start) = next_run(&content, at) {
                got.push(start);
                let end = (start..len)
                    .find(|&j| B64[content[j] as usize] == 0)
                    .unwrap_or(len);
                at = end + 1;
            }
            assert_eq!(
                got,
                want,
                "case {case}: {:?}",
                String::from_utf8_lossy(&content)
            );
        }
    }

    #[test]
    fn the_wide_mask_agrees_with_the_table() {
        let block: Vec<u8> = (0u8..=255).cycle().skip(3).take(64 * 4).collect();
        for chunk in block.chunks(64) {
            let scalar = chunk.iter().enumerate().fold(0u64, |m, (k, &c)| {
                m | (u64::from(B64[c as usize] != 0) << k)
            });
            assert_eq!(b64_mask(chunk), scalar);
        }
    }

    fn b64(s: &str) -> String {
        ferret_rules::synth::base64(s.as_bytes())
    }

    #[test]
    fn base64_text_is_decoded_and_binary_is_not() {
        let enc = b64("password=Tr0ub4dor&3-very-long-value");
        let content = format!("data:\n  key: {enc}\n");
        let mut out = Vec::new();
        spans(content.as_bytes(), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].text, b"password=Tr0ub4dor&3-very-long-value");
        assert_eq!(
            &content.as_bytes()[out[0].start..out[0].end],
            enc.as_bytes()
        );
        let mut out = Vec::new();
        spans(b"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", &mut out);
        assert!(out.is_empty(), "binary decoded as text");
    }

    #[test]
    fn whole_values_that_are_base64_of_text_decode() {
        assert_eq!(
            base64_text(b64("test-api-key").as_bytes()).unwrap(),
            b"test-api-key"
        );
        assert_eq!(base64_text(b"Y2hhbmdlbWU=").unwrap(), b"changeme");
        // Random key material decodes to bytes that are not all printable.
        assert!(base64_text(b"q3Xr9Lk2PzW8mT4vN7bY1cHs").is_none());
        assert!(base64_text(b"not base64!").is_none());
    }

    #[test]
    fn identifiers_are_not_base64() {
        let mut out = Vec::new();
        spans(
            b"AbstractSingletonProxyFactoryBeanImpl x lowercaseonlyidentifiersarelong",
            &mut out,
        );
        assert!(out.is_empty());
    }

    #[test]
    fn percent_and_json_escapes_decode() {
        let mut out = Vec::new();
        spans(b"url=https%3A%2F%2Fuser%3Apass%40host%2Fdb end", &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].text, b"url=https://user:pass@host/db");
        let mut out = Vec::new();
        spans(br#"{"u": "https:\/\/hooks.test\/x\u002Fy"}"#, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].text, b"https://hooks.test/x/y");
    }
}
