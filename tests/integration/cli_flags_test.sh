#!/usr/bin/env bash
# The command lines of both CLIs (tenas and tenas-bench): --help of every
# command exits 0 and shows the defaults; the connection flags work before
# and after the command; unknown flags, missing values and out-of-range
# numbers (ports outside [1, 65535] too) exit 2 with one stderr line naming
# the flag; a 100 KB --arch gets a short INVALID_ARGUMENT; boolean flags take
# =true / =false; searches find the bundled NAS-Bench-201 accuracy table
# without --accuracy-table; and both CLIs print search events with the same
# fields (the client adds search_id and sequence). Zero limits, negative
# --threads / --drain-seconds and oversized byte sizes stop tenas-server with
# exit 2; "listening on port" appears only once the server is up; --seed
# takes any uint64; tenas-bench's two fast-NTK backwards (--ntk-backward)
# give the same κ and regions; --measures reports each measure per repeat
# and exits 2 on an unknown or repeated name.
# usage: cli_flags_test.sh PATH/TO/tenas-server PATH/TO/tenas PATH/TO/tenas-bench
set -uo pipefail
SERVER_BIN="$1"
CLI="$2"
BENCH="$3"
PY=/usr/bin/python3
ARCH='|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
source "$(dirname "$0")/check_lib.sh"
source "$(dirname "$0")/server_lib.sh"

# --- --help ------------------------------------------------------------------
"$CLI" --help > "$tmp/help"; check "tenas --help exit 0" 0 $?
for c in score scan search watch info searches cancel health load; do
  grep -q "^  $c " "$tmp/help"; check "tenas --help lists $c" 0 $?
  "$CLI" "$c" --help > "$tmp/help-$c"; check "tenas $c --help exit 0" 0 $?
  grep -q -- "--server HOST:PORT .*(default: localhost:50051)" "$tmp/help-$c"
  check "tenas $c --help lists the connection flags" 0 $?
done
grep -q -- "--repeats INT .*(default: 0)" "$tmp/help-score"
check "tenas score --help shows defaults" 0 $?
grep -q -- "--fp64 .*(default: off)" "$tmp/help-search"
check "tenas search --help shows flag defaults" 0 $?
grep -q -- "--chunk INT .*(default: 256)" "$tmp/help-scan"
check "tenas scan --help shows defaults" 0 $?
grep -q -- "--clients INT .*(default: 8)" "$tmp/help-load"
check "tenas load --help shows defaults" 0 $?
grep -q -- "--service NAME .*(default: tenas.v1.ArchitectureScorer)" "$tmp/help-health"
check "tenas health --help shows defaults" 0 $?
"$CLI" help | grep -q "^  score "; check "tenas help" 0 $?
"$CLI" > /dev/null 2>&1; check "tenas without a command exit 2" 2 $?

"$BENCH" --help > "$tmp/bhelp"; check "tenas-bench --help exit 0" 0 $?
for c in score search validate; do
  grep -q "^  $c " "$tmp/bhelp"; check "tenas-bench --help lists $c" 0 $?
  "$BENCH" "$c" --help > "$tmp/bhelp-$c"; check "tenas-bench $c --help exit 0" 0 $?
  grep -q -- "--repeats INT .*(default: 3[) ]" "$tmp/bhelp-$c"
  check "tenas-bench $c --help shows defaults" 0 $?
done
grep -q -- "--ntk fast|reference .*(default: fast)" "$tmp/bhelp-score"
check "tenas-bench score --help shows --ntk's default" 0 $?
grep -q -- "--max-memory BYTES .*(default: 2G)" "$tmp/bhelp-search"
check "tenas-bench search --help shows --max-memory's default" 0 $?
grep -q -- "--repeats INT .*(default: 3 (faithful), 4 (robust))" "$tmp/bhelp-search"
check "tenas-bench search --help shows each mode's default repeats" 0 $?
grep -q -- "--samples INT .*(default: 200)" "$tmp/bhelp-validate"
check "tenas-bench validate --help shows --samples' default" 0 $?
"$BENCH" score --arch "$ARCH" --bogus --help > /dev/null
check "--help wins over other flags" 0 $?

# --- usage errors: exit 2, one line naming the flag ---------------------------
expect_usage_error "tenas unknown flag" "--bogus" "$CLI" info --bogus
expect_usage_error "tenas unknown flag before the command" "--bogus" \
  "$CLI" --bogus info
