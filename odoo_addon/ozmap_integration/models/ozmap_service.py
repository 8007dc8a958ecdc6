# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

import psycopg2
from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

PRE_RESERVATION_STATES = ("draft", "feasible", "not_feasible")
STATES = [
    ("draft", "Pre-registration"),
    ("feasible", "Feasible"),
    ("not_feasible", "Not feasible"),
    ("reserved", "Reserved"),
    ("installed", "Installed"),
    ("cancelled", "Cancelled"),
    ("to_check", "To check"),
]
PENDING_OPERATIONS = [
    ("reserve", "Port reservation"),
    ("change_box", "Change box"),
    ("deploy", "Deployment"),
    ("cancel", "Cancellation"),
]
MANAGER_GROUP = "ozmap_integration.group_ozmap_manager"


def _as_dict(result):
    """Plain dict of a connector result (every result has ``to_dict()``)."""
    if result is None:
        return {}
    if isinstance(result, dict):
        return result
    return result.to_dict()


def _ref(value):
    """Return ``(id, name)`` of an OZmap reference given as object, dict or id."""
    if value is None or value is False:
        return False, False
    if isinstance(value, dict):
        ident = value.get("id") or value.get("_id")
        return (str(ident) if ident else False), value.get("name") or False
    if isinstance(value, (str, int)):
        return str(value), False
    ident = getattr(value, "id", None)
    return (str(ident) if ident else False), getattr(value, "name", None) or False


