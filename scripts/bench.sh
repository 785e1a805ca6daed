#!/usr/bin/env bash
# Times ferret against its peers (or against another ferret build) on the benchmark corpora
# and prints markdown tables: median wall time, CPU time, peak memory, ratio to ferret, and
# which targets of issue 6 are met. Not part of the test suite.
#
#   scripts/bench.sh [--ferret PATH] [--baseline-ferret PATH] [--runs N] [--no-peers]
#                    [--out DIR] [tree|history|staged|scaling|all]...
#
#   --ferret PATH           the ferret to time (default: `cargo build --release`, then
#                           target/release/ferret)
#   --baseline-ferret PATH  a second ferret build, timed the same way and shown as
#                           "ferret (baseline)"; the findings of both builds are compared too
#                           (fingerprints, per scenario), so a speed-up that loses findings
#                           shows
#   --runs N                hyperfine runs per command (default 5), after one warm-up run
#   --no-peers              time only ferret (and the baseline): a quick before/after check
#   --out DIR               where hyperfine's JSON, reports and logs go (default: a new
#                           /tmp/ferret-bench.XXXXXX); kept after the run
#   scenarios               tree: a 414 MB source tree; history: the whole git/git history;
#                           staged: a pre-commit scan of 20 staged files; scaling: ferret on
#                           the tree with -j 1 and -j 2; all (default): every one of them
#
# Environment: CORPORA_DIR (default /tmp/corpora), PEERS_DIR (default /tmp/peers; a peer is
# looked up in $PEERS_DIR/bin, then on PATH, and left out with a note if missing),
# MIRROR_ROOT (optional: local git snapshots for scripts/bench/corpus.sh, which builds a
# missing corpus, from GitHub when MIRROR_ROOT is not set).
#
# Needs hyperfine, GNU time (/usr/bin/time) and python3. Peers run offline: kingfisher with
# --no-validate --no-update-check, betterleaks without --validation. Scanners exit non-zero
# on findings, so hyperfine runs with -i; a command whose first run exits with an error code
# (anything but 0, 1 or kingfisher's 200/205) is reported and left out of the table.
#
# Peers never get /dev/null as a report path: gitleaks 8.30 deletes its report path before
# writing it, and run as root that replaces /dev/null with a regular file.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit 2; }
die() { echo "bench: $*" >&2; exit 2; }
note() { echo "bench: $*" >&2; }

ferret=""
built_from=""
baseline=""
runs=5
peers=1
out=""
scenarios=()
while [ $# -gt 0 ]; do
  case $1 in
    --ferret) ferret=${2:?--ferret needs a path}; shift 2 ;;
    --baseline-ferret) baseline=${2:?--baseline-ferret needs a path}; shift 2 ;;
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --no-peers) peers=0; shift ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    -h|--help) usage ;;
    tree|history|staged|scaling) scenarios+=("$1"); shift ;;
    all) scenarios+=(tree history staged scaling); shift ;;
    *) echo "bench: unknown argument: $1" >&2; usage ;;
  esac
done
[ ${#scenarios[@]} -gt 0 ] || scenarios=(tree history staged scaling)
case $runs in ''|*[!0-9]*|0) die "--runs wants a positive number, not '$runs'" ;; esac

for tool in hyperfine python3; do
  command -v "$tool" >/dev/null || die "$tool is not installed (Debian: apt-get install -y $tool)"
done
[ -x /usr/bin/time ] || die "GNU time is not installed at /usr/bin/time (Debian: apt-get install -y time)"

# --- corpora -------------------------------------------------------------------------------
corpora=${CORPORA_DIR:-/tmp/corpora}
corpus_sh=$here/scripts/bench/corpus.sh
corpus_ready() { # scenario -> 0 if its corpus is complete
  case $1 in
    tree|scaling) [ -f "$corpora/tree.complete" ] && [ -d "$corpora/tree" ] ;;
    history) [ -f "$corpora/history-git.git/.complete" ] ;;
    staged) [ -f "$corpora/precommit/.git/bench-complete" ] && [ -f "$corpora/precommit.files" ] ;;
  esac
}
corpus_name() { case $1 in tree|scaling) echo tree ;; history) echo history ;; staged) echo precommit ;; esac; }
for s in "${scenarios[@]}"; do
  corpus_ready "$s" && continue
  name=$(corpus_name "$s")
  note "building the $name corpus under $corpora (scripts/bench/corpus.sh)"
  CORPORA_DIR=$corpora bash "$corpus_sh" "$name" >&2
  corpus_ready "$s" || die "scripts/bench/corpus.sh did not produce the $name corpus under $corpora"
