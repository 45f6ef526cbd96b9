#!/usr/bin/env bash
# Throughput of the secret-matching engine (MoatMatch) per core on ~100 MB of real source text,
# with the rules of Patterns/secrets-*.yaml (or any rule file given with --rules), plus the
# one-time vectorscan database compile and the cached load. Release build in .build-release.
#   bench/match.sh [--rules FILE] [--threads N]
#   MOAT_BENCH_REFERENCE=1 bench/match.sh   # also check against one full PCRE2 pass per rule
#   bench/match.sh --gitleaks     # gitleaks' default rules instead (needs bench/tools/gitleaks,
#                                 # see bench/fetch-peers.sh), converted to bench/.cache/gitleaks-rules.tsv
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/.cache
corpus=bench/.cache/match-corpus
[ -f "$corpus.bin" ] || python3 bench/match-corpus.py "$corpus" 100
rules=(--rules Patterns)
if [ "${1:-}" = "--gitleaks" ]; then
  shift
  tool=${GITLEAKS:-bench/tools/gitleaks}
  [ -x "$tool" ] || { echo "match.sh: no $tool (run bench/fetch-peers.sh)" >&2; exit 2; }
  python3 bench/gitleaks-rules.py "$tool" > bench/.cache/gitleaks-rules.tsv
  rules=(--rules bench/.cache/gitleaks-rules.tsv)
fi
swift build -c release --scratch-path .build-release --product moat-bench-match >&2
.build-release/release/moat-bench-match --corpus "$corpus" "${rules[@]}" --cache bench/.cache/vectorscan "$@"
