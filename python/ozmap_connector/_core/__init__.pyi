"""
Compiled core of ozmap_connector. Use the ozmap_connector package instead.
"""

from __future__ import annotations
import collections.abc
import typing
from . import geo

__all__: list[str] = [
    "ApiClient",
    "CancelReport",
    "ConnectionData",
    "ConnectorCore",
    "CoverageAnswer",
    "Deployment",
    "Feasibility",
    "FeasibleBox",
    "NetworkSnapshot",
    "PortRef",
    "RefusedBox",
    "Reservation",
    "geo",
    "raise_error_for_tests",
]

class PortRef:
    """
    A port of a splitter (1-based).
    """
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """
        The result as plain dicts, lists and numbers (JSON-ready).
        """
    @property
    def port(self) -> int: ...
    @property
    def splitter_id(self) -> str: ...
    @property
    def splitter_name(self) -> str: ...

class FeasibleBox:
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """
        The result as plain dicts, lists and numbers (JSON-ready).
        """
    @property
    def distance_m(self) -> float: ...
    @property
    def first_free(self) -> PortRef: ...
    @property
    def free_ports(self) -> int: ...
    @property
    def id(self) -> str: ...
    @property
    def lat(self) -> float: ...
    @property
    def lng(self) -> float: ...
    @property
    def name(self) -> str: ...

class RefusedBox:
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """
        The result as plain dicts, lists and numbers (JSON-ready).
        """
    @property
    def distance_m(self) -> float: ...
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def reason(self) -> str: ...

class Feasibility:
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """
        The result as plain dicts, lists and numbers (JSON-ready).
        """
    @property
    def boxes(self) -> list[FeasibleBox]: ...
    @property
    def lat(self) -> float: ...
    @property
    def lng(self) -> float: ...
    @property
    def radius_m(self) -> float: ...
    @property
    def refused(self) -> list[RefusedBox]: ...
    @property
    def strategy(self) -> str: ...
    @property
    def viable(self) -> bool: ...

