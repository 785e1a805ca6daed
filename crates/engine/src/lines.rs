//! Line and column for match offsets, computed only when there is a match.

/// Walks forward through a buffer counting newlines, so that a file's matches (sorted by
/// offset) cost one pass over the bytes before the last match, not one pass each.
pub struct LineCursor<'a> {
    content: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
}

/// Where a byte offset sits in its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters (UTF-8 continuation bytes do not count).
    pub column: usize,
    /// Byte offset of the start of the line.
    pub line_start: usize,
}

impl<'a> LineCursor<'a> {
    pub fn new(content: &'a [u8]) -> Self {
        LineCursor {
            content,
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// Position of `offset`. Offsets must not decrease between calls; if one does, the
    /// cursor restarts from the top (correct, just slower).
    pub fn position(&mut self, offset: usize) -> Position {
        if offset < self.pos {
            *self = LineCursor::new(self.content);
        }
        let offset = offset.min(self.content.len());
        for nl in memchr::memchr_iter(b'\n', &self.content[self.pos..offset]) {
            self.line += 1;
            self.line_start = self.pos + nl + 1;
        }
        self.pos = offset;
        let column = 1 + char_count(&self.content[self.line_start..offset]);
        Position {
            line: self.line,
            column,
            line_start: self.line_start,
        }
    }
}

/// Characters in a UTF-8-ish byte slice: every byte that is not a continuation byte.
pub fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// The line (without its terminator) that holds byte `offset`.
pub fn line_bounds(content: &[u8], offset: usize) -> (usize, usize) {
    let start = memchr::memrchr(b'\n', &content[..offset]).map_or(0, |i| i + 1);
    let mut end = memchr::memchr(b'\n', &content[offset..]).map_or(content.len(), |i| offset + i);
    if end > start && content[end - 1] == b'\r' {
        end -= 1;
    }
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\r\nc\u{e9}d X\n".as_bytes();
        let mut c = LineCursor::new(text);
        assert_eq!(c.position(0).line, 1);
        let x = text.iter().position(|&b| b == b'X').unwrap();
        let p = c.position(x);
        assert_eq!((p.line, p.column), (2, 5));
    }

    #[test]
    fn line_bounds_strip_crlf() {
        let text = b"one\r\ntwo\r\n";
        let (s, e) = line_bounds(text, 6);
        assert_eq!(&text[s..e], b"two");
    }
}
