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
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigurationError

DEFAULT_PORT = 9994
DEFAULT_RADIUS_M = 250.0

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
            if (
                not isinstance(value, int | float)
                or not math.isfinite(value)
                or value <= 0
            ):
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
        if self.retries < 0:
            raise ConfigurationError(f"retries must be 0 or more, got {self.retries}")


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


def _number(value: Any, name: str, kind: type) -> Any:
    if isinstance(value, bool):
        raise ConfigurationError(f"{name} must be a number, got {value!r}")
    if isinstance(value, int | float):
        return kind(value)
    text = str(value).strip()
    try:
        return kind(text)
    except ValueError:
        if kind is float and text.count(",") == 1 and "." not in text:
            return kind(text.replace(",", "."))
        raise ConfigurationError(f"{name} must be a number, got {value!r}") from None


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
    if isinstance(merged.get("timeouts"), Mapping):
        merged["timeouts"] = Timeouts(**merged["timeouts"])

    settings = Settings(
        url=str(merged.pop("url", "") or ""),
        token=str(merged.pop("token", "") or ""),
    )
    return replace(settings, **merged)
