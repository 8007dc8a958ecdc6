"""What the simulated OZmap does: port rules, properties, clients, cables, feasibility.

Every change runs inside one `Store.write()`, so each request sees the network either
before or after another request's change, never in between.
"""

import json
import math
import time
from dataclasses import dataclass
from typing import Any

from . import documents as D
from . import geo
from .ids import IdFactory, iso
from .store import COLLECTIONS, FilterError, Store, compile_filter


class ApiError(Exception):
    """An answer other than success: an HTTP status and a message for `{"message"}`."""

    def __init__(self, status: int, message: str, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Config:
    """Behaviours that can be switched at start-up or at run time."""

    token: str = "simulator-token"
    login: str = "admin"
    password: str = "admin"
    legacy_pagination: bool = False
    delete_drop_with_property: bool = False
    default_radius_m: float = 250.0
    default_limit: int = 25
    max_limit: int = 1000

    SWITCHES = (
        "token",
        "login",
        "password",
        "legacy_pagination",
        "delete_drop_with_property",
        "default_radius_m",
        "default_limit",
        "max_limit",
    )

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.SWITCHES}

    def update(self, values: dict) -> None:
        for name, value in values.items():
            if name not in self.SWITCHES:
                raise ApiError(400, f"unknown setting {name!r}")
            current = getattr(self, name)
            if isinstance(current, bool):
                ok = isinstance(value, bool)
            elif isinstance(current, (int, float)):
                ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            else:
                ok = isinstance(value, str) and value != ""
            if not ok:
                raise ApiError(400, f"bad value for {name!r}")
            setattr(self, name, type(current)(value))


def _require(cond: bool, message: str, status: int = 400) -> None:
    if not cond:
        raise ApiError(status, message)


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _position(body: dict, required: bool) -> tuple[float, float] | None:
    """(lat, lng) from `coords` [lng, lat] or from `lat` + `lng`."""
    if body.get("coords") is not None:
        coords = body["coords"]
        _require(
            isinstance(coords, list)
            and len(coords) == 2
            and all(map(_is_number, coords)),
            "coords must be [lng, lat]",
        )
        lng, lat = coords
    elif body.get("lat") is not None or body.get("lng") is not None:
        lat, lng = body.get("lat"), body.get("lng")
        _require(_is_number(lat) and _is_number(lng), "lat and lng must be numbers")
    else:
        _require(not required, "a position is required: coords or lat and lng")
        return None
    _require(-90 <= lat <= 90 and -180 <= lng <= 180, "coordinates out of range")
    return float(lat), float(lng)


_CLIENT_STRINGS = ("code", "name", "observation")
_ONU_FIELDS = ("user_PPPoE", "serial_number", "mac_address")


def _check_client_fields(body: dict) -> dict:
    """The client fields of a create or update body, checked; codes are trimmed."""
    out: dict = {}
    for name in _CLIENT_STRINGS:
        if name in body and body[name] is not None:
            _require(isinstance(body[name], str), f"client {name} must be a string")
            out[name] = body[name].strip() if name == "code" else body[name]
    if "code" in out:
        _require(out["code"] != "", "client code must not be empty")
    for name in ("implanted", "certified"):
        if name in body:
            _require(isinstance(body[name], bool), f"client {name} must be a boolean")
            out[name] = body[name]
    if "status" in body:
        _require(
            body["status"] in (0, 1) and not isinstance(body["status"], bool),
            "client status must be 0 or 1",
        )
        out["status"] = body["status"]
    if "onu" in body:
        onu = body["onu"]
        _require(isinstance(onu, dict), "client onu must be an object")
        for key, value in onu.items():
            _require(key in _ONU_FIELDS, f"unknown onu field {key!r}")
            _require(isinstance(value, str), f"onu {key} must be a string")
        out["onu"] = onu
    if "tags" in body:
        _require(isinstance(body["tags"], list), "client tags must be an array")
        out["tags"] = body["tags"]
    for name in ("cpe", "external_id"):
        if name in body:
            out[name] = body[name]
    return out


