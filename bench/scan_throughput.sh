#!/usr/bin/env bash
# bench/scan_throughput.sh: how fast the server scores a large scan. N
# random NB201 architectures (uniform over the 15625, without repetition,
# drawn with --seed) go through `tenas scan` (the streaming
# ScoreArchitectures call) at paper settings (3 repeats, NTK batch 72,
# CIFAR-10, no result cache), once per server configuration, the
# configurations alternating round by round so that the machine's noise
# falls on all alike. Per configuration: architectures per second (median
# over rounds, with the range), the median per-architecture work time the
# server reports, and the estimated time for all 15625 NB201 architectures.
# docs/BENCHMARKS.md §8.
#
#   bench/scan_throughput.sh [--archs 500] [--rounds 1] [--seed 0]
#                            [--configs "1x2 2x1"] [--out DIR]
#
# A configuration WxT is `tenas-server --workers W --threads T`. The raw
# JSON lines stay in DIR (default: a fresh folder under /tmp).
# SERVER_BIN, CLI: the binaries (default build/server/tenas-server,
# build/client/tenas).
set -euo pipefail
cd "$(dirname "$0")/.."
ARCHS=500
ROUNDS=1
SEED=0
CONFIGS="1x2 2x1"
OUT_DIR=""
while (($# > 0)); do
  case "$1" in
    --archs) ARCHS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --configs) CONFIGS="$2"; shift 2 ;;
    --out) OUT_DIR="$2"; shift 2 ;;
    *) echo "scan_throughput.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ "$ARCHS" =~ ^[0-9]+$ ]] && ((ARCHS >= 1 && ARCHS <= 15625)) \
  || { echo "scan_throughput.sh: --archs must be in [1, 15625]" >&2; exit 2; }
[[ "$ROUNDS" =~ ^[0-9]+$ ]] && ((ROUNDS >= 1)) \
  || { echo "scan_throughput.sh: --rounds must be >= 1" >&2; exit 2; }
SERVER_BIN="${SERVER_BIN:-build/server/tenas-server}"
CLI="${CLI:-build/client/tenas}"
PY=/usr/bin/python3
source tests/integration/server_lib.sh
OUT_DIR="${OUT_DIR:-$(mktemp -d /tmp/scan_throughput.XXXXXX)}"
mkdir -p "$OUT_DIR"

$PY - "$ARCHS" "$SEED" > "$OUT_DIR/archs.txt" <<'PYEOF'
import random, sys
ops = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
n, seed = int(sys.argv[1]), int(sys.argv[2])
for index in random.Random(seed).sample(range(5 ** 6), n):
    e = [ops[(index // 5 ** k) % 5] for k in range(6)]
    print("|%s~0|+|%s~0|%s~1|+|%s~0|%s~1|%s~2|" % tuple(e))
PYEOF

echo "# $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores," \
  "$(date -u +%F), $ARCHS architectures, $ROUNDS round(s)"
for round in $(seq 1 "$ROUNDS"); do
  configs=($CONFIGS)
  # Alternate the order every round.
  if ((round % 2 == 0)); then
    configs=($(printf '%s\n' "${configs[@]}" | tac))
  fi
  for config in "${configs[@]}"; do
    workers="${config%x*}"
    threads="${config#*x}"
    start_server "$OUT_DIR/server_${config}_$round.log" --workers "$workers" \
      --threads "$threads" --no-cache --max-queue 64
    wait_healthy
    t0=$(date +%s.%N)
    "$CLI" scan "${S[@]}" --arch-file "$OUT_DIR/archs.txt" --dataset cifar10 \
      --repeats 3 --batch-size 72 --json \
      > "$OUT_DIR/scan_${config}_$round.jsonl" 2> "$OUT_DIR/scan_${config}_$round.err"
    t1=$(date +%s.%N)
    stop_server
    echo "$config $round $t0 $t1" >> "$OUT_DIR/times.txt"
    echo "round $round $config: $(tail -n 1 "$OUT_DIR/scan_${config}_$round.err")"
  done
done

$PY - "$OUT_DIR" "$ARCHS" <<'PYEOF'
import collections, json, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
rates = collections.defaultdict(list)
work = collections.defaultdict(list)
for line in open(out + "/times.txt"):
    config, rnd, t0, t1 = line.split()
    rows = [json.loads(l) for l in open("%s/scan_%s_%s.jsonl" % (out, config, rnd))]
    ok = [r for r in rows if "error" not in r]
    assert len(ok) == n, "%s round %s: %d of %d scored" % (config, rnd, len(ok), n)
    rates[config].append(n / (float(t1) - float(t0)))
    work[config] += [r["seconds"] - r["queue_seconds"] for r in ok]
print("| server W x T | architectures / s: median [min, max] | work s per architecture: median [p10, p90] | all 15625 NB201, estimated |")
print("|---|---|---|---|")
for config in rates:
    r = sorted(rates[config])
    w = sorted(work[config])
    m = statistics.median(r)
    print("| %s | %.3f [%.3f, %.3f] | %.3f [%.3f, %.3f] | %.2f h |" % (
        config.replace("x", " x "), m, r[0], r[-1], statistics.median(w),
        w[len(w) // 10], w[(9 * len(w)) // 10], 15625 / m / 3600))
PYEOF
echo "raw: $OUT_DIR"
