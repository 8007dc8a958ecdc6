# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

MAC_RE = re.compile(r"^[0-9A-Fa-f]{2}([:-]?[0-9A-Fa-f]{2}){5}$")


class OzmapInstallWizard(models.TransientModel):
    """Confirm the installation: the client is deployed (implanted) in OZmap."""

    _name = "ozmap.install.wizard"
    _description = "OZmap confirm installation"

    service_id = fields.Many2one("ozmap.service", required=True, ondelete="cascade")
    client_code = fields.Char(related="service_id.client_code")
    box_name = fields.Char(related="service_id.box_name")
    port = fields.Integer(related="service_id.port")
    onu_serial = fields.Char(string="ONU serial")
    pppoe_user = fields.Char(string="PPPoE user")
    mac_address = fields.Char(string="MAC address")

    @api.constrains("mac_address")
    def _check_mac_address(self):
        for wizard in self:
            if wizard.mac_address and not MAC_RE.match(wizard.mac_address.strip()):
                raise ValidationError(
                    self.env._("The MAC address must look like AA:BB:CC:DD:EE:FF.")
                )

    def action_confirm(self):
        self.ensure_one()
        result = self.service_id._ozmap_deploy(
            onu_serial=self.onu_serial,
            pppoe_user=self.pppoe_user,
            mac=self.mac_address,
        )
        if isinstance(result, dict):
            return result
        return {"type": "ir.actions.act_window_close"}
