#!/usr/bin/env bash
# The one command that runs every test: installs the Debian packages, builds
# with warnings as errors and runs the whole CTest suite (unit + integration),
# the fuzz targets, then the same suite on the PyTorch 2.x / CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DTENAS_WERROR=ON
cd "${TENAS_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" --timeout 900
# libFuzzer targets (tests/fuzz), about 60 s each; fails on any crash.
cd "$OLDPWD" && bash scripts/fuzz.sh
# The second build (README "PyTorch 2.x and CUDA build"): the pinned PyTorch
# 2.x wheel with CUDA (scripts/torch2.env), warnings as errors, and the same
# CTest suite on the CPU. TENAS_SKIP_TORCH2=1 skips it (no PyPI access).
if [[ "${TENAS_SKIP_TORCH2:-0}" != 1 ]]; then
  bash scripts/install-torch2.sh
  TENAS_BUILD_DIR=build-torch2 bash scripts/build-torch2.sh -DTENAS_WERROR=ON
  cd build-torch2
  ctest --output-on-failure -j "$(nproc)" --timeout 900
fi
