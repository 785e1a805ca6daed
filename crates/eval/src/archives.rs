//! The `archives/` class: secrets inside archives and compressed files. A jar (a
//! properties file and a compiled class), a wheel, a `.tar.gz` backup, a `.tar.bz2` and
//! a `.tar.xz`, a zip holding a zip, a gzipped log and a zstd-compressed dump. Members
//! are named as the scanners that open archives report them, `archive.zip!inner/path`
//! (nested: `a.zip!lib/b.zip!c.env`); a compressed single file keeps its own name, its
//! lines those of its content.
use super::binaries::{self, Item, RawFile};
use super::doc::{Doc, Label};
use ferret_rules::synth::Rng;
use std::io::Write;

/// The files of the class, under `dir`, with `items` spread over their members.
pub(crate) fn files(dir: &str, items: &[Item], rng: &mut Rng) -> Vec<RawFile> {
    const MEMBERS: usize = 9;
    let mut shares: Vec<Vec<&Item>> = (0..MEMBERS).map(|_| Vec::new()).collect();
    for (i, item) in items.iter().enumerate() {
        shares[i % MEMBERS].push(item);
    }
    let mut shares = shares.into_iter();
    let mut next = || shares.next().unwrap_or_default();
    let mut out = Vec::new();

    let jar = format!("{dir}/dist/billing-service-2.4.1.jar");
    let props = text(
        &format!("{jar}!BOOT-INF/classes/application.properties"),
        "properties",
        &next(),
    );
    let class = binaries::class(
        &format!("{jar}!BOOT-INF/classes/com/acme/billing/Keys.class"),
        &next(),
        rng,
    );
    let manifest = b"Manifest-Version: 1.0\nMain-Class: com.acme.billing.App\n".to_vec();
    out.push(zip_file(
        &jar,
        vec![
            member("META-INF/MANIFEST.MF", manifest, vec![]),
            member_of(&jar, props),
            member_of(&jar, class),
        ],
    ));

    let whl = format!("{dir}/dist/acme_tools-1.3.0-py3-none-any.whl");
    let settings = text(&format!("{whl}!acme_tools/settings.py"), "python", &next());
    out.push(zip_file(&whl, vec![member_of(&whl, settings)]));

    for (name, compress) in [
        ("backup/etc-2024-05-01.tar.gz", gzip as fn(&[u8]) -> Vec<u8>),
        ("backup/home-deploy.tar.bz2", bzip2),
        ("backup/srv.tar.xz", xz),
    ] {
        let path = format!("{dir}/{name}");
        let env = text(&format!("{path}!etc/app/production.env"), "env", &next());
        let mut f = RawFile::new(&path);
        f.bytes = compress(&tar_bytes(&[member(
            "etc/app/production.env",
            env.bytes,
            vec![],
        )]));
        f.entries = env.entries;
        out.push(f);
    }

    let outer = format!("{dir}/dist/plugin-bundle.zip");
    let inner_path = format!("{outer}!lib/vendor-sdk.zip");
    let creds = text(
        &format!("{inner_path}!config/credentials.env"),
        "env",
        &next(),
    );
    let inner = zip_file(&inner_path, vec![member_of(&inner_path, creds)]);
    out.push(zip_file(&outer, vec![member_of(&outer, inner)]));

    let log = format!("{dir}/logs/worker.log.1.gz");
    let mut d = text(&log, "log", &next());
    d.bytes = gzip(&d.bytes);
    out.push(d);

    let dump = format!("{dir}/db/settings-dump.sql.zst");
    let mut d = text(&dump, "sql", &next());
    d.bytes = zstd_stored(&d.bytes);
    out.push(d);
    out
}

/// A text file of `kind` with each item on a line of its own.
fn text(path: &str, kind: &str, items: &[&Item]) -> RawFile {
    let mut d = Doc::new(path);
    match kind {
        "properties" => d.text("spring.application.name=billing\nserver.port=8080"),
        "python" => d.text("import os\n\nDEBUG = False"),
        "log" => d.text("2024-05-01T10:00:00Z INFO worker starting"),
        "sql" => d.text("-- settings table\nCREATE TABLE settings (name TEXT, value TEXT);"),
        _ => d.text("APP_ENV=production"),
    }
    for item in items {
        let line = match kind {
            "properties" => format!("{}={}", super::sources::camel(&item.var), item.value),
            "python" => format!("{} = \"{}\"", item.var, item.value),
            "log" => format!(
                "2024-05-01T10:00:01Z DEBUG request headers: Authorization: Bearer {}",
                item.value
            ),
            "sql" => format!(
                "INSERT INTO settings VALUES ('{}', '{}');",
                item.var, item.value
            ),
            _ => format!("{}={}", item.var, item.value),
        };
        d.plant(
            &line,
            Label {
                family: &item.family,
                rule: item.rule.as_deref(),
                is_secret: item.is_secret,
                context: item.context,
            },
        );
    }
    RawFile {
        path: d.path.clone(),
        bytes: d.bytes(),
        entries: d.entries,
    }
}

/// A member: its name inside the archive, its bytes and its truth.
struct Member {
    name: String,
    bytes: Vec<u8>,
    entries: Vec<super::Entry>,
}

fn member(name: &str, bytes: Vec<u8>, entries: Vec<super::Entry>) -> Member {
    Member {
        name: name.to_string(),
        bytes,
        entries,
    }
}

/// `file`, named `archive!name`, as a member of `archive`.
fn member_of(archive: &str, file: RawFile) -> Member {
    let name = file.path[archive.len() + 1..].to_string();
    member(&name, file.bytes, file.entries)
}

fn zip_file(path: &str, members: Vec<Member>) -> RawFile {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut f = RawFile::new(path);
    for m in members {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        // Writing to memory cannot fail.
        let _ = w.start_file(m.name.as_str(), opts);
        let _ = w.write_all(&m.bytes);
        f.entries.extend(m.entries);
    }
    f.bytes = w.finish().map(|c| c.into_inner()).unwrap_or_default();
    f
}

fn tar_bytes(members: &[Member]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for m in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(m.bytes.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_714_557_600);
        let _ = b.append_data(&mut h, &m.name, m.bytes.as_slice());
    }
    b.into_inner().unwrap_or_default()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

fn xz(data: &[u8]) -> Vec<u8> {
    let Ok(mut w) = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6))
    else {
        return Vec::new();
    };
    let _ = w.write_all(data);
    w.finish().unwrap_or_default()
}

/// A zstd frame of stored (raw) blocks: a valid file every decoder reads, without a zstd
/// encoder among the dependencies.
fn zstd_stored(data: &[u8]) -> Vec<u8> {
    // No content size, no single segment; a 1 MiB window.
    let mut out = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 10 << 3];
    let mut chunks = data.chunks(64 << 10).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0]);
    }
    while let Some(c) = chunks.next() {
        let last = u32::from(chunks.peek().is_none());
        let header = ((c.len() as u32) << 3) | last;
        out.extend_from_slice(&header.to_le_bytes()[..3]);
        out.extend_from_slice(c);
    }
    out
}
