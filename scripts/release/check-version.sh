#!/usr/bin/env bash
# One version everywhere: Cargo.toml's. Fails when the release tag, the pre-commit
# project (pyproject.toml at the root) or a version pinned in the docs says otherwise, so a
# tag never publishes packages whose docs or pre-commit hook point at another version.
#
#   scripts/release/check-version.sh [--tag vX.Y.Z] [--root DIR]
#
# Prints `version=X.Y.Z` (for $GITHUB_OUTPUT). The wheel (packaging/python: version from
# Cargo.toml) and the npm packages (scripts/release/npm-packages.js --version) take the
# version from Cargo.toml by construction.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
tag=""
while [ $# -gt 0 ]; do
  case "$1" in
  --tag) tag=${2:?--tag needs a value}; shift 2 ;;
  --root) root=${2:?--root needs a value}; shift 2 ;;
  *) echo "check-version.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

problems=()
problem() { problems+=("$*"); }

# The version of [package] (or [workspace.package]) in Cargo.toml.
version=$(awk '/^\[/ { section = $0 }
  (section == "[package]" || section == "[workspace.package]") && /^version *=/ {
    sub(/^version *= *"/, ""); sub(/".*/, ""); print; exit }' "$root/Cargo.toml")
if [ -z "$version" ]; then
  echo "check-version.sh: no version in $root/Cargo.toml" >&2
  exit 2
fi

if [ -n "$tag" ] && [ "$tag" != "v$version" ]; then
  problem "the tag is $tag but Cargo.toml's version is $version (tag v$version)"
fi

py="$root/pyproject.toml"
py_version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$py" | head -n 1)
[ "$py_version" = "$version" ] || problem "pyproject.toml: version is '$py_version', not $version"
grep -q "\"ferret-scanner==$version\"" "$py" ||
  problem "pyproject.toml: does not depend on ferret-scanner==$version"

# Versions pinned in the docs: the action (@vX), the pre-commit rev, the container tag, the
# npm and PyPI packages, release download URLs and `cargo install --tag`.
docs=("$root/README.md")
for f in "$root"/docs/*.md; do [ -f "$f" ] && docs+=("$f"); done
for f in "${docs[@]}"; do
  rel=${f#"$root"/}
  while IFS= read -r pin; do
    pin=${pin%.} # the end of a sentence
    found=$(printf '%s' "$pin" | grep -oE '[0-9]+\.[0-9]+\.[0-9]+[0-9A-Za-z.-]*$')
    [ "$found" = "$version" ] || problem "$rel: '$pin' pins $found, not $version"
  done < <(grep -oE 'ferret-scanner/ferret@v[0-9][0-9A-Za-z.-]*|rev: v[0-9][0-9A-Za-z.-]*|ghcr\.io/ferret-scanner/ferret:[0-9][0-9A-Za-z.-]*|@ferret-scanner/cli@[0-9][0-9A-Za-z.-]*|ferret-scanner==[0-9][0-9A-Za-z.-]*|releases/download/v[0-9][0-9A-Za-z.-]*|--tag v[0-9][0-9A-Za-z.-]*' "$f" || true)
done

if [ ${#problems[@]} -gt 0 ]; then
  printf 'check-version.sh: %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "version=$version"
