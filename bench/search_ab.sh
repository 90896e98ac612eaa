#!/usr/bin/env bash
# bench/search_ab.sh: two tenas-bench binaries on the same NB201 search, back
# to back on the same machine, alternating A, B per seed so that the
# machine's noise falls on both alike. For each run: wall time, peak RSS
# and the architecture found; then per seed the ratio A / B, and the median
# ratio. Used for docs/BENCHMARKS.md §4.2 (an older commit's build as A,
# this one's as B; or the same binary with different flags).
#
#   bench/search_ab.sh A_BIN B_BIN [--seeds "0 1"] [--rounds 1]
#                      [--a-flags "..."] [--b-flags "..."]
#
# Each run: BIN search --space nb201 --dataset cifar10 --seed S --json
# plus the side's flags (e.g. --b-flags "--ntk reference").
set -euo pipefail
cd "$(dirname "$0")/.."
(($# >= 2)) || {
  echo "usage: bench/search_ab.sh A_BIN B_BIN [--seeds \"0 1\"] [--rounds N]" \
    "[--a-flags F] [--b-flags F]" >&2
  exit 2
}
A_BIN="$1"
B_BIN="$2"
shift 2
SEEDS="0 1"
ROUNDS=1
A_FLAGS=""
B_FLAGS=""
while (($# > 0)); do
  case "$1" in
    --seeds) SEEDS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --a-flags) A_FLAGS="$2"; shift 2 ;;
    --b-flags) B_FLAGS="$2"; shift 2 ;;
    *) echo "search_ab.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
for bin in "$A_BIN" "$B_BIN"; do
  [[ -x "$bin" ]] || { echo "search_ab.sh: '$bin' is not executable" >&2; exit 2; }
done
[[ "$ROUNDS" =~ ^[0-9]+$ ]] && ((ROUNDS >= 1)) \
  || { echo "search_ab.sh: --rounds must be >= 1" >&2; exit 2; }
OUT=$(mktemp -d /tmp/search_ab.XXXXXX)
echo "# $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores," \
  "$(date -u +%F); A=$A_BIN $A_FLAGS; B=$B_BIN $B_FLAGS; raw output in $OUT"
RATIOS=()
for round in $(seq 1 "$ROUNDS"); do
  for seed in $SEEDS; do
    declare -A wall=()
    for side in A B; do
      if [[ $side == A ]]; then bin=$A_BIN flags=$A_FLAGS; else bin=$B_BIN flags=$B_FLAGS; fi
      log="$OUT/r${round}_s${seed}_$side"
      # shellcheck disable=SC2086
      /usr/bin/time -v "$bin" search --space nb201 --dataset cifar10 \
        --seed "$seed" --json $flags > "$log.json" 2> "$log.time"
      w=$(/usr/bin/python3 - "$log.time" <<'PYEOF'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", t)
h, mnt, s = m.groups()
print(f"{(int(h or 0) * 60 + int(mnt)) * 60 + float(s):.1f}")
PYEOF
)
      rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log.time")
      found=$(tail -1 "$log.json" | /usr/bin/python3 -c \
        'import json,sys; r=json.loads(sys.stdin.read()); print("#%s %s" % (r.get("benchmark", {}).get("index", "?"), r.get("arch", "")))')
      wall[$side]=$w
      echo "round $round seed $seed $side: ${w} s, peak RSS $((rss / 1024)) MiB, found $found"
    done
    ratio=$(/usr/bin/python3 -c "print(f'{${wall[A]} / ${wall[B]}:.2f}')")
    RATIOS+=("$ratio")
    echo "round $round seed $seed: A / B = ${ratio}x"
    unset wall
  done
done
/usr/bin/python3 - "${RATIOS[@]}" <<'PYEOF'
import statistics, sys
r = [float(x) for x in sys.argv[1:]]
print(f"A / B: median {statistics.median(r):.2f}x [min {min(r):.2f}, max {max(r):.2f}] over {len(r)} pair(s)")
PYEOF
