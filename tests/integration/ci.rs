//! What the CI-facing tests share: the SARIF check and reading reports back.
#![allow(dead_code)]

use std::path::Path;

/// Fails the test unless `file` is valid SARIF that GitHub code scanning accepts.
pub fn validate_sarif(file: &Path) {
    crate::util::sarif::assert_valid(file);
}

/// Reads a SARIF file.
pub fn read_json(file: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()))
}
