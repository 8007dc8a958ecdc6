"""Bulk work in the connector's worker process: snapshot, coverage and JSON parsing."""

from __future__ import annotations

import json
import math
import random
import statistics
import time
from typing import Any

import requests

import pygrid

RADIUS_M = 250.0


def take_snapshot(state: dict[str, Any]) -> dict[str, Any]:
    client = state["client"].c
    t0 = time.perf_counter()
    snap = client.snapshot()
    wall = time.perf_counter() - t0
    state["snapshot"] = snap
    return {"wall_s": wall, "boxes": snap.box_count, "refused": len(snap.refused)}


def make_points(
    boxes: list[Any], n: int, seed: int = 7
) -> list[tuple[str, float, float]]:
    """Half near a box (up to 400 m away), half anywhere in the network's extent."""
    rng = random.Random(seed)
    lats = [b.lat for b in boxes]
    lngs = [b.lng for b in boxes]
    south, north, west, east = min(lats), max(lats), min(lngs), max(lngs)
    points = []
    for i in range(n):
        if i % 2 == 0:
            box = boxes[rng.randrange(len(boxes))]
            d = rng.uniform(0.0, 400.0)
            bearing = rng.uniform(0.0, 2 * math.pi)
            lat = box.lat + d * math.cos(bearing) / pygrid.M_PER_DEG
            lng = box.lng + d * math.sin(bearing) / (
                pygrid.M_PER_DEG * math.cos(math.radians(box.lat))
            )
        else:
            lat, lng = rng.uniform(south, north), rng.uniform(west, east)
        points.append((f"p{i}", lat, lng))
    return points


def coverage(
    state: dict[str, Any], n_points: int, repeat: int, sample: int
) -> dict[str, Any]:
    snap = state["snapshot"]
    connector = state["client"].c
    points = make_points(snap.boxes, n_points)

    query_s, api_s = [], []
    answers: list[Any] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        answers = snap.query(points, RADIUS_M)
        query_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        connector.coverage(points, RADIUS_M, snapshot=snap)
        api_s.append(time.perf_counter() - t0)

    # The same call with a 1 mm radius finds nothing: what is left is passing 100,000
    # tuples into C++ and 100,000 answers back, the cost no index can remove.
    empty_s = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        snap.query(points, 0.001)
        empty_s.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    rows = [(b.id, b.name, b.lat, b.lng, b.free_ports) for b in snap.boxes]
    index = pygrid.GridIndex(rows, cell_m=RADIUS_M)
    build_s = time.perf_counter() - t0
    grid_s = []
    grid: list[dict[str, Any]] = []
    for _ in range(max(1, min(repeat, 3))):
        t0 = time.perf_counter()
        grid = pygrid.coverage(index, points, RADIUS_M)
        grid_s.append(time.perf_counter() - t0)

    step = max(1, len(points) // max(1, sample))
    checked, mismatches = 0, []
    for i in range(0, len(points), step):
        a, g = answers[i], grid[i]
        checked += 1
        same = a.viable == g["viable"] and a.feasible_boxes == g["feasible_boxes"]
        if same and a.viable:
            same = (
                a.box_id == g["box_id"]
                and a.free_ports == g["free_ports"]
                and abs(a.distance_m - g["distance_m"]) <= 0.01
            )
        if not same:
            mismatches.append({"point": points[i], "connector": a.to_dict(), "grid": g})
    return {
        "points": len(points),
        "viable": sum(1 for a in answers if a.viable),
        "radius_m": RADIUS_M,
        "connector_query_s": statistics.median(query_s),
        "connector_coverage_call_s": statistics.median(api_s),
        "connector_query_no_hits_s": statistics.median(empty_s),
        "grid_build_s": build_s,
        "grid_query_s": statistics.median(grid_s),
        "sample_checked": checked,
        "sample_mismatches": mismatches[:5],
        "sample_mismatch_count": len(mismatches),
    }


def json_parse(
    state: dict[str, Any], api_url: str, token: str, repeat: int
) -> dict[str, Any]:
    """Python's json against the Boost.JSON paths the module exposes."""
    from ozmap_connector import NetworkSnapshot

    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = token
    page = session.get(
        f"{api_url}/boxes", params={"limit": 1000, "page": 1}, timeout=60
    ).content
    session.close()

    def best(fn: Any, *args: Any) -> float:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn(*args)
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    text = state["snapshot"].to_json()
    return {
        "page_bytes": len(page),
        "page_rows": len(json.loads(page)["rows"]),
        "page_json_loads_s": best(json.loads, page),
        "snapshot_text_bytes": len(text.encode()),
        "snapshot_from_json_s": best(NetworkSnapshot.from_json, text),
        "snapshot_json_loads_s": best(json.loads, text),
    }