done

# --- binaries ------------------------------------------------------------------------------
if [ -z "$ferret" ]; then
  note "building ferret (cargo build --release)"
  (cd "$here" && cargo build --release --quiet) || die "cargo build --release failed"
  ferret=${CARGO_TARGET_DIR:-$here/target}/release/ferret
  built_from=$(cd "$here" && git describe --always --dirty 2>/dev/null || true)
fi
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
ferret=$(abs "$ferret")
[ -x "$ferret" ] || die "no ferret binary at $ferret"
if [ -n "$baseline" ]; then
  baseline=$(abs "$baseline")
  [ -x "$baseline" ] || die "no baseline ferret binary at $baseline"
fi

peers_dir=${PEERS_DIR:-/tmp/peers}
peer() { # name -> path, or nothing
  if [ -x "$peers_dir/bin/$1" ]; then echo "$peers_dir/bin/$1"; else command -v "$1" || true; fi
}
gitleaks=$(peer gitleaks); betterleaks=$(peer betterleaks); kingfisher=$(peer kingfisher)
ripsecrets=$(peer ripsecrets); rg=$(peer rg)
if [ "$peers" = 1 ]; then
  for p in gitleaks betterleaks kingfisher ripsecrets rg; do
    [ -n "${!p}" ] || note "$p not found in $peers_dir/bin or on PATH; left out (scripts/bench/peers.sh installs it)"
  done
fi

[ -n "$out" ] || out=$(mktemp -d /tmp/ferret-bench.XXXXXX)
mkdir -p "$out"
out=$(cd "$out" && pwd)

# --- the machine and the versions, for the record ----------------------------------------
ident() { # binary -> "sha256 <12 hex>", so that two runs can tell their builds apart
  echo "sha256 $(sha256sum "$1" | cut -c1-12)"
}
version() { # path args... -> first line of its version output
  [ -n "$1" ] || { echo "(missing)"; return; }
  "$@" 2>&1 | head -1
}
{
  echo "## Run of $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
    "$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) memory"
  echo "- load before the run: $(uptime | sed 's/.*load average: //') (1, 5, 15 min)"
  echo "- ferret: $(version "$ferret" --version) ($ferret, $(ident "$ferret")${built_from:+, built from $built_from})"
  [ -z "$baseline" ] || echo "- ferret (baseline): $(version "$baseline" --version) ($baseline, $(ident "$baseline"))"
  if [ "$peers" = 1 ]; then
    echo "- gitleaks $(version "$gitleaks" version); betterleaks $(version "$betterleaks" version);" \
      "$(version "$kingfisher" --version); $(version "$ripsecrets" --version); $(version "$rg" --version);" \
      "$(git --version)"
  fi
  echo "- hyperfine: $(hyperfine --version), --warmup 1 --runs $runs; peak memory from one" \
    "/usr/bin/time -v run"
  echo "- results: $out"
  echo
} | tee "$out/header.md"

# --- measuring -----------------------------------------------------------------------------
# Each scenario appends rows to $out/<scenario>.tsv: name, role, hyperfine JSON, peak KiB,
# first exit code, the command. bench-table.py turns that into the table and the targets.
ok_exit() { case $1 in 0|1|200|205) return 0 ;; *) return 1 ;; esac; }

