"""The generated network: its invariants, its determinism and its cache."""

import hashlib
import re
import time
from collections import Counter

import pytest

from ozmap_simulator import documents as D
from ozmap_simulator import geo
from ozmap_simulator.generator import CENTER, cached_network, generate
from ozmap_simulator.store import COLLECTIONS, Store

HEX24 = re.compile(r"^[0-9a-f]{24}$")


@pytest.fixture(scope="module")
def small_store(cache_dir):
    store = Store(":memory:")
    store.load_file(str(cached_network("small", 1, cache_dir)))
    yield store
    store.close()


def _digest(path) -> str:
    store = Store(str(path))
    digest = hashlib.sha256()
    for route in sorted(COLLECTIONS):
        for (doc,) in store.execute(
            f"SELECT doc FROM {COLLECTIONS[route].table} ORDER BY id"
        ):
            digest.update(doc.encode())
    store.close()
    return digest.hexdigest()


def test_same_seed_same_network_other_seed_other_network(tmp_path, cache_dir):
    generate("small", 1, tmp_path / "a.sqlite")
    generate("small", 2, tmp_path / "b.sqlite")
    cached = cached_network("small", 1, cache_dir)

    assert _digest(tmp_path / "a.sqlite") == _digest(cached)
    assert _digest(tmp_path / "a.sqlite") != _digest(tmp_path / "b.sqlite")


def test_cache_is_reused(cache_dir):
    path = cached_network("small", 1, cache_dir)
    stamp = path.stat().st_mtime_ns

    started = time.perf_counter()
    again = cached_network("small", 1, cache_dir)

    assert again == path
    assert path.stat().st_mtime_ns == stamp
    assert time.perf_counter() - started < 0.5
    with pytest.raises(ValueError):
        cached_network("huge", 1, cache_dir)


def test_ids_are_object_ids_and_unique(small_store):
    seen = set()
    for route in COLLECTIONS:
        for doc in small_store.find(route):
            assert HEX24.match(doc["id"]), (route, doc["id"])
            seen.add(doc["id"])
            for port in doc.get("ports", []):
                assert HEX24.match(port["id"])
                seen.add(port["id"])
    total = sum(small_store.count(r) for r in COLLECTIONS)
    ports = sum(len(s["ports"]) for s in small_store.find("splitters"))
    assert len(seen) == total + ports


def test_city_sized_around_florianopolis(small_store):
    boxes = small_store.find("boxes")
    assert 950 <= len(boxes) <= 1100
    far = max(geo.distance_m(CENTER[0], CENTER[1], b["lat"], b["lng"]) for b in boxes)
    assert far < 15_000
    for box in boxes[:50]:
        assert box["coords"] == [box["lng"], box["lat"]]
    project = small_store.find("projects")
    assert len(project) == 1
    assert all(b["project"] == project[0]["id"] for b in boxes)


def test_every_reference_resolves(small_store):
    s = small_store
    boxes = {b["id"]: b for b in s.find("boxes")}
    splitters = {x["id"]: x for x in s.find("splitters")}
    fibers = {f["id"]: f for f in s.find("fibers")}
    cables = {c["id"]: c for c in s.find("cables")}
    clients = {c["id"]: c for c in s.find("ftth-clients")}
    props = s.find("properties")
    types = {t["id"] for t in s.find("splitter-types")}

    for spl in splitters.values():
        assert spl["parent"] in boxes and spl["splitterType"] in types
        for fiber_id in spl["connectables"]["output"]:
            if fiber_id is not None:
                assert fibers[fiber_id]["connectors"] == [spl["id"]]
    for prop in props:
        assert prop["box"] in boxes
        client = clients[prop["client"]]
        assert prop["history"]["clients"][0]["code"] == client["code"]
        drop = cables[prop["drop"]]
        assert drop["kind"] == "Drop"
        assert (drop["boxA"], drop["boxB"]) == (prop["box"], prop["id"])
        assert drop["id"] in boxes[prop["box"]]["cables"]
        conn = prop["connections"][0]
        spl = splitters[conn["id"]]
        assert spl["parent"] == prop["box"] and spl["isDrop"] is True
        assert spl["connectables"]["output"][conn["port"] - 1] == conn["fiber"]
        assert fibers[conn["fiber"]]["parent"] == drop["id"]
    codes = Counter(c["code"] for c in clients.values())
    assert codes.most_common(1)[0][1] == 1
    drops = [c for c in cables.values() if c["kind"] == "Drop"]
    assert len(props) == len(clients) == len(drops)
    for spl in splitters.values():
        (feeder,) = spl["connectables"]["input"]
        if "olt" in spl:
            fiber = fibers[feeder]
            assert fiber["connectors"] == [spl["id"]]
            cable = cables[fiber["parent"]]
            assert cable["kind"] == "Cable" and cable["boxB"] == spl["parent"]
            assert boxes[cable["boxA"]]["hierarchyLevel"] == 1
        else:
            assert feeder is None


