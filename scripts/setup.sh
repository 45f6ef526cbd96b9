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
# torch, safetensors, gguf and numpy, for the tests that write model files at test time
# (moat protect's robustness set): a venv under .build, made once (~1 GB, ~45 s); the tests
# skip when it is missing. torch is the CPU build (the local wheel when there is one).
venv="$(dirname "$0")/../.build/fixture-python"
if ! "$venv/bin/python" -c "import torch, safetensors, gguf, numpy" 2>/dev/null; then
  echo "setup: making $venv (torch, safetensors, gguf, numpy)" >&2
  torch=$(ls /opt/wheels/torch-*+cpu-*.whl 2>/dev/null | head -1)
  { python3 -m venv "$venv" \
    && "$venv/bin/pip" install -q ${torch:-torch --extra-index-url https://download.pytorch.org/whl/cpu} safetensors gguf numpy; } >/dev/null 2>&1 \
    || echo "setup: could not make $venv; the tests that need it will be skipped" >&2
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "setup: installing ${need[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
