#!/usr/bin/env bash
# The main job on the bundled real CIFAR-10 sample. Installs the packages,
# builds, then scores the NAS-Bench-201 optimum architecture with both TE-NAS
# measures (κ and R, 3 repeats, batch 72).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
BIN="${TENAS_BUILD_DIR:-build}/bench/tenas-bench"
"$BIN" score --space nb201 --dataset cifar10 \
  --arch '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
