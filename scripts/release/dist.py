#!/usr/bin/env python3
"""Release archives, their checksums, and the static-binary check, for the release workflow
(.github/workflows/release.yml) and the GitHub Action's download (scripts/action-install.sh).

    dist.py archive --target TRIPLE --binary PATH --version V --out DIR [--include FILE ...]
        ferret-V-TRIPLE.tar.gz (a .zip for Windows targets) holding the folder
        ferret-V-TRIPLE/ with the binary and the included files, and beside it
        ferret-V-TRIPLE.tar.gz.sha256 in `sha256sum` format. The archive is reproducible:
        entries are sorted, owned by 0:0, dated SOURCE_DATE_EPOCH (1980-01-01 if unset),
        and the gzip header carries no time or name, so two builds of one binary give one
        checksum.
    dist.py checksums DIR
        DIR/SHA256SUMS over every other file in DIR (not the .sha256 files), sorted by name,
        in `sha256sum` format: the file the action checks a download against.
    dist.py unpack DIST OUT
        Each archive in DIST, checked against its .sha256 file, unpacked to OUT/TRIPLE/ferret
        (ferret.exe for Windows): the binaries the npm packages are assembled from.
    dist.py docker-context DIST OUT
        The build context of the Dockerfile's `prebuilt` stage: the Linux musl binaries of
        DIST, each checked as `check-static` does, at OUT/linux/amd64/ferret and
        OUT/linux/arm64/ferret. Fails unless both are there.
    dist.py check-static BINARY
        Exit 1 unless BINARY is an ELF executable that needs no dynamic loader and no
        shared library (no PT_INTERP, no DT_NEEDED): the Linux archives and the container
        image promise a binary that runs on any distribution, musl or glibc.

Python 3.8+ and its standard library only: it runs unchanged on the Linux, macOS and
Windows runners, where tar, zip and sha256sum differ or are missing.
"""

import argparse
import gzip
import hashlib
import os
import re
import struct
import sys
import tarfile
import zipfile
from pathlib import Path

SUMS = "SHA256SUMS"
# zip cannot date a file before 1980.
DEFAULT_EPOCH = 315532800


def fail(msg):
    print(f"dist.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def epoch():
    raw = os.environ.get("SOURCE_DATE_EPOCH", "")
    if not raw:
        return DEFAULT_EPOCH
    try:
        return max(int(raw), DEFAULT_EPOCH)
    except ValueError:
        fail(f"SOURCE_DATE_EPOCH is not a number of seconds: {raw!r}")


def is_windows(target):
    return "-windows-" in target


def archive(args):
    binary = Path(args.binary)
    if not binary.is_file():
        fail(f"binary not found: {binary}")
    for inc in args.include:
        if not Path(inc).is_file():
            fail(f"file to include not found: {inc}")
    exe = "ferret.exe" if is_windows(args.target) else "ferret"
    stem = f"ferret-{args.version}-{args.target}"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # (name inside the archive, source path, mode), sorted by name.
    entries = [(f"{stem}/{exe}", binary, 0o755)]
    entries += [(f"{stem}/{Path(inc).name}", Path(inc), 0o644) for inc in args.include]
    entries.sort(key=lambda e: e[0])
    names = [e[0] for e in entries]
    if len(set(names)) != len(names):
        fail(f"two files would have one name in the archive: {names}")
    mtime = epoch()
    if is_windows(args.target):
        path = out / f"{stem}.zip"
        write_zip(path, stem, entries, mtime)
    else:
        path = out / f"{stem}.tar.gz"
        write_tar_gz(path, stem, entries, mtime)
    digest = sha256_of(path)
    Path(f"{path}.sha256").write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    print(path)


def write_tar_gz(path, stem, entries, mtime):
    def info(name, mode, size=0, kind=tarfile.REGTYPE):
        ti = tarfile.TarInfo(name)
        ti.type, ti.mode, ti.size, ti.mtime = kind, mode, size, mtime
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = ""
        return ti

    with open(path, "wb") as f:
        # filename="" and mtime=0: the gzip header holds nothing that changes per build.
        # Level 6: on the 115 MB debug binary 3.8 s against level 9's 14.3 s, for 0.7% more bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=6) as gz:
            with tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                tar.addfile(info(f"{stem}/", 0o755, kind=tarfile.DIRTYPE))
                for name, src, mode in entries:
                    with open(src, "rb") as data:
                        tar.addfile(info(name, mode, size=src.stat().st_size), data)


def write_zip(path, stem, entries, mtime):
    import time

    date = time.gmtime(mtime)[:6]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, src, mode in entries:
            zi = zipfile.ZipInfo(name, date_time=date)
            zi.external_attr = (0o100000 | mode) << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, src.read_bytes())


