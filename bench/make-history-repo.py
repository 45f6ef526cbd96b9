#!/usr/bin/env python3
"""Builds a deterministic git repository with a long history out of real source code.

The commits replay real files from the local Swift package mirrors (/opt/swift-packages): each
package's tree is added in turn, and between additions small edits touch a few files per commit,
as day-to-day development does. Used by bench/run.sh for `moat staged` and history sweeps.

usage: make-history-repo.py DEST [--commits N]
"""
import argparse
import os
import random
import subprocess
import sys

MIRRORS = "/opt/swift-packages"
PACKAGES = ["apple/swift-nio", "apple/swift-collections", "apple/swift-crypto", "apple/swift-protobuf",
            "groue/GRDB.swift", "vapor/vapor", "apple/swift-argument-parser", "swiftlang/swift-syntax",
            "apple/swift-log", "apple/swift-nio-ssl", "apple/swift-nio-http2", "jpsim/Yams",
            "apple/swift-openapi-generator", "hummingbird-project/hummingbird", "apple/swift-certificates"]


def git(*args, cwd=None, input=None):
    return subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True, check=True).stdout


def package_files(name):
    """(path, bytes) of every regular file at the mirror's HEAD, text files only, under 256 KB."""
    repo = os.path.realpath(os.path.join(MIRRORS, name + ".git"))
    if not os.path.isdir(repo):
        return []
    listing = git("ls-tree", "-r", "-z", "HEAD", cwd=repo).split(b"\0")
    entries = []
    for line in listing:
        if not line:
            continue
        meta, path = line.split(b"\t", 1)
        mode, kind, oid = meta.split()
        if kind == b"blob" and mode in (b"100644", b"100755"):
            entries.append((path, oid))
    batch = git("cat-file", "--batch", cwd=repo, input=b"\n".join(o for _, o in entries) + b"\n")
    files, pos = [], 0
    for path, oid in entries:
        header_end = batch.index(b"\n", pos)
        size = int(batch[pos:header_end].split()[2])
        data = batch[header_end + 1: header_end + 1 + size]
        pos = header_end + 1 + size + 1
        if size <= 256 * 1024 and b"\0" not in data[:8000]:
            files.append((name.split("/")[1].encode() + b"/" + path, data))
    return files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dest")
    ap.add_argument("--commits", type=int, default=6000)
    args = ap.parse_args()
    rnd = random.Random(42)
    if os.path.exists(args.dest):
        sys.exit(f"{args.dest} exists")
    git("init", "-q", "-b", "main", args.dest)
    packages = [p for p in PACKAGES if os.path.isdir(os.path.realpath(os.path.join(MIRRORS, p + ".git")))]
    every = max(1, args.commits // max(1, len(packages)))
    tree = {}
    out = []
    mark = 0
    when = 1_600_000_000

    def blob(data):
        nonlocal mark
        mark += 1
        out.append(b"blob\nmark :%d\ndata %d\n" % (mark, len(data)) + data + b"\n")
        return mark

    pending = list(packages)
    for i in range(args.commits):
        changes = []
        if pending and (i % every == 0):
            for path, data in package_files(pending.pop(0)):
                tree[path] = data
                changes.append((path, blob(data)))
        else:
            for path in rnd.sample(sorted(tree), k=min(len(tree), rnd.randint(1, 4))):
                lines = tree[path].split(b"\n")
                at = rnd.randrange(len(lines) + 1)
                lines.insert(at, b"// change %d: %s" % (i, rnd.randbytes(6).hex().encode()))
                tree[path] = b"\n".join(lines)
                changes.append((path, blob(tree[path])))
        when += 3600
        msg = b"commit %d\n" % i
        out.append(b"commit refs/heads/main\ncommitter Bench <bench@example.com> %d +0000\ndata %d\n%s" % (when, len(msg), msg))
        for path, m in changes:
            out.append(b"M 100644 :%d %s\n" % (m, path))
        out.append(b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=args.dest, input=b"".join(out), check=True)
    git("checkout", "-q", "main", cwd=args.dest)
    git("gc", "-q", cwd=args.dest)
    count = git("rev-list", "--count", "HEAD", cwd=args.dest).decode().strip()
    print(f"{args.dest}: {count} commits, {len(tree)} files at HEAD")


if __name__ == "__main__":
    main()
