# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from unittest.mock import patch

import psycopg2
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import OzmapSimulatorCase


@tagged("post_install", "-at_install")
class TestService(OzmapSimulatorCase):
    def test_defaults_from_partner(self):
        service = self.new_service()
        self.assertEqual(service.state, "draft")
        self.assertAlmostEqual(service.latitude, self.point[0], places=6)
        self.assertAlmostEqual(service.longitude, self.point[1], places=6)
        self.assertIn("Rua das Flores 10", service.address)
        self.assertTrue(service.name.startswith("OZS"))

    def test_client_code_trimmed_and_unique(self):
        service = self.new_service(client_code="  CODE-UNIQ-1 ")
        self.assertEqual(service.client_code, "CODE-UNIQ-1")
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(Exception) as caught,
            self.env.cr.savepoint(),
        ):
            self.new_service(client_code="CODE-UNIQ-1")
            self.env.flush_all()
        self.assertIsInstance(
            caught.exception, (psycopg2.IntegrityError, UserError, ValueError)
        )

    def test_onchange_makes_no_ozmap_call(self):
        other = self.env["res.partner"].create(
            {"name": "Outro", "partner_latitude": -10.0, "partner_longitude": -40.0}
        )
        with patch.object(
            type(self.env["ozmap.backend"]),
            "_ozmap_call",
            side_effect=AssertionError("OZmap called from the form"),
        ):
            form = Form(self.env["ozmap.service"])
            form.partner_id = other
            self.assertEqual(form.latitude, -10.0)
            form.client_code = "ONCHANGE-1"
            service = form.save()
        self.assertEqual(service.longitude, -40.0)

    def test_feasibility_feasible(self):
        service = self.new_service()
        service.with_user(self.user).action_check_feasibility()
        self.assertEqual(service.state, "feasible")
        viable = service.feasibility_line_ids.filtered("viable")
        self.assertGreaterEqual(len(viable), 2)
        self.assertEqual(service.chosen_line_id, viable.sorted("distance_m")[:1])
        self.assertTrue(all(line.free_ports > 0 for line in viable))
        self.assertTrue(service.feasibility_checked_at)

    def test_feasibility_not_feasible(self):
        # Open sea, far from any box.
        service = self.new_service(latitude=-0.5, longitude=-30.0)
        service.action_check_feasibility()
        self.assertEqual(service.state, "not_feasible")
        self.assertFalse(service.chosen_line_id)
        # Checking again after fixing the coordinates is allowed.
        service.write({"latitude": self.point[0], "longitude": self.point[1]})
        service.action_check_feasibility()
        self.assertEqual(service.state, "feasible")

    def test_feasibility_missing_coordinates(self):
        partner = self.env["res.partner"].create({"name": "Sem coordenadas"})
        service = self.new_service(partner_id=partner.id)
        self.assertTrue(service.coordinates_missing)
        with self.assertRaisesRegex(UserError, "no coordinates"):
            service.action_check_feasibility()

    def test_reserve(self):
        service = self.new_service()
        service.action_check_feasibility()
        line = service.chosen_line_id
        before = self.free_ports(line.box_ref)
        service.with_user(self.user).action_reserve()
        self.assertEqual(service.state, "reserved")
        self.assertEqual(service.box_ref, line.box_ref)
        self.assertEqual(service.box_name, line.box_name)
        self.assertGreater(service.port, 0)
        self.assertTrue(service.ozmap_property_id)
        self.assertEqual(self.free_ports(line.box_ref), before - 1)
        self.assertEqual(len(self.lookup_properties(service.client_code)), 1)

    def test_reserve_needs_client_code(self):
        service = self.new_service(client_code=False)
        service.action_check_feasibility()
        with self.assertRaisesRegex(UserError, "client code"):
            service.action_reserve()
        self.assertEqual(service.state, "feasible")

    def test_reserve_needs_feasible_state(self):
        service = self.new_service()
        with self.assertRaises(UserError):
            service.action_reserve()

    def test_client_code_read_only_once_reserved(self):
        service = self.reserved_service()
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            service.client_code = "OTHER-CODE"
        service.client_code = service.client_code  # same value is fine

    def test_double_click_reserves_once(self):
        service = self.reserved_service()
        with self.assertRaises(UserError):
            service.action_reserve()
        self.assertEqual(len(self.lookup_properties(service.client_code)), 1)

    def test_retry_after_serialization_failure_reserves_once(self):
        """Odoo re-runs a request after a serialization failure: one property."""
        service = self.new_service()
        service.action_check_feasibility()
        line = service.chosen_line_id
        before = self.free_ports(line.box_ref)
        with (
            self.assertRaises(psycopg2.errors.SerializationFailure),
            self.env.cr.savepoint(),
        ):
            service.action_reserve()
            self.assertEqual(service.state, "reserved")
            raise psycopg2.errors.SerializationFailure("simulated")
        self.env.invalidate_all()
        self.assertEqual(service.state, "feasible")
        service.action_reserve()  # what retrying() does
        self.assertEqual(service.state, "reserved")
        self.assertEqual(self.free_ports(line.box_ref), before - 1)
        self.assertEqual(len(self.lookup_properties(service.client_code)), 1)

    def test_same_code_on_other_box_is_refused(self):
        first = self.reserved_service()
        second = self.new_service()
        second.action_check_feasibility()
        other_line = second.feasibility_line_ids.filtered(
            lambda c: c.viable and c.box_ref != first.box_ref
        )[:1]
        # Simulate another system that reserved this code elsewhere in OZmap.
        self.connector.reserve(second.client_code, first.box_ref, *self.point)
        second.chosen_line_id = other_line
        with self.assertRaisesRegex(UserError, "already reserved on another box"):
            second.action_reserve()
        self.assertEqual(second.state, "feasible")

    def test_box_became_full(self):
        service = self.new_service()
        service.action_check_feasibility()
        with (
            self.faulty("reserve", "ConflictError"),
            self.assertRaisesRegex(UserError, "box became full"),
        ):
            service.action_reserve()
        self.assertEqual(service.state, "feasible")

    def test_reserve_ambiguous_then_reconciled(self):
        service = self.new_service()
        service.action_check_feasibility()
        with self.faulty("reserve", "AmbiguousOutcomeError", run_first=True):
            action = service.action_reserve()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(service.state, "to_check")
        self.assertEqual(service.pending_operation, "reserve")
        self.assertEqual(self.env["ozmap.service"]._cron_reconcile(), 1)
        self.assertEqual(service.state, "reserved")
        self.assertFalse(service.pending_operation)
        self.assertTrue(service.box_ref)

    def test_reserve_ambiguous_not_done_goes_back(self):
        service = self.new_service()
        service.action_check_feasibility()
        with self.faulty("reserve", "AmbiguousOutcomeError"):
            service.action_reserve()
        self.assertEqual(service.state, "to_check")
        service.with_user(self.manager).action_reconcile()
        self.assertEqual(service.state, "feasible")
        service.action_reserve()
        self.assertEqual(service.state, "reserved")

    def test_connection_data_thumbs_up(self):
        service = self.reserved_service()
        action = service.with_user(self.user).action_connection_data()
        self.assertEqual(action["res_model"], "ozmap.connection.data.wizard")
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(wizard.box_name, service.box_name)
        self.assertEqual(wizard.port, service.port)
        self.assertTrue(service.splitter_name)
        self.assertTrue(service.connection_checked_at)
        # TODO: assert OLT, slot and PON once the simulator's network is known
        # to feed every service splitter from an OLT.

    def test_connection_data_not_found(self):
        service = self.reserved_service()
        with (
            self.faulty("connection_data", "NotFoundError"),
            self.assertRaisesRegex(UserError, "client code"),
        ):
            service.action_connection_data()

    def test_user_cannot_delete(self):
        service = self.new_service()
        with self.assertRaises(AccessError):
            service.with_user(self.user).unlink()
