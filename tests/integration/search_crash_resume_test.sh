#!/usr/bin/env bash
# Durable searches with the real binaries: a search whose server is killed
# with SIGKILL after its first round, or stopped with SIGTERM, resumes when
# the server restarts on the same --state-dir, from its last completed
# round, and its result equals an uninterrupted run's; a robust-mode search
# (--mode robust) resumes in its mode, and one pruning on zero-cost proxies
# keeps its measures and proxy values. The result cache
# answers a repeated score after a restart. A second server on a state dir
# in use refuses to start.
# usage: search_crash_resume_test.sh PATH/TO/tenas-server PATH/TO/tenas
set -uo pipefail
SERVER_BIN="$1"
CLI="$2"
PY=/usr/bin/python3
source "$(dirname "$0")/check_lib.sh"
source "$(dirname "$0")/server_lib.sh"
# start_durable STATE_DIR LOG: a server on STATE_DIR, waited until SERVING.
start_durable() {
  start_server "$2" --workers 2 --threads 1 --state-dir "$1" && wait_healthy
}

SEARCH=(search --space nb201 --seed 11 --repeats 2 --batch-size 12 --json)

# The reference: an uninterrupted run.
start_durable "$tmp/state-ref" "$tmp/ref.log"; check "reference server ready" 0 $?
# One owner per state directory: a second server on it refuses to start,
# in one line naming the directory and the running server's PID.
"$SERVER_BIN" --host 127.0.0.1 --port 0 --metrics-port -1 \
  --state-dir "$tmp/state-ref" > "$tmp/second.log" 2>&1
check "a second server on the same --state-dir exits 1" 1 $?
grep -q "^tenas-server: --state-dir: $tmp/state-ref is in use by another tenas-server (pid $server_pid)" \
  "$tmp/second.log"
rc=$?; check "it names the directory and the holder's PID ($(head -c 200 "$tmp/second.log"))" 0 $rc
"$CLI" "${SEARCH[@]}" "${S[@]}" > "$tmp/ref.jsonl"
check "uninterrupted search" 0 $?
stop_server

# interrupt SIGNAL NAME REF: starts the search "${SEARCH[@]}", sends SIGNAL
# to the server once round 0 has finished, restarts the server on the same
# state dir, follows the resumed search to its end and compares it with the
# uninterrupted run's events in REF.
interrupt() {
  local sig="$1" name="$2" ref="$3" dir="$tmp/state-$2"
  start_durable "$dir" "$tmp/$name-1.log"; check "$name: server ready" 0 $?
  "$CLI" "${SEARCH[@]}" "${S[@]}" > "$tmp/$name-events.jsonl" 2>/dev/null &
  local client=$!
  local seen=1
  for _ in $(seq 1 600); do
    if grep -q '"type":"round_finished"' "$tmp/$name-events.jsonl"; then
      seen=0; break
    fi
    sleep 0.05
  done
  check "$name: round 0 finished before the interruption" 0 $seen
  kill "-$sig" "$server_pid"; wait "$server_pid" 2>/dev/null; server_pid=""
  wait "$client"; check "$name: the client saw the server go" 1 $?
  local id
  id=$($PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["search_id"])' \
       "$tmp/$name-events.jsonl")
  start_durable "$dir" "$tmp/$name-2.log"; check "$name: server restarted" 0 $?
  grep -q "resuming search $id after round [1-9]" "$tmp/$name-2.log"
  check "$name: resumed after a completed round, not from scratch" 0 $?
  "$CLI" watch "$id" "${S[@]}" --json > "$tmp/$name-resumed.jsonl"
  check "$name: resumed search finished" 0 $?
  $PY - "$ref" "$tmp/$name-resumed.jsonl" <<'PYEOF'
import json, sys
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items()
                if "seconds" not in k and k != "search_id"}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
