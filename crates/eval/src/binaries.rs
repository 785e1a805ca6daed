//! The `binaries/` class: secrets compiled into files that are not text. An ELF-like
//! executable (NUL-terminated literals between machine code), a Windows DLL (UTF-16LE
//! literals), a CPython `.pyc` (marshalled short strings), a Java `.class` (a constant
//! pool) and a SQLite database (records whose columns lie back to back, so a value often
//! follows the previous column with no separator: a real limit of every strings-based
//! scanner, kept in the truth).
//!
//! Lines in a binary file are counted by its `\n` bytes, as `grep -an` and every scanner
//! that reports one do; the filler between two planted strings holds one, so each has a
//! line of its own.
use super::doc::Label;
use super::Entry;
use ferret_rules::synth::Rng;

/// A planted value: a secret with its rule, or a look-alike.
pub(crate) struct Item {
    pub family: String,
    pub rule: Option<String>,
    pub is_secret: bool,
    pub context: &'static str,
    /// The variable the value is assigned to, where the format has one.
    pub var: String,
    pub value: String,
}

impl Item {
    fn label(&self) -> Label<'_> {
        Label {
            family: &self.family,
            rule: self.rule.as_deref(),
            is_secret: self.is_secret,
            context: self.context,
        }
    }
}

/// A generated file that is not text: its bytes and the truth about them.
pub(crate) struct RawFile {
    pub path: String,
    pub bytes: Vec<u8>,
    pub entries: Vec<Entry>,
}

