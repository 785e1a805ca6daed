//! Archives and compressed files, opened in memory and scanned member by member: zip (and
//! the formats built on it: jar, war, apk, whl, nupkg, docx), tar, and gzip, bzip2, xz and
//! zstd streams (a `.tar.gz` is a tar inside a gzip stream), nested up to
//! [`Limits::max_depth`] deep. A member is reported as `archive.zip!inner/path`, nested
//! ones as `outer.jar!lib/inner.zip!config.properties`; a compressed single file
//! (`dump.sql.gz`) under its own path, with the lines of its content, as gitleaks and
//! kingfisher report it.
//!
//! Archives come from strangers, so everything is bounded, per file on disk or in git:
//! the bytes decompressed in all (a gzip bomb), how many times a member expands
//! (`42.zip` expands a millionfold; text compresses about tenfold), how deep archives
//! nest, and how many members are read. A limit stops the extraction and says so in a
//! note; what was read until then is reported. Archives that cannot be read (broken,
//! encrypted, an unsupported compression method) are noted and scanned as binary content.
//!
//! Files are recognised by their first bytes, not their names, so an `.apk` or a `.whl` is
//! a zip whatever it is called and a `.zip` that is not one is scanned as what it is.
use crate::Scanner;
use ferret_engine::{Sink, Target};
use std::cell::Cell;
use std::io::{self, Read};

/// What bounds the extraction of one file (and everything nested in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Open archives at all.
    pub enabled: bool,
    /// Archives inside archives: the file itself is depth 1.
    pub max_depth: usize,
    /// Bytes decompressed in all, at every depth.
    pub max_total: u64,
    /// Members read in all, at every depth.
    pub max_entries: usize,
    /// How many times larger than its compressed form a member (or stream) may grow,
    /// once past [`RATIO_GRACE`].
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            enabled: true,
            max_depth: 4,
            max_total: 256 << 20,
            max_entries: 20_000,
            max_ratio: 100,
        }
    }
}

/// Output below this is never called a bomb: a small file of one repeated byte
/// compresses a thousandfold and is harmless.
pub const RATIO_GRACE: u64 = 1 << 20;

/// The kinds of archive and compressed stream recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zip,
    Tar,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Zip => "zip",
            Kind::Tar => "tar",
            Kind::Gzip => "gzip",
            Kind::Bzip2 => "bzip2",
            Kind::Xz => "xz",
            Kind::Zstd => "zstd",
        }
    }
}

/// The archive or compression format of `raw`, from its magic bytes.
pub fn sniff(raw: &[u8]) -> Option<Kind> {
    match raw {
        [b'P', b'K', 3, 4, ..] | [b'P', b'K', 5, 6, ..] => Some(Kind::Zip),
        [0x1f, 0x8b, 8, ..] => Some(Kind::Gzip),
        [b'B', b'Z', b'h', b'1'..=b'9', 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, ..] => {
            Some(Kind::Bzip2)
        }
        [0xfd, b'7', b'z', b'X', b'Z', 0, ..] => Some(Kind::Xz),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Some(Kind::Zstd),
        _ if is_tar(raw) => Some(Kind::Tar),
        _ => None,
    }
}

/// A POSIX or GNU tar header: `ustar` at offset 257.
fn is_tar(raw: &[u8]) -> bool {
    raw.get(257..262) == Some(b"ustar")
}

/// Why extraction stopped early.
#[derive(Debug)]
enum Stop {
    /// A limit was reached: the whole walk ends.
    Limit(String),
    /// This archive cannot be read further (damaged, unsupported); its siblings go on.
    Broken(String),
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        match e.get_ref().and_then(|i| i.downcast_ref::<LimitHit>()) {
            Some(LimitHit(m)) => Stop::Limit(m.clone()),
            None => Stop::Broken(e.to_string()),
        }
    }
}

/// A limit reached while reading, carried through `io::Error` out of a decoder.
#[derive(Debug)]
struct LimitHit(String);

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitHit {}

