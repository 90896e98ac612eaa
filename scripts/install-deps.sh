#!/usr/bin/env bash
# Installs every Debian (bookworm) package that tenas needs to build, test and
# run. The README and .ci/run both call this script; nothing is downloaded from
# anywhere but Debian's archive.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git clang-format
  # the libFuzzer targets (scripts/fuzz.sh): clang with its sanitizer and
  # libFuzzer runtimes
  clang libclang-rt-14-dev
  # LibTorch 1.13 (CPU)
  libtorch-dev
  # gRPC, protobuf, abseil, Prometheus client
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev prometheus-cpp-dev
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  # small libraries used instead of hand-written code
  nlohmann-json3-dev zlib1g-dev libturbojpeg0-dev libcli11-dev
  # libjpeg-turbo's CMake package (find_package) also checks the libjpeg files
  libjpeg62-turbo-dev
  # test tooling: fixtures, validation scripts, e2e checks; the validation
  # report's plots (scripts/validation_report.py)
  python3 python3-numpy curl python3-matplotlib
  # a real Prometheus server scrapes tenas-server in an integration test
  prometheus
  # durable search state and the result cache; TLS test certificates
  libsqlite3-dev openssl
  # --dot FILE also writes FILE.svg with Graphviz's dot (the CLI tests check it)
  graphviz
  # the Python client and its tests; YAML checks of the deploy manifests
  python3-grpcio python3-protobuf python3-yaml
)

SUDO=""
if [[ "$(id -u)" != 0 ]]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
