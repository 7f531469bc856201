#!/usr/bin/env bash
# The training-speed benchmark: SGEMM peak, every course model's train step, inference, memory and data
# pipeline, side by side with PyTorch (Debian python3-torch) when it is installed. One command:
#   bash tests/bench.sh            full run (a few minutes), table on the console, JSON in tests/AeLab.Bench/out/bench.json
#   bash tests/bench.sh --quick    a few steps per case (CI): checks the benchmark works, never fails on a figure
#   bash tests/bench.sh --help     every option
# The timed run holds an exclusive lock (AELAB_BENCH_LOCK, default /tmp/aelab-heavy.lock; empty = none)
# so other heavy jobs that take the same lock cannot pollute the timings.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lock="${AELAB_BENCH_LOCK-/tmp/aelab-heavy.lock}"
build_lock="${AELAB_BUILD_LOCK-/tmp/aelab-build.lock}"

build=(bash -c "dotnet build \"$root/tests/AeLab.Bench\" -c Release --nologo -v quiet && dotnet build \"$root/lib/AeLab.Runner\" -c Release --nologo -v quiet")
if [ -n "$build_lock" ] && command -v flock >/dev/null; then flock "$build_lock" "${build[@]}" >/dev/null; else "${build[@]}" >/dev/null; fi

run=(dotnet "$root/tests/AeLab.Bench/bin/Release/net10.0/AeLab.Bench.dll" "$@")
if [ -n "$lock" ] && command -v flock >/dev/null; then exec flock "$lock" "${run[@]}"; else exec "${run[@]}"; fi
