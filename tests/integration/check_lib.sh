# Shared by the shell integration tests: `source` it, call
# `check NAME EXPECTED_RC ACTUAL_RC` per assertion, and end with
# `check_summary` (prints the counts; its status is the test's result).
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
