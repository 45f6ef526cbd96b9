#!/usr/bin/env bash
# Differential secrets benchmark (see bench/secrets-diff.py and BENCHMARKS.md, section "Secrets:
# recall and false positives against the peers"). Fetches the peers' public repositories at bench
# time (bare, shallow; never committed), builds the labelled set and scores moat and every peer
# binary found in bench/tools (bench/fetch-peers.sh downloads gitleaks, betterleaks, kingfisher).
#   bench/secrets-diff.sh [MOAT_BINARY]     (default .build/release/moat, else .build/debug/moat)
# MIRRORS=dir reuses existing mirrors laid out as OWNER+NAME/repo (bare); OUT=dir sets the output.
set -euo pipefail
cd "$(dirname "$0")/.."
MOAT=${1:-$( [ -x .build/release/moat ] && echo .build/release/moat || echo .build/debug/moat )}
MIRRORS=${MIRRORS:-bench/.cache/peer-repos}
OUT=${OUT:-bench/.cache/secrets-diff}
mkdir -p "$MIRRORS"
for repo in gitleaks/gitleaks mongodb/kingfisher praetorian-inc/noseyparker trufflesecurity/trufflehog Samsung/CredSweeper; do
  dir="$MIRRORS/${repo/\//+}/repo"
  [ -d "$dir" ] || git clone -q --bare --depth 1 "https://github.com/$repo" "$dir"
  echo "$repo $(git --git-dir "$dir" log -1 --format='%h %cs')"
done
bench/fetch-peers.sh >/dev/null
rm -rf "$OUT"
python3 bench/secrets-diff.py build "$MIRRORS" "$OUT"
python3 bench/secrets-diff.py score "$OUT" --moat "$MOAT" --tools bench/tools
