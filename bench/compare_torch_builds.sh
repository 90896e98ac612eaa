#!/usr/bin/env bash
# bench/compare_torch_builds.sh: the NTK benchmark of two builds (by default
# Debian's LibTorch 1.13 in build/ and PyTorch 2.x's in build-torch2/), run
# in alternation on the same machine in the same session, so that the
# machine's noise falls on both alike. Prints, per figure, the median over
# the rounds of each build's per-round median, the range, and the median of
# the per-round ratios 2.x / 1.13. docs/BENCHMARKS.md §4.1b.
#
#   bench/compare_torch_builds.sh [--rounds 3] [--reps 3] [--threads 1]
#                                 [--a build] [--b build-torch2] [--out DIR]
#
# Each round runs `ntk_benchmark --reps REPS --threads THREADS` of A, then
# of B (the order alternates every round). The raw outputs stay in DIR
# (default: a fresh folder under /tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=3
REPS=3
THREADS=1
A=build
B=build-torch2
OUT_DIR=""
while (($# > 0)); do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --a) A="$2"; shift 2 ;;
    --b) B="$2"; shift 2 ;;
    --out) OUT_DIR="$2"; shift 2 ;;
    *) echo "compare_torch_builds: unknown argument $1" >&2; exit 2 ;;
  esac
done
for build in "$A" "$B"; do
  if [[ ! -x "$build/bench/ntk_benchmark" ]]; then
    echo "compare_torch_builds: no $build/bench/ntk_benchmark (build it first)" >&2
    exit 2
  fi
done
OUT_DIR="${OUT_DIR:-$(mktemp -d /tmp/compare-torch-builds.XXXXXX)}"
mkdir -p "$OUT_DIR"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores;" \
     "$(date -u +%F); rounds $ROUNDS, reps $REPS, threads $THREADS; raw: $OUT_DIR"
for ((r = 1; r <= ROUNDS; ++r)); do
  order=("$A" "$B")
  ((r % 2 == 0)) && order=("$B" "$A")
  for build in "${order[@]}"; do
    tag=$(basename "$build")
    "$build/bench/ntk_benchmark" --reps "$REPS" --threads "$THREADS" \
      > "$OUT_DIR/$tag.round$r.txt" 2>&1
    echo "round $r: $tag done"
  done
done
python3 - "$OUT_DIR" "$(basename "$A")" "$(basename "$B")" "$ROUNDS" <<'PY'
import re, statistics, sys
out, a, b, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
figures = [
    ("NTK reference", r"NTK reference\s+median ([\d.]+) s"),
    ("NTK fast", r"NTK fast\s+median ([\d.]+) s"),
    ("origin + candidate, joint", r"joint median ([\d.]+) s"),
    ("score reference (3 repeats)", r"kappa\+R\) reference median ([\d.]+) s"),
    ("score fast (3 repeats)", r"kappa\+R\) fast\s+median ([\d.]+) s"),
]
def read(tag, r):
    return open(f"{out}/{tag}.round{r}.txt").read()
print(f"| figure (seconds) | {a}: median [min, max] | {b}: median [min, max] | {b} / {a}: median ratio [min, max] |")
print("|---|---|---|---|")
for name, pattern in figures:
    va, vb = [], []
    for r in range(1, rounds + 1):
        va.append(float(re.search(pattern, read(a, r)).group(1)))
        vb.append(float(re.search(pattern, read(b, r)).group(1)))
    ratios = [y / x for x, y in zip(va, vb)]
    f = lambda v: f"{statistics.median(v):.3f} [{min(v):.3f}, {max(v):.3f}]"
    g = lambda v: f"{statistics.median(v):.2f}x [{min(v):.2f}, {max(v):.2f}]"
    print(f"| {name} | {f(va)} | {f(vb)} | {g(ratios)} |")
for tag in (a, b):
    kappas = re.findall(r"NTK (\w+)\s+median.*kappa ([\d.e+]+)", read(tag, 1))
    peaks = re.findall(r"NTK (\w+)\s+median.*peak RSS (\d+) MiB", read(tag, 1))
    print(f"{tag}: kappa " + ", ".join(f"{m} {k}" for m, k in kappas) +
          "; peak RSS " + ", ".join(f"{m} {p} MiB" for m, p in peaks))
PY