fn limit(message: String) -> io::Error {
    io::Error::other(LimitHit(message))
}

/// One file's extraction: its limits and what has been spent of them (in cells, so that
/// a decompressing reader can count while the walk reads members through it).
struct Walk<'s, 'e> {
    scanner: &'s Scanner<'e>,
    limits: &'s Limits,
    /// The commit and blob of the file, for the targets of its members.
    commit: Option<&'s str>,
    blob: Option<&'s str>,
    total: Cell<u64>,
    entries: Cell<usize>,
    /// The largest member read whole (`--max-file-size`).
    max_member: u64,
}

/// Scans archive `raw` (of `kind`) as `target`: each member goes through
/// [`Scanner::scan_leaf`], nested archives are opened in turn. Returns false when the
/// file could not be opened as an archive at all (the caller scans it as it is).
pub(crate) fn scan(
    scanner: &Scanner<'_>,
    target: &Target<'_>,
    raw: &[u8],
    kind: Kind,
    sink: &mut Sink,
) -> bool {
    let walk = Walk {
        scanner,
        limits: &scanner.options.archives,
        commit: target.commit,
        blob: target.blob,
        total: Cell::new(0),
        entries: Cell::new(0),
        max_member: scanner.options.max_file_size,
    };
    let first = sink.findings.len();
    let outcome = walk.open(target.path, raw, kind, 1, sink);
    let outer = target.path.len();
    for f in &mut sink.findings[first..] {
        if f.path.len() > outer && f.path.as_bytes()[outer] == b'!' {
            f.archive = Some(outer);
        }
    }
    match outcome {
        Ok(()) => true,
        Err(Stop::Limit(why)) => {
            scanner.diagnostics.note(format!(
                "{}: archive extraction stopped: {why}; the rest of it was not scanned",
                target.path
            ));
            true
        }
        // Nothing was read: the caller scans the bytes as they are.
        Err(Stop::Broken(why)) if sink.findings.len() == first && walk.entries.get() == 0 => {
            scanner.diagnostics.note(format!(
                "{}: cannot be read as {} ({why}); scanned as binary content",
                target.path,
                kind.name()
            ));
            false
        }
        Err(Stop::Broken(why)) => {
            scanner.diagnostics.note(format!(
                "{}: damaged {} archive ({why}); the rest of it was not scanned",
                target.path,
                kind.name()
            ));
            true
        }
    }
}

impl Walk<'_, '_> {
    /// Opens archive `raw` found at `path`, `depth` archives deep.
    fn open(
        &self,
        path: &str,
        raw: &[u8],
        kind: Kind,
        depth: usize,
        sink: &mut Sink,
    ) -> Result<(), Stop> {
        match kind {
            Kind::Zip => self.zip(path, raw, depth, sink),
            Kind::Tar => self.tar(path, raw, depth, sink),
            _ => self.stream(path, raw, kind, depth, sink),
        }
    }

    /// Counts one more member against the limit.
    fn entry(&self) -> Result<(), Stop> {
        self.entries.set(self.entries.get() + 1);
        if self.entries.get() > self.limits.max_entries {
            return Err(Stop::Limit(format!(
                "more than {} members",
                self.limits.max_entries
            )));
        }
        Ok(())
    }

    /// A reader that counts what `inner` produces against the limits: the total, and
    /// the ratio to `packed`, the compressed size.
    fn metered<'a, R: Read>(&'a self, inner: R, packed: u64, what: &'a str) -> Metered<'a, R> {
        Metered {
            inner,
            total: &self.total,
            limits: self.limits,
            produced: 0,
            packed: packed.max(1),
            what,
        }
    }

    /// Reads `r` whole into `buf` unless it holds more than `--max-file-size`: Ok(false).
    fn read_whole(&self, r: impl Read, buf: &mut Vec<u8>) -> Result<bool, Stop> {
        buf.clear();
        r.take(self.max_member + 1).read_to_end(buf)?;
        Ok(buf.len() as u64 <= self.max_member)
    }

