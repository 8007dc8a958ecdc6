# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import OzmapSimulatorCase


@tagged("post_install", "-at_install")
class TestInstallCancel(OzmapSimulatorCase):
    def install_wizard(self, service, user=None, **vals):
        user = user or self.manager
        action = service.with_user(user).action_open_install_wizard()
        self.assertEqual(action["res_model"], "ozmap.install.wizard")
        return (
            self.env["ozmap.install.wizard"]
            .with_user(user)
            .with_context(**action["context"])
            .create(vals)
        )

    def test_confirm_installation(self):
        service = self.reserved_service()
        wizard = self.install_wizard(
            service,
            onu_serial="ZTEG1234ABCD",
            pppoe_user="cliente.teste",
            mac_address="aa:bb:cc:dd:ee:ff",
        )
        wizard.action_confirm()
        self.assertEqual(service.state, "installed")
        self.assertEqual(service.mac_address, "AA:BB:CC:DD:EE:FF")
        self.assertTrue(service.installed_at)
        # Connection data still readable once installed.
        service.action_connection_data()
        self.assertTrue(service.box_name)

    def test_confirm_installation_without_onu_data(self):
        service = self.reserved_service()
        self.install_wizard(service).action_confirm()
        self.assertEqual(service.state, "installed")

    def test_installation_needs_manager(self):
        service = self.reserved_service()
        with self.assertRaises(UserError):  # AccessError is a UserError
            service.with_user(self.user).action_open_install_wizard()
        with self.assertRaises(UserError):  # AccessError is a UserError
            service.with_user(self.user)._ozmap_deploy()

    def test_bad_mac_refused(self):
        service = self.reserved_service()
        with self.assertRaises(ValidationError):
            self.install_wizard(service, mac_address="not-a-mac")

    def test_deploy_code_mismatch(self):
        service = self.reserved_service()
        with (
            self.faulty("deploy", "NotFoundError"),
            self.assertRaisesRegex(UserError, "may not match"),
        ):
            self.install_wizard(service).action_confirm()
        self.assertEqual(service.state, "reserved")

    def test_deploy_ambiguous_then_reconciled(self):
        service = self.reserved_service()
        with self.faulty("deploy", "AmbiguousOutcomeError"):
            self.install_wizard(service, onu_serial="ONU1").action_confirm()
        self.assertEqual(service.state, "to_check")
        self.assertEqual(service.pending_operation, "deploy")
        self.env["ozmap.service"]._cron_reconcile()
        self.assertEqual(service.state, "installed")
        self.assertEqual(service.onu_serial, "ONU1")

    def test_cancel_reserved(self):
        service = self.reserved_service()
        box, free = service.box_ref, self.free_ports(service.box_ref)
        service.with_user(self.manager).action_cancel_service()
        self.assertEqual(service.state, "cancelled")
        self.assertEqual(self.free_ports(box), free + 1)
        self.assertEqual(self.lookup_properties(service.client_code), [])

    def test_cancel_installed(self):
        service = self.reserved_service()
        self.install_wizard(service).action_confirm()
        service.with_user(self.manager).action_cancel_service()
        self.assertEqual(service.state, "cancelled")
        self.assertEqual(self.lookup_properties(service.client_code), [])

    def test_cancel_already_gone_in_ozmap(self):
        service = self.reserved_service()
        self.connector.cancel(service.client_code)
        service.with_user(self.manager).action_cancel_service()
        self.assertEqual(service.state, "cancelled")

    def test_cancel_pre_registration_makes_no_call(self):
        service = self.new_service()
        with self.faulty("cancel", "TransportError") as faulty:
            service.with_user(self.manager).action_cancel_service()
        self.assertEqual(service.state, "cancelled")
        self.assertFalse(faulty.calls)

    def test_cancel_needs_manager(self):
        service = self.reserved_service()
        with self.assertRaises(UserError):  # AccessError is a UserError
            service.with_user(self.user).action_cancel_service()
        self.assertEqual(service.state, "reserved")

    def test_cancel_twice_refused(self):
        service = self.reserved_service()
        service.action_cancel_service()
        with self.assertRaises(UserError):
            service.action_cancel_service()

    def test_cancel_ambiguous_then_reconciled(self):
        service = self.reserved_service()
        with self.faulty("cancel", "AmbiguousOutcomeError"):
            service.action_cancel_service()
        self.assertEqual(service.state, "to_check")
        self.env["ozmap.service"]._cron_reconcile()
        self.assertEqual(service.state, "cancelled")
        self.assertEqual(self.lookup_properties(service.client_code), [])
