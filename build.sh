#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine: installs what rntk needs (scripts/setup.sh,
# idempotent), configures and builds in build/, then
#   ./build.sh demo   runs the main job on built-in data
#   ./build.sh test   runs every test
#   ./build.sh        only builds
# Extra arguments after the command go to it (./build.sh demo --layers 2).
set -euo pipefail
cd "$(dirname "$0")"

./scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE=/usr/bin/python3 \
  ${RNTK_CMAKE_ARGS:-} >/dev/null
cmake --build build --parallel "$(nproc)"

# `import rntk` for /usr/bin/python3: the package built in build/python, put on its path by a .pth
# file in site-packages (pip install --no-build-isolation . installs a copy instead).
site=$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')
if mkdir -p "$site" 2>/dev/null && echo "$PWD/build/python" >"$site/rntk-build.pth" 2>/dev/null; then :; else
  echo "build.sh: cannot write $site; use PYTHONPATH=$PWD/build/python to import rntk" >&2
fi

command="${1:-build}"
shift || true
case "$command" in
  demo) exec build/rntk demo "$@" ;;
  test) exec ctest --test-dir build --output-on-failure --parallel "$(nproc)" "$@" ;;
  build) ;;
  *) echo "usage: ./build.sh [demo|test|build] [arguments]" >&2; exit 2 ;;
esac
