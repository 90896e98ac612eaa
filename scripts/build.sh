#!/usr/bin/env bash
# Configures and builds tenas into ./build (Release). Extra arguments go to
# CMake, e.g. scripts/build.sh -DTENAS_WITH_GRPC=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache + precompiled headers: these relaxations keep the cache effective.
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
# Paths inside the checkout are hashed relative to it, so that clones in other
# folders (CI's fresh clone, git worktrees) share the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(pwd)}"
BUILD_DIR="${TENAS_BUILD_DIR:-build}"
GENERATOR=()
if command -v ninja >/dev/null; then GENERATOR=(-G Ninja); fi
if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  cmake -S . -B "$BUILD_DIR" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=Release "$@"
elif (($# > 0)); then
  cmake -S . -B "$BUILD_DIR" "$@"
fi
cmake --build "$BUILD_DIR" -j "$(nproc)"
