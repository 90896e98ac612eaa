# Shared by the shell tests and scripts that run the real tenas-server:
# `source` it with SERVER_BIN and CLI set. It makes a scratch folder $tmp
# and, on exit, kills a server still running and removes $tmp.
#   start_server LOG [SERVER FLAGS...]  starts it on 127.0.0.1, port 0;
#                                        sets server_pid, port and S (the
#                                        CLI's --server flag); 1 if no port
#   wait_healthy [CLI FLAGS...]          waits (30 s) until health is SERVING
#   stop_server                          SIGTERM, wait; its exit status
start_server() {
  local log="$1"; shift
  "$SERVER_BIN" --host 127.0.0.1 --port 0 --metrics-port -1 "$@" > "$log" 2>&1 &
  server_pid=$!
  port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$log")
    [[ -n "$port" ]] && break
    sleep 0.1
  done
  S=(--server "127.0.0.1:$port")
  [[ -n "$port" ]]
}
wait_healthy() {
  for _ in $(seq 1 300); do
    "$CLI" health "${S[@]}" "$@" > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
stop_server() {
  kill -TERM "$server_pid"; wait "$server_pid"; local rc=$?; server_pid=""
  return $rc
}
tmp=$(mktemp -d)
server_pid=""
server_lib_cleanup() {
  [[ -n "$server_pid" ]] && kill -9 "$server_pid" 2>/dev/null
  mountpoint -q "$tmp/small" 2>/dev/null && umount "$tmp/small"
  rm -rf "$tmp"
}
trap server_lib_cleanup EXIT
