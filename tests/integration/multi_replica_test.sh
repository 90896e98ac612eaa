#!/usr/bin/env bash
# Scale-out check (docs/SERVICE_DESIGN.md §6): three tenas-server replicas on
# 127.0.0.1 behind ONE client channel with gRPC's own round_robin policy
# (target ipv4:127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3 - what a dns:/// target
# over a headless Service resolves to in Kubernetes). The Python client sends
# many ScoreArchitecture calls and a few ScoreArchitectures calls (one
# streaming call stays on one backend, so several are issued); then each
# replica's /metrics must show tenas_requests_total grown on all three.
# usage: multi_replica_test.sh PATH/TO/tenas-server
# Needs: python3-grpcio python3-protobuf protobuf-compiler-grpc curl.
set -uo pipefail
SERVER_BIN="$1"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PY=/usr/bin/python3
N=3
source "$(dirname "$0")/check_lib.sh"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

bash "$ROOT/client/python/generate.sh" "$tmp/gen" > /dev/null
check "python stubs generated" 0 $?

ports=()
mports=()
for i in $(seq 1 $N); do
  "$SERVER_BIN" --host 127.0.0.1 --port 0 --metrics-port 0 --workers 1 \
    --threads 1 --drain-seconds 5 > "$tmp/server$i.log" 2>&1 &
  pids+=($!)
done
for i in $(seq 1 $N); do
  for _ in $(seq 1 200); do
    grep -q "listening on port" "$tmp/server$i.log" && break
    sleep 0.05
  done
  line=$(grep "listening on port" "$tmp/server$i.log")
  ports+=("$(sed -n 's/.*listening on port \([0-9]*\) (metrics port \([0-9]*\).*/\1/p' <<< "$line")")
  mports+=("$(sed -n 's/.*listening on port \([0-9]*\) (metrics port \([0-9]*\).*/\2/p' <<< "$line")")
done
[[ ${#ports[@]} == $N && -n "${ports[0]}" && -n "${ports[1]}" && -n "${ports[2]}" \
   && -n "${mports[2]}" ]]
check "$N replicas started (ports ${ports[*]}, metrics ${mports[*]})" 0 $?

# Counter value of tenas_requests_total{method=M,code="OK"} at a metrics port.
requests_ok() {  # requests_ok MPORT METHOD
  curl -sf "http://127.0.0.1:$1/metrics" | awk -v m="$2" '
    /^tenas_requests_total\{/ && index($0, "method=\"" m "\"") && index($0, "code=\"OK\"") { s += $NF }
    END { printf "%d\n", s + 0 }'
}
before=()
for i in 0 1 2; do before+=("$(requests_ok "${mports[$i]}" ScoreArchitecture)"); done

targets="127.0.0.1:${ports[0]},127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}"
TENAS_CLIENT_GENERATED="$tmp/gen" PYTHONPATH="$ROOT/client/python" \
  $PY - "ipv4:$targets" "$targets" <<'PYEOF'
import json
import sys
from tenas_client import TenasClient, ScoreResult

target, plain = sys.argv[1], sys.argv[2]
ARCHS = [
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",
    "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
]
# Every replica ready first (each one on its own channel).
for addr in plain.split(","):
    with TenasClient(addr) as c:
        c.wait_until_ready(timeout=120)
# Unary calls through a channel configured as docs recommend (service
# config): round_robin picks the next READY backend per call.
config = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})
with TenasClient(target, timeout=300,
                 options=[("grpc.service_config", config)]) as c:
    for i in range(9):
        r = c.score(ARCHS[i % 3], repeats=1, batch_size=8)
        assert isinstance(r, ScoreResult) and r.linear_regions >= 1, r
# Streaming calls (policy by channel argument): each call lands on one
# backend; several calls spread.
with TenasClient(target, timeout=300,
                 options=[("grpc.lb_policy_name", "round_robin")]) as c:
    items = 0
    for _ in range(3):
        for index, item in c.score_many(ARCHS, repeats=1, batch_size=8):
            assert isinstance(item, ScoreResult), item
            items += 1
    assert items == 9, items
print("client: 9 ScoreArchitecture + 3 ScoreArchitectures calls OK")
PYEOF
check "round_robin client calls" 0 $?

for i in 0 1 2; do
  after=$(requests_ok "${mports[$i]}" ScoreArchitecture)
  streams=$(requests_ok "${mports[$i]}" ScoreArchitectures)
  echo "     replica $((i + 1)) (port ${ports[$i]}): ScoreArchitecture OK ${before[$i]} -> $after, ScoreArchitectures OK $streams"
  (( after > ${before[$i]} ))
  check "replica $((i + 1)) served unary calls (tenas_requests_total grew)" 0 $?
done
# A call is counted once it is over on the server, a moment after its
# client has the answer: scrape until the count is there (or 30 s pass).
for _ in $(seq 1 300); do
  total_streams=0
  for i in 0 1 2; do
    total_streams=$((total_streams + $(requests_ok "${mports[$i]}" ScoreArchitectures)))
  done
  [[ $total_streams == 3 ]] && break
  sleep 0.1
done
[[ $total_streams == 3 ]]
check "3 streaming calls counted across the replicas" 0 $?

for i in 0 1 2; do
  kill -TERM "${pids[$i]}"
  wait "${pids[$i]}"
  check "replica $((i + 1)) drained and exited 0 on SIGTERM" 0 $?
done
pids=()

check_summary
