"""The Connector: every OZmap workflow Odoo needs, in one thread-safe object."""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import _core
from .config import BRAZIL, Settings, Timeouts, resolve_settings
from .errors import InvalidInputError

Feasibility = _core.Feasibility
FeasibleBox = _core.FeasibleBox
RefusedBox = _core.RefusedBox
PortRef = _core.PortRef
Reservation = _core.Reservation
Deployment = _core.Deployment
CancelReport = _core.CancelReport
ConnectionData = _core.ConnectionData
CoverageAnswer = _core.CoverageAnswer
NetworkSnapshot = _core.NetworkSnapshot

# Connectors alive in this process; a forked child rebuilds their core on first use.
_live_connectors: weakref.WeakSet[Connector] = weakref.WeakSet()


def _forget_parent_connections() -> None:
    for connector in list(_live_connectors):
        connector._core = None


os.register_at_fork(after_in_child=_forget_parent_connections)


def _number(value: Any, name: str) -> float:
    """A coordinate or radius from Python: a real number, never a text to guess at."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(f"{name} must be a number, got {value!r}")
    return float(value)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} must be a text, got {value!r}")
    return value


def _optional_number(value: Any, name: str) -> float | None:
    return None if value is None else _number(value, name)


class ChangeBoxCandidates:
    """The boxes a reservation may move to, with the box it is on now."""

    def __init__(self, feasibility: Feasibility, current_box_id: str) -> None:
        self.feasibility = feasibility
        self.current_box_id = current_box_id

    def to_dict(self) -> dict[str, Any]:
        return {**self.feasibility.to_dict(), "current_box_id": self.current_box_id}

    def __repr__(self) -> str:
        return (
            f"ChangeBoxCandidates(current={self.current_box_id!r}, "
            f"boxes={len(self.feasibility.boxes)})"
        )


class Coverage:
    """Feasibility answers for many points, computed against one network snapshot."""

    def __init__(
        self, answers: list[CoverageAnswer], snapshot: NetworkSnapshot
    ) -> None:
        self.answers = answers
        self.snapshot = snapshot

    @property
    def viable_count(self) -> int:
        return sum(1 for answer in self.answers if answer.viable)

    @property
    def error_count(self) -> int:
        """Points that could not be answered (bad coordinates); see each ``error``."""
        return sum(1 for answer in self.answers if answer.error)

    def to_dict(self) -> dict[str, Any]:
        return {
            "points": len(self.answers),
            "viable": self.viable_count,
            "errors": self.error_count,
            "answers": [answer.to_dict() for answer in self.answers],
        }

    def __len__(self) -> int:
        return len(self.answers)

    def __repr__(self) -> str:
        return f"Coverage(points={len(self.answers)}, viable={self.viable_count})"


class Connector:
    """A connection to one OZmap, safe to share across threads.

    ``url`` may carry a port or ``/api/v2`` already; neither is doubled. Calls release
    the GIL while they wait for OZmap, so other Python threads keep running.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        port: int = 9994,
        radius_m: float = 250.0,
        timeouts: Timeouts | Mapping[str, float] | None = None,
        retries: int = 2,
        ca_file: str | os.PathLike[str] | None = None,
        verify_tls: bool = True,
        strategy: str = "auto",
        service_area: tuple[float, float, float, float] | None = BRAZIL,
    ) -> None:
        if isinstance(timeouts, Mapping):
            timeouts = Timeouts(**timeouts)
        self.settings = Settings(
            url=url,
            token=token,
            port=port,
            radius_m=radius_m,
            timeouts=timeouts or Timeouts(),
            retries=retries,
            ca_file=os.fspath(ca_file) if ca_file is not None else None,
            verify_tls=verify_tls,
            strategy=strategy,
            service_area=service_area,
        )
        self._lock = threading.Lock()
        self._core: _core.ConnectorCore | None = None
        self._build_core()
        _live_connectors.add(self)

    @classmethod
    def from_settings(cls, settings: Settings) -> Connector:
        return cls(
            settings.url,
            settings.token,
            port=settings.port,
            radius_m=settings.radius_m,
            timeouts=settings.timeouts,
            retries=settings.retries,
            ca_file=settings.ca_file,
            verify_tls=settings.verify_tls,
            strategy=settings.strategy,
            service_area=settings.service_area,
        )

    @classmethod
    def from_env(cls, **overrides: Any) -> Connector:
        """Arguments first, then ``OZMAP_*`` variables, then the default config file."""
        return cls.from_settings(resolve_settings(overrides))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **overrides: Any) -> Connector:
        """Arguments first, then ``OZMAP_*`` variables, then the TOML file ``path``."""
        return cls.from_settings(resolve_settings(overrides, config_file=Path(path)))

    def _build_core(self) -> _core.ConnectorCore:
        s = self.settings
        core = _core.ConnectorCore(
            s.url,
            s.token,
            s.port,
            s.radius_m,
            s.strategy,
            s.timeouts.connect,
            s.timeouts.tls_handshake,
            s.timeouts.idle_read,
            s.timeouts.total,
            s.retries,
            s.ca_file or "",
            s.verify_tls,
            500,
            s.service_area,
        )
        self._core = core
        return core

    @property
    def _engine(self) -> _core.ConnectorCore:
        core = self._core
        if core is None:
            with self._lock:
                core = self._core or self._build_core()
        return core

    def __repr__(self) -> str:
        return (
            f"Connector(url={self.settings.url!r}, port={self.settings.port}, "
            f"radius_m={self.settings.radius_m:g}, token='***')"
        )

    @property
    def requests_sent(self) -> int:
        """Requests sent to OZmap by this connector (in this process)."""
        return self._engine.requests_sent

    def feasibility(
        self,
        lat: float,
        lng: float,
        radius_m: float | None = None,
        *,
        strategy: str | None = None,
    ) -> Feasibility:
        """Boxes within the radius that can take a client, nearest first."""
        return self._engine.feasibility(
            _number(lat, "latitude"),
            _number(lng, "longitude"),
            _optional_number(radius_m, "radius"),
            strategy,
        )

    def reserve(
        self,
        client_code: str,
        box_id: str,
        lat: float,
        lng: float,
        *,
        name: str | None = None,
        address: str | None = None,
        note: str | None = None,
    ) -> Reservation:
        """Reserves the first free port of the box for the client code (idempotent)."""
        return self._engine.reserve(
            _text(client_code, "client code"),
            _text(box_id, "box id"),
            _number(lat, "latitude"),
            _number(lng, "longitude"),
            name,
            address,
            note,
        )

    def deploy(
        self,
        client_code: str,
        *,
        onu_serial: str | None = None,
        pppoe_user: str | None = None,
        mac: str | None = None,
    ) -> Deployment:
        """Marks the OZmap client with exactly this code as implanted."""
        return self._engine.deploy(
            _text(client_code, "client code"), onu_serial, pppoe_user, mac
        )

    def cancel(self, client_code: str) -> CancelReport:
        """Removes the client, its property and its drop; already gone is success."""
        return self._engine.cancel(_text(client_code, "client code"))

    def change_box_candidates(
        self, client_code: str, radius_m: float | None = None
    ) -> ChangeBoxCandidates:
        """Feasibility at the reservation's own coordinates, with its current box."""
        feasibility, current = self._engine.change_box_candidates(
            _text(client_code, "client code"), _optional_number(radius_m, "radius")
        )
        return ChangeBoxCandidates(feasibility, current)

    def change_box(self, client_code: str, box_id: str) -> Reservation:
        """Moves the reservation to the first free port of another box."""
        return self._engine.change_box(
            _text(client_code, "client code"), _text(box_id, "box id")
        )

    def connection_data(self, client_code: str) -> ConnectionData:
        """Client, property, box, splitter, port, drop, OLT, slot and PON of a code."""
        return self._engine.connection_data(_text(client_code, "client code"))

    def snapshot(self) -> NetworkSnapshot:
        """Reads every box and service splitter once, for coverage queries."""
        return self._engine.snapshot()

    def coverage(
        self,
        points: Iterable[tuple[str, float, float]],
        radius_m: float | None = None,
        *,
        snapshot: NetworkSnapshot | None = None,
    ) -> Coverage:
        """Feasibility of many ``(id, lat, lng)`` points against a network snapshot."""
        rows = points if isinstance(points, list) else list(points)
        snapshot = snapshot or self.snapshot()
        radius = (
            self.settings.radius_m if radius_m is None else _number(radius_m, "radius")
        )
        answers = snapshot.query(rows, radius, self.settings.service_area)
        return Coverage(answers, snapshot)


def save_snapshot(snapshot: NetworkSnapshot, path: str | os.PathLike[str]) -> None:
    Path(path).write_text(snapshot.to_json(), encoding="utf-8")


def load_snapshot(path: str | os.PathLike[str]) -> NetworkSnapshot:
    return NetworkSnapshot.from_json(Path(path).read_text(encoding="utf-8"))
