#!/usr/bin/env bash
# The one command that runs every test: installs the Debian packages, builds
# with warnings as errors and runs the whole CTest suite (unit + integration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DTENAS_WERROR=ON
cd "${TENAS_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" --timeout 900
# libFuzzer targets (tests/fuzz), about 60 s each; fails on any crash.
cd "$OLDPWD" && bash scripts/fuzz.sh
