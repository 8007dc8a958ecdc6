"""SQLite state of the simulated OZmap: one table per collection, documents as JSON.

Each table keeps the whole document as JSON text plus a few columns copied out of it for
the lookups that must stay fast on a large network (coordinates, parents, client codes).
One lock guards the connection, so a check and the write that depends on it happen with
no other request in between; that is what keeps two clients off one port.
"""

import functools
import json
import math
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import geo


def _free_counts(doc: dict) -> tuple[int, int]:
    outputs = doc.get("connectables", {}).get("output", [])
    ports = doc.get("ports") or []
    free = blocked = 0
    for i, used in enumerate(outputs):
        if used is None:
            if i < len(ports) and ports[i].get("blocked") is True:
                blocked += 1
            else:
                free += 1
    return free, blocked


@dataclass(frozen=True)
class Collection:
    route: str
    table: str
    # Columns copied out of the document: name -> function of the document.
    columns: dict[str, Callable[[dict], Any]] = field(default_factory=dict)
    geo: bool = False
    # Dotted paths of arrays of objects, so that a filter on "connections.id" can
    # look inside each element as MongoDB does.
    arrays: frozenset[str] = frozenset()

    @property
    def column_names(self) -> list[str]:
        names = ["lat", "lng"] if self.geo else []
        return names + list(self.columns)

    def row(self, doc: dict) -> tuple:
        values: list[Any] = [doc["id"]]
        if self.geo:
            values += [doc.get("lat"), doc.get("lng")]
        values += [fn(doc) for fn in self.columns.values()]
        values.append(json.dumps(doc, separators=(",", ":"), ensure_ascii=False))
        return tuple(values)


def _get(key: str) -> Callable[[dict], Any]:
    return lambda doc: doc.get(key)


COLLECTIONS: dict[str, Collection] = {
    c.route: c
    for c in [
        Collection("projects", "projects"),
        Collection("box-types", "box_types"),
        Collection("splitter-types", "splitter_types"),
        Collection("cable-types", "cable_types"),
        Collection("pole-types", "pole_types"),
        Collection("olt-types", "olt_types"),
        Collection("poles", "poles", geo=True),
        Collection("boxes", "boxes", geo=True),
        Collection(
            "splitters",
            "splitters",
            columns={
                "parent": _get("parent"),
                "isDrop": lambda d: 1 if d.get("isDrop") is True else 0,
                "_free": lambda d: _free_counts(d)[0],
                "_free_blocked": lambda d: _free_counts(d)[1],
            },
            arrays=frozenset({"ports"}),
        ),
        Collection("ftth-clients", "ftth_clients", columns={"code": _get("code")}),
        Collection(
            "properties",
            "properties",
            columns={"box": _get("box"), "client": _get("client")},
            geo=True,
            arrays=frozenset({"connections", "history.clients"}),
        ),
        Collection(
            "cables",
            "cables",
            columns={"boxA": _get("boxA"), "boxB": _get("boxB")},
            arrays=frozenset({"poles"}),
        ),
        Collection("fibers", "fibers", columns={"parent": _get("parent")}),
        Collection("olts", "olts", columns={"parent": _get("parent")}),
        Collection("slots", "slots", columns={"parent": _get("parent")}),
        Collection("pons", "pons", columns={"parent": _get("parent")}),
    ]
}


class FilterError(ValueError):
    """A filter, sort or select the simulator cannot read; answered with 400."""


def _sql_distance(lat: Any, lng: Any, qlat: float, qlng: float) -> float | None:
    if lat is None or lng is None:
        return None
    return geo.distance_m(lat, lng, qlat, qlng)


@functools.lru_cache(maxsize=64)
def _rings(text: str) -> list:
    return json.loads(text)


def _sql_in_polygon(lat: Any, lng: Any, rings: str) -> int:
    if lat is None or lng is None:
        return 0
    return 1 if geo.point_in_polygon(lat, lng, _rings(rings)) else 0


