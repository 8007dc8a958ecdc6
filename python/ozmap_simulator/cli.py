"""`ozmap-connector simulator` and `python -m ozmap_simulator`."""

import logging
import sys
from pathlib import Path

import click

from .faults import FaultError, make_fault
from .generator import SIZES
from .simulator import default_data_file, serve


def _check_faults(ctx: click.Context, param: click.Parameter, values: tuple) -> list:
    try:
        for text in values:
            make_fault(text)
    except FaultError as exc:
        raise click.BadParameter(str(exc)) from None
    return list(values)


@click.command(name="simulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port",
    default=9994,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0 picks a free one).",
)
@click.option(
    "--size",
    type=click.Choice(list(SIZES)),
    default="small",
    show_default=True,
    help="Generated network: ~1k, ~20k or ~200k boxes.",
)
@click.option(
    "--seed",
    default=1,
    show_default=True,
    type=int,
    help="Seed of the generated network.",
)
@click.option(
    "--data-file",
    type=click.Path(dir_okay=False),
    help="SQLite state file (default: one per size and seed under "
    "~/.local/share/ozmap-connector/simulator); ':memory:' keeps "
    "nothing.",
)
@click.option(
    "--reset", is_flag=True, help="Start the data file again from the network."
)
@click.option(
    "--token",
    envvar="OZMAP_SIM_TOKEN",
    default="simulator-token",
    show_default=True,
    help="API token clients must send (env OZMAP_SIM_TOKEN).",
)
@click.option(
    "--login",
    default="admin",
    show_default=True,
    help="User for POST /api/v2/users/login.",
)
@click.option(
    "--password",
    envvar="OZMAP_SIM_PASSWORD",
    default="admin",
    show_default=True,
    help="Password for users/login (env OZMAP_SIM_PASSWORD).",
)
@click.option(
    "--tls-cert",
    type=click.Path(exists=True, dir_okay=False),
    help="PEM certificate chain: serve HTTPS.",
)
@click.option(
    "--tls-key",
    type=click.Path(exists=True, dir_okay=False),
    help="PEM private key (if not inside --tls-cert).",
)
@click.option(
    "--latency",
    "latency_ms",
    default=0.0,
    type=click.FloatRange(0),
    help="Milliseconds added to every API request.",
)
@click.option(
    "--jitter",
    "jitter_ms",
    default=0.0,
    type=click.FloatRange(0),
    help="Up to this many more milliseconds, at random.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    callback=_check_faults,
    help="A fault as key=value pairs, e.g. "
    "'kind=status,status=503,route=properties,method=POST,count=1'. "
    "Repeatable.",
)
@click.option(
    "--legacy-pagination",
    is_flag=True,
    help="List envelopes without hasNextPage/nextUrl.",
)
@click.option(
    "--delete-drop-with-property",
    is_flag=True,
    help="DELETE properties/{id} also deletes the drop cable.",
)
@click.option(
    "--default-radius",
    default=250.0,
    show_default=True,
    type=click.FloatRange(0, min_open=True),
    help="Feasibility radius in metres when a request gives none.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log every request.")
def command(
    host: str,
    port: int,
    size: str,
    seed: int,
    data_file: str | None,
    reset: bool,
    token: str,
    login: str,
    password: str,
    tls_cert: str | None,
    tls_key: str | None,
    latency_ms: float,
    jitter_ms: float,
    faults: list,
    legacy_pagination: bool,
    delete_drop_with_property: bool,
    default_radius: float,
    verbose: bool,
) -> None:
    """Run a simulated OZmap API v2 server."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    if tls_key and not tls_cert:
        raise click.UsageError("--tls-key needs --tls-cert")
    db = data_file or str(default_data_file(size, seed))

    def ready(sim: object) -> None:
        click.echo(f"OZmap simulator ({size}, seed {seed}) at {sim.api_url}")  # type: ignore[attr-defined]
        click.echo(f"state: {db if db == ':memory:' else Path(db).resolve()}")
        click.echo(f"admin: {sim.base_url}/__sim__/  (faults, counters, config, reset)")  # type: ignore[attr-defined]
        sys.stdout.flush()

    if size != "small" and (reset or db == ":memory:" or not Path(db).exists()):
        click.echo(f"preparing the {size} network (cached after the first time)...")
    try:
        serve(
            size=size,
            seed=seed,
            db=db,
            reset=reset,
            token=token,
            login=login,
            password=password,
            host=host,
            port=port,
            certfile=tls_cert,
            keyfile=tls_key,
            faults=faults,
            latency_ms=latency_ms,
            jitter_ms=jitter_ms,
            legacy_pagination=legacy_pagination,
            delete_drop_with_property=delete_drop_with_property,
            default_radius_m=default_radius,
            on_ready=ready,
        )
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
