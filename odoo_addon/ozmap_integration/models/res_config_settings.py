# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .ozmap_backend import (
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_LOG_RETENTION_DAYS,
    DEFAULT_PORT,
    DEFAULT_RADIUS_M,
    DEFAULT_TIMEOUT_S,
    PARAM_PREFIX,
)

TOKEN_PARAM = PARAM_PREFIX + "token"
# Florianópolis (SC): any point inside Brazil would do for the connection test.
TEST_POINT = (-27.5954, -48.5480)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ozmap_url = fields.Char(
        string="OZmap URL",
        config_parameter=PARAM_PREFIX + "url",
        help="Address of your OZmap, for example https://yourcompany.ozmap.com.br",
    )
    # NOTE: the token is not a config_parameter field on purpose: such fields
    # are read back into the form, and the token must never leave the server.
    # An empty value on save keeps the stored token.
    ozmap_token = fields.Char(
        string="API token",
        groups="base.group_system",
        help="Leave empty to keep the token already stored.",
    )
    ozmap_token_set = fields.Boolean(
        string="Token stored", compute="_compute_ozmap_token_set"
    )
    ozmap_port = fields.Integer(
        string="OZmap port",
        config_parameter=PARAM_PREFIX + "port",
        default=DEFAULT_PORT,
    )
    ozmap_radius_m = fields.Integer(
        string="OzMap Raio",
        config_parameter=PARAM_PREFIX + "radius_m",
        default=DEFAULT_RADIUS_M,
        help="Feasibility radius in metres around the customer's coordinates.",
    )
    ozmap_connect_timeout = fields.Integer(
        string="Connection timeout (s)",
        config_parameter=PARAM_PREFIX + "connect_timeout",
        default=DEFAULT_CONNECT_TIMEOUT_S,
    )
    ozmap_timeout = fields.Integer(
        string="Request timeout (s)",
        config_parameter=PARAM_PREFIX + "timeout",
        default=DEFAULT_TIMEOUT_S,
        help="Longest time one OZmap operation may take, retries included.",
    )
    ozmap_ca_file = fields.Char(
        string="CA file",
        config_parameter=PARAM_PREFIX + "ca_file",
        help="Optional path, on the Odoo server, of an extra certificate authority "
        "file for OZmap servers with a private certificate.",
    )
    ozmap_skip_tls_verify = fields.Boolean(
        string="Skip TLS verification",
        config_parameter=PARAM_PREFIX + "skip_tls_verify",
        help="Only for tests against a server with a self-signed certificate.",
    )
    ozmap_log_retention_days = fields.Integer(
        string="Keep log lines (days)",
        config_parameter=PARAM_PREFIX + "log_retention_days",
        default=DEFAULT_LOG_RETENTION_DAYS,
    )

    def _compute_ozmap_token_set(self):
        stored = bool(self.env["ir.config_parameter"].sudo().get_param(TOKEN_PARAM))
        for settings in self:
            settings.ozmap_token_set = stored

    @api.constrains(
        "ozmap_port",
        "ozmap_radius_m",
        "ozmap_connect_timeout",
        "ozmap_timeout",
        "ozmap_log_retention_days",
    )
    def _check_ozmap_numbers(self):
        for settings in self:
            if not 1 <= settings.ozmap_port <= 65535:
                raise ValidationError(
                    self.env._("The OZmap port must be between 1 and 65535.")
                )
            if settings.ozmap_radius_m <= 0:
                raise ValidationError(
                    self.env._("The radius (OzMap Raio) must be more than 0 metres.")
                )
            if settings.ozmap_connect_timeout <= 0 or settings.ozmap_timeout <= 0:
                raise ValidationError(
                    self.env._("The OZmap timeouts must be more than 0 seconds.")
                )
            if settings.ozmap_log_retention_days <= 0:
                raise ValidationError(
                    self.env._("Log lines must be kept at least one day.")
                )

    def set_values(self):
        res = super().set_values()
        if self.env.is_admin() and (self.ozmap_token or "").strip():
            self.env["ir.config_parameter"].sudo().set_param(
                TOKEN_PARAM, self.ozmap_token.strip()
            )
            # Do not keep the token in the transient settings row.
            self.ozmap_token = False
        self.env["ozmap.backend"]._ozmap_clear_cache()
        return res

    def _ozmap_form_settings(self):
        """Settings as typed in the form (not yet saved); stored token if empty."""
        self.ensure_one()
        backend = self.env["ozmap.backend"]
        settings = backend._ozmap_get_settings()
        settings.update(
            {
                "url": (self.ozmap_url or "").strip(),
                "port": self.ozmap_port or DEFAULT_PORT,
                "radius_m": self.ozmap_radius_m or DEFAULT_RADIUS_M,
                "connect_timeout": self.ozmap_connect_timeout
                or DEFAULT_CONNECT_TIMEOUT_S,
                "timeout": self.ozmap_timeout or DEFAULT_TIMEOUT_S,
                "ca_file": (self.ozmap_ca_file or "").strip(),
                "skip_tls_verify": self.ozmap_skip_tls_verify,
            }
        )
        if (self.ozmap_token or "").strip():
            settings["token"] = self.ozmap_token.strip()
        return settings

    def action_ozmap_test_connection(self):
        """Check that OZmap answers with this URL, port and token."""
        self.ensure_one()
        if not self.env.is_admin():
            raise UserError(self.env._("Only administrators can test the connection."))
        backend = self.env["ozmap.backend"]
        settings = self._ozmap_form_settings()
        connector = backend._ozmap_build_connector(settings)
        try:
            # NOTE: a feasibility call with a 1 m radius (rather than a bare
            # token check) proves the token and the endpoint the buttons use,
            # and changes nothing in OZmap. The connector refuses (0, 0) and
            # any point outside Brazil before sending anything, so the probe
            # uses a fixed point inside its service area.
            backend._ozmap_call(
                "test_connection",
                "feasibility",
                *TEST_POINT,
                radius_m=1,
                connector=connector,
            )
        except Exception as exc:
            if not backend._ozmap_is_error(exc):
                raise
            message = backend._ozmap_error_message(exc, "test_connection")
            raise UserError(
                self.env._(
                    "The connection to OZmap failed.\n%(reason)s\n\nDetails: "
                    "%(detail)s",
                    reason=message,
                    detail=str(exc)[:500] or type(exc).__name__,
                )
            ) from exc
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Connection successful"),
                "message": self.env._(
                    "OZmap answered at %(url)s (port %(port)s) and accepted the token.",
                    url=settings["url"],
                    port=settings["port"],
                ),
                "type": "success",
                "sticky": False,
            },
        }
