#!/usr/bin/env bash
# The main job: installs the packages, builds, starts tenas-server on the
# bundled real CIFAR-10 sample, runs a TE-NAS search on NAS-Bench-201 through
# the tenas CLI (progress bar on a terminal), prints the result and stops the
# server. Paper settings (NTK batch 72, 3 repeats); the search takes ~2-5
# minutes on 2 CPU cores.
# Extra arguments go to `tenas search` (e.g. --seed 1, --space darts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
BUILD="${TENAS_BUILD_DIR:-build}"
PORT="${TENAS_PORT:-50051}"
CORES=$(nproc)

log=$(mktemp)
"$BUILD/server/tenas-server" --host 127.0.0.1 --port "$PORT" --metrics-port -1 \
  --workers "$CORES" --threads 1 > "$log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 300); do
  "$BUILD/client/tenas" health --server "127.0.0.1:$PORT" > /dev/null 2>&1 && break
  if ! kill -0 $server 2>/dev/null; then cat "$log"; exit 1; fi
  sleep 0.2
done
echo "tenas-server ready on 127.0.0.1:$PORT ($(head -n 1 "$log"))"

# The found architecture's NAS-Bench-201 accuracies come from the bundled
# table (data/nb201_accuracy.csv), which `tenas search` finds by itself.
"$BUILD/client/tenas" search --server "127.0.0.1:$PORT" --space nb201 \
  --dataset cifar10 "$@"