impl RawFile {
    pub fn new(path: impl Into<String>) -> Self {
        RawFile {
            path: path.into(),
            bytes: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// The line the next byte is on.
    fn line(&self) -> usize {
        self.bytes.iter().filter(|&&b| b == b'\n').count() + 1
    }

    fn put(&mut self, b: &[u8]) {
        self.bytes.extend_from_slice(b);
    }

    /// Bytes holding the planted value of `item` (on one line).
    fn plant(&mut self, b: &[u8], item: &Item) {
        let line = self.line();
        let label = item.label();
        self.entries.push(Entry {
            path: self.path.clone(),
            line,
            end_line: line,
            family: label.family.to_string(),
            rule: label.rule.map(str::to_string),
            is_secret: label.is_secret,
            context: label.context.to_string(),
            class: None,
        });
        self.put(b);
    }

    /// Machine-code-like filler with one newline in it: no printable run of 4.
    fn filler(&mut self, rng: &mut Rng, n: usize) {
        const BYTES: [u8; 14] = [
            0x00, 0x01, 0x48, 0x89, 0xe5, 0xc3, 0x0f, 0x1f, 0xff, 0x8b, 0xfc, 0x00, 0x90, 0xe8,
        ];
        let nl = rng.below(n.max(1));
        for i in 0..n.max(1) {
            if i == nl {
                self.bytes.push(b'\n');
            } else {
                self.bytes.push(BYTES[rng.below(BYTES.len())]);
            }
        }
    }
}

/// The files of the class, under `dir`, with `items` spread over them in turn.
pub(crate) fn files(dir: &str, items: &[Item], rng: &mut Rng) -> Vec<RawFile> {
    let kinds: [(&str, Writer); 5] = [
        ("bin/report-server", elf),
        ("win/Acme.Client.dll", dll),
        ("app/__pycache__/settings.cpython-312.pyc", pyc),
        ("classes/com/acme/Keys.class", class),
        ("data/cache.sqlite", sqlite),
    ];
    let mut shares: Vec<Vec<&Item>> = kinds.iter().map(|_| Vec::new()).collect();
    for (i, item) in items.iter().enumerate() {
        shares[i % kinds.len()].push(item);
    }
    kinds
        .iter()
        .zip(shares)
        .map(|((path, write), share)| write(&format!("{dir}/{path}"), &share, rng))
        .collect()
}

type Writer = fn(&str, &[&Item], &mut Rng) -> RawFile;

/// An ELF executable: literals NUL-terminated in a string table between code.
pub(crate) fn elf(path: &str, items: &[&Item], rng: &mut Rng) -> RawFile {
    let mut f = RawFile::new(path);
    f.put(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00");
    f.filler(rng, 400);
    for (i, item) in items.iter().enumerate() {
        f.put(b"\x00");
        let text = match i % 3 {
            0 => format!("Authorization: Bearer {}", item.value),
            1 => format!("{}={}", item.var, item.value),
            _ => item.value.clone(),
        };
        f.plant(text.as_bytes(), item);
        f.put(b"\x00");
        f.filler(rng, 200);
    }
    f.put(b"\x00GLIBC_2.34\x00__libc_start_main\x00");
    f
}

/// A .NET assembly: user strings in UTF-16LE.
fn dll(path: &str, items: &[&Item], rng: &mut Rng) -> RawFile {
    let mut f = RawFile::new(path);
    f.put(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00");
    f.filler(rng, 300);
    for item in items {
        let text = format!("{}={}", item.var, item.value);
        let wide: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        f.put(&[(wide.len() * 2 + 1) as u8 | 0x80]);
        f.plant(&wide, item);
        f.put(b"\x00");
        f.filler(rng, 150);
    }
    f
}

/// CPython bytecode: a marshalled code object whose constants are short ASCII strings
/// (`Z` or `z`, one length byte).
fn pyc(path: &str, items: &[&Item], rng: &mut Rng) -> RawFile {
    let mut f = RawFile::new(path);
    f.put(b"\xcb\x0d\x0d\x0a\x00\x00\x00\x00\x8a\x1f\x4b\x65\x10\x02\x00\x00");
    f.put(b"\xe3\x00\x00\x00\x00\x00\x00\x00\x00");
    for item in items {
        f.filler(rng, 60);
        f.put(&[0xda, item.var.len() as u8]);
        f.put(item.var.as_bytes());
        let v = item.value.as_bytes();
        f.put(&[b'Z', v.len().min(255) as u8]);
        f.plant(&v[..v.len().min(255)], item);
    }
    f.put(b"\x4e\x29\x01\xda\x08settings");
    f
}

/// A Java class file: constant pool entries (tag 1, a big-endian length, modified UTF-8).
pub(crate) fn class(path: &str, items: &[&Item], rng: &mut Rng) -> RawFile {
    let mut f = RawFile::new(path);
    f.put(b"\xca\xfe\xba\xbe\x00\x00\x00\x41\x00\x40");
    for c in ["java/lang/Object", "<init>", "()V", "Code"] {
        f.put(&[1]);
        f.put(&(c.len() as u16).to_be_bytes());
        f.put(c.as_bytes());
    }
    for item in items {
        f.put(&[1]);
        f.put(&(item.var.len() as u16).to_be_bytes());
        f.put(item.var.as_bytes());
        f.put(&[1]);
        f.put(&(item.value.len() as u16).to_be_bytes());
        f.plant(item.value.as_bytes(), item);
        f.put(&[7, 0]);
        f.filler(rng, 40);
    }
    f
}

/// A SQLite database: the header page, then table leaf pages whose records hold the
/// values. Half of them sit after a URL column (a `/` before the value), half after a
/// name column, glued to it (`TOPO_API_KEYtopo_…`) as SQLite stores them.
fn sqlite(path: &str, items: &[&Item], rng: &mut Rng) -> RawFile {
    let mut f = RawFile::new(path);
    let mut header = b"SQLite format 3\x00\x10\x00\x01\x01\x00\x40\x20\x20".to_vec();
    header.resize(100, 0);
    f.put(&header);
    f.put(b"\x0d\x00\x00\x00\x01\x0f\x8a\x00");
    f.put(b"CREATE TABLE secrets (id INTEGER PRIMARY KEY, source TEXT, value TEXT)");
    for (i, item) in items.iter().enumerate() {
        f.filler(rng, 48);
        let source = if i % 2 == 0 {
            format!("https://{}.example.com/api/", item.family)
        } else {
            item.var.clone()
        };
        let serial = |n: usize| (n * 2 + 13).min(127) as u8;
        f.put(&[
            0x50,
            i as u8 + 1,
            0x04,
            0x01,
            serial(source.len()),
            serial(item.value.len()),
        ]);
        f.put(&[i as u8 + 1]);
        f.put(source.as_bytes());
        f.plant(item.value.as_bytes(), item);
    }
    f.filler(rng, 64);
    f
}
