#!/usr/bin/env bash
# Detection rate of ferret, gitleaks and betterleaks on the positive examples that two
# peers publish with their rules: kingfisher (mongodb/kingfisher, `examples:` in
# data/rules/*.yml) and noseyparker (praetorian-inc/noseyparker, `examples:` in its
# builtin rules). The examples are only measured here; nothing of them is kept.
#
#   scripts/peer-examples.sh [--keep DIR]
#
# Each example is written to a file of its own (`<set>/NNNN.txt`), examples are
# deduplicated within a set, and the noseyparker set leaves out the examples kingfisher
# already publishes (kingfisher started from noseyparker's rules; without this the two
# sets would share half their examples). An example counts as detected by a tool when the
# tool reports at least one finding, of any rule, in its file. Every tool runs offline with
# its default rules.
#
# Sources: with MIRROR_ROOT set, local bare snapshots named <owner>+<name> (a git
# directory, or one called `repo` inside); otherwise the pinned commit is fetched from
# GitHub into $PEER_SOURCES (default /tmp/peer-sources), once. A pinned commit missing
# from a snapshot is an error.
#
# Tools: ferret is target/release/ferret (built here if missing) unless FERRET names a
# binary; gitleaks and betterleaks come from $PEERS_DIR/bin (default /tmp/peers/bin,
# installed by scripts/bench/peers.sh); a missing peer is left out of the table.
# Needs python3 with PyYAML to read the rule files.
#
# --keep DIR keeps the example files, the reports and `missed-<tool>.txt` (the files a tool
# found nothing in) in DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=$2; shift 2 ;;
    *) echo "usage: scripts/peer-examples.sh [--keep DIR]" >&2; exit 2 ;;
  esac
done

# set name | repository | pinned commit | folder of rule files
sources=(
  "kingfisher|mongodb/kingfisher|ee7c0db3ef87575768f817820c24736249ffcdef|data/rules"
  "noseyparker|praetorian-inc/noseyparker|2e6e7f36ce36619852532bbe698d8cb7a26d2da7|crates/noseyparker/data/default/builtin/rules"
)
say() { echo "peer-examples: $*" >&2; }
die() { say "$*"; exit 2; }

python3 -c 'import yaml' 2>/dev/null || die "python3 cannot import yaml (pip install pyyaml)"

