"""Properties, clients and cables: the port rules and what each write leaves behind."""

import json

import pytest


def _reserve_body(sim, box, code="C-1", **extra):
    box_doc = sim.store.get("boxes", box)
    body = {
        "project": box_doc["project"],
        "box": box,
        "lat": box_doc["lat"] + 0.0003,
        "lng": box_doc["lng"],
        "address": "Rua Teste, 1",
        "client": {"code": code, "name": "Fulano", "implanted": False, "status": 0},
    }
    body.update(extra)
    return body


@pytest.fixture
def one_box(situation, run):
    box = situation.net.box(*situation.at(0, 50), name="CTO A")
    s1 = situation.net.splitter(box, outputs=8, occupied=[1], blocked=[2])
    sim, api = run(situation.net)
    return sim, api, box, s1


def test_auto_connect_takes_first_free_unblocked_port(one_box):
    sim, api, box, s1 = one_box

    status, prop = api.post("properties", _reserve_body(sim, box, auto_connect=True))

    assert status == 201
    assert isinstance(prop["client"], str)
    assert prop["connections"][0]["port"] == 3
    assert prop["connections"][0]["id"] == s1
    assert prop["connections"][0]["kind"] == "Splitter"
    assert prop["connections"][0]["name"] == "Splitter 1"
    spl = sim.store.get("splitters", s1)
    fiber_id = spl["connectables"]["output"][2]
    assert fiber_id == prop["connections"][0]["fiber"]
    fiber = sim.store.get("fibers", fiber_id)
    assert fiber["parent"] == prop["drop"]
    drop = sim.store.get("cables", prop["drop"])
    assert drop["kind"] == "Drop"
    assert (drop["boxA"], drop["boxB"]) == (box, prop["id"])
    assert prop["cables"] == [prop["drop"]]
    assert prop["drop"] in sim.store.get("boxes", box)["cables"]
    client = sim.store.get("ftth-clients", prop["client"])
    assert client["code"] == "C-1"
    assert client["implanted"] is False


def test_connector_and_port_is_honoured(one_box):
    sim, api, box, s1 = one_box

    status, prop = api.post("properties", _reserve_body(sim, box, connector=s1, port=7))

    assert status == 201
    assert prop["connections"][0]["port"] == 7
    assert sim.store.get("splitters", s1)["connectables"]["output"][6] is not None


@pytest.mark.parametrize("port, status", [(1, 409), (2, 409), (9, 400), (0, 400)])
def test_occupied_blocked_and_missing_ports_are_refused(one_box, port, status):
    sim, api, box, s1 = one_box
    before = sim.store.count("properties")

    got, body = api.post("properties", _reserve_body(sim, box, connector=s1, port=port))

    assert got == status
    assert isinstance(body["message"], str) and body["message"]
    assert sim.store.count("properties") == before
    assert sim.store.count("ftth-clients", '"code" = ?', ["C-1"]) == 0


def test_bad_references_and_bodies(one_box):
    sim, api, box, _s1 = one_box
    body = _reserve_body(sim, box, auto_connect=True)

    assert api.post("properties", {**body, "box": "0" * 24})[0] == 404
    assert api.post("properties", {**body, "project": "0" * 24})[0] == 404
    assert (
        api.post(
            "properties",
            {**body, "auto_connect": False, "connector": "f" * 24, "port": 1},
        )[0]
        == 404
    )
    assert api.post("properties", {**body, "lat": "x"})[0] == 400
    no_pos = {k: v for k, v in body.items() if k not in ("lat", "lng")}
    assert api.post("properties", no_pos)[0] == 400
    assert api.post("properties", [1, 2])[0] == 400
    assert api.post("properties", {**body, "client": {"code": "  "}})[0] == 400
    status, _, raw = api.raw("POST", "/api/v2/properties", b"{not json")
    assert status == 400 and json.loads(raw)["message"]
    status, _, raw = api.raw("POST", "/api/v2/properties", b"[" * 100_000)
    assert status == 400 and json.loads(raw)["message"]


