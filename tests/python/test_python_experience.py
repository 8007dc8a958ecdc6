"""The connector as a Python user meets it: configuration, logging, threads, fork."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import pytest

from ozmap_connector import (
    AuthenticationError,
    ConfigurationError,
    Connector,
    InvalidInputError,
    TransportError,
)
from ozmap_connector.config import resolve_settings

from .conftest import TOKEN, connector_for

LAT, LNG = -27.5954, -48.5480


def test_repr_and_settings_never_show_the_token() -> None:
    connector = Connector("http://127.0.0.1:9", "s3cr3t-token", port=9)
    assert "s3cr3t-token" not in repr(connector)
    assert "s3cr3t-token" not in repr(connector.settings)


def test_precedence_arguments_then_environment_then_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[ozmap]\nurl = "https://file.example"\ntoken = "from-file"\nport = 1111\n'
        "radius = 100\n",
        encoding="utf-8",
    )
    environ = {"OZMAP_TOKEN": "from-env", "OZMAP_RADIUS": "300,5"}
    settings = resolve_settings({"port": 2222}, environ=environ, config_file=config)
    assert settings.url == "https://file.example"
    assert settings.token == "from-env"
    assert settings.port == 2222
    assert settings.radius_m == 300.5


def test_a_thousands_separator_in_the_radius_variable_is_refused(
    tmp_path: Path,
) -> None:
    environ = {
        "OZMAP_URL": "https://x.example",
        "OZMAP_TOKEN": "t",
        "OZMAP_RADIUS": "1.000",
    }
    with pytest.raises(ConfigurationError, match="ambiguous"):
        resolve_settings({}, environ=environ, config_file=tmp_path / "none.toml")


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"token": "t"}, "no OZmap URL"),
        ({"url": "https://x.example"}, "no API token"),
        ({"url": "https://x.example", "token": "t", "port": "abc"}, "port"),
        ({"url": "https://x.example", "token": "t", "port": 70000}, "port"),
        ({"url": "https://x.example", "token": "t", "colour": "red"}, "unknown"),
    ],
)
def test_bad_configuration_is_one_clear_error(
    tmp_path: Path, arguments: dict[str, object], fragment: str
) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        resolve_settings(arguments, environ={}, config_file=tmp_path / "none.toml")


def test_a_rejected_token_is_an_authentication_error_without_the_token(small) -> None:
    connector = Connector(small.base_url, "wrong-token-123")
    with pytest.raises(AuthenticationError) as caught:
        connector.feasibility(LAT, LNG, 200)
    assert "wrong-token-123" not in str(caught.value)
    assert caught.value.status == 401


def test_an_unreachable_port_is_a_transport_error() -> None:
    connector = Connector("http://127.0.0.1", TOKEN, port=9, timeouts={"total": 2})
    with pytest.raises(TransportError):
        connector.feasibility(LAT, LNG, 200)


def test_core_log_records_reach_python_logging_without_the_token(small, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="ozmap_connector")
    connector_for(small).feasibility(LAT, LNG, 250)
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("ozmap")]
    assert any("feasibility" in m for m in messages)
    assert all(TOKEN not in m for m in messages)
    assert all(str(LAT) not in m for m in messages if "feasibility:" in m)


def test_calls_run_at_once_while_python_threads_keep_working(small, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="ozmap_connector")
    small.admin.set_fault(kind="latency", latency_ms=150, route="ftth-viability/*")
    connector = connector_for(small)
    ticks = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    workers = [
        threading.Thread(target=connector.feasibility, args=(LAT, LNG, 250))
        for _ in range(4)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    elapsed = time.perf_counter() - started
    stop.set()
    counter.join()

    assert not any(worker.is_alive() for worker in workers)
    assert elapsed < 4 * 0.15  # the four calls overlapped
    assert ticks > 50  # and the GIL was free meanwhile


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_connector_works_in_a_forked_child(small) -> None:
    connector = connector_for(small)
    connector.feasibility(LAT, LNG, 250)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            ok = connector.feasibility(LAT, LNG, 250).strategy == "server"
        except BaseException:
            ok = False
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert connector.feasibility(LAT, LNG, 250).strategy == "server"


@pytest.mark.parametrize(
    "bad",
    [[("p", "x", 1.0)], [("p", 1.0)], [(1, 2.0, 3.0)], [("\ud800", 1.0, 2.0)]],
    ids=["text-latitude", "two-fields", "number-id", "lone-surrogate"],
)
def test_coverage_refuses_malformed_points(small, bad) -> None:
    snapshot = connector_for(small).snapshot()
    with pytest.raises(InvalidInputError):
        snapshot.query(bad, 250)


@pytest.mark.parametrize(
    "options",
    [
        {"port": "9994"},
        {"radius_m": "250"},
        {"radius_m": float("nan")},
        {"radius_m": -5},
        {"retries": "x"},
        {"verify_tls": "no"},
        {"service_area": (1, 2)},
        {"service_area": (10, -10, 0, 1)},
        {"timeouts": {"total": True}},
    ],
    ids=str,
)
def test_wrong_settings_are_configuration_errors(options: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        Connector("http://127.0.0.1", TOKEN, **options)  # type: ignore[arg-type]


def test_text_where_a_number_is_expected_is_invalid_input(small) -> None:
    connector = connector_for(small)
    with pytest.raises(InvalidInputError, match="latitude"):
        connector.feasibility("-27,5945", "-48,548")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="client code"):
        connector.cancel(123)  # type: ignore[arg-type]
    assert small.admin.requests() == 0


def test_bad_coordinates_in_a_batch_are_answered_not_fatal(small) -> None:
    connector = connector_for(small)
    points = [
        ("good", -27.5954, -48.5480),
        ("range", 95.0, -48.0),
        ("nan", float("nan"), -48.0),
        ("null-island", 0.0, 0.0),
        ("swapped", -48.5480, -27.5954),
    ]
    coverage = connector.coverage(points, 250)
    errors = {answer.point_id: answer.error for answer in coverage.answers}
    assert errors["good"] is None
    assert "out of range" in errors["range"]
    assert "finite" in errors["nan"]
    assert "missing" in errors["null-island"]
    assert "[lng, lat]" in errors["swapped"]
    assert coverage.error_count == 4
    assert coverage.to_dict()["errors"] == 4
