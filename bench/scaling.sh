#!/usr/bin/env bash
# Strong scaling of `rntk gram` over MPI ranks and threads on this machine (docs/CLUSTER.md): the
# same ragged K(X, X) (N sequences, lengths 20..LMAX, NTK + NNGP, 2 layers, written to .npy) by one
# process on one thread (the reference), then by RANKS x THREADS for every combination whose total
# fits the cores; each output is compared to the reference byte for byte.
#   bench/scaling.sh [N] [LMAX] [RNTK]      defaults: 3000 200 build/rntk
set -euo pipefail
n=${1:-3000}
lmax=${2:-200}
rntk=${3:-build/rntk}
cores=$(nproc)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 - "$dir/x.tsv" "$n" "$lmax" <<'PY'
import sys
import numpy as np
rng = np.random.default_rng(0)
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        x = rng.standard_normal(rng.integers(20, int(sys.argv[3]) + 1))
        f.write(str(i % 2) + "\t" + "\t".join(f"{v:.5f}" for v in x) + "\n")
PY
run() {  # ranks threads output -> seconds
  local start end
  start=$(date +%s.%N)
  if [ "$1" = 1 ]; then
    "$rntk" gram "$dir/x.tsv" --kernel both -L 2 --threads "$2" -q -o "$3"
  else
    mpirun -np "$1" "$rntk" gram "$dir/x.tsv" --kernel both -L 2 --threads "$2" -q -o "$3"
  fi
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $cores cores; load average $(cut -d' ' -f1 /proc/loadavg) at start"
echo "data: $n ragged sequences, lengths 20..$lmax; NTK and NNGP, 2 layers, K(X, X) to .npy"
echo
echo "| ranks x threads | seconds | speed-up over 1 x 1 | output equal to 1 x 1 |"
echo "|---|---|---|---|"
reference=$(run 1 1 "$dir/ref.npy")
printf '| 1 x 1 | %.2f | 1.00 | (reference) |\n' "$reference"
for ranks in 1 2 4 8 16; do
  for threads in 1 2 4 8 16; do
    total=$((ranks * threads))
    { [ $total -le "$cores" ] && [ $total -gt 1 ]; } || continue
    t=$(run $ranks $threads "$dir/out.npy")
    same=yes
    for k in ntk nngp; do cmp -s "$dir/ref.$k.npy" "$dir/out.$k.npy" || same=NO; done
    printf '| %d x %d | %.2f | %.2f | %s |\n' "$ranks" "$threads" "$t" "$(awk -v a="$reference" -v b="$t" 'BEGIN { print a / b }')" "$same"
  done
done