def checksums(args):
    folder = Path(args.dir)
    if not folder.is_dir():
        fail(f"not a directory: {folder}")
    files = sorted(
        p for p in folder.iterdir() if p.is_file() and p.name != SUMS and not p.name.endswith(".sha256")
    )
    if not files:
        fail(f"nothing to checksum in {folder}")
    lines = [f"{sha256_of(p)}  {p.name}\n" for p in files]
    (folder / SUMS).write_text("".join(lines), encoding="utf-8")
    sys.stdout.write("".join(lines))


ARCHIVE_SUFFIXES = (".tar.gz", ".zip")
# ferret-VERSION-TARGET: the shortest version after which a target triple follows, so a
# pre-release version (0.2.0-rc.1) keeps its dashes.
ARCHIVE_NAME = re.compile(
    r"ferret-(?P<version>\d+\.\d+\.\d+.*?)-"
    r"(?P<target>(?:x86_64|aarch64|i686|armv7|riscv64gc|powerpc64le|s390x)-[a-z0-9_]+-[a-z0-9_]+(?:-[a-z0-9_]+)?)$"
)
# Docker's TARGETARCH for each Linux target the image is made of.
DOCKER_ARCHES = {"x86_64-unknown-linux-musl": "amd64", "aarch64-unknown-linux-musl": "arm64"}


def archives_in(folder):
    """(path, target triple) of each release archive in `folder`, checked against the
    .sha256 file beside it."""
    folder = Path(folder)
    if not folder.is_dir():
        fail(f"not a directory: {folder}")
    found = []
    for path in sorted(folder.iterdir()):
        suffix = next((x for x in ARCHIVE_SUFFIXES if path.name.endswith(x)), None)
        if suffix is None or not path.name.startswith("ferret-"):
            continue
        sums = Path(f"{path}.sha256")
        if not sums.is_file():
            fail(f"{path.name} has no {sums.name} beside it")
        want = sums.read_text(encoding="utf-8").split()[0]
        got = sha256_of(path)
        if want != got:
            fail(f"checksum mismatch for {path.name}: {sums.name} says {want}, the file is {got}")
        m = ARCHIVE_NAME.match(path.name[: -len(suffix)])
        if m is None:
            fail(f"{path.name} is not named ferret-VERSION-TARGET")
        found.append((path, m.group("target")))
    if not found:
        fail(f"no ferret-*.tar.gz or ferret-*.zip archive in {folder}")
    return found


def extract_binary(path, target, dest):
    """Writes the binary of one archive to `dest`."""
    exe = "ferret.exe" if is_windows(target) else "ferret"
    stem = path.name[: -len(".zip")] if path.name.endswith(".zip") else path.name[: -len(".tar.gz")]
    member = f"{stem}/{exe}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path) as z:
            try:
                data = z.read(member)
            except KeyError:
                fail(f"{path.name} holds no {member}")
    else:
        with tarfile.open(path, "r:gz") as tar:
            try:
                f = tar.extractfile(member)
            except KeyError:
                f = None
            if f is None:
                fail(f"{path.name} holds no {member}")
            data = f.read()
    dest.write_bytes(data)
    dest.chmod(0o755)


