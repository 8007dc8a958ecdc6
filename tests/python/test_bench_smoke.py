"""A quick benchmark run: request plans and peer agreement, never timings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_quick_benchmark_run(tmp_path: Path) -> None:
    # Needs requests and tabulate (bench/requirements.txt); no chart, no matplotlib.
    prefix = tmp_path / "quick"
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--quick",
            "--no-chart",
            "--out",
            str(prefix),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(prefix.with_suffix(".json").read_text())

    small = result["sizes"]["small"]
    for client, verdict in small["validity"].items():
        assert verdict["valid"], (client, verdict["reasons"])

    rows = result["ops"]
    assert {r["op"] for r in rows} == {
        "feasibility",
        "reserve",
        "deploy",
        "connection_data",
        "change_box",
        "cancel",
    }
    for row in rows:
        assert row["error_count"] == 0, row["errors"]
        if row["client"] in ("connector", "requests"):
            assert row["requests_per_op"] == pytest.approx(row["expected_requests"]), (
                row
            )
    feasibility = [r for r in rows if r["op"] == "feasibility"]
    assert all(r["requests_per_op"] <= 2 for r in feasibility if r["client"] != "naive")

    plans = [t for t in result["targets"] if t["target"].startswith("request plans")]
    assert plans and all(t["status"] == "PASS" for t in plans), plans
    leak = small["leak"]["checkpoints"]
    assert leak[0]["fds"] == leak[-1]["fds"]
    assert prefix.with_suffix(".md").read_text().startswith("# Benchmark results")
