"""The shipped stubs match the compiled module; the Python layer type-checks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STUBS = ROOT / "python" / "ozmap_connector" / "_core"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_stubs_equal_pybind11_stubgen_output(tmp_path: Path) -> None:
    generated = run("pybind11_stubgen", "ozmap_connector._core", "-o", str(tmp_path))
    assert generated.returncode == 0, generated.stderr
    out = tmp_path / "ozmap_connector" / "_core"
    formatted = run("ruff", "format", "--quiet", "--config", "line-length=88", str(out))
    assert formatted.returncode == 0, formatted.stderr

    shipped = sorted(p.name for p in STUBS.glob("*.pyi"))
    fresh = sorted(p.name for p in out.glob("*.pyi"))
    assert shipped == fresh
    for name in fresh:
        assert (STUBS / name).read_text() == (out / name).read_text(), (
            f"{name} drifted from the compiled module: run scripts/update-stubs"
        )


def test_stubtest_finds_no_mismatch(tmp_path: Path) -> None:
    # stubtest imports the installed module and checks the stubs beside the sources.
    shutil.copytree(STUBS, tmp_path / "ozmap_connector" / "_core")
    (tmp_path / "ozmap_connector" / "__init__.pyi").write_text("")
    result = run(
        "mypy.stubtest",
        "ozmap_connector._core",
        "--mypy-config-file",
        str(ROOT / "pyproject.toml"),
        "--allowlist",
        str(Path(__file__).with_name("stubtest-allowlist.txt")),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize("target", ["python/ozmap_connector"])
def test_python_layer_is_strictly_typed(target: str) -> None:
    result = run("mypy", "--strict", target)
    assert result.returncode == 0, result.stdout[-3000:]
