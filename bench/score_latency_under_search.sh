#!/usr/bin/env bash
# Copyright 2026 The tenas Authors.
#
# A score's latency while 0, 1 and 2 searches run on the same server
# (docs/RELIABILITY.md §6.7, fair scheduling). One tenas-server (CPU, one
# worker, no result cache); per phase, SCORES sequential `tenas score` calls
# of one NB201 cell (NTK batch 16, one repeat, a fresh seed each). The
# latency is the server's own (`seconds` of `tenas score --json`: queue wait + work) and
# the client's wall time. The idle phase is the reference, measured in the
# same run on the same machine; the script prints medians, p90, min and max
# and the ratios to the idle medians.
#
# Usage: bench/score_latency_under_search.sh [SCORES] (default 15)
#   SERVER_BIN, CLI: the binaries (default: build/server/tenas-server,
#   build/client/tenas).
set -euo pipefail
[[ -n "${DEBUG_LAT:-}" ]] && set -x
cd "$(dirname "$0")/.."
SCORES="${1:-15}"
SERVER_BIN="${SERVER_BIN:-build/server/tenas-server}"
CLI="${CLI:-build/client/tenas}"
source tests/integration/server_lib.sh

ARCH='|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|'
start_server "$tmp/server.log" --workers 1 --no-cache --drain-seconds 1 \
  || { cat "$tmp/server.log"; exit 1; }
wait_healthy || { cat "$tmp/server.log"; exit 1; }

seed=1000
# measure PHASE: SCORES scores; appends "PHASE server_s wall_s ok" lines.
measure() {
  local phase="$1"
  for _ in $(seq 1 "$SCORES"); do
    seed=$((seed + 1))
    local t0 t1 out rc=0
    t0=$(date +%s.%N)
    out=$("$CLI" score "${S[@]}" --arch "$ARCH" --seed "$seed" \
      --batch-size 16 --repeats 1 --json 2>&1) || rc=$?
    t1=$(date +%s.%N)
    local server_s
    server_s=$(python3 -c 'import json,sys
try: print(json.loads(sys.argv[1])["seconds"])
except Exception: print("nan")' "$out")
    echo "$phase $server_s $(python3 -c "print($t1 - $t0)") $rc" >> "$tmp/lat.txt"
  done
}

searches=()
start_search() {  # an NB201 search that outlasts the phases
  "$CLI" search "${S[@]}" --space nb201 --seed "$1" --repeats 3 \
    --batch-size 32 --json > "$tmp/search_$1.log" 2>&1 &
  searches+=($!)
}

measure idle
start_search 1
sleep 2
measure one_search
start_search 2
sleep 2
measure two_searches
"$CLI" info "${S[@]}" --json > "$tmp/info.json" || true
for pid in "${searches[@]}"; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "warning: a search ended during the measurement (pid $pid)" >&2
  fi
done
stop_server || true
for pid in "${searches[@]}"; do wait "$pid" 2>/dev/null || true; done

python3 - "$tmp/lat.txt" "$tmp/info.json" <<'PY'
import json, statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
phases = ["idle", "one_search", "two_searches"]
def q(v, p):
    v = sorted(v); return v[min(len(v) - 1, int(p * (len(v) - 1) + 0.5))]
ref = {}
print(f"{'phase':<14}{'n':>3}{'fail':>5} {'server median':>14}{'p90':>8}"
      f"{'min':>8}{'max':>8}{'ratio':>7} {'wall median':>12}{'ratio':>7}")
for p in phases:
    r = [x for x in rows if x[0] == p]
    ok = [x for x in r if x[3] == "0" and x[1] != "nan"]
    fail = len(r) - len(ok)
    s = [float(x[1]) for x in ok]; w = [float(x[2]) for x in ok]
    if not s:
        print(f"{p:<14}{len(r):>3}{fail:>5}  (no successful score)"); continue
    ms, mw = statistics.median(s), statistics.median(w)
    if p == "idle": ref = {"s": ms, "w": mw}
    print(f"{p:<14}{len(r):>3}{fail:>5} {ms:>14.3f}{q(s,.9):>8.3f}"
          f"{min(s):>8.3f}{max(s):>8.3f}{ms/ref['s']:>7.2f} {mw:>12.3f}"
          f"{mw/ref['w']:>7.2f}")
try:
    info = json.load(open(sys.argv[2]))
    for q in info.get("queues", []):
        print("queue at the end:", json.dumps(q))
except Exception:
    pass
PY
