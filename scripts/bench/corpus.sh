#!/usr/bin/env bash
# Builds the benchmark corpora under $CORPORA_DIR (default /tmp/corpora) from public
# repositories at pinned commits:
#   history-git.git/  git/git's master history (one ref, no tags): the history audit
#   tree/             the files of six repositories' pinned trees, no .git: the tree scan
#   precommit/        a clone of history-git.git with 20 files changed and staged, five of
#                     them holding synthetic credentials made here: the pre-commit scan
#   MANIFEST.txt      sources, commits, sizes and counts
#
#   scripts/bench/corpus.sh [all|history|tree|precommit|manifest]
#
# Sources: with MIRROR_ROOT set, local bare snapshots named <owner>+<name> (a git directory,
# or one called `repo` inside); otherwise `git clone --mirror` from GitHub into
# $CORPORA_DIR/mirrors (about 1.5 GB, once). A pinned commit missing from a source is an
# error unless PIN_FALLBACK=head, which takes the source's HEAD and says so. A finished
# corpus is kept unless FORCE=1. Each one is built in a temporary folder and renamed into
# place, so an interrupted run leaves nothing half-made.
set -euo pipefail

EXPORT_COMMIT=$(cd "$(dirname "$0")" && pwd)/export-commit.py
corpora=${CORPORA_DIR:-/tmp/corpora}
force=${FORCE:-0}
fallback=${PIN_FALLBACK:-fail}
history_src="git/git 1a3e64c6c4a623626ff0687008732a8e007e2a1c"
tree_srcs=(
  "duckdb/duckdb 044a04a7cd39e6e8235f756597ae42dde084e5e5"
  "moby/moby b985e2313a8676e18072b442911fc8f64f17d440"
  "apache/kafka 1eb7644349cb07139d6a3c1ad1986979647cac99"
  "git/git 1a3e64c6c4a623626ff0687008732a8e007e2a1c"
  "trufflesecurity/trufflehog 3ab759fef4bb5935d4fe9ac68b503d05346b8364"
  "gitleaks/gitleaks b58d3f102cf3a2c84cb7f923d05c25c9b1aed84b"
)
mkdir -p "$corpora"
say() { echo "corpus: $*" >&2; }
die() { say "$*"; exit 2; }

