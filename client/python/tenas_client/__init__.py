"""tenas_client: Python client of the tenas.v1 TE-NAS scoring service.

Needs the generated stubs (client/python/generate.sh) and Debian's
python3-grpcio and python3-protobuf. See client/python/README.md.
"""

from tenas_client.errors import (CancelledError, DeadlineExceededError,
                                 InvalidArgumentError, NotFoundError,
                                 ResourceExhaustedError, TenasError,
                                 UnauthenticatedError, UnavailableError)
from tenas_client.client import (READY_SERVICE, MeasureValue, RepeatScore,
                                 ScoreResult, TenasClient, Timing,
                                 event_to_dict, make_architecture,
                                 message_to_dict)

__all__ = [
    "TenasClient", "ScoreResult", "RepeatScore", "MeasureValue", "Timing",
    "READY_SERVICE",
    "TenasError", "InvalidArgumentError", "ResourceExhaustedError",
    "NotFoundError", "UnavailableError", "CancelledError",
    "DeadlineExceededError", "UnauthenticatedError", "make_architecture", "message_to_dict",
    "event_to_dict",
]

__version__ = "0.1.0"
