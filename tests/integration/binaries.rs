//! Binary files and archives: secrets in the printable strings of compiled code, `.pyc`
//! and `.class` files and database pages, and in the members of zip, jar, tar.gz and
//! nested archives, in trees and in git history. Every file is built here, at run time.
use crate::util::*;
use serde_json::Value;
use std::io::Write;

fn attio(s: &mut Secrets) -> String {
    s.token(&Secrets::join(&["s", "k_"]), 40)
}

/// Bytes that look like machine code: NULs and other bytes, no printable run.
fn machine_code(n: usize) -> Vec<u8> {
    const BYTES: [u8; 11] = [
        0x00, 0x01, 0x48, 0x89, 0xe5, 0xc3, 0x0f, 0x1f, 0xff, 0x8b, 0xfc,
    ];
    (0..n).map(|i| BYTES[i * 7 % BYTES.len()]).collect()
}

/// An ELF-like executable: a header, code, then a string table holding `literal`, with a
/// newline in the code so that the line is not 1. Returns the bytes and where the
/// literal's `needle` starts.
fn executable(literal: &str, needle: &str) -> (Vec<u8>, usize) {
    let mut raw = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec();
    raw.extend(machine_code(3000));
    raw.extend_from_slice(b"\n\x00\x00");
    raw.extend(machine_code(500));
    raw.extend_from_slice(b"\x00GLIBC_2.34\x00main\x00");
    let at = raw.len() + literal.find(needle).unwrap();
    raw.extend_from_slice(literal.as_bytes());
    raw.extend_from_slice(b"\x00__libc_start_main\x00");
    raw.extend(machine_code(200));
    (raw, at)
}

/// The one finding of a report, checked to be the secret at the right byte offset.
fn one_at(report: &Value, path: &str, at: usize) -> Value {
    let f = report["findings"].as_array().expect("findings");
    assert_eq!(f.len(), 1, "{report:#}");
    let f = f[0].clone();
    assert_eq!(f["path"], path, "{f:#}");
    assert_eq!(f["rule_id"], "attio-api-token", "{f:#}");
    assert_eq!(f["byte_offset"], at, "{f:#}");
    f
}

#[test]
fn a_secret_compiled_into_an_executable_is_found_at_its_byte_offset() {
    let t = Tree::new();
    let mut s = Secrets::new("executable");
    let key = attio(&mut s);
    let (raw, at) = executable(&format!("Bearer {key}"), &key);
    t.write("bin/app", &raw);
    let (code, report, err) = scan_json(t.path(), &["--show-secrets"]);
    assert_eq!(code, 1, "{err}");
    let f = one_at(&report, "bin/app", at);
    assert_eq!(f["secret"], key.as_str());
    // One newline before it in the raw bytes: line 2, columns counted from it.
    let nl = raw.iter().position(|&b| b == b'\n').unwrap();
    assert_eq!(f["line"], 2);
    assert_eq!(f["column"], at - nl);

    // The same executable, its literals in UTF-16 (a .NET or Windows build).
    let mut wide = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
    wide.extend(machine_code(400));
    let at = wide.len() + 2 * "key=".len();
    for u in format!("key={key}").encode_utf16() {
        wide.extend_from_slice(&u.to_le_bytes());
    }
    wide.extend(machine_code(100));
    let t = Tree::new();
    t.write("App.dll", &wide);
    let (_, report, _) = scan_json(t.path(), &[]);
    one_at(&report, "App.dll", at);
}

