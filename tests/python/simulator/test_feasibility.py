"""Feasibility by radius, computed by the simulator's own rules."""

import statistics
import time

import pytest

from ozmap_simulator import geo


def _feasible(api, lat, lng, radius=None):
    query = {"lat": repr(lat), "lng": repr(lng)}
    if radius is not None:
        query["radius"] = repr(radius)
    status, body = api.get("ftth-viability/radius", **query)
    assert status == 200
    return body


@pytest.fixture
def city(situation, run):
    net = situation.net
    boxes = {}
    boxes["ok"] = net.box(*situation.at(0, 100), name="OK")
    net.splitter(boxes["ok"], outputs=8, occupied=[1, 2], blocked=[3])
    boxes["draft"] = net.box(*situation.at(90, 100), name="Draft", draft=True)
    net.splitter(boxes["draft"])
    boxes["full"] = net.box(*situation.at(180, 120), name="Full")
    net.splitter(boxes["full"], occupied=range(1, 9))
    boxes["blocked"] = net.box(*situation.at(270, 130), name="Blocked")
    net.splitter(boxes["blocked"], occupied=range(1, 7), blocked=[7, 8])
    boxes["nosvc"] = net.box(*situation.at(45, 140), name="No service")
    net.splitter(boxes["nosvc"], is_drop=False)
    boxes["far"] = net.box(*situation.at(0, 400), name="Far")
    net.splitter(boxes["far"])
    sim, api = run(net)
    return situation, sim, api, boxes


def test_viable_and_refused_boxes_with_reasons(city):
    situation, _sim, api, boxes = city

    body = _feasible(api, situation.lat, situation.lng, 200)

    assert body["viable"] is True
    assert [b["id"] for b in body["boxes"]] == [boxes["ok"]]
    ok = body["boxes"][0]
    assert ok["availability"] == 5
    assert ok["distance"] == pytest.approx(100.0, abs=1e-6)
    assert set(ok) >= {
        "distance",
        "name",
        "id",
        "project",
        "lat",
        "lng",
        "implanted",
        "availability",
        "horizontal_condos",
    }
    refused = {b["id"]: b["reason"] for b in body["refused_boxes"]}
    assert refused == {
        boxes["draft"]: "draft",
        boxes["full"]: "full",
        boxes["blocked"]: "blocked",
        boxes["nosvc"]: "no_service_splitter",
        situation.net.pop: "no_service_splitter",
    }
    distances = [b["distance"] for b in body["refused_boxes"]]
    assert distances == sorted(distances)
    assert isinstance(body["properties"], list)


def test_nothing_in_range_is_not_viable(city):
    situation, _, api, _ = city
    lat, lng = situation.at(200, 5_000)

    body = _feasible(api, lat, lng, 100)

    assert body == {"viable": False, "boxes": [], "refused_boxes": [], "properties": []}


def test_radius_is_inclusive_to_the_millimetre(situation, run):
    net = situation.net
    box = net.box(*situation.at(30, 250.0))
    net.splitter(box)
    sim, api = run(net)
    doc = sim.store.get("boxes", box)
    exact = geo.distance_m(situation.lat, situation.lng, doc["lat"], doc["lng"])

    inside = _feasible(api, situation.lat, situation.lng, exact)
    beyond = _feasible(api, situation.lat, situation.lng, exact + 0.001)
    short = _feasible(api, situation.lat, situation.lng, exact - 0.001)

    assert [b["id"] for b in inside["boxes"]] == [box]
    assert [b["id"] for b in beyond["boxes"]] == [box]
    assert short["boxes"] == []


def test_ties_are_ordered_by_id_and_default_radius_applies(situation, run):
    net = situation.net
    lat, lng = situation.at(20, 180)
    ids = []
    for _ in range(3):
        b = net.box(lat, lng)
        net.splitter(b)
        ids.append(b)
    docs = net.documents()
    # Stored in reverse, so that storage order cannot pass for id order.
    docs["boxes"] = docs["boxes"][::-1]
    _sim, api = run(docs, default_radius_m=200)

    body = _feasible(api, situation.lat, situation.lng)

    got = [b["id"] for b in body["boxes"]]
    assert got == sorted(ids)
    assert len({b["distance"] for b in body["boxes"]}) == 1
    assert _feasible(api, situation.lat, situation.lng, 150)["boxes"] == []


def test_reservations_change_availability(city):
    situation, sim, api, boxes = city
    doc = sim.store.get("boxes", boxes["ok"])
    for n in range(5):
        status, _ = api.post(
            "properties",
            {
                "project": doc["project"],
                "box": boxes["ok"],
                "lat": doc["lat"],
                "lng": doc["lng"],
                "client": {"code": f"F{n}"},
                "auto_connect": True,
            },
        )
        assert status == 201

    body = _feasible(api, situation.lat, situation.lng, 200)

    assert body["boxes"] == []
    refused = {b["id"]: b["reason"] for b in body["refused_boxes"]}
    assert refused[boxes["ok"]] == "blocked"


@pytest.mark.parametrize(
    "query",
    [
        {"lng": "-48.5"},
        {"lat": "-27.5"},
        {"lat": "x", "lng": "-48.5"},
        {"lat": "-27.5", "lng": "-48.5", "radius": "0"},
        {"lat": "-27.5", "lng": "-48.5", "radius": "-5"},
        {"lat": "-27.5", "lng": "-48.5", "radius": "nan"},
        {"lat": "95", "lng": "-48.5"},
    ],
)
def test_bad_feasibility_queries(api, query):
    status, body = api.get("ftth-viability/radius", **query)
    assert status == 400
    assert body["message"]


@pytest.mark.slow
def test_feasibility_on_medium_is_fast(medium):
    service = medium.service
    lat0, lng0 = -27.5954, -48.5480
    points = [geo.destination(lat0, lng0, (i * 37) % 360, 200.0 * i) for i in range(60)]
    service.feasibility(lat0, lng0, 250.0)
    timings = []
    found = 0
    for lat, lng in points:
        started = time.perf_counter()
        body = service.feasibility(lat, lng, 250.0)
        timings.append(time.perf_counter() - started)
        found += len(body["boxes"])
    # A few milliseconds is the aim; the bound leaves room for a busy machine.
    assert statistics.median(timings) < 0.02
    assert found > 0
