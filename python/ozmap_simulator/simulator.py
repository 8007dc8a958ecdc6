"""The simulator as one object: state, routes, faults, counters and the HTTP server."""

import json
import logging
import os
import shutil
import ssl
import threading
import urllib.parse
from pathlib import Path
from typing import Any

from .domain import ApiError, Config, Service
from .faults import Counters, FaultError, FaultTable
from .generator import SIZES, cached_network
from .network import NetworkBuilder
from .routes import (
    Request,
    Response,
    Route,
    build_router,
    error_response,
    json_response,
)
from .server import SimulatorHTTPServer, check_token, parse_json_body
from .store import COLLECTIONS, Store

log = logging.getLogger("ozmap_simulator")


def default_data_file(size: str, seed: int) -> Path:
    """Where the CLI keeps its state between runs unless told otherwise."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(
        Path.home(), ".local", "share"
    )
    return Path(base) / "ozmap-connector" / "simulator" / f"state-{size}-{seed}.sqlite"


class App:
    """What one request needs; shared by every connection thread."""

    def __init__(self, store: Store, config: Config, idle_timeout: float) -> None:
        self.store = store
        self.config = config
        self.service = Service(store, config)
        self.router = build_router(self.service, config)
        self.faults = FaultTable()
        self.counters = Counters()
        self.stopping = threading.Event()
        self.idle_timeout = idle_timeout
        self.reset_state: Any = None

    def dispatch(
        self, req: Request, route: Route, body: bytes, authorization: str | None
    ) -> Response:
        try:
            if route.auth and not check_token(authorization, self.config.token):
                raise ApiError(401, "missing or invalid API token")
            req.body = parse_json_body(body)
            return route.handler(req)
        except ApiError as exc:
            return error_response(exc.status, exc.message, exc.headers)
        except Exception:
            log.exception("simulator error on %s %s", req.method, req.path)
            return error_response(500, "internal simulator error")

    # -- admin ---------------------------------------------------------------------

    def admin_http(
        self, method: str, path: str, raw_query: str, body: bytes
    ) -> Response:
        """The /__sim__ endpoints: faults, counters, settings, reset. No token."""
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")[1:]]
        try:
            payload = parse_json_body(body)
            return self._admin(method, parts, payload)
        except (ApiError, FaultError) as exc:
            status = exc.status if isinstance(exc, ApiError) else 400
            return error_response(status, str(exc))

    def _admin(self, method: str, parts: list[str], payload: Any) -> Response:
        head = parts[0] if parts else ""
        if head == "health" and method == "GET":
            return json_response(200, {"ok": True})
        if head == "faults":
            if len(parts) == 1:
                if method == "GET":
                    return json_response(200, {"faults": self.faults.describe()})
                if method == "POST":
                    specs = payload if isinstance(payload, list) else [payload]
                    made = [self.faults.add(spec).as_dict() for spec in specs]
                    return json_response(201, {"faults": made})
                if method == "DELETE":
                    self.faults.clear()
                    return Response(204)
            elif len(parts) == 2 and method == "DELETE":
                try:
                    fault_id = int(parts[1])
                except ValueError:
                    raise ApiError(400, "fault ids are integers") from None
                if not self.faults.remove(fault_id):
                    raise ApiError(404, f"no fault {fault_id}")
                return Response(204)
        if head == "counters":
            if len(parts) == 1 and method == "GET":
                return json_response(200, self.counters.snapshot())
            if (len(parts) == 1 and method == "DELETE") or (
                parts[1:] == ["reset"] and method == "POST"
            ):
                self.counters.reset()
                return Response(204)
        if head == "config" and len(parts) == 1:
            if method in ("PATCH", "POST", "PUT"):
                if not isinstance(payload, dict):
                    raise ApiError(400, "send an object of settings")
                self.config.update(payload)
            if method in ("GET", "PATCH", "POST", "PUT"):
                return json_response(200, public_config(self.config))
        if head == "reset" and len(parts) == 1 and method == "POST":
            self.reset()
            return Response(204)
        raise ApiError(404, "unknown admin endpoint")

    def reset(self) -> None:
        """Back to the network as it was loaded; faults and counters cleared."""
        if self.reset_state is None:
            raise ApiError(409, "this simulator has no initial state to return to")
        load_network(self.store, self.reset_state)
        self.faults.clear()
        self.counters.reset()


def public_config(config: Config) -> dict:
    values = config.as_dict()
    for secret in ("token", "password"):
        values.pop(secret, None)
    return values


def load_network(store: Store, source: Any) -> None:
    """Fills the store from a generated file path or from documents by route."""
    if isinstance(source, Path):
        store.load_file(str(source))
        return
    docs = source.documents() if isinstance(source, NetworkBuilder) else source
    unknown = set(docs) - set(COLLECTIONS)
    if unknown:
        raise ValueError(f"unknown collections in network: {sorted(unknown)}")
    store.clear()
    with store.write():
        for route, items in docs.items():
            store.bulk_insert(route, items)
        store.set_meta("network", json.dumps({"size": "custom"}))


class Admin:
    """In-process access to the admin functions, for tests."""

    def __init__(self, app: App) -> None:
        self._app = app

    def set_fault(self, spec: Any = None, **fields: Any) -> dict:
        """Adds a fault (see `faults`); returns it with its id."""
        return self._app.faults.add(spec if spec is not None else fields).as_dict()

    def remove_fault(self, fault_id: int) -> bool:
        return self._app.faults.remove(fault_id)

    def clear_faults(self) -> None:
        self._app.faults.clear()

    def faults(self) -> list[dict]:
        return self._app.faults.describe()

    def counters(self) -> dict:
        return self._app.counters.snapshot()

    def requests(self, key: str | None = None) -> int:
        """Requests counted for one "METHOD /api/v2/template", or for all routes."""
        snap = self._app.counters.snapshot()
        if key is None:
            return snap["total"]["requests"]
        return snap["routes"].get(key, {}).get("requests", 0)

    def reset_counters(self) -> None:
        self._app.counters.reset()

    def configure(self, **settings: Any) -> dict:
        self._app.config.update(settings)
        return public_config(self._app.config)

    def reset(self) -> None:
        self._app.reset()


class Simulator:
    """An OZmap API v2 server running in this process, on its own threads.

        with Simulator(size="small", seed=1, token="t", port=0) as sim:
            sim.base_url   # "http://127.0.0.1:PORT", without /api/v2

    `network` takes a `NetworkBuilder` (or documents by route) instead of a generated
    network. `db` is ":memory:" or a file; an existing file keeps its state unless
    `reset` is true.
    """

    def __init__(
        self,
        *,
        size: str = "small",
        seed: int = 1,
        network: Any = None,
        token: str = "simulator-token",
        db: str | os.PathLike = ":memory:",
        host: str = "127.0.0.1",
        port: int = 0,
        certfile: str | os.PathLike | None = None,
        keyfile: str | os.PathLike | None = None,
        faults: Any = (),
        latency_ms: float = 0.0,
        jitter_ms: float = 0.0,
        login: str = "admin",
        password: str = "admin",
        legacy_pagination: bool = False,
        delete_drop_with_property: bool = False,
        default_radius_m: float = 250.0,
        cache_dir: str | os.PathLike | None = None,
        reset: bool = False,
        idle_timeout: float = 60.0,
    ) -> None:
        if network is None and size not in SIZES:
            raise ValueError(f"size must be one of {', '.join(SIZES)}")
        if not token:
            raise ValueError("token must not be empty")
        if keyfile is not None and certfile is None:
            raise ValueError("a TLS key needs a certificate")
        self.size = size if network is None else "custom"
        self.seed = seed
        self.host = host
        self._port = port
        self.certfile = certfile
        self.keyfile = keyfile
        self.config = Config(
            token=token,
            login=login,
            password=password,
            legacy_pagination=legacy_pagination,
            delete_drop_with_property=delete_drop_with_property,
            default_radius_m=default_radius_m,
        )
        if network is not None:
            source: Any = network
            signature = {"size": "custom"}
        else:
            source = cached_network(size, seed, Path(cache_dir) if cache_dir else None)
            signature = {"size": size, "seed": seed}
        self.db = str(db)
        self.store = self._open_store(source, signature, reset)
        self._app = App(self.store, self.config, idle_timeout)
        self._app.reset_state = source
        self.admin = Admin(self._app)
        for spec in faults:
            self._app.faults.add(spec)
        if latency_ms or jitter_ms:
            self._app.faults.add(
                {"kind": "latency", "latency_ms": latency_ms, "jitter_ms": jitter_ms}
            )
        self._server: SimulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _open_store(self, source: Any, signature: dict, reset: bool) -> Store:
        if self.db == ":memory:":
            store = Store(":memory:")
            load_network(store, source)
            return store
        path = Path(self.db)
        if path.exists() and not reset:
            store = Store(str(path))
            found = json.loads(store.get_meta("network") or "{}")
            if {k: found.get(k) for k in signature} != signature:
                store.close()
                raise ValueError(
                    f"{path} holds another network ({found.get('size')}, seed "
                    f"{found.get('seed')}); reset it or choose another data file"
                )
            return store
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        if isinstance(source, Path):
            shutil.copyfile(source, path)
            return Store(str(path))
        store = Store(str(path))
        load_network(store, source)
        return store

    # -- life cycle ------------------------------------------------------------------

    def start(self) -> "Simulator":
        context = None
        if self.certfile is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(
                str(self.certfile), str(self.keyfile or self.certfile)
            )
        self._app.stopping.clear()
        self._server = SimulatorHTTPServer((self.host, self._port), self._app, context)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="ozmap-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._app.stopping.set()
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    def close(self) -> None:
        self.stop()
        self.store.close()

    def __enter__(self) -> "Simulator":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- facts for clients -----------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return self._server.server_address[1]

    @property
    def scheme(self) -> str:
        return "https" if self.certfile is not None else "http"

    @property
    def base_url(self) -> str:
        host = self.host
        if ":" in host:
            host = f"[{host}]"
        elif host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/v2"

    @property
    def token(self) -> str:
        return self.config.token

    @property
    def service(self) -> Service:
        return self._app.service

    def reset(self) -> None:
        self._app.reset()


def serve(**options: Any) -> None:
    """Runs a simulator in the foreground until interrupted (Ctrl-C or SIGTERM)."""
    import signal

    on_ready = options.pop("on_ready", None)
    sim = Simulator(**options)
    done = threading.Event()

    def stop(*_: Any) -> None:
        done.set()

    previous = signal.signal(signal.SIGTERM, stop)
    sim.start()
    try:
        if on_ready is not None:
            on_ready(sim)
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sim.close()
