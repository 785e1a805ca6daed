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
    /// Scratch: the length-prefixed strings of the run being read.
    glued: Vec<(usize, usize)>,
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

    /// Runs of printable ASCII, eight bytes at a time: [`printable_mask`] marks the
    /// printable bytes of a word, a run inside one word is shorter than [`MIN_RUN`], so
    /// only the printable bytes at either end of a word (and whole printable words) can
    /// be part of a run long enough. perf put the byte-by-byte loop at a quarter of the
    /// time of a tree scan; this is checked against it in the tests.
    fn ascii(&mut self, raw: &[u8]) {
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let n = raw.len();
        // The run in progress: where it started.
        let mut run: Option<usize> = None;
        let mut i = 0;
        while i + 8 <= n {
            let mut word = [0u8; 8];
            word.copy_from_slice(&raw[i..i + 8]);
            let stop = !printable_mask(u64::from_le_bytes(word)) & HIGH;
            if stop == 0 {
                run.get_or_insert(i);
                i += 8;
                continue;
            }
            // Printable bytes at the start of the word end the run in progress.
            let lead = stop.trailing_zeros() as usize / 8;
            if let Some(start) = run.take() {
                self.ascii_run(raw, start, i + lead);
            } else if lead >= MIN_RUN {
                self.ascii_run(raw, i, i + lead);
            }
            // Printable bytes at its end start the next one.
            let trail = stop.leading_zeros() as usize / 8;
            if trail > 0 {
                run = Some(i + 8 - trail);
            }
            i += 8;
        }
        let mut start = run.unwrap_or(i);
        for (j, &b) in raw.iter().enumerate().skip(i) {
            if !PRINTABLE[b as usize] {
                self.ascii_run(raw, start, j);
                start = j + 1;
            }
        }
        self.ascii_run(raw, start, n);
    }

    /// Keeps `raw[start..end]`, printable, when it is long enough, and the strings glued
    /// to their length byte in it.
    fn ascii_run(&mut self, raw: &[u8], start: usize, end: usize) {
        if end < start + MIN_RUN {
            return;
        }
        let run = Run {
            text: self.text.len(),
            raw: start,
            stride: 1,
        };
        self.push(run, raw[start..end].iter().copied());
        length_prefixed(raw, start, end, &mut self.glued);
        for i in 0..self.glued.len() {
            let (from, to) = self.glued[i];
            let run = Run {
                text: self.text.len(),
                raw: from,
                stride: 1,
            };
            self.push(run, raw[from..to].iter().copied());
        }
    }

    /// Printable ASCII characters each followed by a zero byte, at either alignment,
    /// found the same way: a run of [`MIN_RUN`] characters spans `2 * MIN_RUN` bytes, so
    /// a unit starts at or just after every `2 * MIN_RUN - 2`th byte of it.
    fn utf16le(&mut self, raw: &[u8]) {
        let n = raw.len();
        let is_unit = |i: usize| i + 1 < n && PRINTABLE[raw[i] as usize] && raw[i + 1] == 0;
        let step = 2 * MIN_RUN - 2;
        let mut done = 0;
        let mut probe = 0;
        while probe + 1 < n {
            let at = if is_unit(probe) {
                probe
            } else if is_unit(probe + 1) {
                probe + 1
            } else {
                probe += step;
                continue;
            };
            let mut start = at;
            while start >= done + 2 && is_unit(start - 2) {
                start -= 2;
            }
            let mut end = at;
            while is_unit(end) {
                end += 2;
            }
            if (end - start) / 2 >= MIN_RUN {
                let run = Run {
                    text: self.text.len(),
                    raw: start,
                    stride: 2,
                };
                self.push(run, raw[start..end].iter().step_by(2).copied());
            }
            done = end;
            probe = end.max(probe + 1);
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

/// The high bit of each byte of `w` that is printable (0x20 to 0x7e, or a tab), as
/// [`PRINTABLE`] has it: eight bytes with a few additions and masks. No sum carries into
/// the next byte: the high bits are cleared first, and `0x7f + 0x60` fits in a byte.
fn printable_mask(w: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let ascii = !w & HIGH;
    let low = w & LOW;
    let at_least_space = (low + 0x6060_6060_6060_6060) & HIGH;
    let at_most_tilde = !(low + 0x0101_0101_0101_0101) & HIGH;
    let t = low ^ 0x0909_0909_0909_0909;
    let tab = !(((t & LOW) + LOW) | t) & HIGH;
    ascii & ((at_least_space & at_most_tilde) | tab)
}

/// A length-prefixed string glued to its length byte in run `start..end`: its span.
///
/// Bytecode and many binary formats store a string as a length and its bytes: a `.pyc`
/// as `Z`, one length byte, the bytes; a `.class` constant as a two-byte big-endian
/// length. When the length byte happens to be a word character (a 48-character token
/// after `0`), it is glued to the string and a rule that wants a word boundary before
/// the token's prefix cannot match; when the next object starts with a printable type
/// byte (a `.pyc`'s `N` for None, then `)` for a tuple), a rule that wants a boundary
/// after the token cannot either. The string ends at the end of the run, or a byte or
/// two before it, so a byte that equals that distance is taken for a length, and when
/// the string is glued on either side it is scanned again on a line of its own.
fn length_prefixed(raw: &[u8], start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    out.clear();
    let first = (start + 1).max(end.saturating_sub(u8::MAX as usize + 2));
    let Some(last) = end.checked_sub(MIN_RUN) else {
        return;
    };
    // The closest fit wins: strings ending with the run before those ending a byte short.
    // Several can fit as well (a digit inside the string that equals the distance to
    // the end): each is kept, there are rarely more than two.
    let mut best = usize::MAX;
    for p in first..=last {
        let b = raw[p - 1];
        let stop = p + b as usize;
        let Some(short) = end.checked_sub(stop) else {
            continue;
        };
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        // Glued in front (the length is a word byte) or behind (the next object's type
        // byte is): otherwise the run itself has the boundaries a rule needs.
        let glued = word(b) || (short > 0 && word(raw[stop]));
        if !glued || short > 2 || short > best {
            continue;
        }
        if short < best {
            best = short;
            out.clear();
        }
        out.push((p, stop));
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
    fn a_string_glued_to_its_length_byte_gets_a_line_of_its_own() {
        // A .pyc constant: `Z`, the length (48, the digit `0`), the string; then a tag.
        let token = "tok_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH";
        assert_eq!(token.len(), 48);
        let mut raw = b"\xe3\x00\xdaAPI_KEYZ0".to_vec();
        raw.extend_from_slice(token.as_bytes());
        let at = raw.len() - token.len();
        // The next object: a tuple (`)`), printable, then a tag that is not.
        raw.extend_from_slice(b")\xda");
        let s = Strings::extract(&raw);
        assert_eq!(lines(&s), [format!("API_KEYZ0{token})"), token.to_string()]);
        let second = s.text.len() - token.len() - 1;
        assert_eq!(s.raw_offset(second), (at, 1));
        // Glued behind: a space for the length, then the string, then `N)`.
        let mut raw = b"\x00\xdaAPI_KEYZ ".to_vec();
        raw.extend_from_slice(&token.as_bytes()[..32]);
        raw.extend_from_slice(b"N)\x01");
        let s = Strings::extract(&raw);
        assert_eq!(lines(&s)[1], token[..32]);
        // A byte that is not a letter or digit already ends a word: no second line.
        let mut raw = b"\x00\xdaAPI_KEYZ+".to_vec();
        raw.extend_from_slice(&token.as_bytes()[..43]);
        raw.push(0xda);
        assert_eq!(lines(&Strings::extract(&raw)).len(), 1);
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

    /// The obvious byte-by-byte extraction: what the probing one must agree with.
    fn naive(raw: &[u8]) -> Vec<(usize, usize, Vec<u8>)> {
        let p = |b: u8| PRINTABLE[b as usize];
        let mut out = Vec::new();
        let mut i = 0;
        while i < raw.len() {
            let s = i;
            while i < raw.len() && p(raw[i]) {
                i += 1;
            }
            if i - s >= MIN_RUN {
                out.push((s, 1, raw[s..i].to_vec()));
                let mut glued = Vec::new();
                length_prefixed(raw, s, i, &mut glued);
                for (from, to) in glued {
                    out.push((from, 1, raw[from..to].to_vec()));
                }
            }
            i = i.max(s + 1);
        }
        let unit = |i: usize| i + 1 < raw.len() && p(raw[i]) && raw[i + 1] == 0;
        let mut i = 0;
        while i < raw.len() {
            let s = i;
            while unit(i) {
                i += 2;
            }
            if (i - s) / 2 >= MIN_RUN {
                out.push((s, 2, raw[s..i].iter().step_by(2).copied().collect()));
            }
            i = i.max(s + 1);
        }
        out
    }

    fn runs(s: &Strings) -> Vec<(usize, usize, Vec<u8>)> {
        let mut out = Vec::new();
        let mut text = s.text.split(|&b| b == b'\n');
        for r in &s.runs {
            out.push((r.raw, r.stride, text.next().unwrap().to_vec()));
        }
        out
    }

    #[test]
    fn the_word_mask_agrees_with_the_table() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut word = [b'x'; 8];
                word[pos] = b;
                let m = printable_mask(u64::from_le_bytes(word));
                assert_eq!(m >> (8 * pos + 7) & 1 == 1, PRINTABLE[b as usize], "{b:#x}");
            }
        }
    }

    #[test]
    fn probing_finds_what_a_byte_by_byte_search_finds() {
        let mut rng = ferret_rules::synth::Rng::new(11);
        for round in 0..300 {
            let mut raw = Vec::new();
            while raw.len() < 2000 {
                let len = 1 + rng.below(if round % 2 == 0 { 12 } else { 30 });
                match rng.below(4) {
                    0 => raw.extend(rng.string(b"abcXYZ019=_-/+ ", len).bytes()),
                    1 => {
                        for c in rng.string(b"abc019=", len).bytes() {
                            raw.extend_from_slice(&[c, 0]);
                        }
                    }
                    2 => raw.extend(std::iter::repeat_n(0u8, len)),
                    _ => raw.extend((0..len).map(|_| rng.below(256) as u8)),
                }
            }
            assert_eq!(runs(&Strings::extract(&raw)), naive(&raw), "round {round}");
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
