# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The one place where the addon builds and calls the OZmap connector."""

import hashlib
import logging
import threading
import time

from odoo import SUPERUSER_ID, api, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

try:
    import ozmap_connector
except ImportError:  # pragma: no cover - depends on the environment
    ozmap_connector = None
    _logger.debug("The python package ozmap-connector is not installed.")

PARAM_PREFIX = "ozmap_integration."
DEFAULT_PORT = 9994
DEFAULT_RADIUS_M = 250
DEFAULT_CONNECT_TIMEOUT_S = 5
DEFAULT_TIMEOUT_S = 30
DEFAULT_LOG_RETENTION_DAYS = 90
ERROR_TEXT_LIMIT = 2000

# NOTE: one connector per worker process, rebuilt when the settings change.
# The connector owns a connection pool and is safe to share across threads;
# it detects a fork by itself, so Odoo's prefork workers need nothing more.
_CONNECTOR_LOCK = threading.Lock()
_CONNECTOR_CACHE = {}


def _connector_error(name):
    """Return the connector's error class called ``name``, or None."""
    if ozmap_connector is None:
        return None
    return getattr(ozmap_connector, name, None)


class OzmapBackend(models.AbstractModel):
    _name = "ozmap.backend"
    _description = "OZmap connection helper"

    # ------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------
    @api.model
    def _ozmap_get_settings(self):
        """Read the OZmap settings; business users read them through sudo."""
        get = self.env["ir.config_parameter"].sudo().get_param

        def as_int(key, default):
            try:
                value = int(get(PARAM_PREFIX + key) or default)
            except ValueError:
                value = default
            return value if value > 0 else default

        return {
            "url": (get(PARAM_PREFIX + "url") or "").strip(),
            "token": (get(PARAM_PREFIX + "token") or "").strip(),
            "port": as_int("port", DEFAULT_PORT),
            "radius_m": as_int("radius_m", DEFAULT_RADIUS_M),
            "connect_timeout": as_int("connect_timeout", DEFAULT_CONNECT_TIMEOUT_S),
            "timeout": as_int("timeout", DEFAULT_TIMEOUT_S),
            "ca_file": (get(PARAM_PREFIX + "ca_file") or "").strip(),
            "skip_tls_verify": get(PARAM_PREFIX + "skip_tls_verify") == "True",
            "log_retention_days": as_int(
                "log_retention_days", DEFAULT_LOG_RETENTION_DAYS
            ),
        }

    # ------------------------------------------------------------------
    # Connector construction (the only place where it happens)
    # ------------------------------------------------------------------
    @api.model
    def _ozmap_check_installed(self):
        if ozmap_connector is None:
            raise UserError(
                self.env._(
                    'The Python package "ozmap-connector" is not installed on the '
                    "Odoo server. Ask your administrator to install it (pip install "
                    "ozmap-connector) and restart Odoo."
                )
            )

    @api.model
    def _ozmap_connector_kwargs(self, settings):
        # NOTE: the connector takes a mapping of ``Timeouts`` fields; the steps
        # not set here (TLS handshake, idle read) keep the connector's defaults.
        kwargs = {
            "port": settings["port"],
            "radius_m": settings["radius_m"],
            "timeouts": {
                "connect": float(settings["connect_timeout"]),
                "total": float(settings["timeout"]),
            },
        }
        if settings["ca_file"]:
            kwargs["ca_file"] = settings["ca_file"]
        if settings["skip_tls_verify"]:
            kwargs["verify_tls"] = False
        return kwargs

    @api.model
    def _ozmap_build_connector(self, settings):
        """Build a connector from ``settings`` (not cached)."""
        self._ozmap_check_installed()
        if not settings["url"] or not settings["token"]:
            raise UserError(
                self.env._(
                    "OZmap is not configured yet: the URL or the API token is "
                    "missing. Ask an administrator to fill them in under "
                    "OZmap > Configuration > Settings."
                )
            )
        return ozmap_connector.Connector(
            settings["url"], settings["token"], **self._ozmap_connector_kwargs(settings)
        )

    @api.model
    def _ozmap_cache_key(self, settings):
        key = dict(settings)
        # NOTE: the token is kept in the key only as a digest.
        key["token"] = hashlib.sha256(settings["token"].encode()).hexdigest()
        key.pop("log_retention_days", None)
        return (self.env.cr.dbname, tuple(sorted(key.items())))

    @api.model
    def _ozmap_connector(self):
        """Return the connector for the current settings, cached per process."""
        settings = self._ozmap_get_settings()
        cache_key = self._ozmap_cache_key(settings)
        with _CONNECTOR_LOCK:
            connector = _CONNECTOR_CACHE.get(cache_key)
            if connector is None:
                connector = self._ozmap_build_connector(settings)
                # Drop connectors built from older settings of this database.
                for key in [k for k in _CONNECTOR_CACHE if k[0] == cache_key[0]]:
                    del _CONNECTOR_CACHE[key]
                _CONNECTOR_CACHE[cache_key] = connector
        return connector

    @api.model
    def _ozmap_clear_cache(self):
        with _CONNECTOR_LOCK:
            _CONNECTOR_CACHE.clear()

    # ------------------------------------------------------------------
    # Calls, with a log line that survives a rollback
    # ------------------------------------------------------------------
    @api.model
    def _ozmap_call(
        self,
        operation,
        method,
        *args,
        record=None,
        connector=None,
        client_code=None,
        **kwargs,
    ):
        """Call ``connector.<method>(*args, **kwargs)`` and log the outcome.

        Library errors are re-raised unchanged; callers turn them into user
        messages with :meth:`_ozmap_raise_user_error`.
        """
        if connector is None:
            connector = self._ozmap_connector()
        started = time.monotonic()
        try:
            result = getattr(connector, method)(*args, **kwargs)
        except Exception as exc:
            duration = time.monotonic() - started
            ambiguous = _connector_error("AmbiguousOutcomeError")
            outcome = (
                "ambiguous" if ambiguous and isinstance(exc, ambiguous) else "error"
            )
            self._ozmap_log(
                operation,
                outcome,
                duration,
                record=record,
                client_code=client_code,
                error=exc,
            )
            _logger.warning(
                "OZmap %s failed for client code %s after %.0f ms: %s",
                operation,
                client_code or "-",
                duration * 1000,
                type(exc).__name__,
            )
            raise
        duration = time.monotonic() - started
        self._ozmap_log(
            operation, "success", duration, record=record, client_code=client_code
        )
        _logger.info(
            "OZmap %s succeeded for client code %s in %.0f ms",
            operation,
            client_code or "-",
            duration * 1000,
        )
        return result

    @api.model
    def _ozmap_log(
        self,
        operation,
        result,
        duration,
        record=None,
        client_code=None,
        error=None,
        note=None,
    ):
        """Write one ``ozmap.log`` line through a cursor of its own.

        The line is committed at once, so it stays when the transaction of the
        button that failed is rolled back. Never write the token, names or
        addresses here: the client code is the only identifier kept.
        """
        vals = {
            "operation": operation,
            "result": result,
            "duration_ms": round(duration * 1000.0, 1),
            "client_code": client_code or False,
            "res_model": record._name if record else False,
            "res_id": record.id if record else False,
        }
        if error is not None:
            vals["error_class"] = type(error).__name__
            vals["error_text"] = (str(error) or repr(error))[:ERROR_TEXT_LIMIT]
        if note:
            vals["error_text"] = ((vals.get("error_text") or "") + note)[
                :ERROR_TEXT_LIMIT
            ]
        try:
            with self.env.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["ozmap.log"].create(vals)
        except Exception:  # the log must never break the business operation
            _logger.exception("Could not write the OZmap log line for %s", operation)

    # ------------------------------------------------------------------
    # Errors a salesperson understands
    # ------------------------------------------------------------------
    @api.model
    def _ozmap_error_message(self, exc, operation=None, client_code=None):
        """Return the translated message for a connector exception."""
        code = client_code or ""
        # Most specific classes first: some are subclasses of others.
        messages = {
            "ConfigurationError": self.env._(
                "The OZmap settings are incomplete or wrong (URL, token, port or "
                "certificate file). Ask an administrator to check OZmap > "
                "Configuration > Settings."
            ),
            "InvalidInputError": self.env._(
                "OZmap cannot use the data of this service. Check the client "
                "code and the coordinates (latitude between -90 and 90, "
                "longitude between -180 and 180)."
            ),
            "AuthenticationError": self.env._(
                "OZmap rejected the API token. Ask an administrator to enter a "
                "valid token in the OZmap settings."
            ),
            "RateLimitedError": self.env._(
                "OZmap is busy right now (too many requests). Wait a minute and "
                "try again."
            ),
            "TlsError": self.env._(
                "The secure connection to OZmap failed (certificate problem). "
                "Ask an administrator to check the OZmap URL and certificate "
                "settings."
            ),
            "DeadlineExceeded": self.env._(
                "OZmap did not answer in time. Try again in a moment."
            ),
            "TransportError": self.env._(
                "OZmap cannot be reached: the server is unreachable or the port "
                "is closed. Check the network and the OZmap settings, then try "
                "again."
            ),
            "DecodeError": self.env._(
                "OZmap sent an answer that could not be read. Try again later; "
                "if it persists, contact support."
            ),
            "NotFoundError": self._ozmap_not_found_message(operation, code),
            "ConflictError": self._ozmap_conflict_message(operation, code),
            "AmbiguousOutcomeError": self.env._(
                "OZmap did not confirm the operation in time, so it may or may "
                'not have been done. The service is marked "To check" and will '
                "be checked again automatically."
            ),
            "HttpStatusError": self.env._(
                "OZmap answered with an error (HTTP status %(status)s).",
                status=getattr(exc, "status", "?"),
            ),
        }
        for class_name, message in messages.items():
            klass = _connector_error(class_name)
            if klass is not None and isinstance(exc, klass):
                return message
        return self.env._("The OZmap operation failed unexpectedly.")

    @api.model
    def _ozmap_not_found_message(self, operation, code):
        if operation in ("deploy", "connection_data", "change_box"):
            return self.env._(
                'OZmap has no reservation for the client code "%(code)s". The '
                "client code in Odoo may not match the one in OZmap.",
                code=code,
            )
        if operation == "reserve":
            return self.env._(
                "The chosen box no longer exists in OZmap. Check the feasibility "
                "again and choose another box."
            )
        return self.env._("OZmap could not find the requested record.")

    @api.model
    def _ozmap_conflict_message(self, operation, code):
        if operation == "reserve":
            return self.env._(
                'The box became full, or the client code "%(code)s" is already '
                "reserved on another box in OZmap. Check the feasibility again and "
                "choose another box.",
                code=code,
            )
        if operation == "change_box":
            return self.env._(
                "The new box became full. The reservation stays on the current box."
            )
        return self.env._(
            "OZmap refused the operation because of a conflicting change."
        )

    @api.model
    def _ozmap_raise_user_error(self, exc, operation=None, client_code=None):
        """Raise a translated UserError for a connector exception."""
        message = self._ozmap_error_message(exc, operation, client_code)
        detail = str(exc)
        if detail:
            details = self.env._("Details: %s", detail[:500])
            message = f"{message}\n\n{details}"
        raise UserError(message) from exc

    @api.model
    def _ozmap_is_error(self, exc, class_name="OzmapError"):
        klass = _connector_error(class_name)
        return klass is not None and isinstance(exc, klass)
