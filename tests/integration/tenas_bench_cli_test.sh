#!/usr/bin/env bash
# End-to-end test of tenas-bench: JSON contract and exit codes.
# usage: tenas_bench_cli_test.sh PATH/TO/tenas-bench REPO_DIR
set -uo pipefail
BIN="$1"
REPO="$2"
PY=/usr/bin/python3
ARCH='|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
source "$(dirname "$0")/check_lib.sh"

# 1. score --json: the last stdout line is one JSON object with the contract.
out=$("$BIN" score --space nb201 --arch "$ARCH" --repeats 2 --batch-size 16 \
      --seed 3 --json)
check "score exit 0" 0 $?
echo "$out" | tail -n 1 | $PY -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["arch"].startswith("|nor_conv_3x3~0|"), d
assert len(d["repeats"]) == 2
k = [r["ntk_condition_number"] for r in d["repeats"]]
r = [r["linear_regions"] for r in d["repeats"]]
assert abs(d["ntk_condition_number"] - sum(k) / 2) < 1e-9 * d["ntk_condition_number"]
assert abs(d["linear_regions"] - sum(r) / 2) < 1e-9
# Standard errors of the means: sd (n - 1) / sqrt(n); with two values |a-b|/2.
assert abs(d["ntk_condition_number_sem"] - abs(k[0] - k[1]) / 2) < 1e-9 * d["ntk_condition_number"]
assert abs(d["linear_regions_sem"] - abs(r[0] - r[1]) / 2) < 1e-9
assert d["ntk_condition_number"] >= 1 and 1 <= d["linear_regions"] <= 3000
assert d["seconds"] > 0
'
check "score JSON contract" 0 $?

# 2. Same seed, same numbers.
out2=$("$BIN" score --space nb201 --arch "$ARCH" --repeats 2 --batch-size 16 \
       --seed 3 --json)
a=$(echo "$out" | tail -n 1 | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["ntk_condition_number"], d["linear_regions"])')
b=$(echo "$out2" | tail -n 1 | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["ntk_condition_number"], d["linear_regions"])')
[[ "$a" == "$b" ]]; check "score reproducible ($a)" 0 $?

# 2b. The reference NTK gives the same κ (float rounding) and R as the fast
# default, and the JSON names the method.
out3=$("$BIN" score --space nb201 --arch "$ARCH" --repeats 2 --batch-size 16 \
       --seed 3 --ntk reference --max-memory 256M --json)
check "score --ntk reference exit 0" 0 $?
printf '%s\n%s\n' "$(echo "$out" | tail -n 1)" "$(echo "$out3" | tail -n 1)" | $PY -c '
import json, sys
fast, ref = [json.loads(l) for l in sys.stdin.read().splitlines()]
assert fast["ntk"] == "fast" and ref["ntk"] == "reference", (fast["ntk"], ref["ntk"])
kf, kr = fast["ntk_condition_number"], ref["ntk_condition_number"]
assert abs(kf - kr) <= 1e-3 * kr, (kf, kr)
assert fast["linear_regions"] == ref["linear_regions"]
'
check "fast and reference NTK agree" 0 $?

# 3. Bad input: exit 2 with a one-line message naming the problem.
err=$("$BIN" score --space nb201 --arch '|nor_conv_3x3~0|+|conv_9x9~0|' 2>&1 >/dev/null)
check "malformed arch exit 2" 2 $?
[[ $(echo "$err" | wc -l) == 1 && "$err" == *"conv_9x9"* ]]
check "malformed arch message" 0 $?
# A DARTS concat the scorer would ignore is refused, naming the list.
G="Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 2)], normal_concat=[0], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 0), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('avg_pool_3x3', 0)], reduce_concat=[2, 3, 4, 5])"
err=$("$BIN" score --space darts --arch "$G" 2>&1 >/dev/null)
check "DARTS concat [0] exit 2" 2 $?
[[ "$err" == *"normal_concat"* ]]; check "DARTS concat message names the list" 0 $?
"$BIN" score --space nb201 --arch "$ARCH" --bogus 1 2>/dev/null; check "unknown flag exit 2" 2 $?
"$BIN" score --space nb201 --arch "$ARCH" --repeats 0 2>/dev/null; check "bad repeats exit 2" 2 $?
"$BIN" score --space nb201 --arch "$ARCH" --init nonsense 2>/dev/null; check "bad init exit 2" 2 $?
err=$("$BIN" score --space nb201 --arch "$ARCH" --ntk quick 2>&1 >/dev/null)
check "bad --ntk exit 2" 2 $?
[[ "$err" == *"--ntk"* ]]; check "bad --ntk names the flag" 0 $?
err=$("$BIN" score --space nb201 --arch "$ARCH" --max-memory 12Q 2>&1 >/dev/null)
check "bad --max-memory exit 2" 2 $?
[[ "$err" == *"--max-memory"* ]]; check "bad --max-memory names the flag" 0 $?
"$BIN" score --space nb201 --arch "$ARCH" --dataset imagenet 2>/dev/null; check "bad dataset exit 2" 2 $?
"$BIN" score --space nb201 2>/dev/null; check "missing arch exit 2" 2 $?
"$BIN" frobnicate 2>/dev/null; check "unknown command exit 2" 2 $?
"$BIN" score --space nb201 --arch "$ARCH" --data-dir /nonexistent 2>/dev/null
check "missing data dir exit 1" 1 $?

# 4. --data-dir with the official layout (a folder of 5 CIFAR-10 batches).
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/cifar-10-batches-bin"
for i in 1 2 3 4 5; do
  head -c $((3073 * 250)) "$REPO/tests/data/cifar10_sample.bin" > "$tmp/cifar-10-batches-bin/data_batch_$i.bin"
done
"$BIN" score --arch "$ARCH" --data-dir "$tmp" --repeats 1 --batch-size 8 --json | tail -n 1 \
  | $PY -c 'import json,sys; d=json.load(sys.stdin); assert d["dataset_images"] == 1250, d'
check "score --data-dir official layout" 0 $?
head -c 1000 "$REPO/tests/data/cifar10_sample.bin" > "$tmp/cifar-10-batches-bin/data_batch_3.bin"
err=$("$BIN" score --arch "$ARCH" --data-dir "$tmp" 2>&1 >/dev/null)
rc=$?
check "truncated batch file fails" 2 $rc
[[ "$err" == *"data_batch_3.bin"* ]]; check "truncated file named ($err)" 0 $?

check_summary
