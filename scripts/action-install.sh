#!/usr/bin/env bash
# The first step of ferret's GitHub Action (action.yml): install the release binary of the
# action's own version when there is one, so the job does not spend minutes compiling.
#
# The release is the one the action's ref names: `uses: ferret-scanner/ferret@v0.1.0` takes
# release v0.1.0; a full commit SHA takes the release of the version in the action's
# Cargo.toml when that release was built from this very commit (its SOURCE_COMMIT asset).
# Any other ref (a branch, `uses: ./`) runs code no release holds, so it is built from
# source. The archive for the runner is downloaded with the release's SHA256SUMS and used
# only when its SHA-256 matches; a mismatch fails the step (a corrupt or altered download
# is never run, and never silently replaced by a build). No release, no SHA256SUMS, or no
# archive for this runner: the action builds from source, and says why.
#
# Inputs (environment; action.yml maps them):
#   INPUT_INSTALL      auto (default), release (the release binary or fail) or source
#   INPUT_RELEASE_URL  download base, as BASE/TAG/ASSET (default: the action repository's
#                      releases on this GitHub server); for GitHub Enterprise and the tests
#   ACTION_REF, ACTION_REPOSITORY  github.action_ref and github.action_repository, passed
#                      through env: (the runner leaves GITHUB_ACTION_REF empty in
#                      composite actions' run: steps)
# From the runner: GITHUB_ACTION_PATH, GITHUB_SERVER_URL, GITHUB_OUTPUT, RUNNER_OS,
#   RUNNER_ARCH, RUNNER_TEMP.
# Output: ferret-bin=PATH of the installed binary, or empty: build from source.
# Exit status: 0, or 2 for a checksum mismatch, a binary that does not run, a bad input,
# or `install: release` without a release binary.
set -euo pipefail

log() { printf 'ferret-action: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 2
}
output() { if [ -n "${GITHUB_OUTPUT:-}" ]; then printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; fi; }

install=${INPUT_INSTALL:-auto}
ref=${ACTION_REF:-}
action_path=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}

# No release binary: build from source, unless the workflow asked for the release.
from_source() {
  if [ "$install" = release ]; then
    die "install: release, but $*"
  fi
  log "$*: building ferret from source"
  output ferret-bin ""
  exit 0
}

# The version in the action's Cargo.toml ([package] or [workspace.package]).
cargo_version() {
  awk '/^\[/ { section = $0 }
       (section == "[package]" || section == "[workspace.package]") && /^version *=/ {
         sub(/^version *= *"/, ""); sub(/".*/, ""); print; exit }' "$action_path/Cargo.toml"
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# fetch URL FILE: prints the HTTP status (000 when there was no answer).
fetch() {
  curl --silent --show-error --location --retry 3 --connect-timeout 20 --max-time 600 \
    --output "$2" --write-out '%{http_code}' "$1" 2>/dev/null || true
}

case "$install" in
source) from_source "install: source" ;;
auto | release) ;;
*) die "unknown install '$install': use auto, release or source" ;;
esac

version=$(cargo_version)
[ -n "$version" ] || die "no version in $action_path/Cargo.toml"
commit=""
if [[ "$ref" =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]]; then
  tag=$ref
elif [[ "$ref" =~ ^[0-9a-f]{40}$ ]]; then
  tag=v$version
  commit=$ref
elif [ "$install" = release ]; then
  tag=v$version
else
  where="a local path"
  [ -z "$ref" ] || where="ref '$ref'"
  from_source "the action runs from $where, which is no release tag"
fi

case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
Linux/X64) target=x86_64-unknown-linux-musl ;;
Linux/ARM64) target=aarch64-unknown-linux-musl ;;
macOS/X64) target=x86_64-apple-darwin ;;
macOS/ARM64) target=aarch64-apple-darwin ;;
Windows/X64) target=x86_64-pc-windows-msvc ;;
*) from_source "there is no release binary for ${RUNNER_OS:-an unknown OS} on ${RUNNER_ARCH:-an unknown CPU}" ;;
esac
exe=ferret
ext=tar.gz
if [ "${RUNNER_OS}" = Windows ]; then
  exe=ferret.exe
  ext=zip
fi
stem="ferret-${tag#v}-$target"
asset="$stem.$ext"

base=${INPUT_RELEASE_URL:-${GITHUB_SERVER_URL:-https://github.com}/${ACTION_REPOSITORY:-ferret-scanner/ferret}/releases/download}
base=${base%/}
temp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
if command -v cygpath >/dev/null 2>&1; then temp=$(cygpath -u "$temp"); fi
dest="$temp/ferret-release-$tag"
rm -rf "$dest"
mkdir -p "$dest"

status=$(fetch "$base/$tag/SHA256SUMS" "$dest/SHA256SUMS")
case "$status" in
200) ;;
404) from_source "release $tag has no SHA256SUMS at $base/$tag (no such release)" ;;
*) from_source "cannot download $base/$tag/SHA256SUMS (HTTP $status)" ;;
esac

# The SHA-256 that SHA256SUMS lists for a file name (sha256sum's text or binary mode).
listed() { awk -v name="$1" '$2 == name || $2 == "*" name { print $1; exit }' "$dest/SHA256SUMS"; }

# verify FILE: the file's SHA-256 is the one SHA256SUMS lists, or the step fails.
verify() {
  local name want got
  name=$(basename "$1")
  want=$(listed "$name")
  [ -n "$want" ] || die "$name is not in release $tag's SHA256SUMS: not using it"
  got=$(sha256 "$1")
  if [ "$got" != "$want" ]; then
    rm -f "$1"
    die "checksum mismatch for $name from $base/$tag: SHA256SUMS lists $want, the download is $got; not using it"
  fi
}

if [ -n "$commit" ]; then
  status=$(fetch "$base/$tag/SOURCE_COMMIT" "$dest/SOURCE_COMMIT")
  [ "$status" = 200 ] || from_source "release $tag has no SOURCE_COMMIT to match the action's commit ${commit:0:12} (HTTP $status)"
  verify "$dest/SOURCE_COMMIT"
  built_from=$(tr -d '[:space:]' <"$dest/SOURCE_COMMIT")
  [ "$built_from" = "$commit" ] ||
    from_source "the action's commit ${commit:0:12} is not the one release $tag was built from (${built_from:0:12})"
fi

[ -n "$(listed "$asset")" ] || from_source "release $tag has no $asset for this runner"
status=$(fetch "$base/$tag/$asset" "$dest/$asset")
[ "$status" = 200 ] || from_source "cannot download $base/$tag/$asset (HTTP $status)"
verify "$dest/$asset"

if [ "$ext" = zip ]; then
  # Git Bash on Windows runners may lack unzip; PowerShell is always there.
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$dest/$asset" -d "$dest"
  else
    pwsh -NoProfile -Command "Expand-Archive -Force -LiteralPath '$(cygpath -w "$dest/$asset")' -DestinationPath '$(cygpath -w "$dest")'"
  fi
else
  tar -xzf "$dest/$asset" -C "$dest"
fi
bin="$dest/$stem/$exe"
[ -f "$bin" ] || die "$asset holds no $stem/$exe"
chmod +x "$bin"
said=$("$bin" --version 2>&1) || die "the release binary does not run: $said"
[ "$said" = "ferret ${tag#v}" ] || die "the release binary of $tag says '$said', not 'ferret ${tag#v}'"
log "using the release binary of $tag for $target (SHA-256 checked against SHA256SUMS)"
output ferret-bin "$bin"
