"""Injected faults and the request counters, both keyed by route template.

A fault matches a request by method and by route: a glob over the route template
("properties/{id}") or over the concrete path ("properties/5da6…"), both without the
"/api/v2/" prefix; "*" matches every route. Faults of kind "latency" add up; of the
others only the first that matches applies. `after` lets that many matching requests
through first, and `count` retires the fault once it has fired that many times.

Kinds, and when they act:
- before the request runs (nothing is stored): latency, status, html, close, hang;
- after it ran and committed: drop, delay, reset, truncate, invalid_json, drip.
"""

import fnmatch
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

BEFORE = frozenset({"latency", "status", "html", "close", "hang"})
AFTER = frozenset({"drop", "delay", "reset", "truncate", "invalid_json", "drip"})
KINDS = BEFORE | AFTER

_DEFAULT_STATUS = {"status": 503, "html": 502}


class FaultError(ValueError):
    """A fault description the simulator cannot use."""


@dataclass
class Fault:
    kind: str
    route: str = "*"
    method: str | None = None
    status: int | None = None
    retry_after: float | None = None
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    delay_ms: float | None = None
    chunk: int = 1
    interval_ms: float = 100.0
    after: int = 0
    count: int | None = None
    id: int = 0
    seen: int = field(default=0)
    applied: int = field(default=0)

    def as_dict(self) -> dict:
        return asdict(self)


_INT_FIELDS = {"status", "chunk", "after", "count", "id"}
_FLOAT_FIELDS = {"retry_after", "latency_ms", "jitter_ms", "delay_ms", "interval_ms"}
_SETTABLE = {
    "kind",
    "route",
    "method",
    "status",
    "retry_after",
    "latency_ms",
    "jitter_ms",
    "delay_ms",
    "chunk",
    "interval_ms",
    "after",
    "count",
}


def normalise_route(route: str) -> str:
    route = route.strip()
    for prefix in ("/api/v2/", "api/v2/", "/"):
        if route.startswith(prefix):
            route = route[len(prefix) :]
    return route or "*"


def make_fault(spec: Any) -> Fault:
    """A checked `Fault` from a dict, or from "key=value,key=value" text."""
    if isinstance(spec, Fault):
        return spec
    if isinstance(spec, str):
        spec = parse_spec(spec)
    if not isinstance(spec, dict):
        raise FaultError('a fault is an object such as {"kind": "status"}')
    unknown = set(spec) - _SETTABLE
    if unknown:
        raise FaultError(f"unknown fault fields: {', '.join(sorted(unknown))}")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise FaultError(f"kind must be one of {', '.join(sorted(KINDS))}")
    values: dict[str, Any] = {"kind": kind}
    for name, raw in spec.items():
        if name == "kind" or raw is None:
            continue
        value = raw
        if name in _INT_FIELDS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise FaultError(f"{name} must be a non-negative integer")
        elif name in _FLOAT_FIELDS:
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or value < 0
            ):
                raise FaultError(f"{name} must be a non-negative number")
            value = float(value)
        elif name == "route":
            if not isinstance(value, str):
                raise FaultError("route must be a string")
            value = normalise_route(value)
        elif name == "method":
            if not isinstance(value, str):
                raise FaultError("method must be a string")
            value = value.upper()
        values[name] = value
    if kind in _DEFAULT_STATUS:
        values.setdefault("status", _DEFAULT_STATUS[kind])
        if not 100 <= values["status"] <= 599:
            raise FaultError("status must be an HTTP status code")
        if values["status"] == 429:
            values.setdefault("retry_after", 1.0)
    if values.get("chunk", 1) < 1:
        raise FaultError("chunk must be at least 1")
    return Fault(**values)


def parse_spec(text: str) -> dict:
    """ "kind=status,status=503,route=properties,method=POST,count=1" as a dict."""
    out: dict[str, Any] = {}
    for piece in text.split(","):
        part = piece.strip()
        if not part:
            continue
        key, sep, raw = part.partition("=")
        if not sep:
            raise FaultError(f"expected key=value, got {part!r}")
        key = key.strip()
        raw = raw.strip()
        value: Any = raw
        if key in _INT_FIELDS:
            try:
                value = int(raw)
            except ValueError:
                raise FaultError(f"{key} must be an integer") from None
        elif key in _FLOAT_FIELDS:
            try:
                value = float(raw)
            except ValueError:
                raise FaultError(f"{key} must be a number") from None
        out[key] = value
    return out


class FaultTable:
    """The active faults, consulted once per API request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, spec: Any) -> Fault:
        fault = make_fault(spec)
        with self._lock:
            fault.id = self._next_id
            self._next_id += 1
            self._faults.append(fault)
        return fault

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        with self._lock:
            self._faults = []

    def describe(self) -> list[dict]:
        with self._lock:
            return [f.as_dict() for f in self._faults]

    def take(
        self, method: str, template: str, path: str
    ) -> tuple[list[Fault], Fault | None]:
        """(latency faults that fire, the other fault that fires or None)."""
        template = normalise_route(template)
        path = normalise_route(path)
        latencies: list[Fault] = []
        chosen: Fault | None = None
        with self._lock:
            for fault in list(self._faults):
                if fault.method is not None and fault.method != method:
                    continue
                if not (
                    fnmatch.fnmatchcase(template, fault.route)
                    or fnmatch.fnmatchcase(path, fault.route)
                ):
                    continue
                if fault.kind != "latency" and chosen is not None:
                    continue
                fault.seen += 1
                if fault.seen <= fault.after:
                    continue
                fault.applied += 1
                if fault.count is not None and fault.applied >= fault.count:
                    self._faults.remove(fault)
                if fault.kind == "latency":
                    latencies.append(fault)
                else:
                    chosen = fault
        return latencies, chosen


class Counters:
    """Requests, bytes and statuses per "METHOD template"."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, dict[str, Any]] = {}

    def _entry(self, key: str) -> dict[str, Any]:
        entry = self._routes.get(key)
        if entry is None:
            entry = {"requests": 0, "bytes_in": 0, "bytes_out": 0, "statuses": {}}
            self._routes[key] = entry
        return entry

    def request(self, key: str, bytes_in: int) -> None:
        with self._lock:
            entry = self._entry(key)
            entry["requests"] += 1
            entry["bytes_in"] += bytes_in

    def response(self, key: str, status: int | None, bytes_out: int) -> None:
        with self._lock:
            entry = self._entry(key)
            entry["bytes_out"] += bytes_out
            if status is not None:
                code = str(status)
                entry["statuses"][code] = entry["statuses"].get(code, 0) + 1

    def snapshot(self) -> dict:
        with self._lock:
            routes = {
                key: {**value, "statuses": dict(value["statuses"])}
                for key, value in sorted(self._routes.items())
            }
        total = {
            "requests": sum(v["requests"] for v in routes.values()),
            "bytes_in": sum(v["bytes_in"] for v in routes.values()),
            "bytes_out": sum(v["bytes_out"] for v in routes.values()),
        }
        return {"routes": routes, "total": total}

    def reset(self) -> None:
        with self._lock:
            self._routes = {}