expect_usage_error "tenas unknown command" "frobnicate" "$CLI" frobnicate
expect_usage_error "tenas missing value" "--timeout" "$CLI" info --timeout
expect_usage_error "tenas out of range" "--repeats" \
  "$CLI" score --arch "$ARCH" --repeats 101
expect_usage_error "tenas not a number" "--timeout" "$CLI" --timeout soon info
expect_usage_error "tenas bad choice" "--space" \
  "$CLI" score --arch "$ARCH" --space nasnet
expect_usage_error "tenas missing --arch" "--arch" "$CLI" score
expect_usage_error "tenas missing SEARCH_ID" "SEARCH_ID" "$CLI" watch
expect_usage_error "tenas extra argument" "s-2" "$CLI" cancel s-1 s-2
expect_usage_error "tenas bad flag value" "--json" "$CLI" info --json=maybe
expect_usage_error "tenas unreadable PEM" "--tls-ca" \
  "$CLI" info --tls-ca /nonexistent.pem
expect_usage_error "tenas-bench unknown flag" "--bogus" \
  "$BENCH" score --arch "$ARCH" --bogus 1
expect_usage_error "tenas-bench unknown command" "frobnicate" "$BENCH" frobnicate
expect_usage_error "tenas-bench missing value" "--seed" \
  "$BENCH" score --arch "$ARCH" --seed
expect_usage_error "tenas-bench out of range" "--repeats" \
  "$BENCH" score --arch "$ARCH" --repeats 0
expect_usage_error "tenas-bench out of range (search)" "--prune-number" \
  "$BENCH" search --prune-number 8
# Within the flag's range but more than an NB201 edge can lose (4 live ops,
# one stays): the library refuses it in one line.
expect_usage_error "tenas-bench prune_number above the live ops" \
  "prune_number: 4 is out of range [1, 3]" \
  "$BENCH" search --space nb201 --prune-number 4
expect_usage_error "tenas-bench bad choice" "--init" \
  "$BENCH" score --arch "$ARCH" --init nonsense
expect_usage_error "tenas bad --mode" "--mode" "$CLI" search --mode fast
expect_usage_error "tenas-bench noise: too few draws" "--draws" \
  "$BENCH" noise --draws 1
expect_usage_error "tenas-bench flag with a value" "false" \
  "$BENCH" score --arch "$ARCH" --fp64 false
expect_usage_error "tenas-bench bad --accuracy-table" "--accuracy-table" \
  "$BENCH" search --accuracy-table /nonexistent.csv
# --dot FILE that cannot be written: refused before any search work.
expect_usage_error "tenas-bench unwritable --dot" "--dot" \
  "$BENCH" search --space nb201 --dot /nonexistent/dir/cell.dot
expect_usage_error "tenas unwritable --dot" "--dot" \
  "$CLI" search --space nb201 --dot /nonexistent/dir/cell.dot
"$BENCH" > /dev/null 2>&1; check "tenas-bench without a command exit 2" 2 $?

# --- ports outside [1, 65535] (0 and -1 where they mean something) ------------
# `timeout`: a server that wrongly starts must not hang the test.
expect_usage_error "tenas --server port 99999" "--server" \
  "$CLI" --server 127.0.0.1:99999 info
expect_usage_error "tenas --server port 0" "--server" \
  "$CLI" health --server 127.0.0.1:0
expect_usage_error "tenas-server --port 70000" "--port" \
  timeout 60 "$SERVER_BIN" --host 127.0.0.1 --port 70000 --metrics-port -1
expect_usage_error "tenas-server --port -1" "--port" \
  timeout 60 "$SERVER_BIN" --host 127.0.0.1 --port -1 --metrics-port -1
expect_usage_error "tenas-server --metrics-port 70000" "--metrics-port" \
  timeout 60 "$SERVER_BIN" --host 127.0.0.1 --port 0 --metrics-port 70000
expect_usage_error "tenas-server --metrics-port -2" "--metrics-port" \
  timeout 60 "$SERVER_BIN" --host 127.0.0.1 --port 0 --metrics-port -2

# --- start-up limits, byte sizes and the start-up lines (RELIABILITY §6.5) ------
# A zero limit would leave a server that can do nothing: exit 2 naming it.
for flag in --max-searches --max-repeats --max-batch-size --max-architectures \
            --workers --max-queue --max-searches-per-client --max-message-bytes; do
  expect_usage_error "tenas-server $flag 0" "$flag" \
    timeout 60 "$SERVER_BIN" --host 127.0.0.1 --port 0 --metrics-port -1 "$flag" 0
