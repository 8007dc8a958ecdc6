"""The exceptions of ozmap_connector: one class per kind of failure of the core.

Every class derives from :class:`OzmapError`. The compiled core raises them directly (no
core failure reaches Python as a bare ``RuntimeError``) and fills these attributes:

``kind``
    the core's name for the kind (``"timeout"``, ``"conflict"``, ...).
``operation``
    what was being done, e.g. ``"GET /api/v2/boxes"`` or ``"reserve"``; or ``None``.
``status``
    the HTTP status when a response arrived, else ``None``.
``body_excerpt``
    a short, redacted excerpt of the response body, or ``None``.
"""

from __future__ import annotations

__all__ = [
    "AmbiguousOutcomeError",
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "DeadlineExceeded",
    "DecodeError",
    "HttpStatusError",
    "InvalidInputError",
    "NotFoundError",
    "OzmapError",
    "RateLimitedError",
    "TlsError",
    "TransportError",
]


class OzmapError(Exception):
    """Base class of every error raised by ozmap_connector."""

    kind: str = "error"
    operation: str | None = None
    status: int | None = None
    body_excerpt: str | None = None

    def __init__(self, message: str = "", **attributes: object) -> None:
        super().__init__(message)
        for name, value in attributes.items():
            setattr(self, name, value)

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class ConfigurationError(OzmapError):
    """No URL or token, a bad port, an unreadable CA file."""

    kind = "configuration"


class InvalidInputError(OzmapError, ValueError):
    """Input refused before any network call: coordinates out of range, radius <= 0."""

    kind = "invalid_input"


class TransportError(OzmapError, ConnectionError):
    """The connection failed: refused, DNS, reset, a truncated body."""

    kind = "transport"


class DeadlineExceeded(TransportError, TimeoutError):
    """A deadline passed (connect, TLS handshake, idle read or the whole call)."""

    kind = "timeout"


class TlsError(TransportError):
    """Untrusted certificate chain, host-name mismatch or a failed handshake."""

    kind = "tls"


class HttpStatusError(OzmapError):
    """OZmap answered with a 4xx or 5xx status not covered by a narrower class."""

    kind = "http_status"


class AuthenticationError(HttpStatusError):
    """401 or 403: the API token is missing or rejected."""

    kind = "authentication"


class RateLimitedError(HttpStatusError):
    """429 whose Retry-After does not fit in the call's deadline."""

    kind = "rate_limited"
    retry_after: float | None = None


class DecodeError(OzmapError):
    """The response was not valid JSON, or a field was missing or of the wrong type."""

    kind = "decode"
    field: str | None = None


class NotFoundError(OzmapError, LookupError):
    """An unknown client code, box or id."""

    kind = "not_found"


class ConflictError(OzmapError):
    """A port taken, a box that became full, a client code reserved elsewhere."""

    kind = "conflict"


class AmbiguousOutcomeError(OzmapError):
    """A write whose result is unknown (timeout or reset after sending it).

    Reconcile by client code; never retry the write blindly.
    """

    kind = "ambiguous"
