"""Exceptions for the status codes of tenas.v1 (docs/API.md).

Every error is a TenasError carrying the gRPC ``code`` (a grpc.StatusCode)
and the server's ``message``. For INVALID_ARGUMENT the server's message
starts with the field name ("architecture.nb201_arch: ..."), exposed as
``field``.
"""

import re

import grpc


class TenasError(Exception):
    """A failed tenas call (or one failed item of score_many)."""

    def __init__(self, code, message):
        self.code = code
        self.message = message or ""
        name = code.name if isinstance(code, grpc.StatusCode) else str(code)
        super().__init__("%s: %s" % (name, self.message))

    @property
    def field(self):
        """The field the message names ("options.batch_size"), or None."""
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_\[\]]*(?:\.[A-Za-z0-9_\[\]]+)*):",
                     self.message)
        return m.group(1) if m else None


class InvalidArgumentError(TenasError):
    """Malformed architecture, unknown dataset/space, option out of range."""


class ResourceExhaustedError(TenasError):
    """Evaluation queue full, or too many searches: retry later or elsewhere."""


class NotFoundError(TenasError):
    """Unknown search_id."""


class UnavailableError(TenasError):
    """Server not ready (datasets loading), draining, or unreachable."""


class CancelledError(TenasError):
    """The call or the search was cancelled."""


class DeadlineExceededError(TenasError):
    """The call's deadline passed."""


class UnauthenticatedError(TenasError):
    """The server requires a bearer token and got none or a wrong one."""


_BY_CODE = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.CANCELLED: CancelledError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
}

# google.rpc.Code numbers (ScoreError.code) -> grpc.StatusCode.
_BY_NUMBER = {c.value[0]: c for c in grpc.StatusCode}


def error_for(code, message):
    """The TenasError subclass instance for a grpc.StatusCode or its number."""
    if not isinstance(code, grpc.StatusCode):
        code = _BY_NUMBER.get(int(code), grpc.StatusCode.UNKNOWN)
    return _BY_CODE.get(code, TenasError)(code, message)


def from_rpc_error(err):
    """Maps a grpc.RpcError (as raised by a stub) to a TenasError."""
    try:
        code, details = err.code(), err.details()
    except Exception:  # pragma: no cover - not a call error
        code, details = grpc.StatusCode.UNKNOWN, str(err)
    return error_for(code, details)
