#!/usr/bin/env bash
# The load and fault checks behind docs/RELIABILITY.md, on the real binaries:
#   1. the queue bound under overload (tenas load, more clients than queue);
#   2. server memory over a long load run (RSS sampled every 30 s);
#   3. a client that disconnects mid-search, and a call cut by its deadline:
#      no work left behind (queue, workers, searches, threads);
#   4. a full disk / an unwritable state dir at start-up, and a disk that
#      fills up while serving;
#   5. a corrupted dataset file at start-up.
# usage: scripts/reliability_checks.sh [BUILD_DIR] [SOAK_SECONDS] [STAGES]
#   STAGES: which of 1-5 to run, e.g. "1 5" (default all)
# Needs root for the tmpfs "full disk" cases (skipped otherwise).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
SOAK="${2:-600}"
STAGES="${3:-1 2 3 4 5}"
stage() { [[ " $STAGES " == *" $1 "* ]]; }
SERVER_BIN="$BUILD/server/tenas-server"
CLI="$BUILD/client/tenas"
SAMPLE="$(pwd)/tests/data/cifar10_sample.bin"
source tests/integration/server_lib.sh
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
threads() { awk '/^Threads/ {print $2}' "/proc/$1/status"; }
info() { "$CLI" info "${S[@]}" --json; }

echo "== machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%F)"

if stage 1; then
echo "== 1. queue bound: 16 clients, queue 4, 1 worker, 60 s"
start_server "$tmp/q.log" --workers 1 --threads 1 --max-queue 4 --no-cache
wait_healthy
"$CLI" load "${S[@]}" --clients 16 --duration 60 --pool 8 --seeds 2 \
  --batch-size 16 --json
echo "exit $?; after the run: $(info)"
stop_server; echo "server exit $?"

fi
if stage 2; then
echo "== 2. memory under load: 4 clients, ${SOAK} s, RSS every 30 s"
start_server "$tmp/m.log" --workers 2 --threads 1 --max-queue 16 --no-cache
wait_healthy
"$CLI" load "${S[@]}" --clients 4 --duration "$SOAK" --pool 64 --seeds 4 \
  --batch-size 16 --json > "$tmp/soak.json" &
load_pid=$!
echo "t_s rss_kib threads"
t=0
while kill -0 "$load_pid" 2>/dev/null; do
  echo "$t $(rss_kib "$server_pid") $(threads "$server_pid")"
  sleep 30; t=$((t + 30))
done
wait "$load_pid"; echo "load exit $?"
cat "$tmp/soak.json"
echo "end: rss $(rss_kib "$server_pid") KiB, threads $(threads "$server_pid")"
stop_server; echo "server exit $?"

fi
if stage 3; then
echo "== 3. clients that go away"
start_server "$tmp/d.log" --workers 2 --threads 1
wait_healthy
base_threads=$(threads "$server_pid")
"$CLI" search "${S[@]}" --space nb201 --repeats 1 --batch-size 16 --json \
  > "$tmp/search.jsonl" &
client=$!
for _ in $(seq 1 200); do
  [[ $(wc -l < "$tmp/search.jsonl") -ge 3 ]] && break
  sleep 0.05
done
kill -9 "$client"; wait "$client" 2>/dev/null
id=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["search_id"])' "$tmp/search.jsonl")
echo "search $id: client killed after $(wc -l < "$tmp/search.jsonl") events; threads $(threads "$server_pid") (idle $base_threads)"
start=$(date +%s.%N)
while [[ $(info | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("active_searches", 0))') != 0 ]]; do
  sleep 0.2
done
echo "search finished on its own after $(echo "$(date +%s.%N) - $start" | bc) s (searches outlive their clients by design): $("$CLI" searches "${S[@]}" --json)"
sleep 1
echo "after: $(info); threads $(threads "$server_pid") (idle $base_threads)"
"$CLI" score "${S[@]}" --arch '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|' \
  --batch-size 64 --repeats 20 --timeout 2 2>&1 | tail -1
start=$(date +%s.%N)
while [[ $(info | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["busy_workers"])') != 0 ]]; do
  sleep 0.1
done
echo "deadline-cut score: workers idle again $(echo "$(date +%s.%N) - $start" | bc) s after the client gave up; $(info)"
stop_server; echo "server exit $?"

fi
if stage 4; then
echo "== 4. state dir problems at start-up"
"$SERVER_BIN" --port 0 --metrics-port -1 --state-dir /proc/self/state 2>&1 | tail -1
echo "exit ${PIPESTATUS[0]}"
touch "$tmp/a-file"
"$SERVER_BIN" --port 0 --metrics-port -1 --state-dir "$tmp/a-file" 2>&1 | tail -1
echo "exit ${PIPESTATUS[0]}"
mkdir -p "$tmp/ro"; chmod 500 "$tmp/ro"; chmod 755 "$tmp"
runuser -u nobody -- "$SERVER_BIN" --port 0 --metrics-port -1 \
  --state-dir "$tmp/ro" 2>&1 | tail -1
echo "exit ${PIPESTATUS[0]} (as user nobody, read-only dir)"
mkdir -p "$tmp/small"
if mount -t tmpfs -o size=4m tmpfs "$tmp/small" 2>/dev/null; then
  "$SERVER_BIN" --port 0 --metrics-port -1 --state-dir "$tmp/small/state" 2>&1 | tail -1
  echo "exit ${PIPESTATUS[0]} (4 MiB filesystem, default --state-dir-min-free 64M)"
  echo "-- a disk that fills up while serving (--state-dir-min-free 1M):"
  start_server "$tmp/f.log" --state-dir "$tmp/small/state" --state-dir-min-free 1M
  wait_healthy
  dd if=/dev/zero of="$tmp/small/filler" bs=64k 2>/dev/null
  df -k "$tmp/small" | tail -1
  "$CLI" score "${S[@]}" --arch '|skip_connect~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_3x3~0|skip_connect~1|skip_connect~2|' \
    --batch-size 8 --repeats 1 --json | cut -c1-120
  echo "score exit ${PIPESTATUS[0]}; server log: $(grep -m1 'not saved\|cache write failed' "$tmp/f.log")"
  stop_server; echo "server exit $?"
  umount "$tmp/small"
else
  echo "(not root: no tmpfs cases)"
fi

fi
if stage 5; then
echo "== 5. a corrupted dataset file at start-up"
mkdir -p "$tmp/bad-data"
for i in 1 2 3 4 5; do
  cp "$SAMPLE" "$tmp/bad-data/data_batch_$i.bin"
done
truncate -s 100000 "$tmp/bad-data/data_batch_3.bin"
"$SERVER_BIN" --port 0 --metrics-port -1 --data-dir "$tmp/bad-data" 2>&1 | tail -1
echo "exit ${PIPESTATUS[0]} (data_batch_3.bin truncated to 100000 bytes)"
cp "$SAMPLE" "$tmp/bad-data/data_batch_3.bin"
printf '\xff' | dd of="$tmp/bad-data/data_batch_3.bin" bs=1 seek=3073 conv=notrunc 2>/dev/null
"$SERVER_BIN" --port 0 --metrics-port -1 --data-dir "$tmp/bad-data" 2>&1 | tail -1
echo "exit ${PIPESTATUS[0]} (data_batch_3.bin: record 1's label byte set to 255)"
fi
