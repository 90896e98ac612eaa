# Shared by the shell integration tests: `source` it, call
# `check NAME EXPECTED_RC ACTUAL_RC` per assertion, and end with
# `check_summary` (prints the counts; its status is the test's result).
# expect_usage_error writes its scratch files under $tmp, which the test
# defines (server_lib.sh does).
failures=0
pass=0
check() {  # check NAME EXPECTED_RC ACTUAL_RC
  if [[ "$2" == "$3" ]]; then
    pass=$((pass + 1)); echo "ok   $1"
  else
    failures=$((failures + 1)); echo "FAIL $1: exit $3, expected $2"
  fi
}
check_summary() {
  echo "$pass passed, $failures failed"
  [[ $failures == 0 ]]
}
# expect_usage_error NAME NEEDLE COMMAND...: exit 2, exactly one stderr line,
# containing NEEDLE, nothing on stdout.
expect_usage_error() {
  local name="$1" needle="$2" rc; shift 2
  "$@" > "$tmp/out" 2> "$tmp/err"
  check "$name: exit 2" 2 $?
  [[ $(wc -l < "$tmp/err") == 1 && ! -s "$tmp/out" ]] \
    && grep -qF -- "$needle" "$tmp/err"
  rc=$?; check "$name: one line naming $needle ($(head -c 160 "$tmp/err"))" 0 $rc
}
