#!/usr/bin/env bash
# End-to-end test of `tenas-bench search`: JSON event lines, the result line,
# the accuracy lookup, text mode and exit codes. Reduced cost: 1 repeat,
# NTK batch 8.
# usage: tenas_bench_search_test.sh PATH/TO/tenas-bench REPO_DIR
set -uo pipefail
BIN="$1"
REPO="$2"
PY=/usr/bin/python3
source "$(dirname "$0")/check_lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$BIN" search --space nb201 --dataset cifar10 --seed 0 --repeats 1 --batch-size 8 \
  --accuracy-table "$REPO/data/nb201_accuracy.csv" --json > "$tmp/events.jsonl"
check "search --json exit 0" 0 $?
$PY - "$tmp/events.jsonl" <<'PYEOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
types = [l["type"] for l in lines]
assert set(types) <= {"round_started", "candidate_scored", "ops_pruned",
                      "round_finished", "result"}, set(types)
assert types[-1] == "result" and types.count("result") == 1
assert types.count("round_started") == 3 and types.count("round_finished") == 3
assert types.count("candidate_scored") == 54, types.count("candidate_scored")
per_round = [sum(1 for l in lines if l["type"] == "candidate_scored" and l["round"] == r)
             for r in range(3)]
assert per_round == [24, 18, 12], per_round
res = lines[-1]
assert res["arch"].count("~") == 6 and "none" not in res["arch"], res["arch"]
assert len(res["rounds"]) == 3 and res["seconds"] > 0
assert all(len(r["pruned"]) == 6 for r in res["rounds"])
assert res["benchmark"]["cifar10_test"] > 0, res
c = next(l for l in lines if l["type"] == "candidate_scored")
for key in ("edge_key", "op", "kappa_delta", "regions_delta", "repeats"):
    assert key in c, key
PYEOF
check "search JSON events and result" 0 $?

"$BIN" search --space nb201 --seed 0 --repeats 1 --batch-size 8 > "$tmp/text.txt" 2>/dev/null
check "search text exit 0" 0 $?
grep -q "^architecture: |" "$tmp/text.txt"; check "text summary names the architecture" 0 $?
arch_text=$(grep "^architecture: " "$tmp/text.txt" | cut -d' ' -f2)
arch_json=$($PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])["arch"])' "$tmp/events.jsonl")
[[ "$arch_text" == "$arch_json" ]]; check "same seed, same architecture" 0 $?

# --mode robust: the result says so; the repeats and the init default to
# the robust mode's; the origin is evaluated once per (round, repeat).
"$BIN" search --space nb201 --mode robust --seed 0 --batch-size 8 --json \
  > "$tmp/robust.jsonl"
check "search --mode robust exit 0" 0 $?
$PY - "$tmp/events.jsonl" "$tmp/robust.jsonl" <<'PYEOF'
import json, sys
faithful = json.loads(open(sys.argv[1]).readlines()[-1])
robust = json.loads(open(sys.argv[2]).readlines()[-1])
assert faithful["mode"] == "faithful" and faithful["repeats"] == 1, faithful
assert robust["mode"] == "robust" and robust["repeats"] == 4, \
    (robust.get("mode"), robust.get("repeats"))
assert faithful["init"] == "shipped" and robust["init"] == "paper", \
    (faithful["init"], robust["init"])
n = sum(len(r["candidates"]) + 1 for r in robust["rounds"]) * 4
assert robust["ntk_evaluations"] == n, (robust["ntk_evaluations"], n)
assert robust["lr_evaluations"] == n
for r in robust["rounds"]:
    origins = {c["repeats"][0]["kappa_origin"] for c in r["candidates"]}
    assert len(origins) == 1, origins  # one origin per repeat, shared
PYEOF
check "robust result: mode, default repeats and init, (candidates + 1) x repeats evaluations" 0 $?
"$BIN" search --mode fast 2>"$tmp/mode.err"; rc=$?
check "bad --mode exit 2" 2 $rc
grep -q -- "--mode" "$tmp/mode.err"; check "bad --mode names the flag" 0 $?

"$BIN" search --space nasnet 2>/dev/null; check "bad space exit 2" 2 $?
"$BIN" search --space nb201 --prune-number 0 2>/dev/null; check "bad prune number exit 2" 2 $?
"$BIN" search --space nb201 --dataset cifar100 2>/dev/null; check "cifar100 without data exit 2" 2 $?

check_summary
