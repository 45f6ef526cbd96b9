#!/usr/bin/env bash
# A history sweep with a registry of 10 protected models (BENCHMARKS.md, "Protected models"):
# ten models of the robustness shape (seeds 1-10, scale 2: 6.8M parameters each) registered in one
# registry, then `moat history` on the benchmark repository with and without `--protected`, and
# on a copy of it whose last commit adds one protected model as bf16 under another name.
# Usage: bench/protected-history.sh [MOAT] [REPO]   (REPO: bench/.cache/history-repo-12k)
set -euo pipefail
MOAT=$(realpath "${1:-.build/release/moat}")
REPO=$(realpath "${2:-bench/.cache/history-repo-12k}")
PY=${MOAT_FIXTURE_PYTHON:-.build/fixture-python/bin/python}
DIR=$(mktemp -d /tmp/moat-protected-history.XXXX)
trap 'rm -rf "$DIR"' EXIT
"$PY" - "$DIR" <<'PY'
import sys, torch
sys.path.insert(0, "scripts/fixtures")
from protected import model
from safetensors.torch import save_file
out = sys.argv[1]
for seed in range(1, 11):
    sd = model(seed, 1024, 512, 2048, 2)
    save_file({k: v.contiguous() for k, v in sd.items()}, f"{out}/model{seed}.safetensors")
sd = model(4, 1024, 512, 2048, 2)
save_file({f"w{i}": v.to(torch.bfloat16).contiguous() for i, v in enumerate(sd.values())}, f"{out}/leak.safetensors")
PY
for seed in $(seq 1 10); do "$MOAT" protect add --name "model$seed" --registry "$DIR/reg.json" "$DIR/model$seed.safetensors" >/dev/null; done
ls -l "$DIR/reg.json"
git clone -q --no-local "$REPO" "$DIR/leaky"
cp "$DIR/leak.safetensors" "$DIR/leaky/assets.bin"
git -C "$DIR/leaky" add assets.bin
git -C "$DIR/leaky" -c user.name=b -c user.email=b@example.com commit -q -m "assets"
hyperfine -N -i --warmup 1 --runs "${RUNS:-5}" \
  "$MOAT history --no-progress -C $REPO" \
  "$MOAT history --no-progress -C $REPO --protected $DIR/reg.json" \
  "$MOAT history --no-progress -C $DIR/leaky --protected $DIR/reg.json"
"$MOAT" history --no-progress -C "$DIR/leaky" --protected "$DIR/reg.json" --format json | "$PY" -c "
import json, sys
d = json.load(sys.stdin)
print([ (f['path'], f['rule'], f['summary']['details'].get('protected.matched_tensors')) for f in d['findings'] if f['category'] == 'protected-model'])"
