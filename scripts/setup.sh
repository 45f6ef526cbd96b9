#!/usr/bin/env bash
# Installs the Debian packages moat builds against, when they are missing.
set -euo pipefail
need=()
pkg-config --exists libgit2 2>/dev/null || need+=(libgit2-dev)
pkg-config --exists zlib 2>/dev/null || need+=(zlib1g-dev)
pkg-config --exists libpcre2-8 2>/dev/null || need+=(libpcre2-dev)
pkg-config --exists libhs 2>/dev/null || need+=(libvectorscan-dev)
pkg-config --exists libdeflate 2>/dev/null || need+=(libdeflate-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v git >/dev/null || need+=(git)
# pre-commit, for the test of .pre-commit-hooks.yaml (optional: that test is skipped without it).
command -v pre-commit >/dev/null || python3 -m pip install -q pre-commit >/dev/null 2>&1 || true
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "setup: installing ${need[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
