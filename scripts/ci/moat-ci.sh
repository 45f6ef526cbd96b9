#!/usr/bin/env bash
# Runs moat in CI: picks what to scan from the CI's event (a pull or merge request's range, a
# push's new commits, or the whole history), writes the reports that CI shows, and exits with
# moat's status (0 pass, 1 blocking findings, 2 error), so the job fails on policy.
# Used by action.yml (GitHub) and ci/moat.gitlab-ci.yml (GitLab); runs anywhere else too.
#
# Environment (all optional):
#   MOAT_BIN         the moat binary (default: moat on PATH)
#   MOAT_SCAN        auto (default: the event's range, else full), full (every blob of every ref), range
#   MOAT_RANGE       revisions to scan instead of the event's (e.g. "origin/main..HEAD"; implies range)
#   MOAT_ARGS        more arguments for `moat history` (split on spaces), e.g. "--config ci/moat.yaml"
#   MOAT_REPORT_DIR  where the reports go (default: $RUNNER_TEMP/moat on GitHub, $CI_PROJECT_DIR
#                    on GitLab, ./moat-reports elsewhere)
#   MOAT_CI          github | gitlab | plain (default: from GITHUB_ACTIONS / GITLAB_CI)
# GitHub: reads GITHUB_EVENT_NAME and GITHUB_EVENT_PATH; writes moat.sarif, moat.json and moat.md,
# appends moat.md to GITHUB_STEP_SUMMARY, annotates with workflow commands, and sets the outputs
# sarif, json, markdown, range and exit-code in GITHUB_OUTPUT.
# GitLab: reads CI_PIPELINE_SOURCE, CI_MERGE_REQUEST_DIFF_BASE_SHA, CI_COMMIT_BEFORE_SHA and
# CI_COMMIT_SHA; writes gl-secret-detection-report.json (the secret-detection report) and moat.json.
set -uo pipefail

die() { echo "moat-ci: $*" >&2; exit 2; }
zeros=0000000000000000000000000000000000000000

moat=${MOAT_BIN:-moat}
command -v "$moat" >/dev/null 2>&1 || die "cannot find moat ('$moat'); set MOAT_BIN or put moat on PATH"
git rev-parse --git-dir >/dev/null 2>&1 || die "not inside a git repository: $(pwd)"

platform=${MOAT_CI:-}
if [ -z "$platform" ]; then
  if [ "${GITHUB_ACTIONS:-}" = true ]; then platform=github
  elif [ "${GITLAB_CI:-}" = true ]; then platform=gitlab
  else platform=plain
  fi
fi
case "$platform" in github|gitlab|plain) ;; *) die "MOAT_CI must be github, gitlab or plain, not '$platform'" ;; esac
scan=${MOAT_SCAN:-auto}
case "$scan" in auto|full|range) ;; *) die "MOAT_SCAN must be auto, full or range, not '$scan'" ;; esac

# A field of the GitHub event payload (jq, else python3); empty when absent.
event_field() {
  [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -r "$GITHUB_EVENT_PATH" ] || return 0
  if command -v jq >/dev/null 2>&1; then
    jq -r "$1 // empty" "$GITHUB_EVENT_PATH"
  else
    python3 - "$1" "$GITHUB_EVENT_PATH" <<'PY'
import json, sys
value = json.load(open(sys.argv[2]))
for key in sys.argv[1].lstrip(".").split("."):
    value = value.get(key) if isinstance(value, dict) else None
print("" if value is None else value)
PY
  fi
}

# Makes sure commit $1 is here (fetching it from origin once if not); fails when it cannot be.
have_commit() {
  git cat-file -e "$1^{commit}" 2>/dev/null && return 0
  git fetch --quiet --no-tags origin "$1" >/dev/null 2>&1 && git cat-file -e "$1^{commit}" 2>/dev/null
}

