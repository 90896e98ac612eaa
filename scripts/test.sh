#!/usr/bin/env bash
# The one command that runs every test: installs the Debian packages, builds
# with warnings as errors and runs the whole CTest suite (unit + integration),
# the fuzz targets, then the suite (less five slow tests) on the PyTorch
# 2.x / CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DTENAS_WERROR=ON
cd "${TENAS_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" --timeout 900
# libFuzzer targets (tests/fuzz), about 60 s each; fails on any crash.
cd "$OLDPWD" && bash scripts/fuzz.sh
# The second build (README "PyTorch 2.x and CUDA build"): the pinned PyTorch
# 2.x wheel with CUDA (scripts/torch2.env), warnings as errors, and the CTest
# suite on the CPU minus its five slowest tests (CI's time limit: both full
# suites do not fit in 30 minutes). Left out, as they add no LibTorch-version
# coverage that the rest lacks: two end-to-end CLI scripts (every flag's
# --help; a search killed and resumed) and three whole searches (the same
# networks and measures run in the golden and search tests that stay).
# TENAS_TORCH2_FULL=1 runs the whole suite; TENAS_SKIP_TORCH2=1 skips the
# stage (a machine without PyPI access).
TORCH2_CI_EXCLUDE='^(PruneSearchTest\.(FastAndReferenceNtkFindTheSameNb201Architecture|DartsImagenetSettingsRunThreeRounds|DartsCifar10SettingsRunTwoRoundsAnd24EdgeCandidates)|search_crash_resume|cli_flags)$'
if [[ "${TENAS_SKIP_TORCH2:-0}" != 1 ]]; then
  bash scripts/install-torch2.sh
  TENAS_BUILD_DIR=build-torch2 bash scripts/build-torch2.sh -DTENAS_WERROR=ON
  cd build-torch2
  if [[ "${TENAS_TORCH2_FULL:-0}" == 1 ]]; then
    ctest --output-on-failure -j "$(nproc)" --timeout 900
  else
    ctest --output-on-failure -j "$(nproc)" --timeout 900 -E "$TORCH2_CI_EXCLUDE"
  fi
fi
