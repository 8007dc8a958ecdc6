# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import TOKEN, OzmapSimulatorCase, free_closed_port, make_error

ERROR_CLASSES = [
    "ConfigurationError",
    "InvalidInputError",
    "TransportError",
    "DeadlineExceeded",
    "TlsError",
    "HttpStatusError",
    "AuthenticationError",
    "RateLimitedError",
    "DecodeError",
    "NotFoundError",
    "ConflictError",
    "AmbiguousOutcomeError",
]


@tagged("post_install", "-at_install")
class TestErrorsAndLog(OzmapSimulatorCase):
    def test_every_error_class_has_its_own_message(self):
        backend = self.env["ozmap.backend"]
        fallback = backend._ozmap_error_message(Exception("x"))
        messages = {}
        for name in ERROR_CLASSES:
            message = backend._ozmap_error_message(make_error(name), "reserve", "C1")
            self.assertNotEqual(message, fallback, name)
            messages[name] = message
        self.assertEqual(len(set(messages.values())), len(ERROR_CLASSES))

    def test_user_error_carries_details_not_token(self):
        backend = self.env["ozmap.backend"]
        with self.assertRaises(UserError) as caught:
            backend._ozmap_raise_user_error(make_error("TransportError"), "reserve")
        self.assertIn("cannot be reached", str(caught.exception))
        self.assertNotIn(TOKEN, str(caught.exception))

    def test_unreachable_server(self):
        port = free_closed_port()
        self.configure(
            url=f"http://127.0.0.1:{port}", port=port, connect_timeout=2, timeout=4
        )
        service = self.new_service()
        with self.assertRaisesRegex(UserError, "cannot be reached"):
            service.action_check_feasibility()
        self.assertEqual(service.state, "draft")

    def test_token_rejected(self):
        self.configure(token="wrong-token")
        service = self.new_service()
        with self.assertRaisesRegex(UserError, "rejected the API token"):
            service.action_check_feasibility()

    def test_not_configured(self):
        self.configure(url="")
        service = self.new_service()
        with self.assertRaisesRegex(UserError, "not configured"):
            service.action_check_feasibility()

    def test_log_line_survives_rollback(self):
        service = self.new_service()
        service.action_check_feasibility()
        code = service.client_code
        with (
            self.faulty("reserve", "ConflictError"),
            self.assertRaises(UserError),
            self.env.cr.savepoint(),
        ):
            service.action_reserve()
        lines = self.log_lines(code)
        self.assertTrue(lines, "the log line was rolled back with the button")
        last = lines[-1]
        self.assertEqual((last["operation"], last["result"]), ("reserve", "error"))
        self.assertEqual(last["error_class"], "ConflictError")

    def test_log_has_no_token_nor_personal_data(self):
        self.reserved_service()
        with self.env.registry.cursor() as cr:
            cr.execute("SELECT * FROM ozmap_log")
            dump = self.dumps(cr.dictfetchall())
        self.assertNotIn(TOKEN, dump)
        self.assertNotIn(self.partner.name, dump)
        self.assertNotIn("Rua das Flores", dump)

    def test_log_visible_to_managers_only(self):
        self.reserved_service()
        self.env["ozmap.log"].with_user(self.manager).search([], limit=1)
        with self.assertRaises(AccessError):
            self.env["ozmap.log"].with_user(self.user).search([], limit=1)

    def test_purge_old_log_lines(self):
        log = self.env["ozmap.log"]
        old = log.create({"operation": "feasibility", "result": "success"})
        new = log.create({"operation": "feasibility", "result": "success"})
        self.env.cr.execute(
            "UPDATE ozmap_log SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(days=91), old.id),
        )
        log.invalidate_model()
        self.configure(log_retention_days=90)
        self.assertGreaterEqual(log._cron_purge(), 1)
        self.assertFalse(old.exists())
        self.assertTrue(new.exists())

    def test_reconcile_cron_keeps_unreachable_records(self):
        service = self.new_service()
        service.action_check_feasibility()
        with self.faulty("reserve", "AmbiguousOutcomeError"):
            service.action_reserve()
        with self.faulty("connection_data", "TransportError"):
            self.assertEqual(self.env["ozmap.service"]._cron_reconcile(), 0)
        self.assertEqual(service.state, "to_check")
        self.assertIn("cannot be reached", service.last_error)

    def test_crons_exist(self):
        for xmlid in ("ir_cron_ozmap_purge_log", "ir_cron_ozmap_reconcile"):
            self.assertTrue(self.env.ref("ozmap_integration." + xmlid).active)