def unpack(args):
    out = Path(args.out)
    for path, target in archives_in(args.dist):
        dest = out / target / ("ferret.exe" if is_windows(target) else "ferret")
        extract_binary(path, target, dest)
        print(dest)


def docker_context(args):
    out = Path(args.out)
    done = {}
    for path, target in archives_in(args.dist):
        arch = DOCKER_ARCHES.get(target)
        if arch is None:
            continue
        dest = out / "linux" / arch / "ferret"
        extract_binary(path, target, dest)
        problems = static_problems(dest)
        if problems:
            fail(f"{path.name}: the binary is not a static executable: {'; '.join(problems)}")
        done[arch] = dest
    missing = [a for a in DOCKER_ARCHES.values() if a not in done]
    if missing:
        fail(f"no Linux musl archive for {', '.join(missing)} in {args.dist}")
    for dest in done.values():
        print(dest)


PT_DYNAMIC, PT_INTERP, DT_NEEDED = 2, 3, 1


def static_problems(path):
    """Why the ELF file at `path` is not a static executable; empty when it is."""
    data = Path(path).read_bytes()
    if data[:4] != b"\x7fELF":
        return ["not an ELF file"]
    bits = {1: 32, 2: 64}.get(data[4])
    order = {1: "<", 2: ">"}.get(data[5])
    if bits is None or order is None:
        return ["an ELF file of an unknown class or byte order"]
    if bits == 64:
        e_phoff, = struct.unpack_from(order + "Q", data, 0x20)
        e_phentsize, e_phnum = struct.unpack_from(order + "HH", data, 0x36)
    else:
        e_phoff, = struct.unpack_from(order + "I", data, 0x1C)
        e_phentsize, e_phnum = struct.unpack_from(order + "HH", data, 0x2A)
    problems = []
    for i in range(e_phnum):
        off = e_phoff + i * e_phentsize
        if bits == 64:
            p_type, _flags, p_offset, _vaddr, _paddr, p_filesz = struct.unpack_from(order + "IIQQQQ", data, off)
        else:
            p_type, p_offset, _vaddr, _paddr, p_filesz = struct.unpack_from(order + "IIIII", data, off)
        if p_type == PT_INTERP:
            interp = data[p_offset : p_offset + p_filesz].rstrip(b"\0").decode(errors="replace")
            problems.append(f"needs the dynamic loader {interp}")
        elif p_type == PT_DYNAMIC:
            size = 16 if bits == 64 else 8
            fmt = order + ("qQ" if bits == 64 else "iI")
            for j in range(p_filesz // size):
                tag, _val = struct.unpack_from(fmt, data, p_offset + j * size)
                if tag == 0:
                    break
                if tag == DT_NEEDED:
                    problems.append("links shared libraries (DT_NEEDED)")
                    break
    return problems


def check_static(args):
    if not Path(args.binary).is_file():
        fail(f"binary not found: {args.binary}")
    problems = static_problems(args.binary)
    if problems:
        fail(f"{args.binary} is not a static executable: {'; '.join(problems)}")
    print(f"{args.binary}: static executable")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("archive", help="archive a binary with its checksum file")
    a.add_argument("--target", required=True, help="the Rust target triple it was built for")
    a.add_argument("--binary", required=True)
    a.add_argument("--version", required=True)
    a.add_argument("--out", required=True)
    a.add_argument("--include", action="append", default=[], help="a file to put beside the binary")
    a.set_defaults(run=archive)
    c = sub.add_parser("checksums", help="write DIR/SHA256SUMS")
    c.add_argument("dir")
    c.set_defaults(run=checksums)
    u = sub.add_parser("unpack", help="unpack each release archive's binary")
    u.add_argument("dist")
    u.add_argument("out")
    u.set_defaults(run=unpack)
    d = sub.add_parser("docker-context", help="stage the Linux binaries for the Dockerfile")
    d.add_argument("dist")
    d.add_argument("out")
    d.set_defaults(run=docker_context)
    s = sub.add_parser("check-static", help="fail unless an ELF binary is statically linked")
    s.add_argument("binary")
    s.set_defaults(run=check_static)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
