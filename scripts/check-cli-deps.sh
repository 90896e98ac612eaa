#!/usr/bin/env bash
# Checks that the `tenas` client CLI links no LibTorch library: it talks gRPC
# to tenas-server and must stay small and quick to start. Fails when
# `readelf -d` lists a libtorch* or libc10* library as NEEDED, or when ldd
# resolves one (a LibTorch library pulled in through another library).
# usage: scripts/check-cli-deps.sh [BUILD_DIR]   (default: build)
set -euo pipefail
BUILD_DIR="${1:-build}"
BIN="$BUILD_DIR/client/tenas"
if [[ ! -x "$BIN" ]]; then
  echo "check-cli-deps: $BIN not found (build the tenas target first)" >&2
  exit 1
fi
needed=$(readelf -d "$BIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
if [[ -z "$needed" ]]; then
  echo "check-cli-deps: readelf lists no NEEDED library in $BIN" >&2
  exit 1
fi
torch_pattern='^(libtorch|libc10)'
resolved=""
if command -v ldd > /dev/null; then
  resolved=$(ldd "$BIN" | awk '{print $1}')
fi
bad=$(printf '%s\n%s\n' "$needed" "$resolved" | grep -E "$torch_pattern" \
      | sort -u || true)
if [[ -n "$bad" ]]; then
  echo "check-cli-deps: $BIN links LibTorch:" $bad >&2
  exit 1
fi
echo "check-cli-deps: $BIN links no LibTorch ($(wc -l <<< "$needed") NEEDED libraries)"
