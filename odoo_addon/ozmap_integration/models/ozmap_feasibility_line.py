# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

REFUSAL_REASONS = [
    ("draft", 'Box in draft ("Em projeto")'),
    ("no_service_splitter", "No service splitter"),
    ("full", "No free port"),
    ("blocked", "Only blocked ports"),
    ("other", "Other reason"),
]


class OzmapFeasibilityLine(models.Model):
    """A box found by the last feasibility check of a service."""

    _name = "ozmap.feasibility.line"
    _description = "OZmap feasibility line"
    _order = "viable desc, distance_m, id"

    service_id = fields.Many2one(
        "ozmap.service", required=True, ondelete="cascade", index=True
    )
    box_ref = fields.Char(string="Box ID", required=True)
    box_name = fields.Char(string="Box")
    distance_m = fields.Float(string="Distance (m)", digits=(16, 1))
    free_ports = fields.Integer()
    viable = fields.Boolean(string="Feasible")
    refusal_reason = fields.Selection(REFUSAL_REASONS)
    latitude = fields.Float(digits=(10, 7))
    longitude = fields.Float(digits=(10, 7))
    splitter_ref = fields.Char(string="Splitter ID")
    splitter_name = fields.Char(string="First free splitter")
    port = fields.Integer(string="First free port")

    def _compute_display_name(self):
        for line in self:
            line.display_name = self.env._(
                "%(box)s (%(distance).0f m, %(free)s free)",
                box=line.box_name or line.box_ref,
                distance=line.distance_m,
                free=line.free_ports,
            )