    /// Scans one member's content: opened in turn when it is an archive, otherwise as a
    /// file of its own, named `shown`.
    fn member(&self, shown: &str, data: &[u8], depth: usize, sink: &mut Sink) -> Result<(), Stop> {
        if let Some(kind) = sniff(data) {
            if depth >= self.limits.max_depth {
                return Err(Stop::Limit(format!(
                    "{shown} is nested more than {} archives deep",
                    self.limits.max_depth
                )));
            }
            match self.open(shown, data, kind, depth + 1, sink) {
                Err(Stop::Broken(why)) => {
                    self.scanner.diagnostics.note(format!(
                        "{shown}: cannot be read as {} ({why}); scanned as binary content",
                        kind.name()
                    ));
                }
                other => return other,
            }
        }
        let target = Target::path(shown).in_commit(self.commit).blob(self.blob);
        self.scanner.scan_leaf(&target, data, sink);
        Ok(())
    }

    /// Whether a member's name puts it out of scope (images, fonts, lock files: the
    /// global allowlist's paths), judged by its own path inside the archive and by the
    /// path it is reported under.
    fn skipped(&self, name: &str, shown: &str, sink: &mut Sink) -> bool {
        let engine = self.scanner.engine;
        if engine.path_ignored(name) || engine.path_ignored(shown) {
            let target = Target::path(shown).in_commit(self.commit);
            self.scanner.skipped_allowlisted(&target, sink);
            return true;
        }
        false
    }

    fn zip(&self, path: &str, raw: &[u8], depth: usize, sink: &mut Sink) -> Result<(), Stop> {
        let mut zip =
            zip::ZipArchive::new(io::Cursor::new(raw)).map_err(|e| Stop::Broken(e.to_string()))?;
        let mut buf = Vec::new();
        for i in 0..zip.len() {
            let file = match zip.by_index(i) {
                Ok(f) => f,
                // An encrypted member or an unsupported method: the others can be read.
                Err(zip::result::ZipError::UnsupportedArchive(why)) => {
                    self.scanner
                        .diagnostics
                        .note(format!("{path}: member {} not scanned: {why}", i + 1));
                    continue;
                }
                Err(e) => return Err(Stop::Broken(e.to_string())),
            };
            if !file.is_file() {
                continue;
            }
            self.entry()?;
            let name = file.name().to_string();
            let shown = format!("{path}!{name}");
            if self.skipped(&name, &shown, sink) {
                continue;
            }
            if file.size() > self.max_member {
                self.scanner.skipped_large(&shown);
                continue;
            }
            let packed = file.compressed_size();
            let read = self.read_whole(self.metered(file, packed, &shown), &mut buf);
            match read {
                Ok(true) => self.member(&shown, &buf, depth, sink)?,
                Ok(false) => self.scanner.skipped_large(&shown),
                Err(Stop::Broken(why)) => {
                    self.scanner
                        .diagnostics
                        .note(format!("{shown}: cannot be extracted ({why}); not scanned"));
                }
                Err(stop) => return Err(stop),
            }
        }
        Ok(())
    }

    fn tar(&self, path: &str, raw: &[u8], depth: usize, sink: &mut Sink) -> Result<(), Stop> {
        self.tar_from(path, raw, depth, sink)
    }

    /// The members of a tar archive read from `r` (plain bytes, or a decompressing
    /// reader that counts what it produces).
    fn tar_from(
        &self,
        path: &str,
        r: impl Read,
        depth: usize,
        sink: &mut Sink,
    ) -> Result<(), Stop> {
        let mut tar = tar::Archive::new(r);
        let mut buf = Vec::new();
        for entry in tar.entries()? {
            let mut entry = entry?;
            if !matches!(
                entry.header().entry_type(),
                tar::EntryType::Regular | tar::EntryType::Continuous
            ) {
                continue;
            }
            self.entry()?;
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let shown = format!("{path}!{name}");
            if self.skipped(&name, &shown, sink) {
                continue;
            }
            let size = entry.size();
            if size > self.max_member {
                self.scanner.skipped_large(&shown);
                continue;
            }
            buf.clear();
            (&mut entry).take(size).read_to_end(&mut buf)?;
            self.member(&shown, &buf, depth, sink)?;
        }
        Ok(())
    }

