#!/usr/bin/env bash
# End-to-end: the real tenas-server binary driven by the tenas CLI, scraped
# by a real Prometheus server, stopped with SIGTERM.
# usage: server_e2e_test.sh PATH/TO/tenas-server PATH/TO/tenas REPO_DIR
set -uo pipefail
SERVER_BIN="$1"
CLI="$2"
REPO="$3"
PY=/usr/bin/python3
source "$(dirname "$0")/check_lib.sh"
tmp=$(mktemp -d)
server_pid=""
prom_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill -9 "$server_pid" 2>/dev/null
  [[ -n "$prom_pid" ]] && kill -9 "$prom_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

"$SERVER_BIN" --host 127.0.0.1 --port 0 --metrics-port 0 --workers 2 \
  > "$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on port" "$tmp/server.log" && break
  sleep 0.1
done
port=$(sed -n 's/.*listening on port \([0-9]*\) (metrics port \([0-9]*\).*/\1/p' "$tmp/server.log")
mport=$(sed -n 's/.*listening on port \([0-9]*\) (metrics port \([0-9]*\).*/\2/p' "$tmp/server.log")
[[ -n "$port" && -n "$mport" ]]; check "server started (port $port, metrics $mport)" 0 $?
S=(--server "127.0.0.1:$port")

ready=1
for _ in $(seq 1 300); do
  if "$CLI" health "${S[@]}" > /dev/null 2>&1; then ready=0; break; fi
  sleep 0.2
done
check "health SERVING" 0 $ready
"$CLI" health "${S[@]}" --service "" > /dev/null; check "liveness" 0 $?

ARCH='|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
"$CLI" score "${S[@]}" --space nb201 --arch "$ARCH" --repeats 2 --batch-size 8 \
  --seed 1 --json > "$tmp/score.json"
check "score exit 0" 0 $?
$PY - "$tmp/score.json" <<'PYEOF'
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert d["arch"].startswith("|nor_conv_3x3~0|"), d
assert len(d["repeats"]) == 2 and d["device"] == "cpu"
assert d["ntk_condition_number"] >= 1 and 1 <= d["linear_regions"] <= 3000
k = [r["ntk_condition_number"] for r in d["repeats"]]
assert abs(d["ntk_condition_number_sem"] - abs(k[0] - k[1]) / 2) <= 1e-9 * d["ntk_condition_number"], d
assert "linear_regions_sem" in d, d
PYEOF
check "score JSON fields" 0 $?

err=$("$CLI" score "${S[@]}" --space nb201 --arch '|nor_conv_3x3~0|+|bogus~0|' 2>&1 >/dev/null)
check "bad architecture exit 2" 2 $?
[[ "$err" == *"architecture.nb201_arch"* && "$err" == *"bogus"* ]]
check "error names the field and token" 0 $?
"$CLI" score "${S[@]}" --arch "$ARCH" --dataset cifar100 2>/dev/null
check "dataset not loaded exit 2" 2 $?
"$CLI" frobnicate 2>/dev/null; check "unknown command exit 2" 2 $?
"$CLI" score --bogus 2>/dev/null; check "unknown flag exit 2" 2 $?

"$CLI" search "${S[@]}" --space nb201 --repeats 1 --batch-size 8 --json \
  --accuracy-table "$REPO/data/nb201_accuracy.csv" > "$tmp/search.jsonl"
check "search exit 0" 0 $?
$PY - "$tmp/search.jsonl" <<'PYEOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ids = {l["search_id"] for l in lines}
assert len(ids) == 1, ids
assert lines[-1]["type"] == "result" and "none" not in lines[-1]["arch"]
assert sum(l["type"] == "candidate_scored" for l in lines) == 54
assert [l["sequence"] for l in lines] == list(range(len(lines)))
assert "benchmark" in lines[-1]
open(sys.argv[1] + ".id", "w").write(ids.pop())
PYEOF
check "search JSON lines carry search_id" 0 $?
sid=$(cat "$tmp/search.jsonl.id")
"$CLI" watch "${S[@]}" "$sid" --json > "$tmp/watch.jsonl"
check "watch exit 0" 0 $?
cmp -s <(tail -n 1 "$tmp/watch.jsonl" | $PY -c 'import json,sys; print(json.load(sys.stdin)["arch"])') \
       <(tail -n 1 "$tmp/search.jsonl" | $PY -c 'import json,sys; print(json.load(sys.stdin)["arch"])')
check "watch replays to the same result" 0 $?
"$CLI" searches "${S[@]}" | grep -q "$sid"; check "searches lists it" 0 $?
"$CLI" info "${S[@]}" --json | $PY -c 'import json,sys; d=json.load(sys.stdin); assert d["datasets"][0]["name"]=="cifar10" and d["workers"]==2'
check "info" 0 $?
"$CLI" cancel "${S[@]}" s-unknown 2>/dev/null; check "cancel unknown id exit 1" 1 $?

# A real Prometheus scrapes /metrics; its query API must see our counters.
pport=$((20000 + RANDOM % 20000))
cat > "$tmp/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: tenas
    static_configs:
      - targets: ["127.0.0.1:$mport"]
YAML
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
  --web.listen-address="127.0.0.1:$pport" > "$tmp/prometheus.log" 2>&1 &
prom_pid=$!
query() {
  curl -s --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" \
    | $PY -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")'
}
ok=1
for _ in $(seq 1 60); do
  v=$(query 'tenas_requests_total{method="ScoreArchitecture",code="OK"}' 2>/dev/null)
  if [[ "$v" == "1" ]]; then ok=0; break; fi
  sleep 1
done
check "prometheus sees tenas_requests_total{ScoreArchitecture,OK} = 1 (got $v)" 0 $ok
v=$(query 'tenas_requests_total{method="ScoreArchitecture",code="INVALID_ARGUMENT"}')
[[ "$v" == "2" ]]; check "prometheus: INVALID_ARGUMENT count = 2 (got $v)" 0 $?
v=$(query 'tenas_evaluation_duration_seconds_count{metric="ntk",space="nb201"}')
[[ "$v" == "2" ]]; check "prometheus: ntk evaluation histogram count = 2 (got $v)" 0 $?
v=$(query 'tenas_evaluations_total{metric="ntk",space="nb201"}')
[[ "$v" == "110" ]]; check "prometheus: ntk evaluations = 2 + 108 (got $v)" 0 $?
v=$(query 'tenas_searches_total{outcome="succeeded"}')
[[ "$v" == "1" ]]; check "prometheus: searches succeeded = 1 (got $v)" 0 $?
v=$(query 'tenas_build_info')
[[ "$v" == "1" ]]; check "prometheus: build info (got $v)" 0 $?

# Bad start-up flags: exit 2 with the flag named, before binding anything.
err=$("$SERVER_BIN" --port 0 --metrics-port -1 --ntk quick 2>&1 >/dev/null)
check "server --ntk quick exit 2" 2 $?
[[ "$err" == *"--ntk"* ]]; check "server names --ntk" 0 $?
err=$("$SERVER_BIN" --port 0 --metrics-port -1 --max-memory 1K 2>&1 >/dev/null)
check "server --max-memory 1K exit 2" 2 $?
[[ "$err" == *"--max-memory"* ]]; check "server names --max-memory" 0 $?

# SIGTERM: drain and exit 0.
kill -TERM "$server_pid"
wait "$server_pid"
rc=$?
server_pid=""
check "SIGTERM exits 0" 0 $rc

check_summary
