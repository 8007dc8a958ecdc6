# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from datetime import timedelta

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

OPERATIONS = [
    ("test_connection", "Test connection"),
    ("feasibility", "Feasibility"),
    ("reserve", "Port reservation"),
    ("change_box", "Change box"),
    ("deploy", "Deployment"),
    ("cancel", "Cancellation"),
    ("connection_data", "Connection data"),
    ("reconcile", "Reconciliation"),
]


class OzmapLog(models.Model):
    """One line per OZmap call.

    Lines are written through a cursor of their own (see ``ozmap.backend``),
    so they are kept when the transaction that made the call is rolled back.
    They hold no token and no personal data: the client code is the only
    identifier kept.
    """

    _name = "ozmap.log"
    _description = "OZmap integration log"
    _order = "id desc"
    _rec_name = "operation"

    operation = fields.Selection(OPERATIONS, required=True, readonly=True)
    result = fields.Selection(
        [
            ("success", "Success"),
            ("error", "Error"),
            ("ambiguous", "Outcome unknown"),
            ("rolled_back", "Rolled back in Odoo"),
        ],
        required=True,
        readonly=True,
    )
    client_code = fields.Char(readonly=True, index=True)
    res_model = fields.Char(string="Record model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Record ID", model_field="res_model", readonly=True
    )
    duration_ms = fields.Float(string="Duration (ms)", readonly=True, digits=(16, 1))
    error_class = fields.Char(string="Error type", readonly=True)
    error_text = fields.Text(string="Error", readonly=True)

    @api.model
    def _cron_purge(self):
        """Remove the lines older than the retention period of the settings."""
        days = self.env["ozmap.backend"]._ozmap_get_settings()["log_retention_days"]
        limit = fields.Datetime.now() - timedelta(days=days)
        old = self.search([("create_date", "<", limit)])
        count = len(old)
        old.unlink()
        _logger.info("Removed %s OZmap log lines older than %s days", count, days)
        return count

    def action_open_record(self):
        self.ensure_one()
        if not self.res_model or not self.res_id:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
