#!/usr/bin/env bash
# CI: the C++ test suite under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/), then the
# multithreaded Gram tests under ThreadSanitizer (build-tsan/). See docs/RELIABILITY.md.
#
# Both builds use clang 14 and LLVM's OpenMP runtime (libomp): ThreadSanitizer cannot see the
# synchronisation inside GCC's uninstrumented libgomp and reports races that are not there, while
# libomp loads LLVM's Archer tool (libarcher), which tells ThreadSanitizer about OpenMP's barriers,
# task and lock semantics. -O1 keeps the instrumented tests fast; assertions stay on (no NDEBUG).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

jobs=${RNTK_JOBS:-$(nproc)}
configure() {  # build folder, sanitizer
  cmake -S . -B "$1" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g" \
    -DRNTK_SANITIZE="$2" -DRNTK_BUILD_PYTHON=OFF >/dev/null
}

# Leaks count as failures too (LeakSanitizer runs at exit with ASan); halt_on_error makes the first
# report fail the test.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/.ci/lsan.supp:print_suppressions=0
# The MPI loopback test (label mpi) is left out: mpirun and Open MPI's own uninstrumented libraries
# are not what these builds check, and Open MPI's allocations read as leaks.
start=$SECONDS
configure build-asan address
cmake --build build-asan --parallel "$jobs" --target rntk rntk_tests
echo "sanitize: ASan+UBSan build $((SECONDS - start)) s" >&2
start=$SECONDS
ctest --test-dir build-asan --output-on-failure --parallel "$jobs" -LE mpi
echo "sanitize: ASan+UBSan tests $((SECONDS - start)) s" >&2

# The tests whose Gram matrices are computed by several OpenMP threads: the engine's (including
# results across thread counts and tile sizes) and the tile-file writer's (tests/test_distributed.cpp).
export OMP_TOOL_LIBRARIES=/usr/lib/llvm-14/lib/libarcher.so
# libomp itself is not instrumented: its internal memory reuse reads as races unless ignored (Archer
# asks for this); races in rntk's instrumented code are still reported.
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1
start=$SECONDS
configure build-tsan thread
cmake --build build-tsan --parallel "$jobs" --target rntk_tests
echo "sanitize: TSan build $((SECONDS - start)) s" >&2
start=$SECONDS
ctest --test-dir build-tsan --output-on-failure --parallel "$jobs" -LE mpi -R '^(Engine|TileFiles)\.|AgainstReference\.'
echo "sanitize: TSan tests $((SECONDS - start)) s" >&2
