#!/usr/bin/env python3
"""Writes a corpus of real source text for bench/match.sh: the text files at HEAD of the local
Swift package mirrors (/opt/swift-packages/*/*.git), back to back in PREFIX.bin, with each file's
start offset on a line of PREFIX.idx. Deterministic: repositories and paths in sorted order.

Usage: bench/match-corpus.py PREFIX [MEGABYTES]   (default 100)
"""
import glob
import os
import subprocess
import sys

TEXT = ('.swift', '.c', '.h', '.cc', '.cpp', '.hpp', '.m', '.py', '.md', '.txt', '.json', '.yaml', '.yml',
        '.sh', '.js', '.ts', '.html', '.css', '.go', '.rs', '.java', '.rb', '.toml', '.proto', '.cmake', '.in')


def main():
    prefix = sys.argv[1]
    limit = int(float(sys.argv[2]) * 1_000_000) if len(sys.argv) > 2 else 100_000_000
    repos = sorted(glob.glob('/opt/swift-packages/*/*.git'))
    total = 0
    offsets = []
    with open(prefix + '.bin.tmp', 'wb') as out:
        for repo in repos:
            if total >= limit:
                break
            try:
                listing = subprocess.run(['git', '-C', repo, 'ls-tree', '-r', '-l', 'HEAD'], capture_output=True, check=True).stdout
            except subprocess.CalledProcessError:
                continue
            wanted = []
            for line in listing.decode('utf-8', 'replace').splitlines():
                meta, path = line.split('\t', 1)
                mode, kind, sha, size = meta.split()
                if kind == 'blob' and size != '-' and 0 < int(size) < 2_000_000 and path.lower().endswith(TEXT):
                    wanted.append(sha)
            if not wanted:
                continue
            batch = subprocess.run(['git', '-C', repo, 'cat-file', '--batch'], input=('\n'.join(wanted) + '\n').encode(),
                                   capture_output=True, check=True).stdout
            pos = 0
            while pos < len(batch) and total < limit:
                header_end = batch.index(b'\n', pos)
                size = int(batch[pos:header_end].split()[2])
                data = batch[header_end + 1:header_end + 1 + size]
                pos = header_end + 1 + size + 1
                if b'\0' in data:
                    continue
                offsets.append(total)
                out.write(data)
                total += len(data)
    os.replace(prefix + '.bin.tmp', prefix + '.bin')
    with open(prefix + '.idx', 'w') as idx:
        idx.write('\n'.join(map(str, offsets)) + '\n')
    print(f'corpus: {total / 1e6:.1f} MB in {len(offsets)} files from {len(repos)} mirrors', file=sys.stderr)


if __name__ == '__main__':
    main()
