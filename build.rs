//! Embeds every `rules/*.toml` file in the binary, so the default rule set is data that
//! ships with the executable and needs no files at run time. Each file is checked as TOML
//! here and embedded as JSON, which parses several times faster at start-up (the
//! pre-commit hook pays that cost on every commit).
use std::{env, fs, path::Path};

fn main() {
    // Read when the script runs, not when it is compiled: cargo reuses a compiled build
    // script across checkouts that share a target directory, and `env!` would then embed
    // the rules of whichever checkout compiled it first.
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<_> = fs::read_dir(&dir)
        .expect("rules/ directory")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    names.sort();
    let mut out = String::from(
        "/// Built-in rule files: (file name, contents as JSON).\npub static BUILTIN_RULE_FILES: &[(&str, &str)] = &[\n",
    );
    for p in &names {
        println!("cargo:rerun-if-changed={}", p.display());
        let name = p.file_name().unwrap().to_string_lossy();
        let text = fs::read_to_string(p).expect("read rules file");
        let value: toml::Value =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let json = serde_json::to_string(&value).expect("rules as JSON");
        out.push_str(&format!("    ({name:?}, {json:?}),\n"));
    }
    out.push_str("];\n");
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_rules.rs"),
        out,
    )
    .unwrap();
}
