#!/usr/bin/env bash
# Installs every Debian package rntk needs to build, test and benchmark. Idempotent: packages that are
# already installed are skipped, so a second run on a ready machine does nothing and needs no network.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libgtest-dev                           # tests
  libeigen3-dev                          # dense linear algebra (eigenvalues in tests, kernel ridge)
  libcli11-dev nlohmann-json3-dev        # command line, JSON reports
  libsvm-dev                             # SVM learner
  libopenblas0                           # NumPy's BLAS for the reference in bench/ (docs/PERFORMANCE.md); rntk links none
  python3-numpy python3-pytest           # NumPy reference, .npy checks, Python tests
  python3-mpmath                         # reference values for the polynomial fits (bench/arcsine_fit.py)
  python3-dev pybind11-dev python3-pybind11 python3-setuptools python3-pip  # the Python module
  python3-sklearn python3-scipy python3-venv  # scikit-learn estimators; pip install in a venv
  libopenmpi-dev openmpi-bin             # mpirun rntk gram ... (docs/CLUSTER.md)
  clang-14 libclang-rt-14-dev libomp-14-dev  # sanitizers and libFuzzer; LLVM OpenMP + Archer for TSan (docs/RELIABILITY.md)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
