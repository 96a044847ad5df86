#!/usr/bin/env bash
# The measurement behind the default grid of the RNTK family (docs/CLASSIFY.md). Each study runs
# every point of a grid on every UCR set with at most 1000 training sequences (bench/grid_points.cpp:
# its cross-validation score on the training set and its test accuracy); bench/grid_analysis.py then
# replays model selection for any sub-grid of the studies, so "what does ingredient X add" is a
# replay, not a rerun. Studies resume where they stopped.
#
#   bench/grid_study.sh [ARCHIVE] [OUT_DIR] [STUDY ...]   (defaults: ../shared/data/ucr,
#                                                          /tmp/rntk_grid_study, every study)
set -euo pipefail
cd "$(dirname "$0")/.."
archive="${1:-../shared/data/ucr}"
out="${2:-/tmp/rntk_grid_study}"
shift $(($# > 2 ? 2 : $#))
points=build/bench/rntk_grid_points
base="kernel = ntk, nngp; sigma_w = 1.4142135623730951; sigma_u = 0.1, 0.5, 2; C = 1, 100, 10000"
declare -A grids=(
  # Time resolution x activation x depth, with three repeats of the cross-validation recorded.
  [resolution]="$base; activation = relu, erf; layers = 1, 2, 3, 4; target_length = 0, 64, 32, 16; repeats = 3"
  [segment]="$base; activation = relu, erf; layers = 1, 2, 3, 4; segment = 4, 16; repeats = 3"
  # Readouts of the model family (issue 5) at full resolution.
  [variants]="$base; activation = relu; layers = 1, 2, 3; readout = last, steps; bidirectional = false, true; frozen_layers = 0, 1"
)
studies=("$@")
[ ${#studies[@]} -eq 0 ] && studies=(resolution segment variants)
for study in "${studies[@]}"; do
  echo "== $study: ${grids[$study]}"
  "$points" "$archive" "${grids[$study]}" "$out/$study" --max-train 1000
done
