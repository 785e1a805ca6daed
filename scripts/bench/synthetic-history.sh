#!/usr/bin/env bash
# Builds a synthetic history of N commits (default one million) with `git fast-import`
# and measures the peak memory and time of ferret's history audit on it.
#
#   scripts/bench/synthetic-history.sh [--commits N] [--out DIR] [--ferret BIN] [--no-audit]
#
# The repository goes to DIR/synthetic-N.git (default DIR: /tmp/corpora) and is kept: a
# second run reuses it. The stream comes from crates/eval's `synthetic-history` (see its
# doc comment for the shape: about five objects per commit, like git/git, one topic merge
# every 25 commits, three planted tokens). The audit runs under `/usr/bin/time -v`; its
# JSON report and time's output are kept next to the repository, and the script prints
# the commit count, wall time, peak RSS and the number of findings (expected: 3).
set -euo pipefail
cd "$(dirname "$0")/../.."

commits=1000000
out=${CORPORA_DIR:-/tmp/corpora}
ferret=""
audit=1
while [ $# -gt 0 ]; do
  case "$1" in
    --commits) commits=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --ferret) ferret=$2; shift 2 ;;
    --no-audit) audit=0; shift ;;
    *) echo "synthetic-history.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

repo="$out/synthetic-$commits.git"
if [ ! -f "$repo/.complete" ]; then
  cargo build --release --locked -p ferret-eval --bin synthetic-history
  rm -rf "$repo.tmp"
  git init --bare --quiet "$repo.tmp"
  echo "synthetic-history.sh: writing $commits commits into $repo" >&2
  start=$(date +%s)
  target/release/synthetic-history --commits "$commits" \
    | git --git-dir="$repo.tmp" fast-import --quiet --done 2>&1 >/dev/null \
    || { echo "synthetic-history.sh: fast-import failed" >&2; exit 1; }
  git --git-dir="$repo.tmp" symbolic-ref HEAD refs/heads/main
  rm -rf "$repo"
  mv "$repo.tmp" "$repo"
  touch "$repo/.complete"
  echo "synthetic-history.sh: built in $(( $(date +%s) - start )) s" >&2
fi
git --git-dir="$repo" count-objects -vH >&2

[ "$audit" = 1 ] || exit 0
if [ -z "$ferret" ]; then
  cargo build --release --locked
  ferret=target/release/ferret
fi
report="$repo.report.json"
timing="$repo.time.txt"
set +e
/usr/bin/time -v "$ferret" git "$repo" --format json -o "$report" --progress never 2>"$timing"
code=$?
set -e
if [ "$code" -gt 1 ]; then
  echo "synthetic-history.sh: ferret exited with $code" >&2
  tail -20 "$timing" >&2
  exit 1
fi
commits_seen=$(git --git-dir="$repo" rev-list --all --count)
wall=$(grep 'Elapsed (wall clock)' "$timing" | awk '{print $NF}')
rss_kb=$(grep 'Maximum resident set size' "$timing" | awk '{print $NF}')
findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$report")
echo "commits: $commits_seen"
echo "wall: $wall"
echo "peak RSS: $(( rss_kb / 1024 )) MiB"
echo "findings: $findings"
