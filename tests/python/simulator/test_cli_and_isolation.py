"""The command line, `python -m ozmap_simulator`, and independence from the core."""

import ast
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from click.testing import CliRunner

import ozmap_simulator
from ozmap_simulator.cli import command

PACKAGE_DIR = Path(ozmap_simulator.__file__).parent


def _env(cache_dir) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(PACKAGE_DIR.parent), *filter(None, [env.get("PYTHONPATH")])]
    )
    env["OZMAP_SIM_CACHE"] = str(cache_dir)
    return env


def test_importing_the_simulator_loads_nothing_of_the_core(cache_dir):
    modules = [p.stem for p in PACKAGE_DIR.glob("*.py") if p.stem != "__main__"]
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module('ozmap_simulator.' + name)\n"
        "bad = [m for m in sys.modules if m.startswith('ozmap_connector')"
        " or m.rsplit('.', 1)[-1] == '_core']\n"
        "print(json.dumps(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(cache_dir),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(out.stdout) == []


def test_no_module_of_the_simulator_imports_the_core():
    for path in PACKAGE_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "ozmap_connector" for n in names), path


def test_help_lists_the_options():
    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0
    for option in (
        "--host",
        "--port",
        "--size",
        "--seed",
        "--data-file",
        "--token",
        "--tls-cert",
        "--tls-key",
        "--fault",
        "--latency",
        "--jitter",
    ):
        assert option in result.output


def test_bad_options_are_usage_errors():
    runner = CliRunner()
    assert runner.invoke(command, ["--fault", "kind=nope"]).exit_code == 2
    assert runner.invoke(command, ["--size", "huge"]).exit_code == 2
    assert runner.invoke(command, ["--port", "70000"]).exit_code == 2


def test_python_dash_m_serves_until_terminated(cache_dir, tmp_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ozmap_simulator",
            "--port",
            "0",
            "--token",
            "cli-t",
            "--data-file",
            str(tmp_path / "state.sqlite"),
            "--fault",
            "kind=status,status=503,route=olts,count=1",
        ],
        env=_env(cache_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert " at http://127.0.0.1:" in line, line + proc.stderr.read()
        api_url = line.split(" at ", 1)[1].strip()
        request = urllib.request.Request(
            api_url + "/boxes?limit=1", headers={"Authorization": "cli-t"}
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert json.load(resp)["count"] == 1
        try:
            urllib.request.urlopen(
                urllib.request.Request(
                    api_url + "/olts", headers={"Authorization": "cli-t"}
                ),
                timeout=10,
            )
            raise AssertionError("the fault given on the command line did not fire")
        except urllib.error.HTTPError as exc:
            assert exc.code == 503
            exc.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert (tmp_path / "state.sqlite").exists()
