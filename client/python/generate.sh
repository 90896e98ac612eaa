#!/usr/bin/env bash
# Generates the Python protobuf messages and gRPC stubs of tenas.v1 (and the
# client side of grpc.health.v1) with Debian's protoc and grpc_python_plugin
# (packages protobuf-compiler and protobuf-compiler-grpc).
#
# usage: client/python/generate.sh [OUT_DIR]
#   OUT_DIR defaults to client/python/tenas_client/_generated (git-ignored).
#   The client finds stubs in $TENAS_CLIENT_GENERATED when set, else there.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${1:-$HERE/tenas_client/_generated}"
PROTOC="${PROTOC:-protoc}"
PLUGIN="${GRPC_PYTHON_PLUGIN:-$(command -v grpc_python_plugin || echo /usr/bin/grpc_python_plugin)}"
if ! command -v "$PROTOC" > /dev/null; then
  echo "generate.sh: protoc not found (Debian package protobuf-compiler)" >&2
  exit 1
fi
if [[ ! -x "$PLUGIN" ]]; then
  echo "generate.sh: grpc_python_plugin not found (Debian package protobuf-compiler-grpc)" >&2
  exit 1
fi
mkdir -p "$OUT"
# tenas.v1: generated as the package tenas/v1 (imports as tenas.v1.scorer_pb2).
"$PROTOC" -I "$ROOT/proto" --python_out="$OUT" --grpc_out="$OUT" \
  --plugin=protoc-gen-grpc="$PLUGIN" "$ROOT/proto/tenas/v1/scorer.proto"
# grpc.health.v1: generated flat (health_pb2, health_pb2_grpc) so that no
# top-level "grpc" folder shadows the grpc library itself.
"$PROTOC" -I "$ROOT/proto/grpc/health/v1" --python_out="$OUT" --grpc_out="$OUT" \
  --plugin=protoc-gen-grpc="$PLUGIN" "$ROOT/proto/grpc/health/v1/health.proto"
echo "generate.sh: stubs in $OUT"
