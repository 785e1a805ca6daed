#!/usr/bin/env python3
"""Writes a commit's files under a folder exactly as the blobs hold them.

    export-commit.py GIT_DIR COMMIT DEST [SKIPPED_LIST]

No attributes (so no export-ignore and no line-ending conversion), symlinks as symlinks,
executables kept executable; submodules are left out, and blobs a snapshot lacks are left
out and counted (appended to SKIPPED_LIST as DEST's name/path when it is given). Used by
scripts/bench/corpus.sh and scripts/clean-corpus.sh.
"""
import os
import subprocess
import sys

gitdir, commit, dest = sys.argv[1:4]
skipped = sys.argv[4] if len(sys.argv) > 4 else None
listing = subprocess.run(["git", "--git-dir", gitdir, "ls-tree", "-r", "-z", commit],
                         check=True, stdout=subprocess.PIPE).stdout
files = []
for rec in filter(None, listing.split(b"\0")):
    head, path = rec.split(b"\t", 1)
    mode, kind, oid = head.split()
    if kind == b"blob":
        files.append((mode, oid, path))
cat = subprocess.Popen(["git", "--git-dir", gitdir, "cat-file", "--batch"],
                       stdin=subprocess.PIPE, stdout=subprocess.PIPE)
missing = []
for mode, oid, path in files:
    cat.stdin.write(oid + b"\n")
    cat.stdin.flush()
    header = cat.stdout.readline().split()
    if header[-1] == b"missing":
        missing.append(path)
        continue
    data = cat.stdout.read(int(header[2]))
    cat.stdout.read(1)
    target = os.path.join(os.fsencode(dest), path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if mode == b"120000":
        os.symlink(data, target)
        continue
    with open(target, "wb") as f:
        f.write(data)
    if mode == b"100755":
        os.chmod(target, 0o755)
cat.stdin.close()
cat.wait()
if skipped:
    with open(skipped, "ab") as f:
        for p in missing:
            f.write(os.path.basename(dest).encode() + b"/" + p + b"\n")
print(f"{len(files) - len(missing)} files, {len(missing)} missing from the source",
      file=sys.stderr)
