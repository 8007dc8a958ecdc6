"""The geo functions of the core, seen from Python."""

from __future__ import annotations

import math
import random

import pytest

from ozmap_connector import InvalidInputError, geo

FLORIANOPOLIS = (-27.5954, -48.5480)
SAO_PAULO = (-23.5505, -46.6333)


def haversine(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lng2 - lng1)
    h = (
        math.sin(dphi / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def test_distance_between_cities_matches_an_independent_haversine() -> None:
    expected = haversine(*FLORIANOPOLIS, *SAO_PAULO)
    assert geo.distance_m(*FLORIANOPOLIS, *SAO_PAULO) == pytest.approx(
        expected, rel=1e-9
    )
    assert geo.distance_m(*FLORIANOPOLIS, *SAO_PAULO) == pytest.approx(
        489_031, rel=1e-3
    )


@pytest.mark.parametrize(
    ("lat", "lng", "fragment"),
    [
        (math.nan, -48.5, "finite"),
        (-27.5, math.inf, "finite"),
        (91.0, -48.5, "out of range"),
        (-27.5, 181.0, "out of range"),
        (-120.5, -27.5, "[lng, lat]"),
        (0.0, 0.0, "missing"),
    ],
    ids=["nan", "inf", "lat-range", "lng-range", "swapped", "null-island"],
)
def test_bad_points_raise_invalid_input(lat: float, lng: float, fragment: str) -> None:
    with pytest.raises(InvalidInputError, match=None) as caught:
        geo.validate_point(lat, lng)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert caught.value.kind == "invalid_input"


@pytest.mark.parametrize(
    "radius", [0.0, -1.0, math.nan, math.inf, geo.MAX_RADIUS_M * 2]
)
def test_bad_radius_raises_invalid_input(radius: float) -> None:
    with pytest.raises(InvalidInputError):
        geo.validate_radius(radius)


def test_radius_boundary_is_inclusive_to_the_millimetre() -> None:
    site = ("edge", -27.5990, -48.5480)
    d = geo.distance_m(*FLORIANOPOLIS, site[1], site[2])
    assert geo.radius_search(*FLORIANOPOLIS, d, [site]) == [("edge", d)]
    assert geo.radius_search(*FLORIANOPOLIS, d + 0.001, [site]) == [("edge", d)]
    assert geo.radius_search(*FLORIANOPOLIS, d - 0.001, [site]) == []


def test_ties_are_broken_by_id() -> None:
    lat, lng = FLORIANOPOLIS
    sites = [("b", lat + 0.001, lng), ("a", lat + 0.001, lng), ("c", lat + 0.0005, lng)]
    assert [site_id for site_id, _ in geo.radius_search(lat, lng, 500, sites)] == [
        "c",
        "a",
        "b",
    ]


def test_index_agrees_with_brute_force_and_python() -> None:
    rng = random.Random(7)
    sites = [
        (f"box-{i}", rng.uniform(-27.70, -27.50), rng.uniform(-48.65, -48.45))
        for i in range(2000)
    ]
    index = geo.GeoIndex(sites)
    assert len(index) == len(sites)
    for _ in range(50):
        lat, lng = rng.uniform(-27.70, -27.50), rng.uniform(-48.65, -48.45)
        radius = rng.uniform(50, 2500)
        found = index.within(lat, lng, radius)
        assert found == geo.radius_search(lat, lng, radius, sites)
        by_python = sorted(
            (haversine(lat, lng, s_lat, s_lng), site_id)
            for site_id, s_lat, s_lng in sites
            if haversine(lat, lng, s_lat, s_lng) <= radius
        )
        assert [site_id for site_id, _ in found] == [
            site_id for _, site_id in by_python
        ]


def test_index_refuses_invalid_sites() -> None:
    with pytest.raises(InvalidInputError, match="site bad"):
        geo.GeoIndex([("bad", 95.0, 10.0)])


def test_bounding_box_contains_the_circle() -> None:
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(*FLORIANOPOLIS, 1000)
    assert min_lat < FLORIANOPOLIS[0] < max_lat
    assert min_lng < FLORIANOPOLIS[1] < max_lng
    assert (max_lat - min_lat) * 111_195 / 2 == pytest.approx(1000, rel=1e-3)