measure() { # scenario name role dir command
  local scenario=$1 name=$2 role=$3 dir=$4 cmd=$5
  local slug=${name//[^A-Za-z0-9]/_} rc=0 peak
  local log="$out/$scenario.$slug"
  note "$scenario: $name"
  (cd "$dir" && /usr/bin/time -v -o "$log.time" bash -c "$cmd" >"$log.stdout" 2>"$log.stderr") || rc=$?
  if ! ok_exit "$rc"; then
    note "$scenario: $name exited $rc; left out. Its stderr ends with:"
    tail -5 "$log.stderr" >&2
    printf '%s\t%s\t\t\t%s\t%s\n' "$name" "$role" "$rc" "$cmd" >>"$out/$scenario.tsv"
    return 0
  fi
  peak=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log.time")
  (cd "$dir" && hyperfine --style basic --warmup 1 --runs "$runs" -i -n "$name" \
    --export-json "$log.json" "$cmd" >"$log.hyperfine" 2>&1) \
    || { note "$scenario: hyperfine failed on $name:"; tail -5 "$log.hyperfine" >&2; return 0; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$role" "$log.json" "$peak" "$rc" "$cmd" >>"$out/$scenario.tsv"
}

has_git_command() { "$1" git --help >/dev/null 2>&1; }

# Runs both ferret builds once more with a JSON report and compares the findings' fingerprints.
compare_findings() { # scenario dir args...
  local scenario=$1 dir=$2; shift 2
  [ -n "$baseline" ] || return 0
  local a="$out/$scenario.findings.new" b="$out/$scenario.findings.baseline" rc
  for build in new baseline; do
    local bin=$ferret; [ $build = new ] || bin=$baseline
    rc=0
    (cd "$dir" && "$bin" "$@" -q -f jsonl -o "$out/$scenario.report.$build.jsonl") || rc=$?
    ok_exit "$rc" || { note "$scenario: ferret ($build) exited $rc while writing findings"; return 0; }
    python3 -c 'import json,sys
for l in open(sys.argv[1]):
    l = l.strip()
    if l: f = json.loads(l); print(f.get("fingerprint"), f.get("rule_id"), f.get("path"), f.get("line"), f.get("commit", "-"))' \
      "$out/$scenario.report.$build.jsonl" | sort >"$out/$scenario.findings.$build"
  done
  if cmp -s "$a" "$b"; then
    echo "findings: identical ($(wc -l <"$a") in both builds)" >"$out/$scenario.findings.md"
  else
    {
      echo "findings: DIFFER (new $(wc -l <"$a"), baseline $(wc -l <"$b"));" \
        "only in new: $(comm -23 "$a" "$b" | wc -l), only in baseline: $(comm -13 "$a" "$b" | wc -l)"
      echo
      echo '```diff'
      diff "$b" "$a" | grep '^[<>]' | head -20 || true
      echo '```'
    } >"$out/$scenario.findings.md"
  fi
}

# ferret and the baseline build, with the same arguments.
measure_ferrets() { # scenario dir args...
  local scenario=$1 dir=$2; shift 2
  local args; args=$(printf ' %q' "$@")
  measure "$scenario" ferret ferret "$dir" "$(printf %q "$ferret")$args"
  [ -z "$baseline" ] || measure "$scenario" "ferret (baseline)" baseline "$dir" "$(printf %q "$baseline")$args"
}

q() { printf %q "$1"; }

run_tree() {
  local t=$corpora/tree
  measure_ferrets tree / scan "$t" -q -f json -o /dev/null
  if [ "$peers" = 1 ]; then
    [ -z "$gitleaks" ] || measure tree gitleaks peer / \
      "$(q "$gitleaks") dir $(q "$t") --no-banner -l error -f json -r $(q "$out/tree.gitleaks.report.json")"
    [ -z "$betterleaks" ] || measure tree betterleaks peer / \
      "$(q "$betterleaks") fs $(q "$t") --no-banner -l error -o $(q "$out/tree.betterleaks.report.json")"
    [ -z "$kingfisher" ] || measure tree kingfisher peer / \
      "$(q "$kingfisher") scan $(q "$t") --no-validate --no-update-check -q -f json -o $(q "$out/tree.kingfisher.report.json")"
    [ -z "$rg" ] || measure tree "ripgrep (floor)" floor / \
      "$(q "$rg") -uuu --count-matches 'sk_|whsec_' $(q "$t")"
  fi
  compare_findings tree / scan "$t"
}

run_history() {
  local g=$corpora/history-git.git
  if has_git_command "$ferret"; then
    measure_ferrets history / git "$g" -q -f json -o /dev/null
  else
    note "history: $ferret has no \`git\` command yet; ferret left out of this scenario"
  fi
  if [ "$peers" = 1 ]; then
    [ -z "$gitleaks" ] || measure history gitleaks peer / \
      "$(q "$gitleaks") git $(q "$g") --no-banner -l error -f json -r $(q "$out/history.gitleaks.report.json")"
    [ -z "$betterleaks" ] || measure history betterleaks peer / \
      "$(q "$betterleaks") git $(q "$g") --no-banner -l error -o $(q "$out/history.betterleaks.report.json")"
    [ -z "$kingfisher" ] || measure history kingfisher peer / \
      "$(q "$kingfisher") scan $(q "$g") --git-history full --no-validate --no-update-check -q -f json -o $(q "$out/history.kingfisher.report.json")"
    [ -z "$rg" ] || measure history "cat-file + ripgrep (floor)" floor / \
      "git --git-dir=$(q "$g") cat-file --batch-all-objects --batch --unordered | $(q "$rg") -c 'sk_|whsec_'"
  fi
  has_git_command "$ferret" && compare_findings history / git "$g"
  return 0
}

run_staged() {
  local r=$corpora/precommit files before
  files=$(tr '\n' ' ' <"$corpora/precommit.files" | sed 's/ *$//')
  before=$(git -C "$r" diff --cached --name-only | sha256sum)
  if has_git_command "$ferret"; then
    measure_ferrets staged "$r" git --staged -q
  else
    note "staged: $ferret has no \`git\` command yet; ferret left out of this scenario"
  fi
  if [ "$peers" = 1 ]; then
    [ -z "$gitleaks" ] || measure staged gitleaks peer "$r" \
      "$(q "$gitleaks") git --pre-commit --staged --no-banner -l error ."
    [ -z "$betterleaks" ] || measure staged betterleaks peer "$r" \
      "$(q "$betterleaks") git --staged --no-banner -l error ."
    [ -z "$kingfisher" ] || measure staged kingfisher peer "$r" \
      "$(q "$kingfisher") scan . --staged --no-validate --no-update-check -q"
    [ -z "$ripsecrets" ] || measure staged ripsecrets peer "$r" \
      "$(q "$ripsecrets") --strict-ignore $files"
    [ -z "$rg" ] || measure staged "ripgrep (floor)" floor "$r" \
      "$(q "$rg") -c 'sk_|whsec_' $files"
  fi
  has_git_command "$ferret" && compare_findings staged "$r" git --staged
  [ "$(git -C "$r" diff --cached --name-only | sha256sum)" = "$before" ] \
    || note "staged: WARNING: the staged set in $r changed during the run; rebuild it (FORCE=1 corpus.sh precommit)"
  return 0
}

# Scaling is measured in rounds, each running every command once in turn, so that a change
# in the machine's load during the run touches all of them alike. Besides ferret with 1 and
# 2 threads, each round runs two independent 1-thread scans at once: the speed-up that two
# separate processes get on this machine is the most that any threading can get here
# (shared caches, memory bandwidth and the hypervisor take their share), and the table
# compares ferret's speed-up with it. ripgrep with 1 and 2 threads is shown when present.
run_scaling() {
  local t=$corpora/tree log="$out/scaling.rounds" name cmd r c
  local one two
  one="$(q "$ferret") scan $(q "$t") -j 1 -q -f json -o /dev/null"
  two="$(q "$ferret") scan $(q "$t") -j 2 -q -f json -o /dev/null"
  local cmds=("ferret -j 1|$one" "ferret -j 2|$two" "2 x ferret -j 1, at once|$one & $one; wait")
  if [ -n "$rg" ]; then
    local rgc
    rgc="$(q "$rg") -uuu --count-matches 'sk_|whsec_' $(q "$t")"
    cmds+=("ripgrep -j 1|$rgc -j 1" "ripgrep -j 2|$rgc -j 2")
  fi
  : >"$log"
  note "scaling: $runs rounds of ${#cmds[@]} commands, after one warm-up round"
  for r in $(seq 0 "$runs"); do
    for c in "${cmds[@]}"; do
      name=${c%%|*}; cmd=${c#*|}
      # GNU time first writes "Command exited with non-zero status 1" when there are
      # findings; only the formatted line is kept. Round 0 is the warm-up.
      /usr/bin/time -f "$r	$name	%e	%U	%S	%M" -o "$log.one" bash -c "$cmd" >/dev/null 2>&1 || true
      [ "$r" = 0 ] || grep -P '^\d+\t' "$log.one" >>"$log" || note "scaling: no timing for $name"
    done
  done
  rm -f "$log.one"
  for c in "${cmds[@]}"; do printf -- '- %s: `%s`\n' "${c%%|*}" "${c#*|}"; done >"$out/scaling.commands"
}

for s in "${scenarios[@]}"; do
  rm -f "$out/$s.tsv" "$out/$s.findings.md"
  "run_$s"
  echo
  python3 "$here/scripts/bench-table.py" "$s" "$out" | tee "$out/$s.md"
done
echo "load after the run: $(uptime | sed 's/.*load average: //')" | tee "$out/footer.md"
[ -c /dev/null ] || note "WARNING: /dev/null is no longer a character device; some tool replaced it"
