#!/usr/bin/env bash
# Recall and precision of ferret and its peers on the labeled evaluation tree.
#
#   scripts/accuracy.sh [--seed N] [--contexts] [--keep DIR]
#
# Generates the tree for SEED (default 1, the seed the test suite uses) with the
# `eval-tree` tool (crates/eval: secrets of every rule and look-alikes, made at run time),
# runs ferret, gitleaks, betterleaks and kingfisher on it offline with their default rules,
# scores every JSON report with the same scorer (a finding counts by path and line, any
# rule) and prints a Markdown table: overall recall and precision, recall per family, and
# with --contexts per kind of file; then one table per class of files that are not text
# (binaries/, archives/), scored alone, each next to its control (secrets of the same rules
# in a plain .env file, so that a peer's narrower rules are not taken for a failure to
# read the class). gitleaks opens no archive unless told to, so it
# runs twice: as it comes, and as "gitleaks+archives" with --max-archive-depth 8.
# --keep DIR keeps the tree, truth and reports in DIR.
#
# The peers come from scripts/bench/peers.sh (PEERS_DIR, default /tmp/peers), which runs
# first when one is missing; a peer it cannot install is left out of the table.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seed=1
contexts=""
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seed) seed=$2; shift 2 ;;
    --contexts) contexts=--contexts; shift ;;
    --keep) keep=$2; shift 2 ;;
    *) echo "usage: scripts/accuracy.sh [--seed N] [--contexts] [--keep DIR]" >&2; exit 2 ;;
  esac
done

PEERS_DIR=${PEERS_DIR:-/tmp/peers}
peers_sh=$root/scripts/bench/peers.sh
if [ ! -x "$PEERS_DIR/bin/gitleaks" ] || [ ! -x "$PEERS_DIR/bin/betterleaks" ] \
  || [ ! -x "$PEERS_DIR/bin/kingfisher" ]; then
  if [ -f "$peers_sh" ]; then
    PEERS_DIR=$PEERS_DIR bash "$peers_sh" >&2
  fi
fi

if [ -n "$keep" ]; then
  work=$keep
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
rm -rf "$work/tree"

# Accuracy does not depend on the build profile: the debug build the tests use will do.
cargo build --quiet --bin ferret && cargo build --quiet -p ferret-eval --bin eval-tree
ferret=$root/target/debug/ferret
"$root/target/debug/eval-tree" generate "$work/tree" "$work/truth.json" --seed "$seed"

cd "$work/tree"
reports=()
versions=("ferret $("$ferret" --version | awk '{print $2}') ($(git -C "$root" rev-parse --short HEAD))")

"$ferret" scan . --format json --quiet > "$work/ferret.json" || [ $? -eq 1 ]
reports+=("ferret=$work/ferret.json")

bin=$PEERS_DIR/bin
if [ -x "$bin/gitleaks" ]; then
  "$bin/gitleaks" dir . --report-format json --report-path "$work/gitleaks.json" \
    --no-banner --exit-code 0 --log-level error
  reports+=("gitleaks=$work/gitleaks.json")
  "$bin/gitleaks" dir . --report-format json --report-path "$work/gitleaks-archives.json" \
    --no-banner --exit-code 0 --log-level error --max-archive-depth 8
  reports+=("gitleaks+archives=$work/gitleaks-archives.json")
  versions+=("gitleaks $("$bin/gitleaks" version)")
else
  echo "accuracy: gitleaks not found in $bin; left out" >&2
fi
if [ -x "$bin/betterleaks" ]; then
  "$bin/betterleaks" . -o "$work/betterleaks.json" --no-banner --exit-code 0 \
    --log-level error > /dev/null
  reports+=("betterleaks=$work/betterleaks.json")
  versions+=("betterleaks $("$bin/betterleaks" version)")
else
  echo "accuracy: betterleaks not found in $bin; left out" >&2
fi
if [ -x "$bin/kingfisher" ]; then
  # Exit code 200 means "findings".
  "$bin/kingfisher" scan . --format json --no-validate --no-update-check \
    -o "$work/kingfisher.json" > /dev/null 2>&1 || [ $? -eq 200 ]
  reports+=("kingfisher=$work/kingfisher.json")
  versions+=("kingfisher $("$bin/kingfisher" --version | awk '{print $2}')")
else
  echo "accuracy: kingfisher not found in $bin; left out" >&2
fi

echo "Seed $seed, $(date -u +%Y-%m-%d); $(IFS=,; echo "${versions[*]}" | sed 's/,/, /g')."
echo
"$root/target/debug/eval-tree" score "$work/truth.json" "${reports[@]}" $contexts
for class in binaries archives; do
  echo
  echo "Class $class/ alone, then its control (secrets of the same rules in a plain .env):"
  echo
  "$root/target/debug/eval-tree" score "$work/truth.json" "${reports[@]}" --only "$class/" --brief
  echo
  "$root/target/debug/eval-tree" score "$work/truth.json" "${reports[@]}" --only "control/$class." --brief
done
