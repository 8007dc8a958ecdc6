# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import PREFIX, TOKEN, OzmapSimulatorCase, free_closed_port


@tagged("post_install", "-at_install")
class TestSettings(OzmapSimulatorCase):
    def settings(self, **vals):
        return self.env["res.config.settings"].create(vals)

    def test_defaults(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(PREFIX + "port", False)
        params.set_param(PREFIX + "radius_m", False)
        settings = self.settings()
        self.assertEqual(settings.ozmap_port, 9994)
        self.assertEqual(settings.ozmap_radius_m, 250)
        self.assertEqual(settings.ozmap_log_retention_days, 90)
        self.assertEqual(settings._fields["ozmap_radius_m"].string, "OzMap Raio")

    def test_token_is_never_read_back(self):
        settings = self.settings()
        self.assertFalse(settings.ozmap_token)
        self.assertTrue(settings.ozmap_token_set)
        values = self.env["res.config.settings"].default_get(
            list(self.env["res.config.settings"]._fields)
        )
        self.assertNotIn(TOKEN, self.dumps(values))

    def test_token_saved_and_kept_when_empty(self):
        self.settings(ozmap_token="  new-token  ").execute()
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(params.get_param(PREFIX + "token"), "new-token")
        # Saving with an empty token keeps the stored one.
        self.settings(ozmap_url=self.sim_url).execute()
        self.assertEqual(params.get_param(PREFIX + "token"), "new-token")

    def test_token_hidden_from_non_admins(self):
        with self.assertRaises(AccessError):
            self.env["ir.config_parameter"].with_user(self.manager).search_read(
                [("key", "=", PREFIX + "token")]
            )
        fields = self.env["res.config.settings"].with_user(self.manager).fields_get()
        self.assertNotIn("ozmap_token", fields)

    def test_saving_requires_admin(self):
        with self.assertRaises(AccessError):
            self.settings().with_user(self.manager).execute()

    def test_invalid_numbers(self):
        with self.assertRaises(ValidationError):
            self.settings(ozmap_port=70000)
        with self.assertRaises(ValidationError):
            self.settings(ozmap_radius_m=0)
        with self.assertRaises(ValidationError):
            self.settings(ozmap_timeout=0)

    def test_connection_ok(self):
        action = self.settings(
            ozmap_url=self.sim_url, ozmap_port=self.sim_port
        ).action_ozmap_test_connection()
        self.assertEqual(action["params"]["type"], "success")

    def test_connection_uses_typed_token(self):
        settings = self.settings(
            ozmap_url=self.sim_url, ozmap_port=self.sim_port, ozmap_token="wrong"
        )
        with self.assertRaisesRegex(UserError, "rejected the API token"):
            settings.action_ozmap_test_connection()

    def test_connection_port_closed(self):
        port = free_closed_port()
        settings = self.settings(
            ozmap_url=f"http://127.0.0.1:{port}",
            ozmap_port=port,
            ozmap_connect_timeout=2,
            ozmap_timeout=4,
        )
        with self.assertRaisesRegex(UserError, "cannot be reached"):
            settings.action_ozmap_test_connection()

    def test_connection_not_configured(self):
        self.configure(url="")
        with self.assertRaisesRegex(UserError, "not configured"):
            self.settings(ozmap_url=False).action_ozmap_test_connection()

    def test_connection_admin_only(self):
        settings = self.settings(ozmap_url=self.sim_url, ozmap_port=self.sim_port)
        with self.assertRaises(UserError):  # AccessError is a UserError
            settings.with_user(self.manager).action_ozmap_test_connection()

    def test_connector_cached_per_settings(self):
        backend = self.env["ozmap.backend"]
        first = backend._ozmap_connector()
        self.assertIs(first, backend._ozmap_connector())
        self.configure(radius_m=123)
        self.assertIsNot(first, backend._ozmap_connector())
        self.assertNotIn(TOKEN, repr(backend._ozmap_connector()))
