#!/usr/bin/env bash
# Configures and builds tenas against the PyTorch 2.x LibTorch (with CUDA) of
# scripts/install-torch2.sh into ./build-torch2 (Release), the sibling of
# scripts/build.sh (Debian's LibTorch 1.13 into ./build). Extra arguments go
# to CMake, e.g. scripts/build-torch2.sh -DTENAS_WERROR=ON.
#   TENAS_TORCH2_VENV_DIR   the virtualenv (default: scripts/torch2.env's)
#   TENAS_BUILD_DIR         the build folder (default: build-torch2)
# Needs nvcc of the wheel's CUDA major on PATH or at /usr/local/cuda: the
# CUDA LibTorch's CMake package looks for the toolkit (tenas has no .cu
# files; nothing runs on a GPU at build time).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=torch2.env
source scripts/torch2.env
VENV="${TENAS_TORCH2_VENV_DIR:-${TENAS_TORCH2_VENV}}"
if [[ ! -x "$VENV/bin/python" ]]; then
  echo "build-torch2.sh: no virtualenv at $VENV: run scripts/install-torch2.sh" >&2
  exit 1
fi
PREFIX=$("$VENV/bin/python" -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null)
TORCH_LIB="$PREFIX/../../lib"
NVCC="${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
if [[ ! -x "$NVCC" ]]; then
  echo "build-torch2.sh: nvcc not found (PATH, CUDACXX, /usr/local/cuda)" >&2
  exit 1
fi
# No GPU needs to be visible: LibTorch's CMake compiles for these instead of
# probing one.
export TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-$TENAS_TORCH_CUDA_ARCH_LIST}"
export TENAS_BUILD_DIR="${TENAS_BUILD_DIR:-$TENAS_TORCH2_BUILD_DIR}"
# TorchConfig.cmake looks for libc10.so and libtorch.so with find_library,
# which searches the system folders before LibTorch's own: with Debian's
# libtorch-dev installed as well (scripts/install-deps.sh) it would link
# Debian's 1.13 libc10 into this build. Name the wheel's.
if [[ ! -f "$TENAS_BUILD_DIR/CMakeCache.txt" ]]; then
  exec bash scripts/build.sh -DCMAKE_PREFIX_PATH="$PREFIX" \
    -Dc10_LIBRARY="$TORCH_LIB/libc10.so" -DTORCH_LIBRARY="$TORCH_LIB/libtorch.so" \
    -DCMAKE_CUDA_COMPILER="$NVCC" "$@"
fi
exec bash scripts/build.sh "$@"