def _sql_fold(text: Any) -> Any:
    return text.casefold() if isinstance(text, str) else text


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Store:
    """The simulator's documents. Every method takes the lock; callers that need several
    steps to be atomic wrap them in `write()`."""

    def __init__(self, path: str = ":memory:", bulk: bool = False) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.create_function("sim_distance", 4, _sql_distance, deterministic=True)
        self.conn.create_function("sim_in_polygon", 3, _sql_in_polygon)
        self.conn.create_function("sim_fold", 1, _sql_fold, deterministic=True)
        if bulk:
            # Generation writes a fresh file in one go: a crash only loses that file.
            self.conn.execute("PRAGMA journal_mode=OFF")
            self.conn.execute("PRAGMA synchronous=OFF")
        elif path != ":memory:":
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
        self.create_schema(indexes=not bulk)

    # -- schema and bulk loading -------------------------------------------------

    def create_schema(self, indexes: bool = True) -> None:
        with self.lock:
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)"
            )
            for coll in COLLECTIONS.values():
                cols = "".join(f", {_q(c)}" for c in coll.column_names)
                self.conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {coll.table} "
                    f"(id TEXT NOT NULL UNIQUE{cols}, doc TEXT NOT NULL)"
                )
            if indexes:
                self.create_indexes()

    def create_indexes(self) -> None:
        with self.lock:
            for coll in COLLECTIONS.values():
                if coll.geo:
                    self.conn.execute(
                        f"CREATE INDEX IF NOT EXISTS {coll.table}_geo "
                        f"ON {coll.table} (lat, lng)"
                    )
                for name in coll.columns:
                    if name.startswith("_") or name == "isDrop":
                        continue
                    self.conn.execute(
                        f"CREATE INDEX IF NOT EXISTS {coll.table}_{name} "
                        f"ON {coll.table} ({_q(name)})"
                    )

    def bulk_insert(self, route: str, docs: Iterable[dict]) -> None:
        coll = COLLECTIONS[route]
        names = ["id", *coll.column_names, "doc"]
        sql = (
            f"INSERT INTO {coll.table} ({', '.join(_q(n) for n in names)}) "
            f"VALUES ({', '.join('?' * len(names))})"
        )
        with self.lock:
            self.conn.executemany(sql, (coll.row(d) for d in docs))

    def clear(self) -> None:
        with self.write():
            for coll in COLLECTIONS.values():
                self.conn.execute(f"DELETE FROM {coll.table}")
            self.conn.execute("DELETE FROM meta")

    def load_file(self, path: str) -> None:
        """Replaces the whole content with that of another SQLite file."""
        with self.lock:
            source = sqlite3.connect(path)
            try:
                source.backup(self.conn)
            finally:
                source.close()

    def save_file(self, path: str) -> None:
        with self.lock:
            target = sqlite3.connect(path)
            try:
                self.conn.backup(target)
            finally:
                target.close()

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    # -- meta --------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.lock:
            row = self.conn.execute(
                "SELECT value FROM meta WHERE key = ?", (key,)
            ).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- transactions ------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[None]:
        """Holds the lock for a group of reads and writes that commit together."""
        with self.lock:
            if self.conn.in_transaction:
                yield
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    # -- single documents --------------------------------------------------------

    def get(self, route: str, doc_id: str) -> dict | None:
        raw = self.get_raw(route, doc_id)
        return json.loads(raw) if raw is not None else None

    def get_raw(self, route: str, doc_id: str) -> str | None:
        coll = COLLECTIONS[route]
        with self.lock:
            row = self.conn.execute(
                f"SELECT doc FROM {coll.table} WHERE id = ?", (doc_id,)
            ).fetchone()
        return row[0] if row else None

    def get_many(self, route: str, ids: Iterable[str]) -> dict[str, dict]:
        coll = COLLECTIONS[route]
        wanted = json.dumps(sorted(set(ids)))
        with self.lock:
            rows = self.conn.execute(
                f"SELECT id, doc FROM {coll.table} "
                "WHERE id IN (SELECT value FROM json_each(?))",
                (wanted,),
            ).fetchall()
        return {row[0]: json.loads(row[1]) for row in rows}

    def put(self, route: str, doc: dict) -> None:
        coll = COLLECTIONS[route]
        names = ["id", *coll.column_names, "doc"]
        updates = ", ".join(f"{_q(n)} = excluded.{_q(n)}" for n in names[1:])
        with self.lock:
            self.conn.execute(
                f"INSERT INTO {coll.table} ({', '.join(_q(n) for n in names)}) "
                f"VALUES ({', '.join('?' * len(names))}) "
                f"ON CONFLICT(id) DO UPDATE SET {updates}",
                coll.row(doc),
            )

    def delete(self, route: str, doc_id: str) -> bool:
        coll = COLLECTIONS[route]
        with self.lock:
            cur = self.conn.execute(f"DELETE FROM {coll.table} WHERE id = ?", (doc_id,))
        return cur.rowcount > 0

    def find(
        self,
        route: str,
        where: str = "1",
        params: Iterable[Any] = (),
        limit: int = -1,
    ) -> list:
        """Documents matching a raw SQL condition on the table's columns, by id."""
        coll = COLLECTIONS[route]
        with self.lock:
            rows = self.conn.execute(
                f"SELECT doc FROM {coll.table} WHERE {where} ORDER BY id LIMIT ?",
                (*params, limit),
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def count(self, route: str, where: str = "1", params: Iterable[Any] = ()) -> int:
        coll = COLLECTIONS[route]
        with self.lock:
            return self.conn.execute(
                f"SELECT count(*) FROM {coll.table} WHERE {where}", tuple(params)
            ).fetchone()[0]

    def execute(self, sql: str, params: Iterable[Any] = ()) -> list:
        with self.lock:
            return self.conn.execute(sql, tuple(params)).fetchall()

    # -- list queries ------------------------------------------------------------

    def query(
        self,
        route: str,
        filters: Any = None,
        sort: Any = None,
        offset: int = 0,
        limit: int = 25,
    ) -> tuple[int, list[str]]:
        """(total, page of raw JSON documents) for an OZmap filter and sort."""
        coll = COLLECTIONS[route]
        where, params, near = compile_filter(coll, filters, self._project_area)
        order, order_params = compile_sort(coll, sort, near)
        with self.lock:
            total = self.conn.execute(
                f"SELECT count(*) FROM {coll.table} WHERE {where}", params
            ).fetchone()[0]
            rows = self.conn.execute(
                f"SELECT doc FROM {coll.table} WHERE {where} ORDER BY {order} "
                "LIMIT ? OFFSET ?",
                [*params, *order_params, limit, offset],
            ).fetchall()
        return total, [r[0] for r in rows]

    def _project_area(self, project_id: str) -> list:
        doc = self.get("projects", project_id)
        if doc is None:
            raise FilterError(f"unknown project {project_id!r} in a within filter")
        return doc["area"]["coordinates"]


# -- filter compilation ----------------------------------------------------------

_OPERATORS = {
    "=",
    "eq",
    "!=",
    "ne",
    "in",
    "notin",
    "like",
    "exists",
    "all",
    "<",
    "<=",
    ">",
    ">=",
    "near",
    "within",
}


@dataclass
class _Near:
    lat: float
    lng: float
    radius: float | None


def _flatten(filters: Any, depth: int = 0) -> list[dict]:
    if filters is None:
        return []
    if isinstance(filters, dict):
        return [filters]
    if not isinstance(filters, list):
        raise FilterError("filter must be a JSON array of conditions")
    if depth > 16:
        raise FilterError("filter arrays nest too deep")
    out: list[dict] = []
    for item in filters:
        # Nested arrays group conditions; the simulator reads every group as AND.
        out.extend(_flatten(item, depth + 1))
    return out


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise FilterError(f"{what} must be a number")
    try:
        number = float(value)
    except ValueError:
        raise FilterError(f"{what} must be a number") from None
    if not math.isfinite(number):
        raise FilterError(f"{what} must be finite")
    return number


def parse_point(value: Any) -> tuple[float, float]:
    """(lat, lng) from any of the point forms the SDK accepts."""
    if not isinstance(value, dict):
        raise FilterError("a point must be an object")
    if "lat" in value and "lng" in value:
        lat, lng = value["lat"], value["lng"]
    elif "latitude" in value and "longitude" in value:
        lat, lng = value["latitude"], value["longitude"]
    elif isinstance(value.get("coords"), list) and len(value["coords"]) == 2:
        lng, lat = value["coords"]
    elif isinstance(value.get("coordinates"), list) and len(value["coordinates"]) == 2:
        lng, lat = value["coordinates"]
    else:
        raise FilterError("a point needs lat and lng")
    lat, lng = _number(lat, "lat"), _number(lng, "lng")
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise FilterError("point out of range")
    return lat, lng


class _Target:
    """Where a filter property lives: a copied column or a JSON path."""

    def __init__(self, coll: Collection, prop: Any) -> None:
        if not isinstance(prop, str) or not prop:
            raise FilterError("condition property must be a non-empty string")
        if prop == "_id":
            prop = "id"
        parts = prop.split(".")
        for part in parts:
            if not part or not all(ch.isalnum() or ch in "_-" for ch in part):
                raise FilterError(f"unsupported property path {prop!r}")
        self.prop = prop
        self.column: str | None = None
        if prop == "id" or (
            prop in coll.columns and not prop.startswith("_") and prop != "isDrop"
        ):
            self.column = prop
        self.array_prefix: str | None = None
        for i in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:i])
            if prefix in coll.arrays:
                self.array_prefix = prefix
                self.rest = ".".join(parts[i:])
                break

    def exists_value(self, pred: str, params: list) -> tuple[str, list]:
        """SQL true when some value at the path (an array's elements count) matches."""
        if self.array_prefix is not None:
            return (
                "EXISTS (SELECT 1 FROM json_each(doc, ?) AS a, "
                f"json_each(a.value, ?) AS v WHERE {pred})",
                [f"$.{self.array_prefix}", f"$.{self.rest}", *params],
            )
        return (
            f"EXISTS (SELECT 1 FROM json_each(doc, ?) AS v WHERE {pred})",
            [f"$.{self.prop}", *params],
        )

    def present(self) -> tuple[str, list]:
        if self.array_prefix is not None:
            return self.exists_value("1", [])
        return "json_type(doc, ?) IS NOT NULL", [f"$.{self.prop}"]


