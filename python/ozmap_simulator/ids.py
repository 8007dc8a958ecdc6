"""ObjectId-like identifiers: 24 hex digits, ordered by creation time."""

import hashlib
import os
import threading
import time
from datetime import UTC, datetime


class IdFactory:
    """Makes ids as MongoDB does: 4 bytes of seconds, 5 of origin, 3 of counter.

    With a seed every id is a function of the seed and the call order, which keeps the
    generated network identical from one run to the next.
    """

    def __init__(self, seed: str | None = None, counter: int = 0) -> None:
        if seed is None:
            origin = os.urandom(5)
            counter = int.from_bytes(os.urandom(2), "big")
        else:
            origin = hashlib.sha256(seed.encode()).digest()[:5]
        self._origin = origin.hex()
        self._counter = counter
        self._lock = threading.Lock()

    def new(self, when: float | None = None) -> str:
        seconds = int(time.time() if when is None else when)
        with self._lock:
            self._counter = (self._counter + 1) & 0xFFFFFF
            counter = self._counter
        return f"{seconds & 0xFFFFFFFF:08x}{self._origin}{counter:06x}"


def iso(when: float) -> str:
    """An ISO-8601 UTC timestamp with milliseconds, as OZmap writes them."""
    dt = datetime.fromtimestamp(when, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
