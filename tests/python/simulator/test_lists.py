"""List envelopes, pagination, select, sort and every filter operator."""

import json
import urllib.parse

import pytest

from ozmap_simulator import geo

READABLE = [
    "projects",
    "box-types",
    "splitter-types",
    "cable-types",
    "pole-types",
    "olt-types",
    "poles",
    "boxes",
    "splitters",
    "ftth-clients",
    "properties",
    "cables",
    "fibers",
    "olts",
    "slots",
    "pons",
]


@pytest.mark.parametrize("route", READABLE)
def test_every_collection_lists_and_gets_by_id(api, small, route):
    status, page = api.get(route, limit=2)

    assert status == 200
    assert list(page) == ["total", "count", "start", "limit", "rows", "hasNextPage"] + (
        ["nextUrl"] if page["hasNextPage"] else []
    )
    assert page["total"] == small.store.count(route)
    assert page["count"] == len(page["rows"]) == min(2, page["total"])
    assert page["total"] > 0
    first = page["rows"][0]
    assert len(first["id"]) == 24 and int(first["id"], 16) >= 0

    status, doc = api.get(f"{route}/{first['id']}")
    assert status == 200 and doc["id"] == first["id"]
    status, body = api.get(f"{route}/{'0' * 24}")
    assert status == 404 and body["message"]


def test_default_limit_cap_and_pages(api, small):
    total = small.store.count("boxes")

    _, page = api.get("boxes")
    assert (page["limit"], page["count"], page["start"]) == (25, 25, 0)
    _, big = api.get("boxes", limit=5000)
    assert big["limit"] == 1000 and big["count"] == min(1000, total)
    _, everything = api.get("boxes", limit=-1)
    assert everything["limit"] == 1000
    _, third = api.get("boxes", page=3, limit=10)
    assert third["start"] == 20
    assert [r["id"] for r in third["rows"]] == [r["id"] for r in big["rows"][20:30]]
    _, past = api.get("boxes", page=10_000, limit=10)
    assert past["rows"] == [] and past["hasNextPage"] is False and "nextUrl" not in past
    assert api.get("boxes", page=0)[0] == 400
    assert api.get("boxes", limit="x")[0] == 400