def _value_pred(value: Any) -> tuple[str, list]:
    if value is None:
        return "v.type = 'null'", []
    if value is True:
        return "v.type = 'true'", []
    if value is False:
        return "v.type = 'false'", []
    if isinstance(value, (int, float)):
        return "v.type IN ('integer', 'real') AND v.value = ?", [value]
    if isinstance(value, str):
        return "v.type = 'text' AND v.value = ?", [value]
    raise FilterError("condition value must be a string, number, boolean or null")


def _in_pred(values: list) -> tuple[str, list]:
    strings = [v for v in values if isinstance(v, str)]
    others = [v for v in values if not isinstance(v, str)]
    parts: list[str] = []
    params: list = []
    if strings:
        parts.append(
            "(v.type = 'text' AND v.value IN (SELECT value FROM json_each(?)))"
        )
        params.append(json.dumps(strings))
    for value in others:
        sql, p = _value_pred(value)
        parts.append(f"({sql})")
        params += p
    return ("(" + " OR ".join(parts) + ")") if parts else "0", params


def _column_eq(col: str, value: Any) -> tuple[str, list]:
    if value is None:
        return f"{_q(col)} IS NULL", []
    if isinstance(value, (bool, dict, list)):
        raise FilterError(f"{col} takes a string value")
    return f"{_q(col)} = ?", [value]