def test_full_box_answers_409(situation, run):
    box = situation.net.box(*situation.at(0, 10))
    situation.net.splitter(box, outputs=8, occupied=range(1, 9))
    sim, api = run(situation.net)

    status, body = api.post("properties", _reserve_body(sim, box, auto_connect=True))

    assert status == 409
    assert "free port" in body["message"]


def test_port_past_the_end_of_ports_is_not_blocked(situation, run):
    box = situation.net.box(*situation.at(0, 10))
    spl = situation.net.splitter(box, outputs=8, ports_len=2, occupied=[1], blocked=[2])
    sim, api = run(situation.net)

    status, prop = api.post("properties", _reserve_body(sim, box, auto_connect=True))

    assert status == 201
    assert prop["connections"][0]["port"] == 3
    assert len(sim.store.get("splitters", spl)["ports"]) == 2


def test_auto_connect_follows_natural_name_order(situation, run):
    box = situation.net.box(*situation.at(0, 10))
    s10 = situation.net.splitter(box, name="Splitter 10")
    s2 = situation.net.splitter(box, name="Splitter 2", occupied=range(1, 8))
    situation.net.splitter(box, name="Splitter 1", is_drop=False)
    sim, api = run(situation.net)
    assert s10 < s2

    _, first = api.post(
        "properties", _reserve_body(sim, box, code="A", auto_connect=True)
    )
    _, second = api.post(
        "properties", _reserve_body(sim, box, code="B", auto_connect=True)
    )

    # "Splitter 2" comes before "Splitter 10" though its id is larger; the
    # non-service "Splitter 1" is never used.
    assert (first["connections"][0]["id"], first["connections"][0]["port"]) == (s2, 8)
    assert (second["connections"][0]["id"], second["connections"][0]["port"]) == (
        s10,
        1,
    )


def test_client_code_is_trimmed_and_found_by_encoded_code(one_box):
    sim, api, box, _s1 = one_box
    code = "123|45/6 x"
    status, prop = api.post(
        "properties", _reserve_body(sim, box, code=f"  {code}  ", auto_connect=True)
    )
    assert status == 201

    encoded = "%20%20123%7C45%2F6%20x%20"
    status, _, raw = api.raw("GET", f"/api/v2/properties/client/{encoded}")
    found = json.loads(raw)

    assert status == 200
    assert isinstance(found, list) and len(found) == 1
    assert found[0]["id"] == prop["id"]
    assert found[0]["client"]["code"] == code
    assert found[0]["client"]["kind"] == "ftth"
    assert api.get("properties/client/nope")[1] == []
    assert api.get("properties/client/%20")[0] == 400


def test_duplicate_codes_are_allowed_and_all_listed(one_box):
    sim, api, box, _ = one_box
    for _ in range(2):
        assert (
            api.post(
                "properties", _reserve_body(sim, box, code="DUP", auto_connect=True)
            )[0]
            == 201
        )

    assert len(api.get("properties/client/DUP")[1]) == 2


def test_get_embeds_the_client_and_lists_too(one_box):
    sim, api, box, _ = one_box
    _, prop = api.post("properties", _reserve_body(sim, box, auto_connect=True))

    _, got = api.get(f"properties/{prop['id']}")
    _, listed = api.get(
        "properties", filter=[{"property": "id", "operator": "=", "value": prop["id"]}]
    )

    assert got["client"]["id"] == prop["client"]
    assert listed["rows"][0]["client"]["code"] == "C-1"
    assert api.get("properties/" + "0" * 24)[0] == 404


def test_create_with_existing_client_id_and_without_port(one_box):
    sim, api, box, _ = one_box
    client_id = sim.store.find("ftth-clients")[0]["id"]
    body = _reserve_body(sim, box, client=client_id)

    status, prop = api.post("properties", body)

    assert status == 201
    assert prop["client"] == client_id
    assert prop["connections"] == [] and prop["drop"] is None
    assert api.post("properties", {**body, "client": "0" * 24})[0] == 404