#[test]
fn secrets_in_pyc_class_and_sqlite_files_are_found() {
    let mut s = Secrets::new("bytecode");
    let key = attio(&mut s);
    // CPython 3.12 bytecode: magic, flags, then a marshalled code object whose constants
    // hold the string as a short ASCII object ('Z', one length byte).
    let mut pyc = b"\xcb\x0d\x0d\x0a\x00\x00\x00\x00\x8a\x1f\x4b\x65\x10\x00\x00\x00\xe3".to_vec();
    pyc.extend(machine_code(120));
    pyc.extend_from_slice(&[b'Z', key.len() as u8]);
    let pyc_at = pyc.len();
    pyc.extend_from_slice(key.as_bytes());
    pyc.extend_from_slice(b"\xda\x07API_KEY");
    // A class file: magic, version, then a constant pool of tag-1 (UTF-8) entries with a
    // big-endian length.
    let mut class = b"\xca\xfe\xba\xbe\x00\x00\x00\x41\x00\x1f".to_vec();
    for c in ["java/lang/Object", "<init>", "API_TOKEN"] {
        class.push(1);
        class.extend_from_slice(&(c.len() as u16).to_be_bytes());
        class.extend_from_slice(c.as_bytes());
    }
    class.push(1);
    class.extend_from_slice(&(key.len() as u16).to_be_bytes());
    let class_at = class.len();
    class.extend_from_slice(key.as_bytes());
    class.push(7);
    class.extend(machine_code(64));
    // A SQLite database: the header, then a table b-tree leaf page whose last cell holds
    // (id, url, token): the record header's serial types, then the values back to back.
    let mut db = b"SQLite format 3\x00\x10\x00\x01\x01\x00\x40\x20\x20".to_vec();
    db.resize(4096, 0);
    db.extend_from_slice(&[0x0d, 0x00, 0x00, 0x00, 0x01, 0x0f, 0x80, 0x00]);
    db.resize(4096 + 3968, 0);
    let url = "https://api.attio.com/v2/";
    let record = [
        vec![0x50, 0x01, 0x04, 0x01],
        vec![(url.len() * 2 + 13) as u8, (key.len() * 2 + 13) as u8],
    ]
    .concat();
    db.extend_from_slice(&record);
    db.push(0x01);
    db.extend_from_slice(url.as_bytes());
    let db_at = db.len();
    db.extend_from_slice(key.as_bytes());
    db.resize(8192, 0);

    let t = Tree::new();
    t.write("app/__pycache__/settings.cpython-312.pyc", &pyc);
    t.write("build/classes/Config.class", &class);
    t.write("data/app.sqlite", &db);
    let (code, report, err) = scan_json(t.path(), &[]);
    assert_eq!(code, 1, "{err}");
    let mut found: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["rule_id"], "attio-api-token");
            (
                f["path"].as_str().unwrap().to_string(),
                f["byte_offset"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (
                "app/__pycache__/settings.cpython-312.pyc".to_string(),
                pyc_at as u64
            ),
            ("build/classes/Config.class".to_string(), class_at as u64),
            ("data/app.sqlite".to_string(), db_at as u64),
        ]
    );
}

#[test]
fn a_binary_in_history_is_found_at_its_byte_offset() {
    let repo = TestRepo::new();
    let mut s = Secrets::new("binary history");
    let key = attio(&mut s);
    let (raw, at) = executable(&format!("token={key}"), &key);
    repo.commit_file("README.md", "# app\n", "init");
    repo.commit_file("dist/app", &raw, "add the build");
    let (code, report, err) = repo.json(&["git"]);
    assert_eq!(code, 1, "{err}");
    one_at(&report, "dist/app", at);
    // A pre-commit scan of the same binary, staged.
    let repo = TestRepo::new();
    repo.commit_file("README.md", "# app\n", "init");
    repo.write("dist/app", &raw);
    repo.git(&["add", "dist/app"]);
    let (code, report, _) = repo.json(&["git", "--staged"]);
    assert_eq!(code, 1);
    one_at(&report, "dist/app", at);
}

#[test]
fn sarif_places_a_binary_secret_by_bytes_too() {
    let t = Tree::new();
    let mut s = Secrets::new("sarif binary");
    let key = attio(&mut s);
    let (raw, at) = executable(&format!("k={key}"), &key);
    t.write("app.bin", &raw);
    let (_, out, _) = run_in(t.path(), &["scan", ".", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&out).unwrap();
    assert!(sarif::problems(out.as_bytes()).is_empty(), "{out}");
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["byteOffset"], at, "{region:#}");
    assert_eq!(region["byteLength"], key.len(), "{region:#}");
    assert_eq!(region["startLine"], 2, "{region:#}");
}

// ---- archives -------------------------------------------------------------------------

fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn tar_gz(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, *data).unwrap();
    }
    gzip(&b.into_inner().unwrap())
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Archives of every kind holding one key each: (file, expected finding path).
fn archives(key: &str) -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let env = format!("A=1\nATTIO_API_KEY={key}\n");
    let env = env.as_bytes();
    let props = format!("db.url=jdbc:h2:mem\nattio.token={key}\n");
    let inner = zip(&[("deep/creds.env", env)]);
    vec![
        (
            "backup.zip",
            zip(&[("conf/.env", env)]),
            "backup.zip!conf/.env",
        ),
        (
            "app.jar",
            zip(&[
                ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
                ("application.properties", props.as_bytes()),
            ]),
            "app.jar!application.properties",
        ),
        (
            "release.tar.gz",
            tar_gz(&[("release/config/.env", env)]),
            "release.tar.gz!release/config/.env",
        ),
        (
            "bundle.tgz",
            tar_gz(&[("lib/vendor.zip", &inner)]),
            "bundle.tgz!lib/vendor.zip!deep/creds.env",
        ),
    ]
}

#[test]
fn secrets_in_zip_jar_tar_gz_and_nested_archives_are_found() {
    let t = Tree::new();
    let mut s = Secrets::new("archives");
    let key = attio(&mut s);
    let cases = archives(&key);
    for (file, raw, _) in &cases {
        t.write(file, raw);
    }
    let (code, report, err) = scan_json(t.path(), &[]);
    assert_eq!(code, 1, "{err}");
    let mut want: Vec<(String, u64, String)> = cases
        .iter()
        .map(|(_, _, path)| (path.to_string(), 2, "attio-api-token".to_string()))
        .collect();
    want.sort();
    assert_eq!(hits(&report), want, "{err}");
    assert_eq!(report["stats"]["skipped_allowlisted"], 0);
    // The human report names the member; --no-archives reads none of them.
    let (_, out, _) = run_in(t.path(), &["scan", "."]);
    assert!(
        out.contains("bundle.tgz!lib/vendor.zip!deep/creds.env"),
        "{out}"
    );
    let (code, report, _) = scan_json(t.path(), &["--no-archives"]);
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn archives_in_git_blobs_are_opened() {
    let repo = TestRepo::new();
    let mut s = Secrets::new("archives in git");
    let key = attio(&mut s);
    repo.commit_file("README.md", "# app\n", "init");
    for (file, raw, _) in archives(&key) {
        repo.write(file, raw);
    }
    repo.commit_all("add the release artifacts");
    let (code, report, err) = repo.json(&["git"]);
    assert_eq!(code, 1, "{err}");
    let paths: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let mut want: Vec<&str> = archives(&key).iter().map(|c| c.2).collect();
    want.sort();
    let mut paths = paths;
    paths.sort();
    assert_eq!(paths, want);
    // A range scan reports what the change adds: a new archive's secrets, and after that
    // only a secret the old version did not hold.
    let base = repo.git(&["rev-parse", "HEAD"]);
    let other = attio(&mut s);
    let env = format!("A=1\nATTIO_API_KEY={key}\nSECOND={other}\n");
    repo.commit_file(
        "backup.zip",
        zip(&[("conf/.env", env.as_bytes())]),
        "rotate",
    );
    let (code, report, err) = repo.json(&["git", "--range", &format!("{base}..HEAD")]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        hits(&report),
        [("backup.zip!conf/.env".into(), 3, "attio-api-token".into())]
    );
}

#[test]
fn decompression_bombs_stop_with_a_note() {
    let t = Tree::new();
    let mut s = Secrets::new("bombs");
    let key = attio(&mut s);
    // 8 MiB of zeros compress about a thousandfold; the key comes after them.
    let mut zeros = vec![0u8; 8 << 20];
    zeros.extend_from_slice(format!("\nATTIO_API_KEY={key}\n").as_bytes());
    t.write("logs.gz", gzip(&zeros));
    let mut nested = zip(&[("x.env", format!("K={key}\n").as_bytes())]);
    for i in 0..6 {
        nested = zip(&[(&format!("layer{i}.zip"), &nested)]);
    }
    t.write("deep.zip", &nested);
    let (code, report, err) = scan_json(t.path(), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(
        err.contains("logs.gz: archive extraction stopped")
            && err.contains("expands more than 100 times"),
        "{err}"
    );
    assert!(err.contains("nested more than 4 archives deep"), "{err}");
}
