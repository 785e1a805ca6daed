#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine, from the package registries.
# Idempotent: each step is skipped when the tool is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Python packages used by ../shared/tools validators and the pre-commit framework tests.
python3 -m pip install --quiet --disable-pip-version-check jsonschema pyyaml

# Rust components for the lint steps.
rustup component add clippy rustfmt >/dev/null 2>&1 || true
