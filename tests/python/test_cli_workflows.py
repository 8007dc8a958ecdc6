"""The command line against the simulator, as a new user would try it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ozmap_connector.cli import (
    EXIT_AUTHENTICATION,
    EXIT_INVALID_INPUT,
    EXIT_NOT_FEASIBLE,
    EXIT_NOT_FOUND,
    EXIT_UNREACHABLE,
    cli,
)

LAT, LNG = "-27.5954", "-48.5480"


def run(args: list[str], env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


@pytest.fixture
def env(small, tmp_path: Path) -> dict[str, str]:
    return {
        "OZMAP_URL": small.base_url,
        "OZMAP_TOKEN": small.token,
        "OZMAP_CONFIG": str(tmp_path / "absent.toml"),
    }


def one_viable_box(env: dict[str, str]) -> tuple[str, str, str]:
    for lat, lng in [(LAT, LNG), ("-27.59", "-48.55"), ("-27.60", "-48.54")]:
        result = run(
            ["feasibility", "--lat", lat, "--lng", lng, "--radius", "500", "--json"],
            env,
        )
        data = json.loads(result.output)
        if data["viable"]:
            return data["boxes"][0]["id"], lat, lng
    pytest.fail("no viable point in the small network")


def test_lifecycle_through_the_cli(env) -> None:
    box, lat, lng = one_viable_box(env)
    reserved = run(
        ["reserve", "CLI 7/1", "--box", box, "--lat", lat, "--lng", lng, "--json"], env
    )
    assert reserved.exit_code == 0, reserved.output
    assert json.loads(reserved.output)["box_id"] == box

    table = run(["connection", "CLI 7/1"], env)
    assert table.exit_code == 0, table.output
    assert "splitter" in table.output

    assert run(["deploy", "CLI 7/1", "--onu-serial", "ZTEG0001"], env).exit_code == 0
    cancelled = run(["cancel", "CLI 7/1", "--json"], env)
    assert json.loads(cancelled.output)["found"] is True
    assert run(["connection", "CLI 7/1"], env).exit_code == EXIT_NOT_FOUND


def test_decimal_comma_is_accepted_and_garbage_refused(env) -> None:
    ok = run(["feasibility", "--lat", "-27,5954", "--lng", "-48,5480", "--json"], env)
    assert json.loads(ok.output)["lat"] == pytest.approx(-27.5954)
    bad = run(["feasibility", "--lat", "-27,59,54", "--lng", LNG], env)
    assert bad.exit_code == 2
    assert "not a number" in bad.output


@pytest.mark.parametrize(
    ("lat", "lng", "fragment"),
    [("95", LNG, "out of range"), (LNG, LAT, "[lng, lat]")],
)
def test_bad_coordinates_are_one_line(env, lat: str, lng: str, fragment: str) -> None:
    result = run(["feasibility", "--lat", lat, "--lng", lng], env)
    assert result.exit_code == EXIT_INVALID_INPUT
    assert result.output.count("\n") == 1
    assert fragment in result.output


def test_unknown_box_is_not_found(env) -> None:
    result = run(
        [
            "reserve",
            "C1",
            "--box",
            "ffffffffffffffffffffffff",
            "--lat",
            LAT,
            "--lng",
            LNG,
        ],
        env,
    )
    assert result.exit_code == EXIT_NOT_FOUND
    assert result.output.startswith("error: ")


def test_missing_token_rejected_token_wrong_port(env, small) -> None:
    no_token = {**env, "OZMAP_TOKEN": ""}
    result = run(["feasibility", "--lat", LAT, "--lng", LNG], no_token)
    assert result.exit_code == EXIT_INVALID_INPUT
    assert "token" in result.output

    rejected = run(["feasibility", "--lat", LAT, "--lng", LNG, "--token", "nope"], env)
    assert rejected.exit_code == EXIT_AUTHENTICATION
    assert "nope" not in rejected.output

    wrong_port = {**env, "OZMAP_URL": "http://127.0.0.1:9"}
    unreachable = run(["feasibility", "--lat", LAT, "--lng", LNG], wrong_port)
    assert unreachable.exit_code == EXIT_UNREACHABLE
    assert unreachable.output.count("\n") == 1


def test_coverage_csv_in_and_out(env, tmp_path: Path) -> None:
    points = tmp_path / "leads.csv"
    points.write_text(
        'id,lat,lng\na,-27.5954,-48.5480\nb,"-27,60","-48,54"\n', encoding="utf-8"
    )
    output = tmp_path / "answers.geojson"
    snapshot = tmp_path / "network.json"
    result = run(
        [
            "coverage",
            str(points),
            "-o",
            str(output),
            "--snapshot",
            str(snapshot),
            "--json",
        ],
        env,
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["points"] == 2
    features = json.loads(output.read_text(encoding="utf-8"))["features"]
    assert [f["id"] for f in features] == ["a", "b"]
    assert snapshot.exists()

    again = run(["coverage", str(points), "--snapshot", str(snapshot), "--json"], env)
    assert json.loads(again.output) == json.loads(result.output)


def test_coverage_refuses_a_bad_csv(env, tmp_path: Path) -> None:
    points = tmp_path / "bad.csv"
    points.write_text("id,latitude\n1,2\n", encoding="utf-8")
    result = run(["coverage", str(points)], env)
    assert result.exit_code == EXIT_INVALID_INPUT
    assert "missing CSV columns" in result.output


def test_demo_runs_end_to_end() -> None:
    result = run(["demo"])
    assert result.exit_code == 0, result.output
    assert "Reserved" in result.output
    assert "Connection data: OLT" in result.output
    assert "Cancelled: removed drop" in result.output
    assert "of 1000 leads feasible" in result.output


def test_spreadsheet_csv_with_semicolons_in_windows_1252(env, tmp_path: Path) -> None:
    points = tmp_path / "leads.csv"
    points.write_bytes("id;lat;lng\nJoão;-27,5954;-48,5480\n".encode("cp1252"))
    result = run(["coverage", str(points), "--json"], env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["points"] == 1


def test_a_thousands_separator_in_the_radius_is_refused(env) -> None:
    result = run(["feasibility", "--lat", LAT, "--lng", LNG, "--radius", "1.000"], env)
    assert result.exit_code == 2
    assert "ambiguous" in result.output


def test_not_feasible_has_its_own_exit_code(env) -> None:
    result = run(
        ["feasibility", "--lat", "-30.0", "--lng", "-51.2", "--radius", "100"], env
    )
    assert result.exit_code == EXIT_NOT_FEASIBLE


def test_a_bad_config_file_is_one_line(env, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[ozmap]\nretries = "x"\nverify_tls = "no"\n', encoding="utf-8")
    result = run(
        ["feasibility", "--lat", LAT, "--lng", LNG, "--config", str(config)], env
    )
    assert result.exit_code == EXIT_INVALID_INPUT
    assert result.output.count("\n") == 1
