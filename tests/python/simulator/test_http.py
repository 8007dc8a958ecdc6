"""Authentication, login, routing and HTTP behaviour."""

import json
import socket

import pytest


def test_missing_and_wrong_token_get_401(api, make_api, small):
    anon = make_api(small.base_url, token=None)
    wrong = make_api(small.base_url, token="nope")

    for client in (anon, wrong):
        status, body = client.get("boxes")
        assert status == 401 and body["message"]
        assert client.post("properties", {})[0] == 401

    bearer = make_api(small.base_url, token="Bearer " + small.token)
    assert bearer.get("boxes", limit=1)[0] == 200
    assert api.get("authenticated") == (200, {"authenticated": True})
    assert wrong.get("authenticated")[0] == 401


def test_login_returns_the_token(small, make_api):
    anon = make_api(small.base_url, token=None)

    status, body = anon.post("users/login", {"login": "admin", "password": "admin"})
    assert status == 200 and body == {"authorization": small.token}
    status, _, raw = anon.raw(
        "POST",
        "/api/v2/users/login?type=API",
        json.dumps({"login": "admin", "password": "admin"}).encode(),
    )
    assert status == 200 and json.loads(raw)["authorization"] == small.token
    assert anon.post("users/login", {"login": "admin", "password": "x"})[0] == 401
    assert anon.post("users/login", None)[0] == 400


def test_token_can_change_at_run_time(small, api, make_api):
    small.admin.configure(token="rotated")

    assert api.get("boxes")[0] == 401
    fresh = make_api(small.base_url, token=None)
    _, body = fresh.post("users/login", {"login": "admin", "password": "admin"})
    assert make_api(small.base_url, token=body["authorization"]).get("boxes")[0] == 200


def test_unknown_routes_and_methods(api):
    assert api.get("nothing-here")[0] == 404
    status, _, raw = api.raw("GET", "/elsewhere")
    assert status == 404 and json.loads(raw)["message"]
    status, body = api.call("PUT", "boxes")
    assert status == 405 and body["message"]
    assert api.call("POST", "fibers", {})[0] == 405


def test_keep_alive_serves_many_requests_on_one_connection(api, small):
    for _ in range(20):
        assert api.get("boxes", limit=1)[0] == 200
    assert api.conn is not None
    port = api.conn.sock.getsockname()[1]
    assert api.get("boxes", limit=1)[0] == 200
    assert api.conn.sock.getsockname()[1] == port


def test_connection_close_is_honoured(api):
    status, headers, _ = api.raw(
        "GET", "/api/v2/boxes?limit=1", headers={"Connection": "close"}
    )
    assert status == 200
    assert headers["connection"] == "close"


def test_chunked_request_body(small):
    box = small.store.find("boxes", limit=1)[0]
    body = json.dumps(
        {
            "project": box["project"],
            "box": box["id"],
            "lat": box["lat"],
            "lng": box["lng"],
        }
    ).encode()
    request = (
        (
            "POST /api/v2/properties HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: {small.token}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        + f"{len(body):x}\r\n".encode()
        + body
        + b"\r\n0\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", small.port), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 201 ")


@pytest.mark.parametrize("path", ["/api/v2/boxes/%FF", "/api/v2/properties/client/%C3"])
def test_undecodable_paths_are_400(api, path):
    assert api.raw("GET", path)[0] == 400
