#!/usr/bin/env bash
# Makes a throwaway repository, plants real artifacts from Tests/Fixtures in it, installs the
# pre-commit hook and shows moat blocking the commit. Nothing outside a temp folder is touched.
set -uo pipefail
moat=$(realpath "${1:-.build/release/moat}")
fixtures=$(realpath "$(dirname "$0")/../Tests/Fixtures/positive")
demo=$(mktemp -d /tmp/moat-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
cd "$demo"
git init -q -b main .
git config user.name demo; git config user.email demo@example.com; git config commit.gpgsign false
echo "# demo project" > README.md && git add README.md && git commit -qm init

echo "== a throwaway repository in $demo"
"$moat" hook install
mkdir -p checkpoint-500 assets
cp "$fixtures/optimizer.pt" checkpoint-500/optimizer.pt
cp "$fixtures/tiny-llama.safetensors" assets/data.bin                 # weights renamed to data.bin
for i in 1 2 3 4 5 6 7 8; do cat "$fixtures/grads.bin"; done > grads.bin # 1 MB gradient dump from torch
cp "$fixtures/../negative/noise.png" assets/logo.png                    # an ordinary image
cp "$fixtures/../negative/lfs/model.safetensors" model.safetensors      # an LFS pointer: fine
echo 'print("train")' > train.py
echo 'HF_TOKEN=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' > .env               # a (fake) Hugging Face token
git add -A
echo
echo "== git commit (the hook runs 'moat staged')"
git commit -qm "add training outputs"
echo "(git commit exited with $?: the commit was blocked)"
echo
echo "== the same as JSON: moat staged --format json (first 40 lines)"
"$moat" staged --format json > "$demo/report.json"
status=$?
head -40 "$demo/report.json"
echo "(moat staged exited with $status: 1 means blocking findings, as expected here)"
echo
echo "== demo done: moat blocked the weights, the checkpoint, the gradients and the token"
exit 0
