#!/usr/bin/env bash
# The tenas CLI against a token-protected TLS server (certificates made by
# openssl at test time), then a short load test: `tenas load` with more
# clients than the server queues, where every accepted call must get a
# correct answer (same values for the same request) and the excess must be
# refused with RESOURCE_EXHAUSTED, never lost; afterwards nothing is left
# queued or running.
# usage: cli_security_load_test.sh PATH/TO/tenas-server PATH/TO/tenas
set -uo pipefail
SERVER_BIN="$1"
CLI="$2"
PY=/usr/bin/python3
source "$(dirname "$0")/check_lib.sh"
source "$(dirname "$0")/server_lib.sh"

# --- TLS + token -----------------------------------------------------------
(
  cd "$tmp"
  K=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${K[@]}" -keyout ca.key -out ca.pem -days 1 -subj /CN=ca
  openssl req "${K[@]}" -keyout server.key -out server.csr -subj /CN=localhost
  echo "subjectAltName=DNS:localhost,IP:127.0.0.1" > san.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out server.pem -days 1 -extfile san.ext
) > "$tmp/openssl.log" 2>&1
check "test certificates" 0 $?
printf 'ci-client 0123456789abcdef-cli\n' > "$tmp/tokens"
start_server "$tmp/tls.log" --tls-cert "$tmp/server.pem" \
  --tls-key "$tmp/server.key" --auth-token-file "$tmp/tokens"
check "TLS + token server started" 0 $?
T=(--server "127.0.0.1:$port" --tls-ca "$tmp/ca.pem" --tls-server-name localhost)
S=("${T[@]}")
wait_healthy
check "health over TLS without a token" 0 $?
"$CLI" info "${T[@]}" --auth-token-file "$tmp/tokens" > /dev/null
check "info with the token" 0 $?
err=$("$CLI" info "${T[@]}" 2>&1 >/dev/null)
check "info without a token exits 1" 1 $?
[[ "$err" == *UNAUTHENTICATED* ]]; check "error says UNAUTHENTICATED" 0 $?
"$CLI" info --server "127.0.0.1:$port" --timeout 5 \
  --auth-token-file "$tmp/tokens" > /dev/null 2>&1
check "plaintext client cannot talk to a TLS server" 1 $?
"$CLI" info "${T[@]}" --tls-ca /nonexistent.pem 2>/dev/null
check "unreadable --tls-ca exits 2" 2 $?
"$CLI" info "${T[@]}" --tls-cert "$tmp/server.pem" 2>/dev/null
check "--tls-cert without --tls-key exits 2" 2 $?
stop_server; check "TLS server exits 0" 0 $?

# --- load ------------------------------------------------------------------
start_server "$tmp/load.log" --workers 1 --threads 1 --max-queue 2 --no-cache
check "load server started" 0 $?
wait_healthy
"$CLI" load "${S[@]}" --clients 8 --duration 12 --pool 4 --seeds 1 \
  --batch-size 8 --json > "$tmp/load.json"
check "load: no errors, no mismatches" 0 $?
cat "$tmp/load.json"
$PY - "$tmp/load.json" <<'PYEOF'
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert d["errors"] == 0 and d["mismatches"] == 0, d
assert d["ok"] >= 4, d                  # the server kept answering
assert d["refused"] >= 1, d             # the queue bound held
assert d["ok"] + d["refused"] == d["requests"], d
assert d["distinct_requests"] == 4, d   # repeats of each request compared
PYEOF
check "load: accepted calls answered, excess refused" 0 $?
"$CLI" info "${S[@]}" --json > "$tmp/info.json"
$PY - "$tmp/info.json" <<'PYEOF'
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert d["queue_depth"] == 0 and d["busy_workers"] == 0, d
PYEOF
check "load: nothing left queued or running" 0 $?
stop_server; check "load server exits 0" 0 $?
check_summary
