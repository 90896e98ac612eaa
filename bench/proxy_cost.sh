#!/usr/bin/env bash
# bench/proxy_cost.sh: seconds per architecture of every measure
# (docs/PROXIES.md), one measure at a time, on this machine's cores.
# For each measure, `tenas-bench score --measures M --repeats R --json` on
# each of a few NB201 architectures (CIFAR-10 bundled sample, paper NTK
# batch 72, proxy batch 32); the measures are visited in turn, round after
# round, so that the machine's noise falls on all alike. Per measure: the
# median over (architecture, round) of the measure's own seconds per repeat
# (`ntk_seconds`, `regions_seconds` or `proxies_seconds` over R), with the
# min and max, and the median of a whole `--measures all` score per repeat.
# docs/BENCHMARKS.md, "Zero-cost proxies".
#
#   bench/proxy_cost.sh [--rounds 3] [--repeats 2] [--threads 2]
#
# BIN: the tenas-bench binary (default build/bench/tenas-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-build/bench/tenas-bench}"
ROUNDS=3
REPEATS=2
THREADS=2
while (($# > 0)); do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --repeats) REPEATS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    *) echo "proxy_cost.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
for v in "$ROUNDS" "$REPEATS" "$THREADS"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] \
    || { echo "proxy_cost.sh: --rounds, --repeats and --threads take positive integers" >&2; exit 2; }
done
ARCHS=(
  "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
  "|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|"
  "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
)
MEASURES=(ntk lr params flops synflow snip grasp fisher grad_norm l2_norm
          plain jacov nwot epe_nas zen zico all)
OUT=$(mktemp -d /tmp/proxy_cost.XXXXXX)
echo "# $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(date -u +%F)," \
     "$ROUNDS rounds x ${#ARCHS[@]} archs, $REPEATS repeats, $THREADS threads"
for ((round = 0; round < ROUNDS; ++round)); do
  for m in "${MEASURES[@]}"; do
    for a in "${!ARCHS[@]}"; do
      "$BIN" score --arch "${ARCHS[$a]}" --measures "$m" --repeats "$REPEATS" \
        --threads "$THREADS" --json >> "$OUT/$m.jsonl"
    done
  done
done
/usr/bin/python3 - "$OUT" "$REPEATS" "${MEASURES[@]}" <<'EOF'
import json, statistics, sys
out, repeats, measures = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
print("| measure | s per architecture (median) | min | max | n |")
print("|---|---|---|---|---|")
for m in measures:
    rows = [json.loads(l) for l in open("%s/%s.jsonl" % (out, m))]
    key = {"ntk": "ntk_seconds", "lr": "linear_regions_seconds"}.get(
        m, "seconds" if m == "all" else "proxies_seconds")
    xs = sorted(r[key] / repeats for r in rows)
    print("| %s | %.3f | %.3f | %.3f | %d |" % (
        m, statistics.median(xs), xs[0], xs[-1], len(xs)))
EOF
echo "raw JSON lines: $OUT"
