#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang 14, AddressSanitizer and UndefinedBehaviorSanitizer in
# build-fuzz/, then runs each for SECONDS (default 30) from its seed corpus (fuzz/corpus/<target>)
# and the regression inputs (tests/data/fuzz/<target>), and prints the executions of each.
#   fuzz/run.sh [SECONDS] [TARGET...]      e.g. fuzz/run.sh 120 ts model
# New inputs go to build-fuzz/corpus/<target>, crashes to build-fuzz/artifacts/. Fails if any
# harness finds a crash, leak, timeout or broken expectation.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ucr_tsv ts csv model grid)

cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Fuzz \
  -DCMAKE_CXX_FLAGS_FUZZ="-O1 -g" -DRNTK_SANITIZE=address -DRNTK_FUZZ=ON \
  -DRNTK_BUILD_TESTS=OFF -DRNTK_BUILD_PYTHON=OFF >/dev/null
cmake --build build-fuzz --parallel "${RNTK_JOBS:-$(nproc)}" --target fuzzers

# One thread per execution: the model harness predicts, and the Gram engine would start a thread
# per core otherwise.
export OMP_NUM_THREADS=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p build-fuzz/artifacts
status=0
for t in "${targets[@]}"; do
  work=build-fuzz/corpus/$t
  mkdir -p "$work"
  seeds=(fuzz/corpus/"$t")
  [ -d tests/data/fuzz/"$t" ] && seeds+=(tests/data/fuzz/"$t")
  dict=()
  [ -f fuzz/dict/"$t".dict ] && dict=(-dict=fuzz/dict/"$t".dict)
  log=build-fuzz/fuzz_$t.log
  if build-fuzz/fuzz/fuzz_"$t" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/"$t"- "${dict[@]}" \
       "$work" "${seeds[@]}" >"$log" 2>&1; then
    result=ok
  else
    result="FAILED (see $log and build-fuzz/artifacts/)"
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  printf 'fuzz_%-8s %4ss %10s executions  %s\n' "$t" "$seconds" "${runs:-?}" "$result"
done
exit $status