    /// A compressed stream: a tar inside it is read member by member as it decompresses;
    /// anything else is decompressed whole (within `--max-file-size`) and scanned under
    /// the stream's own path, or opened when it is an archive.
    fn stream(
        &self,
        path: &str,
        raw: &[u8],
        kind: Kind,
        depth: usize,
        sink: &mut Sink,
    ) -> Result<(), Stop> {
        let decoder: Box<dyn Read + '_> = match kind {
            Kind::Gzip => Box::new(flate2::read::MultiGzDecoder::new(raw)),
            Kind::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(raw)),
            // A bigger dictionary would be allocated before a byte comes out.
            Kind::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(
                raw,
                true,
                XZ_MEMORY_KIB,
            )),
            Kind::Zstd => Box::new(
                ruzstd::StreamingDecoder::new(raw).map_err(|e| Stop::Broken(e.to_string()))?,
            ),
            Kind::Zip | Kind::Tar => return Err(Stop::Broken("not a stream".into())),
        };
        let mut out = self.metered(decoder, raw.len() as u64, path);
        let mut head = Vec::with_capacity(512);
        (&mut out).take(512).read_to_end(&mut head)?;
        if head.len() == 512 && is_tar(&head) {
            return self.tar_from(path, io::Cursor::new(head).chain(out), depth, sink);
        }
        // A gzip stream ends with its size (modulo 4 GiB): one too large to scan is not
        // decompressed for nothing.
        let declared = match (kind, raw.len().checked_sub(4)) {
            (Kind::Gzip, Some(at)) => {
                u32::from_le_bytes([raw[at], raw[at + 1], raw[at + 2], raw[at + 3]])
            }
            _ => 0,
        };
        if u64::from(declared) > self.max_member {
            self.scanner
                .skipped_large(&format!("{path} (decompressed from {})", kind.name()));
            return Ok(());
        }
        let mut data = head;
        let room = (self.max_member + 1).saturating_sub(data.len() as u64);
        out.take(room).read_to_end(&mut data)?;
        if data.len() as u64 > self.max_member {
            self.scanner
                .skipped_large(&format!("{path} (decompressed from {})", kind.name()));
            return Ok(());
        }
        // The decompressed content stands for the file itself: it keeps the file's name.
        if let Some(inner) = sniff(&data) {
            if depth >= self.limits.max_depth {
                return Err(Stop::Limit(format!(
                    "{path} is nested more than {} archives deep",
                    self.limits.max_depth
                )));
            }
            return self.open(path, &data, inner, depth + 1, sink);
        }
        let target = Target::path(path).in_commit(self.commit).blob(self.blob);
        self.scanner.scan_leaf(&target, &data, sink);
        Ok(())
    }
}

/// The most memory an xz stream may ask for its dictionary (64 MiB; `xz -9` uses 64).
const XZ_MEMORY_KIB: u32 = 64 << 10;

