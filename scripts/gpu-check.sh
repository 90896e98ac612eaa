#!/usr/bin/env bash
# scripts/gpu-check.sh: the check of tenas on a borrowed GPU machine (one
# H100/H200, its own PyTorch 2.x with CUDA, CMake and ninja; no gRPC, no
# network, 64 MiB of copied files, about 10 minutes). README "PyTorch 2.x
# and CUDA build" and docs/BENCHMARKS.md tell how its figures are recorded.
#
#   scripts/gpu-check.sh bundle
#       HERE (Debian, scripts/install-deps.sh done): copies the -dev files a
#       GPU machine lacks (abseil, nlohmann-json, CLI11, libjpeg-turbo, zlib,
#       GoogleTest) into ./gpu-bundle (git-ignored, ~20 MB) as a relocatable
#       prefix. Copy it along with the checkout.
#   scripts/gpu-check.sh run [--device cuda:0|cpu] [--python PY]
#                            [--configure-only | --reuse-build DIR]
#       THERE: builds what it can against that machine's PyTorch (the
#       library, tenas-bench, the unit tests; the server and client only if
#       gRPC is found), runs the exactness (golden) GoogleTests, compares the
#       scores of tenas-bench on DEVICE with the CPU reference NTK, times one
#       NB201 score and one NB201 search on DEVICE against the CPU, and sends
#       ScoreArchitecture calls to tenas-server --device DEVICE when there
#       is one. --device cpu rehearses all of it on a machine without a GPU;
#       --configure-only stops after CMake; --reuse-build DIR skips the
#       build and uses DIR's binaries (a rehearsal with build-torch2).
#       Results: stdout and $OUT (or ./gpu-check-out): gpu-check.log,
#       summary.txt, the JSON of every tenas-bench run.
#
# Environment: TENAS_GPU_BUILD_DIR (default build-gpu), TENAS_GPU_BUNDLE
# (default ./gpu-bundle), TENAS_GPU_JOBS (default nproc), TENAS_GPU_GRPC
# (ON/OFF; default: whether pkg-config finds grpc++).
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
# shellcheck source=torch2.env
source scripts/torch2.env
BUNDLE="${TENAS_GPU_BUNDLE:-$REPO/gpu-bundle}"

# The Debian packages whose files gpu-check needs there; binaries of their
# runtime libraries come along (same glibc family: manylinux_2_28 or newer).
BUNDLE_PACKAGES=(libabsl-dev libabsl20220623 nlohmann-json3-dev libcli11-dev
  libturbojpeg0-dev libturbojpeg0 libjpeg62-turbo-dev libjpeg62-turbo
  zlib1g-dev libgtest-dev libgmock-dev)

