# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class OzmapConnectionDataWizard(models.TransientModel):
    """Read-only dialog shown by the thumbs-up button."""

    _name = "ozmap.connection.data.wizard"
    _description = "OZmap connection data"

    service_id = fields.Many2one("ozmap.service", required=True, ondelete="cascade")
    client_code = fields.Char(related="service_id.client_code")
    olt_name = fields.Char(related="service_id.olt_name")
    olt_slot = fields.Char(related="service_id.olt_slot")
    olt_pon = fields.Char(related="service_id.olt_pon")
    box_name = fields.Char(related="service_id.box_name")
    box_ref = fields.Char(related="service_id.box_ref")
    splitter_name = fields.Char(related="service_id.splitter_name")
    port = fields.Integer(related="service_id.port")
    potency_read = fields.Char(related="service_id.potency_read")
    connection_checked_at = fields.Datetime(related="service_id.connection_checked_at")
