#!/usr/bin/env bash
# The logic of ferret's GitHub Action (action.yml): decide what to scan from the event,
# run ferret once to write SARIF, then set the step outputs and write the job summary.
# It reads only what the runner sets, so the tests run it against simulated events.
#
# Inputs (environment; action.yml maps the action's inputs onto them):
#   INPUT_SCAN              auto (default), range, history or dir
#   INPUT_PATH              repository or directory to scan (default .)
#   INPUT_CONFIG            ferret config file (default: .ferret.toml at the root, if any)
#   INPUT_SARIF_FILE        where to write SARIF (default $RUNNER_TEMP/ferret.sarif)
#   INPUT_FAIL_ON_FINDINGS  true (default): exit 1 when something is found
#   INPUT_VERIFY            true: check found credentials against their providers
#   INPUT_EXTRA_ARGS        more ferret arguments, split on whitespace
# From the runner: GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_OUTPUT,
#   GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE, RUNNER_TEMP.
# FERRET_BIN: the ferret binary (default: ferret on PATH).
#
# Exit status: 0 nothing found (or fail-on-findings is false), 1 findings, 2 an error.
set -euo pipefail

ZERO=0000000000000000000000000000000000000000
MAX_SUMMARY_ROWS=100

log() { printf 'ferret-action: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 2
}
truthy() {
  case "${1,,}" in
  true | yes | 1 | on) return 0 ;;
  *) return 1 ;;
  esac
}

ferret=${FERRET_BIN:-ferret}
scan=${INPUT_SCAN:-auto}
path=${INPUT_PATH:-.}
config=${INPUT_CONFIG:-}
sarif=${INPUT_SARIF_FILE:-}
[ -n "$sarif" ] || sarif="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/ferret.sarif"
event=${GITHUB_EVENT_NAME:-}

cd "${GITHUB_WORKSPACE:-.}"
command -v jq >/dev/null 2>&1 || die "jq is needed to read the event payload and the SARIF"

output() { if [ -n "${GITHUB_OUTPUT:-}" ]; then printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; fi; }
summary() { if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then printf '%s\n' "$@" >>"$GITHUB_STEP_SUMMARY"; fi; }

event_field() {
  [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ] ||
    die "scan: range needs the event payload, but GITHUB_EVENT_PATH is not a file"
  jq -r "$1 // empty" "$GITHUB_EVENT_PATH"
}

has_commit() { git -C "$path" cat-file -e "$1^{commit}" 2>/dev/null; }

# Both ends are in the clone and their histories meet, so BASE..HEAD means what it says.
range_complete() {
  has_commit "$head" || return 1
  [ "$base" = "$ZERO" ] && return 0
  has_commit "$base" && git -C "$path" merge-base "$base" "$head" >/dev/null 2>&1
}

# actions/checkout fetches one commit by default: fetch more history until the range is
# complete. Only a shallow clone with a remote can be deepened; otherwise ferret's own
# error ("unknown revision ...") says what is missing.
complete_range() {
  range_complete && return 0
  if [ "$(git -C "$path" rev-parse --is-shallow-repository 2>/dev/null)" != true ]; then
    return 0
  fi
  local remote
  remote=$(git -C "$path" remote | head -n 1)
  if [ -z "$remote" ]; then
    log "shallow clone without a remote: cannot fetch the history of $base..$head"
    return 0
  fi
  local want=("$head")
  [ "$base" = "$ZERO" ] || want+=("$base")
  log "shallow clone: fetching history from $remote until $base..$head is complete"
  local depth
  for depth in 1 50 500; do
    git -C "$path" fetch --quiet --no-tags --deepen="$depth" "$remote" "${want[@]}" >&2 ||
      log "git fetch --deepen=$depth failed"
    range_complete && return 0
  done
  git -C "$path" fetch --quiet --no-tags --unshallow "$remote" "${want[@]}" >&2 ||
    log "git fetch --unshallow failed"
  return 0
}

