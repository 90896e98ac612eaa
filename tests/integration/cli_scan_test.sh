#!/usr/bin/env bash
# `tenas scan` against a real server (port 0): every architecture of the
# file is answered exactly once with its index in the file, whatever the
# chunking; a malformed line is that item's INVALID_ARGUMENT (named by its
# index in the file) and the others are still scored; the values equal
# `tenas score` of the same architecture and options; exit codes 0 / 1 / 2.
# usage: cli_scan_test.sh PATH/TO/tenas-server PATH/TO/tenas
set -uo pipefail
SERVER_BIN="$1"
CLI="$2"
PY=/usr/bin/python3
source "$(dirname "$0")/check_lib.sh"
source "$(dirname "$0")/server_lib.sh"

A0='|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|'
A1='|nor_conv_1x1~0|+|none~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|'
A2='|skip_connect~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|'
A4='|avg_pool_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|none~0|skip_connect~1|nor_conv_3x3~2|'
A5='|nor_conv_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|skip_connect~2|'
{
  echo "# five NB201 cells, one malformed line, blank lines and comments"
  echo "$A0"; echo "$A1"; echo; echo "  $A2  "; echo '|bogus~0|'
  echo "$A4"; echo "# the end"; echo "$A5"
} > "$tmp/archs.txt"
grep -v bogus "$tmp/archs.txt" > "$tmp/good.txt"
O=(--batch-size 8 --repeats 2 --seed 7)

start_server "$tmp/server.log" --workers 2 --threads 1 --no-cache
check "server started" 0 $?
wait_healthy; check "server healthy" 0 $?

"$CLI" scan "${S[@]}" --arch-file "$tmp/archs.txt" "${O[@]}" --chunk 2 \
  --json > "$tmp/chunked.jsonl" 2> "$tmp/chunked.err"
check "a file with a malformed line exits 1" 1 $?
"$CLI" scan "${S[@]}" --arch-file "$tmp/good.txt" "${O[@]}" --json \
  > "$tmp/whole.jsonl" 2> "$tmp/whole.err"
check "a file of valid architectures exits 0" 0 $?
cat "$tmp/good.txt" | "$CLI" scan "${S[@]}" --arch-file - "${O[@]}" \
  > "$tmp/stdin.txt" 2>/dev/null
check "--arch-file - reads stdin" 0 $?
for i in 0 4; do
  arch=$(grep -v '^#' "$tmp/good.txt" | grep . | sed -n "$((i + 1))p" | xargs)
  "$CLI" score "${S[@]}" --arch "$arch" "${O[@]}" --json > "$tmp/score$i.json"
  check "score of the file's architecture $i" 0 $?
done
$PY - "$tmp" "$A0" "$A1" "$A2" "$A4" "$A5" <<'PYEOF'
import json, sys
tmp, archs = sys.argv[1], sys.argv[2:]
def load(name):
    return [json.loads(l) for l in open("%s/%s" % (tmp, name))]
chunked, whole = load("chunked.jsonl"), load("whole.jsonl")
# Chunked: indexes 0..5 once each; 3 is the malformed line.
by_index = {r["index"]: r for r in chunked}
assert sorted(by_index) == list(range(6)) and len(chunked) == 6, chunked
bad = by_index[3]
assert bad["error"]["code"] == "INVALID_ARGUMENT", bad
assert bad["error"]["message"].startswith("architectures[3].nb201_arch"), bad
assert bad["arch"] == "|bogus~0|", bad
file_order = archs[:3] + [None] + archs[3:]
for i, arch in enumerate(file_order):
    if arch is None:
        continue
    r = by_index[i]
    assert r["arch"] == arch and r["num_repeats"] == 2 and r["seed"] == 7, r
    assert r["ntk_condition_number"] >= 1 and r["linear_regions"] >= 1, r
# Whole file in one call: the same values as the chunked scan.
assert sorted(r["index"] for r in whole) == list(range(5)), whole
for r in whole:
    c = by_index[r["index"] + (1 if r["index"] >= 3 else 0)]
    assert (r["arch"], r["ntk_condition_number"], r["linear_regions"]) == (
        c["arch"], c["ntk_condition_number"], c["linear_regions"]), (r, c)
# And the same as `tenas score` of the architecture.
for i, k in ((0, 0), (4, 5)):
    s = json.load(open("%s/score%d.json" % (tmp, i)))
    c = by_index[k]
    assert (s["arch"], s["ntk_condition_number"], s["linear_regions"]) == (
        c["arch"], c["ntk_condition_number"], c["linear_regions"]), (s, c)
# Text output: index, kappa, regions, arch per line.
lines = [l.split("\t") for l in open("%s/stdin.txt" % tmp)]
assert sorted(int(l[0]) for l in lines) == list(range(5)), lines
PYEOF
check "indexes, errors and values of the scans" 0 $?
grep -q "5 of 6 architectures scored (0 from the server's cache), 1 failed" \
  "$tmp/chunked.err"
check "summary line on stderr" 0 $?

"$CLI" scan "${S[@]}" --arch-file "$tmp/nonexistent.txt" 2> "$tmp/e1"
check "an unreadable --arch-file exits 2" 2 $?
grep -q -- "--arch-file: cannot read" "$tmp/e1"; check "... and says so" 0 $?
printf '# only a comment\n\n' > "$tmp/empty.txt"
"$CLI" scan "${S[@]}" --arch-file "$tmp/empty.txt" 2> "$tmp/e2"
check "a file without architectures exits 2" 2 $?
grep -q -- "--arch-file: no architectures" "$tmp/e2"; check "... and says so" 0 $?
"$CLI" scan "${S[@]}" --arch-file "$tmp/good.txt" --batch-size 1 2> "$tmp/e3"
check "an option the server rejects exits 2" 2 $?
grep -q "INVALID_ARGUMENT: options.batch_size" "$tmp/e3"
check "... naming the field" 0 $?
"$CLI" scan "${S[@]}" --arch-file "$tmp/good.txt" --chunk 0 2> /dev/null
check "--chunk 0 exits 2" 2 $?
stop_server; check "server exits 0" 0 $?
check_summary
