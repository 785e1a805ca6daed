//! One generated file: lines written in order, with the truth entries of the lines that
//! were planted, and how the file is stored (line endings, UTF-16).
use super::Entry;

/// A file being written.
pub(crate) struct Doc {
    pub path: String,
    lines: Vec<String>,
    pub entries: Vec<Entry>,
    crlf: bool,
    utf16: bool,
}

/// What a planted line is.
pub(crate) struct Label<'a> {
    pub family: &'a str,
    pub rule: Option<&'a str>,
    pub is_secret: bool,
    pub context: &'a str,
}

impl Doc {
    pub fn new(path: impl Into<String>) -> Self {
        Doc {
            path: path.into(),
            lines: Vec::new(),
            entries: Vec::new(),
            crlf: false,
            utf16: false,
        }
    }

    /// Windows line endings.
    pub fn crlf(mut self) -> Self {
        self.crlf = true;
        self
    }

    /// UTF-16 little-endian with a byte-order mark (what Windows tools write).
    pub fn utf16(mut self) -> Self {
        self.utf16 = true;
        self
    }

    /// The 1-based number the next line will have.
    pub fn next_line(&self) -> usize {
        self.lines.len() + 1
    }

    /// Unlabeled text (one or more lines).
    pub fn text(&mut self, text: &str) {
        self.lines.extend(text.split('\n').map(str::to_string));
    }

    /// Labeled text: the entry spans every line of `text`.
    pub fn plant(&mut self, text: &str, label: Label<'_>) {
        let line = self.next_line();
        self.text(text);
        self.entries.push(Entry {
            path: self.path.clone(),
            line,
            end_line: self.lines.len(),
            family: label.family.to_string(),
            rule: label.rule.map(str::to_string),
            is_secret: label.is_secret,
            context: label.context.to_string(),
            class: None,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The stored bytes.
    pub fn bytes(&self) -> Vec<u8> {
        let eol = if self.crlf { "\r\n" } else { "\n" };
        let mut text = self.lines.join(eol);
        text.push_str(eol);
        if !self.utf16 {
            return text.into_bytes();
        }
        let mut out = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            out.extend_from_slice(&unit.to_le_bytes());
        }
        out
    }
}