def test_olt_chain_feeds_service_splitters(small_store):
    s = small_store
    olts = {o["id"]: o for o in s.find("olts")}
    slots = {x["id"]: x for x in s.find("slots")}
    pons = {p["id"]: p for p in s.find("pons")}
    live_service = unfed = 0
    for spl in s.find("splitters"):
        box = s.get("boxes", spl["parent"])
        if "olt" in spl:
            assert spl["isDrop"] is True and box["draft"] is False
            assert slots[spl["slot"]]["parent"] == spl["olt"]
            assert pons[spl["pon"]]["parent"] == spl["slot"]
            assert spl["slot"] in olts[spl["olt"]]["connectables"]
            assert spl["pon"] in slots[spl["slot"]]["connectables"]
        elif spl["isDrop"] and not box["draft"]:
            unfed += 1
        if spl["isDrop"] and not box["draft"]:
            live_service += 1
    # A few live service splitters are left without an OLT chain on purpose.
    assert 0 < unfed <= 0.06 * live_service
    for olt in olts.values():
        assert s.get("boxes", olt["parent"])["hierarchyLevel"] == 1


def test_shares_of_drafts_full_blocked_and_occupancy(small_store):
    s = small_store
    ctos = [b for b in s.find("boxes") if b["hierarchyLevel"] == 3]
    by_box: dict[str, list[dict]] = {}
    for spl in s.find("splitters"):
        by_box.setdefault(spl["parent"], []).append(spl)
    drafts = full = blocked = 0
    ports = used = 0
    sizes = Counter()
    for box in ctos:
        service = [x for x in by_box.get(box["id"], []) if x["isDrop"]]
        sizes.update(len(x["connectables"]["output"]) for x in service)
        if box["draft"]:
            drafts += 1
            continue
        outputs = [o for x in service for o in x["connectables"]["output"]]
        ports += len(outputs)
        used += sum(o is not None for o in outputs)
        if service and all(o is not None for o in outputs):
            full += 1
        if any(p["blocked"] for x in service for p in x["ports"]):
            blocked += 1
    n = len(ctos)
    assert 0.03 <= drafts / n <= 0.08
    assert 0.07 <= full / n <= 0.14
    assert 0.01 <= blocked / n <= 0.04
    assert 0.52 <= used / ports <= 0.68
    assert set(sizes) == {8, 16}
    assert any(not x["isDrop"] for x in s.find("splitters"))


def test_generated_boxes_exercise_the_port_rules(small_store):
    s = small_store
    names = Counter()
    short_ports = 0
    for spl in s.find("splitters", '"isDrop" = 1'):
        names[spl["name"]] += 1
        if len(spl["ports"]) < len(spl["connectables"]["output"]):
            short_ports += 1
    assert names["Splitter 10"] > 0 and names["Splitter 2"] > names["Splitter 10"]
    assert short_ports > 0
    # At least one box where every free port is blocked.
    blocked_only = [
        b
        for b in s.find("boxes")
        if (spls := s.find("splitters", '"parent" = ? AND "isDrop" = 1', [b["id"]]))
        and not any(D.free_ports(x) for x in spls)
        and any(o is None for x in spls for o in x["connectables"]["output"])
        and not b["draft"]
    ]
    assert blocked_only


@pytest.mark.slow
def test_medium_network_size(medium):
    store = medium.store
    assert 19_000 <= store.count("boxes") <= 21_000
    assert 24_000 <= store.count("splitters") <= 28_000
    assert store.count("properties") > 100_000
