#!/usr/bin/env bash
# `tenas score|scan|search --measures` against a real server (port 0): a bad
# list exits 2 with one stderr line naming --measures (before any call);
# score prints every requested measure with its mean, sem and per-repeat
# values (text and --json), in canonical order; scan's JSON lines carry the
# measures too; the default is κ and R, as before; info lists every
# measure; a search's JSON events carry its proxies and its result the
# measures; a proxy batch above the server's cap is its INVALID_ARGUMENT
# (exit 2).
# usage: cli_measures_test.sh PATH/TO/tenas-server PATH/TO/tenas
set -uo pipefail
SERVER_BIN="$1"
CLI="$2"
PY=/usr/bin/python3
source "$(dirname "$0")/check_lib.sh"
source "$(dirname "$0")/server_lib.sh"

ARCH='|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
A2='|skip_connect~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|'
O=(--batch-size 8 --repeats 2 --seed 3 --proxy-batch-size 8)

# No server needed: the list is checked before any call (the port is
# closed, so a call would fail with exit 1, not 2).
NOSERVER=(--server 127.0.0.1:1)
expect_usage_error "score --measures unknown" "--measures: unknown measure 'bogus'" \
  "$CLI" score "${NOSERVER[@]}" --arch "$ARCH" --measures ntk,bogus
expect_usage_error "score --measures twice" "--measures" \
  "$CLI" score "${NOSERVER[@]}" --arch "$ARCH" --measures nwot,nwot
expect_usage_error "search --measures unknown" "--measures" \
  "$CLI" search "${NOSERVER[@]}" --measures lr,nope
echo "$ARCH" > "$tmp/archs.txt"
expect_usage_error "scan --measures unknown" "--measures" \
  "$CLI" scan "${NOSERVER[@]}" --arch-file "$tmp/archs.txt" --measures x
expect_usage_error "score --proxy-batch-size out of range" "--proxy-batch-size" \
  "$CLI" score "${NOSERVER[@]}" --arch "$ARCH" --proxy-batch-size -1
"$CLI" score --help > "$tmp/help"
grep -q -- "--measures LIST .*(default: ntk,lr)" "$tmp/help"
check "score --help shows --measures and its default" 0 $?
"$CLI" search --help | grep -q -- "--proxy-batch-size"
check "search --help shows --proxy-batch-size" 0 $?

start_server "$tmp/server.log" --workers 1 --threads 1
check "server started" 0 $?
wait_healthy; check "server healthy" 0 $?
"$CLI" info "${S[@]}" --json | $PY -c '
import json, sys
m = json.load(sys.stdin)["measures"]
assert len(m) == 16 and m[:2] == ["ntk", "lr"] and "zico" in m, m'
check "info lists every measure" 0 $?

"$CLI" score "${S[@]}" --arch "$ARCH" "${O[@]}" --measures nwot,lr,params \
  --json > "$tmp/proxies.json"
check "score --measures nwot,lr,params --json" 0 $?
"$CLI" score "${S[@]}" --arch "$ARCH" "${O[@]}" --measures nwot,lr,params \
  > "$tmp/proxies.txt"
check "score --measures nwot,lr,params (text)" 0 $?
"$CLI" score "${S[@]}" --arch "$ARCH" "${O[@]}" --json > "$tmp/default.json"
check "score without --measures" 0 $?
"$CLI" scan "${S[@]}" --arch-file "$tmp/archs.txt" "${O[@]}" \
  --measures flops,params --json > "$tmp/scan.jsonl" 2> /dev/null
check "scan --measures flops,params --json" 0 $?
"$CLI" scan "${S[@]}" --arch-file "$tmp/archs.txt" "${O[@]}" \
  --measures params > "$tmp/scan.txt" 2> /dev/null
check "scan --measures params (text)" 0 $?
$PY - "$tmp" <<'PYEOF'
import json, math, re, statistics, sys
tmp = sys.argv[1]
p = json.load(open(tmp + "/proxies.json"))
m = p["measures"]
assert sorted(m) == ["lr", "nwot", "params"], m
for name, v in m.items():
    assert len(v["values"]) == 2, (name, v)
    assert abs(v["mean"] - statistics.mean(v["values"])) <= 1e-9 * (1 + abs(v["mean"])), v
    sem = statistics.stdev(v["values"]) / math.sqrt(2)
    assert abs(v["sem"] - sem) <= 1e-9 * (1 + abs(v["mean"])), (name, v, sem)
assert m["params"]["values"][0] == m["params"]["values"][1] > 0, m["params"]
assert m["lr"]["mean"] == p["linear_regions"], p
assert p["proxy_batch_size"] == 8, p
# Per repeat, each proxy's value by name (as tenas-bench score --json).
assert [r["nwot"] for r in p["repeats"]] == m["nwot"]["values"], p["repeats"]
d = json.load(open(tmp + "/default.json"))
assert sorted(d["measures"]) == ["lr", "ntk"], d["measures"]
assert d["measures"]["ntk"]["mean"] == d["ntk_condition_number"] >= 1, d
assert d["proxy_batch_size"] == 0, d
# Text: one line per measure, canonical order, with its per-repeat values.
text = open(tmp + "/proxies.txt").read()
labels = re.findall(r"(?m)^(\w+) +\S+  sem \S+  \(per repeat: \S+ \S+\)$", text)
assert labels == ["regions", "params", "nwot"], (labels, text)
assert "kappa" not in text, text
scan = [json.loads(l) for l in open(tmp + "/scan.jsonl")]
assert len(scan) == 1 and sorted(scan[0]["measures"]) == ["flops", "params"], scan
line = open(tmp + "/scan.txt").read().rstrip("\n").split("\t")
assert len(line) == 5 and line[4].startswith("params="), line
PYEOF
check "every requested measure with mean, sem and values" 0 $?

# A search pruning with R and a proxy: the events carry the proxy, the
# result and the summary name the measures.
SO=(--repeats 1 --batch-size 4 --measures params,lr --proxy-batch-size 8)
"$CLI" search "${S[@]}" "${SO[@]}" --json > "$tmp/search.jsonl" 2> /dev/null
check "search --measures params,lr --json" 0 $?
"$CLI" search "${S[@]}" "${SO[@]}" > "$tmp/search.txt" 2> /dev/null
check "search --measures params,lr (text)" 0 $?
grep -q "measures lr,params, 1 repeats" "$tmp/search.txt"
check "the summary names the measures" 0 $?
$PY - "$tmp" <<'PYEOF'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1] + "/search.jsonl")]
assert events[-1]["type"] == "result", events[-1]
assert events[-1]["measures"] == ["lr", "params"], events[-1]
scored = [e for e in events if e["type"] == "candidate_scored"]
assert scored
for e in scored:
    (p,) = e["proxies"]
    assert p["measure"] == "params" and len(p["origin"]) == 1, p
    assert len(p["candidate"]) == 1 and "delta" in p, p
PYEOF
check "search events carry the proxies" 0 $?

# What only the server can refuse (its --max-batch-size) is its
# INVALID_ARGUMENT, exit 2.
"$CLI" score "${S[@]}" --arch "$ARCH" --repeats 1 --measures all \
  --proxy-batch-size 4096 > /dev/null 2> "$tmp/e1"
check "a proxy batch the server refuses exits 2" 2 $?
grep -q "INVALID_ARGUMENT: options.proxy_batch_size" "$tmp/e1"
check "... naming options.proxy_batch_size" 0 $?
stop_server; check "server exits 0" 0 $?
check_summary