def test_delete_property_frees_port_deletes_client_keeps_drop(one_box):
    sim, api, box, s1 = one_box
    _, prop = api.post("properties", _reserve_body(sim, box, auto_connect=True))

    assert api.delete(f"properties/{prop['id']}") == (204, None)

    assert sim.store.get("properties", prop["id"]) is None
    assert sim.store.get("ftth-clients", prop["client"]) is None
    assert sim.store.get("splitters", s1)["connectables"]["output"][2] is None
    assert sim.store.get("cables", prop["drop"]) is not None
    assert api.delete(f"properties/{prop['id']}")[0] == 404
    _, again = api.post("properties", _reserve_body(sim, box, auto_connect=True))
    assert again["connections"][0]["port"] == 3


def test_delete_property_can_delete_the_drop_too(one_box):
    sim, api, box, _s1 = one_box
    sim.admin.configure(delete_drop_with_property=True)
    _, prop = api.post("properties", _reserve_body(sim, box, auto_connect=True))

    api.delete(f"properties/{prop['id']}")

    assert sim.store.get("cables", prop["drop"]) is None
    assert sim.store.get("fibers", prop["connections"][0]["fiber"]) is None
    assert prop["drop"] not in sim.store.get("boxes", box)["cables"]


def test_patch_moves_to_another_box_atomically(situation, run):
    net = situation.net
    a = net.box(*situation.at(0, 10), name="A")
    sa = net.splitter(a)
    b = net.box(*situation.at(90, 100), name="B")
    sb = net.splitter(b, occupied=[1])
    sim, api = run(net)
    _, prop = api.post("properties", _reserve_body(sim, a, auto_connect=True))
    old_drop, old_fiber = prop["drop"], prop["connections"][0]["fiber"]

    status, _ = api.patch(
        f"properties/{prop['id']}", {"box": b, "connector": sb, "port": 1}
    )
    assert status == 409
    assert sim.store.get("properties", prop["id"])["connections"][0]["id"] == sa

    status, body = api.patch(
        f"properties/{prop['id']}", {"box": b, "connector": sb, "port": 4}
    )
    assert (status, body) == (204, None)

    moved = sim.store.get("properties", prop["id"])
    assert moved["box"] == b
    assert moved["connections"][0]["id"] == sb and moved["connections"][0]["port"] == 4
    assert moved["drop"] != old_drop
    assert sim.store.get("cables", old_drop) is None
    assert sim.store.get("fibers", old_fiber) is None
    assert sim.store.get("splitters", sa)["connectables"]["output"][0] is None
    new_fiber = sim.store.get("splitters", sb)["connectables"]["output"][3]
    assert new_fiber == moved["connections"][0]["fiber"]
    assert sim.store.get("cables", moved["drop"])["boxA"] == b

    # The same request again changes nothing (a retried move).
    assert (
        api.patch(f"properties/{prop['id']}", {"box": b, "connector": sb, "port": 4})[0]
        == 204
    )
    assert sim.store.get("properties", prop["id"])["drop"] == moved["drop"]

    # auto_connect in another box takes that box's first free port.
    assert (
        api.patch(f"properties/{prop['id']}", {"box": a, "auto_connect": True})[0]
        == 204
    )
    back = sim.store.get("properties", prop["id"])
    assert (back["connections"][0]["id"], back["connections"][0]["port"]) == (sa, 1)
    assert sim.store.get("splitters", sb)["connectables"]["output"][3] is None


def test_patch_plain_fields_and_client(one_box):
    sim, api, box, _ = one_box
    _, prop = api.post("properties", _reserve_body(sim, box, auto_connect=True))

    status, _ = api.patch(
        f"properties/{prop['id']}",
        {"address": "Rua Nova, 2", "potencyRead": -19.5, "lat": -27.6, "lng": -48.5},
    )
    assert status == 204
    doc = sim.store.get("properties", prop["id"])
    assert doc["address"] == "Rua Nova, 2" and doc["potencyRead"] == -19.5
    assert doc["coords"] == [-48.5, -27.6] and doc["lat"] == -27.6

    assert api.patch(f"properties/{prop['id']}", {"client": None})[0] == 204
    doc = sim.store.get("properties", prop["id"])
    assert doc["client"] is None
    assert doc["history"]["clients"][0]["exit_date"] is not None
    assert api.patch(f"properties/{prop['id']}", {"potencyRead": "x"})[0] == 400
    assert api.patch("properties/" + "0" * 24, {"address": "x"})[0] == 404


