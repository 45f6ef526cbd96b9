#!/usr/bin/env bash
# moat's benchmark command (`make bench`). Prints markdown tables for BENCHMARKS.md.
#   bench/run.sh [MOAT_BINARY]
# Needs hyperfine (apt-get install hyperfine) and python3 with numpy; downloads the peers from PyPI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
moat=$(realpath "${1:-$here/../.build/release/moat}")
cache="$here/.cache"
mkdir -p "$cache"
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
"$here/fetch-peers.sh" >&2
tools="$here/tools"

echo "## Machine"
echo
echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)"
echo "moat $("$moat" --version), $("$tools/gitleaks" version 2>/dev/null | head -1 | sed 's/^/gitleaks /')"
echo

# --- 1. moat staged on a repository with a long history and a realistic staged change --------
repo="$cache/history-repo"
if [ ! -d "$repo" ]; then python3 "$here/make-history-repo.py" "$repo" --commits 6000 >&2; fi
git -C "$repo" reset -q --hard main
git -C "$repo" clean -qfdx
# The change: three edited source files and one new 70 KB file.
for f in $(git -C "$repo" ls-files '*.swift' | head -3); do echo "// edited for the benchmark" >> "$repo/$f"; done
git -C "$repo" ls-files '*.swift' | tail -40 | (cd "$repo" && xargs cat) > "$cache/new-file.tmp"
head -c 70000 "$cache/new-file.tmp" > "$repo/NewFeature.swift"
git -C "$repo" add -A
echo "## moat staged (pre-commit hook path)"
echo
echo "Repository: $(git -C "$repo" rev-list --count HEAD) commits, $(git -C "$repo" ls-files | wc -l) files, $(du -sh "$repo/.git" | cut -f1) .git;"
echo "staged: $(git -C "$repo" diff --cached --name-only | wc -l) files ($(git -C "$repo" diff --cached --stat | tail -1 | sed 's/^ //'))."
echo
hyperfine -N --warmup 3 --runs 30 -i --export-markdown "$cache/staged.md" \
  -n "moat staged" "$moat staged -C $repo" \
  -n "git diff --cached --name-only (floor)" "git -C $repo diff --cached --name-only" \
  -n "gitleaks git --staged" "$tools/gitleaks git --staged --no-banner $repo" >&2
cat "$cache/staged.md"
echo
git -C "$repo" reset -q --hard main

# --- 2. moat history (a separate script, it takes longer) ---------------------------------------
"$here/run-history.sh" "$moat"
echo

# --- 3. moat scan of a directory holding GBs of weights ---------------------------------------
big="$cache/weights-dir"
if [ ! -f "$big/.done" ]; then
  rm -rf "$big"; mkdir -p "$big"
  python3 "$here/make-weights-dir.py" "$big" >&2
  touch "$big/.done"
fi
echo "## moat scan of a folder of large weights"
echo
echo "Folder: $(find "$big" -type f ! -name .done | wc -l) files, $(du -sh --apparent-size "$big" | cut -f1) ($(ls "$big" | grep -v done | tr '\n' ' '))."
echo
hyperfine -N --warmup 2 --runs 20 -i --export-markdown "$cache/bigdir.md" \
  -n "moat scan (content of every file)" "$moat scan --no-ignore $big" \
  -n "cat every file > /dev/null (reading it all)" "sh -c 'cat $big/* > /dev/null'" >&2
cat "$cache/bigdir.md"
echo
echo '```'
"$moat" scan --no-ignore --color never "$big" || true
echo '```'
