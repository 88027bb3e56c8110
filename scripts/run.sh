#!/usr/bin/env bash
# scripts/run.sh [EXPERIMENT.yaml] [tessera run options...]: set up, build, and
# run the default experiment (or the one given), printing a short summary.
# Results go to out/<experiment name>/ (summary.json, CSV tables).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh release
exp=${1:-configs/experiments/default.yaml}
[ $# -gt 0 ] && shift
exec build/release/tessera run "$exp" "$@"
