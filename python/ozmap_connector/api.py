"""The low-level OZmap API v2 client, for scripts that need an endpoint the workflows
do not cover. It shares the connector's transport: deadlines, retries of idempotent
requests, TLS verification, status mapping to the error classes, and pagination.
"""

from __future__ import annotations

import builtins
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from . import _core


class ApiClient:
    """Routes are relative to ``/api/v2``: ``"boxes"``, ``"ftth-viability/radius"``.

    Calls release the GIL while they wait for OZmap.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        port: int = 9994,
        total_timeout: float = 30.0,
        retries: int = 2,
        ca_file: str | os.PathLike[str] | None = None,
        verify_tls: bool = True,
        page_size: int = 500,
    ) -> None:
        self.url = url
        self.port = port
        self._core = _core.ApiClient(
            url,
            token,
            port,
            total_timeout,
            retries,
            os.fspath(ca_file) if ca_file is not None else "",
            verify_tls,
            page_size,
        )

    def __repr__(self) -> str:
        return f"ApiClient(url={self.url!r}, port={self.port}, token='***')"

    @property
    def request_count(self) -> int:
        return self._core.request_count

    def get(self, route: str, params: Mapping[str, str] | None = None) -> Any:
        return self._core.get(route, dict(params or {}))

    def list(
        self,
        route: str,
        filters: Sequence[Mapping[str, Any]] = (),
        *,
        select: str = "",
    ) -> builtins.list[Any]:
        """Every row, across pages. Filters: ``{"property", "operator", "value"}``."""
        return self._core.list_rows(route, [dict(f) for f in filters], select)

    def get_by_id(self, route: str, document_id: str) -> Any:
        return self._core.get_by_id(route, document_id)

    def create(self, route: str, body: Mapping[str, Any]) -> Any:
        return self._core.create(route, json.dumps(body, ensure_ascii=False))

    def update(self, route: str, document_id: str, body: Mapping[str, Any]) -> None:
        self._core.update(route, document_id, json.dumps(body, ensure_ascii=False))

    def remove(self, route: str, document_id: str) -> bool:
        """True when it was deleted, False when it was already gone."""
        return self._core.remove(route, document_id)

    def properties_by_client_code(self, code: str) -> builtins.list[dict[str, Any]]:
        return self._core.properties_by_client_code(code)

    def authenticated(self) -> bool:
        return self._core.authenticated()
