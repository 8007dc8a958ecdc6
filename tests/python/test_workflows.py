"""The workflows end to end, against the OZmap simulator."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest

from ozmap_connector import (
    AmbiguousOutcomeError,
    ConflictError,
    HttpStatusError,
    InvalidInputError,
    NotFoundError,
    TransportError,
    geo,
)
from ozmap_simulator import geo as sim_geo

from .conftest import connector_for

LAT, LNG = -27.5954, -48.5480


def taken_ports(sim, splitter_id: str) -> list[int]:
    splitter = sim.store.get("splitters", splitter_id)
    return [
        i + 1 for i, fiber in enumerate(splitter["connectables"]["output"]) if fiber
    ]


def properties_with_code(sim, code: str) -> list[dict]:
    return [
        p
        for p in sim.store.find("properties")
        if (isinstance(p.get("client"), dict) and p["client"].get("code") == code)
        or p.get("client")
        in {c["id"] for c in sim.store.find("ftth-clients") if c.get("code") == code}
    ]


def assert_one_client_per_port(sim) -> None:
    for splitter in sim.store.find("splitters"):
        fibers = [f for f in splitter["connectables"]["output"] if f]
        assert len(fibers) == len(set(fibers)), splitter["name"]
    ports = Counter(
        (c["id"], c["port"])
        for p in sim.store.find("properties")
        for c in p.get("connections") or []
    )
    assert all(n == 1 for n in ports.values()), ports.most_common(3)


# ---------------------------------------------------------------- feasibility


def build_street(net):
    """Boxes east of the centre at known distances, one of each kind of refusal."""
    at = lambda metres: sim_geo.destination(LAT, LNG, 90.0, metres)  # noqa: E731
    boxes = {}
    boxes["near"] = net.box(*at(50), name="CTO near")
    net.splitter(boxes["near"], outputs=8, occupied=[1, 2], blocked=[3])
    net.splitter(boxes["near"], outputs=8, is_drop=False)
    boxes["far"] = net.box(*at(180), name="CTO far")
    net.splitter(boxes["far"], outputs=16, name="Splitter 10")
    net.splitter(boxes["far"], outputs=8, name="Splitter 2", occupied=[1])
    boxes["draft"] = net.box(*at(60), name="CTO draft", draft=True)
    net.splitter(boxes["draft"], outputs=8)
    boxes["full"] = net.box(*at(70), name="CTO full")
    net.splitter(boxes["full"], outputs=2, occupied=[1, 2])
    boxes["blocked"] = net.box(*at(80), name="CTO blocked")
    net.splitter(boxes["blocked"], outputs=2, occupied=[1], blocked=[2])
    boxes["no_service"] = net.box(*at(90), name="CTO feeder")
    net.splitter(boxes["no_service"], outputs=8, is_drop=False)
    boxes["outside"] = net.box(*at(400), name="CTO outside")
    net.splitter(boxes["outside"], outputs=8)
    return boxes


@pytest.mark.parametrize("strategy", ["server", "local"])
def test_feasibility_lists_boxes_nearest_first_with_reasons(net, run_sim, strategy):
    boxes = build_street(net)
    sim = run_sim(net)
    result = connector_for(sim).feasibility(LAT, LNG, 250, strategy=strategy)

    assert result.viable
    assert result.strategy == strategy
    assert [b.name for b in result.boxes] == ["CTO near", "CTO far"]
    near, far = result.boxes
    assert near.distance_m == pytest.approx(50, abs=0.01)
    assert near.free_ports == 5
    assert (near.first_free.port, near.first_free.splitter_name) == (4, "Splitter 1")
    assert far.first_free.splitter_name == "Splitter 2"
    assert far.first_free.port == 2
    assert far.free_ports == 7 + 16

    reasons = {b.id: b.reason for b in result.refused}
    if strategy == "local":
        assert reasons == {
            boxes["draft"]: "draft",
            boxes["full"]: "full",
            boxes["blocked"]: "blocked",
            boxes["no_service"]: "no_service_splitter",
            net.pop: "no_service_splitter",
        }
    assert boxes["outside"] not in reasons
    assert [b.distance_m for b in result.refused] == sorted(
        b.distance_m for b in result.refused
    )


@pytest.mark.parametrize("strategy", ["server", "local"])
def test_feasibility_takes_two_requests(net, run_sim, strategy):
    build_street(net)
    sim = run_sim(net)
    connector = connector_for(sim)
    sim.admin.reset_counters()
    connector.feasibility(LAT, LNG, 250, strategy=strategy)
    assert sim.admin.requests() == 2
    assert connector.requests_sent == 2


def test_auto_falls_back_to_local_when_viability_is_missing(net, run_sim):
    build_street(net)
    sim = run_sim(net)
    sim.admin.set_fault(kind="status", status=404, route="ftth-viability/radius")
    result = connector_for(sim).feasibility(LAT, LNG, 250)
    assert result.strategy == "local"
    assert [b.name for b in result.boxes] == ["CTO near", "CTO far"]


def test_radius_boundary_to_the_millimetre(net, run_sim):
    box_lat, box_lng = sim_geo.destination(LAT, LNG, 45.0, 200.0)
    box = net.box(box_lat, box_lng, name="CTO edge")
    net.splitter(box, outputs=8)
    sim = run_sim(net)
    connector = connector_for(sim)
    d = geo.distance_m(LAT, LNG, box_lat, box_lng)
    for strategy in ("server", "local"):
        inside = connector.feasibility(LAT, LNG, d + 0.001, strategy=strategy)
        outside = connector.feasibility(LAT, LNG, d - 0.001, strategy=strategy)
        assert [b.id for b in inside.boxes] == [box], strategy
        assert outside.boxes == [], strategy


def test_feasibility_refuses_bad_input_before_any_request(small):
    connector = connector_for(small)
    for lat, lng, radius in [
        (95, LNG, 250),
        (LNG, LAT, 250),
        (0, 0, 250),
        (LAT, LNG, 0),
        (LAT, LNG, -5),
        (LAT, LNG, 1e9),
        (float("nan"), LNG, 250),
    ]:
        with pytest.raises(InvalidInputError):
            connector.feasibility(lat, lng, radius)
    assert small.admin.requests() == 0


def identical(a, b) -> bool:
    if [x.id for x in a.boxes] != [x.id for x in b.boxes]:
        return False
    return all(
        x.free_ports == y.free_ports
        and x.first_free.to_dict() == y.first_free.to_dict()
        and abs(x.distance_m - y.distance_m) < 0.01
        for x, y in zip(a.boxes, b.boxes, strict=True)
    )


def test_server_and_local_agree_on_sampled_points(small):
    connector = connector_for(small)
    boxes = small.store.find("boxes")
    rng = random.Random(11)
    viable = 0
    for _ in range(200):
        box = rng.choice(boxes)
        lat, lng = sim_geo.offset(
            box["lat"], box["lng"], rng.uniform(-300, 300), rng.uniform(-300, 300)
        )
        radius = rng.choice([150.0, 250.0, 500.0])
        server = connector.feasibility(lat, lng, radius, strategy="server")
        local = connector.feasibility(lat, lng, radius, strategy="local")
        assert identical(server, local), (lat, lng, radius)
        viable += server.viable
    assert viable > 50


def test_coverage_agrees_with_feasibility(small):
    connector = connector_for(small)
    rng = random.Random(5)
    boxes = small.store.find("boxes")
    points = []
    for n in range(300):
        box = rng.choice(boxes)
        points.append(
            (
                f"p{n}",
                *sim_geo.offset(
                    box["lat"],
                    box["lng"],
                    rng.uniform(-400, 400),
                    rng.uniform(-400, 400),
                ),
            )
        )
    coverage = connector.coverage(points, 250)
    assert len(coverage) == 300
    for (point_id, lat, lng), answer in list(
        zip(points, coverage.answers, strict=True)
    )[:60]:
        single = connector.feasibility(lat, lng, 250, strategy="local")
        assert answer.point_id == point_id
        assert answer.viable == single.viable
        if single.viable:
            assert answer.box_id == single.boxes[0].id
            assert answer.distance_m == pytest.approx(
                single.boxes[0].distance_m, abs=0.01
            )
            assert answer.feasible_boxes == len(single.boxes)


# ---------------------------------------------------------------- reserve


@pytest.mark.parametrize("code", ["123|123", "CLI/2026/42", "Nº 7#B", "São João 1"])
def test_reserve_deploy_connection_cancel_with_awkward_codes(net, run_sim, code):
    box = net.box(*sim_geo.destination(LAT, LNG, 0, 40), name="CTO 1")
    splitter = net.splitter(box, outputs=8, occupied=[1])
    sim = run_sim(net)
    connector = connector_for(sim)

    sim.admin.reset_counters()
    reservation = connector.reserve(
        code, box, LAT, LNG, name="Cliente", address="Rua A"
    )
    assert reservation.created
    assert (reservation.box_id, reservation.splitter_id, reservation.port) == (
        box,
        splitter,
        2,
    )
    assert sim.admin.requests() == 5
    assert taken_ports(sim, splitter) == [1, 2]

    again = connector.reserve(code, box, LAT, LNG)
    assert not again.created
    assert again.property_id == reservation.property_id

    deployed = connector.deploy(
        code, onu_serial="ZTEG1234", pppoe_user="cli", mac="AA:BB"
    )
    assert not deployed.already_implanted
    assert sim.store.get("ftth-clients", reservation.client_id)["implanted"] is True
    assert connector.deploy(code).already_implanted

    data = connector.connection_data(code)
    assert data.port == 2
    assert data.box["name"] == "CTO 1"
    assert data.splitter["id"] == splitter
    assert data.olt["name"] == "OLT 1"
    assert data.pon["name"] == "PON 1"

    report = connector.cancel(code)
    assert report.found
    kinds = [item.split()[0] for item in report.removed]
    assert kinds == ["drop", "property", "client"]
    assert taken_ports(sim, splitter) == [1]
    assert sim.store.get("properties", reservation.property_id) is None
    assert sim.store.get("ftth-clients", reservation.client_id) is None
    assert sim.store.get("cables", reservation.drop_id) is None

    assert not connector.cancel(code).found


def test_reserve_same_code_on_another_box_is_a_conflict(net, run_sim):
    first = net.box(*sim_geo.destination(LAT, LNG, 0, 40), name="CTO A")
    net.splitter(first)
    second = net.box(*sim_geo.destination(LAT, LNG, 180, 40), name="CTO B")
    net.splitter(second)
    sim = run_sim(net)
    connector = connector_for(sim)
    connector.reserve("C-1", first, LAT, LNG)
    with pytest.raises(ConflictError, match=first):
        connector.reserve("C-1", second, LAT, LNG)


def test_reserve_unknown_box_and_full_box(net, run_sim):
    full = net.box(*sim_geo.destination(LAT, LNG, 0, 40), name="CTO full")
    net.splitter(full, outputs=2, occupied=[1, 2])
    sim = run_sim(net)
    connector = connector_for(sim)
    with pytest.raises(NotFoundError):
        connector.reserve("C-2", "0123456789abcdef01234567", LAT, LNG)
    with pytest.raises(ConflictError, match="no free port"):
        connector.reserve("C-2", full, LAT, LNG)
    assert properties_with_code(sim, "C-2") == []


def test_swapped_coordinates_are_named(small):
    with pytest.raises(InvalidInputError, match=r"\[lng, lat\]"):
        connector_for(small).feasibility(LNG, LAT, 250)


def test_reserve_validates_before_any_request(small):
    connector = connector_for(small)
    for code, box, lat, lng in [
        ("", "b", LAT, LNG),
        ("  ", "b", LAT, LNG),
        ("C", "", LAT, LNG),
        ("C", "b", 91, LNG),
        ("C", "b", LNG, LAT),
    ]:
        with pytest.raises(InvalidInputError):
            connector.reserve(code, box, lat, lng)
    assert small.admin.requests() == 0


def test_threads_racing_for_the_last_ports_never_share_one(net, run_sim):
    box = net.box(*sim_geo.destination(LAT, LNG, 0, 40), name="CTO race")
    splitter = net.splitter(box, outputs=8, occupied=[1, 2, 3, 4, 5])
    sim = run_sim(net, latency_ms=5)
    connector = connector_for(sim)
    outcomes: dict[str, object] = {}

    def reserve(n: int) -> None:
        try:
            outcomes[f"R{n}"] = connector.reserve(f"R{n}", box, LAT, LNG).port
        except ConflictError as error:
            outcomes[f"R{n}"] = error

    threads = [threading.Thread(target=reserve, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    ports = [v for v in outcomes.values() if isinstance(v, int)]
    assert sorted(ports) == [6, 7, 8]
    assert sum(isinstance(v, ConflictError) for v in outcomes.values()) == 5
    assert taken_ports(sim, splitter) == list(range(1, 9))
    assert_one_client_per_port(sim)


def test_timeout_after_the_server_stored_the_reservation_gives_one_property(
    net, run_sim
):
    box = net.box(*sim_geo.destination(LAT, LNG, 0, 40), name="CTO slow")
    net.splitter(box)
    sim = run_sim(net)
    connector = connector_for(sim)
    sim.admin.set_fault(kind="drop", route="properties", method="POST", count=1)

    try:
        first = connector.reserve("AMB-1", box, LAT, LNG)
    except AmbiguousOutcomeError:
        first = None
    second = connector.reserve("AMB-1", box, LAT, LNG)
    if first is not None:
        assert first.property_id == second.property_id
    assert len(properties_with_code(sim, "AMB-1")) == 1
    assert_one_client_per_port(sim)


# ---------------------------------------------------------------- deploy and cancel


def test_deploy_unknown_code_is_not_found(small):
    with pytest.raises(NotFoundError):
        connector_for(small).deploy("NO-SUCH-CODE")


def test_cancel_interrupted_halfway_finishes_when_run_again(net, run_sim):
    box = net.box(*sim_geo.destination(LAT, LNG, 0, 40), name="CTO 1")
    splitter = net.splitter(box)
    sim = run_sim(net)
    connector = connector_for(sim, retries=0)
    reservation = connector.reserve("CAN-1", box, LAT, LNG)

    sim.admin.set_fault(
        kind="status", status=500, route="properties/*", method="DELETE", count=1
    )
    with pytest.raises(HttpStatusError) as failed:
        connector.cancel("CAN-1")
    assert failed.value.status == 500

    report = connector.cancel("CAN-1")
    assert report.found
    assert sim.store.get("properties", reservation.property_id) is None
    assert sim.store.get("cables", reservation.drop_id) is None
    assert sim.store.get("ftth-clients", reservation.client_id) is None
    assert taken_ports(sim, splitter) == []


def test_cancel_removes_a_client_left_without_property(net, run_sim):
    box = net.box(*sim_geo.destination(LAT, LNG, 0, 40), name="CTO 1")
    net.splitter(box)
    sim = run_sim(net)
    connector = connector_for(sim)
    reservation = connector.reserve("CAN-2", box, LAT, LNG)
    sim.admin.configure(delete_drop_with_property=True)
    # A client that outlived its property, as an interrupted cancel may leave it.
    sim.store.delete("properties", reservation.property_id)
    report = connector.cancel("CAN-2")
    assert sim.store.get("ftth-clients", reservation.client_id) is None
    assert any(item.startswith("client") for item in report.removed)


# ---------------------------------------------------------------- change box


def test_change_box_moves_the_reservation(net, run_sim):
    first = net.box(*sim_geo.destination(LAT, LNG, 0, 40), name="CTO A")
    first_splitter = net.splitter(first)
    second = net.box(*sim_geo.destination(LAT, LNG, 180, 60), name="CTO B")
    second_splitter = net.splitter(second, occupied=[1])
    sim = run_sim(net)
    connector = connector_for(sim)
    connector.reserve("MOV-1", first, LAT, LNG)

    candidates = connector.change_box_candidates("MOV-1", 250)
    assert candidates.current_box_id == first
    assert {b.id for b in candidates.feasibility.boxes} == {first, second}

    moved = connector.change_box("MOV-1", second)
    assert (moved.box_id, moved.splitter_id, moved.port) == (second, second_splitter, 2)
    assert taken_ports(sim, first_splitter) == []
    assert taken_ports(sim, second_splitter) == [1, 2]
    assert connector.connection_data("MOV-1").box["name"] == "CTO B"


def test_change_box_into_a_full_box_changes_nothing(net, run_sim):
    first = net.box(*sim_geo.destination(LAT, LNG, 0, 40), name="CTO A")
    first_splitter = net.splitter(first)
    full = net.box(*sim_geo.destination(LAT, LNG, 180, 60), name="CTO full")
    net.splitter(full, outputs=2, occupied=[1])
    sim = run_sim(net)
    connector = connector_for(sim)
    reservation = connector.reserve("MOV-2", first, LAT, LNG)
    connector.reserve("OTHER", full, LAT, LNG)  # the box fills up meanwhile

    with pytest.raises(ConflictError, match="stays on box"):
        connector.change_box("MOV-2", full)
    assert taken_ports(sim, first_splitter) == [reservation.port]
    assert connector.connection_data("MOV-2").box["id"] == first


def test_connection_data_without_olt_chain_reports_it_absent(net, run_sim):
    box = net.box(*sim_geo.destination(LAT, LNG, 0, 40), name="CTO dark")
    net.splitter(box, fed=False)
    sim = run_sim(net)
    connector = connector_for(sim)
    connector.reserve("DARK-1", box, LAT, LNG)
    data = connector.connection_data("DARK-1")
    assert data.olt is None and data.slot is None and data.pon is None
    assert data.splitter is not None


# ---------------------------------------------------------------- found by a break test


def test_reserve_and_change_box_refuse_a_draft_box(net, run_sim):
    open_box = net.box(*sim_geo.destination(LAT, LNG, 0, 40), name="CTO open")
    net.splitter(open_box)
    draft = net.box(
        *sim_geo.destination(LAT, LNG, 90, 40), name="CTO draft", draft=True
    )
    net.splitter(draft)
    sim = run_sim(net)
    connector = connector_for(sim)
    with pytest.raises(ConflictError, match="draft"):
        connector.reserve("DR-1", draft, LAT, LNG)
    assert properties_with_code(sim, "DR-1") == []

    connector.reserve("DR-2", open_box, LAT, LNG)
    with pytest.raises(ConflictError, match="draft"):
        connector.change_box("DR-2", draft)
    assert connector.connection_data("DR-2").box["id"] == open_box


def test_reserve_refuses_a_box_out_of_reach(net, run_sim):
    box = net.box(*sim_geo.destination(LAT, LNG, 0, 40), name="CTO 1")
    net.splitter(box)
    sim = run_sim(net)
    with pytest.raises(ConflictError, match="farther"):
        connector_for(sim).reserve("FAR-1", box, -27.45, -48.50)
    assert properties_with_code(sim, "FAR-1") == []


def test_threads_reserving_one_code_make_one_property(net, run_sim):
    boxes = []
    for n in range(4):
        box = net.box(*sim_geo.destination(LAT, LNG, 90 * n, 50), name=f"CTO {n}")
        net.splitter(box)
        boxes.append(box)
    sim = run_sim(net, latency_ms=5)
    connector = connector_for(sim)
    outcomes: list[object] = []

    def reserve(n: int) -> None:
        try:
            outcomes.append(connector.reserve("SAME-1", boxes[n % 4], LAT, LNG))
        except ConflictError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=reserve, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(properties_with_code(sim, "SAME-1")) == 1
    made = [o for o in outcomes if not isinstance(o, ConflictError)]
    assert len({o.property_id for o in made}) == 1
    assert_one_client_per_port(sim)


def test_an_unreadable_answer_to_a_reservation_is_reconciled(net, run_sim):
    box = net.box(*sim_geo.destination(LAT, LNG, 0, 40), name="CTO 1")
    net.splitter(box)
    sim = run_sim(net)
    sim.admin.set_fault(kind="invalid_json", route="properties", method="POST", count=1)
    reservation = connector_for(sim).reserve("BAD-JSON", box, LAT, LNG)
    assert reservation.box_id == box
    assert len(properties_with_code(sim, "BAD-JSON")) == 1


def test_redeploy_with_new_onu_data_is_never_reported_done_when_lost(net, run_sim):
    box = net.box(*sim_geo.destination(LAT, LNG, 0, 40), name="CTO 1")
    net.splitter(box)
    sim = run_sim(net)
    connector = connector_for(sim, retries=0)
    reservation = connector.reserve("ONU-1", box, LAT, LNG)
    connector.deploy("ONU-1", onu_serial="OLD1")

    sim.admin.set_fault(kind="close", route="ftth-clients/*", method="PATCH", count=5)
    with pytest.raises((AmbiguousOutcomeError, TransportError)):
        connector.deploy("ONU-1", onu_serial="NEW2")
    client = sim.store.get("ftth-clients", reservation.client_id)
    assert client["onu"]["serial_number"] == "OLD1"


@pytest.mark.slow
def test_lifecycle_on_the_medium_network() -> None:
    from ozmap_simulator import Simulator

    from .conftest import TOKEN

    with Simulator(size="medium", seed=1, token=TOKEN, port=0) as sim:
        connector = connector_for(sim)
        boxes = [b for b in sim.store.find("boxes", limit=400) if not b.get("draft")]
        for box in boxes:
            lat, lng = sim_geo.offset(box["lat"], box["lng"], 30.0, 30.0)
            result = connector.feasibility(lat, lng, 250)
            local = connector.feasibility(lat, lng, 250, strategy="local")
            assert identical(result, local)
            if result.viable:
                break
        assert result.viable

        chosen = result.boxes[0]
        reservation = connector.reserve("MED-1", chosen.id, lat, lng)
        assert reservation.port == chosen.first_free.port
        assert connector.connection_data("MED-1").box["id"] == chosen.id
        assert connector.cancel("MED-1").found
        again = connector.feasibility(lat, lng, 250)
        assert again.boxes[0].free_ports == chosen.free_ports
