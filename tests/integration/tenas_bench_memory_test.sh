#!/usr/bin/env bash
# tenas-bench memory: the estimate of one evaluation (the bound --max-memory
# applies), its refusal, and a small score's measured peak RSS growth within
# its estimate, with and without zero-cost proxies (docs/RELIABILITY.md §6.6). No timing is checked.
# usage: tenas_bench_memory_test.sh PATH/TO/tenas-bench
set -uo pipefail
BIN="$1"
PY=/usr/bin/python3
source "$(dirname "$0")/check_lib.sh"

# 1. The estimate alone: a plan within the bound, fp64 and searches higher.
est() { "$BIN" memory --estimate-only --json "$@" | tail -n 1; }
a=$(est --batch-size 72); check "estimate exit 0" 0 $?
b=$(est --batch-size 72 --fp64)
c=$(est --batch-size 72 --search)
d=$(est --batch-size 512 --repeats 20 --fp64 --max-memory 2G)
$PY - "$a" "$b" "$c" "$d" <<'PYEOF'
import json, sys
a, b, c, d = (json.loads(x) for x in sys.argv[1:])
assert a["estimate_bytes"]["total"] > 0, a
assert "peak_growth_bytes" not in a, a
assert b["estimate_bytes"]["total"] > a["estimate_bytes"]["total"], (a, b)
assert c["minimal_estimate_bytes"] > a["minimal_estimate_bytes"], (a, c)
# The largest score the default caps allow: its 20 repeats are chunked.
assert d["plan"]["evaluations_per_call"] < 20, d
assert d["estimate_bytes"]["total"] <= 2 << 30, d
PYEOF
check "estimates: fp64 and searches higher, plans within the bound" 0 $?

# 2. Above the bound: exit 2, the estimate and the field in one line.
err=$("$BIN" memory --estimate-only --batch-size 512 --fp64 --max-memory 256M \
      2>&1 >/dev/null)
check "over the bound exit 2" 2 $?
[[ "$err" == *"batch_size: one evaluation of 512 images"*"fp64"*"--max-memory (256.0 MiB)"*"images fit"* ]]
check "over the bound names batch_size, fp64, the estimate ($err)" 0 $?

# 3. A small score, measured in this child process: within its estimate.
out=$("$BIN" memory --batch-size 24 --repeats 2 --json | tail -n 1)
check "measure exit 0" 0 $?
$PY - "$out" <<'PYEOF'
import json, sys
m = json.loads(sys.argv[1])
assert 0 < m["peak_growth_bytes"] <= m["estimate_bytes"]["total"], m
PYEOF
check "measured peak within the estimate" 0 $?

# 4. Zero-cost proxies: their phase is estimated and measured too, and a
# proxy batch over the bound is refused naming proxy_batch_size.
out=$("$BIN" memory --measures none --proxies snip,grasp,nwot \
      --proxy-batch-size 16 --json | tail -n 1)
check "proxies measure exit 0" 0 $?
$PY - "$out" <<'PYEOF'
import json, sys
m = json.loads(sys.argv[1])
e = m["estimate_bytes"]
assert m["proxy_batch_size"] == 16 and e["proxies"] > 0, m
assert e["total"] == max(e["proxies"], e["forward"] + e["batches"] + e["passes"]
                         + e["rows"] + e["gram"] + e["regions"]) + e["overhead"], e
assert 0 < m["peak_growth_bytes"] <= e["total"], m
PYEOF
check "proxies: measured peak within the estimate" 0 $?
err=$("$BIN" memory --estimate-only --proxies grasp --proxy-batch-size 256 \
      --max-memory 256M 2>&1 >/dev/null)
check "proxies over the bound exit 2" 2 $?
[[ "$err" == *"proxy_batch_size: the zero-cost proxies (grasp among them) on 256 images"*"--max-memory (256.0 MiB)"*"images fit"* ]]
check "proxies over the bound name proxy_batch_size and what fits ($err)" 0 $?
err=$("$BIN" memory --estimate-only --proxies ntk 2>&1 >/dev/null)
check "--proxies ntk exit 2" 2 $?
[[ "$err" == *"--proxies: ntk is not a zero-cost proxy"* ]]
check "--proxies names a measure that is not a proxy ($err)" 0 $?

check_summary
