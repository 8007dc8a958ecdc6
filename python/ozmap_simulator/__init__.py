"""A simulated OZmap API v2 for demos, tests and benchmarks.

It is independent of `ozmap_connector` on purpose: it imports nothing from it, so a
mistake in the connector cannot hide behind the same mistake here.
"""

from .domain import ApiError, Config
from .network import NetworkBuilder
from .simulator import Admin, Simulator, serve

__all__ = ["Admin", "ApiError", "Config", "NetworkBuilder", "Simulator", "serve"]