source_git() { # owner/name -> a git directory holding its history
  local slug=${1/\//+}
  if [ -n "${MIRROR_ROOT:-}" ]; then
    local d
    for d in "$MIRROR_ROOT/$slug/repo" "$MIRROR_ROOT/$slug"; do
      git --git-dir="$d" rev-parse --git-dir >/dev/null 2>&1 && { echo "$d"; return; }
    done
    die "no snapshot of $1 under $MIRROR_ROOT (expected $slug/)"
  fi
  local m="$corpora/mirrors/$slug.git"
  if [ ! -f "$m/.complete" ]; then
    say "cloning https://github.com/$1 (mirror, once)"
    rm -rf "$m"
    git clone -q --mirror "https://github.com/$1.git" "$m"
    touch "$m/.complete"
  fi
  echo "$m"
}

pinned() { # git-dir commit -> the commit to use
  if git --git-dir="$1" cat-file -e "$2^{commit}" 2>/dev/null; then echo "$2"; return; fi
  [ "$fallback" = head ] || die "commit $2 is not in $1 (PIN_FALLBACK=head takes HEAD instead)"
  say "WARNING: $2 is not in $1; using its HEAD"
  git --git-dir="$1" rev-parse HEAD
}

history() {
  local dst=$corpora/history-git.git
  [ -f "$dst/.complete" ] && [ "$force" != 1 ] && { say "history: kept"; return; }
  local repo=${history_src% *} g c
  g=$(source_git "$repo"); c=$(pinned "$g" "${history_src#* }")
  rm -rf "$dst" "$dst.part"
  git init -q --bare -b master "$dst.part"
  # Through file:// so the pack holds exactly what this one commit reaches.
  say "history: $repo at $c"
  git -C "$dst.part" fetch -q --no-tags "file://$(cd "$g" && pwd)" "$c:refs/heads/master"
  echo "$repo $c" >"$dst.part/.complete"
  mv "$dst.part" "$dst"
}

# A commit's files under a folder exactly as the blobs hold them: export-commit.py says how.
export_commit() { # git-dir commit dest [skipped-list]
  python3 "$EXPORT_COMMIT" "$@"
}

tree() {
  local dst=$corpora/tree
  [ -f "$corpora/tree.complete" ] && [ -d "$dst" ] && [ "$force" != 1 ] && { say "tree: kept"; return; }
  rm -rf "$dst" "$dst.part" "$corpora/tree.complete"
  mkdir -p "$dst.part"
  : >"$corpora/tree.skipped"; : >"$corpora/tree.sources"
  local s repo g c
  for s in "${tree_srcs[@]}"; do
    repo=${s% *}
    g=$(source_git "$repo"); c=$(pinned "$g" "${s#* }")
    say "tree: $repo at $c -> tree/${repo#*/}"
    export_commit "$g" "$c" "$dst.part/${repo#*/}" "$corpora/tree.skipped"
    echo "$repo $c tree/${repo#*/}" >>"$corpora/tree.sources"
  done
  mv "$dst.part" "$dst"
  touch "$corpora/tree.complete"
}

# The staged change: every 20th tracked *.c file (in ls-files order, 20 files) gets one
# edited line and a small function inserted at line 13; five of them also get a credential
# built from a fixed seed (a SHA-256 stream), so every build stages the same bytes.
precommit() {
  local dst=$corpora/precommit
  [ -f "$dst/.git/bench-complete" ] && [ "$force" != 1 ] && { say "precommit: kept"; return; }
  [ -f "$corpora/history-git.git/.complete" ] || history
  rm -rf "$dst" "$dst.part"
  say "precommit: cloning history-git.git and staging the change"
  git clone -q "$corpora/history-git.git" "$dst.part"
  git -C "$dst.part" ls-files -- '*.c' | awk 'NR % 20 == 1' | head -n 20 >"$corpora/precommit.files"
  python3 - "$dst.part" "$corpora/precommit.files" <<'PY'
import hashlib, os, sys
root, listing = sys.argv[1:]
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

def stream(seed, n, alphabet=ALNUM):
    chars, block = [], 0
    while len(chars) < n:
        digest = hashlib.sha256(f"ferret-bench/{seed}/{block}".encode()).digest()
        chars.extend(alphabet[b % len(alphabet)] for b in digest)
        block += 1
    return "".join(chars[:n])

# Prefixes are joined from pieces so this script holds no credential-shaped text.
credentials = {
    2: lambda i: [f'static const char *gh_token = "{"gh" "p_"}{stream(i, 36)}";'],
    6: lambda i: [f'static const char *aws_id = "{"AK" "IA"}{stream(i, 16, BASE32)}";',
                  f'static const char *aws_secret_access_key = "{stream(i + 100, 40, ALNUM + "+/")}";'],
    10: lambda i: [f'static const char *stripe = "{"sk" "_live_"}{stream(i, 24)}";'],
    14: lambda i: [f'static const char *slack = "{"xo" "xb-"}{stream(i, 11, "0123456789")}-'
                   f'{stream(i + 1, 12, "0123456789")}-{stream(i + 2, 24)}";'],
    18: lambda i: [f'static const char *webhook_secret = "{"wh" "sec_"}{stream(i, 32)}";'],
}
paths = [p.strip() for p in open(listing) if p.strip()]
assert len(paths) == 20, paths
for i, path in enumerate(paths):
    full = os.path.join(root, path)
    lines = open(full, "rb").read().split(b"\n")
    for k, line in enumerate(lines):
        if line == b"}":
            lines[k] = b"} /* bench edit */"
            break
    block = [f"/* bench: staged change {i:02d} */", f"static int bench_counter_{i:02d}(int x)",
             "{", f"\tint y = x * {i + 3} + {i * 7};", "\tif (y < 0)", "\t\treturn -y;",
             "\treturn y;", "}"]
    block += credentials.get(i, lambda _: [])(i)
    block += [f"/* end bench change {i:02d} */", ""]
    at = min(len(lines), 12)
    lines[at:at] = [b.encode() for b in block]
    open(full, "wb").write(b"\n".join(lines))
PY
  xargs git -C "$dst.part" add -- <"$corpora/precommit.files"
  git -C "$dst.part" remote set-url origin "$corpora/history-git.git"
  touch "$dst.part/.git/bench-complete"
  mv "$dst.part" "$dst"
}

manifest() {
  local h=$corpora/history-git.git
  {
    echo "# corpora, $(date -u +%Y-%m-%dT%H:%MZ)"
    if [ -d "$h" ]; then
      echo "## history-git.git: $(cat "$h/.complete")"
      echo "commits $(git -C "$h" rev-list --count --all)"
      git -C "$h" rev-list --objects --all | cut -d ' ' -f 1 |
        git -C "$h" cat-file --batch-check='%(objecttype) %(objectsize)' |
        awk '$1 == "blob" { n++; s += $2 } END { printf "unique blobs %d, %.0f bytes\n", n, s }'
      echo "pack bytes $(du -sb "$h/objects/pack" | cut -f 1)"
    fi
    if [ -d "$corpora/tree" ]; then
      echo "## tree"
      cat "$corpora/tree.sources"
      echo "files $(find "$corpora/tree" -type f | wc -l)," \
        "bytes $(find "$corpora/tree" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s }')," \
        "missing from the sources $(wc -l <"$corpora/tree.skipped")"
    fi
    if [ -d "$corpora/precommit" ]; then
      echo "## precommit"
      git -C "$corpora/precommit" diff --cached --shortstat
    fi
  } | tee "$corpora/MANIFEST.txt"
}

case ${1:-all} in
  history) history ;;
  tree) tree ;;
  precommit) precommit ;;
  manifest) manifest ;;
  all) history; tree; precommit; manifest ;;
  *) echo "usage: scripts/bench/corpus.sh [all|history|tree|precommit|manifest]" >&2; exit 2 ;;
esac
