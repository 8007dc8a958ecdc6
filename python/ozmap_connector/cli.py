"""The ``ozmap-connector`` command line.

Built on click (mature, well kept, composable command groups, and a test runner that
drives commands in-process) with rich for tables and progress bars.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__, errors, geo
from .config import parse_decimal, resolve_settings
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
EXIT_NOT_FEASIBLE = 9

_EXIT_CODES: list[tuple[type[OzmapError], int]] = [
    (errors.InvalidInputError, EXIT_INVALID_INPUT),
    (errors.ConfigurationError, EXIT_INVALID_INPUT),
    (errors.NotFoundError, EXIT_NOT_FOUND),
    (errors.ConflictError, EXIT_CONFLICT),
    (errors.AuthenticationError, EXIT_AUTHENTICATION),
    (errors.AmbiguousOutcomeError, EXIT_AMBIGUOUS),
    (errors.TransportError, EXIT_UNREACHABLE),
]

F = TypeVar("F", bound=Callable[..., Any])


def exit_code_for(error: OzmapError) -> int:
    for cls, code in _EXIT_CODES:
        if isinstance(error, cls):
            return code
    return EXIT_FAILURE


class ErrorHandlingGroup(click.Group):
    """Turns library errors into one readable line and an exit code (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OzmapError as error:
            if ctx.find_root().params.get("debug"):
                raise
            message = " ".join(str(error).split()) or type(error).__name__
            click.echo(f"error: {message}", err=True)
            ctx.exit(exit_code_for(error))


class Decimal(click.ParamType):  # type: ignore[type-arg]  # generic from click 8.2
    """A number that also accepts a decimal comma (see config.parse_decimal)."""

    name = "number"
    metres = False

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, float | int) and not isinstance(value, bool):
            return float(value)
        try:
            return parse_decimal(str(value), metres=self.metres)
        except ValueError as error:
            self.fail(str(error), param, ctx)


DECIMAL = Decimal()


class Metres(Decimal):
    """Metres: "1.000" or "1,000" may mean one or a thousand, so both are refused."""

    name = "metres"
    metres = True


METRES = Metres()


