"""Every fault kind, the ways to aim one, and the counters."""

import http.client
import json
import socket
import time

import pytest

from ozmap_simulator.faults import FaultError, make_fault, parse_spec


def _raw_get(sim, path: str, timeout: float = 5.0) -> tuple[bytes, Exception | None]:
    """Everything the server sends for one request, and how the connection ended."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {sim.token}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    data = b""
    with socket.create_connection(("127.0.0.1", sim.port), timeout=timeout) as sock:
        sock.sendall(request)
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except OSError as exc:
            return data, exc
    return data, None


def _split(data: bytes) -> tuple[bytes, dict, bytes]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return lines[0].encode(), headers, body


def test_status_fault_fires_once_for_its_method_only(small, api):
    small.admin.set_fault(
        kind="status", status=503, route="boxes", method="GET", count=1
    )

    assert api.post("properties", {})[0] == 400
    status, body = api.get("boxes")
    assert status == 503 and body["message"]
    assert api.get("boxes")[0] == 200
    assert small.admin.faults() == []


def test_429_carries_retry_after(small, api):
    small.admin.set_fault(kind="status", status=429, retry_after=2, route="*")

    status, headers, raw = api.raw("GET", "/api/v2/boxes")

    assert status == 429
    assert headers["retry-after"] == "2"
    assert json.loads(raw)["message"]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_error_statuses(small, api, status):
    small.admin.set_fault(kind="status", status=status, route="ftth-viability/*")

    assert api.get("ftth-viability/radius", lat=-27.59, lng=-48.54)[0] == status
    assert api.get("boxes", limit=1)[0] == 200


def test_after_lets_requests_through_first(small, api):
    small.admin.set_fault(
        kind="status", status=500, route="boxes/{id}", after=2, count=1
    )
    box = small.store.find("boxes", limit=1)[0]["id"]

    got = [api.get(f"boxes/{box}")[0] for _ in range(4)]

    assert got == [200, 200, 500, 200]


def test_fault_on_a_concrete_path(small, api):
    first, second = (b["id"] for b in small.store.find("boxes", limit=2))
    small.admin.set_fault(kind="status", status=500, route=f"boxes/{first}")

    assert api.get(f"boxes/{first}")[0] == 500
    assert api.get(f"boxes/{second}")[0] == 200


def test_html_error_page(small, api):
    small.admin.set_fault(kind="html", route="boxes")

    status, headers, raw = api.raw("GET", "/api/v2/boxes")

    assert status == 502
    assert headers["content-type"].startswith("text/html")
    assert raw.startswith(b"<html>")


def test_latency_and_jitter(small, api):
    small.admin.set_fault(kind="latency", latency_ms=150, jitter_ms=50, route="boxes")

    started = time.perf_counter()
    assert api.get("boxes", limit=1)[0] == 200
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    assert api.get("projects")[0] == 200
    quick = time.perf_counter() - started

    assert 0.15 <= elapsed < 1.0
    assert quick < 0.15


def test_latency_adds_to_another_fault(small, api):
    small.admin.set_fault(kind="latency", latency_ms=120)
    small.admin.set_fault(kind="status", status=503, route="boxes")

    started = time.perf_counter()
    assert api.get("boxes")[0] == 503
    assert time.perf_counter() - started >= 0.12


def test_reset_mid_body(small):
    small.admin.set_fault(kind="reset", route="boxes")

    data, error = _raw_get(small, "/api/v2/boxes?limit=200")

    _, headers, body = _split(data)
    assert isinstance(error, ConnectionResetError) or (
        data and len(body) < int(headers["content-length"])
    )


def test_truncated_body_then_clean_close(small):
    small.admin.set_fault(kind="truncate", route="boxes")

    data, error = _raw_get(small, "/api/v2/boxes?limit=50")

    assert error is None
    status, headers, body = _split(data)
    assert status.startswith(b"HTTP/1.1 200")
    assert 0 < len(body) < int(headers["content-length"])


def test_invalid_json(small, api):
    small.admin.set_fault(kind="invalid_json", route="boxes")

    status, headers, raw = api.raw("GET", "/api/v2/boxes?limit=3")

    assert status == 200
    assert headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        json.loads(raw)


def test_slow_drip_delivers_everything_slowly(small):
    small.admin.set_fault(kind="drip", chunk=64, interval_ms=20, route="projects/{id}")
    project = small.store.find("projects")[0]["id"]

    started = time.perf_counter()
    data, error = _raw_get(small, f"/api/v2/projects/{project}")
    elapsed = time.perf_counter() - started

    assert error is None
    _, headers, body = _split(data)
    assert len(body) == int(headers["content-length"])
    assert json.loads(body)["id"] == project
    assert elapsed >= (len(data) // 64 - 1) * 0.02


def test_close_before_the_request_runs_stores_nothing(small, api, reserve_anywhere):
    small.admin.set_fault(kind="close", route="properties", method="POST", count=1)
    before = small.store.count("properties")

    with pytest.raises((ConnectionError, http.client.HTTPException)):
        reserve_anywhere(small, api, "CLOSE-1")

    assert small.store.count("properties") == before


def test_hang_times_the_client_out_and_stores_nothing(
    small, make_api, reserve_anywhere
):
    small.admin.set_fault(kind="hang", route="properties", method="POST", count=1)
    client = make_api(small.base_url, timeout=0.3)
    before = small.store.count("properties")

    with pytest.raises(TimeoutError):
        reserve_anywhere(small, client, "HANG-1")

    assert small.store.count("properties") == before


def test_commit_then_drop_leaves_the_property_stored(small, api, reserve_anywhere):
    small.admin.set_fault(kind="drop", route="properties", method="POST", count=1)

    with pytest.raises((ConnectionError, http.client.HTTPException)):
        reserve_anywhere(small, api, "AMBIGUOUS-1")

    status, found = api.get("properties/client/AMBIGUOUS-1")
    assert status == 200 and len(found) == 1
    assert found[0]["connections"]


def test_commit_then_delay_times_out_after_storing(
    small, make_api, api, reserve_anywhere
):
    small.admin.set_fault(
        kind="delay", delay_ms=1500, route="properties", method="POST", count=1
    )
    slow = make_api(small.base_url, timeout=0.3)

    with pytest.raises(TimeoutError):
        reserve_anywhere(small, slow, "AMBIGUOUS-2")

    assert len(api.get("properties/client/AMBIGUOUS-2")[1]) == 1


def test_counters_count_requests_and_exact_bytes(small, api):
    box = small.store.find("boxes", limit=1)[0]["id"]
    api.get("boxes", limit=2)
    api.get("boxes", limit=2)
    api.get(f"boxes/{box}")
    api.get("nowhere")
    small.admin.reset_counters()
    assert small.admin.counters()["total"]["requests"] == 0

    data, _ = _raw_get(small, f"/api/v2/boxes/{box}")
    api.get("boxes", limit=2)
    api.get("boxes", limit=2)

    snap = small.admin.counters()
    one = snap["routes"]["GET /api/v2/boxes/{id}"]
    assert one["requests"] == 1
    assert one["bytes_out"] == len(data)
    assert one["bytes_in"] > 0
    assert one["statuses"] == {"200": 1}
    assert snap["routes"]["GET /api/v2/boxes"]["requests"] == 2
    assert snap["total"]["requests"] == 3
    assert small.admin.requests("GET /api/v2/boxes") == 2


def test_admin_http_endpoint(small, api):
    status, body = api.post(
        "/__sim__/faults",
        {"kind": "status", "status": 500, "route": "boxes", "count": 1},
    )
    assert status == 201
    fault_id = body["faults"][0]["id"]
    assert api.get("/__sim__/faults")[1]["faults"][0]["id"] == fault_id
    assert api.delete(f"/__sim__/faults/{fault_id}")[0] == 204
    assert api.delete(f"/__sim__/faults/{fault_id}")[0] == 404
    assert api.get("boxes")[0] == 200

    api.post(
        "/__sim__/faults",
        [{"kind": "html", "route": "poles"}, {"kind": "html", "route": "olts"}],
    )
    assert len(api.get("/__sim__/faults")[1]["faults"]) == 2
    assert api.delete("/__sim__/faults")[0] == 204
    assert api.get("/__sim__/faults")[1]["faults"] == []
    assert api.post("/__sim__/faults", {"kind": "explode"})[0] == 400

    counters = api.get("/__sim__/counters")[1]
    assert counters["routes"]["GET /api/v2/boxes"]["requests"] == 1
    assert "GET /__sim__/faults" not in counters["routes"]
    assert api.delete("/__sim__/counters")[0] == 204
    assert api.get("/__sim__/counters")[1]["total"]["requests"] == 0
    assert api.post("/__sim__/counters/reset")[0] == 204

    status, config = api.patch("/__sim__/config", {"legacy_pagination": True})
    assert status == 200 and config["legacy_pagination"] is True
    assert "token" not in config and "password" not in config
    assert "hasNextPage" not in api.get("boxes")[1]
    assert api.patch("/__sim__/config", {"nope": 1})[0] == 400
    assert api.patch("/__sim__/config", {"max_limit": "x"})[0] == 400
    assert api.get("/__sim__/health") == (200, {"ok": True})
    assert api.get("/__sim__/other")[0] == 404


def test_admin_reset_restores_the_network(small, api, reserve_anywhere):
    before = small.store.count("properties")
    status, _ = reserve_anywhere(small, api, "RESET-1")
    assert status == 201
    small.admin.set_fault(kind="html", route="olts")

    assert api.post("/__sim__/reset")[0] == 204

    assert small.store.count("properties") == before
    assert api.get("properties/client/RESET-1")[1] == []
    assert small.admin.faults() == []


def test_fault_specs_from_text_and_their_errors():
    spec = parse_spec(
        "kind=status,status=503,route=/api/v2/properties,method=post,"
        "count=1,latency_ms=5"
    )
    fault = make_fault(spec)
    assert (fault.kind, fault.status, fault.route, fault.method, fault.count) == (
        "status",
        503,
        "properties",
        "POST",
        1,
    )
    assert fault.latency_ms == 5.0
    assert make_fault("kind=status,status=429").retry_after == 1.0
    assert make_fault({"kind": "html"}).status == 502

    for bad in (
        "kind=boom",
        "kind=status,status=99",
        "kind=status,count=-1",
        "kind=status,colour=red",
        "kind=drip,chunk=0",
        "status",
        "kind=status,count=x",
    ):
        with pytest.raises(FaultError):
            make_fault(bad)


def test_faults_given_at_start(cache_dir, make_api):
    from ozmap_simulator import Simulator

    with Simulator(
        size="small",
        cache_dir=cache_dir,
        token="t",
        faults=["kind=status,status=502,route=boxes,count=1"],
        latency_ms=100,
    ) as sim:
        kinds = sorted(f["kind"] for f in sim.admin.faults())
        assert kinds == ["latency", "status"]
        api = make_api(sim.base_url, token="t")
        started = time.perf_counter()
        assert api.get("boxes")[0] == 502
        assert api.get("boxes")[0] == 200
        assert time.perf_counter() - started >= 0.2
