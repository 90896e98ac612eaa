#!/usr/bin/env bash
# Regenerates docs/VALIDATION.md and the files under docs/validation/:
#   measures  both measures of 200 uniformly sampled NB201 architectures
#             against the benchmark's CIFAR-10 test accuracy (Kendall tau),
#   nb201     full TE-NAS searches (paper settings) on the bundled CIFAR-10
#             sample with seeds $NB201_SEEDS (default "0 1 2 3"),
#   darts     the DARTS search (seed 0) in each mode of $DARTS_MODES
#             (default "faithful robust"), with its cells as Graphviz DOT,
#   seeds     the seed study: NB201 searches for each
#             "MODE:INIT:FIRST-LAST[:REPEATS]" (REPEATS: the mode's default)
#             of $SEED_STUDY (default "faithful:shipped:0-15
#             faithful:paper:0-15 robust:shipped:0-15 robust:shipped:16-31")
#             into docs/validation/seeds/ (a search already there is kept),
#   noise     where a first-round decision's noise comes from
#             (tenas-bench noise --draws $NOISE_DRAWS, default 4: 250 networks),
#   proxies   every measure (TE-NAS's two and the zero-cost proxies of
#             docs/PROXIES.md, 1 repeat) of the 724 CIFAR-10 architectures of
#             NASLib's stored proxy table (tests/data/
#             nb201_zc_proxies_naslib_subset.csv), about 40 minutes,
#   proxyseeds  epe_nas, plain and jacov on the same architectures with seeds
#             $PROXY_SEEDS (default "1 2 3 4 5 6"; per architecture and
#             NASLib's protocol also 0), shared, per-architecture and
#             NASLib's draws, about 9 minutes each, and the other stored
#             proxies in the last two protocols (about 40 min each),
#   combos    NB201 searches (seeds 0-3) pruned with the best proxy
#             combination that `report` found on the held-out split
#             ($COMBO, default read from docs/validation/best_combination.txt),
#   report    docs/VALIDATION.md and its plots (scripts/validation_report.py).
# The NAS-Bench-201 accuracies come from the bundled data/nb201_accuracy.csv.
# Long-running: on the 2-core machine of docs/BENCHMARKS.md one NB201 search
# takes 2-6 minutes, so the default seed study takes about 4 hours. Steps
# can be chosen:
#   scripts/validate.sh [measures] [nb201] [darts] [seeds] [noise] [proxies]
#                       [proxyseeds] [report] [combos]
#   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${TENAS_BUILD_DIR:-build}/bench/tenas-bench"
OUT=docs/validation
mkdir -p "$OUT"
steps=("$@")
((${#steps[@]})) || steps=(measures nb201 darts seeds noise proxies proxyseeds report combos report)
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
  for mode in ${DARTS_MODES:-faithful robust}; do
    "$BIN" search --space darts --dataset cifar10 --seed 0 --mode "$mode" \
      --workers 2 --threads 1 --dot "$OUT/darts_${mode}_seed0.dot" \
      --json | tail -n 1 > "$OUT/search_darts_cifar10_${mode}_seed0.json"
  done
fi
if has seeds; then
  mkdir -p "$OUT/seeds"
  for spec in ${SEED_STUDY:-faithful:shipped:0-15 faithful:paper:0-15 robust:shipped:0-15 robust:shipped:16-31}; do
    IFS=: read -r mode init range repeats <<< "$spec"
    tag=$mode repeats_flag=()
    if [[ -n "${repeats:-}" ]]; then
      tag="$mode-r$repeats" repeats_flag=(--repeats "$repeats")
    fi
    for seed in $(seq "${range%-*}" "${range#*-}"); do
      f="$OUT/seeds/nb201_cifar10_${tag}_${init}_seed$seed.json"
      [[ -s "$f" ]] && continue
      "$BIN" search --space nb201 --dataset cifar10 --mode "$mode" \
        --init "$init" --seed "$seed" "${repeats_flag[@]}" \
        --workers 2 --threads 1 --json | tail -n 1 > "$f.tmp"
      mv "$f.tmp" "$f"
    done
  done
fi
if has noise; then
  "$BIN" noise --space nb201 --dataset cifar10 --seed 0 \
    --draws "${NOISE_DRAWS:-4}" --workers 2 --json \
    > "$OUT/noise_nb201_cifar10_seed0.json"
fi
if has proxies; then
  awk -F, 'NR > 1 && $2 == "cifar10" { print $1 }' \
    tests/data/nb201_zc_proxies_naslib_subset.csv > "$OUT/naslib_cifar10_indices.txt"
  "$BIN" validate --arch-indices "$OUT/naslib_cifar10_indices.txt" \
    --measures all --seed 0 --repeats 1 --batch-size 72 \
    --out "$OUT/proxies_nb201_cifar10.md" --csv "$OUT/proxies_nb201_cifar10.csv"
fi
if has proxyseeds; then
  # More draws of the proxies whose τ moves with the draw (VALIDATION §6.1c).
  # shared: seed 0 is the proxies step's run; per-arch, naslib: seeds 0-6.
  for draws in shared per-arch naslib; do
    seeds="${PROXY_SEEDS:-1 2 3 4 5 6}" tag=""
    [[ $draws == per-arch ]] && seeds="0 $seeds" tag="perarch_"
    [[ $draws == naslib ]] && seeds="0 $seeds" tag="naslib_"
    for seed in $seeds; do
      f="$OUT/proxies_nb201_cifar10_${tag}seed$seed.csv"
      [[ -s "$f" ]] && continue
      "$BIN" validate --arch-indices "$OUT/naslib_cifar10_indices.txt" \
        --measures epe_nas,plain,jacov --draws "$draws" --seed "$seed" \
        --repeats 1 --out /dev/null --csv "$f.tmp"
      mv "$f.tmp" "$f"
    done
  done
  # The other stored proxies, one draw per protocol (VALIDATION §6.1d).
  for draws in per-arch naslib; do
    f="$OUT/proxies_nb201_cifar10_${draws/-/}_others_seed0.csv"
    [[ -s "$f" ]] && continue
    "$BIN" validate --arch-indices "$OUT/naslib_cifar10_indices.txt" \
      --measures synflow,snip,grasp,fisher,grad_norm,l2_norm,nwot \
      --draws "$draws" --seed 0 --repeats 1 --out /dev/null --csv "$f.tmp"
    mv "$f.tmp" "$f"
  done
fi
if has combos && [[ -s "${COMBO_FILE:=$OUT/best_combination.txt}" || -n "${COMBO:-}" ]]; then
  combo="${COMBO:-$(cat "$COMBO_FILE")}"
  for seed in ${NB201_SEEDS:-0 1 2 3}; do
    "$BIN" search --space nb201 --dataset cifar10 --seed "$seed" \
      --measures "$combo" --workers 2 --threads 1 \
      --json | tail -n 1 > "$OUT/search_nb201_cifar10_combo_seed$seed.json"
  done
fi
if has report; then
  /usr/bin/python3 scripts/validation_report.py "$OUT" > docs/VALIDATION.md
fi
