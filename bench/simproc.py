"""The simulator in a child process, so its CPU time is never the client's.

The parent talks to it over a pipe: latency, counters, the simulator's own service
time and a sample of box positions. Nothing here goes over HTTP, so the admin calls
never show up in the request counters.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from typing import Any

TOKEN = "bench-token"


class _ServiceClock:
    """Seconds spent inside the simulator's request handler, API routes only."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seconds = 0.0
        self.requests = 0

    def add(self, seconds: float) -> None:
        with self.lock:
            self.seconds += seconds
            self.requests += 1

    def take(self) -> dict[str, float]:
        with self.lock:
            return {"seconds": self.seconds, "requests": self.requests}

    def reset(self) -> None:
        with self.lock:
            self.seconds = 0.0
            self.requests = 0


def _serve(conn: Any, size: str, seed: int) -> None:
    from ozmap_simulator import Simulator, server

    clock = _ServiceClock()
    handle = server.Handler._handle

    # NOTE: the service time is measured from the parsed request line and headers to
    # the last byte written, injected latency included; at 0 ms it is the server's
    # own cost. Reading the request head happens before and is not counted.
    def timed_handle(self: Any) -> None:
        started = time.perf_counter()
        try:
            handle(self)
        finally:
            if not self.path.startswith(server.ADMIN_PREFIX):
                clock.add(time.perf_counter() - started)

    server.Handler._handle = timed_handle  # type: ignore[method-assign]
    started = time.perf_counter()
    sim = Simulator(size=size, seed=seed, token=TOKEN, port=0, idle_timeout=600.0)
    sim.start()
    conn.send({"base_url": sim.base_url, "load_s": time.perf_counter() - started})
    try:
        while True:
            command, args = conn.recv()
            if command == "stop":
                break
            if command == "latency":
                sim.admin.clear_faults()
                if args:
                    sim.admin.set_fault(kind="latency", latency_ms=float(args))
                conn.send(None)
            elif command == "reset_counters":
                sim.admin.reset_counters()
                clock.reset()
                conn.send(None)
            elif command == "counters":
                conn.send({"counters": sim.admin.counters(), "service": clock.take()})
            elif command == "boxes":
                count = sim.store.count("boxes")
                step = max(1, count // max(1, int(args)))
                rows = sim.store.execute(
                    "SELECT doc FROM (SELECT doc, row_number() OVER (ORDER BY id) "
                    "AS n FROM boxes) WHERE n % ? = 0 LIMIT ?",
                    (step, int(args)),
                )
                conn.send(rows)
            else:
                conn.send(ValueError(f"unknown command {command!r}"))
    finally:
        sim.close()
        conn.close()


class SimProcess:
    """A simulator of one size, running in its own process until `stop()`."""

    def __init__(self, size: str, seed: int = 1) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(
            target=_serve, args=(child, size, seed), name=f"sim-{size}", daemon=True
        )
        self._proc.start()
        child.close()
        hello = self._conn.recv()
        self.size = size
        self.base_url: str = hello["base_url"]
        self.load_s: float = hello["load_s"]
        self.token = TOKEN

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/v2"

    def _call(self, command: str, args: Any = None) -> Any:
        self._conn.send((command, args))
        answer = self._conn.recv()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def set_latency(self, latency_ms: float) -> None:
        self._call("latency", latency_ms)

    def reset_counters(self) -> None:
        self._call("reset_counters")

    def counters(self) -> dict[str, Any]:
        return self._call("counters")

    def box_docs(self, limit: int) -> list[str]:
        """About `limit` box documents spread evenly over the id order."""
        return [row[0] for row in self._call("boxes", limit)]

    def stop(self) -> None:
        if self._proc.is_alive():
            self._conn.send(("stop", None))
            self._proc.join(30)
        self._conn.close()
