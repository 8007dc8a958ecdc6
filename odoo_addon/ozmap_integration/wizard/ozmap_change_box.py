# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import math

from markupsafe import Markup, escape
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.ozmap_feasibility_line import REFUSAL_REASONS

EARTH_RADIUS_M = 6371008.8
SVG_SIZE = 360
SVG_MARGIN = 30


class OzmapChangeBoxWizard(models.TransientModel):
    """CHANGE BOX: the boxes feasible at the reservation's coordinates."""

    _name = "ozmap.change.box.wizard"
    _description = "OZmap change box"

    service_id = fields.Many2one("ozmap.service", required=True, ondelete="cascade")
    client_code = fields.Char(related="service_id.client_code")
    current_box_name = fields.Char(related="service_id.box_name")
    latitude = fields.Float(digits=(10, 7), readonly=True)
    longitude = fields.Float(digits=(10, 7), readonly=True)
    radius_m = fields.Integer(string="OzMap Raio", readonly=True)
    line_ids = fields.One2many("ozmap.change.box.line", "wizard_id", string="Boxes")
    new_line_id = fields.Many2one(
        "ozmap.change.box.line",
        string="New box",
        domain="[('wizard_id', '=', id), ('viable', '=', True), "
        "('is_current', '=', False)]",
    )
    map_svg = fields.Html(
        string="Map", compute="_compute_map_svg", sanitize=False, readonly=True
    )

    @api.model
    def _ozmap_create_for(self, service):
        """Run the feasibility at the reservation's coordinates and build lines."""
        try:
            # NOTE: OZmap runs the feasibility at the coordinates stored with the
            # reservation, which may differ from the ones edited in Odoo since.
            candidates = service._ozmap_call(
                "feasibility",
                "change_box_candidates",
                service.client_code,
                radius_m=service.radius_m or None,
            )
        except Exception as exc:
            return service._ozmap_fail(exc, "change_box")
        data, line_vals = service._ozmap_feasibility_line_vals(candidates)
        current_ref = str(data.get("current_box_id") or service.box_ref or "")
        lines = []
        current_found = False
        for vals in line_vals:
            is_current = vals["box_ref"] == current_ref
            current_found = current_found or is_current
            lines.append(
                {
                    "box_ref": vals["box_ref"],
                    "box_name": vals["box_name"],
                    "distance_m": vals["distance_m"],
                    "free_ports": vals["free_ports"],
                    "viable": vals["viable"],
                    "refusal_reason": vals.get("refusal_reason"),
                    "latitude": vals["latitude"],
                    "longitude": vals["longitude"],
                    "is_current": is_current,
                }
            )
        if not current_found and current_ref:
            # NOTE: the current box may be outside the list, e.g. when the
            # reservation took its last free port and OZmap no longer lists it.
            lines.append(
                {
                    "box_ref": current_ref,
                    "box_name": service.box_name
                    if current_ref == service.box_ref
                    else current_ref,
                    "viable": False,
                    "is_current": True,
                }
            )
        wizard = self.create(
            {
                "service_id": service.id,
                "latitude": data.get("lat") or service.latitude,
                "longitude": data.get("lng") or service.longitude,
                "radius_m": service.radius_m,
                "line_ids": [fields.Command.create(v) for v in lines],
            }
        )
        candidates = wizard.line_ids.filtered(lambda c: c.viable and not c.is_current)
        wizard.new_line_id = candidates[:1]
        return wizard

    @api.depends("latitude", "longitude", "radius_m", "line_ids", "new_line_id")
    def _compute_map_svg(self):
        for wizard in self:
            wizard.map_svg = wizard._ozmap_render_svg()

    def _ozmap_project(self, lat, lng, scale):
        """Metres east/north of the customer, as SVG coordinates."""
        lat0 = math.radians(self.latitude)
        dx = math.radians(lng - self.longitude) * math.cos(lat0) * EARTH_RADIUS_M
        dy = math.radians(lat - self.latitude) * EARTH_RADIUS_M
        centre = SVG_SIZE / 2.0
        return centre + dx * scale, centre - dy * scale

    def _ozmap_render_svg(self):
        """A small map-like drawing: customer, radius circle and boxes."""
        self.ensure_one()
        radius = float(self.radius_m or 1)
        scale = (SVG_SIZE / 2.0 - SVG_MARGIN) / radius
        centre = SVG_SIZE / 2.0
        parts = [
            Markup(
                '<svg xmlns="http://www.w3.org/2000/svg" width="%(s)d" height="%(s)d" '
                'viewBox="0 0 %(s)d %(s)d" role="img" class="o_ozmap_map" '
                'style="background:#f4f6f0;border:1px solid #ccc">'
            )
            % {"s": SVG_SIZE},
            Markup(
                '<circle cx="%(c).1f" cy="%(c).1f" r="%(r).1f" fill="#dbeafe" '
                'fill-opacity="0.5" stroke="#2563eb" stroke-dasharray="6 4"/>'
            )
            % {"c": centre, "r": radius * scale},
            Markup(
                '<text x="%(x).1f" y="%(y).1f" font-size="11" fill="#2563eb">'
                "%(label)s</text>"
            )
            % {
                "x": centre + 4,
                "y": centre - radius * scale - 4,
                "label": self.env._("%s m", self.radius_m),
            },
        ]
        for line in self.line_ids:
            if not (line.latitude or line.longitude):
                continue
            x, y = self._ozmap_project(line.latitude, line.longitude, scale)
            if line.is_current:
                colour, size = "#d97706", 7
            elif line == self.new_line_id:
                colour, size = "#16a34a", 7
            elif line.viable:
                colour, size = "#15803d", 5
            else:
                colour, size = "#9ca3af", 4
            parts.append(
                Markup(
                    '<rect x="%(x).1f" y="%(y).1f" width="%(w)d" height="%(w)d" '
                    'fill="%(c)s" stroke="#1f2937" stroke-width="0.5">'
                    "<title>%(t)s</title></rect>"
                )
                % {
                    "x": x - size / 2.0,
                    "y": y - size / 2.0,
                    "w": size,
                    "c": colour,
                    "t": line.display_name,
                }
            )
            if line.is_current or line == self.new_line_id:
                parts.append(
                    Markup(
                        '<text x="%(x).1f" y="%(y).1f" font-size="10" '
                        'fill="#111827">%(t)s</text>'
                    )
                    % {
                        "x": x + size,
                        "y": y - size / 2.0,
                        "t": escape(line.box_name or ""),
                    }
                )
        parts.append(
            Markup(
                '<circle cx="%(c).1f" cy="%(c).1f" r="6" fill="#dc2626" '
                'stroke="#fff" stroke-width="2"><title>%(t)s</title></circle>'
            )
            % {"c": centre, "t": self.env._("Customer")}
        )
        legend = {
            "#dc2626": self.env._("Customer"),
            "#d97706": self.env._("Current box"),
            "#16a34a": self.env._("Feasible box"),
            "#9ca3af": self.env._("Not feasible"),
        }
        for index, (colour, label) in enumerate(legend.items()):
            y = SVG_SIZE - 10 - 14 * (len(legend) - 1 - index)
            parts.append(
                Markup(
                    '<rect x="8" y="%(y)d" width="9" height="9" fill="%(c)s"/>'
                    '<text x="22" y="%(ty)d" font-size="10" fill="#374151">%(t)s'
                    "</text>"
                )
                % {"y": y - 8, "ty": y, "c": colour, "t": label}
            )
        parts.append(Markup("</svg>"))
        return Markup("").join(parts)

    def action_confirm(self):
        self.ensure_one()
        line = self.new_line_id
        if not line or not line.viable or line.is_current:
            raise UserError(
                self.env._("Choose a feasible box other than the current one.")
            )
        result = self.service_id._ozmap_change_box(line.box_ref, line.box_name)
        if isinstance(result, dict):
            return result
        return {"type": "ir.actions.act_window_close"}


class OzmapChangeBoxLine(models.TransientModel):
    _name = "ozmap.change.box.line"
    _description = "OZmap change box candidate"
    _order = "is_current desc, viable desc, distance_m, id"

    wizard_id = fields.Many2one(
        "ozmap.change.box.wizard", required=True, ondelete="cascade"
    )
    box_ref = fields.Char(string="Box ID", required=True)
    box_name = fields.Char(string="Box")
    distance_m = fields.Float(string="Distance (m)", digits=(16, 1))
    free_ports = fields.Integer()
    viable = fields.Boolean(string="Feasible")
    refusal_reason = fields.Selection(REFUSAL_REASONS)
    is_current = fields.Boolean(string="Current box")
    latitude = fields.Float(digits=(10, 7))
    longitude = fields.Float(digits=(10, 7))

    def _compute_display_name(self):
        for line in self:
            line.display_name = self.env._(
                "%(box)s (%(distance).0f m, %(free)s free)",
                box=line.box_name or line.box_ref,
                distance=line.distance_m,
                free=line.free_ports,
            )
