#!/usr/bin/env bash
# Regenerates docs/VALIDATION.md and the files under docs/validation/:
#   1. both measures of 200 uniformly sampled NB201 architectures against
#      the benchmark's CIFAR-10 test accuracy (Kendall tau),
#   2. full TE-NAS searches (paper settings) on the bundled CIFAR-10 sample:
#      NB201 with seeds $NB201_SEEDS (default "0 1 2 3") and one DARTS search.
# The NAS-Bench-201 accuracies come from the bundled data/nb201_accuracy.csv.
# Long-running (fast NTK path, 2 cores: ~10 min for step 1, ~7 min per NB201
# search, ~45 min for the DARTS search). Steps can be chosen:
#   scripts/validate.sh [measures] [nb201] [darts] [report]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${TENAS_BUILD_DIR:-build}/bench/tenas-bench"
OUT=docs/validation
mkdir -p "$OUT"
steps=("$@")
((${#steps[@]})) || steps=(measures nb201 darts report)
has() { [[ " ${steps[*]} " == *" $1 "* ]]; }

if has measures; then
  "$BIN" validate \
    --samples 200 --sample-seed 0 --seed 0 --repeats 3 --batch-size 72 \
    --out "$OUT/measures_nb201_cifar10.md" --csv "$OUT/measures_nb201_cifar10.csv"
fi
if has nb201; then
  for seed in ${NB201_SEEDS:-0 1 2 3}; do
    "$BIN" search --space nb201 --dataset cifar10 --seed "$seed" \
      --workers 2 --threads 1 \
      --json | tail -n 1 > "$OUT/search_nb201_cifar10_seed$seed.json"
  done
fi
if has darts; then
  "$BIN" search --space darts --dataset cifar10 --seed 0 --workers 2 --threads 1 \
    --json | tail -n 1 > "$OUT/search_darts_cifar10_seed0.json"
fi
if has report; then
  /usr/bin/python3 scripts/validation_report.py "$OUT" > docs/VALIDATION.md
fi
