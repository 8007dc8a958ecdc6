"""Each client runs in its own process, so its CPU time and peak RSS are its own.

The parent sends a batch of one operation; the worker times every call (wall clock and
the process's CPU time) and answers with the figures and a small summary of each result.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
import traceback
from typing import Any

CLIENTS = ("connector", "requests", "naive")
OPS = ("feasibility", "reserve", "deploy", "connection_data", "change_box", "cancel")
TIMEOUTS = {"connect": 5, "tls_handshake": 5, "idle_read": 10, "total": 20}


def proc_status() -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) in KiB, and the number of open fds."""
    out = {"fds": len(os.listdir("/proc/self/fd"))}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


class _Connector:
    """The connector behind the interface the benchmark drives."""

    def __init__(self, base_url: str, token: str) -> None:
        from ozmap_connector import Connector

        self.c = Connector(base_url, token, timeouts=TIMEOUTS, retries=0)

    def feasibility(self, lat: float, lng: float, radius_m: float) -> Any:
        return self.c.feasibility(lat, lng, radius_m)

    def reserve(self, code: str, box_id: str, lat: float, lng: float) -> Any:
        return self.c.reserve(code, box_id, lat, lng)

    def deploy(self, code: str) -> Any:
        return self.c.deploy(code)

    def cancel(self, code: str) -> Any:
        return self.c.cancel(code)

    def change_box(self, code: str, box_id: str) -> Any:
        return self.c.change_box(code, box_id)

    def connection_data(self, code: str) -> Any:
        return self.c.connection_data(code)

    @staticmethod
    def boxes(result: Any) -> list[dict[str, Any]]:
        return [
            {
                "id": b.id,
                "distance_m": b.distance_m,
                "free_ports": b.free_ports,
                "first_free": [b.first_free.splitter_id, b.first_free.port],
            }
            for b in result.boxes
        ]

    @staticmethod
    def reservation(result: Any) -> list[Any]:
        return [result.box_id, result.splitter_id, result.port]

    @staticmethod
    def chain(result: Any) -> int:
        return sum(x is not None for x in (result.olt, result.slot, result.pon))


class _Peer:
    """A plain-Python peer (dict results) behind the same interface."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    @staticmethod
    def boxes(result: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "id": b["id"],
                "distance_m": b["distance_m"],
                "free_ports": b["free_ports"],
                "first_free": [b["first_free"][0], b["first_free"][2]],
            }
            for b in result["boxes"]
        ]

    @staticmethod
    def reservation(result: dict[str, Any]) -> list[Any]:
        return [result["box_id"], result["splitter_id"], result["port"]]

    @staticmethod
    def chain(result: dict[str, Any]) -> int:
        return sum(result.get(k) is not None for k in ("olt", "slot", "pon"))


def make_client(kind: str, base_url: str, token: str) -> Any:
    if kind == "connector":
        return _Connector(base_url, token)
    if kind == "requests":
        from peers.requests_client import RequestsClient

        return _Peer(RequestsClient(base_url + "/api/v2", token))
    if kind == "naive":
        from peers.naive_client import NaiveClient

        return _Peer(NaiveClient(base_url + "/api/v2", token))
    raise ValueError(f"unknown client {kind!r}")


def _call(client: Any, op: str, item: dict[str, Any]) -> Any:
    if op == "feasibility":
        return client.feasibility(item["lat"], item["lng"], item["radius_m"])
    if op == "reserve":
        return client.reserve(item["code"], item["box"], item["lat"], item["lng"])
    if op == "change_box":
        return client.change_box(item["code"], item["box2"])
    return getattr(client, op)(item["code"])


def _summary(client: Any, op: str, result: Any) -> Any:
    if op == "feasibility":
        return client.boxes(result)
    if op in ("reserve", "change_box"):
        return client.reservation(result)
    if op == "connection_data":
        return client.chain(result)
    return None


def _phase(client: Any, op: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    wall, cpu, summaries, errors = [], [], [], []
    clock, cpu_clock = time.perf_counter, time.process_time
    for item in items:
        t0, c0 = clock(), cpu_clock()
        try:
            result = _call(client, op, item)
        except Exception as exc:
            errors.append(f"{op} {item.get('code', '')}: {type(exc).__name__}: {exc}")
            summaries.append(None)
            continue
        c1, t1 = cpu_clock(), clock()
        wall.append(t1 - t0)
        cpu.append(c1 - c0)
        summaries.append(_summary(client, op, result))
    return {"wall": wall, "cpu": cpu, "summaries": summaries, "errors": errors}


def _leak(client: Any, items: list[dict[str, Any]], total: int) -> dict[str, Any]:
    """Feasibility `total` times; fds and RSS after a warm-up and at checkpoints."""
    warm = min(500, max(1, total // 10))
    checkpoints = []
    errors = 0
    for n in range(1, total + 1):
        try:
            _call(client, "feasibility", items[n % len(items)])
        except Exception:
            errors += 1
        if n in (warm, total) or n % max(1, total // 5) == 0:
            checkpoints.append({"ops": n, **proc_status()})
    return {"checkpoints": checkpoints, "errors": errors}


def _serve(conn: Any, kind: str, base_url: str, token: str) -> None:
    started = proc_status()
    client = make_client(kind, base_url, token)
    state = {"client": client}
    conn.send({"status": started})
    while True:
        command, args = conn.recv()
        if command == "stop":
            break
        try:
            if command == "phase":
                answer: Any = _phase(client, *args)
            elif command == "leak":
                answer = _leak(client, *args)
            elif command in ("snapshot", "coverage", "json"):
                import bulk

                run = {
                    "snapshot": bulk.take_snapshot,
                    "coverage": bulk.coverage,
                    "json": bulk.json_parse,
                }[command]
                answer = run(state, *args)
            elif command == "status":
                answer = proc_status()
            else:
                raise ValueError(f"unknown command {command!r}")
        except Exception:
            answer = RuntimeError(traceback.format_exc())
        conn.send(answer)
    conn.close()


class Worker:
    """One client kind in its own process."""

    def __init__(self, kind: str, base_url: str, token: str) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(
            target=_serve, args=(child, kind, base_url, token), name=kind, daemon=True
        )
        self._proc.start()
        child.close()
        self.kind = kind
        self.start_status = self._conn.recv()["status"]

    def _call(self, command: str, *args: Any) -> Any:
        self._conn.send((command, args))
        answer = self._conn.recv()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def phase(self, op: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call("phase", op, items)

    def leak(self, items: list[dict[str, Any]], total: int) -> dict[str, Any]:
        return self._call("leak", items, total)

    def bulk(self, command: str, *args: Any) -> dict[str, Any]:
        """Snapshot, coverage or JSON figures (connector worker only)."""
        return self._call(command, *args)

    def status(self) -> dict[str, int]:
        return self._call("status")

    def stop(self) -> None:
        if self._proc.is_alive():
            self._conn.send(("stop", None))
            self._proc.join(30)
        self._conn.close()
