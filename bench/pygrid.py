"""Coverage in pure Python with a uniform grid index: the bulk baseline.

Boxes go into square-ish cells of `cell_m`; a query looks only at the cells its
radius can reach and measures haversine distances there. That is what a competent
Python developer would write without reaching for a compiled index. It does not wrap
around the antimeridian, which no Brazilian network needs.
"""

from __future__ import annotations

import math
from typing import Any

from peers.requests_client import EARTH_RADIUS_M, haversine_m

M_PER_DEG = math.pi * EARTH_RADIUS_M / 180.0


class GridIndex:
    """Boxes `(id, name, lat, lng, free_ports)` bucketed by a lat/lng grid."""

    def __init__(self, boxes: list[tuple[str, str, float, float, int]], cell_m: float):
        self.boxes = boxes
        self.cell_lat = cell_m / M_PER_DEG
        widest = max((abs(b[2]) for b in boxes), default=0.0)
        # Cells are at least cell_m wide everywhere the boxes are.
        self.cell_lng = cell_m / (M_PER_DEG * math.cos(math.radians(min(widest, 89.0))))
        self.cells: dict[tuple[int, int], list[int]] = {}
        for i, b in enumerate(boxes):
            key = (math.floor(b[2] / self.cell_lat), math.floor(b[3] / self.cell_lng))
            self.cells.setdefault(key, []).append(i)

    def within(
        self, lat: float, lng: float, radius_m: float
    ) -> list[tuple[float, int]]:
        """(distance, box index) of every box within the radius, nearest first."""
        dlat = radius_m / M_PER_DEG
        reach = min(89.9, abs(lat) + dlat)
        dlng = radius_m / (M_PER_DEG * math.cos(math.radians(reach)))
        i0 = math.floor((lat - dlat) / self.cell_lat)
        i1 = math.floor((lat + dlat) / self.cell_lat)
        j0 = math.floor((lng - dlng) / self.cell_lng)
        j1 = math.floor((lng + dlng) / self.cell_lng)
        boxes = self.boxes
        hits = []
        for i in range(i0, i1 + 1):
            for j in range(j0, j1 + 1):
                for k in self.cells.get((i, j), ()):
                    b = boxes[k]
                    d = haversine_m(lat, lng, b[2], b[3])
                    if d <= radius_m:
                        hits.append((d, k))
        hits.sort(key=lambda h: (h[0], boxes[h[1]][0]))
        return hits


def coverage(
    index: GridIndex, points: list[tuple[str, float, float]], radius_m: float
) -> list[dict[str, Any]]:
    """One answer per point, shaped like the connector's coverage answers."""
    answers = []
    for point_id, lat, lng in points:
        hits = index.within(lat, lng, radius_m)
        if hits:
            d, k = hits[0]
            box = index.boxes[k]
            answers.append(
                {
                    "point_id": point_id,
                    "viable": True,
                    "box_id": box[0],
                    "distance_m": d,
                    "free_ports": box[4],
                    "feasible_boxes": len(hits),
                }
            )
        else:
            answers.append({"point_id": point_id, "viable": False, "feasible_boxes": 0})
    return answers