class Service:
    """The simulated OZmap behind the routes."""

    def __init__(self, store: Store, config: Config, ids: IdFactory | None = None):
        self.store = store
        self.config = config
        self.ids = ids or IdFactory()

    # -- helpers -----------------------------------------------------------------

    def _get(self, route: str, doc_id: str, what: str) -> dict:
        doc = self.store.get(route, doc_id) if _is_id(doc_id) else None
        if doc is None:
            raise ApiError(404, f"{what} {doc_id!r} not found")
        return doc

    def _drop_cable_type(self, project_id: str) -> str | None:
        project = self.store.get("projects", project_id)
        if project is None:
            return None
        return project.get("drop", {}).get("defaults", {}).get("cableType")

    def service_splitters(self, box_id: str) -> list[dict]:
        """The box's splitters that take clients, in the order ports are handed out."""
        found = self.store.find("splitters", '"parent" = ? AND "isDrop" = 1', [box_id])
        return sorted(
            found, key=lambda s: (geo.natural_key(s.get("name", "")), s["id"])
        )

    def first_free_port(self, box_id: str) -> tuple[dict, int] | None:
        for spl in self.service_splitters(box_id):
            ports = D.free_ports(spl)
            if ports:
                return spl, ports[0]
        return None

    def _choose_port(
        self, box: dict | None, connector: Any, port: Any, auto: bool
    ) -> tuple[dict, dict, int] | None:
        """(box, splitter, port) that a create or move asks for, or None for no port."""
        if connector is not None:
            _require(_is_id(connector), "connector must be an id")
            spl = self._get("splitters", connector, "connector")
            if box is not None:
                _require(
                    spl.get("parent") == box["id"],
                    f"connector {connector!r} is not in box {box['id']!r}",
                )
            else:
                box = self._get("boxes", spl.get("parent"), "box")
            if port is None:
                _require(auto, "port is required with connector")
                free = D.free_ports(spl) if spl.get("isDrop") is True else []
                if not free:
                    raise ApiError(409, f"connector {connector!r} has no free port")
                return box, spl, free[0]
            _require(
                isinstance(port, int) and not isinstance(port, bool),
                "port must be an integer",
            )
            state = D.port_state(spl, port)
            _require(state != "invalid", f"connector {connector!r} has no port {port}")
            if spl.get("isDrop") is not True:
                raise ApiError(409, f"connector {connector!r} does not take clients")
            if state == "occupied":
                raise ApiError(409, f"port {port} of {spl['name']!r} is occupied")
            if state == "blocked":
                raise ApiError(409, f"port {port} of {spl['name']!r} is blocked")
            return box, spl, port
        _require(port is None, "port needs a connector")
        if not auto:
            return None
        _require(box is not None, "auto_connect needs a box")
        assert box is not None
        found = self.first_free_port(box["id"])
        if found is None:
            raise ApiError(409, f"box {box['name']!r} has no free port")
        return box, found[0], found[1]

    def _connect(
        self,
        prop: dict,
        box: dict,
        spl: dict,
        port: int,
        now: float,
        implanted: bool,
        poles: list | None = None,
    ) -> None:
        drop, fib = D.connect(
            box=box,
            splitter=spl,
            port=port,
            prop=prop,
            drop_id=self.ids.new(now),
            fiber_id=self.ids.new(now),
            cable_type=self._drop_cable_type(prop["project"]),
            implanted=implanted,
            when=now,
            poles=poles,
        )
        self.store.put("cables", drop)
        self.store.put("fibers", fib)
        self.store.put("splitters", spl)
        self.store.put("boxes", box)

    def _free_fiber(self, fiber_id: str, now: float) -> None:
        """Takes a fiber off every splitter port it occupies."""
        fib = self.store.get("fibers", fiber_id)
        connectors = fib.get("connectors", []) if fib else []
        for spl_id in connectors:
            spl = self.store.get("splitters", spl_id)
            if spl is None:
                continue
            conn = spl["connectables"]
            changed = False
            for side in ("input", "output"):
                for i, used in enumerate(conn.get(side, [])):
                    if used == fiber_id:
                        conn[side][i] = None
                        changed = True
            if changed:
                spl["updatedAt"] = iso(now)
                self.store.put("splitters", spl)
        if fib is not None and connectors:
            fib["connectors"] = []
            fib["updatedAt"] = iso(now)
            self.store.put("fibers", fib)

    def _delete_cable_docs(self, cable_id: str, now: float) -> None:
        cable = self.store.get("cables", cable_id)
        if cable is None:
            return
        fibers = self.store.find("fibers", '"parent" = ?', [cable_id])
        fiber_ids = {f["id"] for f in fibers}
        for fib in fibers:
            self._free_fiber(fib["id"], now)
            self.store.delete("fibers", fib["id"])
        for prop in self.store.find("properties", "id = ?", [cable.get("boxB")]):
            if prop.get("drop") == cable_id or cable_id in prop.get("cables", []):
                if prop.get("drop") == cable_id:
                    prop["drop"] = None
                prop["cables"] = [c for c in prop.get("cables", []) if c != cable_id]
                prop["connections"] = [
                    c
                    for c in prop.get("connections", [])
                    if c.get("fiber") not in fiber_ids
                ]
                prop["updatedAt"] = iso(now)
                self.store.put("properties", prop)
        for end in ("boxA", "boxB"):
            box = self.store.get("boxes", cable.get(end) or "")
            if box is not None and cable_id in box.get("cables", []):
                box["cables"] = [c for c in box["cables"] if c != cable_id]
                box["updatedAt"] = iso(now)
                self.store.put("boxes", box)
        self.store.delete("cables", cable_id)

    def _disconnect(self, prop: dict, now: float, remove_drop: bool) -> None:
        """Frees the property's port; with `remove_drop`, its drop and fiber go too."""
        for conn in prop.get("connections", []):
            if conn.get("fiber"):
                self._free_fiber(conn["fiber"], now)
        if remove_drop and prop.get("drop"):
            drop_id = prop["drop"]
            self._delete_cable_docs(drop_id, now)
            prop["drop"] = None
            prop["cables"] = [c for c in prop.get("cables", []) if c != drop_id]
        prop["connections"] = []

    def _new_client(self, spec: dict, now: float) -> dict:
        fields = _check_client_fields(spec)
        doc = D.client(
            self.ids.new(now),
            code=fields.get("code", ""),
            name=fields.get("name", ""),
            observation=fields.get("observation", ""),
            implanted=fields.get("implanted", False),
            certified=fields.get("certified", False),
            status=fields.get("status", 0),
            onu=fields.get("onu"),
            when=now,
        )
        for name in ("tags", "cpe", "external_id"):
            if name in fields:
                doc[name] = fields[name]
        self.store.put("ftth-clients", doc)
        return doc

    def _close_history(self, prop: dict, client_id: str, now: float) -> None:
        for entry in prop.get("history", {}).get("clients", []):
            if entry.get("id") == client_id and entry.get("exit_date") is None:
                entry["exit_date"] = iso(now)

    def embed_clients(self, props: list[dict]) -> list[dict]:
        """Replaces each property's client id with the client document, as reads do."""
        ids = [p["client"] for p in props if isinstance(p.get("client"), str)]
        clients = self.store.get_many("ftth-clients", ids) if ids else {}
        for prop in props:
            cid = prop.get("client")
            if isinstance(cid, str):
                found = clients.get(cid)
                prop["client"] = D.embedded_client(found) if found else None
        return props

    # -- properties --------------------------------------------------------------

    def create_property(self, body: Any) -> dict:
        _require(isinstance(body, dict), "body must be a JSON object")
        project_id = body.get("project")
        _require(_is_id(project_id), "project is required")
        lat, lng = _position(body, required=True)  # type: ignore[misc]
        box_id = body.get("box")
        _require(box_id is None or _is_id(box_id), "box must be an id")
        auto = body.get("auto_connect")
        _require(
            auto is None or isinstance(auto, bool), "auto_connect must be a boolean"
        )
        client_spec = body.get("client")
        _require(
            client_spec is None or isinstance(client_spec, (dict, str)),
            "client must be an object or an id",
        )
        for name in ("address", "observation", "name"):
            _require(
                body.get(name) is None or isinstance(body[name], str),
                f"{name} must be a string",
            )
        # NOTE: `force` is accepted and ignored: it never lets two clients share a port.
        poles = body.get("drop_poles")
        _require(
            poles is None or (isinstance(poles, list) and all(map(_is_id, poles))),
            "drop_poles must be an array of ids",
        )
        now = time.time()
        with self.store.write():
            self._get("projects", project_id, "project")
            box = self._get("boxes", box_id, "box") if box_id is not None else None
            target = self._choose_port(
                box, body.get("connector"), body.get("port"), auto is True
            )
            if isinstance(client_spec, dict):
                client = self._new_client(client_spec, now)
            elif isinstance(client_spec, str):
                client = self._get("ftth-clients", client_spec, "client")
            else:
                client = None
            prop = D.property_(
                self.ids.new(now),
                project=project_id,
                lat=lat,
                lng=lng,
                box=box["id"] if box else None,
                client=client,
                when=now,
                address=body.get("address") or "",
                observation=body.get("observation") or "",
                pole=body.get("pole") if _is_id(body.get("pole")) else None,
                name=body.get("name") or "",
            )
            for name in ("tags", "external_id", "potencyRead"):
                if name in body:
                    prop[name] = body[name]
            if target is not None:
                tbox, spl, port = target
                implanted = bool(client and client.get("implanted"))
                drop_poles = [{"id": p, "reserve": 0} for p in poles or []]
                self._connect(prop, tbox, spl, port, now, implanted, drop_poles)
            self.store.put("properties", prop)
        return prop

    def get_property(self, prop_id: str) -> dict:
        prop = self._get("properties", prop_id, "property")
        return self.embed_clients([prop])[0]

    def properties_by_code(self, code: str) -> list[dict]:
        wanted = code.strip()
        with self.store.lock:
            clients = self.store.find("ftth-clients", '"code" = ?', [wanted])
            props = self.store.find(
                "properties",
                '"client" IN (SELECT value FROM json_each(?))',
                [json.dumps([c["id"] for c in clients])],
            )
        return self.embed_clients(props)

    def patch_property(self, prop_id: str, body: Any) -> None:
        _require(isinstance(body, dict), "body must be a JSON object")
        for name in ("address", "observation", "name"):
            _require(
                body.get(name) is None or isinstance(body[name], str),
                f"{name} must be a string",
            )
        _require(
            "potencyRead" not in body
            or body["potencyRead"] is None
            or _is_number(body["potencyRead"]),
            "potencyRead must be a number or null",
        )
        _require(
            "tags" not in body or isinstance(body["tags"], list),
            "tags must be an array",
        )
        position = _position(body, required=False)
        auto = body.get("auto_connect")
        _require(
            auto is None or isinstance(auto, bool), "auto_connect must be a boolean"
        )
        _require(
            body.get("box") is None or _is_id(body["box"]), "box must be an id or null"
        )
        client_spec = body.get("client", ...)
        _require(
            client_spec in (None, ...) or isinstance(client_spec, (dict, str)),
            "client must be an object, an id or null",
        )
        now = time.time()
        with self.store.write():
            prop = self._get("properties", prop_id, "property")
            for name in (
                "address",
                "observation",
                "name",
                "potencyRead",
                "tags",
                "external_id",
            ):
                if name in body:
                    prop[name] = (
                        body[name]
                        if body[name] is not None
                        else (
                            "" if name in ("address", "observation", "name") else None
                        )
                    )
            if "pole" in body:
                prop["pole"] = body["pole"] if _is_id(body["pole"]) else None
            if position is not None:
                prop["lat"], prop["lng"] = position
                prop["coords"] = [position[1], position[0]]

            if client_spec is not ...:
                self._patch_property_client(prop, client_spec, now)

            self._patch_property_port(prop, body, auto is True, now)
            prop["updatedAt"] = iso(now)
            self.store.put("properties", prop)

    def _patch_property_client(self, prop: dict, spec: Any, now: float) -> None:
        old = prop.get("client")
        if isinstance(spec, dict):
            new = self._new_client(spec, now)
        elif isinstance(spec, str):
            new = self._get("ftth-clients", spec, "client")
        else:
            new = None
        new_id = new["id"] if new else None
        if new_id == old:
            return
        if old:
            self._close_history(prop, old, now)
        if new is not None:
            prop.setdefault("history", {}).setdefault("clients", []).append(
                {
                    "id": new["id"],
                    "code": new["code"],
                    "enter_date": iso(now),
                    "exit_date": None,
                }
            )
        prop["client"] = new_id

    def _patch_property_port(
        self, prop: dict, body: dict, auto: bool, now: float
    ) -> None:
        connector = body.get("connector")
        port = body.get("port")
        wants_port = connector is not None or auto or port is not None
        if "box" not in body and not wants_port:
            return
        current = prop.get("connections") or []
        current_box = prop.get("box")
        new_box_id = body.get("box", current_box)
        if not wants_port:
            if new_box_id != current_box:
                self._disconnect(prop, now, remove_drop=True)
                if new_box_id is not None:
                    self._get("boxes", new_box_id, "box")
                prop["box"] = new_box_id
            return

        # A request that asks for the connection the property already has changes
        # nothing, so a client that retries a move does not trip over its own port.
        if current and new_box_id == current_box:
            conn = current[0]
            if connector is None and port is None:
                return
            if connector == conn.get("id") and port in (None, conn.get("port")):
                return

        box = self._get("boxes", new_box_id, "box") if new_box_id is not None else None
        target = self._choose_port(box, connector, port, auto)
        assert target is not None
        tbox, spl, new_port = target
        client = (
            self.store.get("ftth-clients", prop["client"])
            if prop.get("client")
            else None
        )
        self._disconnect(prop, now, remove_drop=True)
        # The old drop may have come off the same box or splitter: read them again.
        tbox = self.store.get("boxes", tbox["id"]) or tbox
        spl = self.store.get("splitters", spl["id"]) or spl
        self._connect(
            prop, tbox, spl, new_port, now, bool(client and client.get("implanted"))
        )

    def delete_property(self, prop_id: str) -> None:
        now = time.time()
        with self.store.write():
            prop = self._get("properties", prop_id, "property")
            if prop.get("client"):
                self.store.delete("ftth-clients", prop["client"])
            self._disconnect(
                prop, now, remove_drop=self.config.delete_drop_with_property
            )
            self.store.delete("properties", prop_id)

    def batch_update_properties(self, body: Any) -> None:
        filt, update = self._batch_body(body, {"potencyRead"})
        if "potencyRead" in update:
            value = update["potencyRead"]
            _require(value is None or _is_number(value), "potencyRead must be a number")
        self._batch_apply("properties", filt, update)

    # -- clients -----------------------------------------------------------------

    def patch_client(self, client_id: str, body: Any) -> None:
        _require(isinstance(body, dict), "body must be a JSON object")
        fields = _check_client_fields(body)
        now = time.time()
        with self.store.write():
            doc = self._get("ftth-clients", client_id, "client")
            if "onu" in fields:
                doc["onu"] = {**doc.get("onu", {}), **fields.pop("onu")}
            doc.update(fields)
            doc["updatedAt"] = iso(now)
            self.store.put("ftth-clients", doc)
            if "code" in fields:
                for prop in self.store.find("properties", '"client" = ?', [client_id]):
                    for entry in prop.get("history", {}).get("clients", []):
                        if entry.get("id") == client_id:
                            entry["code"] = fields["code"]
                    self.store.put("properties", prop)

    def delete_client(self, client_id: str) -> None:
        now = time.time()
        with self.store.write():
            self._get("ftth-clients", client_id, "client")
            self.store.delete("ftth-clients", client_id)
            for prop in self.store.find("properties", '"client" = ?', [client_id]):
                prop["client"] = None
                self._close_history(prop, client_id, now)
                prop["updatedAt"] = iso(now)
                self.store.put("properties", prop)

    def batch_update_clients(self, body: Any) -> None:
        filt, update = self._batch_body(body, {"implanted", "status", "certified"})
        fields = _check_client_fields(update)
        self._batch_apply("ftth-clients", filt, fields)

    def _batch_body(self, body: Any, allowed: set[str]) -> tuple[Any, dict]:
        _require(isinstance(body, dict), "body must be a JSON object")
        filt = body.get("filter")
        update = body.get("update")
        _require(isinstance(filt, (list, dict)) and filt != [], "filter is required")
        _require(isinstance(update, dict) and update != {}, "update is required")
        extra = set(update) - allowed
        _require(not extra, f"these fields cannot be batch-updated: {sorted(extra)}")
        return filt, update

    def _batch_apply(self, route: str, filt: Any, update: dict) -> None:
        coll = COLLECTIONS[route]
        try:
            where, params, _ = compile_filter(coll, filt)
        except FilterError as exc:
            raise ApiError(400, str(exc)) from None
        now = time.time()
        with self.store.write():
            for doc in self.store.find(route, where, params):
                doc.update(update)
                doc["updatedAt"] = iso(now)
                self.store.put(route, doc)

    # -- cables ------------------------------------------------------------------

    def delete_cable(self, cable_id: str) -> None:
        now = time.time()
        with self.store.write():
            self._get("cables", cable_id, "cable")
            self._delete_cable_docs(cable_id, now)

    def disconnect_cable_fibers(self, cable_id: str) -> None:
        now = time.time()
        with self.store.write():
            cable = self._get("cables", cable_id, "cable")
            fibers = self.store.find("fibers", '"parent" = ?', [cable_id])
            fiber_ids = {f["id"] for f in fibers}
            for fib in fibers:
                self._free_fiber(fib["id"], now)
            prop = self.store.get("properties", cable.get("boxB") or "")
            if prop is not None:
                prop["connections"] = [
                    c
                    for c in prop.get("connections", [])
                    if c.get("fiber") not in fiber_ids
                ]
                prop["updatedAt"] = iso(now)
                self.store.put("properties", prop)

    # -- boxes and splitters (writes used to stage situations) ------------------

    def create_box(self, body: Any) -> dict:
        _require(isinstance(body, dict), "body must be a JSON object")
        project_id = body.get("project")
        _require(_is_id(project_id), "project is required")
        lat, lng = _position(body, required=True)  # type: ignore[misc]
        for name in ("draft", "implanted", "certified"):
            _require(
                name not in body or isinstance(body[name], bool),
                f"{name} must be a boolean",
            )
        _require(
            body.get("name") is None or isinstance(body["name"], str),
            "name must be a string",
        )
        now = time.time()
        with self.store.write():
            self._get("projects", project_id, "project")
            if body.get("boxType") is not None:
                self._get("box-types", body["boxType"], "box type")
            bid = self.ids.new(now)
            doc = D.box(
                bid,
                project=project_id,
                lat=lat,
                lng=lng,
                name=body.get("name") or f"CTO {bid[-6:]}",
                box_type=body.get("boxType"),
                pole=body.get("pole") if _is_id(body.get("pole")) else None,
                when=now,
                hierarchy_level=body.get("hierarchyLevel", 3),
                implanted=body.get("implanted", True),
                draft=body.get("draft", False),
                certified=body.get("certified", False),
                address=body.get("address") or "",
            )
            self.store.put("boxes", doc)
        return doc

    def create_splitter(self, body: Any) -> dict:
        _require(isinstance(body, dict), "body must be a JSON object")
        parent = body.get("parent")
        _require(_is_id(parent), "parent is required")
        stype_id = body.get("splitterType")
        _require(_is_id(stype_id), "splitterType is required")
        now = time.time()
        with self.store.write():
            box = self._get("boxes", parent, "box")
            stype = self._get("splitter-types", stype_id, "splitter type")
            outputs = stype["ratio"]["output"]
            is_drop = body.get("isDrop", stype.get("isDrop", False))
            _require(isinstance(is_drop, bool), "isDrop must be a boolean")
            count = self.store.count("splitters", '"parent" = ?', [parent])
            sid = self.ids.new(now)
            doc = D.splitter(
                sid,
                parent=parent,
                project=box["project"],
                name=body.get("name") or f"Splitter {count + 1}",
                splitter_type=stype_id,
                outputs=outputs,
                is_drop=is_drop,
                port_ids=[self.ids.new(now) for _ in range(outputs)],
                attenuation=(stype.get("attenuation") or [0])[0],
                when=now,
                implanted=body.get("implanted", True),
            )
            if isinstance(body.get("ports"), list):
                self._merge_ports(doc, body["ports"])
            for name in ("olt", "slot", "pon", "label", "observation"):
                if name in body:
                    doc[name] = body[name]
            self.store.put("splitters", doc)
        return doc

    @staticmethod
    def _merge_ports(doc: dict, ports: list) -> None:
        for i, item in enumerate(ports):
            _require(isinstance(item, dict), "ports entries must be objects")
            index = item.get("index", i)
            _require(isinstance(index, int) and index >= 0, "bad port index")
            while len(doc["ports"]) <= index:
                doc["ports"].append({"tags": [], "blocked": False, "id": ""})
            if "blocked" in item:
                _require(isinstance(item["blocked"], bool), "blocked must be a boolean")
                doc["ports"][index]["blocked"] = item["blocked"]
            for key in ("tags", "observation"):
                if key in item:
                    doc["ports"][index][key] = item[key]

    def patch_document(self, route: str, doc_id: str, body: Any) -> None:
        """Partial update of a box or splitter, as the SDK's update DTOs allow."""
        _require(isinstance(body, dict), "body must be a JSON object")
        fixed = {"id", "_id", "kind", "project", "cables", "connectables", "createdAt"}
        now = time.time()
        with self.store.write():
            doc = self._get(route, doc_id, route.rstrip("s").replace("-", " "))
            for key, value in body.items():
                if key in fixed:
                    continue
                if key == "ports" and route == "splitters":
                    _require(isinstance(value, list), "ports must be an array")
                    self._merge_ports(doc, value)
                elif key in ("draft", "implanted", "certified", "isDrop"):
                    _require(isinstance(value, bool), f"{key} must be a boolean")
                    doc[key] = value
                elif key == "name":
                    _require(
                        isinstance(value, str) and value != "", "name must be a string"
                    )
                    doc[key] = value
                elif key in ("coords", "lat", "lng") and route == "boxes":
                    continue
                else:
                    doc[key] = value
            if route == "boxes":
                position = _position(body, required=False)
                if position is not None:
                    doc["lat"], doc["lng"] = position
                    doc["coords"] = [position[1], position[0]]
            doc["updatedAt"] = iso(now)
            self.store.put(route, doc)
            if route == "splitters" and "name" in body:
                for prop in self.store.find(
                    "properties",
                    "EXISTS (SELECT 1 FROM json_each(doc, '$.connections') AS c "
                    "WHERE json_extract(c.value, '$.id') = ?)",
                    [doc_id],
                ):
                    for conn in prop["connections"]:
                        if conn.get("id") == doc_id:
                            conn["name"] = doc["name"]
                    self.store.put("properties", prop)

    def delete_box(self, box_id: str) -> None:
        with self.store.write():
            self._get("boxes", box_id, "box")
            if self.store.count("splitters", '"parent" = ?', [box_id]):
                raise ApiError(409, "the box still holds splitters")
            if self.store.count("properties", '"box" = ?', [box_id]):
                raise ApiError(409, "the box still serves properties")
            self.store.delete("boxes", box_id)

    def delete_splitter(self, spl_id: str) -> None:
        with self.store.write():
            spl = self._get("splitters", spl_id, "splitter")
            if any(x is not None for x in spl["connectables"].get("output", [])):
                raise ApiError(409, "the splitter still has connected ports")
            self.store.delete("splitters", spl_id)

    # -- feasibility -------------------------------------------------------------

    def feasibility(self, lat: float, lng: float, radius: float) -> dict:
        """Boxes in the radius that can take a client, nearest first, ties by id.

        A box is refused when it is a draft ("Em projeto"), has no service splitter,
        or has no free port ("full") or only blocked free ports ("blocked").
        """
        min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, radius)
        with self.store.lock:
            rows = self.store.execute(
                "SELECT id, lat, lng, doc FROM boxes "
                "WHERE lat BETWEEN ? AND ? AND lng BETWEEN ? AND ?",
                [min_lat, max_lat, min_lng, max_lng],
            )
            inside = []
            for bid, blat, blng, raw in rows:
                dist = geo.distance_m(lat, lng, blat, blng)
                if dist <= radius:
                    inside.append((dist, bid, raw))
            inside.sort(key=lambda item: (item[0], item[1]))
            stats = {}
            if inside:
                for parent, count, free, blocked in self.store.execute(
                    'SELECT "parent", count(*), sum("_free"), sum("_free_blocked") '
                    'FROM splitters WHERE "isDrop" = 1 AND "parent" IN '
                    '(SELECT value FROM json_each(?)) GROUP BY "parent"',
                    [json.dumps([item[1] for item in inside])],
                ):
                    stats[parent] = (count, free, blocked)
            props = self._nearby_properties(lat, lng, radius)

        boxes, refused = [], []
        for dist, bid, raw in inside:
            box = json.loads(raw)
            count, free, blocked = stats.get(bid, (0, 0, 0))
            if box.get("draft") is True:
                reason = "draft"
            elif count == 0:
                reason = "no_service_splitter"
            elif free > 0:
                reason = None
            elif blocked > 0:
                reason = "blocked"
            else:
                reason = "full"
            if reason is None:
                boxes.append(
                    {
                        "distance": dist,
                        "name": box.get("name"),
                        "id": bid,
                        "project": box.get("project"),
                        "lat": box.get("lat"),
                        "lng": box.get("lng"),
                        "implanted": box.get("implanted"),
                        "availability": free,
                        "horizontal_condos": [],
                    }
                )
            else:
                refused.append(
                    {
                        "id": bid,
                        "name": box.get("name"),
                        "distance": dist,
                        "lat": box.get("lat"),
                        "lng": box.get("lng"),
                        "reason": reason,
                    }
                )
        return {
            "viable": bool(boxes),
            "boxes": boxes,
            "refused_boxes": refused,
            "properties": props,
        }

    def _nearby_properties(self, lat: float, lng: float, radius: float) -> list[dict]:
        # TODO: OZmap's rule for which properties it lists here is not public; the
        # simulator lists at most 50 of the nearest within the radius.
        min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, radius)
        rows = self.store.execute(
            "SELECT id, lat, lng, json_extract(doc, '$.address'), "
            "json_extract(doc, '$.observation'), \"box\" FROM properties "
            "WHERE lat BETWEEN ? AND ? AND lng BETWEEN ? AND ?",
            [min_lat, max_lat, min_lng, max_lng],
        )
        found = []
        for pid, plat, plng, address, observation, box in rows:
            dist = geo.distance_m(lat, lng, plat, plng)
            if dist <= radius:
                found.append((dist, pid, plat, plng, address, observation, box))
        found.sort(key=lambda item: (item[0], item[1]))
        return [
            {
                "id": pid,
                "address": address,
                "observation": observation,
                "distance": dist,
                "lat": plat,
                "lng": plng,
                "box": box,
            }
            for dist, pid, plat, plng, address, observation, box in found[:50]
        ]