def test_patch_client_then_batch_then_delete(one_box):
    sim, api, box, _ = one_box
    _, prop = api.post("properties", _reserve_body(sim, box, auto_connect=True))
    cid = prop["client"]

    assert api.patch(
        f"ftth-clients/{cid}", {"implanted": True, "onu": {"serial_number": "ZTEG0001"}}
    ) == (204, None)
    doc = sim.store.get("ftth-clients", cid)
    assert doc["implanted"] is True
    assert doc["onu"] == {
        "user_PPPoE": "",
        "serial_number": "ZTEG0001",
        "mac_address": "",
    }
    assert api.patch(f"ftth-clients/{cid}", {"implanted": "yes"})[0] == 400
    assert api.patch(f"ftth-clients/{cid}", {"status": 7})[0] == 400
    assert api.patch("ftth-clients/" + "0" * 24, {"implanted": True})[0] == 404

    batch = {
        "filter": [{"property": "id", "operator": "in", "value": [cid]}],
        "update": {"implanted": False, "status": 1},
    }
    assert api.post("ftth-clients/batch-update", batch) == (204, None)
    doc = sim.store.get("ftth-clients", cid)
    assert (doc["implanted"], doc["status"]) == (False, 1)
    assert (
        api.post("ftth-clients/batch-update", {**batch, "update": {"name": "x"}})[0]
        == 400
    )

    assert api.delete(f"ftth-clients/{cid}") == (204, None)
    assert sim.store.get("ftth-clients", cid) is None
    left = sim.store.get("properties", prop["id"])
    assert left["client"] is None and left["connections"]
    assert api.delete(f"ftth-clients/{cid}")[0] == 404


def test_properties_batch_update(one_box):
    sim, api, box, _ = one_box
    _, prop = api.post("properties", _reserve_body(sim, box, auto_connect=True))
    body = {
        "filter": [{"property": "id", "operator": "=", "value": prop["id"]}],
        "update": {"potencyRead": -21.0},
    }

    assert api.post("properties/batch-update", body)[0] == 204
    assert sim.store.get("properties", prop["id"])["potencyRead"] == -21.0
    assert (
        api.post("properties/batch-update", {**body, "update": {"box": "x"}})[0] == 400
    )


def test_delete_cable_frees_port_and_detaches_property(one_box):
    sim, api, box, s1 = one_box
    occupied = sim.store.get("splitters", s1)["connectables"]["output"][0]
    drop_id = sim.store.get("fibers", occupied)["parent"]
    prop = sim.store.find("properties", '"box" = ?', [box])[0]

    assert api.get(f"cables/{drop_id}")[1]["kind"] == "Drop"
    assert api.delete(f"cables/{drop_id}") == (204, None)

    assert sim.store.get("cables", drop_id) is None
    assert sim.store.get("fibers", occupied) is None
    assert sim.store.get("splitters", s1)["connectables"]["output"][0] is None
    left = sim.store.get("properties", prop["id"])
    assert left["drop"] is None and left["connections"] == [] and left["cables"] == []
    assert drop_id not in sim.store.get("boxes", box)["cables"]
    assert api.delete(f"cables/{drop_id}")[0] == 404


def test_disconnect_drop_fibers_keeps_property_on_box(one_box):
    sim, api, box, s1 = one_box
    fiber_id = sim.store.get("splitters", s1)["connectables"]["output"][0]
    drop_id = sim.store.get("fibers", fiber_id)["parent"]

    assert api.post(f"cables/{drop_id}/fibers/disconnect") == (204, None)

    assert sim.store.get("splitters", s1)["connectables"]["output"][0] is None
    prop = sim.store.find("properties", '"box" = ?', [box])[0]
    assert prop["box"] == box and prop["connections"] == [] and prop["drop"] == drop_id
