# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Shared set-up: an OZmap simulator on loopback, in this process."""

import json
import socket
import unittest
from contextlib import contextmanager
from unittest.mock import patch
from urllib.parse import urlsplit

import requests
from odoo.tests.common import TransactionCase, new_test_user

try:
    import ozmap_connector
except ImportError:  # pragma: no cover - depends on the environment
    ozmap_connector = None
try:
    import ozmap_simulator
except ImportError:  # pragma: no cover - depends on the environment
    ozmap_simulator = None

TOKEN = "test-token-3f9a"  # only valid for the simulator of these tests
PREFIX = "ozmap_integration."
SEARCH_RADIUS_M = 300


def free_closed_port():
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_error(class_name, message="simulated failure"):
    """An instance of a connector error class, for fault injection."""
    klass = getattr(ozmap_connector, class_name)
    try:
        return klass(message)
    except TypeError:
        exc = klass.__new__(klass)
        Exception.__init__(exc, message)
        return exc


def api_root(base_url):
    """The simulator's ``/api/v2`` root, whether or not base_url carries it."""
    root = base_url.rstrip("/")
    return root if root.endswith("/api/v2") else root + "/api/v2"


def find_viable_point(connector, base_url):
    """A point with at least two feasible boxes within the search radius."""
    response = requests.get(
        api_root(base_url) + "/boxes",
        params={"limit": 200},
        headers={"Authorization": TOKEN},
        timeout=10,
    )
    response.raise_for_status()
    for row in response.json().get("rows", []):
        lat, lng = row.get("lat"), row.get("lng")
        if lat is None and row.get("coords"):
            lng, lat = row["coords"]
        if lat is None or row.get("draft"):
            continue
        # A little off the box, as a real customer would be.
        point = (lat + 0.0003, lng + 0.0002)
        result = connector.feasibility(*point, radius_m=SEARCH_RADIUS_M)
        boxes = result.to_dict().get("boxes") or []
        if len(boxes) >= 2:
            return point, boxes
    raise AssertionError("the simulator network has no point with two boxes")


class FaultyConnector:
    """Delegate to the real connector, but fail (or run, then fail) a method."""

    def __init__(self, real, method, error, run_first=False):
        self._real = real
        self._method = method
        self._error = error
        self._run_first = run_first
        self.calls = []

    def __getattr__(self, name):
        attr = getattr(self._real, name)
        if name != self._method:
            return attr

        def faulty(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            if self._run_first:
                attr(*args, **kwargs)
            raise self._error

        return faulty


class OzmapSimulatorCase(TransactionCase):
    """TransactionCase with an OZmap simulator configured in the settings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if ozmap_connector is None or ozmap_simulator is None:
            raise unittest.SkipTest(
                "ozmap-connector (with ozmap_simulator) is not installed"
            )
        cls.simulator = ozmap_simulator.Simulator(
            size="small", seed=1, token=TOKEN, db=":memory:", port=0
        )
        cls.sim = cls.simulator.__enter__()
        cls.addClassCleanup(cls.simulator.__exit__, None, None, None)
        cls.sim_url = cls.sim.base_url
        cls.sim_port = urlsplit(cls.sim_url).port
        cls.configure(url=cls.sim_url, token=TOKEN, port=cls.sim_port)
        cls.backend = cls.env["ozmap.backend"]
        cls.connector = cls.backend._ozmap_connector()
        cls.point, cls.viable_boxes = cls._find_viable_point()
        cls.user = new_test_user(
            cls.env,
            login="ozmap_seller",
            groups="base.group_user,ozmap_integration.group_ozmap_user",
        )
        cls.manager = new_test_user(
            cls.env,
            login="ozmap_manager",
            groups="base.group_user,ozmap_integration.group_ozmap_manager",
        )
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "Cliente Teste",
                "street": "Rua das Flores 10",
                "city": "Florianópolis",
                "partner_latitude": cls.point[0],
                "partner_longitude": cls.point[1],
            }
        )
        cls.counter = 0

    @classmethod
    def configure(cls, **values):
        params = cls.env["ir.config_parameter"].sudo()
        for key, value in values.items():
            params.set_param(PREFIX + key, value)
        cls.env["ozmap.backend"]._ozmap_clear_cache()

    @classmethod
    def _api_root(cls):
        return api_root(cls.sim_url)

    @classmethod
    def _find_viable_point(cls):
        return find_viable_point(cls.connector, cls.sim_url)

    def setUp(self):
        super().setUp()
        self.env["ozmap.backend"]._ozmap_clear_cache()

    def new_service(self, **vals):
        type(self).counter += 1
        values = {
            "partner_id": self.partner.id,
            "client_code": "ODOO-TEST-{}-{}".format(
                self.id().rsplit(".", 1)[-1][:20], self.counter
            ),
            "radius_m": SEARCH_RADIUS_M,
        }
        values.update(vals)
        return self.env["ozmap.service"].create(values)

    def reserved_service(self, **vals):
        service = self.new_service(**vals)
        service.action_check_feasibility()
        service.action_reserve()
        self.assertEqual(service.state, "reserved")
        return service

    def free_ports(self, box_ref, point=None):
        lat, lng = point or self.point
        result = self.connector.feasibility(lat, lng, radius_m=SEARCH_RADIUS_M * 3)
        for box in result.to_dict().get("boxes") or []:
            if str(box["id"]) == str(box_ref):
                return box["free_ports"]
        return 0

    def lookup_properties(self, code):
        """Properties that OZmap holds for a client code (REST read-back)."""
        response = requests.get(
            self._api_root() + "/properties/client/" + requests.utils.quote(code, ""),
            headers={"Authorization": TOKEN},
            timeout=10,
        )
        if response.status_code == 404:
            return []
        response.raise_for_status()
        data = response.json()
        return data if isinstance(data, list) else data.get("rows", [])

    @contextmanager
    def faulty(self, method, class_name, run_first=False):
        """Make ``method`` of the connector raise ``class_name``."""
        faulty = FaultyConnector(
            self.connector, method, make_error(class_name), run_first=run_first
        )
        with patch.object(
            type(self.env["ozmap.backend"]), "_ozmap_connector", lambda self: faulty
        ):
            yield faulty

    def log_lines(self, client_code):
        """Log lines for a code, read through another cursor (committed only)."""
        with self.env.registry.cursor() as cr:
            cr.execute(
                "SELECT operation, result, error_class, error_text "
                "FROM ozmap_log WHERE client_code = %s ORDER BY id",
                (client_code,),
            )
            return cr.dictfetchall()

    @staticmethod
    def dumps(value):
        return json.dumps(value, default=str)