def _compile_condition(
    coll: Collection, cond: Any, area: Callable[[str], list]
) -> tuple[str, list, _Near | None]:
    if not isinstance(cond, dict):
        raise FilterError("each condition must be an object")
    op = cond.get("operator", "=")
    if op not in _OPERATORS:
        raise FilterError(f"unsupported operator {op!r}")
    value = cond.get("value")
    target = _Target(coll, cond.get("property"))

    if op in ("near", "within"):
        if not coll.geo or target.prop not in ("coords", "location"):
            raise FilterError(f"{op} works on coords of a located collection only")
        if op == "near":
            lat, lng = parse_point(value)
            radius = value.get("radius") if isinstance(value, dict) else None
            if radius is None:
                return "lat IS NOT NULL", [], _Near(lat, lng, None)
            radius = _number(radius, "radius")
            if radius < 0:
                raise FilterError("radius must not be negative")
            min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, radius)
            return (
                "lat BETWEEN ? AND ? AND lng BETWEEN ? AND ? "
                "AND sim_distance(lat, lng, ?, ?) <= ?",
                [min_lat, max_lat, min_lng, max_lng, lat, lng, radius],
                _Near(lat, lng, radius),
            )
        rings = _within_rings(value, area)
        lngs = [p[0] for ring in rings for p in ring]
        lats = [p[1] for ring in rings for p in ring]
        return (
            "lat BETWEEN ? AND ? AND lng BETWEEN ? AND ? "
            "AND sim_in_polygon(lat, lng, ?)",
            [min(lats), max(lats), min(lngs), max(lngs), json.dumps(rings)],
            None,
        )

    if op in ("=", "eq", "!=", "ne"):
        if target.column is not None:
            sql, params = _column_eq(target.column, value)
        else:
            pred, p = _value_pred(value)
            sql, params = target.exists_value(pred, p)
            if value is None and target.array_prefix is None:
                sql = f"(json_type(doc, ?) IS NULL OR {sql})"
                params = [f"$.{target.prop}", *params]
        if op in ("!=", "ne"):
            sql = f"NOT ({sql})"
        return sql, params, None

    if op in ("in", "notin", "all"):
        if not isinstance(value, list):
            raise FilterError(f"{op} takes an array value")
        if op == "all":
            parts, params = [], []
            for item in value:
                pred, p = _value_pred(item)
                s, p2 = target.exists_value(pred, p)
                parts.append(s)
                params += p2
            return ("(" + " AND ".join(parts) + ")") if parts else "1", params, None
        if target.column is not None:
            strings = [v for v in value if isinstance(v, str)]
            if len(strings) + value.count(None) != len(value):
                raise FilterError(f"{target.column} takes string values")
            sql = f"{_q(target.column)} IN (SELECT value FROM json_each(?))"
            params = [json.dumps(strings)]
            if None in value:
                sql = f"({sql} OR {_q(target.column)} IS NULL)"
        else:
            pred, p = _in_pred(value)
            sql, params = target.exists_value(pred, p)
            if None in value and target.array_prefix is None:
                sql = f"(json_type(doc, ?) IS NULL OR {sql})"
                params = [f"$.{target.prop}", *params]
        if op == "notin":
            sql = f"NOT ({sql})"
        return sql, params, None

    if op == "like":
        # NOTE: a case-insensitive substring match; surrounding "%" are dropped so
        # that SQL-style patterns mean the same.
        if not isinstance(value, str):
            raise FilterError("like takes a string value")
        needle = value.strip("%").casefold()
        if target.column is not None:
            return f"instr(sim_fold({_q(target.column)}), ?) > 0", [needle], None
        sql, params = target.exists_value(
            "v.type = 'text' AND instr(sim_fold(v.value), ?) > 0", [needle]
        )
        return sql, params, None

    if op == "exists":
        sql, params = target.present()
        if not value:
            sql = f"NOT ({sql})"
        return sql, params, None

    # <, <=, >, >=
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise FilterError(f"{op} takes a number or a string")
    kind = "'text'" if isinstance(value, str) else "'integer', 'real'"
    if target.column is not None:
        col = _q(target.column)
        return f"{col} {op} ?", [value], None
    sql, params = target.exists_value(f"v.type IN ({kind}) AND v.value {op} ?", [value])
    return sql, params, None


