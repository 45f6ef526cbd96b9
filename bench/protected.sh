#!/usr/bin/env bash
# Cost of protected-model matching (BENCHMARKS.md, "Protected models"): a multi-GB safetensors
# generated here (never committed), registered, then verified and scanned; and the pre-commit
# hook with a registry and no tensor file staged. Usage: bench/protected.sh [MOAT] [SCALE]
set -euo pipefail
MOAT=$(realpath "${1:-.build/release/moat}")
SCALE=${2:-24}
PY=${MOAT_FIXTURE_PYTHON:-/tmp/venv/fx/bin/python}
DIR=$(mktemp -d /tmp/moat-protected-bench.XXXX)
trap 'rm -rf "$DIR"' EXIT
"$PY" scripts/fixtures/protected.py "$DIR/m" --scale "$SCALE" --only-base
ls -l "$DIR/m/acme.safetensors"
cd "$DIR/m"
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
/usr/bin/time -f "protect add: %e s, %M KB peak" "$MOAT" protect add --name acme --registry reg.json acme.safetensors
ls -l reg.json
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
/usr/bin/time -f "protect verify (cold cache): %e s" "$MOAT" protect verify --registry reg.json acme.safetensors | head -1 || true
/usr/bin/time -f "protect verify (warm cache): %e s" "$MOAT" protect verify --registry reg.json acme.safetensors | head -1 || true
/usr/bin/time -f "scan --no-secrets without registry: %e s" "$MOAT" scan --no-secrets acme.safetensors >/dev/null || true
/usr/bin/time -f "scan --no-secrets --protected: %e s" "$MOAT" scan --no-secrets --protected reg.json acme.safetensors >/dev/null || true
# The hook: a repository with the registry in .moat.yaml and only code staged.
git init -q "$DIR/repo" && cd "$DIR/repo"
cp "$DIR/m/reg.json" acme.registry.json
printf 'protected: [acme.registry.json]\n' > .moat.yaml
printf 'print(1)\n' > main.py
git add main.py .moat.yaml
for i in 1 2 3; do /usr/bin/time -f "moat staged, registry configured, no tensor staged: %e s" "$MOAT" staged >/dev/null; done
