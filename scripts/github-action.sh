#!/usr/bin/env bash
# The run step of action.yml: audit, write SARIF for code scanning, annotate
# the workflow, add a job summary, and hand the exit code to the last step
# (which fails the job) so that the SARIF is uploaded even when the audit fails.
#
# Inputs come as environment variables (action.yml maps them):
#   LOCKAUDIT_PATHS       files or directories, space-separated (default: .)
#   LOCKAUDIT_FAIL_ON     a severity (info..critical), an upgrade size (patch, minor, major) or never
#   LOCKAUDIT_SARIF       where to write the SARIF file (default: lockaudit.sarif)
#   LOCKAUDIT_ARGS        more arguments for lockaudit, space-separated
#   LOCKAUDIT_BIN         the lockaudit command (default: lockaudit)
# GitHub sets GITHUB_OUTPUT and GITHUB_STEP_SUMMARY (files to append to).
set -uo pipefail

paths=${LOCKAUDIT_PATHS:-.}
sarif=${LOCKAUDIT_SARIF:-lockaudit.sarif}
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT

cmd=(${LOCKAUDIT_BIN:-lockaudit} $paths
     --format github
     --format "sarif=$sarif"
     --format "markdown=$summary"
     --no-progress)
if [ -n "${LOCKAUDIT_FAIL_ON:-}" ]; then
  cmd+=(--fail-on "$LOCKAUDIT_FAIL_ON")
fi
# shellcheck disable=SC2206 - extra arguments are split on spaces on purpose
cmd+=(${LOCKAUDIT_ARGS:-})

echo "::group::${cmd[*]}"
"${cmd[@]}"
code=$?
echo "::endgroup::"

if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -s "$summary" ]; then
  cat "$summary" >> "$GITHUB_STEP_SUMMARY"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$code"
    echo "sarif-file=$sarif"
  } >> "$GITHUB_OUTPUT"
fi
case $code in
  0) echo "lockaudit: nothing at or above the threshold" ;;
  1) echo "lockaudit: findings at or above the threshold (the job fails after the SARIF upload)" ;;
  2) echo "lockaudit: bad usage or unreadable input (exit 2)" ;;
  3) echo "lockaudit: some packages could not be audited (exit 3; --allow-unknown accepts that)" ;;
esac
# The step itself succeeds so that the SARIF upload runs; action.yml's last step fails the job.
exit 0