# The event's range as "base..head"; empty for a whole-history scan.
event_range() {
  local base="" head="" event=""
  case "$platform" in
    github)
      event=${GITHUB_EVENT_NAME:-}
      case "$event" in
        pull_request|pull_request_target)
          base=$(event_field .pull_request.base.sha); head=$(event_field .pull_request.head.sha) ;;
        merge_group)
          base=$(event_field .merge_group.base_sha); head=$(event_field .merge_group.head_sha) ;;
        push)
          base=$(event_field .before); head=$(event_field .after) ;;
      esac ;;
    gitlab)
      head=${CI_COMMIT_SHA:-}
      if [ "${CI_PIPELINE_SOURCE:-}" = merge_request_event ] && [ -n "${CI_MERGE_REQUEST_DIFF_BASE_SHA:-}" ]; then
        base=$CI_MERGE_REQUEST_DIFF_BASE_SHA
      else
        base=${CI_COMMIT_BEFORE_SHA:-}
      fi ;;
  esac
  # A new branch (before = zeros) or an event without a range: the whole history.
  if [ -z "$base" ] || [ -z "$head" ] || [ "$base" = "$zeros" ] || [ "$head" = "$zeros" ]; then
    return 0
  fi
  have_commit "$head" || die "commit $head (the head of the range) is not in this clone; fetch it (GitHub: actions/checkout with fetch-depth: 0; GitLab: GIT_DEPTH: \"0\")"
  have_commit "$base" || die "commit $base (the base of the range) is not in this clone; fetch the whole history (GitHub: actions/checkout with fetch-depth: 0; GitLab: GIT_DEPTH: \"0\")"
  echo "$base..$head"
}

range=""
case "$scan" in
  full) ;;
  range|auto)
    if [ -n "${MOAT_RANGE:-}" ]; then range=$MOAT_RANGE; else range=$(event_range) || exit 2; fi
    [ "$scan" = range ] && [ -z "$range" ] && die "MOAT_SCAN=range, but the event has no range and MOAT_RANGE is empty" ;;
esac

case "$platform" in
  github) dir=${MOAT_REPORT_DIR:-${RUNNER_TEMP:-.}/moat} ;;
  gitlab) dir=${MOAT_REPORT_DIR:-${CI_PROJECT_DIR:-.}} ;;
  plain)  dir=${MOAT_REPORT_DIR:-moat-reports} ;;
esac
mkdir -p "$dir" || die "cannot create the report folder $dir"

reports=(--format json --output "$dir/moat.json")
case "$platform" in
  github) reports+=(--format sarif --output "$dir/moat.sarif" --format markdown --output "$dir/moat.md" --format github) ;;
  gitlab) reports+=(--format gitlab --output "$dir/gl-secret-detection-report.json" --format text) ;;
  plain)  reports+=(--format text) ;;
esac

# shellcheck disable=SC2206 # MOAT_ARGS is split on purpose
extra=(${MOAT_ARGS:-})
what=${range:-"the whole history"}
echo "moat-ci: scanning $what ($platform${GITHUB_EVENT_NAME:+, $GITHUB_EVENT_NAME}${CI_PIPELINE_SOURCE:+, $CI_PIPELINE_SOURCE})" >&2
if [ -n "$range" ]; then
  "$moat" history --no-progress "${extra[@]}" "${reports[@]}" "$range"
else
  "$moat" history --no-progress "${extra[@]}" "${reports[@]}"
fi
status=$?

if [ "$platform" = github ]; then
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$dir/moat.md" ]; then cat "$dir/moat.md" >> "$GITHUB_STEP_SUMMARY"; fi
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    {
      echo "sarif=$dir/moat.sarif"
      echo "json=$dir/moat.json"
      echo "markdown=$dir/moat.md"
      echo "range=$range"
      echo "exit-code=$status"
    } >> "$GITHUB_OUTPUT"
  fi
fi
case "$status" in
  0) echo "moat-ci: passed" >&2 ;;
  1) echo "moat-ci: blocking findings in $what; reports in $dir" >&2 ;;
  *) echo "moat-ci: moat failed (exit $status)" >&2 ;;
esac
exit "$status"
