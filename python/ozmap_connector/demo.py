"""``ozmap-connector demo``: the whole lifecycle against the embedded simulator."""

from __future__ import annotations

import random
import time
from typing import Any

from rich.console import Console
from rich.table import Table

from .connector import Connector

# Invented customers at plausible addresses in Florianópolis, where the simulator's
# network lies. Each stands a little off a street corner of the generated grid.
CUSTOMERS = [
    ("CLI-2026-0001", "Ana Souza", "Rua Lauro Linhares, 1200 - Trindade"),
    ("CLI-2026-0002", "Bruno Lima", "Rua Bocaiúva, 85 - Centro"),
    ("CLI-2026-0003", "Carla Dias", "Av. Beira-Mar Norte, 3100 - Agronômica"),
]


def _boxes_table(
    console: Console, title: str, feasibility: Any, current: str = ""
) -> None:
    table = Table(title=title, title_justify="left")
    for column in ("", "box", "distance (m)", "free ports", "first free port"):
        table.add_column(column)
    for box in feasibility.boxes[:6]:
        table.add_row(
            "*" if box.id == current else "",
            box.name,
            f"{box.distance_m:.0f}",
            str(box.free_ports),
            f"{box.first_free.splitter_name} port {box.first_free.port}",
        )
    console.print(table)
    if feasibility.refused:
        reasons = ", ".join(f"{b.name}: {b.reason}" for b in feasibility.refused[:4])
        console.print(f"  refused nearby: {reasons}")


def _customer_positions(store: Any, count: int, seed: int) -> list[tuple[float, float]]:
    """Points 40 to 120 m from boxes that can take a client, spread over the city."""
    from ozmap_simulator import geo as sim_geo

    rng = random.Random(seed)
    boxes = [b for b in store.find("boxes") if not b.get("draft")]
    rng.shuffle(boxes)
    positions = []
    for box in boxes[: count * 3 : 3]:
        distance = rng.uniform(40, 120)
        bearing = rng.uniform(0, 360)
        positions.append(sim_geo.destination(box["lat"], box["lng"], bearing, distance))
    return positions


def run_demo(size: str = "small", seed: int = 1, radius_m: float = 250.0) -> float:
    """Runs the demo and returns its duration in seconds."""
    from ozmap_simulator import Simulator

    console = Console()
    started = time.perf_counter()
    console.rule("[bold]ozmap-connector demo")
    console.print(f"Starting the OZmap simulator ({size} network, seed {seed}) ...")
    with Simulator(size=size, seed=seed, token="demo-token", port=0) as sim:
        console.print(f"OZmap simulator answering at {sim.base_url}/api/v2\n")
        connector = Connector(sim.base_url, sim.token, radius_m=radius_m)
        positions = _customer_positions(sim.store, len(CUSTOMERS), seed)

        for (code, name, address), (lat, lng) in zip(CUSTOMERS, positions, strict=True):
            console.rule(f"{code}  {name}, {address}")
            feasibility = connector.feasibility(lat, lng)
            _boxes_table(
                console,
                f"Feasibility at ({lat:.5f}, {lng:.5f}), {radius_m:g} m",
                feasibility,
            )
            if not feasibility.viable:
                console.print("  not feasible here; next customer\n")
                continue

            box = feasibility.boxes[0]
            reservation = connector.reserve(
                code, box.id, lat, lng, name=name, address=address
            )
            console.print(
                f"Reserved [bold]{box.name}[/bold], {box.first_free.splitter_name} "
                f"port {reservation.port} (property {reservation.property_id})"
            )

            candidates = connector.change_box_candidates(code)
            others = [b for b in candidates.feasibility.boxes if b.id != box.id]
            if others:
                _boxes_table(
                    console,
                    "CHANGE BOX: candidates (* current box)",
                    candidates.feasibility,
                    current=candidates.current_box_id,
                )
                moved = connector.change_box(code, others[0].id)
                console.print(
                    f"Technician moved the reservation to [bold]{others[0].name}"
                    f"[/bold] port {moved.port}"
                )

            connector.deploy(
                code, onu_serial=f"ZTEG{random.Random(code).randrange(10**8):08d}"
            )
            console.print("Installation confirmed: client implanted in OZmap")

            data = connector.connection_data(code)
            olt = data.olt["name"] if data.olt else "(none)"
            slot = data.slot["name"] if data.slot else "(none)"
            pon = data.pon["name"] if data.pon else "(none)"
            console.print(
                f"Connection data: OLT {olt} / {slot} / {pon} -> box "
                f"{data.box['name'] if data.box else '?'} -> "
                f"{data.splitter['name'] if data.splitter else '?'} port {data.port}"
            )

            report = connector.cancel(code)
            console.print(f"Cancelled: removed {', '.join(report.removed)}")
            after = connector.feasibility(lat, lng)
            freed = {b.id: b.free_ports for b in after.boxes}
            console.print(
                f"Ports free again on {box.name}: {freed.get(box.id, 0)} "
                f"(was {box.free_ports} before the reservation)\n"
            )

        console.rule("Coverage of 1,000 points")
        rng = random.Random(seed)
        lat0, lng0 = positions[0]
        points = [
            (
                f"lead-{n}",
                lat0 + rng.uniform(-0.03, 0.03),
                lng0 + rng.uniform(-0.03, 0.03),
            )
            for n in range(1000)
        ]
        coverage_started = time.perf_counter()
        coverage = connector.coverage(points)
        elapsed_ms = (time.perf_counter() - coverage_started) * 1000
        console.print(
            f"{coverage.viable_count} of {len(coverage)} leads feasible within "
            f"{radius_m:g} m; snapshot of {coverage.snapshot.box_count} feasible boxes "
            f"read and queried in {elapsed_ms:.0f} ms"
        )
        console.print(f"Requests sent to OZmap: {connector.requests_sent}")

    duration = time.perf_counter() - started
    console.rule(f"demo finished in {duration:.1f} s")
    return duration
