#!/usr/bin/env bash
# bench/compare_with_original.sh: tenas against the original TE-NAS code on
# this machine, back to back (docs/BENCHMARKS.md §4.5). Prints the machine
# (lscpu model name, cores), the streaming rate and oneDNN convolution peak
# that ntk_benchmark measures, and per round, in alternating order:
#   - the original's NB201 search time (bench/original/
#     official_search_estimate.py: a lower bound) and a whole tenas-bench
#     NB201 search (cifar10, seed 0, paper settings);
#   - one architecture's full score (κ and R, 3 repeats, batch 72) with the
#     original functions (bench/original/score_arch.py, compute only) and
#     with `tenas-bench score` (whole process, and its own compute seconds).
# Then the medians, ranges and the ratios original / tenas.
#
#   bench/compare_with_original.sh ORIGINAL_DIR [--rounds 1] [--threads 2]
#                                  [--out DIR]
#
# ORIGINAL_DIR (required, no default): a checkout of VITA-Group/TENAS
# (bench/original/README.md says which commit). Needs Debian's python3-torch
# (/usr/bin/python3) and the tenas build in build/ (TENAS_BUILD to change).
set -euo pipefail
usage() {
  echo "usage: bench/compare_with_original.sh ORIGINAL_DIR [--rounds N]" \
    "[--threads N] [--out DIR]" >&2
  exit 2
}
(($# >= 1)) || usage
ORIGINAL="$(cd "$1" 2>/dev/null && pwd)" || {
  echo "compare_with_original.sh: '$1' is not a folder" >&2; exit 2; }
shift
[[ -f "$ORIGINAL/prune_tenas.py" && -d "$ORIGINAL/lib/procedures" ]] || {
  echo "compare_with_original.sh: '$ORIGINAL' is not a TE-NAS checkout" \
    "(no prune_tenas.py, lib/procedures)" >&2; exit 2; }
ROUNDS=1
THREADS=2
OUT_DIR=""
while (($# > 0)); do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --out) OUT_DIR="$2"; shift 2 ;;
    *) usage ;;
  esac
done
cd "$(dirname "$0")/.."
BUILD="${TENAS_BUILD:-build}"
PY=/usr/bin/python3
$PY -c "import torch" 2>/dev/null || {
  echo "compare_with_original.sh: /usr/bin/python3 has no torch" \
    "(apt-get install python3-torch)" >&2; exit 2; }
OUT_DIR="${OUT_DIR:-$(mktemp -d /tmp/compare_original.XXXXXX)}"
mkdir -p "$OUT_DIR"
export TENAS_DIR="$ORIGINAL" OMP_NUM_THREADS="$THREADS"
RECORDS="$OUT_DIR/cifar10_sample.bin"
gzip -dc data/cifar10_sample_2000.bin.gz > "$RECORDS"
ARCH='|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'

echo "# $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores," \
  "$(date -u +%F), $THREADS threads, $ROUNDS round(s)"
"$BUILD/bench/ntk_benchmark" --reps 1 --threads "$THREADS" \
  > "$OUT_DIR/ntk_benchmark.txt" 2>&1
grep -E "streaming rate|conv peak" "$OUT_DIR/ntk_benchmark.txt"

original_search() {
  $PY bench/original/official_search_estimate.py --threads "$THREADS" \
    --cifar "$RECORDS" 2> "$OUT_DIR/original_search_$1.err" \
    | tail -n 1 > "$OUT_DIR/original_search_$1.json"
}
tenas_search() {
  "$BUILD/bench/tenas-bench" search --space nb201 --dataset cifar10 --seed 0 \
    --workers "$THREADS" --threads 1 --json 2> "$OUT_DIR/tenas_search_$1.err" \
    | tail -n 1 > "$OUT_DIR/tenas_search_$1.json"
}
original_score() {
  $PY bench/original/score_arch.py --threads "$THREADS" --repeats 3 \
    --cifar "$RECORDS" "$ARCH" 2> "$OUT_DIR/original_score_$1.err" \
    | tail -n 1 > "$OUT_DIR/original_score_$1.json"
}
tenas_score() {
  local t0 t1
  t0=$(date +%s.%N)
  "$BUILD/bench/tenas-bench" score --arch "$ARCH" --repeats 3 \
    --threads "$THREADS" --json 2> "$OUT_DIR/tenas_score_$1.err" \
    | tail -n 1 > "$OUT_DIR/tenas_score_$1.json"
  t1=$(date +%s.%N)
  $PY -c "print($t1 - $t0)" > "$OUT_DIR/tenas_score_$1.wall"
}
for round in $(seq 1 "$ROUNDS"); do
  if ((round % 2 == 1)); then
    original_search "$round"; tenas_search "$round"
    original_score "$round"; tenas_score "$round"
  else
    tenas_search "$round"; original_search "$round"
    tenas_score "$round"; original_score "$round"
  fi
  echo "round $round done"
done

$PY - "$OUT_DIR" "$ROUNDS" <<'PYEOF'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def load(name, r):
    return json.load(open("%s/%s_%d.json" % (out, name, r)))
rows = {"search": [], "score": [], "score_process": []}
for r in range(1, rounds + 1):
    o = load("original_search", r)["estimated_search_seconds"]
    t = load("tenas_search", r)["seconds"]
    rows["search"].append((o, t))
    o = load("original_score", r)["seconds"]
    t = load("tenas_score", r)["seconds"]
    wall = float(open("%s/tenas_score_%d.wall" % (out, r)).read())
    rows["score"].append((o, t))
    rows["score_process"].append((o, wall))
names = {"search": "NB201 search, seed 0 (original: lower-bound estimate)",
         "score": "one full score, compute (κ + R, 3 repeats)",
         "score_process": "one full score, tenas whole process"}
print("| figure | original s: median [min, max] | tenas s: median [min, max] | original / tenas: median [min, max] |")
print("|---|---|---|---|")
for key, pairs in rows.items():
    o = sorted(p[0] for p in pairs); t = sorted(p[1] for p in pairs)
    q = sorted(p[0] / p[1] for p in pairs)
    print("| %s | %.1f [%.1f, %.1f] | %.2f [%.2f, %.2f] | **%.1fx** [%.1f, %.1f] |" % (
        names[key], statistics.median(o), o[0], o[-1], statistics.median(t), t[0],
        t[-1], statistics.median(q), q[0], q[-1]))
PYEOF
echo "raw: $OUT_DIR"
