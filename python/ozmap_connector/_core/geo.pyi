"""
Distances and radius searches on the sphere.
"""

from __future__ import annotations
import collections.abc
import typing

__all__: list[str] = [
    "EARTH_RADIUS_M",
    "GeoIndex",
    "MAX_RADIUS_M",
    "bounding_box",
    "distance_m",
    "radius_search",
    "validate_point",
    "validate_radius",
]

class GeoIndex:
    """
    An R-tree over (id, lat, lng) sites for many queries.
    """
    def __init__(
        self,
        sites: collections.abc.Sequence[
            tuple[
                str,
                typing.SupportsFloat | typing.SupportsIndex,
                typing.SupportsFloat | typing.SupportsIndex,
            ]
        ],
    ) -> None: ...
    def __len__(self) -> int: ...
    def within(
        self,
        lat: typing.SupportsFloat | typing.SupportsIndex,
        lng: typing.SupportsFloat | typing.SupportsIndex,
        radius_m: typing.SupportsFloat | typing.SupportsIndex,
    ) -> list[tuple[str, float]]: ...

def bounding_box(
    lat: typing.SupportsFloat | typing.SupportsIndex,
    lng: typing.SupportsFloat | typing.SupportsIndex,
    radius_m: typing.SupportsFloat | typing.SupportsIndex,
) -> tuple[float, float, float, float]: ...
def distance_m(
    lat1: typing.SupportsFloat | typing.SupportsIndex,
    lng1: typing.SupportsFloat | typing.SupportsIndex,
    lat2: typing.SupportsFloat | typing.SupportsIndex,
    lng2: typing.SupportsFloat | typing.SupportsIndex,
) -> float: ...
def radius_search(
    lat: typing.SupportsFloat | typing.SupportsIndex,
    lng: typing.SupportsFloat | typing.SupportsIndex,
    radius_m: typing.SupportsFloat | typing.SupportsIndex,
    sites: collections.abc.Sequence[
        tuple[
            str,
            typing.SupportsFloat | typing.SupportsIndex,
            typing.SupportsFloat | typing.SupportsIndex,
        ]
    ],
) -> list[tuple[str, float]]: ...
def validate_point(
    lat: typing.SupportsFloat | typing.SupportsIndex,
    lng: typing.SupportsFloat | typing.SupportsIndex,
) -> None: ...
def validate_radius(radius_m: typing.SupportsFloat | typing.SupportsIndex) -> None: ...

EARTH_RADIUS_M: float = 6371008.8
MAX_RADIUS_M: float = 50000.0
