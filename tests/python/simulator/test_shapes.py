"""The simulator's documents have the field names and JSON types of real OZmap ones."""

import json
import os
from pathlib import Path

import pytest


def _fixtures_dir() -> Path:
    env = os.environ.get("OZMAP_SDK_EXAMPLES")
    if env:
        return Path(env)
    # ../shared/fixtures beside the repository, as the project lays it out.
    return (
        Path(__file__).resolve().parents[3].parent
        / "shared"
        / "fixtures"
        / "ozmap-sdk-examples"
    )


FIXTURES = _fixtures_dir()
pytestmark = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason=f"no SDK examples at {FIXTURES}"
)


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _rows(name: str) -> list[dict]:
    data = json.loads((FIXTURES / name).read_text())
    return data.get("rows", [data])


def check_shape(examples: list, ours, where: str = "$") -> None:
    """Every field present in all examples is in ours, with a type some example has.

    A null in ours must be a null some example shows; a field that is null in every
    example may hold anything in ours."""
    if not examples:
        return
    kinds = {_json_type(e) for e in examples}
    got = _json_type(ours)
    if kinds == {"null"}:
        return
    assert got in kinds, f"{where}: {got}, examples have {sorted(kinds)}"
    if got == "object":
        objects = [e for e in examples if isinstance(e, dict)]
        required = set.intersection(*(set(o) for o in objects))
        for key in sorted(required):
            assert key in ours, f"{where}.{key} is missing"
            check_shape([o[key] for o in objects], ours[key], f"{where}.{key}")
    elif got == "array":
        items = [i for e in examples if isinstance(e, list) for i in e]
        for n, item in enumerate(ours):
            check_shape(items, item, f"{where}[{n}]")


def test_the_checker_catches_differences():
    with pytest.raises(AssertionError):
        check_shape([{"a": 1}], {"a": "1"})
    with pytest.raises(AssertionError):
        check_shape([{"a": 1}], {"b": 1})
    with pytest.raises(AssertionError):
        check_shape([{"a": [{"x": True}]}], {"a": [{"x": 0}]})
    with pytest.raises(AssertionError):
        check_shape([{"a": "s"}], {"a": None})
    check_shape([{"a": None}, {"a": "s"}], {"a": None})


def _first(api, route, flt):
    status, page = api.get(route, filter=flt, limit=1)
    assert status == 200 and page["rows"], (route, page)
    return page


def test_box(api):
    page = _first(
        api,
        "boxes",
        [
            {"property": "cables", "operator": "exists", "value": True},
            {"property": "hierarchyLevel", "operator": "=", "value": 3},
        ],
    )
    box = page["rows"][0]
    check_shape(_rows("box-1.json") + _rows("box-2.json"), box)
    _, single = api.get(f"boxes/{box['id']}")
    check_shape(_rows("box-1.json"), single)
    envelope = json.loads((FIXTURES / "box-2.json").read_text())
    check_shape(
        [{k: v for k, v in envelope.items() if k != "rows"}],
        {k: v for k, v in page.items() if k != "rows"},
    )


def test_splitter(api):
    page = _first(
        api,
        "splitters",
        [
            {"property": "isDrop", "operator": "=", "value": True},
            {"property": "olt", "operator": "exists", "value": True},
        ],
    )
    spl = page["rows"][0]
    assert any(x is not None for x in spl["connectables"]["output"])
    check_shape(_rows("splitter-1.json"), spl)
    assert all(set(p) == {"tags", "blocked", "id"} for p in spl["ports"])


def test_property_read_and_created(api, small):
    page = _first(
        api, "properties", [{"property": "drop", "operator": "exists", "value": True}]
    )
    prop = page["rows"][0]
    assert isinstance(prop["client"], dict)
    check_shape(_rows("property-2.json"), prop)
    embedded = [r["client"] for r in _rows("property-2.json") if r["client"]]
    check_shape(embedded, prop["client"])

    box = small.store.get("boxes", prop["box"])
    status, created = api.post(
        "properties",
        {
            "project": box["project"],
            "box": box["id"],
            "lat": box["lat"],
            "lng": box["lng"],
            "address": "Rua Nova, 10",
            "observation": "Imóvel novo",
            "client": {"code": "SHAPE-1", "name": "Fulana"},
        },
    )
    assert status == 201
    check_shape(_rows("property-1.json"), created)


def test_project(api):
    _, page = api.get("projects")
    check_shape(_rows("project-1.json"), page["rows"][0])


def test_pole(api):
    _, page = api.get("poles", limit=1)
    check_shape(_rows("pole-1.json"), page["rows"][0])
