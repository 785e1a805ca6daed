//! The printable strings of binary content, the way `strings(1)` finds them: runs of
//! printable ASCII, and runs of printable ASCII in UTF-16LE (what Windows executables and
//! .NET assemblies store their literals as), each at least [`MIN_RUN`] characters long.
//!
//! Secrets are compiled into executables, `.class` and `.pyc` files and SQLite pages as
//! plain ASCII between other bytes. Scanning the runs instead of the raw bytes keeps the
//! matcher away from megabytes of machine code, and puts every run on its own line, so a
//! rule anchored on a line sees one string at a time. An offset map takes a finding back
//! to the byte it came from.

/// Runs shorter than this are noise (opcode bytes that happen to be printable) and too
/// short to hold a secret; `strings(1)` uses 4, we need at least a short password.
pub const MIN_RUN: usize = 8;

/// At most this much of a binary is searched for strings (the rest is noted as not
/// scanned). Files are already capped by `--max-file-size` (10 MiB by default); this
/// bounds a raised limit, and archive members.
pub const MAX_INPUT: usize = 64 << 20;

/// Printable for our purpose: ASCII graphic characters, space and tab.
const fn printable_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0x20;
    while b < 0x7f {
        t[b] = true;
        b += 1;
    }
    t[b'\t' as usize] = true;
    t
}
static PRINTABLE: [bool; 256] = printable_table();

/// One run: where it starts in the text and in the raw bytes, and how many raw bytes each
/// of its characters took (1 for ASCII, 2 for UTF-16LE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    text: usize,
    raw: usize,
    stride: usize,
}

/// The strings of a binary: one run per line, and where each run came from.
#[derive(Debug, Default)]
pub struct Strings {
    /// The runs, each followed by `\n`. ASCII runs come first in file order, then the
    /// UTF-16 runs in file order.
    pub text: Vec<u8>,
    runs: Vec<Run>,
    /// The input was longer than [`MAX_INPUT`]: only its start was searched.
    pub truncated: bool,
}

impl Strings {
    /// Extracts the strings of `raw`.
    pub fn extract(raw: &[u8]) -> Strings {
        let mut s = Strings::default();
        s.extract_into(raw);
        s
    }

    /// Like [`Strings::extract`], reusing this value's buffers.
    pub fn extract_into(&mut self, raw: &[u8]) {
        self.text.clear();
        self.runs.clear();
        self.truncated = raw.len() > MAX_INPUT;
        let raw = &raw[..raw.len().min(MAX_INPUT)];
        self.ascii(raw);
        self.utf16le(raw);
    }

    fn push(&mut self, run: Run, chars: impl Iterator<Item = u8>) {
        self.runs.push(run);
        self.text.extend(chars);
        self.text.push(b'\n');
    }

    fn ascii(&mut self, raw: &[u8]) {
        let mut i = 0;
        let n = raw.len();
        while i < n {
            if !PRINTABLE[raw[i] as usize] {
                i += 1;
                continue;
            }
            let start = i;
            while i < n && PRINTABLE[raw[i] as usize] {
                i += 1;
            }
            if i - start >= MIN_RUN {
                let run = Run {
                    text: self.text.len(),
                    raw: start,
                    stride: 1,
                };
                self.push(run, raw[start..i].iter().copied());
            }
        }
    }

    /// Printable ASCII characters each followed by a zero byte, at either alignment.
    fn utf16le(&mut self, raw: &[u8]) {
        let n = raw.len();
        let is_unit = |i: usize| i + 1 < n && PRINTABLE[raw[i] as usize] && raw[i + 1] == 0;
        // Zero bytes are where UTF-16 text can be; content without any has none.
        let mut i = match memchr::memchr(0, raw) {
            Some(z) => z.saturating_sub(1),
            None => return,
        };
        while i + 1 < n {
            if !is_unit(i) {
                i += 1;
                continue;
            }
            let start = i;
            while is_unit(i) {
                i += 2;
            }
            let len = (i - start) / 2;
            if len >= MIN_RUN {
                let run = Run {
                    text: self.text.len(),
                    raw: start,
                    stride: 2,
                };
                self.push(run, raw[start..i].iter().step_by(2).copied());
            }
        }
    }

    /// Whether no string was found.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// The raw byte offset of text offset `at`, and how many raw bytes a character of its
    /// run takes.
    pub fn raw_offset(&self, at: usize) -> (usize, usize) {
        let i = self.runs.partition_point(|r| r.text <= at);
        match i.checked_sub(1).map(|i| self.runs[i]) {
            Some(r) => (r.raw + (at - r.text) * r.stride, r.stride),
            None => (at, 1),
        }
    }
}

/// The 1-based line and column of byte `at` of `raw`, counting lines by `\n` as a text
/// view of the file (`grep -an`, an editor) would, and columns in bytes.
pub fn raw_position(raw: &[u8], at: usize) -> (usize, usize) {
    let before = &raw[..at.min(raw.len())];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (line, at - line_start + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &Strings) -> Vec<String> {
        String::from_utf8_lossy(&s.text)
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn ascii_runs_of_the_minimum_length_become_lines() {
        let raw = b"\x7fELF\x01\x02short\0\x03long enough run\x00\xff12345678\x01abc";
        let s = Strings::extract(raw);
        assert_eq!(lines(&s), ["long enough run", "12345678"]);
        let at = s.text.iter().position(|&b| b == b'e').unwrap();
        assert_eq!(s.raw_offset(at).0, 18);
        let second = s.text.iter().position(|&b| b == b'1').unwrap();
        assert_eq!(s.raw_offset(second + 2), (32, 1));
    }

    #[test]
    fn utf16le_runs_are_found_at_either_alignment() {
        for pad in [1usize, 2] {
            let mut raw = vec![0x90; pad];
            raw.extend_from_slice(&[0xff, 0xfe]);
            let start = raw.len();
            for u in "Password=hunter22".encode_utf16() {
                raw.extend_from_slice(&u.to_le_bytes());
            }
            raw.extend_from_slice(&[0xff, 0xff]);
            let s = Strings::extract(&raw);
            assert_eq!(lines(&s), ["Password=hunter22"], "pad {pad}");
            let h = s.text.iter().position(|&b| b == b'h').unwrap();
            assert_eq!(s.raw_offset(h), (start + 2 * 9, 2));
        }
    }

    #[test]
    fn text_without_runs_gives_nothing_and_offsets_map_back() {
        assert!(Strings::extract(b"\x00\x01\x02abc\x00").is_empty());
        assert!(Strings::extract(b"").is_empty());
        let raw = b"\x00\x00line one here\n\x01\x02and then this one";
        let s = Strings::extract(raw);
        assert_eq!(lines(&s), ["line one here", "and then this one"]);
        let t = s.text.iter().position(|&b| b == b't').unwrap();
        let (at, _) = s.raw_offset(t);
        assert_eq!(&raw[at..at + 4], b"then");
        assert_eq!(raw_position(raw, at), (2, 7));
        assert_eq!(raw_position(raw, 0), (1, 1));
    }
}
