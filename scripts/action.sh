#!/usr/bin/env bash
# The logic of ferret's GitHub Action (action.yml): decide what the event brings, fetch the
# history that needs (the default checkout has one commit), scan it once for the step's
# verdict (annotations in the log, a job summary with links), write the SARIF file for
# code scanning, and set the step outputs. It reads only what the runner sets, so the
# tests run it against simulated events, real bare remotes and the real ferret.
#
# Two questions, two scans:
#   * What does this event add? (fails the step, annotations, summary) `scan`: the
#     event's commits (range), the whole history, or the files (dir).
#   * What is in this ref? (the SARIF file) `sarif-scope`: the files of the checkout
#     (tree) or every commit reachable from it (history), always complete for the ref.
#     Code scanning closes an alert when a later upload of the same category on the same
#     ref lacks it, so an upload must hold everything still there, never just what one
#     push added. The category (written into the SARIF as runAutomationDetails.id) is
#     ferret/tree or ferret/history, plus the path when it is not the root.
#
# Inputs (environment; action.yml maps the action's inputs onto them):
#   INPUT_SCAN              auto (default), range, history or dir
#   INPUT_SARIF_SCOPE       auto (default: history for scan: history, else tree), tree,
#                           history or none
#   INPUT_PATH              repository or directory to scan (default .)
#   INPUT_CONFIG            ferret config file (default: .ferret.toml at the root, if any)
#   INPUT_SARIF_FILE        where to write SARIF (default $RUNNER_TEMP/ferret.sarif)
#   INPUT_FAIL_ON_FINDINGS  true (default): exit 1 when the event adds a finding
#   INPUT_VERIFY            true: check found credentials against their providers
#   INPUT_EXTRA_ARGS        more ferret arguments, split on whitespace
# From the runner: GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_OUTPUT,
#   GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE, GITHUB_SERVER_URL, GITHUB_REPOSITORY,
#   GITHUB_SHA, RUNNER_TEMP.
# FERRET_BIN: the ferret binary (default: ferret on PATH).
#
# Exit status: 0 nothing added (or fail-on-findings is false), 1 findings, 2 an error.
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
sarif_scope=${INPUT_SARIF_SCOPE:-auto}
path=${INPUT_PATH:-.}
config=${INPUT_CONFIG:-}
tmp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
sarif=${INPUT_SARIF_FILE:-}
[ -n "$sarif" ] || sarif="$tmp/ferret.sarif"
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

g() { git -C "$path" "$@"; }
has_commit() { g cat-file -e "$1^{commit}" 2>/dev/null; }
is_shallow() { [ "$(g rev-parse --is-shallow-repository 2>/dev/null)" = true ]; }
the_remote() {
  if g remote | grep -qx origin; then echo origin; else g remote | head -n 1; fi
}

# ---- What the event brings -------------------------------------------------------------
# A range is `include --not exclude`, and with `others`, also not on any branch, tag or
# remote-tracking ref but the pushed ref's own (own_branch / own_tag).
include=()
exclude=()
others=false
own_branch=""
own_tag=""

