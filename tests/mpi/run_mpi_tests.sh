#!/usr/bin/env bash
# `rntk gram` under mpirun on this machine's loopback: 2 and 3 ranks (3 oversubscribe 2 cores)
# write the same bytes as one process, tile by tile into .npy and gathered for other formats; a
# rank that fails (an input error only it sees, or killed) ends the whole job with a non-zero
# status and leaves no file under the final name.
#   tests/mpi/run_mpi_tests.sh RNTK_EXECUTABLE [MPIRUN]
set -uo pipefail
rntk="$1"
mpirun="${2:-mpirun}"
# Test machines run as root in containers; OpenMPI refuses that unless told.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Ragged sequences (lengths 5 .. 60): the engine order differs from the input order.
/usr/bin/python3 - "$dir" <<'PY'
import random, sys
random.seed(3)
for name, n in (("x", 150), ("y", 40)):
    with open(f"{sys.argv[1]}/{name}.tsv", "w") as f:
        for i in range(n):
            values = [f"{random.gauss(0, 1):.6f}" for _ in range(random.randint(5, 60))]
            f.write("\t".join([str(i % 3)] + values) + "\n")
PY
x="$dir/x.tsv"; y="$dir/y.tsv"
common="--kernel both --layers 1,2 --tile-size 16 -q"
"$rntk" gram "$x" $common -o "$dir/one.npy" || fail "single process"
"$rntk" gram "$x" "$y" $common --bidirectional true -o "$dir/one_xy.npy" || fail "single process K(X, Y)"
"$rntk" gram "$x" "$y" $common -o "$dir/one.tsv" || fail "single process tsv"
for np in 2 3; do
  "$mpirun" -np $np "$rntk" gram "$x" $common -o "$dir/mpi$np.npy" || fail "$np ranks"
  "$mpirun" -np $np "$rntk" gram "$x" "$y" $common --bidirectional true -o "$dir/mpi${np}_xy.npy" || fail "$np ranks K(X, Y)"
  "$mpirun" -np $np "$rntk" gram "$x" "$y" $common -o "$dir/mpi$np.tsv" || fail "$np ranks tsv"
  for k in ntk.L1 ntk.L2 nngp.L1 nngp.L2; do
    cmp -s "$dir/one.$k.npy" "$dir/mpi$np.$k.npy" || fail "$np ranks: $k.npy differs from one process"
    cmp -s "$dir/one_xy.$k.npy" "$dir/mpi${np}_xy.$k.npy" || fail "$np ranks: K(X, Y) $k.npy differs"
    cmp -s "$dir/one.$k.tsv" "$dir/mpi$np.$k.tsv" || fail "$np ranks: gathered $k.tsv differs"
  done
  echo "ok: $np ranks equal one process, bitwise"
done

# Nystrom: K(X, Z) by row blocks over the ranks gives every rank the same features, so the model
# (landmarks and coefficients) is the one a single process fits, byte for byte.
nystrom="--grid kernel=ntk,nngp;layers=1,2 --nystrom 40 --landmarks kmeans++ --tile-size 16"
"$rntk" fit --train "$x" $nystrom --model "$dir/nystrom_one.json" >/dev/null || fail "single process Nystrom fit"
for np in 2 3; do
  "$mpirun" -np $np "$rntk" fit --train "$x" $nystrom --model "$dir/nystrom_mpi$np.json" >"$dir/nystrom_mpi$np.log" 2>&1 ||
    fail "$np ranks Nystrom fit: $(cat "$dir/nystrom_mpi$np.log")"
  cmp -s "$dir/nystrom_one.json" "$dir/nystrom_mpi$np.json" || fail "$np ranks: the Nystrom model differs from one process"
  [ "$(grep -c '^model:' "$dir/nystrom_mpi$np.log")" = 1 ] || fail "$np ranks: not exactly one rank printed the result"
done
echo "ok: Nystrom models fitted by 2 and 3 ranks equal one process's, bitwise"

# An input error that only rank 1 sees.
printf '1\t0.5\tx7\n' >"$dir/bad.tsv"
start=$(date +%s)
out=$("$mpirun" -np 2 sh -c "if [ \"\$OMPI_COMM_WORLD_RANK\" = 1 ]; then in=$dir/bad.tsv; else in=$x; fi; exec $rntk gram \$in -L 3 -o $dir/fail.npy" 2>&1)
status=$?
[ $status -ne 0 ] || fail "a rank's input error gave exit status 0"
grep -q "bad.tsv:1:.*expected a number" <<<"$out" || fail "the failing rank's message is missing: $out"
ls "$dir" | grep -q '^fail\.npy$' && fail "an output file was left after a rank failed"
[ $(($(date +%s) - start)) -le 20 ] || fail "the job took more than 20 s to stop"
echo "ok: an input error on one rank stops the job (status $status)"

# A rank killed in the middle of a long computation.
/usr/bin/python3 -c "
import random
random.seed(1)
print('\n'.join('\t'.join(['0'] + [f'{random.gauss(0, 1):.4f}' for _ in range(2000)]) for _ in range(1500)))" >"$dir/long.tsv"
"$mpirun" -np 2 "$rntk" gram "$dir/long.tsv" -L 3 --threads 1 -o "$dir/killed.npy" >"$dir/killed.log" 2>&1 &
launcher=$!
for _ in $(seq 50); do
  victim=$(pgrep -f "rntk gram $dir/long.tsv" | while read -r p; do
    tr '\0' '\n' </proc/$p/environ 2>/dev/null | grep -q '^OMPI_COMM_WORLD_RANK=1$' && echo "$p"; done | head -1)
  [ -n "$victim" ] && break
  sleep 0.2
done
sleep 1
if [ -z "$victim" ]; then
  fail "could not find rank 1 to kill"
else
  start=$(date +%s)
  kill -9 "$victim"
  wait $launcher
  status=$?
  [ $status -ne 0 ] || fail "killing a rank gave exit status 0"
  [ $(($(date +%s) - start)) -le 20 ] || fail "the job took more than 20 s to stop after a rank was killed"
  ls "$dir" | grep -q '^killed\.npy$' && fail "an output file named like a complete one was left"
  echo "ok: a killed rank stops the job (status $status in $(($(date +%s) - start)) s)"
fi
pkill -f "rntk gram $dir/long.tsv" 2>/dev/null
[ $failures -eq 0 ] && echo "all MPI tests passed"
exit $((failures > 0))