ref = [json.loads(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
assert ref[-1]["type"] == "result" and got[-1]["type"] == "result", got[-1]
assert strip(ref[-1]) == strip(got[-1]), (ref[-1]["arch"], got[-1]["arch"])
# The whole event log: each round once, sequences 0, 1, 2, ...
assert [e["sequence"] for e in got] == list(range(len(got)))
assert sum(e["type"] == "round_started" for e in got) == \
       sum(e["type"] == "round_started" for e in ref)
PYEOF
  check "$name: result and event log equal the uninterrupted run's" 0 $?
  stop_server
}
interrupt KILL kill9 "$tmp/ref.jsonl"
interrupt TERM sigterm "$tmp/ref.jsonl"

# Robust mode: the stored request and rounds keep the mode; the resumed
# search ends as the uninterrupted robust run, and says so.
SEARCH=(search --space nb201 --seed 11 --mode robust --repeats 2
        --batch-size 12 --json)
start_durable "$tmp/state-ref-robust" "$tmp/ref-robust.log"
check "robust reference server ready" 0 $?
"$CLI" "${SEARCH[@]}" "${S[@]}" > "$tmp/ref-robust.jsonl"
check "uninterrupted robust search" 0 $?
stop_server
interrupt KILL kill9-robust "$tmp/ref-robust.jsonl"
$PY - "$tmp/ref.jsonl" "$tmp/kill9-robust-resumed.jsonl" <<'PYEOF'
import json, sys
faithful = json.loads(open(sys.argv[1]).read().splitlines()[-1])
robust = json.loads(open(sys.argv[2]).read().splitlines()[-1])
assert faithful["mode"] == "faithful" and robust["mode"] == "robust", \
    (faithful.get("mode"), robust.get("mode"))
assert robust["repeats"] == 2, robust.get("repeats")
# Robust rounds evaluate the origin once per repeat: (candidates + 1) x 2.
n = sum(len(r["candidates"]) + 1 for r in robust["rounds"]) * 2
assert robust["ntk_evaluations"] == n, (robust["ntk_evaluations"], n)
PYEOF
check "the resumed robust search reports mode robust, its repeats and (candidates + 1) x repeats evaluations" 0 $?

# Zero-cost proxies: a search pruning on κ, R, synflow and jacov resumes
# after kill -9 with its measures and the proxy values of its stored
# rounds, and ends as the uninterrupted run (events and result).
SEARCH=(search --space nb201 --seed 11 --repeats 2 --batch-size 12
        --measures ntk,lr,synflow,jacov --proxy-batch-size 8 --json)
start_durable "$tmp/state-ref-proxies" "$tmp/ref-proxies.log"
check "proxies reference server ready" 0 $?
"$CLI" "${SEARCH[@]}" "${S[@]}" > "$tmp/ref-proxies.jsonl"
check "uninterrupted search with proxies" 0 $?
stop_server
interrupt KILL kill9-proxies "$tmp/ref-proxies.jsonl"
$PY - "$tmp/kill9-proxies-resumed.jsonl" <<'PYEOF'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
result = events[-1]
assert result["measures"] == ["ntk", "lr", "synflow", "jacov"], result["measures"]
# Rounds before the interruption come from the state database: every
# candidate of every round still carries both proxies' values.
for r in result["rounds"]:
    for c in r["candidates"]:
        names = [p["measure"] for p in c["proxies"]]
        assert names == ["synflow", "jacov"], names
scored = [e for e in events if e["type"] == "candidate_scored"]
assert scored and all(len(e["proxies"]) == 2 for e in scored), scored[:1]
PYEOF
check "the resumed search keeps its measures and every round's proxy values" 0 $?

# The result cache survives a restart.
ARCH='|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
start_durable "$tmp/state-ref" "$tmp/cache-1.log"; check "cache: server ready" 0 $?
"$CLI" score "${S[@]}" --arch "$ARCH" --batch-size 8 --repeats 1 --json > "$tmp/s1.json"
check "cache: first score" 0 $?
kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null; server_pid=""
start_durable "$tmp/state-ref" "$tmp/cache-2.log"; check "cache: restarted" 0 $?
"$CLI" score "${S[@]}" --arch "$ARCH" --batch-size 8 --repeats 1 --json > "$tmp/s2.json"
$PY - "$tmp/s1.json" "$tmp/s2.json" <<'PYEOF'
import json, sys
a, b = (json.loads(open(p).read()) for p in sys.argv[1:])
assert not a["cached"] and b["cached"], (a["cached"], b["cached"])
assert a["ntk_condition_number"] == b["ntk_condition_number"]
assert a["linear_regions"] == b["linear_regions"]
PYEOF
check "cache: hit after kill -9 and restart, same values" 0 $?

# A state dir that cannot be used fails at start-up with a clear error.
"$SERVER_BIN" --port 0 --metrics-port -1 --state-dir /proc/self/tenas-state \
  > "$tmp/bad.log" 2>&1
rc=$?
[[ $rc != 0 ]] && grep -q -- "--state-dir" "$tmp/bad.log"
check "unusable --state-dir: non-zero exit naming the flag" 0 $?
"$SERVER_BIN" --port 0 --metrics-port -1 --state-dir "$tmp/state-full" \
  --state-dir-min-free 1000000G > "$tmp/full.log" 2>&1
rc=$?
[[ $rc != 0 ]] && grep -q "free" "$tmp/full.log"
check "state dir without free space: non-zero exit" 0 $?
check_summary
