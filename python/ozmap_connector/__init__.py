"""ozmap-connector: Odoo's link to OZmap, the fiber network documentation system.

The heavy lifting (HTTP, JSON, geo, the workflows) happens in the compiled core
``ozmap_connector._core``; this package is its typed Python face.
"""

from __future__ import annotations

from . import errors
from ._core import __version__
from .api import ApiClient
from .config import Settings, Timeouts
from .connector import (
    CancelReport,
    ChangeBoxCandidates,
    ConnectionData,
    Connector,
    Coverage,
    CoverageAnswer,
    Deployment,
    Feasibility,
    FeasibleBox,
    NetworkSnapshot,
    PortRef,
    RefusedBox,
    Reservation,
    load_snapshot,
    save_snapshot,
)
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
    "ApiClient",
    "AuthenticationError",
    "CancelReport",
    "ChangeBoxCandidates",
    "ConfigurationError",
    "ConflictError",
    "ConnectionData",
    "Connector",
    "Coverage",
    "CoverageAnswer",
    "DeadlineExceeded",
    "DecodeError",
    "Deployment",
    "Feasibility",
    "FeasibleBox",
    "HttpStatusError",
    "InvalidInputError",
    "NetworkSnapshot",
    "NotFoundError",
    "OzmapError",
    "PortRef",
    "RateLimitedError",
    "RefusedBox",
    "Reservation",
    "Settings",
    "Timeouts",
    "TlsError",
    "TransportError",
    "__version__",
    "errors",
    "load_snapshot",
    "save_snapshot",
]
