#!/usr/bin/env bash
# The main job: execute every lesson headlessly and write notebooks/out/<lesson>.html and .ipynb.
# Full mode by default; AELAB_SMOKE=1 (or --smoke) for the quick smoke run.
#   bash notebooks/run.sh [--smoke] [lesson.dib ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/lib/setup.sh"
exec dotnet run --project "$root/lib/AeLab.Runner/AeLab.Runner.csproj" -c Release -- "$@"
