#!/usr/bin/env bash
# Generates the Python stubs into a temporary folder and runs the client's
# tests (plain unittest, Debian's python3) against a real tenas-server.
# usage: client/python/run_tests.sh PATH/TO/tenas-server
# Needs Debian packages: python3-grpcio python3-protobuf protobuf-compiler
# protobuf-compiler-grpc.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
if [[ $# -lt 1 ]]; then
  echo "usage: $0 PATH/TO/tenas-server" >&2
  exit 2
fi
export TENAS_SERVER_BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
gen=$(mktemp -d)
trap 'rm -rf "$gen"' EXIT
bash "$HERE/generate.sh" "$gen" > /dev/null
export TENAS_CLIENT_GENERATED="$gen"
export PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
cd "$HERE"
exec /usr/bin/python3 -m unittest discover -s tests -p 'test_*.py' -v
