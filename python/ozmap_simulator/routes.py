"""The OZmap API v2 routes: path templates, query parsing, list envelopes."""

import json
import math
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .domain import ApiError, Config, Service
from .store import COLLECTIONS, FilterError, Store

PREFIX = "/api/v2"


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    query: list[tuple[str, str]]
    body: Any
    headers: Any = None

    def arg(self, name: str) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any) -> Response:
    if isinstance(payload, str):
        data = payload.encode()
    else:
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(status, data)


def error_response(status: int, message: str, headers: dict | None = None) -> Response:
    resp = json_response(status, {"message": message})
    resp.headers.update(headers or {})
    return resp


Handler = Callable[[Request], Response]


@dataclass
class Route:
    method: str
    template: str
    handler: Handler
    auth: bool = True

    def __post_init__(self) -> None:
        self.parts = self.template.strip("/").split("/")


class Router:
    """Matches raw request paths: each segment is percent-decoded on its own, so a
    client code holding "%2F" stays one segment."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self, method: str, template: str, handler: Handler, auth: bool = True
    ) -> None:
        self.routes.append(Route(method, PREFIX + "/" + template, handler, auth))

    def match(
        self, method: str, path: str
    ) -> tuple[Route | None, dict[str, str], set[str], str | None]:
        """(route, params, methods allowed on the path, template) for a raw path."""
        raw = path.rstrip("/") or "/"
        segments = raw.strip("/").split("/")
        allowed: set[str] = set()
        template: str | None = None
        best: tuple[int, Route, dict[str, str]] | None = None
        for route in self.routes:
            if len(route.parts) != len(segments):
                continue
            params: dict[str, str] = {}
            literals = 0
            for want, got in zip(route.parts, segments, strict=True):
                if want.startswith("{") and want.endswith("}"):
                    params[want[1:-1]] = got
                elif want == got:
                    literals += 1
                else:
                    break
            else:
                allowed.add(route.method)
                template = template or route.template
                if route.method == method and (best is None or literals > best[0]):
                    best = (literals, route, params)
        if best is None:
            return None, {}, allowed, template
        route, params = best[1], best[2]
        decoded = {}
        for name, value in params.items():
            try:
                decoded[name] = urllib.parse.unquote(value, errors="strict")
            except UnicodeDecodeError:
                raise ApiError(400, "path is not valid UTF-8") from None
        return route, decoded, allowed, route.template


# -- list queries ----------------------------------------------------------------


def _int_arg(req: Request, name: str) -> int | None:
    raw = req.arg(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer") from None


def _json_arg(req: Request, name: str) -> Any:
    raw = req.arg(name)
    if raw is None or raw == "":
        if isinstance(req.body, dict):
            return req.body.get(name)
        return None
    try:
        return json.loads(raw)
    except ValueError:
        if name == "sort":
            return raw
        raise ApiError(400, f"{name} must be URL-encoded JSON") from None


def _select(raw: str | None) -> tuple[set[str], bool] | None:
    if not raw:
        return None
    names = [n for n in raw.replace(",", " ").split() if n]
    excluded = {n[1:].split(".")[0] for n in names if n.startswith("-")}
    included = {n.lstrip("+").split(".")[0] for n in names if not n.startswith("-")}
    if included:
        return included | {"id", "kind", "lat", "lng"}, True
    return excluded, False


def _apply_select(doc: dict, select: tuple[set[str], bool]) -> dict:
    names, include = select
    if include:
        return {k: v for k, v in doc.items() if k in names}
    return {k: v for k, v in doc.items() if k not in names}


def _next_url(req: Request, page: int, limit: int) -> str:
    pairs = [(k, v) for k, v in req.query if k not in ("page", "limit")]
    pairs += [("page", str(page + 1)), ("limit", str(limit))]
    return req.path + "?" + urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)


def list_handler(
    store: Store,
    config: Config,
    route: str,
    transform: Callable[[list[dict]], list[dict]] | None = None,
) -> Handler:
    def handle(req: Request) -> Response:
        page = _int_arg(req, "page")
        page = 1 if page is None else page
        if page < 1:
            raise ApiError(400, "page must be 1 or more")
        limit = _int_arg(req, "limit")
        if limit is None:
            limit = config.default_limit
        if limit <= 0 or limit > config.max_limit:
            # -1 once meant "everything"; the simulator caps every page instead.
            limit = config.max_limit
        select = _select(req.arg("select"))
        offset = (page - 1) * limit
        try:
            total, raws = store.query(
                route, _json_arg(req, "filter"), _json_arg(req, "sort"), offset, limit
            )
        except FilterError as exc:
            raise ApiError(400, str(exc)) from None
        if transform is not None or select is not None:
            docs = [json.loads(r) for r in raws]
            if transform is not None:
                docs = transform(docs)
            if select is not None:
                docs = [_apply_select(d, select) for d in docs]
            raws = [
                json.dumps(d, separators=(",", ":"), ensure_ascii=False) for d in docs
            ]
        count = len(raws)
        head = f'{{"total":{total},"count":{count},"start":{offset},"limit":{limit},'
        rows = '"rows":[' + ",".join(raws) + "]"
        if config.legacy_pagination:
            return json_response(200, head + rows + "}")
        has_next = offset + count < total
        tail = f',"hasNextPage":{"true" if has_next else "false"}'
        if has_next:
            tail += ',"nextUrl":' + json.dumps(_next_url(req, page, limit))
        return json_response(200, head + rows + tail + "}")

    return handle


def get_handler(store: Store, route: str, what: str) -> Handler:
    def handle(req: Request) -> Response:
        raw = store.get_raw(route, req.params["id"])
        if raw is None:
            raise ApiError(404, f"{what} {req.params['id']!r} not found")
        return json_response(200, raw)

    return handle


# -- the API ---------------------------------------------------------------------


def _float_arg(req: Request, name: str, required: bool) -> float | None:
    raw = req.arg(name)
    if raw is None or raw == "":
        if required:
            raise ApiError(400, f"{name} is required")
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a number") from None
    if not math.isfinite(value):
        raise ApiError(400, f"{name} must be finite")
    return value


def build_router(service: Service, config: Config) -> Router:
    """Every route the simulator answers.

    TODO: not simulated yet, as no workflow uses them: `populate` (ignored), the
    polymorphic read routes (base-boxes, network-connectors), feasibility by pole,
    POST connect/disconnect, properties/client/{code}/potency, and writes to the
    collections that are read-only here (projects, types, OLTs, slots, PONs).
    """
    store = service.store
    router = Router()
    no_content = Response(204)

    def login(req: Request) -> Response:
        body = req.body
        if not isinstance(body, dict):
            raise ApiError(400, "body must be {login, password}")
        if body.get("login") != config.login or body.get("password") != config.password:
            raise ApiError(401, "invalid login or password")
        return json_response(200, {"authorization": config.token})

    def authenticated(req: Request) -> Response:
        return json_response(200, {"authenticated": True})

    def viability(req: Request) -> Response:
        lat = _float_arg(req, "lat", True)
        lng = _float_arg(req, "lng", True)
        radius = _float_arg(req, "radius", False)
        assert lat is not None and lng is not None
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ApiError(400, "coordinates out of range")
        if radius is None:
            radius = config.default_radius_m
        if radius <= 0:
            raise ApiError(400, "radius must be positive")
        return json_response(200, service.feasibility(lat, lng, radius))

    router.add("POST", "users/login", login, auth=False)
    router.add("GET", "authenticated", authenticated)
    router.add("GET", "ftth-viability/radius", viability)

    names = {
        "projects": "project",
        "box-types": "box type",
        "splitter-types": "splitter type",
        "cable-types": "cable type",
        "pole-types": "pole type",
        "olt-types": "OLT type",
        "poles": "pole",
        "boxes": "box",
        "splitters": "splitter",
        "ftth-clients": "client",
        "cables": "cable",
        "fibers": "fiber",
        "olts": "OLT",
        "slots": "slot",
        "pons": "PON",
    }
    assert set(names) | {"properties"} == set(COLLECTIONS)
    for route, what in names.items():
        router.add("GET", route, list_handler(store, config, route))
        router.add("GET", route + "/{id}", get_handler(store, route, what))

    def created(doc: dict) -> Response:
        return json_response(201, doc)

    def done(action: Callable[..., Any], *keys: str) -> Handler:
        def handle(req: Request) -> Response:
            action(*[req.params[k] for k in keys], req.body) if keys else action(
                req.body
            )
            return no_content

        return handle

    def deleted(action: Callable[[str], Any]) -> Handler:
        def handle(req: Request) -> Response:
            action(req.params["id"])
            return no_content

        return handle

    # Boxes and splitters: writes so that a test can stage a situation over HTTP.
    router.add("POST", "boxes", lambda r: created(service.create_box(r.body)))
    router.add(
        "PATCH",
        "boxes/{id}",
        done(lambda i, b: service.patch_document("boxes", i, b), "id"),
    )
    router.add("DELETE", "boxes/{id}", deleted(service.delete_box))
    router.add("POST", "splitters", lambda r: created(service.create_splitter(r.body)))
    router.add(
        "PATCH",
        "splitters/{id}",
        done(lambda i, b: service.patch_document("splitters", i, b), "id"),
    )
    router.add("DELETE", "splitters/{id}", deleted(service.delete_splitter))

    router.add("PATCH", "ftth-clients/{id}", done(service.patch_client, "id"))
    router.add("DELETE", "ftth-clients/{id}", deleted(service.delete_client))
    router.add("POST", "ftth-clients/batch-update", done(service.batch_update_clients))

    router.add(
        "GET",
        "properties",
        list_handler(store, config, "properties", service.embed_clients),
    )
    router.add(
        "GET",
        "properties/{id}",
        lambda r: json_response(200, service.get_property(r.params["id"])),
    )
    router.add("POST", "properties", lambda r: created(service.create_property(r.body)))
    router.add("PATCH", "properties/{id}", done(service.patch_property, "id"))
    router.add("DELETE", "properties/{id}", deleted(service.delete_property))
    router.add("POST", "properties/batch-update", done(service.batch_update_properties))

    def by_code(req: Request) -> Response:
        code = req.params["code"]
        if not code.strip():
            raise ApiError(400, "client code is required")
        return json_response(200, service.properties_by_code(code))

    router.add("GET", "properties/client/{code}", by_code)

    router.add("DELETE", "cables/{id}", deleted(service.delete_cable))
    router.add(
        "POST",
        "cables/{id}/fibers/disconnect",
        deleted(service.disconnect_cable_fibers),
    )
    return router