done
expect_usage_error "tenas-server --threads -1" "--threads" \
  timeout 60 "$SERVER_BIN" --host 127.0.0.1 --port 0 --metrics-port -1 --threads -1
expect_usage_error "tenas-server --drain-seconds -1" "--drain-seconds" \
  timeout 60 "$SERVER_BIN" --host 127.0.0.1 --port 0 --metrics-port -1 \
  --drain-seconds -1
expect_usage_error "tenas-server --state-dir-min-free 2000T" "too large" \
  timeout 60 "$SERVER_BIN" --host 127.0.0.1 --port 0 --metrics-port -1 \
  --state-dir-min-free 2000T
grep -qF -- "--state-dir-min-free" "$tmp/err"
check "--state-dir-min-free 2000T: the message names the flag" 0 $?
# "listening on port" only once everything has opened: a server whose
# datasets cannot load never prints it.
mkdir -p "$tmp/no-data"
timeout 60 "$SERVER_BIN" --host 127.0.0.1 --port 0 --metrics-port -1 \
  --data-dir "$tmp/no-data" > "$tmp/out" 2> "$tmp/err"
check "tenas-server without its data: exit 1" 1 $?
! grep -q "listening on port" "$tmp/out" "$tmp/err"
check "tenas-server without its data: no 'listening on port' line" 0 $?
grep -q "dataset cifar10" "$tmp/err"
check "tenas-server without its data: names the dataset" 0 $?
# --seed takes the API's whole uint64 range, and no more.
expect_usage_error "tenas --seed 2^64" "--seed" \
  "$CLI" score --arch "$ARCH" --seed 18446744073709551616
expect_usage_error "tenas --seed -1" "--seed" "$CLI" score --arch "$ARCH" --seed -1

# --- boolean flags: --fp64, --fp64=true, --fp64=false -------------------------
for form in "--fp64" "--fp64=true" "--fp64=false" ""; do
  want=true; [[ "$form" == "--fp64=false" || -z "$form" ]] && want=false
  got=$("$BENCH" score --arch "$ARCH" --repeats 1 --batch-size 8 --json $form \
        | tail -n 1 | $PY -c 'import json,sys; print(str(json.load(sys.stdin)["fp64"]).lower())')
  [[ "$got" == "$want" ]]; check "tenas-bench score ${form:-(no flag)}: fp64 $got" 0 $?
done
"$BENCH" score --arch "$ARCH" --repeats 1 --batch-size 8 --json=false \
  | grep -q "^kappa "; check "tenas-bench score --json=false prints text" 0 $?

# --- --ntk-backward: both backwards of the fast NTK, the same κ ----------------
expect_usage_error "tenas-bench bad --ntk-backward" "--ntk-backward" \
  "$BENCH" score --arch "$ARCH" --ntk-backward autograd
for b in explicit vmap; do
  "$BENCH" score --arch "$ARCH" --repeats 1 --batch-size 8 --json \
    --ntk-backward "$b" | tail -n 1 > "$tmp/backward-$b.json"
  check "tenas-bench score --ntk-backward $b exit 0" 0 $?
done
$PY - "$tmp/backward-explicit.json" "$tmp/backward-vmap.json" <<'PYEOF'
import json, sys
e, v = (json.load(open(p)) for p in sys.argv[1:])
assert (e["ntk_backward"], v["ntk_backward"]) == ("explicit", "vmap"), (e, v)
k_e, k_v = e["ntk_condition_number"], v["ntk_condition_number"]
assert abs(k_e - k_v) <= 1e-3 * abs(k_e), (k_e, k_v)
assert e["linear_regions"] == v["linear_regions"], (e, v)
PYEOF
check "--ntk-backward explicit and vmap: same κ (1e-3), same regions" 0 $?

# --- tenas-bench --measures: proxies per repeat, bad names exit 2 ---------------
expect_usage_error "tenas-bench score bad --measures" "--measures" \
  "$BENCH" score --arch "$ARCH" --measures ntk,naswot
expect_usage_error "tenas-bench search bad --measures" "--measures" \
  "$BENCH" search --space nb201 --measures lr,lr
