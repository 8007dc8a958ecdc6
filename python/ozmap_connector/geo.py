"""Distances and radius searches, computed by the compiled core.

The sphere has a radius of 6,371,008.8 m (haversine) and a point is inside a radius when
its distance is less than or equal to it. Bad coordinates or radii raise
:class:`~ozmap_connector.errors.InvalidInputError`.
"""

from __future__ import annotations

from ._core import geo as _geo

# NOTE: a pybind11 submodule is an attribute of _core, not an importable module, so the
# names are taken from it rather than imported with "from ._core.geo import".
EARTH_RADIUS_M: float = _geo.EARTH_RADIUS_M
MAX_RADIUS_M: float = _geo.MAX_RADIUS_M
GeoIndex = _geo.GeoIndex
bounding_box = _geo.bounding_box
distance_m = _geo.distance_m
radius_search = _geo.radius_search
validate_point = _geo.validate_point
validate_radius = _geo.validate_radius

__all__ = [
    "EARTH_RADIUS_M",
    "MAX_RADIUS_M",
    "GeoIndex",
    "bounding_box",
    "distance_m",
    "radius_search",
    "validate_point",
    "validate_radius",
]