def test_following_next_url_visits_every_row_once(api, small):
    flt = [{"property": "isDrop", "operator": "=", "value": True}]
    path = "/api/v2/splitters?" + urllib.parse.urlencode(
        {"filter": json.dumps(flt), "limit": 300}, quote_via=urllib.parse.quote
    )
    seen = []
    pages = 0
    while path:
        status, page = api.get(path)
        assert status == 200
        seen += [r["id"] for r in page["rows"]]
        pages += 1
        path = page.get("nextUrl") if page["hasNextPage"] else None
        assert pages < 50

    expected = small.store.count("splitters", '"isDrop" = 1')
    assert len(seen) == len(set(seen)) == expected
    assert seen == sorted(seen)
    assert pages == -(-expected // 300)


def test_legacy_envelope_switch(api, small):
    small.admin.configure(legacy_pagination=True)

    _, page = api.get("boxes", limit=3)

    assert list(page) == ["total", "count", "start", "limit", "rows"]


def test_select_keeps_named_fields_and_ids(api):
    _, page = api.get("boxes", select="name", limit=3)
    assert all(set(r) == {"id", "kind", "lat", "lng", "name"} for r in page["rows"])

    _, page = api.get("ftth-clients", select="code,implanted", limit=3)
    assert all(set(r) == {"id", "kind", "code", "implanted"} for r in page["rows"])

    _, page = api.get("boxes", select="-history -creatorData", limit=1)
    assert "history" not in page["rows"][0] and "name" in page["rows"][0]


def _ids(api, route, flt, **extra):
    status, page = api.get(route, filter=flt, limit=1000, **extra)
    assert status == 200, page
    return [r["id"] for r in page["rows"]], page["total"]


def test_filter_operators(api, small):
    store = small.store
    boxes = store.find("boxes")
    some = [b["id"] for b in boxes[:3]]
    drafts = [b["id"] for b in boxes if b["draft"]]
    assert drafts

    assert (
        _ids(api, "boxes", [{"property": "draft", "operator": "=", "value": True}])[0]
        == drafts
    )
    _, total = _ids(
        api, "boxes", [{"property": "draft", "operator": "!=", "value": True}]
    )
    assert total == len(boxes) - len(drafts)
    assert (
        _ids(api, "boxes", [{"property": "id", "operator": "in", "value": some}])[0]
        == some
    )
    _, total = _ids(
        api, "boxes", [{"property": "id", "operator": "notin", "value": some}]
    )
    assert total == len(boxes) - 3
    pops, _ = _ids(
        api, "boxes", [{"property": "name", "operator": "like", "value": "pop"}]
    )
    assert pops == [b["id"] for b in boxes if "pop" in b["name"].lower()] and pops
    assert (
        _ids(
            api, "boxes", [{"property": "hierarchyLevel", "operator": "<", "value": 2}]
        )[0]
        == pops
    )
    assert (
        _ids(
            api, "boxes", [{"property": "hierarchyLevel", "operator": "<=", "value": 1}]
        )[0]
        == pops
    )
    _, total = _ids(
        api, "boxes", [{"property": "hierarchyLevel", "operator": ">", "value": 1}]
    )
    assert total == len(boxes) - len(pops)
    _, total = _ids(
        api, "boxes", [{"property": "hierarchyLevel", "operator": ">=", "value": 3}]
    )
    assert total == len(boxes) - len(pops)

    fed = store.count("splitters", "json_type(doc, '$.olt') IS NOT NULL")
    _, total = _ids(
        api, "splitters", [{"property": "olt", "operator": "exists", "value": True}]
    )
    assert total == fed
    _, total = _ids(
        api, "splitters", [{"property": "olt", "operator": "exists", "value": False}]
    )
    assert total == store.count("splitters") - fed


def test_filters_on_dotted_paths_arrays_and_nesting(api, small):
    store = small.store
    prop = store.find("properties", limit=1)[0]
    spl_id = prop["connections"][0]["id"]
    client = store.get("ftth-clients", prop["client"])

    found, _ = _ids(
        api,
        "properties",
        [{"property": "connections.id", "operator": "=", "value": spl_id}],
    )
    assert prop["id"] in found
    assert all(
        any(c["id"] == spl_id for c in store.get("properties", p)["connections"])
        for p in found
    )

    assert _ids(
        api, "cables", [{"property": "boxB", "operator": "=", "value": prop["id"]}]
    )[0] == [prop["drop"]]
    implanted = [c for c in store.find("ftth-clients") if c["onu"]["serial_number"]]
    serial = implanted[0]["onu"]["serial_number"]
    assert _ids(
        api,
        "ftth-clients",
        [{"property": "onu.serial_number", "operator": "=", "value": serial}],
    )[0] == [implanted[0]["id"]]
    assert _ids(
        api,
        "ftth-clients",
        [{"property": "code", "operator": "=", "value": client["code"]}],
    )[0] == [client["id"]]

    nested = [
        [{"property": "parent", "operator": "=", "value": prop["box"]}],
        [{"property": "isDrop", "operator": "=", "value": True}],
    ]
    found, _ = _ids(api, "splitters", nested)
    assert found == [
        s["id"]
        for s in store.find("splitters", '"parent" = ?', [prop["box"]])
        if s["isDrop"]
    ]


def test_near_filter_sorts_by_distance_and_honours_radius(api, small):
    lat, lng = -27.5954, -48.5480
    flt = [
        {
            "property": "coords",
            "operator": "near",
            "value": {"lat": lat, "lng": lng, "radius": 400},
        }
    ]
    _, page = api.get("boxes", filter=flt, limit=1000)
    dists = [geo.distance_m(lat, lng, r["lat"], r["lng"]) for r in page["rows"]]

    assert page["total"] == len(dists) > 3
    assert dists == sorted(dists) and max(dists) <= 400
    inside = [
        b
        for b in small.store.find("boxes")
        if geo.distance_m(lat, lng, b["lat"], b["lng"]) <= 400
    ]
    assert len(inside) == page["total"]

    alt = [
        {
            "property": "coords",
            "operator": "near",
            "value": {"coords": [lng, lat], "radius": 400},
        }
    ]
    _, same = api.get("boxes", filter=alt, limit=1000)
    assert [r["id"] for r in same["rows"]] == [r["id"] for r in page["rows"]]
    _, nearest = api.get(
        "poles",
        filter=[
            {
                "property": "coords",
                "operator": "near",
                "value": {"lat": lat, "lng": lng},
            }
        ],
        limit=1,
    )
    assert nearest["count"] == 1


def test_within_polygon_and_project(api, small):
    lat, lng = -27.5954, -48.5480
    d = 0.004
    ring = [
        [lng - d, lat - d],
        [lng + d, lat - d],
        [lng + d, lat + d],
        [lng - d, lat + d],
        [lng - d, lat - d],
    ]
    flt = [
        {
            "property": "coords",
            "operator": "within",
            "value": {"type": "Polygon", "coordinates": [ring]},
        }
    ]
    _, page = api.get("boxes", filter=flt, limit=1000)
    expected = [
        b["id"]
        for b in small.store.find("boxes")
        if abs(b["lat"] - lat) < d and abs(b["lng"] - lng) < d
    ]
    assert [r["id"] for r in page["rows"]] == expected and expected

    project = small.store.find("projects")[0]["id"]
    _, page = api.get(
        "boxes",
        filter=[
            {
                "property": "coords",
                "operator": "within",
                "value": {"id": project, "model": "project"},
            }
        ],
    )
    assert page["total"] == small.store.count("boxes")


def test_sort_both_directions(api):
    sort = [{"property": "name", "direction": -1}]
    _, page = api.get("boxes", sort=sort, limit=50)
    names = [r["name"] for r in page["rows"]]
    assert names == sorted(names, reverse=True)

    _, page = api.get("boxes", sort=[{"property": "name", "direction": 1}], limit=50)
    names = [r["name"] for r in page["rows"]]
    assert names == sorted(names)


def test_filter_in_get_body_is_read_too(api, small):
    box = small.store.find("boxes", limit=1)[0]
    body = json.dumps(
        {"filter": [{"property": "id", "operator": "=", "value": box["id"]}]}
    ).encode()
    status, _, raw = api.raw("GET", "/api/v2/boxes", body)
    assert status == 200 and json.loads(raw)["total"] == 1


@pytest.mark.parametrize(
    "flt",
    [
        "not json",
        json.dumps({"property": "name", "operator": "regex", "value": "x"}),
        json.dumps([{"property": "name", "operator": "in", "value": "x"}]),
        json.dumps([{"property": "coords", "operator": "near", "value": {"lat": 1}}]),
        json.dumps([{"property": "na'me", "operator": "=", "value": "x"}]),
        json.dumps([{"property": "name", "operator": "=", "value": {"a": 1}}]),
        json.dumps(3),
        "[" * 40 + "]" * 40,
    ],
)
def test_bad_filters_answer_400(api, flt):
    path = "/api/v2/boxes?filter=" + urllib.parse.quote(flt)
    status, _, raw = api.raw("GET", path)
    assert status == 400
    assert json.loads(raw)["message"]
