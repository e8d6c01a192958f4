#!/usr/bin/env bash
# varrl set-up for a fresh Debian 12 machine. Idempotent.
#   scripts/setup.sh            install packages, select OpenMP OpenBLAS, configure + build into build/
#   scripts/setup.sh --deps     packages + BLAS selection only
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(libtorch-dev libopenblas0-openmp libgloo-dev libtesseract-dev libleptonica-dev tesseract-ocr-eng
      libcairo2-dev libfreetype-dev fonts-dejavu-core libpng-dev libstb-dev nlohmann-json3-dev
      libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev googletest libgtest-dev libbenchmark-dev
      pkg-config cmake g++ make
      chromium  # chromium: tests/test_report.cpp renders the HTML report headless (--dump-dom, --screenshot)
      python3   # python3: examples/reward_brightness.py and the external-reward tests (standard library only)
      python3-torch  # torchrun (DataParallel.TorchrunTwoRanks…) and scripts/convert_var.py (VarConvert tests)
      clang libclang-rt-14-dev)  # libFuzzer: scripts/fuzz.sh, run briefly by the test Fuzz.ShortRunOfEveryTarget

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# LibTorch links the generic libblas.so.3: point it at OpenBLAS's OpenMP build (30x faster than reference BLAS,
# and its threads share LibTorch's OpenMP pool instead of fighting it).
ARCH_DIR=/usr/lib/x86_64-linux-gnu
for lib in libblas.so.3 liblapack.so.3; do
  target="$ARCH_DIR/openblas-openmp/$lib"
  if [ -e "$target" ]; then
    $SUDO update-alternatives --set "$lib-x86_64-linux-gnu" "$target" >/dev/null
  fi
done
echo "[setup] libblas.so.3 -> $(readlink -f $ARCH_DIR/libblas.so.3)"

if [ "${1:-}" = "--deps" ]; then exit 0; fi

JOBS="${JOBS:-$(nproc)}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$JOBS"
echo "[setup] built build/varrl"