class Reservation:
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """
        The result as plain dicts, lists and numbers (JSON-ready).
        """
    @property
    def box_id(self) -> str: ...
    @property
    def client_code(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def created(self) -> bool: ...
    @property
    def drop_id(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def property_id(self) -> str: ...
    @property
    def splitter_id(self) -> str: ...

class Deployment:
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """
        The result as plain dicts, lists and numbers (JSON-ready).
        """
    @property
    def already_implanted(self) -> bool: ...
    @property
    def client_code(self) -> str: ...
    @property
    def client_id(self) -> str: ...

class CancelReport:
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """
        The result as plain dicts, lists and numbers (JSON-ready).
        """
    @property
    def client_code(self) -> str: ...
    @property
    def found(self) -> bool: ...
    @property
    def removed(self) -> list[str]: ...

class ConnectionData:
    def to_dict(self) -> dict[str, typing.Any]:
        """
        The result as plain dicts, lists and numbers (JSON-ready).
        """
    @property
    def box(self) -> typing.Any: ...
    @property
    def client(self) -> typing.Any: ...
    @property
    def client_code(self) -> str: ...
    @property
    def drop(self) -> typing.Any: ...
    @property
    def implanted(self) -> bool: ...
    @property
    def olt(self) -> typing.Any: ...
    @property
    def pon(self) -> typing.Any: ...
    @property
    def port(self) -> int: ...
    @property
    def potency_read(self) -> float | None: ...
    @property
    def property_id(self) -> str: ...
    @property
    def slot(self) -> typing.Any: ...
    @property
    def splitter(self) -> typing.Any: ...

class CoverageAnswer:
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """
        The result as plain dicts, lists and numbers (JSON-ready).
        """
    @property
    def box_id(self) -> str | None: ...
    @property
    def box_name(self) -> str | None: ...
    @property
    def distance_m(self) -> float: ...
    @property
    def error(self) -> str | None: ...
    @property
    def feasible_boxes(self) -> int: ...
    @property
    def free_ports(self) -> int: ...
    @property
    def point_id(self) -> str: ...
    @property
    def viable(self) -> bool: ...

class NetworkSnapshot:
    """
    Feasible boxes and free ports of a whole network.
    """
    @staticmethod
    def from_json(arg0: str) -> NetworkSnapshot: ...
    def __repr__(self) -> str: ...
    def query(
        self,
        points: list[
            tuple[
                str,
                typing.SupportsFloat | typing.SupportsIndex,
                typing.SupportsFloat | typing.SupportsIndex,
            ]
        ],
        radius_m: typing.SupportsFloat | typing.SupportsIndex,
        service_area: tuple[
            typing.SupportsFloat | typing.SupportsIndex,
            typing.SupportsFloat | typing.SupportsIndex,
            typing.SupportsFloat | typing.SupportsIndex,
            typing.SupportsFloat | typing.SupportsIndex,
        ]
        | None = None,
    ) -> list[CoverageAnswer]: ...
    def to_json(self) -> str: ...
    @property
    def box_count(self) -> int: ...
    @property
    def boxes(self) -> list[FeasibleBox]: ...
    @property
    def refused(self) -> list[RefusedBox]: ...

class ConnectorCore:
    """
    The core connector; use Connector.
    """
    def __init__(
        self,
        url: str,
        token: str,
        port: typing.SupportsInt | typing.SupportsIndex,
        radius_m: typing.SupportsFloat | typing.SupportsIndex,
        strategy: str,
        connect_timeout: typing.SupportsFloat | typing.SupportsIndex,
        tls_timeout: typing.SupportsFloat | typing.SupportsIndex,
        idle_timeout: typing.SupportsFloat | typing.SupportsIndex,
        total_timeout: typing.SupportsFloat | typing.SupportsIndex,
        retries: typing.SupportsInt | typing.SupportsIndex,
        ca_file: str,
        verify_tls: bool,
        page_size: typing.SupportsInt | typing.SupportsIndex,
        service_area: tuple[
            typing.SupportsFloat | typing.SupportsIndex,
            typing.SupportsFloat | typing.SupportsIndex,
            typing.SupportsFloat | typing.SupportsIndex,
            typing.SupportsFloat | typing.SupportsIndex,
        ]
        | None,
    ) -> None: ...
    def cancel(self, client_code: str) -> CancelReport: ...
    def change_box(self, client_code: str, box_id: str) -> Reservation: ...
    def change_box_candidates(
        self,
        client_code: str,
        radius_m: typing.SupportsFloat | typing.SupportsIndex | None = None,
    ) -> tuple[Feasibility, str]: ...
    def connection_data(self, client_code: str) -> ConnectionData: ...
    def deploy(
        self,
        client_code: str,
        onu_serial: str | None = None,
        pppoe_user: str | None = None,
        mac: str | None = None,
    ) -> Deployment: ...
    def feasibility(
        self,
        lat: typing.SupportsFloat | typing.SupportsIndex,
        lng: typing.SupportsFloat | typing.SupportsIndex,
        radius_m: typing.SupportsFloat | typing.SupportsIndex | None = None,
        strategy: str | None = None,
    ) -> Feasibility: ...
    def reserve(
        self,
        client_code: str,
        box_id: str,
        lat: typing.SupportsFloat | typing.SupportsIndex,
        lng: typing.SupportsFloat | typing.SupportsIndex,
        name: str | None = None,
        address: str | None = None,
        note: str | None = None,
    ) -> Reservation: ...
    def snapshot(self) -> NetworkSnapshot: ...
    @property
    def requests_sent(self) -> int: ...

class ApiClient:
    """
    Low-level OZmap API v2 client; see ozmap_connector.ApiClient.
    """
    def __init__(
        self,
        url: str,
        token: str,
        port: typing.SupportsInt | typing.SupportsIndex = 9994,
        total_timeout: typing.SupportsFloat | typing.SupportsIndex = 30.0,
        retries: typing.SupportsInt | typing.SupportsIndex = 2,
        ca_file: str = "",
        verify_tls: bool = True,
        page_size: typing.SupportsInt | typing.SupportsIndex = 500,
    ) -> None: ...
    def authenticated(self) -> bool: ...
    def create(self, route: str, json_body: str) -> typing.Any: ...
    def get(
        self, route: str, params: collections.abc.Mapping[str, str] = {}
    ) -> typing.Any: ...
    def get_by_id(self, route: str, id: str) -> typing.Any: ...
    def list_rows(
        self, route: str, filters: list[dict[str, typing.Any]] = [], select: str = ""
    ) -> list[typing.Any]: ...
    def properties_by_client_code(self, code: str) -> list[dict[str, typing.Any]]: ...
    def remove(self, route: str, id: str) -> bool: ...
    def update(self, route: str, id: str, json_body: str) -> None: ...
    @property
    def request_count(self) -> int: ...

def raise_error_for_tests(
    kind: str,
    message: str,
    status: typing.SupportsInt | typing.SupportsIndex = 0,
    retry_after: typing.SupportsFloat | typing.SupportsIndex | None = None,
    field: str = "",
) -> None: ...

__version__: str = "0.1.0"
