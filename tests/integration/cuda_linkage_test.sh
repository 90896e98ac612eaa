#!/usr/bin/env bash
# The CUDA build's binaries load the CUDA LibTorch they were built against
# (issue 18: "ldd of the server shows the CUDA LibTorch"): libtorch_cuda,
# libc10_cuda and the CUDA runtime resolve, all of LibTorch comes from one
# folder (never Debian's 1.13 beside it), and nothing is missing. Registered
# only for a build against a CUDA LibTorch (tests/integration/CMakeLists.txt).
# usage: cuda_linkage_test.sh BINARY...
set -uo pipefail
source "$(dirname "$0")/check_lib.sh"
for bin in "$@"; do
  name=$(basename "$bin")
  deps=$(ldd "$bin")
  check "ldd $name" 0 $?
  ! grep -q "not found" <<< "$deps"
  check "$name: every library resolves" 0 $?
  for lib in libtorch_cuda.so libc10_cuda.so libtorch_cpu.so libc10.so libcudart.so; do
    path=$(awk -v l="$lib" 'index($1, l) == 1 { print $3; exit }' <<< "$deps")
    [[ -n "$path" && -e "$path" ]]
    check "$name loads $lib (${path:-none})" 0 $?
  done
  dirs=$(awk '$1 ~ /^lib(torch|torch_cpu|torch_cuda|c10|c10_cuda)\.so/ { print $3 }' <<< "$deps" |
         xargs -r -n1 dirname | xargs -r -n1 realpath | sort -u)
  [[ $(wc -l <<< "$dirs") == 1 && "$dirs" != /usr/lib* ]]
  rc=$?
  check "$name: LibTorch from one folder, not the system's (${dirs//$'\n'/ })" 0 $rc
done
check_summary