expect_usage_error "tenas-bench score bad --proxy-batch-size" \
  "--proxy-batch-size" "$BENCH" score --arch "$ARCH" --measures nwot \
  --proxy-batch-size 1000
"$BENCH" score --arch "$ARCH" --repeats 2 --measures lr,params,nwot \
  --proxy-batch-size 8 --json | tail -n 1 > "$tmp/measures.json"
check "tenas-bench score --measures lr,params,nwot exit 0" 0 $?
$PY - "$tmp/measures.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
m = r["measures"]
assert sorted(m) == ["lr", "nwot", "params"], m
assert len(m["nwot"]["values"]) == 2 and len(m["params"]["values"]) == 2, m
assert m["params"]["values"][0] == m["params"]["values"][1], m
assert m["params"]["sem"] == 0 and m["nwot"]["sem"] > 0, m
assert "ntk_condition_number" not in r["repeats"][0], r["repeats"]
PYEOF
check "tenas-bench score --measures: each measure per repeat with its sem" 0 $?

# --- tenas-bench validate --draws: shared, per-architecture or NASLib's seeds --
expect_usage_error "tenas-bench validate bad --draws" "--draws" \
  "$BENCH" validate --draws sometimes
printf '117\n180\n1000\n' > "$tmp/indices.txt"
for run in shared per-arch per-arch-again naslib; do
  "$BENCH" validate --arch-indices "$tmp/indices.txt" --measures params,jacov \
    --repeats 1 --proxy-batch-size 8 --threads 1 --draws "${run%-again}" \
    --out "$tmp/validate-$run.md" --csv "$tmp/validate-$run.csv" 2> /dev/null
  check "tenas-bench validate --draws ${run%-again} exit 0" 0 $?
done
diff <(cut -d, -f1-7 "$tmp/validate-per-arch.csv") \
  <(cut -d, -f1-7 "$tmp/validate-per-arch-again.csv") > /dev/null
check "validate --draws per-arch: the same values on a rerun (all but seconds)" 0 $?
$PY - "$tmp/validate-shared.csv" "$tmp/validate-per-arch.csv" \
  "$tmp/validate-naslib.csv" <<'PYEOF'
import csv, sys
shared, per_arch, naslib = (
    [r for r in csv.DictReader(open(p))] for p in sys.argv[1:])
for rows in (shared, per_arch, naslib):
  assert [r["index"] for r in rows] == ["117", "180", "1000"], rows
# params does not depend on the draw; jacov (batch and weights) does.
assert [r["params"] for r in shared] == [r["params"] for r in per_arch]
assert [r["params"] for r in shared] == [r["params"] for r in naslib]
assert all(a["jacov"] != b["jacov"] for a, b in zip(shared, per_arch))
# naslib: per-arch's batch and cells, but the shared stem and head.
assert all(a["jacov"] != b["jacov"] for a, b in zip(naslib, per_arch))
assert all(a["jacov"] != b["jacov"] for a, b in zip(naslib, shared))
PYEOF
check "validate --draws per-arch|naslib: own batches and weights per architecture, same params" 0 $?
grep -q "derived from it and the index" "$tmp/validate-per-arch.md"
check "validate's report says the seeds are per architecture" 0 $?
grep -q "stem, residual blocks and head from the seed" "$tmp/validate-naslib.md"
check "validate's report says --draws naslib keeps the macro network's seed" 0 $?

# --- the connection flags before and after the command -------------------------
start_server "$tmp/server.log" --workers 1 --threads 1
check "server started" 0 $?
wait_healthy; check "server healthy" 0 $?
A="127.0.0.1:$port"
grep -q "listening on port $port (metrics off, device" "$tmp/server.log"
check "with --metrics-port -1 the start-up line says metrics off" 0 $?
"$CLI" --server "$A" info --json > /dev/null; check "tenas --server A info" 0 $?
"$CLI" --server "$A" score --arch "$ARCH" --repeats 1 --batch-size 8 \
  --seed 18446744073709551615 --json > "$tmp/seed.json"
check "tenas score --seed 2^64-1" 0 $?
$PY -c 'import json,sys; assert json.load(open(sys.argv[1]))["seed"] == 2**64 - 1' \
  "$tmp/seed.json"
