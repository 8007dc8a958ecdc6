"""Where a connector's settings come from: arguments, then the environment, then a file.

The environment variables are ``OZMAP_URL``, ``OZMAP_TOKEN``, ``OZMAP_PORT`` and
``OZMAP_RADIUS``. The file is TOML, by default ``~/.config/ozmap-connector/config.toml``
(or the path in ``OZMAP_CONFIG``), with the same names in lower case under ``[ozmap]``::

    [ozmap]
    url = "https://example.ozmap.com.br"
    token = "..."
    port = 9994
    radius = 250
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigurationError

DEFAULT_PORT = 9994
DEFAULT_RADIUS_M = 250.0
MAX_RADIUS_M = 50_000.0

# (min_lat, max_lat, min_lng, max_lng): Brazil with a margin. Customer positions outside
# are refused, which also catches a Brazilian point given as [lng, lat].
BRAZIL = (-35.0, 7.0, -75.0, -28.0)


@dataclass(frozen=True)
class Timeouts:
    """Deadlines in seconds. ``total`` bounds one operation's call, retries included."""

    connect: float = 5.0
    tls_handshake: float = 5.0
    idle_read: float = 15.0
    total: float = 30.0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not _is_number(value) or not math.isfinite(value) or value <= 0:
                raise ConfigurationError(
                    f"timeout {item.name} must be a positive number of seconds, "
                    f"got {value!r}"
                )


@dataclass(frozen=True)
class Settings:
    """Everything a Connector needs. Its repr hides the token."""

    url: str
    token: str = field(repr=False)
    port: int = DEFAULT_PORT
    radius_m: float = DEFAULT_RADIUS_M
    timeouts: Timeouts = field(default_factory=Timeouts)
    retries: int = 2
    ca_file: str | None = None
    verify_tls: bool = True
    strategy: str = "auto"
    service_area: tuple[float, float, float, float] | None = BRAZIL

    def __post_init__(self) -> None:
        _require_types(self)
        if not self.url or not self.url.strip():
            raise ConfigurationError("no OZmap URL: pass url= or set OZMAP_URL")
        if not self.token or not self.token.strip():
            raise ConfigurationError("no API token: pass token= or set OZMAP_TOKEN")
        if not 1 <= self.port <= 65535:
            raise ConfigurationError(
                f"port must be between 1 and 65535, got {self.port}"
            )
        if self.strategy not in ("auto", "server", "local"):
            raise ConfigurationError(
                f"strategy must be auto, server or local, got {self.strategy!r}"
            )
        if not 0 <= self.retries <= 10:
            raise ConfigurationError(f"retries must be 0 to 10, got {self.retries}")
        if not (math.isfinite(self.radius_m) and 0 < self.radius_m <= MAX_RADIUS_M):
            raise ConfigurationError(
                f"radius must be more than 0 and at most {MAX_RADIUS_M:g} m, "
                f"got {self.radius_m}"
            )
        if self.service_area is not None:
            min_lat, max_lat, min_lng, max_lng = self.service_area
            if not (
                -90 <= min_lat < max_lat <= 90 and -180 <= min_lng < max_lng <= 180
            ):
                raise ConfigurationError(
                    "service_area must be (min_lat, max_lat, min_lng, max_lng) with "
                    f"each minimum below its maximum, got {self.service_area}"
                )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _require_types(settings: Settings) -> None:
    """Wrong types become one ConfigurationError naming the setting, not a TypeError."""
    checks: list[tuple[str, bool, str]] = [
        ("url", isinstance(settings.url, str), "a text"),
        ("token", isinstance(settings.token, str), "a text"),
        (
            "port",
            isinstance(settings.port, int) and not isinstance(settings.port, bool),
            "a whole number",
        ),
        ("radius_m", _is_number(settings.radius_m), "a number of metres"),
        ("timeouts", isinstance(settings.timeouts, Timeouts), "Timeouts"),
        (
            "retries",
            isinstance(settings.retries, int)
            and not isinstance(settings.retries, bool),
            "a whole number",
        ),
        (
            "ca_file",
            settings.ca_file is None or isinstance(settings.ca_file, str),
            "a path",
        ),
        ("verify_tls", isinstance(settings.verify_tls, bool), "true or false"),
        ("strategy", isinstance(settings.strategy, str), "auto, server or local"),
        (
            "service_area",
            settings.service_area is None
            or (
                isinstance(settings.service_area, tuple)
                and len(settings.service_area) == 4
                and all(
                    _is_number(v) and math.isfinite(v) for v in settings.service_area
                )
            ),
            "four numbers (min_lat, max_lat, min_lng, max_lng) or none",
        ),
    ]
    for name, ok, expected in checks:
        if not ok:
            value = getattr(settings, name)
            raise ConfigurationError(f"{name} must be {expected}, got {value!r}")


