#!/usr/bin/env bash
# Installs the pinned PyTorch 2.x wheel (scripts/torch2.env) into a
# virtualenv, for the second build (scripts/build-torch2.sh). The wheel
# brings LibTorch's headers, its CMake package and the CUDA libraries it was
# built for (nvidia-*-cu13 wheels, several GB). scripts/install-deps.sh
# still installs the Debian set, which this build needs too (gRPC, abseil,
# GoogleTest, ...) minus libtorch-dev.
#
#   scripts/install-torch2.sh       # into ~/.cache/tenas/torch-VERSION
#   TENAS_TORCH2_VENV_DIR=/opt/t2 scripts/install-torch2.sh
#   TENAS_TORCH_WHEEL=/path/torch-....whl scripts/install-torch2.sh
#                                             # a wheel already downloaded
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=torch2.env
source scripts/torch2.env
VENV="${TENAS_TORCH2_VENV_DIR:-${TENAS_TORCH2_VENV}}"
PYTHON="${PYTHON:-python3}"
if [[ ! -x "$VENV/bin/python" ]]; then
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
if [[ -n "${TENAS_TORCH_WHEEL:-}" ]]; then
  "$VENV/bin/python" -m pip install "$TENAS_TORCH_WHEEL"
else
  "$VENV/bin/python" -m pip install --index-url "$TENAS_TORCH_INDEX_URL" \
    "torch==${TENAS_TORCH_VERSION}"
fi
# What the build needs from it: the pinned version, the cxx11 ABI (Debian's
# gRPC and protobuf, docker/Dockerfile.cuda) and its CUDA major.
"$VENV/bin/python" - "$TENAS_TORCH_VERSION" "$TENAS_TORCH_CUDA_MAJOR" <<'PY'
import sys
import torch
want, cuda_major = sys.argv[1], sys.argv[2]
got = torch.__version__.split("+")[0]
problems = []
if got != want:
    problems.append(f"torch {got} installed, {want} pinned")
if not torch._C._GLIBCXX_USE_CXX11_ABI:
    problems.append("pre-cxx11 ABI: Debian's gRPC/protobuf would not link")
if (torch.version.cuda or "").split(".")[0] != cuda_major:
    problems.append(f"CUDA {torch.version.cuda}, want {cuda_major}.x")
if problems:
    sys.exit("install-torch2.sh: " + "; ".join(problems))
print(f"install-torch2.sh: torch {torch.__version__} (CUDA {torch.version.cuda},"
      f" cxx11 ABI) in {sys.prefix}")
PY