check "tenas score --seed 2^64-1: the answer carries the seed" 0 $?
"$CLI" info --server "$A" --json > /dev/null; check "tenas info --server A" 0 $?
"$CLI" --timeout 5 --server "$A" health; check "tenas --timeout --server health" 0 $?
"$CLI" health --server "$A" --timeout 5; check "tenas health --server --timeout" 0 $?
"$CLI" --server "$A" health --service ""; check "tenas health --service ''" 0 $?
"$CLI" --server "$A" info --json=false | grep -q '^  "device"'
check "tenas info --json=false prints indented JSON" 0 $?
"$CLI" --server "$A" --tls=false info > /dev/null
check "tenas --tls=false info (plaintext)" 0 $?
"$CLI" --server "127.0.0.1:1" info --server "$A" > /dev/null
check "the flag after the command wins" 0 $?
"$CLI" --server "$A" score --arch "$ARCH" --repeats 1 --batch-size 8 --fp64=false \
  --json > /dev/null
check "tenas score --fp64=false" 0 $?
# A 100 KB architecture (one argument stays under Linux's 128 KiB): a short
# INVALID_ARGUMENT naming the field, so exit 2 (a status message echoing the
# input would exceed gRPC's metadata limit: RESOURCE_EXHAUSTED, exit 1).
BIG_ARCH="|$(head -c 100000 /dev/zero | tr '\0' x)~0|"
expect_usage_error "tenas score --arch <100 KB>" "architecture.nb201_arch" \
  "$CLI" --server "$A" score --arch "$BIG_ARCH"
(( $(wc -c < "$tmp/err") < 1000 ))
rc=$?; check "tenas score --arch <100 KB>: short message ($(wc -c < "$tmp/err") bytes)" 0 $rc

# --- the bundled accuracy table and the shared event format ---------------------
SEARCH=(search --space nb201 --seed 0 --repeats 1 --batch-size 8 --json)
"$CLI" "${SEARCH[@]}" --server "$A" --dot "$tmp/client.dot" \
  > "$tmp/client.jsonl" 2> "$tmp/client.err"
check "tenas search without --accuracy-table, with --dot" 0 $?
"$BENCH" "${SEARCH[@]}" --workers 2 --threads 1 --dot "$tmp/bench.dot" \
  > "$tmp/bench.jsonl" 2> "$tmp/bench.err"
check "tenas-bench search without --accuracy-table, with --dot" 0 $?
# --dot: a Graphviz digraph of the found cell, the same from both CLIs; an
# SVG beside it when Graphviz is installed, else a note on stderr.
for f in client bench; do
  [[ "$(head -c 7 "$tmp/$f.dot")" == digraph ]]
  rc=$?; check "$f --dot writes a digraph ($(head -n 1 "$tmp/$f.dot"))" 0 $rc
  if command -v dot > /dev/null; then
    [[ -s "$tmp/$f.dot.svg" ]]; check "$f --dot writes FILE.svg" 0 $?
  else
    grep -q "'dot' is not on PATH" "$tmp/$f.err"
    rc=$?; check "$f --dot without Graphviz says so ($(head -c 160 "$tmp/$f.err"))" 0 $rc
  fi
done
cmp -s "$tmp/client.dot" "$tmp/bench.dot"; check "both CLIs draw the same cell" 0 $?
$PY - "$tmp/client.jsonl" "$tmp/bench.jsonl" <<'PYEOF'
import json, sys
client, bench = [[json.loads(l) for l in open(p) if l.strip()] for p in sys.argv[1:]]
for lines in (client, bench):
    assert lines[-1]["type"] == "result", lines[-1]
    assert lines[-1]["benchmark"]["cifar10_test"] > 0, lines[-1].get("benchmark")
assert client[-1]["arch"] == bench[-1]["arch"], (client[-1]["arch"], bench[-1]["arch"])
assert [l["type"] for l in client] == [l["type"] for l in bench]
for c, b in zip(client[:-1], bench[:-1]):
    assert set(c) - {"search_id", "sequence"} == set(b), (c["type"], set(c) ^ set(b))
c, b = client[-1], bench[-1]
assert set(c) - {"search_id", "sequence"} <= set(b), set(c) - set(b)
for rc, rb in zip(c["rounds"], b["rounds"]):
    assert set(rc) == set(rb), set(rc) ^ set(rb)
    assert rc["pruned"] == rb["pruned"], (rc["pruned"], rb["pruned"])
    assert rc["prune_number"] == rb["prune_number"] == 1
PYEOF
check "both CLIs print the same event fields and the same result" 0 $?

stop_server; check "server stopped" 0 $?
check_summary
