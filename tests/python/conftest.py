"""Fixtures shared by the connector's end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ozmap_connector import Connector
from ozmap_simulator import NetworkBuilder, Simulator

TOKEN = "test-token-3f9a"


def connector_for(sim: Simulator, **options: object) -> Connector:
    options.setdefault(
        "timeouts", {"connect": 2, "tls_handshake": 2, "idle_read": 3, "total": 6}
    )
    return Connector(sim.base_url, sim.token, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def small_sim() -> Iterator[Simulator]:
    """The generated small network; tests that write reset it afterwards."""
    with Simulator(size="small", seed=1, token=TOKEN, port=0) as sim:
        yield sim


@pytest.fixture
def small(small_sim: Simulator) -> Iterator[Simulator]:
    small_sim.admin.clear_faults()
    small_sim.admin.reset_counters()
    yield small_sim
    small_sim.admin.clear_faults()
    small_sim.reset()


@pytest.fixture
def net() -> NetworkBuilder:
    return NetworkBuilder()


@pytest.fixture
def run_sim() -> Iterator[object]:
    """Starts a simulator on a hand-made network: run_sim(builder) -> Simulator."""
    started: list[Simulator] = []

    def start(builder: NetworkBuilder, **options: object) -> Simulator:
        sim = Simulator(network=builder, token=TOKEN, port=0, **options)  # type: ignore[arg-type]
        sim.start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()
