#!/usr/bin/env bash
# The measurement behind the default grid of the RNTK family (docs/CLASSIFY.md): `rntk ucr` with the
# method rntk and one grid variant at a time over a UCR-layout archive; prints the mean test accuracy
# over all data sets and over the variable-length ones, and the time of each variant.
#   bench/grid_study.sh [ARCHIVE] [OUT_DIR]      (defaults: ../shared/data/ucr, /tmp/rntk_grid_study)
# Each variant changes the base grid in one respect; later rows combine what helped.
set -euo pipefail
cd "$(dirname "$0")/.."
archive="${1:-../shared/data/ucr}"
out="${2:-/tmp/rntk_grid_study}"
mkdir -p "$out"
base_kernel="kernel = ntk, nngp; layers = 1, 2"
declare -a names grids
add() { names+=("$1"); grids+=("$2"); }
add base        "$base_kernel; sigma_w = 1.2, 1.4142135623730951; sigma_u = 0.5, 1, 2; C = 0.1, 1, 10, 100, 1000"
add wide_C      "$base_kernel; sigma_w = 1.2, 1.4142135623730951; sigma_u = 0.5, 1, 2; C = 0.01, 0.1, 1, 10, 100, 1000, 10000, 100000"
add low_su      "$base_kernel; sigma_w = 1.2, 1.4142135623730951; sigma_u = 0.1, 0.25, 0.5, 1; C = 0.1, 1, 10, 100, 1000"
add erf         "$base_kernel; activation = relu, erf; sigma_w = 1.2, 1.4142135623730951; sigma_u = 0.5, 1, 2; C = 0.1, 1, 10, 100, 1000"
add low_sw      "$base_kernel; sigma_w = 0.8, 1, 1.2, 1.4142135623730951; sigma_u = 0.5, 1, 2; C = 0.1, 1, 10, 100, 1000"
add three_layers "kernel = ntk, nngp; layers = 1, 2, 3; sigma_w = 1.2, 1.4142135623730951; sigma_u = 0.5, 1, 2; C = 0.1, 1, 10, 100, 1000"
add no_cosine   "$base_kernel; cosine = false; sigma_w = 1.2, 1.4142135623730951; sigma_u = 0.5, 1, 2; C = 0.1, 1, 10, 100, 1000"
add bias        "$base_kernel; sigma_b = 0, 0.1, 0.5; sigma_w = 1.2, 1.4142135623730951; sigma_u = 0.5, 1, 2; C = 0.1, 1, 10, 100, 1000"
if [ -n "${RNTK_GRID_VARIANTS:-}" ]; then  # extra variants: "name|grid;;name|grid"
  IFS=';;' read -ra extra <<<"$RNTK_GRID_VARIANTS"
  for e in "${extra[@]}"; do [ -n "$e" ] && add "${e%%|*}" "${e#*|}"; done
fi
printf "%-14s %9s %9s %8s  %s\n" variant mean_all mean_var seconds grid
for k in "${!names[@]}"; do
  csv="$out/${names[$k]}.csv"
  if [ ! -s "$csv" ]; then
    start=$(date +%s.%N)
    build/rntk ucr --archive "$archive" --methods rntk --grid "${grids[$k]}" --out "$csv" >"$out/${names[$k]}.log"
    echo "$(date +%s.%N) - $start" | bc >"$out/${names[$k]}.seconds"
  fi
  /usr/bin/python3 - "$csv" "$(cat "$out/${names[$k]}.seconds")" "${names[$k]}" "${grids[$k]}" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
acc = [float(r["test_accuracy"]) for r in rows]
var = [float(r["test_accuracy"]) for r in rows if r["variable_length"] == "yes"]
print("%-14s %9.4f %9.4f %8.0f  %s" % (sys.argv[3], sum(acc) / len(acc), sum(var) / max(1, len(var)), float(sys.argv[2]), sys.argv[4]))
PY
done
