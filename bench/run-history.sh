#!/usr/bin/env bash
# History sweep benchmark (part of `make bench`): moat history against the cost of inflating every
# object once (git cat-file), git log -p, and the peers, on one repository in one sitting.
#   bench/run-history.sh [MOAT_BINARY]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
moat=$(realpath "${1:-$here/../.build/release/moat}")
cache="$here/.cache"
mkdir -p "$cache"
"$here/fetch-peers.sh" >&2
tools="$here/tools"
runs=${RUNS:-5}

repo="$cache/history-repo-12k"
if [ ! -d "$repo" ]; then python3 "$here/make-history-repo.py" "$repo" --commits 12000 >&2; fi
git -C "$repo" reset -q --hard main
echo "## moat history (whole-history sweep)"
echo
echo "Repository: $(git -C "$repo" rev-list --all --count) commits, $(git -C "$repo" rev-list --all --objects | wc -l) objects," \
     "$(git -C "$repo" count-objects -vH | awk '/size-pack/ {print $2, $3}') packed, built by bench/make-history-repo.py from real source files."
echo
hyperfine -N --warmup 1 --runs "$runs" -i --export-markdown "$cache/history.md" \
  -n "git cat-file --batch-all-objects --batch (floor, 1 core)" "sh -c 'git -C $repo cat-file --batch-all-objects --batch > /dev/null'" \
  -n "git cat-file --batch-all-objects --batch --unordered (pack order, 1 core)" "sh -c 'git -C $repo cat-file --batch-all-objects --batch --unordered > /dev/null'" \
  -n "git log -p --all" "sh -c 'git -C $repo log -p --all > /dev/null'" \
  -n "moat history (2 workers)" "$moat history -C $repo --no-progress" \
  -n "moat history --jobs 1" "$moat history -C $repo --no-progress --jobs 1" \
  -n "gitleaks git" "$tools/gitleaks git --no-banner --exit-code 0 $repo" \
  -n "betterleaks git" "$tools/betterleaks git --exit-code 0 $repo" \
  -n "kingfisher scan (history)" "$tools/kingfisher scan $repo --git-history full --no-validate -j 2 --no-update-check" >&2
cat "$cache/history.md"
echo

# The CI case: what a pull request of 100 commits introduces.
echo "## A range: HEAD~100..HEAD"
echo
hyperfine -N --warmup 1 --runs 10 -i --export-markdown "$cache/range.md" \
  -n "moat history HEAD~100..HEAD" "$moat history -C $repo --no-progress HEAD~100..HEAD" \
  -n "betterleaks git --log-opts=HEAD~100..HEAD" "$tools/betterleaks git --exit-code 0 --log-opts=HEAD~100..HEAD $repo" \
  -n "gitleaks git --log-opts=HEAD~100..HEAD" "$tools/gitleaks git --no-banner --exit-code 0 --log-opts=HEAD~100..HEAD $repo" >&2
cat "$cache/range.md"
echo

# A 300 MB weight file added then deleted on a side branch, written straight into a pack as git
# does for big files: classified from its first bytes, without inflating it.
big="$cache/history-bigblob"
if [ ! -d "$big" ]; then
  git clone -q --no-local "$repo" "$big"
  python3 -c "import numpy as np; (np.random.default_rng(1).standard_normal(75_000_000, dtype=np.float32) * 0.02).tofile('$big/model_weights.bin')"
  git -C "$big" -c core.bigFileThreshold=1m add model_weights.bin
  git -C "$big" -c user.name=bench -c user.email=b@example.com commit -qm "add weights"
  git -C "$big" rm -q model_weights.bin
  git -C "$big" -c user.name=bench -c user.email=b@example.com commit -qm "remove weights"
fi
echo "## Peak memory and a 300 MB weight blob in history"
echo
echo "| run | wall | peak RSS |"
echo "| --- | --- | --- |"
for r in "$repo" "$big"; do
  /usr/bin/time -f "%e %M" -o "$cache/time.txt" "$moat" history -C "$r" --no-progress --format json --output "$cache/out.json" || true
  read -r wall rss < <(tail -1 "$cache/time.txt")
  echo "| moat history on $(basename "$r") | ${wall} s | $((rss / 1024)) MB |"
done
for peer in "betterleaks git --exit-code 0" "kingfisher scan --git-history full --no-validate -j 2 --no-update-check" "gitleaks git --no-banner --exit-code 0"; do
  set -- $peer
  tool=$1; shift
  /usr/bin/time -f "%e %M" -o "$cache/time.txt" "$tools/$tool" "$@" "$repo" >/dev/null 2>&1 || true
  read -r wall rss < <(tail -1 "$cache/time.txt")
  echo "| $tool on $(basename "$repo") | ${wall} s | $((rss / 1024)) MB |"
done
echo
echo "The 300 MB blob, as reported:"
echo '```'
"$moat" history -C "$big" --no-progress --color never | grep -A3 model_weights || true
echo '```'