def default_config_path() -> Path:
    explicit = os.environ.get("OZMAP_CONFIG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ozmap-connector" / "config.toml"


def read_config_file(path: Path) -> dict[str, Any]:
    """The ``[ozmap]`` table of a TOML file; an absent default file is empty."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigurationError(f"cannot read config file {path}: {error}") from None

    table = document.get("ozmap", {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"{path}: [ozmap] must be a table")
    return table


def parse_decimal(text: str, *, metres: bool = False) -> float:
    """A number as people type it in Brazil: ``-27,5945`` reads as ``-27.5945``.

    Only one comma and no dot is a decimal comma; anything else that is not a plain
    number is refused rather than guessed. For metres, ``1.000`` and ``1,000`` may mean
    one or a thousand, so they are refused too. Raises ValueError with the reason.
    """
    text = text.strip()
    if metres and re.fullmatch(r"\d{1,3}([.,]\d{3})+", text):
        raise ValueError(
            f"{text!r} is ambiguous: write the metres without a thousands separator "
            "(1000)"
        )
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a number (use -27.5945 or -27,5945)"
        ) from None


def _number(value: Any, name: str, kind: type) -> Any:
    if isinstance(value, bool):
        raise ConfigurationError(f"{name} must be a number, got {value!r}")
    if isinstance(value, int | float):
        return kind(value)
    text = str(value).strip()
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise ConfigurationError(
                f"{name} must be a whole number, got {value!r}"
            ) from None
    try:
        return parse_decimal(text, metres=name == "radius")
    except ValueError as error:
        raise ConfigurationError(f"{name}: {error}") from None


def resolve_settings(
    arguments: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Merges the three sources; the first that sets a value wins."""
    arguments = {k: v for k, v in (arguments or {}).items() if v is not None}
    environ = os.environ if environ is None else environ
    from_file = read_config_file(config_file or default_config_path())

    from_env: dict[str, Any] = {}
    for variable, name in (
        ("OZMAP_URL", "url"),
        ("OZMAP_TOKEN", "token"),
        ("OZMAP_PORT", "port"),
        ("OZMAP_RADIUS", "radius_m"),
    ):
        if environ.get(variable):
            from_env[name] = environ[variable]

    if "radius" in from_file:
        from_file.setdefault("radius_m", from_file.pop("radius"))

    merged: dict[str, Any] = {**from_file, **from_env, **arguments}
    known = {item.name for item in fields(Settings)}
    unknown = sorted(set(merged) - known)
    if unknown:
        raise ConfigurationError(f"unknown settings: {', '.join(unknown)}")

    if "port" in merged:
        merged["port"] = _number(merged["port"], "port", int)
    if "radius_m" in merged:
        merged["radius_m"] = _number(merged["radius_m"], "radius", float)
    if "retries" in merged and not isinstance(merged["retries"], int):
        merged["retries"] = _number(merged["retries"], "retries", int)
    if isinstance(merged.get("service_area"), list):
        merged["service_area"] = tuple(merged["service_area"])
    if isinstance(merged.get("timeouts"), Mapping):
        try:
            merged["timeouts"] = Timeouts(**merged["timeouts"])
        except TypeError as error:
            raise ConfigurationError(f"timeouts: {error}") from None

    settings = Settings(
        url=str(merged.pop("url", "") or ""),
        token=str(merged.pop("token", "") or ""),
    )
    return replace(settings, **merged)
