"""Distances on the sphere the project agrees on, written apart from the core.

The simulator must not share code with the connector, so that a mistake in one side's
geometry shows up as a disagreement in the tests instead of being copied to both.
"""

import math
import re

EARTH_RADIUS_M = 6_371_008.8

# Metres in one degree of latitude on that sphere.
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180.0


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres by the haversine formula."""
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    dphi = phi2 - phi1
    dlam = math.radians(lng2 - lng1)
    a = (
        math.sin(dphi / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    )
    return 2.0 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def destination(
    lat: float, lng: float, bearing_deg: float, dist_m: float
) -> tuple[float, float]:
    """The point reached from (lat, lng) along a great circle; returns (lat, lng)."""
    delta = dist_m / EARTH_RADIUS_M
    theta = math.radians(bearing_deg)
    phi1 = math.radians(lat)
    lam1 = math.radians(lng)
    sin_phi2 = math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(
        delta
    ) * math.cos(theta)
    phi2 = math.asin(max(-1.0, min(1.0, sin_phi2)))
    y = math.sin(theta) * math.sin(delta) * math.cos(phi1)
    x = math.cos(delta) - math.sin(phi1) * sin_phi2
    lam2 = lam1 + math.atan2(y, x)
    lng2 = (math.degrees(lam2) + 540.0) % 360.0 - 180.0
    return math.degrees(phi2), lng2


def offset(
    lat: float, lng: float, north_m: float, east_m: float
) -> tuple[float, float]:
    """A small flat-earth offset, good enough to lay out a city; returns (lat, lng)."""
    dlat = north_m / METRES_PER_DEGREE
    dlng = east_m / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return lat + dlat, lng + dlng


def bounding_box(
    lat: float, lng: float, radius_m: float
) -> tuple[float, float, float, float]:
    """A (min_lat, max_lat, min_lng, max_lng) box that holds every point in the radius.

    A prefilter only: it may hold points outside the circle, never lose one inside.
    """
    margin = 1e-9
    dlat = math.degrees(radius_m / EARTH_RADIUS_M) + margin
    min_lat = lat - dlat
    max_lat = lat + dlat
    if min_lat <= -90.0 or max_lat >= 90.0 or radius_m >= EARTH_RADIUS_M:
        return max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0

    # The widest longitude span of a spherical cap, reached at its tangent points.
    ratio = math.sin(radius_m / EARTH_RADIUS_M) / math.cos(math.radians(lat))
    if ratio >= 1.0:
        return min_lat, max_lat, -180.0, 180.0
    dlng = math.degrees(math.asin(ratio)) + margin
    return min_lat, max_lat, lng - dlng, lng + dlng


def point_in_polygon(lat: float, lng: float, rings: list) -> bool:
    """Even-odd test of a point against GeoJSON polygon rings of [lng, lat] pairs."""
    inside = False
    for ring in rings:
        n = len(ring)
        for i in range(n):
            x1, y1 = ring[i][0], ring[i][1]
            x2, y2 = ring[(i + 1) % n][0], ring[(i + 1) % n][1]
            if (y1 > lat) != (y2 > lat):
                x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
                if lng < x_cross:
                    inside = not inside
    return inside


_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> list:
    """Sort key that puts "Splitter 2" before "Splitter 10"."""
    parts = _DIGITS.split(name or "")
    return [int(p) if i % 2 else p for i, p in enumerate(parts)]
