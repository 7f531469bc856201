#!/usr/bin/env bash
# The test command: prepares the machine (lib/setup.sh --tests), then runs every test project.
# Includes executing every lesson in smoke mode. Usage: bash tests/run.sh [extra dotnet test args]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/lib/setup.sh" --tests
status=0
for project in "$root"/tests/*/*.Tests.csproj; do
  printf '\n== %s\n' "$(basename "$project" .csproj)"
  dotnet test "$project" -c Release --nologo "$@" || status=1
done
exit $status
