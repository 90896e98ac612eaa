"""Finds and imports the generated tenas.v1 / grpc.health.v1 stubs.

The stubs are not committed: client/python/generate.sh writes them with
Debian's protoc and grpc_python_plugin. They are looked for in
$TENAS_CLIENT_GENERATED when set, else in tenas_client/_generated beside this
file. The folder is put on sys.path because the generated code imports
itself as ``tenas.v1.scorer_pb2``.
"""

import importlib
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def generated_dir():
    """The folder holding the generated stubs."""
    return os.environ.get("TENAS_CLIENT_GENERATED") or os.path.join(
        _HERE, "_generated")


def _load():
    gen = generated_dir()
    marker = os.path.join(gen, "tenas", "v1", "scorer_pb2.py")
    if not os.path.isfile(marker):
        raise ImportError(
            "tenas_client: generated stubs not found in %r; run "
            "client/python/generate.sh [OUT] (and set TENAS_CLIENT_GENERATED=OUT "
            "for a folder of your own)" % gen)
    if gen not in sys.path:
        sys.path.insert(0, gen)
    scorer_pb2 = importlib.import_module("tenas.v1.scorer_pb2")
    scorer_pb2_grpc = importlib.import_module("tenas.v1.scorer_pb2_grpc")
    health_pb2 = importlib.import_module("health_pb2")
    health_pb2_grpc = importlib.import_module("health_pb2_grpc")
    return scorer_pb2, scorer_pb2_grpc, health_pb2, health_pb2_grpc


scorer_pb2, scorer_pb2_grpc, health_pb2, health_pb2_grpc = _load()