class OzmapService(models.Model):
    """An FTTH service of a customer, followed from pre-registration to OZmap."""

    _name = "ozmap.service"
    _description = "OZmap FTTH service"
    _order = "id desc"

    _client_code_unique = models.Constraint(
        "UNIQUE (client_code)",
        "This client code is already used by another OZmap service.",
    )

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True
    )
    client_code = fields.Char(
        copy=False,
        index=True,
        help="Code of the client in OZmap. Required to reserve a port; it cannot "
        "be changed once the port is reserved.",
    )
    latitude = fields.Float(
        digits=(10, 7),
        compute="_compute_coordinates",
        store=True,
        readonly=False,
        precompute=True,
    )
    longitude = fields.Float(
        digits=(10, 7),
        compute="_compute_coordinates",
        store=True,
        readonly=False,
        precompute=True,
    )
    address = fields.Char(
        compute="_compute_address", store=True, readonly=False, precompute=True
    )
    radius_m = fields.Integer(
        string="OzMap Raio",
        default=lambda self: self.env["ozmap.backend"]._ozmap_get_settings()[
            "radius_m"
        ],
        help="Feasibility radius in metres around the customer's coordinates.",
    )
    state = fields.Selection(
        STATES, default="draft", required=True, readonly=True, copy=False, index=True
    )
    pending_operation = fields.Selection(
        PENDING_OPERATIONS,
        readonly=True,
        copy=False,
        help="Operation whose outcome in OZmap is unknown; the reconciliation "
        "settles it.",
    )
    last_error = fields.Text(readonly=True, copy=False)
    # Last feasibility
    feasibility_line_ids = fields.One2many(
        "ozmap.feasibility.line", "service_id", string="Boxes found", copy=False
    )
    feasibility_checked_at = fields.Datetime(
        string="Feasibility checked on", readonly=True, copy=False
    )
    chosen_line_id = fields.Many2one(
        "ozmap.feasibility.line",
        string="Box to reserve",
        copy=False,
        domain="[('service_id', '=', id), ('viable', '=', True)]",
    )
    # Connection data
    ozmap_client_id = fields.Char(string="OZmap client ID", readonly=True, copy=False)
    ozmap_property_id = fields.Char(
        string="OZmap property ID", readonly=True, copy=False
    )
    ozmap_drop_id = fields.Char(string="OZmap drop ID", readonly=True, copy=False)
    box_ref = fields.Char(string="Box ID", readonly=True, copy=False)
    box_name = fields.Char(string="Box", readonly=True, copy=False)
    splitter_ref = fields.Char(string="Splitter ID", readonly=True, copy=False)
    splitter_name = fields.Char(string="Splitter", readonly=True, copy=False)
    port = fields.Integer(readonly=True, copy=False)
    olt_name = fields.Char(string="OLT", readonly=True, copy=False)
    olt_slot = fields.Char(string="Slot", readonly=True, copy=False)
    olt_pon = fields.Char(string="PON", readonly=True, copy=False)
    # Text, so that "not measured" stays empty instead of showing 0.00 dBm.
    potency_read = fields.Char(string="Measured power (dBm)", readonly=True, copy=False)
    connection_checked_at = fields.Datetime(
        string="Connection data read on", readonly=True, copy=False
    )
    # Installation
    onu_serial = fields.Char(string="ONU serial", readonly=True, copy=False)
    pppoe_user = fields.Char(string="PPPoE user", readonly=True, copy=False)
    mac_address = fields.Char(string="MAC address", readonly=True, copy=False)
    installed_at = fields.Datetime(string="Installed on", readonly=True, copy=False)
    coordinates_missing = fields.Boolean(compute="_compute_coordinates_missing")

    # ------------------------------------------------------------------
    # Defaults, computes, constraints (no OZmap call in any of them)
    # ------------------------------------------------------------------
    @api.depends("partner_id")
    def _compute_coordinates(self):
        for service in self:
            partner = service.partner_id
            lat, lng = service.latitude, service.longitude
            if partner and (partner.partner_latitude or partner.partner_longitude):
                lat, lng = partner.partner_latitude, partner.partner_longitude
            service.latitude = lat or 0.0
            service.longitude = lng or 0.0

    @api.depends("partner_id")
    def _compute_address(self):
        for service in self:
            partner = service.partner_id
            if not partner:
                service.address = service.address or False
                continue
            parts = [
                partner.street,
                partner.street2,
                partner.city,
                partner.state_id.code,
                partner.zip,
            ]
            service.address = ", ".join(p for p in parts if p) or False

    @api.depends("latitude", "longitude")
    def _compute_coordinates_missing(self):
        for service in self:
            service.coordinates_missing = not service._ozmap_has_coordinates()

    @api.model
    def _normalize_client_code(self, code):
        # OZmap trims client codes; do the same so both sides agree.
        return (code or "").strip() or False

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "client_code" in vals:
                vals["client_code"] = self._normalize_client_code(vals["client_code"])
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("ozmap.service") or "/"
                )
        return super().create(vals_list)

    def write(self, vals):
        if "client_code" in vals:
            vals["client_code"] = self._normalize_client_code(vals["client_code"])
            locked = self.filtered(
                lambda s: (
                    s.state not in PRE_RESERVATION_STATES
                    and s.client_code != vals["client_code"]
                )
            )
            if locked:
                raise UserError(
                    self.env._(
                        "The client code cannot be changed once the port is "
                        "reserved in OZmap (service %(name)s).",
                        name=locked[0].name,
                    )
                )
        return super().write(vals)

    def _ozmap_has_coordinates(self):
        self.ensure_one()
        # NOTE: (0, 0) is how Odoo stores "no coordinates"; treat it as missing.
        return bool(self.latitude or self.longitude)

    # ------------------------------------------------------------------
    # Guards, run before any OZmap write
    # ------------------------------------------------------------------
    def _ozmap_check_state(self, allowed, action_label):
        for service in self:
            if service.state not in allowed:
                state_label = dict(
                    self._fields["state"]._description_selection(self.env)
                )[service.state]
                raise UserError(
                    self.env._(
                        "%(action)s is not possible for service %(name)s in state "
                        '"%(state)s".',
                        action=action_label,
                        name=service.name,
                        state=state_label,
                    )
                )

    def _ozmap_check_coordinates(self):
        for service in self:
            if not service._ozmap_has_coordinates():
                raise UserError(
                    self.env._(
                        "Service %(name)s has no coordinates. Enter the latitude and "
                        "longitude (or set them on the customer); 0, 0 counts as "
                        "missing.",
                        name=service.name,
                    )
                )
            if not (-90 <= service.latitude <= 90) or not (
                -180 <= service.longitude <= 180
            ):
                raise UserError(
                    self.env._(
                        "Service %(name)s has invalid coordinates: the latitude must "
                        "be between -90 and 90 and the longitude between -180 and "
                        "180.",
                        name=service.name,
                    )
                )

    def _ozmap_check_client_code(self):
        for service in self:
            if not service.client_code:
                raise UserError(
                    self.env._(
                        "Enter the client code of service %(name)s before reserving "
                        "a port.",
                        name=service.name,
                    )
                )

    def _ozmap_check_manager(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise UserError(
                self.env._("Only an OZmap manager can do this. Ask your manager.")
            )

    def _ozmap_lock(self):
        """Lock the rows so a double click cannot run the same operation twice."""
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM ozmap_service WHERE id IN %s FOR UPDATE NOWAIT",
                    (tuple(self.ids),),
                )
        except psycopg2.errors.LockNotAvailable as exc:
            raise UserError(
                self.env._(
                    "Another OZmap operation on this service is in progress. Wait "
                    "a moment and reload the page."
                )
            ) from exc
        self.invalidate_recordset()

    def _ozmap_prepare_write(self):
        """Run Odoo's own checks (access, constraints) before writing to OZmap."""
        self.check_access("write")
        self._ozmap_lock()

    def _ozmap_on_rollback(self, operation, client_code, outcome):
        """Record that Odoo rolled back after OZmap accepted ``operation``."""
        backend = self.env["ozmap.backend"]
        res_model, res_id = self._name, self.id

        def log_rollback():
            # NOTE: a request retried after a serialization failure runs the
            # operation again; the connector is idempotent by client code, so
            # this line only tells that a retry (or a compensation) followed.
            # TODO: compensate a write that Odoo rolled back for good (worker
            # killed, no retry): today only this log line records the orphan.
            backend._ozmap_log(
                operation,
                "rolled_back",
                0.0,
                client_code=client_code,
                note=f"Odoo rolled back after OZmap answered {outcome} "
                f"({res_model} #{res_id}).",
            )

        self.env.cr.postrollback.add(log_rollback)

    def _ozmap_call(self, operation, method, *args, **kwargs):
        self.ensure_one()
        return self.env["ozmap.backend"]._ozmap_call(
            operation,
            method,
            *args,
            record=self,
            client_code=self.client_code,
            **kwargs,
        )

    def _ozmap_fail(self, exc, operation):
        """Turn a connector error into a message, or into "to check"."""
        backend = self.env["ozmap.backend"]
        if not backend._ozmap_is_error(exc):
            raise exc
        if backend._ozmap_is_error(exc, "AmbiguousOutcomeError") and operation in dict(
            PENDING_OPERATIONS
        ):
            message = backend._ozmap_error_message(exc, operation, self.client_code)
            self.write(
                {
                    "state": "to_check",
                    "pending_operation": operation,
                    "last_error": message,
                }
            )
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": self.env._("Outcome unknown"),
                    "message": message,
                    "type": "warning",
                    "sticky": True,
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        backend._ozmap_raise_user_error(exc, operation, self.client_code)

    # ------------------------------------------------------------------
    # Applying OZmap answers
    # ------------------------------------------------------------------
    def _ozmap_apply_reservation(self, reservation, line=None):
        data = _as_dict(reservation)
        vals = {
            "ozmap_client_id": _ref(data.get("client_id"))[0],
            "ozmap_property_id": _ref(data.get("property_id"))[0],
            "ozmap_drop_id": _ref(data.get("drop_id"))[0],
            "box_ref": _ref(data.get("box_id"))[0],
            "splitter_ref": _ref(data.get("splitter_id"))[0],
            "port": data.get("port") or 0,
            "olt_name": False,
            "olt_slot": False,
            "olt_pon": False,
            "connection_checked_at": False,
        }
        if line:
            vals["box_name"] = line.box_name
            vals["splitter_name"] = (
                line.splitter_name
                if line.splitter_ref == vals["splitter_ref"]
                else False
            )
        self.write(vals)

    def _ozmap_apply_connection_data(self, connection):
        data = _as_dict(connection)
        client_id = _ref(data.get("client"))[0]
        property_id = _ref(data.get("property_id"))[0]
        drop_id = _ref(data.get("drop_id"))[0]
        box_id, box_name = _ref(data.get("box"))
        splitter_id, splitter_name = _ref(data.get("splitter"))
        olt_id, olt_name = _ref(data.get("olt"))
        slot_id, slot_name = _ref(data.get("slot"))
        pon_id, pon_name = _ref(data.get("pon"))
        port = data.get("port")
        if isinstance(port, dict):
            port = port.get("number") or port.get("port")
        potency = data.get("potency_read")
        measured = f"{float(potency):.2f}" if potency is not None else False
        self.write(
            {
                "ozmap_client_id": client_id or self.ozmap_client_id,
                "ozmap_property_id": property_id or self.ozmap_property_id,
                "ozmap_drop_id": drop_id or self.ozmap_drop_id,
                "box_ref": box_id or self.box_ref,
                "box_name": box_name
                or (self.box_name if box_id == self.box_ref else False),
                "splitter_ref": splitter_id or False,
                "splitter_name": splitter_name or False,
                "port": int(port or 0),
                "olt_name": olt_name or olt_id or False,
                "olt_slot": slot_name or slot_id or False,
                "olt_pon": pon_name or pon_id or False,
                "potency_read": measured,
                "connection_checked_at": fields.Datetime.now(),
            }
        )
        return data

    def _ozmap_feasibility_line_vals(self, feasibility):
        """Line values for a Feasibility result (viable boxes, then refused)."""
        data = _as_dict(feasibility)
        lines = []
        for box in data.get("boxes") or []:
            first = box.get("first_free") or {}
            lines.append(
                {
                    "box_ref": str(box.get("id")),
                    "box_name": box.get("name") or False,
                    "distance_m": box.get("distance_m") or 0.0,
                    "free_ports": box.get("free_ports") or 0,
                    "viable": True,
                    "latitude": box.get("lat") or 0.0,
                    "longitude": box.get("lng") or 0.0,
                    "splitter_ref": _ref(first.get("splitter_id"))[0],
                    "splitter_name": first.get("splitter_name") or False,
                    "port": first.get("port") or 0,
                }
            )
        reasons = {
            key
            for key, _label in self.env["ozmap.feasibility.line"]
            ._fields["refusal_reason"]
            .selection
        }
        for box in data.get("refused") or []:
            reason = box.get("reason") or "other"
            lines.append(
                {
                    "box_ref": str(box.get("id")),
                    "box_name": box.get("name") or False,
                    "distance_m": box.get("distance_m") or 0.0,
                    "free_ports": 0,
                    "viable": False,
                    "refusal_reason": reason if reason in reasons else "other",
                    "latitude": box.get("lat") or 0.0,
                    "longitude": box.get("lng") or 0.0,
                }
            )
        return data, lines

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------
    def action_check_feasibility(self):
        """Check feasibility at the service's coordinates (read-only in OZmap)."""
        self._ozmap_check_state(PRE_RESERVATION_STATES, self.env._("Feasibility"))
        self._ozmap_check_coordinates()
        for service in self:
            try:
                feasibility = service._ozmap_call(
                    "feasibility",
                    "feasibility",
                    service.latitude,
                    service.longitude,
                    radius_m=service.radius_m or None,
                )
            except Exception as exc:
                return service._ozmap_fail(exc, "feasibility")
            data, lines = service._ozmap_feasibility_line_vals(feasibility)
            viable = bool(data.get("viable")) and any(v["viable"] for v in lines)
            service.feasibility_line_ids.unlink()
            service.write(
                {
                    "feasibility_line_ids": [fields.Command.create(v) for v in lines],
                    "feasibility_checked_at": fields.Datetime.now(),
                    "state": "feasible" if viable else "not_feasible",
                    "last_error": False,
                }
            )
            service.chosen_line_id = service.feasibility_line_ids.filtered("viable")[:1]
        return True

    def action_reserve(self):
        """Reserve the first free port of the chosen box in OZmap."""
        self.ensure_one()
        self._ozmap_check_state(("feasible",), self.env._("Reservation"))
        self._ozmap_check_client_code()
        self._ozmap_check_coordinates()
        line = self.chosen_line_id
        if not line or not line.viable or line.service_id != self:
            raise UserError(
                self.env._("Choose one of the feasible boxes before reserving.")
            )
        self._ozmap_prepare_write()
        try:
            reservation = self._ozmap_call(
                "reserve",
                "reserve",
                self.client_code,
                line.box_ref,
                self.latitude,
                self.longitude,
                name=self.partner_id.name,
                address=self.address or None,
            )
        except Exception as exc:
            # Keep the chosen box, so the reconciliation can compare.
            return self._ozmap_fail(exc, "reserve")
        self._ozmap_on_rollback("reserve", self.client_code, "success")
        self._ozmap_apply_reservation(reservation, line)
        self.write(
            {"state": "reserved", "pending_operation": False, "last_error": False}
        )
        return True

    def action_open_change_box(self):
        """Open CHANGE BOX: boxes feasible at the reservation's coordinates."""
        self.ensure_one()
        self._ozmap_check_state(("reserved",), self.env._("Change of box"))
        self._ozmap_check_coordinates()
        wizard = self.env["ozmap.change.box.wizard"]._ozmap_create_for(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("CHANGE BOX"),
            "res_model": "ozmap.change.box.wizard",
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def _ozmap_change_box(self, box_ref, box_name=False):
        """Move the reservation to ``box_ref`` (called by the wizard)."""
        self.ensure_one()
        self._ozmap_check_state(("reserved",), self.env._("Change of box"))
        if box_ref == self.box_ref:
            raise UserError(self.env._("The service is already on this box."))
        self._ozmap_prepare_write()
        try:
            reservation = self._ozmap_call(
                "change_box", "change_box", self.client_code, box_ref
            )
        except Exception as exc:
            return self._ozmap_fail(exc, "change_box")
        self._ozmap_on_rollback("change_box", self.client_code, "success")
        self._ozmap_apply_reservation(reservation)
        self.write({"box_name": box_name, "last_error": False})
        return True

    def action_open_install_wizard(self):
        self.ensure_one()
        self._ozmap_check_manager()
        self._ozmap_check_state(("reserved",), self.env._("Installation"))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Confirm installation"),
            "res_model": "ozmap.install.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_service_id": self.id},
        }

    def _ozmap_deploy(self, onu_serial=False, pppoe_user=False, mac=False):
        """Deploy (implant) the client in OZmap; called by the wizard."""
        self.ensure_one()
        self._ozmap_check_manager()
        self._ozmap_check_state(("reserved",), self.env._("Installation"))
        self._ozmap_check_client_code()
        self.write(
            {
                "onu_serial": (onu_serial or "").strip() or False,
                "pppoe_user": (pppoe_user or "").strip() or False,
                "mac_address": (mac or "").strip().upper() or False,
            }
        )
        self._ozmap_prepare_write()
        try:
            self._ozmap_call(
                "deploy",
                "deploy",
                self.client_code,
                onu_serial=self.onu_serial or None,
                pppoe_user=self.pppoe_user or None,
                mac=self.mac_address or None,
            )
        except Exception as exc:
            return self._ozmap_fail(exc, "deploy")
        self.write(
            {
                "state": "installed",
                "installed_at": fields.Datetime.now(),
                "pending_operation": False,
                "last_error": False,
            }
        )
        return True

    def action_cancel_service(self):
        """Cancel: remove client, property and drop from OZmap."""
        self._ozmap_check_manager()
        self._ozmap_check_state(
            (*PRE_RESERVATION_STATES, "reserved", "installed", "to_check"),
            self.env._("Cancellation"),
        )
        for service in self:
            if service.state in PRE_RESERVATION_STATES:
                # Nothing was written to OZmap yet.
                service.write({"state": "cancelled", "pending_operation": False})
                continue
            service._ozmap_prepare_write()
            try:
                service._ozmap_call("cancel", "cancel", service.client_code)
            except Exception as exc:
                result = service._ozmap_fail(exc, "cancel")
                if len(self) == 1:
                    return result
                continue
            service.write(
                {"state": "cancelled", "pending_operation": False, "last_error": False}
            )
        return True

    def action_connection_data(self):
        """Thumbs-up: read OLT, slot/PON, box, splitter and port from OZmap."""
        self.ensure_one()
        self._ozmap_check_state(
            ("reserved", "installed"), self.env._("Connection data")
        )
        try:
            connection = self._ozmap_call(
                "connection_data", "connection_data", self.client_code
            )
        except Exception as exc:
            return self._ozmap_fail(exc, "connection_data")
        self._ozmap_apply_connection_data(connection)
        wizard = self.env["ozmap.connection.data.wizard"].create(
            {"service_id": self.id}
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Connection data"),
            "res_model": "ozmap.connection.data.wizard",
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    # ------------------------------------------------------------------
    # Reconciliation of "to check" services
    # ------------------------------------------------------------------
    def action_reconcile(self):
        self._ozmap_check_manager()
        self._ozmap_check_state(("to_check",), self.env._("Reconciliation"))
        for service in self:
            service._ozmap_reconcile_one(raise_errors=True)
        return True

    def _ozmap_reconcile_one(self, raise_errors=False):
        """Settle a "to check" service by looking its client code up in OZmap."""
        self.ensure_one()
        backend = self.env["ozmap.backend"]
        operation = self.pending_operation or "reserve"
        try:
            if operation == "deploy":
                self._ozmap_call(
                    "reconcile",
                    "deploy",
                    self.client_code,
                    onu_serial=self.onu_serial or None,
                    pppoe_user=self.pppoe_user or None,
                    mac=self.mac_address or None,
                )
                self.write(
                    {"state": "installed", "installed_at": fields.Datetime.now()}
                )
            elif operation == "cancel":
                self._ozmap_call("reconcile", "cancel", self.client_code)
                self.write({"state": "cancelled"})
            else:
                try:
                    connection = self._ozmap_call(
                        "reconcile", "connection_data", self.client_code
                    )
                except Exception as exc:
                    if not backend._ozmap_is_error(exc, "NotFoundError"):
                        raise
                    # The reservation was never made: back to the feasibility.
                    self.write(
                        {
                            "state": "feasible"
                            if self.feasibility_line_ids.filtered("viable")
                            else "draft",
                        }
                    )
                else:
                    self._ozmap_apply_connection_data(connection)
                    self.write({"state": "reserved"})
        except Exception as exc:
            if not backend._ozmap_is_error(exc):
                raise
            message = backend._ozmap_error_message(exc, operation, self.client_code)
            self.write({"last_error": message})
            if raise_errors:
                backend._ozmap_raise_user_error(exc, operation, self.client_code)
            return False
        self.write({"pending_operation": False, "last_error": False})
        return True

    @api.model
    def _cron_reconcile(self, limit=50):
        services = self.search([("state", "=", "to_check")], limit=limit)
        done = 0
        for service in services:
            try:
                with self.env.cr.savepoint():
                    done += bool(service._ozmap_reconcile_one())
            except (UserError, psycopg2.Error):
                _logger.warning(
                    "Reconciliation of OZmap service %s failed",
                    service.id,
                    exc_info=True,
                )
        _logger.info("Reconciled %s of %s OZmap services to check", done, len(services))
        return done