source_git() { # owner/name commit -> a git directory holding the commit
  local slug=${1/\//+} d
  if [ -n "${MIRROR_ROOT:-}" ]; then
    for d in "$MIRROR_ROOT/$slug/repo" "$MIRROR_ROOT/$slug"; do
      git --git-dir="$d" rev-parse --git-dir >/dev/null 2>&1 && { echo "$d"; return; }
    done
    die "no snapshot of $1 under $MIRROR_ROOT (expected $slug/)"
  fi
  d=${PEER_SOURCES:-/tmp/peer-sources}/$slug.git
  if ! git --git-dir="$d" cat-file -e "$2^{commit}" 2>/dev/null; then
    say "fetching $1 at $2 from GitHub (once)"
    rm -rf "$d"
    git init -q --bare "$d"
    # GitHub serves a commit by its id; a full clone is the fallback.
    git --git-dir="$d" fetch -q --depth 1 "https://github.com/$1.git" "$2" ||
      git --git-dir="$d" fetch -q "https://github.com/$1.git" '+refs/heads/*:refs/heads/*'
  fi
  echo "$d"
}

if [ -n "$keep" ]; then
  work=$keep
  rm -rf "$work/examples"
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/examples"
rm -f "$work"/missed-*.txt

extract_args=()
for s in "${sources[@]}"; do
  IFS='|' read -r name repo commit folder <<<"$s"
  g=$(source_git "$repo" "$commit")
  git --git-dir="$g" cat-file -e "$commit^{commit}" 2>/dev/null ||
    die "commit $commit of $repo is not in $g"
  extract_args+=("$name" "$g" "$commit" "$folder")
done

# Writes <work>/examples/<set>/NNNN.txt and prints "<set> <rules> <examples>" per set.
python3 - "$work/examples" "${extract_args[@]}" >"$work/sets.txt" <<'PY'
import os, subprocess, sys, yaml
out, args = sys.argv[1], sys.argv[2:]
seen = set()
for i in range(0, len(args), 4):
    name, gitdir, commit, folder = args[i:i + 4]
    git = ["git", "--git-dir", gitdir]
    paths = subprocess.run(git + ["ls-tree", "-r", "--name-only", commit, folder + "/"],
                           check=True, capture_output=True, text=True).stdout.split("\n")
    examples, rules = [], 0
    for path in sorted(p for p in paths if p.endswith((".yml", ".yaml"))):
        text = subprocess.run(git + ["show", f"{commit}:{path}"], check=True,
                              capture_output=True).stdout
        doc = yaml.safe_load(text) or {}
        for rule in doc.get("rules") or []:
            rules += 1
            for example in rule.get("examples") or []:
                if isinstance(example, str) and example not in seen:
                    seen.add(example)
                    examples.append(example)
    os.makedirs(os.path.join(out, name))
    for n, example in enumerate(examples, 1):
        with open(os.path.join(out, name, f"{n:04d}.txt"), "w", encoding="utf-8") as f:
            f.write(example if example.endswith("\n") else example + "\n")
    print(name, rules, len(examples))
PY

ferret=${FERRET:-$root/target/release/ferret}
if [ -z "${FERRET:-}" ] && [ ! -x "$ferret" ]; then
  cargo build --quiet --release --locked --bin ferret
fi
bin=${PEERS_DIR:-/tmp/peers}/bin
tools=(ferret)
# The commit is this checkout's only when its own build is measured.
built=$([ -n "${FERRET:-}" ] && echo "$ferret" || git -C "$root" rev-parse --short HEAD)
versions=("ferret $("$ferret" --version | awk '{print $2}') ($built, $("$ferret" rules list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') rules)")
[ -x "$bin/gitleaks" ] && tools+=(gitleaks) && versions+=("gitleaks $("$bin/gitleaks" version)")
[ -x "$bin/betterleaks" ] && tools+=(betterleaks) && versions+=("betterleaks $("$bin/betterleaks" version)")

ex=$work/examples
for t in "${tools[@]}"; do
  case $t in
    ferret)
      "$ferret" scan "$ex" --format json --quiet --exit-code 0 -o "$work/ferret.json" ;;
    gitleaks)
      "$bin/gitleaks" dir "$ex" --report-format json --report-path "$work/gitleaks.json" \
        --no-banner --exit-code 0 --log-level error ;;
    betterleaks)
      "$bin/betterleaks" "$ex" -o "$work/betterleaks.json" --no-banner --exit-code 0 \
        --log-level error >/dev/null ;;
  esac
done

echo "Examples of kingfisher $(echo "${sources[0]}" | cut -d '|' -f 3 | cut -c1-7) and noseyparker" \
  "$(echo "${sources[1]}" | cut -d '|' -f 3 | cut -c1-7), $(date -u +%Y-%m-%d);" \
  "$(printf '%s; ' "${versions[@]}" | sed 's/; $//')."
echo
python3 - "$work" "${tools[@]}" <<'PY'
import json, os, sys
work, tools = sys.argv[1], sys.argv[2:]
ex = os.path.join(work, "examples")
sets = [line.split() for line in open(os.path.join(work, "sets.txt"))]

def files_with_findings(report):
    text = open(report, encoding="utf-8").read().strip()
    data = json.loads(text) if text else []
    items = data.get("findings") or [] if isinstance(data, dict) else data
    found = set()
    for f in items:
        # ferret: path; gitleaks: File; betterleaks: location.path.
        p = f.get("path") or f.get("File") or (f.get("location") or {}).get("path")
        if p:
            found.add(os.path.relpath(os.path.join(ex, p) if not os.path.isabs(p) else p, ex))
    return found

found = {t: files_with_findings(os.path.join(work, f"{t}.json")) for t in tools}
print("| set | rules | examples | " + " | ".join(tools) + " |")
print("|---|---:|---:|" + "---:|" * len(tools))
for name, rules, count in sets:
    files = sorted(f"{name}/{f}" for f in os.listdir(os.path.join(ex, name)))
    cells = []
    for t in tools:
        hit = [f for f in files if f in found[t]]
        cells.append(f"{len(hit)} ({100 * len(hit) / len(files):.1f}%)")
        with open(os.path.join(work, f"missed-{t}.txt"), "a") as m:
            m.writelines(f + "\n" for f in files if f not in found[t])
    print(f"| {name} | {rules} | {count} | " + " | ".join(cells) + " |")
PY
