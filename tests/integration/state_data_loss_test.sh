#!/usr/bin/env bash
# No silent data loss, with the real binaries: a fresh --state-dir starts,
# and starts again; a finished search is in tenas.db itself while the
# server runs (checkpointed), so it survives kill -9 followed by deleting
# tenas.db-wal; --backup-to copies the live database of a running server
# and the copy, restored as the tenas.db of a new directory, serves the
# search; a truncated tenas.db refuses to start, in one line naming the
# directory and --state-reset, and starts with --state-reset.
# usage: state_data_loss_test.sh PATH/TO/tenas-server PATH/TO/tenas
set -uo pipefail
SERVER_BIN="$1"
CLI="$2"
PY=/usr/bin/python3
source "$(dirname "$0")/check_lib.sh"
source "$(dirname "$0")/server_lib.sh"
# start_durable STATE_DIR LOG [FLAGS...]: a server on STATE_DIR, waited
# until SERVING.
start_durable() {
  local dir="$1" log="$2"; shift 2
  start_server "$log" --workers 2 --threads 1 --state-dir "$dir" "$@" &&
    wait_healthy
}
# served ID LOG: the search ID is served to its end with its result.
served() {
  "$CLI" watch "$1" "${S[@]}" --json > "$2" 2>&1 &&
    tail -n 1 "$2" | grep -q '"type":"result"'
}

dir="$tmp/state"
start_durable "$dir" "$tmp/first.log"; check "fresh state dir: ready" 0 $?
grep -q "created the state database $dir/tenas.db" "$tmp/first.log"
check "fresh state dir: the log says the database was created" 0 $?
[[ -f "$dir/tenas.marker" ]]; check "the marker is written" 0 $?
stop_server; check "first server stops cleanly" 0 $?
start_durable "$dir" "$tmp/second.log"; check "a second clean start: ready" 0 $?

"$CLI" search --space nb201 --seed 3 --repeats 1 --batch-size 8 --json \
  "${S[@]}" > "$tmp/search.jsonl"
check "a search runs to its end" 0 $?
id=$($PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["search_id"])' \
     "$tmp/search.jsonl")

# A backup while the server owns the directory.
"$SERVER_BIN" --state-dir "$dir" --backup-to "$tmp/backup.db" > "$tmp/backup.log" 2>&1
check "--backup-to while the server runs exits 0" 0 $?
grep -q "^tenas-server: backed up $dir/tenas.db to $tmp/backup.db ([0-9]* bytes, 1 searches, " \
  "$tmp/backup.log"
rc=$?; check "it says what it wrote ($(head -c 200 "$tmp/backup.log"))" 0 $rc
"$SERVER_BIN" --state-dir "$tmp/nothing-here" --backup-to "$tmp/b2.db" > "$tmp/backup-bad.log" 2>&1
check "--backup-to without a database exits 1" 1 $?
[[ $(wc -l < "$tmp/backup-bad.log") == 1 ]] &&
  grep -q "^tenas-server: --backup-to: no database at $tmp/nothing-here/tenas.db" "$tmp/backup-bad.log"
check "in one line naming the file" 0 $?

# kill -9, then the write-ahead log is lost: the finished search was
# checkpointed into tenas.db and is still there.
kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null; server_pid=""
rm -f "$dir/tenas.db-wal"
start_durable "$dir" "$tmp/after-wal.log"; check "kill -9, tenas.db-wal deleted: ready" 0 $?
served "$id" "$tmp/after-wal.jsonl"
check "the finished search is still served" 0 $?
stop_server

# The backup restored as the database of a new state dir.
mkdir -p "$tmp/restored" && cp "$tmp/backup.db" "$tmp/restored/tenas.db"
start_durable "$tmp/restored" "$tmp/restored.log"; check "restored backup: ready" 0 $?
served "$id" "$tmp/restored.jsonl"
check "the restored backup serves the search" 0 $?
stop_server

# truncate -s 0 tenas.db: refused, in one line, until --state-reset.
truncate -s 0 "$dir/tenas.db"
"$SERVER_BIN" --host 127.0.0.1 --port 0 --metrics-port -1 --state-dir "$dir" \
  > "$tmp/truncated.log" 2>&1
check "truncated tenas.db: start-up fails with exit 1" 1 $?
[[ $(wc -l < "$tmp/truncated.log") == 1 ]] &&
  grep -q "^tenas-server: --state-dir: $dir: tenas.db is empty (0 bytes) but tenas.marker shows it held the state; .*--state-reset" \
    "$tmp/truncated.log"
rc=$?; check "in one line naming the directory, the file and --state-reset ($(head -c 300 "$tmp/truncated.log"))" 0 $rc
start_durable "$dir" "$tmp/reset.log" --state-reset
check "with --state-reset: ready" 0 $?
grep -q "^tenas-server: --state-reset: $dir: tenas.db is empty" "$tmp/reset.log"
check "the reset is logged" 0 $?
stop_server
start_durable "$dir" "$tmp/after-reset.log"; check "after the reset, a plain start: ready" 0 $?
stop_server
check_summary
