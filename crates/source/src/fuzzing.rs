//! Entry points for the fuzz targets in `fuzz/` and for the tests that replay their
//! corpora (tests/integration/fuzz_corpus.rs): each takes bytes a scanned repository could
//! hold and must return, whatever they are, without panicking, hanging or allocating
//! without bound. Not an API for anything else.

/// The content sniffer and decoders: UTF-16 with or without a mark, binary detection,
/// and the encoded spans (base64, percent-encoding, JSON escapes) the engine decodes.
pub fn content(data: &[u8]) {
    for scan_binary in [false, true] {
        if let crate::content::Decoded::Text(text) = crate::content::decode(data, scan_binary) {
            let mut spans = Vec::new();
            ferret_engine::encoded::spans(&text, &mut spans);
            for s in &spans {
                assert!(s.start <= s.end && s.end <= text.len());
            }
        }
    }
}

/// The git index reader (versions 2 to 4, extensions), as a pre-commit scan reads it.
pub fn index(data: &[u8]) {
    if let Some(index) = crate::git::index::parse(data) {
        for e in &index.entries {
            let _ = index.path(e);
        }
    }
}

/// The line diff a staged or range scan uses to keep the lines a change adds: `data` is
/// split at its first NUL into the old and the new version.
pub fn added_lines(data: &[u8]) {
    let (old, new) = match memchr::memchr(0, data) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len() / 2..]),
    };
    let added = crate::git::AddedLines::between(old, new);
    let lines = new.split(|&b| b == b'\n').count();
    for line in 0..=lines + 1 {
        let _ = added.contains(line);
    }
}
