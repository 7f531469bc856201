#!/usr/bin/env bash
# The test command: prepares the machine (lib/setup.sh --tests), then runs every test project,
# which includes executing every lesson in smoke mode. Ends with one "N passed, N failed" line.
#   bash tests/run.sh [extra dotnet test args, e.g. --filter Name~Grid]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/lib/setup.sh" --tests
status=0 passed=0 failed=0 skipped=0
log="$(mktemp)"
for project in "$root"/tests/*/*.Tests.csproj; do
  printf '\n== %s\n' "$(basename "$project" .csproj)"
  dotnet test "$project" -c Release --nologo "$@" 2>&1 | tee "$log" || status=1
  summary="$(grep -E '(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+, +Skipped: +[0-9]+' "$log" | tail -1 || true)"
  if [ -z "$summary" ]; then status=1; echo "tests: no test summary from $(basename "$project")"; continue; fi
  f=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$summary"); p=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$summary")
  s=$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$summary")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  [ "$f" = 0 ] || status=1
done
rm -f "$log"
echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
