#!/usr/bin/env bash
# Noise on real code: findings per MB of ferret and its peers on the trees of large public
# repositories that hold no intentional secrets (none of the benchmark corpora). Every
# finding here is presumed a false positive unless a reader shows otherwise, so fewer is
# better; scripts/peer-examples.sh and the rule examples measure the other side (recall).
#
#   scripts/clean-corpus.sh [tree|measure|all] [--keep DIR]
#
# `tree` exports the pinned commits' files (no .git, blobs as stored) under
# $CLEAN_DIR/tree/<name> (default /tmp/clean-corpus); `measure` runs every scanner on that
# tree in the same run and prints a Markdown table (findings and findings per MB, in total
# and per repository) followed by ferret's findings per rule; `all` (the default) does
# both. --keep DIR keeps the reports in DIR.
#
# Sources: with MIRROR_ROOT set, local bare snapshots named <owner>+<name> (a git
# directory, or one called `repo` inside); otherwise `git clone --mirror` from GitHub into
# $CLEAN_DIR/mirrors, once. A pinned commit missing from a source is an error.
#
# Scanners: ferret is target/release/ferret (built here if missing) unless FERRET names a
# binary; gitleaks, betterleaks and kingfisher come from $PEERS_DIR/bin (default
# /tmp/peers/bin, installed by scripts/bench/peers.sh) and run offline at their defaults
# (kingfisher with --no-validate --no-update-check); a missing peer is left out. ferret
# runs twice: at its defaults and with --min-confidence low (`ferret-all`: every finding,
# also those its default leaves out). FERRET_BEFORE=BINARY adds a third row
# (`ferret-before`, at its defaults) to compare two builds in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
EXPORT_COMMIT=$root/scripts/bench/export-commit.py

dir=${CLEAN_DIR:-/tmp/clean-corpus}
# Six projects in six languages, none of them a secret scanner or a benchmark corpus.
srcs=(
  "rails/rails 2a2db1e8d6d104ee0611efcae7eb023af65cff34"
  "spring-projects/spring-boot c329ffa25dc160a90ebe5e4b006ad4cdf89d8683"
  "numpy/numpy 1f90bbb55e65e7de68921bc3f1a2d94492fdf689"
  "laravel/framework bd71b45fbb7e672957bf6ff61baddefe15fbca6a"
  "rust-lang/cargo af373f761aa4e42b093c2e453078fd73c8ce54dd"
  "symfony/symfony 5feb7493c372384d78b4931bb76f73c83f49f50e"
)
say() { echo "clean-corpus: $*" >&2; }
die() { say "$*"; exit 2; }

action=all
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    tree|measure|all) action=$1; shift ;;
    --keep) keep=$2; shift 2 ;;
    *) echo "usage: scripts/clean-corpus.sh [tree|measure|all] [--keep DIR]" >&2; exit 2 ;;
  esac
done

