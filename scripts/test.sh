#!/usr/bin/env bash
# Runs every test, on a fresh machine too: installs what the tests need, then checks
# formatting and lints, builds, runs the rule self-check and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo build --locked
./target/debug/ferret rules check
cargo test --workspace --locked --all-targets
