#!/usr/bin/env bash
# Retrains the lessons' models in full mode and rewrites the shipped weights (notebooks/weights/*.ckpt and
# weights.json): every training cell trains from scratch (AELAB_TRAIN=1), saves its checkpoint and exports it as
# weights only (float16 where the lesson's validation metrics do not move, else float32).
#   bash notebooks/train-weights.sh [lesson.dib ...]      default: every lesson
# Run it after changing a lesson's recipe (a test fails while a lesson's configuration differs from its shipped weights).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${AELAB_SMOKE:-}" = 1 ]; then echo "train-weights.sh: shipped weights come from full mode; unset AELAB_SMOKE" >&2; exit 2; fi
export AELAB_TRAIN=1 AELAB_EXPORT_WEIGHTS=1
exec bash "$root/notebooks/run.sh" --out "${AELAB_OUT:-$root/notebooks/out}" "$@"