source_git() { # owner/name -> a git directory holding its history
  local slug=${1/\//+} d
  if [ -n "${MIRROR_ROOT:-}" ]; then
    for d in "$MIRROR_ROOT/$slug/repo" "$MIRROR_ROOT/$slug"; do
      git --git-dir="$d" rev-parse --git-dir >/dev/null 2>&1 && { echo "$d"; return; }
    done
    die "no snapshot of $1 under $MIRROR_ROOT (expected $slug/)"
  fi
  d=$dir/mirrors/$slug.git
  if [ ! -f "$d/.complete" ]; then
    say "cloning https://github.com/$1 (mirror, once)"
    rm -rf "$d"
    mkdir -p "$dir/mirrors"
    git clone -q --mirror "https://github.com/$1.git" "$d"
    touch "$d/.complete"
  fi
  echo "$d"
}

# A commit's files under a folder exactly as the blobs hold them: export-commit.py says how.
export_commit() { # git-dir commit dest [skipped-list]
  python3 "$EXPORT_COMMIT" "$@"
}

tree() {
  local dst=$dir/tree s repo g c
  if [ -f "$dir/tree.complete" ] && [ -d "$dst" ]; then say "tree: kept"; return; fi
  rm -rf "$dst" "$dst.part" "$dir/tree.complete"
  mkdir -p "$dst.part"
  : >"$dir/tree.sources"
  for s in "${srcs[@]}"; do
    repo=${s% *}; c=${s#* }
    g=$(source_git "$repo")
    git --git-dir="$g" cat-file -e "$c^{commit}" 2>/dev/null || die "commit $c is not in $g"
    say "tree: $repo at $c -> tree/${repo#*/}"
    export_commit "$g" "$c" "$dst.part/${repo#*/}"
    echo "$repo $c ${repo#*/}" >>"$dir/tree.sources"
  done
  mv "$dst.part" "$dst"
  touch "$dir/tree.complete"
}

measure() {
  local t=$dir/tree work
  [ -f "$dir/tree.complete" ] || die "no tree under $dir (run: scripts/clean-corpus.sh tree)"
  if [ -n "$keep" ]; then work=$keep; mkdir -p "$work"; else
    work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  fi
  local ferret=${FERRET:-$root/target/release/ferret}
  if [ -z "${FERRET:-}" ] && [ ! -x "$ferret" ]; then
    cargo build --quiet --release --locked --bin ferret
  fi
  local bin=${PEERS_DIR:-/tmp/peers}/bin tools=(ferret ferret-all) versions
  # The commit is this checkout's only when its own build is measured.
  versions=("ferret $("$ferret" --version | awk '{print $2}') ($([ -n "${FERRET:-}" ] && echo "$ferret" ||
    git -C "$root" rev-parse --short HEAD), $("$ferret" rules list --json |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') rules)")
  if [ -n "${FERRET_BEFORE:-}" ]; then
    tools+=(ferret-before)
    versions+=("ferret-before $FERRET_BEFORE")
  fi
  for p in gitleaks betterleaks kingfisher; do
    [ -x "$bin/$p" ] || { say "$p not found in $bin; left out"; continue; }
    tools+=("$p")
    versions+=("$p $("$bin/$p" version 2>/dev/null || "$bin/$p" --version | awk '{print $2}')")
  done
  say "scanning $(du -sh "$t" | cut -f 1) with ${tools[*]}"
  (
    cd "$t"
    for p in "${tools[@]}"; do
      case $p in
        ferret) "$ferret" scan . --format json --quiet --exit-code 0 -o "$work/ferret.json" ;;
        ferret-all) "$ferret" scan . --format json --quiet --exit-code 0 --min-confidence low \
          -o "$work/ferret-all.json" ;;
        ferret-before) "$FERRET_BEFORE" scan . --format json --quiet --exit-code 0 \
          -o "$work/ferret-before.json" ;;
        gitleaks) "$bin/gitleaks" dir . --report-format json --report-path "$work/gitleaks.json" \
          --no-banner --exit-code 0 --log-level error ;;
        betterleaks) "$bin/betterleaks" . -o "$work/betterleaks.json" --no-banner --exit-code 0 \
          --log-level error >/dev/null ;;
        # Exit code 200 means "findings".
        kingfisher) "$bin/kingfisher" scan . --format json --no-validate --no-update-check \
          -o "$work/kingfisher.json" >/dev/null 2>&1 || [ $? -eq 200 ] ;;
      esac
    done
  )
  echo "Clean-code corpus, $(date -u +%Y-%m-%d): $(cut -d ' ' -f 1,2 "$dir/tree.sources" |
    sed 's/ \(.......\).*/@\1/' | paste -sd ' ' | sed 's/ /, /g'); $(printf '%s; ' "${versions[@]}" | sed 's/; $//')."
  echo
  python3 - "$t" "$work" "${tools[@]}" <<'PY'
import collections, json, os, sys
tree, work, tools = sys.argv[1], sys.argv[2], sys.argv[3:]
repos = sorted(os.listdir(tree))
size = {}
for r in repos:
    total = 0
    for base, _, names in os.walk(os.path.join(tree, r)):
        for n in names:
            p = os.path.join(base, n)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    size[r] = total / 1e6

def findings(tool):
    text = open(os.path.join(work, f"{tool}.json"), encoding="utf-8").read().strip()
    data = json.loads(text) if text else []
    items = (data.get("findings") or []) if isinstance(data, dict) else data
    out = []
    for f in items:
        # ferret: path, rule_id; gitleaks: File, RuleID; betterleaks: location.path,
        # rule_id; kingfisher: finding.path, rule.id.
        loc = f.get("location") or f.get("finding") or {}
        path = f.get("path") or f.get("File") or loc.get("path") or ""
        rule = f.get("rule_id") or f.get("RuleID") or (f.get("rule") or {}).get("id") or "?"
        path = os.path.normpath(path)
        if os.path.isabs(path):
            path = os.path.relpath(path, tree)
        out.append((path.split(os.sep)[0], rule, path))
    return out

found = {t: findings(t) for t in tools}
mb = sum(size.values())
print(f"| tool | findings | per MB | " + " | ".join(repos) + " |")
print("|---|---:|---:|" + "---:|" * len(repos))
for t in tools:
    per = collections.Counter(r for r, _, _ in found[t])
    print(f"| {t} | {len(found[t])} | {len(found[t]) / mb:.3f} | "
          + " | ".join(str(per.get(r, 0)) for r in repos) + " |")
print(f"| *MB* | | {mb:.1f} | " + " | ".join(f"{size[r]:.1f}" for r in repos) + " |")
for t in ("ferret", "ferret-all"):
    print()
    print(f"{t}'s findings by rule:")
    print()
    for rule, n in collections.Counter(rule for _, rule, _ in found[t]).most_common():
        print(f"- `{rule}`: {n}")
PY
}

case $action in
  tree) tree ;;
  measure) measure ;;
  all) tree; measure ;;
esac