def _within_rings(value: Any, area: Callable[[str], list]) -> list:
    if isinstance(value, dict) and value.get("type") == "Polygon":
        rings = value.get("coordinates")
    elif isinstance(value, dict) and "id" in value:
        if value.get("model", "project") != "project":
            raise FilterError("within by id supports model 'project' only")
        rings = area(str(value["id"]))
    else:
        raise FilterError("within takes a GeoJSON Polygon or {id, model}")
    ok = (
        isinstance(rings, list)
        and rings
        and all(
            isinstance(ring, list)
            and len(ring) >= 3
            and all(
                isinstance(p, list)
                and len(p) >= 2
                and all(
                    isinstance(c, (int, float)) and not isinstance(c, bool)
                    for c in p[:2]
                )
                for p in ring
            )
            for ring in rings
        )
    )
    if not ok:
        raise FilterError("polygon coordinates must be rings of [lng, lat] pairs")
    return [[[float(p[0]), float(p[1])] for p in ring] for ring in rings]


def compile_filter(
    coll: Collection, filters: Any, area: Callable[[str], list] | None = None
) -> tuple[str, list, _Near | None]:
    """(SQL condition, parameters, near point) for an OZmap filter array."""

    def no_area(_: str) -> list:
        raise FilterError("within by id is not available here")

    conditions = _flatten(filters)
    parts: list[str] = []
    params: list = []
    near: _Near | None = None
    for cond in conditions:
        sql, p, n = _compile_condition(coll, cond, area or no_area)
        if n is not None:
            if near is not None:
                raise FilterError("only one near condition is allowed")
            near = n
        parts.append(f"({sql})")
        params += p
    return (" AND ".join(parts) or "1"), params, near


