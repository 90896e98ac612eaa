#!/usr/bin/env bash
# The CPU fallbacks of --device (README "PyTorch 2.x and CUDA build"), on
# the real binaries of any build (Debian's CPU LibTorch or the CUDA one):
# on a machine without a CUDA device, --device auto runs on the CPU and a
# CUDA device fails at start-up with one clear line; on a machine with one,
# auto picks cuda:0 and a device past the last fails the same way.
# usage: device_fallback_test.sh TENAS_BENCH [TENAS_SERVER TENAS]
set -uo pipefail
BENCH="$1"
SERVER_BIN="${2:-}"
CLI="${3:-}"
PY=/usr/bin/python3
ARCH='|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
source "$(dirname "$0")/check_lib.sh"
source "$(dirname "$0")/server_lib.sh"
json_field() { tail -n 1 | $PY -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# --- tenas-bench -------------------------------------------------------------
auto=$("$BENCH" score --arch "$ARCH" --repeats 1 --batch-size 8 \
       --device auto --json | json_field device)
check "tenas-bench score --device auto exit 0 (device $auto)" 0 $?
cpu=$("$BENCH" score --arch "$ARCH" --repeats 1 --batch-size 8 --json \
      | json_field device)
[[ "$cpu" == cpu ]]; check "tenas-bench's default device is cpu ($cpu)" 0 $?
if [[ "$auto" == cpu ]]; then
  echo "no CUDA device here: checking the CPU fallbacks"
  missing=(cuda:0 cuda)
  count=0
else
  [[ "$auto" == cuda:0 ]]; check "auto is cuda:0 on a CUDA machine" 0 $?
  count=$(nvidia-smi -L 2>/dev/null | wc -l)
  missing=("cuda:${count:-99}")
fi
for device in "${missing[@]}"; do
  err=$("$BENCH" score --arch "$ARCH" --repeats 1 --batch-size 8 \
        --device "$device" 2>&1 >/dev/null)
  check "tenas-bench score --device $device exit 1" 1 $?
  [[ $(printf '%s\n' "$err" | wc -l) == 1 &&
     "$err" == "tenas-bench score: --device: $device is not available on this machine ("*" CUDA device"*")" ]]
  check "tenas-bench --device $device: one line ($err)" 0 $?
  err=$("$BENCH" search --space nb201 --device "$device" 2>&1 >/dev/null)
  check "tenas-bench search --device $device exit 1" 1 $?
  [[ $(printf '%s\n' "$err" | wc -l) == 1 && "$err" == *"--device: $device is not available"* ]]
  check "tenas-bench search --device $device: one line" 0 $?
done

# --- tenas-server ------------------------------------------------------------
if [[ -n "$SERVER_BIN" ]]; then
  start_server "$tmp/auto.log" --device auto --workers 1 --threads 1
  check "tenas-server --device auto started" 0 $?
  grep -q "listening on port $port (metrics off, device $auto)" "$tmp/auto.log"
  check "tenas-server --device auto serves on $auto" 0 $?
  wait_healthy; check "tenas-server --device auto healthy" 0 $?
  "$CLI" "${S[@]}" score --arch "$ARCH" --repeats 1 --batch-size 8 --json \
    > "$tmp/score.json"
  check "a ScoreArchitecture call on the auto server" 0 $?
  "$CLI" "${S[@]}" info --json | json_field device > "$tmp/device"
  [[ "$(cat "$tmp/device")" == "$auto" ]]
  check "tenas info reports device $auto" 0 $?
  stop_server; check "tenas-server --device auto stops cleanly" 0 $?
  for device in "${missing[@]}"; do
    timeout 120 "$SERVER_BIN" --host 127.0.0.1 --port 0 --metrics-port -1 \
      --device "$device" > "$tmp/out.log" 2> "$tmp/err.log"
    check "tenas-server --device $device exits 1 at start-up" 1 $?
    [[ ! -s "$tmp/out.log" && $(wc -l < "$tmp/err.log") == 1 ]] &&
      grep -q "^tenas-server: --device: $device is not available on this machine (.* CUDA device" "$tmp/err.log"
    rc=$?; check "tenas-server --device $device: one line ($(cat "$tmp/err.log"))" 0 $rc
  done
fi
check_summary
