"""The common mistake, measured: no session and one splitters request per box.

Every call goes through `requests.request`, which builds a new session and so opens a
new connection each time; feasibility asks for the splitters of each candidate box on
its own. Everything else follows `RequestsClient`.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from .requests_client import RequestsClient


class NaiveClient(RequestsClient):
    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
    ) -> requests.Response:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        return requests.request(
            method,
            f"{self.api_url}/{path}",
            params=params,
            data=None if body is None else json.dumps(body),
            headers=headers,
            timeout=self.timeout,
        )

    def splitters_of_boxes(self, box_ids: list[str]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for box_id in box_ids:
            flt = [{"property": "parent", "operator": "=", "value": box_id}]
            rows.extend(self._list("splitters", flt))
        return rows