if [ "$scan" = auto ]; then
  case "$event" in
  pull_request | pull_request_target | push | merge_group) scan=range ;;
  *) scan=dir ;;
  esac
fi

case "$scan" in
range)
  case "$event" in
  pull_request | pull_request_target)
    base=$(event_field .pull_request.base.sha)
    head=$(event_field .pull_request.head.sha)
    ;;
  push)
    base=$(event_field .before)
    head=$(event_field .after)
    ;;
  merge_group)
    base=$(event_field .merge_group.base_sha)
    head=$(event_field .merge_group.head_sha)
    ;;
  *) die "scan: range needs a pull_request, push or merge_group event, not '${event:-none}'; use scan: dir or history" ;;
  esac
  [ -n "$base" ] && [ -n "$head" ] || die "the $event event payload has no base and head commits"
  if [ "$head" = "$ZERO" ]; then
    log "the push deleted ${base:0:12}'s branch: nothing to scan"
    output findings 0
    output sarif-file ""
    summary "## ferret" "" "The push deleted a branch: nothing to scan."
    exit 0
  fi
  # A branch's first push has an all-zero base: ferret scans the commits that no other
  # branch has.
  complete_range
  args=(git "$path" --range "$base..$head")
  scope="commits \`${base:0:12}..${head:0:12}\` ($event)"
  ;;
history)
  args=(git "$path")
  scope="the whole git history of \`$path\`"
  ;;
dir)
  args=(scan "$path")
  scope="the files in \`$path\`"
  ;;
*) die "unknown scan '$scan': use range, history or dir" ;;
esac

mkdir -p "$(dirname "$sarif")"
rm -f "$sarif"
args+=(--format sarif --output "$sarif")
[ -z "$config" ] || args+=(--config "$config")
! truthy "${INPUT_VERIFY:-false}" || args+=(--verify)
read -r -a extra <<<"${INPUT_EXTRA_ARGS:-}"
args+=("${extra[@]}")

log "running: $ferret ${args[*]}"
set +e
"$ferret" "${args[@]}"
code=$?
set -e

findings=0
if [ -s "$sarif" ]; then
  findings=$(jq '[.runs[].results | length] | add // 0' "$sarif") ||
    die "$sarif is not valid SARIF"
fi
output findings "$findings"
if [ -s "$sarif" ]; then output sarif-file "$sarif"; else output sarif-file ""; fi

summary "## ferret" "" "Scanned $scope."
if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
  summary "" ":x: ferret failed (exit $code); its error is in the step log."
  die "ferret exited with $code"
fi
if [ "$findings" -eq 0 ]; then
  summary "" ":white_check_mark: No secrets found."
else
  summary "" "**$findings finding$([ "$findings" -eq 1 ] || echo s)**" "" \
    "| Severity | Rule | Location | Commit |" "| --- | --- | --- | --- |"
  jq -r --argjson max "$MAX_SUMMARY_ROWS" '
    def cell: tostring | gsub("\\|"; "\\|") | gsub("[\\r\\n]"; " ");
    [.runs[].results[]] | .[:$max][] |
    "| \(.properties.severity // .level | cell) | `\(.ruleId | cell)` | " +
    "`\(.locations[0].physicalLocation.artifactLocation.uri | cell):\(.locations[0].physicalLocation.region.startLine)` | " +
    "\(.properties.commit // "" | .[:12] | cell) |"' "$sarif" >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
  if [ "$findings" -gt "$MAX_SUMMARY_ROWS" ]; then
    summary "" "… and $((findings - MAX_SUMMARY_ROWS)) more in the SARIF file."
  fi
  summary "" "Secrets are redacted. Revoke each credential first: removing it from the code leaves it in git history." \
    "Upload \`$sarif\` with \`github/codeql-action/upload-sarif\` to see the alerts in code scanning."
fi

if [ "$findings" -gt 0 ] && truthy "${INPUT_FAIL_ON_FINDINGS:-true}"; then
  log "$findings finding(s)"
  exit 1
fi
exit 0