def connection_options(function: F) -> F:
    options = [
        click.option("--url", envvar=None, help="OZmap URL (default: OZMAP_URL)."),
        click.option("--token", help="API token (default: OZMAP_TOKEN)."),
        click.option("--port", type=int, help="OZmap API port (default: 9994)."),
        click.option(
            "--config",
            "config_file",
            type=click.Path(dir_okay=False, path_type=Path),
            help="TOML settings file (default: ~/.config/ozmap-connector/config.toml).",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def make_connector(params: dict[str, Any], **extra: Any) -> Any:
    from .connector import Connector

    arguments = {
        "url": params.pop("url", None),
        "token": params.pop("token", None),
        "port": params.pop("port", None),
        **extra,
    }
    settings = resolve_settings(arguments, config_file=params.pop("config_file", None))
    return Connector.from_settings(settings)


def emit(data: Any, as_json: bool, render: Callable[[], None]) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        render()


def table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    view = Table(title=title, title_justify="left")
    for column in columns:
        # Ids are what the next command needs: wrap them, never cut them.
        view.add_column(column, overflow="fold")
    for row in rows:
        view.add_row(*("" if cell is None else str(cell) for cell in row))
    Console().print(view)


def fields(title: str, items: dict[str, Any]) -> None:
    table(title, ["field", "value"], [[key, value] for key, value in items.items()])


@click.group(
    cls=ErrorHandlingGroup, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="ozmap-connector")
@click.option(
    "--debug", is_flag=True, help="Show tracebacks instead of one-line errors."
)
def cli(debug: bool) -> None:
    """Check feasibility, reserve ports and manage clients in OZmap."""


@cli.command()
@click.option(
    "--lat1", type=DECIMAL, required=True, help="Latitude of the first point."
)
@click.option(
    "--lng1", type=DECIMAL, required=True, help="Longitude of the first point."
)
@click.option(
    "--lat2", type=DECIMAL, required=True, help="Latitude of the second point."
)
@click.option(
    "--lng2", type=DECIMAL, required=True, help="Longitude of the second point."
)
def distance(lat1: float, lng1: float, lat2: float, lng2: float) -> None:
    """Great-circle distance in metres between two points (latitude first)."""
    click.echo(f"{geo.distance_m(lat1, lng1, lat2, lng2):.1f}")


@cli.command()
@click.option("--lat", type=DECIMAL, required=True, help="Latitude of the customer.")
@click.option("--lng", type=DECIMAL, required=True, help="Longitude of the customer.")
@click.option("--radius", type=METRES, help="Radius in metres (default: OZMAP_RADIUS).")
@click.option(
    "--strategy",
    type=click.Choice(["auto", "server", "local"]),
    help="How to ask OZmap.",
)
@connection_options
def feasibility(
    lat: float, lng: float, radius: float | None, strategy: str | None, **params: Any
) -> None:
    """Boxes around a point that can take a client, nearest first."""
    as_json = params.pop("as_json")
    connector = make_connector(params)
    result = connector.feasibility(lat, lng, radius, strategy=strategy)

    def render() -> None:
        verdict = "feasible" if result.viable else "not feasible"
        click.echo(f"{verdict} at ({lat}, {lng}) within {result.radius_m:g} m")
        rows = [
            [
                b.name,
                f"{b.distance_m:.1f}",
                b.free_ports,
                f"{b.first_free.splitter_name} port {b.first_free.port}",
                b.id,
            ]
            for b in result.boxes
        ]
        if rows:
            table(
                "Feasible boxes",
                ["box", "distance (m)", "free ports", "first free", "id"],
                rows,
            )
        refused = [
            [b.name, f"{b.distance_m:.1f}", b.reason, b.id] for b in result.refused
        ]
        if refused:
            table("Refused boxes", ["box", "distance (m)", "reason", "id"], refused)

    emit(result.to_dict(), as_json, render)
    sys.exit(EXIT_OK if result.viable else EXIT_NOT_FEASIBLE)


@cli.command()
@click.argument("client_code")
@click.option("--box", "box_id", required=True, help="Id of the chosen box.")
@click.option("--lat", type=DECIMAL, required=True, help="Latitude of the customer.")
@click.option("--lng", type=DECIMAL, required=True, help="Longitude of the customer.")
@click.option("--name", help="Customer name, stored in OZmap.")
@click.option("--address", help="Address of the property.")
@click.option("--note", help="Observation for the property.")
@connection_options
def reserve(
    client_code: str,
    box_id: str,
    lat: float,
    lng: float,
    name: str | None,
    address: str | None,
    note: str | None,
    **params: Any,
) -> None:
    """Reserve the first free port of a box for CLIENT_CODE."""
    as_json = params.pop("as_json")
    result = make_connector(params).reserve(
        client_code, box_id, lat, lng, name=name, address=address, note=note
    )
    emit(result.to_dict(), as_json, lambda: fields("Reservation", result.to_dict()))


@cli.command()
@click.argument("client_code")
@click.option("--onu-serial", help="Serial number of the ONU.")
@click.option("--pppoe-user", help="PPPoE user name.")
@click.option("--mac", help="MAC address of the ONU.")
@connection_options
def deploy(
    client_code: str,
    onu_serial: str | None,
    pppoe_user: str | None,
    mac: str | None,
    **params: Any,
) -> None:
    """Mark CLIENT_CODE as implanted in OZmap (after installation)."""
    as_json = params.pop("as_json")
    result = make_connector(params).deploy(
        client_code, onu_serial=onu_serial, pppoe_user=pppoe_user, mac=mac
    )
    emit(result.to_dict(), as_json, lambda: fields("Deployment", result.to_dict()))


@cli.command()
@click.argument("client_code")
@connection_options
def cancel(client_code: str, **params: Any) -> None:
    """Remove CLIENT_CODE's client, property and drop from OZmap."""
    as_json = params.pop("as_json")
    result = make_connector(params).cancel(client_code)

    def render() -> None:
        if not result.found:
            click.echo(f"{client_code}: nothing left in OZmap")
        for item in result.removed:
            click.echo(f"removed {item}")

    emit(result.to_dict(), as_json, render)


@cli.command("change-box")
@click.argument("client_code")
@click.option(
    "--box", "box_id", help="Move to this box. Without it, list the candidates."
)
@click.option("--radius", type=METRES, help="Radius in metres for the candidates.")
@connection_options
def change_box(
    client_code: str, box_id: str | None, radius: float | None, **params: Any
) -> None:
    """List the boxes CLIENT_CODE can move to, or move it with --box."""
    as_json = params.pop("as_json")
    connector = make_connector(params)
    if box_id:
        moved = connector.change_box(client_code, box_id)
        emit(
            moved.to_dict(),
            as_json,
            lambda: fields("Reservation moved", moved.to_dict()),
        )
        return

    candidates = connector.change_box_candidates(client_code, radius)

    def render() -> None:
        rows = [
            [
                "*" if b.id == candidates.current_box_id else "",
                b.name,
                f"{b.distance_m:.1f}",
                b.free_ports,
                b.id,
            ]
            for b in candidates.feasibility.boxes
        ]
        table(
            "Candidate boxes (* current)",
            ["", "box", "distance (m)", "free ports", "id"],
            rows,
        )

    emit(candidates.to_dict(), as_json, render)


@cli.command()
@click.argument("client_code")
@connection_options
def connection(client_code: str, **params: Any) -> None:
    """OLT, slot, PON, box, splitter and port of CLIENT_CODE."""
    as_json = params.pop("as_json")
    data = make_connector(params).connection_data(client_code)

    def name(ref: dict[str, str] | None) -> str:
        return ref["name"] if ref else "(absent)"

    def render() -> None:
        fields(
            f"Connection of {client_code}",
            {
                "OLT": name(data.olt),
                "slot": name(data.slot),
                "PON": name(data.pon),
                "box": name(data.box),
                "splitter": name(data.splitter),
                "port": data.port,
                "implanted": "yes" if data.implanted else "no",
                "measured power": ""
                if data.potency_read is None
                else data.potency_read,
            },
        )

    emit(data.to_dict(), as_json, render)


def read_points(path: Path) -> list[tuple[str, float, float]]:
    """Points from a CSV (columns id, lat, lng) or a GeoJSON FeatureCollection."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets in Brazil save CSV as Windows-1252 unless told otherwise.
        text = raw.decode("cp1252", errors="replace")
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            document = json.loads(text)
            return [
                (
                    str(
                        feature.get("id")
                        or (feature.get("properties") or {}).get("id")
                        or n
                    ),
                    float(feature["geometry"]["coordinates"][1]),
                    float(feature["geometry"]["coordinates"][0]),
                )
                for n, feature in enumerate(document["features"], start=1)
            ]
        except (ValueError, KeyError, TypeError, IndexError) as error:
            raise errors.InvalidInputError(
                f"{path}: not a GeoJSON point collection ({error})"
            ) from None

    points = []
    lines = text.splitlines()
    header = lines[0] if lines else ""
    # Excel in Portuguese separates with ';' (the comma is the decimal separator).
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    missing = {"id", "lat", "lng"} - set(reader.fieldnames or [])
    if missing:
        raise errors.InvalidInputError(
            f"{path}: missing CSV columns {', '.join(sorted(missing))}"
        )
    for line, row in enumerate(reader, start=2):
        try:
            points.append(
                (
                    row["id"],
                    DECIMAL.convert(row["lat"], None, None),
                    DECIMAL.convert(row["lng"], None, None),
                )
            )
        except click.BadParameter as error:
            raise errors.InvalidInputError(f"{path}:{line}: {error.message}") from None
    return points


def write_answers(
    path: Path, answers: list[Any], points: dict[str, tuple[float, float]]
) -> None:
    if path.suffix.lower() in (".geojson", ".json"):
        features = []
        for answer in answers:
            lat, lng = points[answer.point_id]
            features.append(
                {
                    "type": "Feature",
                    "id": answer.point_id,
                    "geometry": {"type": "Point", "coordinates": [lng, lat]},
                    "properties": answer.to_dict(),
                }
            )
        path.write_text(
            json.dumps({"type": "FeatureCollection", "features": features}),
            encoding="utf-8",
        )
        return

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "id",
                "lat",
                "lng",
                "viable",
                "box_id",
                "box_name",
                "distance_m",
                "free_ports",
                "feasible_boxes",
                "error",
            ]
        )
        for answer in answers:
            lat, lng = points[answer.point_id]
            writer.writerow(
                [
                    answer.point_id,
                    lat,
                    lng,
                    int(answer.viable),
                    answer.box_id or "",
                    answer.box_name or "",
                    f"{answer.distance_m:.1f}",
                    answer.free_ports,
                    answer.feasible_boxes,
                    answer.error or "",
                ]
            )


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@cli.command()
@click.argument(
    "points_file", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write answers to a CSV or GeoJSON file.",
)
@click.option("--radius", type=METRES, help="Radius in metres (default: OZMAP_RADIUS).")
@click.option(
    "--snapshot",
    "snapshot_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Reuse this saved network snapshot (or save it there when absent).",
)
@connection_options
def coverage(
    points_file: Path,
    output: Path | None,
    radius: float | None,
    snapshot_file: Path | None,
    **params: Any,
) -> None:
    """Feasibility of every point in POINTS_FILE (CSV id,lat,lng or GeoJSON)."""
    from rich.progress import Progress

    from .connector import load_snapshot, save_snapshot

    as_json = params.pop("as_json")
    points = read_points(points_file)
    connector = make_connector(params)
    if snapshot_file and snapshot_file.exists():
        snapshot = load_snapshot(snapshot_file)
    else:
        snapshot = connector.snapshot()
        if snapshot_file:
            save_snapshot(snapshot, snapshot_file)

    radius_m = connector.settings.radius_m if radius is None else radius
    answers = []
    with Progress(disable=as_json or len(points) < 20_000, transient=True) as progress:
        task = progress.add_task("coverage", total=len(points))
        for batch in chunks(points, 10_000):
            answers.extend(
                snapshot.query(batch, radius_m, connector.settings.service_area)
            )
            progress.advance(task, len(batch))

    if output:
        write_answers(output, answers, {p[0]: (p[1], p[2]) for p in points})
    viable = sum(1 for a in answers if a.viable)
    invalid = [a for a in answers if a.error]
    summary = {
        "points": len(answers),
        "viable": viable,
        "errors": len(invalid),
        "boxes_in_snapshot": snapshot.box_count,
    }

    def render() -> None:
        click.echo(
            f"{viable} of {len(answers)} points feasible within {radius_m:g} m "
            f"({snapshot.box_count} feasible boxes in the network)"
        )
        for answer in invalid[:5]:
            click.echo(f"skipped: {answer.error}", err=True)
        if len(invalid) > 5:
            click.echo(f"skipped {len(invalid) - 5} more points", err=True)

    emit(summary, as_json, render)


@cli.command()
@click.option(
    "--size",
    type=click.Choice(["small", "medium", "large"]),
    default="small",
    show_default=True,
    help="Size of the simulated network.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Network seed.")
@click.option(
    "--radius",
    type=METRES,
    default=250.0,
    show_default=True,
    help="Feasibility radius in metres.",
)
def demo(size: str, seed: int, radius: float) -> None:
    """Run the whole lifecycle against the embedded OZmap simulator."""
    from .demo import run_demo

    run_demo(size=size, seed=seed, radius_m=radius)


def _mount_simulator() -> None:
    try:
        from ozmap_simulator.cli import command
    except ImportError:  # pragma: no cover - the simulator ships in the same wheel
        return
    cli.add_command(command, "simulator")


_mount_simulator()


def main() -> None:
    cli(prog_name="ozmap-connector")
