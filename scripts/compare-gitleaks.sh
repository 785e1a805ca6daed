#!/usr/bin/env bash
# Compares ferret with gitleaks on one tree under one gitleaks config: both scan the same
# files, and the sets of (file, line, rule id) they report are compared.
#
#   scripts/compare-gitleaks.sh TREE GITLEAKS_CONFIG [OUT_DIR]
#
# Not part of the test suite: it needs a gitleaks binary (GITLEAKS, default `gitleaks` on
# PATH, else /tmp/peers/bin/gitleaks; scripts/bench/peers.sh installs it) and a config
# (for gitleaks' own default, `git show v8.30.1:config/gitleaks.toml` in a gitleaks clone).
# FERRET picks the ferret binary (default: target/release/ferret, else target/debug/ferret).
#
# Both tools run from inside TREE on `.`, so that path regexes see the same relative paths.
# The file set is made the same: ferret reads ignored files too (--no-ignore; gitleaks'
# `dir` does not read .gitignore), and both skip files over 10,000,000 bytes. gitleaks
# reports path-only findings at line 0, ferret at line 1: they are compared as line 1.
# A .gitleaksignore at the root of TREE is honoured by gitleaks and not by ferret.
# Exit status: 0 when the sets are the same, 1 when they differ, 2 on an error.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 TREE GITLEAKS_CONFIG [OUT_DIR]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")/.." && pwd)
tree=$(cd "$1" && pwd)
config=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
out=${3:-$(mktemp -d)}
mkdir -p "$out"
out=$(cd "$out" && pwd)

gitleaks=${GITLEAKS:-$(command -v gitleaks || echo /tmp/peers/bin/gitleaks)}
if [ -z "${FERRET:-}" ]; then
  if [ -x "$here/target/release/ferret" ]; then
    FERRET=$here/target/release/ferret
  else
    FERRET=$here/target/debug/ferret
  fi
fi
[ -x "$gitleaks" ] || { echo "no gitleaks binary at $gitleaks (set GITLEAKS)" >&2; exit 2; }
[ -x "$FERRET" ] || { echo "no ferret binary at $FERRET (cargo build, or set FERRET)" >&2; exit 2; }
[ -f "$config" ] || { echo "no config at $config" >&2; exit 2; }
[ -f "$tree/.gitleaksignore" ] && echo "note: gitleaks honours $tree/.gitleaksignore; ferret does not" >&2

echo "gitleaks: $("$gitleaks" version)  ferret: $("$FERRET" --version)" >&2
start=$(date +%s)
rc=0
(cd "$tree" && "$gitleaks" dir . --config "$config" --report-format json \
  --report-path "$out/gitleaks.json" --no-banner --max-target-megabytes 10 \
  --log-level error --redact) || rc=$?
[ "$rc" -le 1 ] || { echo "gitleaks failed (exit $rc)" >&2; exit 2; }
mid=$(date +%s)
rc=0
(cd "$tree" && "$FERRET" scan . --config "$config" --format json --no-ignore \
  --max-file-size 10000000 --quiet -o "$out/ferret.json") || rc=$?
[ "$rc" -le 1 ] || { echo "ferret failed (exit $rc)" >&2; exit 2; }
end=$(date +%s)
echo "gitleaks took $((mid - start))s, ferret $((end - mid))s" >&2

python3 - "$out" <<'EOF'
import collections, json, sys
out = sys.argv[1]
gl = json.load(open(f"{out}/gitleaks.json"))
fe = json.load(open(f"{out}/ferret.json"))["findings"]
g = {(f["File"], f["StartLine"] or 1, f["RuleID"]) for f in gl}
r = {(f["path"], f["line"], f["rule_id"]) for f in fe}
only_g, only_r = sorted(g - r), sorted(r - g)
print(f"gitleaks: {len(gl)} findings, {len(g)} distinct (file, line, rule)")
print(f"ferret:   {len(fe)} findings, {len(r)} distinct (file, line, rule)")
print(f"both: {len(g & r)}   only gitleaks: {len(only_g)}   only ferret: {len(only_r)}")
for name, rows in (("only gitleaks", only_g), ("only ferret", only_r)):
    with open(f"{out}/{name.replace(' ', '-')}.tsv", "w") as fh:
        for row in rows:
            fh.write("\t".join(map(str, row)) + "\n")
    if rows:
        by_rule = collections.Counter(row[2] for row in rows)
        print(f"{name}, by rule: " + ", ".join(f"{k} {v}" for k, v in by_rule.most_common()))
        for row in rows[:40]:
            print(f"  {name}: {row[0]}:{row[1]} {row[2]}")
print(f"reports and differences in {out}")
sys.exit(0 if not only_g and not only_r else 1)
EOF
