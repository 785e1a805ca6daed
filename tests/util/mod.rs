//! Test helpers shared by every integration test module: checks of ferret's output against
//! the schemas kept in `tests/schemas/`, and the repository-stands-alone check.
#![allow(dead_code)]

pub mod action_yml;
pub mod sarif;

use std::path::Path;

/// The repository's root (where Cargo.toml is).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
