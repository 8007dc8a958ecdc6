"""The ``ozmap-connector`` command line.

Built on click: mature, well kept, composable command groups (each area adds its own
subcommands), and a test runner that drives commands in-process.
"""

from __future__ import annotations

import click

from . import __version__, geo
from .errors import OzmapError

# Exit codes, documented in the README. click itself uses 2 for usage errors.
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INVALID_INPUT = 3
EXIT_NOT_FOUND = 4
EXIT_CONFLICT = 5
EXIT_UNREACHABLE = 6
EXIT_AUTHENTICATION = 7
EXIT_AMBIGUOUS = 8


class ErrorHandlingGroup(click.Group):
    """Turns library errors into one readable line and an exit code (no traceback)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except OzmapError as error:
            if ctx.find_root().params.get("debug"):
                raise
            click.echo(f"error: {error}", err=True)
            ctx.exit(exit_code_for(error))


def exit_code_for(error: OzmapError) -> int:
    from . import errors

    table: list[tuple[type[OzmapError], int]] = [
        (errors.InvalidInputError, EXIT_INVALID_INPUT),
        (errors.ConfigurationError, EXIT_INVALID_INPUT),
        (errors.NotFoundError, EXIT_NOT_FOUND),
        (errors.ConflictError, EXIT_CONFLICT),
        (errors.AuthenticationError, EXIT_AUTHENTICATION),
        (errors.AmbiguousOutcomeError, EXIT_AMBIGUOUS),
        (errors.TransportError, EXIT_UNREACHABLE),
    ]
    for cls, code in table:
        if isinstance(error, cls):
            return code
    return EXIT_FAILURE


@click.group(
    cls=ErrorHandlingGroup, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="ozmap-connector")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def cli(debug: bool) -> None:
    """Check feasibility, reserve ports and manage clients in OZmap."""


@cli.command()
@click.option("--lat1", type=float, required=True, help="Latitude of the first point.")
@click.option("--lng1", type=float, required=True, help="Longitude of the first point.")
@click.option("--lat2", type=float, required=True, help="Latitude of the second point.")
@click.option("--lng2", type=float, required=True, help="Longitude of the second point.")
def distance(lat1: float, lng1: float, lat2: float, lng2: float) -> None:
    """Great-circle distance in metres between two points (latitude first)."""
    click.echo(f"{geo.distance_m(lat1, lng1, lat2, lng2):.1f}")


def main() -> None:
    cli(prog_name="ozmap-connector")