# The commits ferret will walk, as git lists them.
range_commits() {
  local args=("${include[@]}" --not)
  [ ${#exclude[@]} -eq 0 ] || args+=("${exclude[@]}")
  if $others; then
    # --exclude patterns leave out the refs/heads/, refs/remotes/, refs/tags/ prefix.
    [ -z "$own_branch" ] || args+=(--exclude="$own_branch")
    args+=(--branches)
    [ -z "$own_branch" ] || args+=(--exclude="*/$own_branch")
    args+=(--remotes)
    [ -z "$own_tag" ] || args+=(--exclude="$own_tag")
    args+=(--tags)
  fi
  g rev-list "${args[@]}"
}

# Every end is in the clone, no excluded end sits at the shallow boundary (its ancestors
# would not be left out), and no commit of the range does (its parents are missing, so
# what it adds is unknown): then the range means what it says.
range_complete() {
  local r list shallow
  for r in "${include[@]}" "${exclude[@]}"; do
    has_commit "$r" || return 1
  done
  list=$(range_commits 2>/dev/null) || return 1
  shallow=$(g rev-parse --path-format=absolute --git-path shallow)
  [ -s "$shallow" ] || return 0
  for r in "${exclude[@]}"; do
    ! grep -qxF "$(g rev-parse "$r^{commit}")" "$shallow" || return 1
  done
  ! grep -qxF -f "$shallow" <<<"$list"
}

# A force push's old tip, when the remote may no longer serve it.
maybe_gone=""

forget_old_tip() {
  log "the old tip ${maybe_gone:0:12} is gone from the remote: scanning what no other branch has"
  exclude=()
  maybe_gone=""
}

# git fetch with these options and what the range needs; without the old tip of a force
# push when the remote no longer has it.
fetch_range() {
  local remote=$1 r want=()
  shift
  for r in "${include[@]}" "${exclude[@]}"; do
    [[ $r == refs/* ]] || want+=("$r")
  done
  if $others; then
    want+=("+refs/heads/*:refs/remotes/$remote/*")
    # The pushed branch's own remote-tracking ref stays where the checkout put it.
    [ -z "$own_branch" ] || want+=("^refs/heads/$own_branch")
  fi
  g fetch --quiet --no-tags "$@" "$remote" "${want[@]}" >&2 2>/dev/null && return 0
  if [ -n "$maybe_gone" ] && ! has_commit "$maybe_gone"; then
    forget_old_tip
    fetch_range "$remote" "$@"
    return
  fi
  log "git fetch $* failed"
}

# actions/checkout fetches one commit by default: fetch more history until the range is
# complete (for a new branch, also the remote's other branches, to know which commits are
# new). Only a shallow clone with a remote is deepened; otherwise ferret's own error
# ("not found in this shallow clone ...") names what is missing.
complete_range() {
  range_complete && return 0
  local remote
  remote=$(the_remote)
  if ! is_shallow; then
    # A full clone lacks only a force push's old tip, if anything.
    if [ -n "$maybe_gone" ] && ! has_commit "$maybe_gone"; then
      [ -z "$remote" ] || g fetch --quiet --no-tags "$remote" "$maybe_gone" >&2 2>/dev/null ||
        forget_old_tip
    fi
    return 0
  fi
  if [ -z "$remote" ]; then
    log "shallow clone without a remote: cannot fetch the history of the range"
    return 0
  fi
  log "shallow clone: fetching history from $remote until the range is complete"
  local depth
  for depth in 10 100 1000; do
    fetch_range "$remote" --deepen="$depth"
    range_complete && return 0
  done
  fetch_range "$remote" --unshallow
  return 0
}

# The whole history of the checked-out commit, for scans of history.
complete_history() {
  is_shallow || return 0
  local remote
  remote=$(the_remote)
  if [ -z "$remote" ]; then
    log "shallow clone without a remote: scanning the history it has"
    return 0
  fi
  log "shallow clone: fetching the whole history of HEAD from $remote"
  g fetch --quiet --no-tags --unshallow "$remote" "$(g rev-parse HEAD)" >&2 ||
    log "git fetch --unshallow failed: scanning the history the clone has"
}

# The name ferret should walk from: the pushed ref itself when the clone has it at the
# pushed commit (so ferret leaves out its remote-tracking copies by name), else the id.
head_name() {
  local ref=$1 sha=$2 at want
  at=$(g rev-parse -q --verify "$ref^{commit}" 2>/dev/null) || {
    echo "$sha"
    return
  }
  want=$(g rev-parse -q --verify "$sha^{commit}" 2>/dev/null) || want=$sha
  if [ "$at" = "$want" ]; then echo "$ref"; else echo "$sha"; fi
}

if [ "$scan" = auto ]; then
  case "$event" in
  pull_request | pull_request_target | push | merge_group) scan=range ;;
  *) scan=dir ;;
  esac
fi
if [ "$sarif_scope" = auto ]; then
  case "$scan" in
  history) sarif_scope=history ;;
  *) sarif_scope=tree ;;
  esac
fi
case "$sarif_scope" in
tree | history | none) ;;
*) die "unknown sarif-scope '$sarif_scope': use tree, history or none" ;;
esac

nothing_to_scan() {
  log "$1: nothing to scan"
  output findings 0
  output sarif-file ""
  output sarif-category ""
  output sarif-results 0
  summary "## ferret" "" "$1: nothing to scan."
  exit 0
}

case "$scan" in
range)
  case "$event" in
  pull_request | pull_request_target)
    base=$(event_field .pull_request.base.sha)
    head=$(event_field .pull_request.head.sha)
    ;;
  merge_group)
    base=$(event_field .merge_group.base_sha)
    head=$(event_field .merge_group.head_sha)
    ;;
  push)
    base=$(event_field .before)
    head=$(event_field .after)
    ;;
  *) die "scan: range needs a pull_request, push or merge_group event, not '${event:-none}'; use scan: dir or history" ;;
  esac
  [ -n "$base" ] && [ -n "$head" ] || die "the $event event payload has no base and head commits"
  [ "$head" != "$ZERO" ] || nothing_to_scan "The push deleted ${base:0:12}'s ref"
  what="$event"
  if [ "$event" = push ]; then
    ref=$(event_field .ref)
    forced=$(event_field .forced)
    case "$ref" in
    refs/heads/*) own_branch=${ref#refs/heads/} ;;
    refs/tags/*) own_tag=${ref#refs/tags/} ;;
    esac
    if [ "$base" = "$ZERO" ] || [ -n "$own_tag" ] || [ "$forced" = true ]; then
      # A new branch or tag, a moved tag, a force push: the commits no other branch of
      # the remote holds (and, when the old tip can still be had, that it lacked).
      others=true
      include=("$(head_name "${ref:-$head}" "$head")")
      if [ "$base" != "$ZERO" ]; then
        exclude=("$base")
        maybe_gone=$base
      fi
      what="push of a new or rewritten ${own_tag:+tag}${own_tag:-branch}"
    else
      include=("$head")
      exclude=("$base")
    fi
  else
    include=("$head")
    exclude=("$base")
  fi
  complete_range
  if $others; then
    spec="$ZERO..${include[0]}"
    for r in "${exclude[@]}"; do spec+=" ^$r"; done
  else
    spec="${exclude[0]}..${include[0]}"
  fi
  args=(git "$path" --range "$spec")
  if $others; then
    scope="the commits of \`${head:0:12}\` that no other branch has ($what)"
  else
    scope="commits \`${base:0:12}..${head:0:12}\` ($what)"
  fi
  ;;
history)
  complete_history
  args=(git "$path" --branch HEAD)
  scope="the whole git history of \`$path\`"
  ;;
dir)
  args=(scan "$path")
  scope="the files in \`$path\`"
  ;;
*) die "unknown scan '$scan': use range, history or dir" ;;
esac

common=()
[ -z "$config" ] || common+=(--config "$config")
! truthy "${INPUT_VERIFY:-false}" || common+=(--verify)
read -r -a extra <<<"${INPUT_EXTRA_ARGS:-}"
common+=("${extra[@]}")

# The SARIF of the event's own scan, for the summary; the upload's own when it covers the
# same thing.
same_run=false
case "$scan:$sarif_scope" in
dir:tree | history:history) same_run=true ;;
esac
mkdir -p "$(dirname "$sarif")"
rm -f "$sarif"
event_sarif="$tmp/ferret-event.sarif"
$same_run && event_sarif=$sarif
rm -f "$event_sarif"

log "running: $ferret ${args[*]} --format github --format sarif=$event_sarif ${common[*]}"
set +e
"$ferret" "${args[@]}" --format github --format "sarif=$event_sarif" "${common[@]}"
code=$?
set -e
summary "## ferret" "" "Scanned $scope."
if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
  summary "" ":x: ferret failed (exit $code); its error is in the step log."
  die "ferret exited with $code"
fi
findings=0
if [ -s "$event_sarif" ]; then
  findings=$(jq '[.runs[].results | length] | add // 0' "$event_sarif") ||
    die "$event_sarif is not valid SARIF"
fi
output findings "$findings"

# ---- The SARIF file: everything in the ref ---------------------------------------------
category=""
sarif_results=0
if [ "$sarif_scope" != none ]; then
  if ! $same_run; then
    case "$sarif_scope" in
    tree) sargs=(scan "$path") ;;
    history)
      complete_history
      sargs=(git "$path" --branch HEAD)
      ;;
    esac
    log "running: $ferret ${sargs[*]} --format sarif=$sarif --quiet ${common[*]}"
    set +e
    "$ferret" "${sargs[@]}" --format "sarif=$sarif" --quiet "${common[@]}"
    scode=$?
    set -e
    if [ "$scode" -ne 0 ] && [ "$scode" -ne 1 ]; then
      summary "" ":x: the code scanning scan failed (exit $scode); its error is in the step log."
      die "ferret exited with $scode writing $sarif"
    fi
  fi
  category="ferret/$sarif_scope"
  rel=${path#./}
  rel=${rel%/}
  [ -z "$rel" ] || [ "$rel" = . ] || category+="/$rel"
fi
if [ -n "$category" ] && [ -s "$sarif" ]; then
  # The category lives in the file, so uploads need no `category:` input to stay apart.
  jq --arg id "$category/" '.runs |= map(.automationDetails = {id: $id})' "$sarif" >"$sarif.tmp" ||
    die "$sarif is not valid SARIF"
  mv "$sarif.tmp" "$sarif"
  sarif_results=$(jq '[.runs[].results | length] | add // 0' "$sarif")
  output sarif-file "$sarif"
else
  [ -z "$category" ] || log "ferret wrote no SARIF to $sarif"
  category=""
  output sarif-file ""
fi
output sarif-category "$category"
output sarif-results "$sarif_results"

# ---- The job summary -------------------------------------------------------------------
head_sha=$(g rev-parse -q --verify 'HEAD^{commit}' 2>/dev/null || true)
[ -n "$head_sha" ] || head_sha=${GITHUB_SHA:-}
blob_base=""
if [ -n "${GITHUB_REPOSITORY:-}" ]; then
  blob_base="${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_REPOSITORY/blob"
fi
if [ "$findings" -eq 0 ]; then
  summary "" ":white_check_mark: No secrets found."
else
  summary "" "**$findings finding$([ "$findings" -eq 1 ] || echo s)**" "" \
    "| Severity | Rule | Location | Commit |" "| --- | --- | --- | --- |"
  jq -r --argjson max "$MAX_SUMMARY_ROWS" --arg blob "$blob_base" --arg head "$head_sha" '
    def cell: tostring | gsub("\\|"; "\\|") | gsub("[\\r\\n]"; " ");
    [.runs[].results[]] | .[:$max][] |
    .locations[0].physicalLocation as $loc |
    ($loc.artifactLocation.uri) as $uri | ($loc.region.startLine) as $line |
    (.properties.commit // $head) as $sha |
    (if $blob != "" and $sha != "" then "[`\($uri | cell):\($line)`](\($blob)/\($sha)/\($uri)#L\($line))"
     else "`\($uri | cell):\($line)`" end) as $where |
    "| \(.properties.severity // .level | cell) | `\(.ruleId | cell)` | \($where) | " +
    "\(.properties.commit // "" | .[:12] | cell) |"' "$event_sarif" >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
  if [ "$findings" -gt "$MAX_SUMMARY_ROWS" ]; then
    summary "" "… and $((findings - MAX_SUMMARY_ROWS)) more: every finding is in the step log."
  fi
  summary "" "Secrets are redacted. Revoke each credential first: removing it from the code leaves it in git history." \
    "Not a secret? Add its fingerprint (in the step log) to \`.ferretignore\`."
fi
if [ "$sarif_scope" != none ]; then
  summary "" "For code scanning: \`$sarif\` holds the $sarif_results finding$([ "$sarif_results" -eq 1 ] || echo s) of the $([ "$sarif_scope" = tree ] && echo "checked-out files" || echo "history of the checked-out commit") (category \`$category\`); upload it with \`github/codeql-action/upload-sarif\`."
fi

if [ "$findings" -gt 0 ] && truthy "${INPUT_FAIL_ON_FINDINGS:-true}"; then
  log "$findings finding(s)"
  exit 1
fi
exit 0