def compile_sort(coll: Collection, sort: Any, near: _Near | None) -> tuple[str, list]:
    """(ORDER BY clause, parameters); rows are always finally ordered by id."""
    keys: list[tuple[str, int]] = []
    if sort is None or (isinstance(sort, (list, str)) and not sort):
        pass
    elif isinstance(sort, str):
        for name in sort.replace(",", " ").split():
            keys.append((name.lstrip("-+"), -1 if name.startswith("-") else 1))
    elif isinstance(sort, dict) and "property" not in sort:
        keys = [(k, v) for k, v in sort.items()]
    else:
        items = [sort] if isinstance(sort, dict) else sort
        if not isinstance(items, list):
            raise FilterError("sort must be an array of {property, direction}")
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("property"), str):
                raise FilterError("sort items need a property")
            keys.append((item["property"], item.get("direction", 1)))

    parts: list[str] = []
    params: list = []
    if not keys and near is not None:
        parts.append("sim_distance(lat, lng, ?, ?)")
        params += [near.lat, near.lng]
    for prop, direction in keys:
        if direction in (1, "1", "asc", "ascending"):
            sql_dir = "ASC"
        elif direction in (-1, "-1", "desc", "descending"):
            sql_dir = "DESC"
        else:
            raise FilterError("sort direction must be 1 or -1")
        target = _Target(coll, prop)
        if target.column is not None:
            parts.append(f"{_q(target.column)} {sql_dir}")
        else:
            parts.append(f"json_extract(doc, ?) {sql_dir}")
            params.append(f"$.{prop}")
    parts.append("id ASC")
    return ", ".join(parts), params
