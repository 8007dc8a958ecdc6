"""The low-level API client and its errors, from Python."""

from __future__ import annotations

import threading
import time

import pytest

from ozmap_connector import (
    ApiClient,
    AuthenticationError,
    DeadlineExceeded,
    NotFoundError,
    TransportError,
)

from .conftest import TOKEN


@pytest.fixture
def client(small) -> ApiClient:
    return ApiClient(small.base_url, TOKEN, total_timeout=5)


def test_lists_follow_pages_and_filters(small, client) -> None:
    boxes = client.list(
        "boxes", [{"property": "draft", "operator": "=", "value": True}]
    )
    assert boxes
    assert all(box["draft"] is True for box in boxes)
    expected = [b for b in small.store.find("boxes") if b.get("draft")]
    assert len(boxes) == len(expected)


def test_near_filter_and_get_by_id(client) -> None:
    near = client.list(
        "boxes",
        [
            {
                "property": "coords",
                "operator": "near",
                "value": {"lat": -27.5954, "lng": -48.548, "radius": 400},
            }
        ],
    )
    assert near
    again = client.get_by_id("boxes", near[0]["id"])
    assert again["id"] == near[0]["id"]


def test_unknown_id_is_not_found_and_bad_token_is_authentication(small, client) -> None:
    with pytest.raises(NotFoundError) as missing:
        client.get_by_id("boxes", "ffffffffffffffffffffffff")
    assert missing.value.status == 404
    assert missing.value.operation.startswith("GET /api/v2/boxes/")

    wrong = ApiClient(small.base_url, "not-the-token")
    with pytest.raises(AuthenticationError) as rejected:
        wrong.list("boxes")
    assert "not-the-token" not in str(rejected.value)
    assert wrong.authenticated() is False
    assert client.authenticated() is True


def test_client_code_lookup_encodes_the_code(client) -> None:
    assert client.properties_by_client_code("CLI/2026/42 #B") == []


def test_a_hanging_server_is_a_deadline(small) -> None:
    small.admin.set_fault(kind="hang", route="boxes")
    client = ApiClient(small.base_url, TOKEN, total_timeout=0.5, retries=0)
    started = time.perf_counter()
    with pytest.raises(DeadlineExceeded):
        client.list("boxes")
    assert time.perf_counter() - started < 3


def test_nothing_listening_is_a_transport_error() -> None:
    with pytest.raises(TransportError):
        ApiClient("http://127.0.0.1", TOKEN, port=9, total_timeout=2).list("boxes")


def test_calls_release_the_gil(small, client) -> None:
    small.admin.set_fault(kind="latency", latency_ms=200, route="authenticated")
    threads = [threading.Thread(target=client.authenticated) for _ in range(4)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert time.perf_counter() - started < 0.7


def test_repr_hides_the_token(client) -> None:
    assert TOKEN not in repr(client)
