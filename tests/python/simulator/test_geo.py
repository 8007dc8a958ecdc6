"""The simulator's own geometry."""

import math

import pytest

from ozmap_simulator import geo


def test_one_degree_of_latitude_on_the_agreed_sphere():
    assert geo.distance_m(0, 0, 1, 0) == pytest.approx(
        6_371_008.8 * math.pi / 180, rel=1e-12
    )
    assert geo.distance_m(-27.6, -48.5, -27.6, -48.5) == 0.0


def test_known_distance_between_two_cities():
    # Florianópolis to São Paulo on a sphere of radius 6,371,008.8 m.
    d = geo.distance_m(-27.5954, -48.5480, -23.5505, -46.6333)
    assert d == pytest.approx(489_800, rel=0.003)


@pytest.mark.parametrize("bearing", [0, 33, 90, 181, 270, 359])
@pytest.mark.parametrize("distance", [0.5, 250.0, 12_345.6])
def test_destination_then_distance_round_trips(bearing, distance):
    lat, lng = geo.destination(-27.5954, -48.5480, bearing, distance)
    assert geo.distance_m(-27.5954, -48.5480, lat, lng) == pytest.approx(
        distance, abs=1e-6
    )
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(-27.5954, -48.5480, distance)
    assert min_lat <= lat <= max_lat and min_lng <= lng <= max_lng


def test_bounding_box_near_a_pole_covers_all_longitudes():
    assert geo.bounding_box(89.9999, 10, 50_000)[2:] == (-180.0, 180.0)


def test_natural_order():
    names = ["Splitter 10", "Splitter 2", "Splitter 1", "Splitter 1A", "Caixa"]
    assert sorted(names, key=geo.natural_key) == [
        "Caixa",
        "Splitter 1",
        "Splitter 1A",
        "Splitter 2",
        "Splitter 10",
    ]


def test_point_in_polygon():
    square = [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]]
    assert geo.point_in_polygon(5, 5, square)
    assert not geo.point_in_polygon(5, 11, square)