/// A decompressing reader that counts its output against the walk's limits.
struct Metered<'a, R> {
    inner: R,
    total: &'a Cell<u64>,
    limits: &'a Limits,
    produced: u64,
    packed: u64,
    what: &'a str,
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        let total = self.total.get() + n as u64;
        self.total.set(total);
        if total > self.limits.max_total {
            return Err(limit(format!(
                "more than {} MiB decompressed",
                self.limits.max_total >> 20
            )));
        }
        if self.produced > RATIO_GRACE && self.produced / self.packed > self.limits.max_ratio {
            return Err(limit(format!(
                "{} expands more than {} times (a decompression bomb?)",
                self.what, self.limits.max_ratio
            )));
        }
        Ok(n)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ReadOptions;
    use ferret_engine::Engine;
    use ferret_rules::RuleSet;
    use std::io::Write;

    fn engine() -> Engine {
        Engine::new(&RuleSet::only(
            r#"
[[rules]]
id = "demo-key"
description = "demo"
regex = '''demo_key=([a-z]{20})'''
keywords = ["demo_key"]
severity = "high"
"#,
        ))
        .unwrap()
    }

    pub(crate) const LINE: &str = "demo_key=qwhzkxpmvtrnbcyldsfg\n";

    /// (path, line) of every finding in `raw` scanned as `name`, and the notes.
    fn scan_with(name: &str, raw: &[u8], limits: Limits) -> (Vec<(String, usize)>, Vec<String>) {
        let engine = engine();
        let options = ReadOptions {
            archives: limits,
            ..ReadOptions::default()
        };
        let scanner = Scanner::new(&engine, options);
        let mut sink = scanner.sink();
        scanner.scan_bytes(&Target::path(name), raw, &mut sink);
        let mut found: Vec<(String, usize)> = sink
            .findings
            .iter()
            .map(|f| {
                assert_eq!(f.archive.is_some(), f.path.contains('!'), "{}", f.path);
                (f.path.clone(), f.line)
            })
            .collect();
        found.sort();
        (found, scanner.diagnostics.take_notes())
    }

    fn scan(name: &str, raw: &[u8]) -> Vec<(String, usize)> {
        scan_with(name, raw, Limits::default()).0
    }

    pub(crate) fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        for (name, data) in members {
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    pub(crate) fn tar(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in members {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn bzip2(data: &[u8]) -> Vec<u8> {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn xz(data: &[u8]) -> Vec<u8> {
        let opts = lzma_rust2::XzOptions::with_preset(1);
        let mut w = lzma_rust2::XzWriter::new(Vec::new(), opts).unwrap();
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    /// A zstd frame of one raw (stored) block: ruzstd only decodes, and this is all a
    /// test needs of the format.
    fn zstd(data: &[u8]) -> Vec<u8> {
        assert!(data.len() < 256);
        let mut out = vec![0x28, 0xb5, 0x2f, 0xfd, 0x20, data.len() as u8];
        let header = ((data.len() as u32) << 3) | 1;
        out.extend_from_slice(&header.to_le_bytes()[..3]);
        out.extend_from_slice(data);
        out
    }

    fn text() -> Vec<u8> {
        format!("a = 1\nb = 2\n{LINE}").into_bytes()
    }

    #[test]
    fn formats_are_recognised_by_their_first_bytes() {
        let t = text();
        assert_eq!(sniff(&zip(&[("a", &t)])), Some(Kind::Zip));
        assert_eq!(sniff(&tar(&[("a", &t)])), Some(Kind::Tar));
        assert_eq!(sniff(&gzip(&t)), Some(Kind::Gzip));
        assert_eq!(sniff(&bzip2(&t)), Some(Kind::Bzip2));
        assert_eq!(sniff(&xz(&t)), Some(Kind::Xz));
        assert_eq!(sniff(&zstd(&t)), Some(Kind::Zstd));
        assert_eq!(sniff(b"PK but not a zip"), None);
        assert_eq!(sniff(&t), None);
    }

    #[test]
    fn members_of_every_format_are_scanned_and_named() {
        let t = text();
        let want = |p: &str| vec![(p.to_string(), 3)];
        assert_eq!(
            scan("a.zip", &zip(&[("conf/x.env", &t)])),
            want("a.zip!conf/x.env")
        );
        assert_eq!(
            scan("a.tar", &tar(&[("conf/x.env", &t)])),
            want("a.tar!conf/x.env")
        );
        let tarball = tar(&[("conf/x.env", &t)]);
        for (name, raw) in [
            ("a.tar.gz", gzip(&tarball)),
            ("a.tar.bz2", bzip2(&tarball)),
            ("a.tar.xz", xz(&tarball)),
        ] {
            assert_eq!(
                scan(name, &raw),
                want(&format!("{name}!conf/x.env")),
                "{name}"
            );
        }
        // A compressed file on its own keeps its name.
        assert_eq!(scan("x.env.gz", &gzip(&t)), want("x.env.gz"));
        assert_eq!(scan("x.env.bz2", &bzip2(&t)), want("x.env.bz2"));
        assert_eq!(scan("x.env.xz", &xz(&t)), want("x.env.xz"));
        assert_eq!(scan("x.env.zst", &zstd(&t)), want("x.env.zst"));
    }

    #[test]
    fn nested_archives_are_opened() {
        let t = text();
        let inner = zip(&[("deep/s.env", &t)]);
        let jar = zip(&[("lib/inner.zip", &inner), ("META-INF/x.env", &t)]);
        let outer = gzip(&tar(&[("dist/app.jar", &jar)]));
        assert_eq!(
            scan("rel.tgz", &outer),
            [
                ("rel.tgz!dist/app.jar!META-INF/x.env".to_string(), 3),
                (
                    "rel.tgz!dist/app.jar!lib/inner.zip!deep/s.env".to_string(),
                    3
                ),
            ]
        );
    }

    #[test]
    fn a_decompression_bomb_stops_with_a_note() {
        // 4 MiB of zeros compress about a thousandfold.
        let mut bomb = vec![0u8; 4 << 20];
        bomb.extend_from_slice(LINE.as_bytes());
        let (found, notes) = scan_with("bomb.gz", &gzip(&bomb), Limits::default());
        assert!(found.is_empty());
        assert!(
            notes
                .iter()
                .any(|n| n.contains("bomb.gz") && n.contains("expands more than 100 times")),
            "{notes:?}"
        );
        // Within --max-file-size as declared, but over the ratio as it inflates.
        let (_, notes) = scan_with("z.zip", &zip(&[("zeros", &bomb)]), Limits::default());
        assert!(
            notes.iter().any(|n| n.contains("z.zip!zeros expands")),
            "{notes:?}"
        );
    }

    #[test]
    fn depth_entries_and_total_are_limited() {
        let t = text();
        let mut nested = zip(&[("s.env", &t)]);
        for i in 0..5 {
            nested = zip(&[(&format!("level{i}.zip"), &nested)]);
        }
        let (found, notes) = scan_with("n.zip", &nested, Limits::default());
        assert!(found.is_empty());
        assert!(
            notes
                .iter()
                .any(|n| n.contains("nested more than 4 archives deep")),
            "{notes:?}"
        );

        let many: Vec<(String, Vec<u8>)> =
            (0..5).map(|i| (format!("f{i}.env"), t.clone())).collect();
        let members: Vec<(&str, &[u8])> = many
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        let few = Limits {
            max_entries: 3,
            ..Limits::default()
        };
        let (found, notes) = scan_with("m.zip", &zip(&members), few);
        assert_eq!(found.len(), 3);
        assert!(
            notes.iter().any(|n| n.contains("more than 3 members")),
            "{notes:?}"
        );

        let small = Limits {
            max_total: 1 << 10,
            ..Limits::default()
        };
        let big = [t.as_slice(), &[b'x'; 4096]].concat();
        let (_, notes) = scan_with("t.tar.gz", &gzip(&tar(&[("a", &big)])), small);
        assert!(
            notes.iter().any(|n| n.contains("decompressed")),
            "{notes:?}"
        );
    }

    #[test]
    fn a_broken_archive_is_scanned_as_binary_content() {
        // The magic of a zip and nothing else of one.
        let raw = [b"PK\x03\x04\x14\0\0\0".as_slice(), LINE.as_bytes(), b"\0\0"].concat();
        let (found, notes) = scan_with("b.zip", &raw, Limits::default());
        assert_eq!(found, [("b.zip".to_string(), 1)], "{notes:?}");
        assert!(
            notes.iter().any(|n| n.contains("cannot be read as zip")),
            "{notes:?}"
        );
        let off = Limits {
            enabled: false,
            ..Limits::default()
        };
        let (found, _) = scan_with("a.zip", &zip(&[("x.env", &text())]), off);
        assert!(found.iter().all(|(p, _)| p == "a.zip"));
    }
}
