"""ozmap-connector: Odoo's link to OZmap, the fiber network documentation system.

The heavy lifting (HTTP, JSON, geo, the workflows) happens in the compiled core
``ozmap_connector._core``; this package is its typed Python face.
"""

from __future__ import annotations

from . import errors
from ._core import __version__
from .errors import (
    AmbiguousOutcomeError,
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    DeadlineExceeded,
    DecodeError,
    HttpStatusError,
    InvalidInputError,
    NotFoundError,
    OzmapError,
    RateLimitedError,
    TlsError,
    TransportError,
)

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
    "__version__",
    "errors",
]
