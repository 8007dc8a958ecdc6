"""The HTTP side: a stdlib `ThreadingHTTPServer` speaking HTTP/1.1 with keep-alive.

Why the standard library server: `BaseHTTPRequestHandler` hands over the request target
exactly as it came on the wire, so a client code holding "%2F" reaches routing still
encoded and stays one path segment; and the handler owns its socket, so faults can
answer half a body, drip it, stall, or reset the connection with an RST. Nothing outside
the standard library is needed either.

TLS, when configured, is negotiated in the worker thread of each connection, so a
client that stalls its handshake holds up only itself.
"""

import contextlib
import hmac
import io
import json
import logging
import random
import select
import socket
import ssl
import struct
import threading
import time
import urllib.parse
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .domain import ApiError
from .faults import AFTER, Fault
from .routes import PREFIX, Request, Response, error_response

if TYPE_CHECKING:
    from .simulator import App

log = logging.getLogger("ozmap_simulator")

MAX_BODY = 16 * 1024 * 1024
ADMIN_PREFIX = "/__sim__"

_HTML_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>proxy</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], app: "App", ssl_context: ssl.SSLContext | None
    ) -> None:
        self.app = app
        self.ssl_context = ssl_context
        self._conn_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._workers: set[threading.Thread] = set()
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name="ozmap-simulator-conn",
            daemon=True,
        )
        with self._conn_lock:
            self._workers = {t for t in self._workers if t.is_alive()}
            self._workers.add(thread)
        thread.start()

    def finish_request(self, request: Any, client_address: Any) -> None:
        sock = request
        if self.ssl_context is not None:
            try:
                request.settimeout(10.0)
                sock = self.ssl_context.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError) as exc:
                log.debug("TLS handshake failed from %s: %s", client_address, exc)
                request.close()
                return
        with self._conn_lock:
            self._connections.add(sock)
        try:
            self.RequestHandlerClass(sock, client_address, self)
        finally:
            with self._conn_lock:
                self._connections.discard(sock)
            if sock is not request:
                sock.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug(
            "connection from %s ended with an error", client_address, exc_info=True
        )

    def close_connections(self, timeout: float = 5.0) -> None:
        """Ends every open connection and waits for the connection threads."""
        with self._conn_lock:
            conns = list(self._connections)
            threads = list(self._workers)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ozmap-simulator"
    server: SimulatorHTTPServer

    def setup(self) -> None:
        self.timeout = self.server.app.idle_timeout
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    # -- reading -----------------------------------------------------------------

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            size = 0
            while True:
                line = self.rfile.readline(1024)
                length = int(line.split(b";")[0].strip() or b"0", 16)
                if length == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                size += length
                if size > MAX_BODY:
                    raise ApiError(413, "request body too large")
                chunks.append(self.rfile.read(length))
                self.rfile.readline(1024)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            n = int(length)
        except ValueError:
            raise ApiError(400, "bad Content-Length") from None
        if n < 0:
            raise ApiError(400, "bad Content-Length")
        if n > MAX_BODY:
            raise ApiError(413, "request body too large")
        return self.rfile.read(n)

    def _bytes_in(self, body: bytes) -> int:
        head = len(self.raw_requestline) + 2
        for key, value in self.headers.items():
            head += len(key) + len(value) + 4
        return head + len(body)

    # -- dispatch ----------------------------------------------------------------

    def _handle(self) -> None:
        app = self.server.app
        method = self.command
        path, _, raw_query = self.path.partition("?")
        try:
            body = self._read_body()
        except (ApiError, ValueError) as exc:
            self.close_connection = True
            status = exc.status if isinstance(exc, ApiError) else 400
            self._send(error_response(status, str(exc)), None)
            return

        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            self._send(app.admin_http(method, path, raw_query, body), None)
            return

        early: Response | None = None
        try:
            route, params, allowed, template = app.router.match(method, path)
        except ApiError as exc:
            route, params, allowed, template = None, {}, set(), None
            early = error_response(exc.status, exc.message)
        key = f"{method} {template or '<unknown>'}"
        app.counters.request(key, self._bytes_in(body))

        latencies, fault = app.faults.take(method, template or "<unknown>", path)
        pause = sum(f.latency_ms + random.uniform(0, f.jitter_ms) for f in latencies)
        if fault is not None:
            pause += fault.latency_ms + random.uniform(0, fault.jitter_ms)
        if pause > 0 and app.stopping.wait(pause / 1000.0):
            self._abort(key)
            return
        if fault is not None and fault.kind not in AFTER:
            self._before_fault(fault, key)
            return

        if early is not None:
            response = early
        elif route is None:
            if allowed:
                response = error_response(405, f"{method} is not allowed here")
            elif path.startswith(PREFIX + "/") or path == PREFIX:
                response = error_response(404, f"no route {path}")
            else:
                response = error_response(404, "not found")
        else:
            response = app.dispatch(
                Request(
                    method,
                    path,
                    params,
                    urllib.parse.parse_qsl(raw_query, keep_blank_values=True),
                    None,
                    self.headers,
                ),
                route,
                body,
                self.headers.get("Authorization"),
            )

        if fault is not None:
            self._after_fault(fault, response, key)
        else:
            self._send(response, key)

    # -- writing -----------------------------------------------------------------

    def _head(self, response: Response, length: int | None) -> bytes:
        lines = [
            f"HTTP/1.1 {response.status} {_reason(response.status)}",
            f"Server: {self.server_version}",
            f"Date: {formatdate(usegmt=True)}",
        ]
        if response.status != 204 and response.status >= 200:
            lines.append(f"Content-Type: {response.content_type}")
            lines.append(f"Content-Length: {length if length is not None else 0}")
        for name, value in response.headers.items():
            lines.append(f"{name}: {value}")
        lines.append(
            "Connection: close" if self.close_connection else "Connection: keep-alive"
        )
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _write(self, data: bytes, key: str | None, status: int | None) -> bool:
        try:
            self.wfile.write(data)
        except OSError:
            self.close_connection = True
            if key:
                self.server.app.counters.response(key, status, 0)
            return False
        if key:
            self.server.app.counters.response(key, status, len(data))
        return True

    def _send(self, response: Response, key: str | None) -> None:
        body = b"" if response.status == 204 else response.body
        self._write(self._head(response, len(body)) + body, key, response.status)

    def _abort(self, key: str | None, rst: bool = True) -> None:
        """Closes the connection at once, with an RST unless `rst` is false."""
        self.close_connection = True
        if key:
            self.server.app.counters.response(key, None, 0)
        conn = self.connection
        try:
            if rst:
                conn.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            else:
                conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        for stream in (self.rfile, self.wfile):
            with contextlib.suppress(OSError):
                stream.close()
        conn.close()
        # The base class still flushes and closes these after the request.
        self.wfile = io.BytesIO()
        self.rfile = io.BytesIO()

    def _wait_for_peer(self, seconds: float) -> None:
        """Sits on the connection until the peer leaves, time is up or we stop."""
        app = self.server.app
        deadline = time.monotonic() + seconds
        while not app.stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                ready, _, _ = select.select([self.connection], [], [], min(left, 0.05))
            except (OSError, ValueError):
                return
            if ready:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return
                except (OSError, ValueError):
                    return
                # The peer sent more (pipelined or TLS records): keep waiting.
                app.stopping.wait(min(left, 0.05))

    def _before_fault(self, fault: Fault, key: str) -> None:
        if fault.kind == "status":
            status = fault.status or 503
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = _format_seconds(fault.retry_after)
            self._send(
                error_response(status, f"simulated {status} fault", headers), key
            )
        elif fault.kind == "html":
            status = fault.status or 502
            page = _HTML_PAGE.format(status=status, reason=_reason(status))
            self._send(Response(status, page.encode(), "text/html"), key)
        elif fault.kind == "close":
            self._abort(key)
        elif fault.kind == "hang":
            self._wait_for_peer((fault.delay_ms or 300_000.0) / 1000.0)
            self._abort(key)

    def _after_fault(self, fault: Fault, response: Response, key: str) -> None:
        app = self.server.app
        body = b"" if response.status == 204 else response.body
        if fault.kind == "drop":
            self._abort(key)
        elif fault.kind == "delay":
            if app.stopping.wait((fault.delay_ms or 30_000.0) / 1000.0):
                self._abort(key)
                return
            self._send(response, key)
        elif fault.kind in ("reset", "truncate"):
            if not body:
                body = b'{"message":"ok"}'
                response = Response(
                    200 if response.status == 204 else response.status,
                    body,
                    response.content_type,
                    response.headers,
                )
            self.close_connection = True
            head = self._head(response, len(body))
            if self._write(head + body[: len(body) // 2], key, response.status):
                self._abort(None, rst=fault.kind == "reset")
        elif fault.kind == "invalid_json":
            status = 200 if response.status == 204 else response.status
            broken = (body[: len(body) // 2] if body else b"{") + b'\x00,"oops":}'
            self._send(
                Response(status, broken, response.content_type, response.headers), key
            )
        elif fault.kind == "drip":
            data = self._head(response, len(body)) + body
            sent = 0
            step = fault.chunk
            for start in range(0, len(data), step):
                if not self._write(data[start : start + step], None, None):
                    break
                sent += len(data[start : start + step])
                if start + step < len(data) and app.stopping.wait(
                    fault.interval_ms / 1000.0
                ):
                    self.close_connection = True
                    break
            app.counters.response(key, response.status, sent)


def _format_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def check_token(header: str | None, token: str) -> bool:
    """Raw token, or "Bearer <token>", compared in constant time."""
    if not header:
        return False
    value = header.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return hmac.compare_digest(value.encode(), token.encode())


def parse_json_body(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise ApiError(400, "body is not valid JSON") from None
