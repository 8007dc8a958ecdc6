"""A plain-Python OZmap client, written only to be measured against the connector.

It does what a careful Odoo module would do with the usual tools: one
`requests.Session` (keep-alive), the standard `json` module and haversine in Python,
following the connector's request plans call for call. It is the honest baseline,
not a product: no retries, no reconciliation after unclear answers, and a refused
port is an error rather than a reason to try the next one.
"""

from __future__ import annotations

import functools
import json
import math
import urllib.parse
from typing import Any

import requests

EARTH_RADIUS_M = 6_371_008.8


class PeerError(Exception):
    """An answer the benchmark client did not expect."""


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lng2 - lng1)
    a = (
        math.sin(dphi / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _digit(c: str) -> bool:
    return "0" <= c <= "9"


def natural_cmp(a: str, b: str) -> int:
    """ "Splitter 2" before "Splitter 10": digit runs compare as numbers."""
    i = j = 0
    while i < len(a) and j < len(b):
        a_digits, b_digits = _digit(a[i]), _digit(b[j])
        i0, j0 = i, j
        while i < len(a) and _digit(a[i]) == a_digits:
            i += 1
        while j < len(b) and _digit(b[j]) == b_digits:
            j += 1
        run_a, run_b = a[i0:i], b[j0:j]
        if a_digits and b_digits:
            na, nb = run_a.lstrip("0") or "0", run_b.lstrip("0") or "0"
            order = (len(na) > len(nb)) - (len(na) < len(nb)) or (na > nb) - (na < nb)
        else:
            order = (run_a > run_b) - (run_a < run_b)
        if order:
            return order
    left_a, left_b = len(a) - i, len(b) - j
    return (left_a > left_b) - (left_a < left_b)


def _splitter_cmp(x: dict[str, Any], y: dict[str, Any]) -> int:
    return natural_cmp(x.get("name", ""), y.get("name", "")) or (
        (x["id"] > y["id"]) - (x["id"] < y["id"])
    )


def _outputs(splitter: dict[str, Any]) -> list[Any]:
    return (splitter.get("connectables") or {}).get("output") or []


def free_ports(splitters: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """(splitter id, splitter name, port) of each free port, in reservation order."""
    service = [s for s in splitters if s.get("isDrop")]
    service.sort(key=functools.cmp_to_key(_splitter_cmp))
    free = []
    for s in service:
        outputs = _outputs(s)
        ports = s.get("ports") or []
        for i, output in enumerate(outputs):
            blocked = i < len(ports) and bool((ports[i] or {}).get("blocked"))
            if output is None and not blocked:
                free.append((s["id"], s.get("name", ""), i + 1))
    return free


def assess(splitters: list[dict[str, Any]]) -> tuple[list[Any], str]:
    """Free ports and, when there are none, the refusal reason."""
    service = [s for s in splitters if s.get("isDrop")]
    if not service:
        return [], "no_service_splitter"
    free = free_ports(splitters)
    if free:
        return free, ""
    empty = any(None in _outputs(s) for s in service)
    return [], "blocked" if empty else "full"


class RequestsClient:
    """Feasibility and the client lifecycle over one keep-alive `requests.Session`."""

    def __init__(
        self, api_url: str, token: str, *, timeout: float = 10.0, page_size: int = 500
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.page_size = page_size
        self.headers = {"Authorization": token, "Accept": "application/json"}
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers.update(self.headers)

    # -- HTTP ------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
    ) -> requests.Response:
        return self.session.request(
            method,
            f"{self.api_url}/{path}",
            params=params,
            data=None if body is None else json.dumps(body),
            headers=None if body is None else {"Content-Type": "application/json"},
            timeout=self.timeout,
        )

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        if response.status_code >= 400:
            raise PeerError(f"{method} {path}: HTTP {response.status_code}")
        return json.loads(response.content) if response.content else None

    def _delete(self, route: str, doc_id: str) -> bool:
        response = self._send("DELETE", f"{route}/{_segment(doc_id)}")
        if response.status_code == 404:
            return False
        if response.status_code >= 400:
            raise PeerError(f"DELETE {route}: HTTP {response.status_code}")
        return True

    def _list(self, route: str, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            params = {
                "filter": json.dumps(filters, separators=(",", ":")),
                "limit": self.page_size,
                "page": page,
            }
            doc = self._json("GET", route, params=params)
            rows.extend(doc["rows"])
            if not doc.get("hasNextPage") or not doc["rows"]:
                return rows
            page += 1

    # -- building blocks -------------------------------------------------------------

    def splitters_of_boxes(self, box_ids: list[str]) -> list[dict[str, Any]]:
        flt = [{"property": "parent", "operator": "in", "value": box_ids}]
        return self._list("splitters", flt)

    def properties_of(self, code: str) -> list[dict[str, Any]]:
        code = code.strip()
        response = self._send("GET", f"properties/client/{_segment(code)}")
        if response.status_code == 404:
            return []
        if response.status_code >= 400:
            raise PeerError(f"client lookup: HTTP {response.status_code}")
        found = []
        for prop in json.loads(response.content):
            client = prop.get("client")
            if isinstance(client, str):
                client = self._json("GET", f"ftth-clients/{_segment(client)}")
                prop["client"] = client
            if client and str(client.get("code", "")).strip() == code:
                found.append(prop)
        return found

    def _one_property(self, code: str) -> dict[str, Any]:
        found = self.properties_of(code)
        if not found:
            raise PeerError(f"no client {code!r}")
        return found[0]

    # -- operations ------------------------------------------------------------------

    def feasibility(self, lat: float, lng: float, radius_m: float) -> dict[str, Any]:
        answer = self._json(
            "GET",
            "ftth-viability/radius",
            params={"lat": lat, "lng": lng, "radius": radius_m},
        )
        seen: set[str] = set()
        candidates = []
        for b in answer.get("boxes") or []:
            if b["id"] in seen:
                continue
            seen.add(b["id"])
            d = haversine_m(lat, lng, b["lat"], b["lng"])
            if d <= radius_m:
                candidates.append((b, d))
        by_box: dict[str, list[dict[str, Any]]] = {}
        if candidates:
            ids = [b["id"] for b, _ in candidates]
            for s in self.splitters_of_boxes(ids):
                by_box.setdefault(s.get("parent"), []).append(s)

        boxes, refused = [], []
        for b, d in candidates:
            free, reason = assess(by_box.get(b["id"], []))
            if free:
                boxes.append(
                    {
                        "id": b["id"],
                        "name": b.get("name", ""),
                        "distance_m": d,
                        "lat": b["lat"],
                        "lng": b["lng"],
                        "free_ports": len(free),
                        "first_free": free[0],
                    }
                )
            else:
                refused.append(
                    {
                        "id": b["id"],
                        "name": b.get("name"),
                        "distance_m": d,
                        "reason": reason,
                    }
                )
        for r in answer.get("refused_boxes") or []:
            if r["id"] not in seen:
                seen.add(r["id"])
                refused.append({**r, "distance_m": r.get("distance", 0.0)})
        boxes.sort(key=lambda x: (x["distance_m"], x["id"]))
        refused.sort(key=lambda x: (x["distance_m"], x["id"]))
        return {"viable": bool(boxes), "boxes": boxes, "refused": refused}

    def reserve(self, code: str, box_id: str, lat: float, lng: float) -> dict[str, Any]:
        code = code.strip()
        for prop in self.properties_of(code):
            if prop.get("box") == box_id:
                return _reservation(code, prop)
            raise PeerError(f"{code!r} is reserved on another box")
        box = self._checked_box(box_id)
        splitters = self.splitters_of_boxes([box_id])
        free, reason = assess(splitters)
        if not free:
            raise PeerError(f"box {box_id} refused: {reason}")
        splitter_id, _, port = free[0]
        project = box.get("project") or next(
            (s["project"] for s in splitters if s.get("project")), None
        )
        created = self._json(
            "POST",
            "properties",
            body={
                "project": project,
                "box": box_id,
                "coords": [lng, lat],
                "lat": lat,
                "lng": lng,
                "client": {"code": code, "implanted": False, "status": 0},
                "connector": splitter_id,
                "port": port,
            },
        )
        # Read the port back: another writer may have been put on it too.
        splitter = self._json("GET", f"splitters/{_segment(splitter_id)}")
        fiber = (created.get("connections") or [{}])[0].get("fiber")
        held = splitter["connectables"]["output"][port - 1]
        if held is None or (fiber is not None and held != fiber):
            raise PeerError(f"port {port} of {splitter_id} holds another fiber")
        return _reservation(code, created)

    def deploy(self, code: str) -> dict[str, Any]:
        prop = self._one_property(code)
        client = prop["client"]
        if not client.get("implanted"):
            self._json(
                "PATCH",
                f"ftth-clients/{_segment(client['id'])}",
                body={"implanted": True},
            )
        return {"client_id": client["id"], "already_implanted": client.get("implanted")}

    def cancel(self, code: str) -> dict[str, Any]:
        code = code.strip()
        removed = []
        found = self.properties_of(code)
        for prop in found:
            if prop.get("drop") and self._delete("cables", prop["drop"]):
                removed.append("drop " + prop["drop"])
            if self._delete("properties", prop["id"]):
                removed.append("property " + prop["id"])
            client_id = (prop.get("client") or {}).get("id")
            if client_id:
                self._delete("ftth-clients", client_id)
                removed.append("client " + client_id)
        if not found:
            flt = [{"property": "code", "operator": "=", "value": code}]
            for client in self._list("ftth-clients", flt):
                if str(client.get("code", "")).strip() == code and self._delete(
                    "ftth-clients", client["id"]
                ):
                    removed.append("client " + client["id"])
        return {"found": bool(removed), "removed": removed}

    def _checked_box(self, box_id: str) -> dict[str, Any]:
        """The same check as the connector: the box exists and is not draft."""
        box = self._json("GET", f"boxes/{_segment(box_id)}")
        if box.get("draft"):
            raise PeerError(f"box {box_id} is in project (draft)")
        return box

    def change_box(self, code: str, box_id: str) -> dict[str, Any]:
        prop = self._one_property(code)
        if prop.get("box") == box_id:
            return _reservation(code, prop)
        self._checked_box(box_id)
        free, reason = assess(self.splitters_of_boxes([box_id]))
        if not free:
            raise PeerError(f"box {box_id} refused: {reason}")
        splitter_id, _, port = free[0]
        self._json(
            "PATCH",
            f"properties/{_segment(prop['id'])}",
            body={"box": box_id, "connector": splitter_id, "port": port},
        )
        moved = self._one_property(code)
        if moved.get("box") != box_id:
            raise PeerError(f"OZmap did not confirm moving {code!r}")
        return _reservation(code, moved)

    def connection_data(self, code: str) -> dict[str, Any]:
        prop = self._one_property(code)
        data: dict[str, Any] = {
            "client": prop["client"]["id"],
            "property": prop["id"],
            "drop": prop.get("drop"),
        }
        if prop.get("box"):
            data["box"] = self._named("boxes", prop["box"])
        links = prop.get("connections") or []
        if links:
            data["port"] = links[0]["port"]
            splitter = self._json("GET", f"splitters/{_segment(links[0]['id'])}")
            data["splitter"] = {"id": splitter["id"], "name": splitter.get("name")}
            for key, route in (("olt", "olts"), ("slot", "slots"), ("pon", "pons")):
                if splitter.get(key):
                    data[key] = self._named(route, splitter[key])
        return data

    def _named(self, route: str, doc_id: str) -> dict[str, Any] | None:
        response = self._send("GET", f"{route}/{_segment(doc_id)}")
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise PeerError(f"GET {route}: HTTP {response.status_code}")
        doc = json.loads(response.content)
        return {"id": doc["id"], "name": doc.get("name")}

    def close(self) -> None:
        self.session.close()


def _segment(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def _reservation(code: str, prop: dict[str, Any]) -> dict[str, Any]:
    link = (prop.get("connections") or [{}])[0]
    client = prop.get("client")
    return {
        "client_code": code,
        "property_id": prop["id"],
        "box_id": prop.get("box"),
        "splitter_id": link.get("id"),
        "port": link.get("port"),
        "client_id": client.get("id") if isinstance(client, dict) else client,
    }