make_bundle() {
  rm -rf "$BUNDLE"
  mkdir -p "$BUNDLE"
  local p f
  for p in "${BUNDLE_PACKAGES[@]}"; do
    dpkg -L "$p" > /dev/null 2>&1 || {
      echo "gpu-check bundle: package $p is not installed" >&2; return 1; }
    dpkg -L "$p" | while read -r f; do
      [[ "$f" == /usr/share/doc/* || "$f" == /usr/share/lintian/* ]] && continue
      if [[ -f "$f" || -L "$f" ]] && [[ ! -d "$f" ]]; then
        mkdir -p "$BUNDLE$(dirname "$f")"
        cp -P "$f" "$BUNDLE$f"
      fi
    done
  done
  # zlib's runtime is in /lib on Debian (usrmerge): the -dev symlink needs it.
  cp -P /usr/lib/x86_64-linux-gnu/libz.so.1* "$BUNDLE/usr/lib/x86_64-linux-gnu/" 2>/dev/null
  echo "gpu-check bundle: $BUNDLE, $(du -sh "$BUNDLE" | cut -f1)," \
       "$(find "$BUNDLE" -type f | wc -l) files"
}

if [[ "${1:-}" == bundle ]]; then
  make_bundle
  exit $?
fi
if [[ "${1:-}" != run ]]; then
  sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
shift
DEVICE=cuda:0
PYTHON="${PYTHON:-python3}"
CONFIGURE_ONLY=0
REUSE_BUILD=""
while (($# > 0)); do
  case "$1" in
    --device) DEVICE="$2"; shift 2 ;;
    --python) PYTHON="$2"; shift 2 ;;
    --configure-only) CONFIGURE_ONLY=1; shift ;;
    --reuse-build) REUSE_BUILD="$2"; shift 2 ;;
    *) echo "gpu-check: unknown argument $1" >&2; exit 2 ;;
  esac
done
OUT_DIR="${OUT:-$REPO/gpu-check-out}"
mkdir -p "$OUT_DIR"
LOG="$OUT_DIR/gpu-check.log"
SUMMARY="$OUT_DIR/summary.txt"
: > "$LOG"
: > "$SUMMARY"
BUILD="${TENAS_GPU_BUILD_DIR:-$REPO/build-gpu}"
JOBS="${TENAS_GPU_JOBS:-$(nproc)}"
START=$SECONDS
failures=0
say() { echo "gpu-check: $*" | tee -a "$SUMMARY"; }
fail() { failures=$((failures + 1)); say "FAIL $*"; }
elapsed() { echo "$((SECONDS - START)) s"; }

# --- 1. the machine -----------------------------------------------------------
say "device under test: $DEVICE; $(nproc) cores; $(date -u +%FT%TZ)"
say "cpu: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
if command -v nvidia-smi > /dev/null; then
  say "gpu: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -1)"
else
  say "gpu: none (no nvidia-smi)"
fi
TORCH_INFO=$("$PYTHON" -c 'import torch; print(torch.__version__, torch.version.cuda, int(torch._C._GLIBCXX_USE_CXX11_ABI), torch.cuda.is_available(), torch.utils.cmake_prefix_path)' 2>>"$LOG" | tail -1)
if [[ -z "$TORCH_INFO" ]]; then
  fail "no PyTorch importable by $PYTHON"; exit 1
fi
read -r TORCH_VERSION TORCH_CUDA TORCH_ABI TORCH_CUDA_OK TORCH_PREFIX <<< "$TORCH_INFO"
say "torch $TORCH_VERSION (CUDA $TORCH_CUDA, cxx11 ABI $TORCH_ABI, cuda available: $TORCH_CUDA_OK); pinned here: $TENAS_TORCH_VERSION"
if [[ "$DEVICE" == cuda* && "$TORCH_CUDA_OK" != True ]]; then
  fail "PyTorch sees no CUDA device: use --device cpu to rehearse"; exit 1
fi
if [[ "$TORCH_ABI" != 1 ]]; then
  say "note: pre-cxx11 PyTorch: the bundled abseil would not link; trying anyway"
fi

# --- 2. build what this machine allows -----------------------------------------
PREFIXES="$TORCH_PREFIX"
if [[ -d "$BUNDLE/usr" ]]; then
  PREFIXES="$PREFIXES;$BUNDLE/usr"
  export LD_LIBRARY_PATH="$BUNDLE/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "bundle: $BUNDLE"
fi
# TENAS_GPU_GRPC=OFF rehearses a machine without gRPC on one that has it.
GRPC=OFF
if pkg-config --exists grpc++ 2> /dev/null; then GRPC=ON; fi
GRPC="${TENAS_GPU_GRPC:-$GRPC}"
export TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-$TENAS_TORCH_CUDA_ARCH_LIST}"
NVCC="${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
configure() {  # configure TESTS(ON|OFF)
  local gen=()
  command -v ninja > /dev/null && gen=(-G Ninja)
  rm -f "$BUILD/CMakeCache.txt"
  cmake -S "$REPO" -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$PREFIXES" -DTENAS_WITH_GRPC="$GRPC" \
    -Dc10_LIBRARY="$TORCH_PREFIX/../../lib/libc10.so" \
    -DTORCH_LIBRARY="$TORCH_PREFIX/../../lib/libtorch.so" \
    -DTENAS_BUILD_TESTS="$1" -DTENAS_BUILD_BENCH=ON \
    $([[ -x "$NVCC" ]] && echo "-DCMAKE_CUDA_COMPILER=$NVCC") >> "$LOG" 2>&1
}
TESTS=ON
if [[ -n "$REUSE_BUILD" ]]; then
  # Rehearsal: the binaries of an existing build (e.g. build-torch2).
  BUILD=$(cd "$REUSE_BUILD" && pwd)
  [[ -f "$BUILD/server/tenas-server" ]] && GRPC=ON || GRPC=OFF
  [[ -f "$BUILD/tests/tenas_unit_tests" ]] || TESTS=OFF
  say "reusing the build in $BUILD (gRPC $GRPC, GoogleTests $TESTS)"
elif ! configure ON; then
  TESTS=OFF
  configure OFF || { fail "configure (see $LOG)"; tail -30 "$LOG"; exit 1; }
fi
if [[ -z "$REUSE_BUILD" ]]; then
  say "configured in $(elapsed): gRPC $GRPC, GoogleTests $TESTS"
  if [[ $CONFIGURE_ONLY == 1 ]]; then exit "$((failures > 0))"; fi
  TARGETS=(tenas-bench ntk_benchmark)
  [[ $TESTS == ON ]] && TARGETS+=(tenas_unit_tests)
  [[ $GRPC == ON ]] && TARGETS+=(tenas-server tenas)
  if ! cmake --build "$BUILD" -j "$JOBS" --target "${TARGETS[@]}" >> "$LOG" 2>&1; then
    fail "build of ${TARGETS[*]} (see $LOG)"; grep -m 20 "error" "$LOG"; exit 1
  fi
  say "built ${TARGETS[*]} in $(elapsed)"
fi
BENCH="$BUILD/bench/tenas-bench"
say "tenas-bench links: $(ldd "$BENCH" | grep -Eo 'lib(torch_cuda|torch_cpu|c10_cuda|cudart)[^ ]* => [^ ]*' | tr '\n' ';')"

# --- 3. exactness ---------------------------------------------------------------
if [[ $TESTS == ON ]]; then
  # The golden fixtures (PyTorch's values, tests/golden) run on the CPU
  # through this machine's LibTorch.
  # (parameterised suites are named Fixtures/SUITE.TEST/CASE)
  FILTER='*NtkGoldenTest.*:*NtkFastGoldenTest.*:*NtkFastNb201Test.*:*LinearRegionsTest.*:*Nb201NetworkTest.*:*Nb201BenchmarkNetworkTest.*:*DartsNetworkTest.*:*DartsEvalNetworkTest.*:DeviceTest.*'
  if (cd "$REPO" && "$BUILD/tests/tenas_unit_tests" --gtest_filter="$FILTER" \
        > "$OUT_DIR/golden_tests.txt" 2>&1); then
    say "golden GoogleTests: $(grep -c '^\[       OK \]' "$OUT_DIR/golden_tests.txt") passed ($(elapsed))"
  else
    fail "golden GoogleTests: $(grep -c '^\[  FAILED  \]' "$OUT_DIR/golden_tests.txt") failed (golden_tests.txt)"
  fi
fi
# Scores on DEVICE against the CPU's reference NTK, same seed and batch:
# kappa within 1e-3 (float32 sums in another order), regions equal.
ARCHS=('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'
       '|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|')
score() {  # score NAME ARCH DEVICE NTK [more flags]
  local name="$1" arch="$2" device="$3" ntk="$4"; shift 4
  "$BENCH" score --space nb201 --arch "$arch" --device "$device" --ntk "$ntk" \
    --seed 0 --repeats 3 --json "$@" > "$OUT_DIR/$name.json" 2>> "$LOG"
}
# A field of the JSON line a tenas-bench run printed last.
field() { "$PYTHON" -c "import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])[sys.argv[2]])" "$OUT_DIR/$1.json" "$2"; }
i=0
for arch in "${ARCHS[@]}"; do
  i=$((i + 1))
  score "exact_cpu_reference_$i" "$arch" cpu reference --max-memory 512M || fail "CPU reference score $i"
  for ntk in fast reference; do
    score "exact_${DEVICE/:/}_${ntk}_$i" "$arch" "$DEVICE" "$ntk" || { fail "$DEVICE $ntk score $i"; continue; }
    verdict=$("$PYTHON" - "$OUT_DIR/exact_cpu_reference_$i.json" "$OUT_DIR/exact_${DEVICE/:/}_${ntk}_$i.json" <<'PY'
import json, sys
a, b = (json.loads(open(p).read().splitlines()[-1]) for p in sys.argv[1:3])
ka, kb = a["ntk_condition_number"], b["ntk_condition_number"]
ok = abs(ka - kb) <= 1e-3 * abs(ka) and a["linear_regions"] == b["linear_regions"]
print(("ok" if ok else "MISMATCH") + f" kappa {kb:.6g} vs cpu {ka:.6g}, regions {b['linear_regions']} vs {a['linear_regions']}")
PY
)
    [[ "$verdict" == ok* ]] || failures=$((failures + 1))
    say "exactness arch $i, $DEVICE $ntk NTK: $verdict"
  done
done

# --- 4. timings: one score and one NB201 search, DEVICE against the CPU -------
for device in cpu "$DEVICE"; do
  [[ "$device" == cpu && "$DEVICE" == cpu && -n "${timed_cpu:-}" ]] && continue
  score "time_score_${device/:/}" "${ARCHS[1]}" "$device" fast || fail "timed score on $device"
  say "score (NB201, batch 72 default, 3 repeats) on $device: $(field "time_score_${device/:/}" seconds) s (NTK $(field "time_score_${device/:/}" ntk_seconds) s, regions $(field "time_score_${device/:/}" linear_regions_seconds) s)"
  t0=$SECONDS
  if "$BENCH" search --space nb201 --device "$device" --seed 0 --repeats 1 \
       --json > "$OUT_DIR/time_search_${device/:/}.jsonl" 2>> "$LOG"; then
    say "search (NB201, 1 repeat) on $device: $((SECONDS - t0)) s wall, arch $(tail -n 1 "$OUT_DIR/time_search_${device/:/}.jsonl" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["arch"])')"
  else
    fail "search on $device"
  fi
  timed_cpu=1
done
"$BUILD/bench/ntk_benchmark" --reps 3 > "$OUT_DIR/ntk_benchmark_cpu.txt" 2>&1 \
  && say "ntk_benchmark (CPU, this LibTorch): ntk_benchmark_cpu.txt" \
  || fail "ntk_benchmark"

# --- 5. the server --------------------------------------------------------------
if [[ $GRPC == ON ]]; then
  SERVER_BIN="$BUILD/server/tenas-server"
  CLI="$BUILD/client/tenas"
  "$SERVER_BIN" --host 127.0.0.1 --port 0 --metrics-port -1 --device "$DEVICE" \
    --state-dir "$OUT_DIR/state" > "$OUT_DIR/server.log" 2>&1 &
  spid=$!
  port=""
  for _ in $(seq 1 600); do
    port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$OUT_DIR/server.log")
    [[ -n "$port" ]] && break
    sleep 0.1
  done
  if [[ -n "$port" ]]; then
    say "server: $(grep -m1 listening "$OUT_DIR/server.log")"
    for arch in "${ARCHS[@]}" "${ARCHS[0]}"; do
      t0=$(date +%s.%N)
      "$CLI" --server "127.0.0.1:$port" score --arch "$arch" --json \
        >> "$OUT_DIR/server_scores.jsonl" 2>> "$LOG" || fail "ScoreArchitecture"
      say "ScoreArchitecture on $DEVICE: $(echo "$(date +%s.%N) - $t0" | bc) s"
    done
  else
    fail "server did not start: $(tail -1 "$OUT_DIR/server.log")"
  fi
  kill -TERM "$spid" 2> /dev/null; wait "$spid" 2> /dev/null
else
  say "server: not built (no gRPC on this machine); ScoreArchitecture calls skipped"
fi

say "done in $(elapsed), $failures failure(s)"
[[ $failures == 0 ]]
