#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with Debian's clang (ASan + UBSan
# + libFuzzer, -O1 -g) into build-fuzz/ and runs each one for a bounded time,
# starting from its seed corpus in tests/fuzz/corpus/<target>/. Fails
# (non-zero) on any crash, sanitizer report, leak, timeout or out-of-memory;
# the offending input is left in build-fuzz/artifacts/<target>/.
#
# Usage: bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#   SECONDS_PER_TARGET  defaults to $TENAS_FUZZ_SECONDS, else 60.
#   TARGET              run only these targets (default: all five).
# Environment: TENAS_FUZZ_BUILD_DIR (default build-fuzz), TENAS_FUZZ_JOBS
# (build jobs, default nproc), TENAS_FUZZ_BUILD_ONLY=1 (build, run nothing).
#
# Replay one input:  build-fuzz/fuzz_nb201_arch path/to/input
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-${TENAS_FUZZ_SECONDS:-60}}"
shift || true
if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] || ((SECONDS_PER_TARGET < 1)); then
  echo "fuzz: SECONDS_PER_TARGET must be a positive integer, got '$SECONDS_PER_TARGET'" >&2
  exit 2
fi
ALL_TARGETS=(fuzz_nb201_arch fuzz_darts_genotype fuzz_cifar_records
  fuzz_imagenet16_pickle fuzz_request_validation)
if (($# > 0)); then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi

BUILD="${TENAS_FUZZ_BUILD_DIR:-build-fuzz}"
JOBS="${TENAS_FUZZ_JOBS:-$(nproc)}"
GENERATOR=()
if command -v ninja >/dev/null; then GENERATOR=(-G Ninja); fi

echo "fuzz: building ${TARGETS[*]} in $BUILD"
if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
  CXX=clang++ cmake -S tests/fuzz -B "$BUILD" "${GENERATOR[@]}" >/dev/null
fi
cmake --build "$BUILD" -j "$JOBS" --target "${TARGETS[@]}"
if [[ "${TENAS_FUZZ_BUILD_ONLY:-0}" == 1 ]]; then exit 0; fi

# Sanitizer settings: abort on the first report, catch leaks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
for t in "${TARGETS[@]}"; do
  seeds="tests/fuzz/corpus/$t"
  work="$BUILD/corpus/$t"        # grows during runs; never committed
  artifacts="$BUILD/artifacts/$t"
  log="$BUILD/logs/$t.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  dict=()
  if [[ -f "tests/fuzz/dict/$t.dict" ]]; then dict=(-dict="tests/fuzz/dict/$t.dict"); fi
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s (seeds $seeds, log $log)"
  # -timeout: one input over 10 s is a hang; -rss_limit_mb: a hostile length
  # must not allocate gigabytes. The input size limit is libFuzzer's default:
  # the largest seed (3 CIFAR records), at least 4096 bytes.
  rc=0
  "$BUILD/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "${dict[@]}" "$work" "$seeds" \
    >"$log" 2>&1 || rc=$?
  grep -E '^#[0-9]+.*DONE|^stat::number_of_executed_units|^stat::average_exec_per_sec|^stat::new_units_added|^stat::peak_rss_mb' "$log" | sed "s/^/fuzz: $t: /" || true
  if ((rc != 0)); then
    echo "fuzz: $t FAILED (exit $rc); last lines of $log:" >&2
    tail -n 40 "$log" >&2
    ls -l "$artifacts" >&2 || true
    failed+=("$t")
  fi
done

if ((${#failed[@]} > 0)); then
  echo "fuzz: ${#failed[@]} of ${#TARGETS[@]} targets failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all ${#TARGETS[@]} targets ran ${SECONDS_PER_TARGET}s each without a crash"
