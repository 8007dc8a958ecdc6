"""The command line as a new user first meets it."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

import ozmap_connector
from ozmap_connector.cli import EXIT_INVALID_INPUT, cli


def test_console_script_is_installed_and_answers_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ozmap_connector", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "ozmap-connector" in result.stdout


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert ozmap_connector.__version__ in result.output


def test_distance_prints_metres() -> None:
    args = ["distance", "--lat1", "-27.5954", "--lng1", "-48.5480"]
    args += ["--lat2", "-23.5505", "--lng2", "-46.6333"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert float(result.output) == pytest_approx(489_031, 500)


def test_invalid_input_is_one_line_and_its_exit_code() -> None:
    args = ["distance", "--lat1", "95", "--lng1", "-48.5"]
    args += ["--lat2", "-23.5", "--lng2", "-46.6"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == EXIT_INVALID_INPUT
    assert result.output.count("\n") == 1
    assert result.output.startswith("error: ")
    assert "Traceback" not in result.output


def pytest_approx(value: float, tolerance: float) -> object:
    import pytest

    return pytest.approx(value, abs=tolerance)
