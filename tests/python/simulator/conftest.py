import http.client
import json
import os
import ssl
import urllib.parse
from pathlib import Path

import pytest

from ozmap_simulator import NetworkBuilder, Simulator, geo

TOKEN = "test-token"


class Api:
    """A small keep-alive HTTP client; one per thread."""

    def __init__(
        self,
        base_url: str,
        token: str | None = TOKEN,
        context: ssl.SSLContext | None = None,
        timeout: float = 10.0,
    ) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host = parts.hostname
        self.port = parts.port
        self.https = parts.scheme == "https"
        self.token = token
        self.context = context
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            if self.https:
                self.conn = http.client.HTTPSConnection(
                    self.host, self.port, timeout=self.timeout, context=self.context
                )
            else:
                self.conn = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.timeout
                )
        return self.conn

    def raw(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict | None = None,
    ) -> tuple[int, dict, bytes]:
        hdrs = dict(headers or {})
        if self.token is not None:
            hdrs.setdefault("Authorization", self.token)
        if body is not None:
            hdrs.setdefault("Content-Type", "application/json")
        conn = self._connection()
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
        except Exception:
            self.close()
            raise
        if resp.will_close:
            self.close()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data

    def call(self, method: str, path: str, body=None, **query) -> tuple[int, object]:
        if not path.startswith("/"):
            path = "/api/v2/" + path
        if query:
            pairs = {
                k: json.dumps(v) if isinstance(v, (list, dict)) else str(v)
                for k, v in query.items()
            }
            path += "?" + urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)
        data = None if body is None else json.dumps(body).encode()
        status, _, raw = self.raw(method, path, data)
        return status, (json.loads(raw) if raw else None)

    def get(self, path, **query):
        return self.call("GET", path, **query)

    def post(self, path, body=None):
        return self.call("POST", path, body)

    def patch(self, path, body=None):
        return self.call("PATCH", path, body)

    def delete(self, path):
        return self.call("DELETE", path)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """Generated networks for this session (or `$OZMAP_SIM_CACHE`, if set, to reuse)."""
    env = os.environ.get("OZMAP_SIM_CACHE")
    return Path(env) if env else tmp_path_factory.mktemp("sim-cache")


@pytest.fixture
def small(cache_dir):
    """A fresh simulator on the small network (seed 1), state in memory."""
    with Simulator(size="small", seed=1, token=TOKEN, cache_dir=cache_dir) as sim:
        yield sim


@pytest.fixture
def api(small):
    client = Api(small.base_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def medium(cache_dir):
    """The medium network, generated once per session and shared read-only."""
    with Simulator(size="medium", seed=1, token=TOKEN, cache_dir=cache_dir) as sim:
        yield sim


class Situation:
    """A tiny network around a point, with names for the pieces a test looks at."""

    def __init__(self) -> None:
        self.net = NetworkBuilder()
        self.lat, self.lng = self.net.lat, self.net.lng

    def at(self, bearing: float, distance: float) -> tuple[float, float]:
        return geo.destination(self.lat, self.lng, bearing, distance)


@pytest.fixture
def situation():
    return Situation()


@pytest.fixture
def run():
    """Starts a simulator on a custom network; closes it after the test."""
    started = []

    def start(network, **options):
        sim = Simulator(network=network, token=TOKEN, **options).start()
        client = Api(sim.base_url)
        started.append((sim, client))
        return sim, client

    yield start
    for sim, client in started:
        client.close()
        sim.close()


@pytest.fixture
def make_api():
    """Makes extra clients (one per thread); all are closed after the test."""
    made: list[Api] = []

    def make(base_url: str, **kwargs) -> Api:
        client = Api(base_url, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def reserve_anywhere():
    """reserve_anywhere(sim, api, code): a property with auto_connect on any box that
    still has a free service port; returns (status, body)."""

    def reserve(sim, api, code):
        box = sim.store.find(
            "boxes",
            '"id" IN (SELECT "parent" FROM splitters '
            'WHERE "isDrop" = 1 AND "_free" > 0)',
            limit=1,
        )[0]
        return api.post(
            "properties",
            {
                "project": box["project"],
                "box": box["id"],
                "lat": box["lat"],
                "lng": box["lng"],
                "client": {"code": code},
                "auto_connect": True,
            },
        )

    return reserve
