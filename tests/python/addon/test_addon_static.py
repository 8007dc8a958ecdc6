"""Checks of the Odoo addon that need no Odoo: lint, XML, manifest, translation.

The Odoo tests themselves run through ``scripts/odoo-tests`` (see the last test),
which needs an Odoo 19 source tree given as ODOO_PATH.
"""

from __future__ import annotations

import ast
import csv
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ADDON = ROOT / "odoo_addon" / "ozmap_integration"
PYLINTRC = Path(__file__).resolve().parent / "pylintrc-mandatory"
PLACEHOLDER_RE = re.compile(r"%\([a-z_]+\)[-.0-9]*[sdf]|%[-.0-9]*[sdf]")
TRANSLATED_ATTRS = ("string", "help", "confirm", "placeholder", "title")


def _need(module: str) -> None:
    """Skip without ``module``, but fail in CI, where the test extras must be."""
    try:
        __import__(module)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is not installed (it is in the test extras)")
        pytest.skip(f"{module} is not installed (pip install the test extras)")


def manifest() -> dict:
    return ast.literal_eval((ADDON / "__manifest__.py").read_text(encoding="utf-8"))


def addon_files(*suffixes: str) -> list[Path]:
    return sorted(p for p in ADDON.rglob("*") if p.suffix in suffixes)


def xml_files() -> list[Path]:
    return addon_files(".xml")


@pytest.mark.parametrize("path", xml_files(), ids=lambda p: str(p.relative_to(ADDON)))
def test_xml_is_well_formed(path: Path) -> None:
    root = ET.parse(path).getroot()
    assert root.tag == "odoo"


def test_manifest_keys_and_version() -> None:
    data = manifest()
    for key in ("name", "version", "license", "author", "depends", "data"):
        assert key in data, key
    assert re.fullmatch(r"19\.0\.\d+\.\d+\.\d+", data["version"])
    assert data["license"] in {"LGPL-3", "AGPL-3"}
    assert data["depends"] == ["base", "web"]
    assert data["external_dependencies"] == {"python": ["ozmap-connector"]}
    assert data.get("installable", True)
    assert "description" not in data  # the README is the description


def test_manifest_data_files_exist_and_are_all_listed() -> None:
    listed = manifest()["data"]
    assert len(listed) == len(set(listed)), "a data file is listed twice"
    for name in listed:
        assert (ADDON / name).is_file(), name
    on_disk = {
        str(p.relative_to(ADDON))
        for p in addon_files(".xml", ".csv")
        if p.parts[len(ADDON.parts)] in {"views", "security", "data", "wizard"}
    }
    assert on_disk == set(listed), "data files on disk but not in the manifest"


def test_security_file_comes_first() -> None:
    listed = manifest()["data"]
    assert listed[0] == "security/ozmap_security.xml"
    assert listed.index("security/ir.model.access.csv") < listed.index(
        "views/ozmap_service_views.xml"
    )


def _python_models() -> set[str]:
    names = set()
    for path in addon_files(".py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Assign)
                and any(
                    isinstance(t, ast.Name) and t.id == "_name" for t in node.targets
                )
                and isinstance(node.value, ast.Constant)
            ):
                names.add(node.value.value)
    return names


def test_every_model_has_access_rules() -> None:
    with (ADDON / "security" / "ir.model.access.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    covered = {row["model_id:id"] for row in rows}
    abstract = {"ozmap.backend"}
    for model in _python_models() - abstract:
        assert "model_" + model.replace(".", "_") in covered, model
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))


def test_no_token_or_secret_in_the_addon() -> None:
    for path in addon_files(".py", ".xml", ".po", ".pot", ".csv"):
        text = path.read_text(encoding="utf-8")
        assert "Bearer " not in text, path
        assert not re.search(r"token\s*=\s*['\"][A-Za-z0-9]{24,}", text), path


def test_pylint_odoo_mandatory_checks() -> None:
    _need("pylint_odoo")
    done = subprocess.run(
        [sys.executable, "-m", "pylint", f"--rcfile={PYLINTRC}", str(ADDON)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# -- translation --------------------------------------------------------------


def _po(name: str):
    _need("polib")
    import polib

    return polib.pofile(str(ADDON / "i18n" / name))


def test_po_parses_and_translates_every_pot_term() -> None:
    pot = _po("ozmap_integration.pot")
    po = _po("pt_BR.po")
    assert po.metadata.get("Language") == "pt_BR"
    translated = {e.msgid: e.msgstr for e in po if e.msgstr and not e.fuzzy}
    missing = [e.msgid for e in pot if e.msgid not in translated]
    assert not missing, missing
    assert not [e.msgid for e in po.obsolete_entries()]


def test_po_keeps_placeholders() -> None:
    for entry in _po("pt_BR.po"):
        assert sorted(PLACEHOLDER_RE.findall(entry.msgid)) == sorted(
            PLACEHOLDER_RE.findall(entry.msgstr)
        ), entry.msgid


def test_po_uses_the_agreed_terms() -> None:
    po = {e.msgid: e.msgstr for e in _po("pt_BR.po")}
    assert po["Box"] == "Caixa"
    assert po["Feasibility"] == "Viabilidade"
    assert po["Port reservation"] == "Reserva de porta"
    assert po["OzMap Raio"] == "OzMap Raio"
    assert po["No service splitter"] == "Sem splitter de atendimento"
    assert "Em projeto" in po['Box in draft ("Em projeto")']
    assert (
        "imóvel"
        in po[
            "Cancel this service? Its client, property and drop are removed from OZmap."
        ]
    )
    assert (
        "implantado"
        in po[
            "The client is marked as implanted in OZmap. The ONU data is\n"
            "                    optional."
        ]
    )


def _python_terms() -> set[str]:
    """Literal first arguments of ``_()`` / ``env._()`` and field labels."""
    terms = set()
    for path in addon_files(".py"):
        if "tests" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else getattr(func, "id", None)
            )
            if name == "_" and node.args and isinstance(node.args[0], ast.Constant):
                terms.add(node.args[0].value)
            for keyword in node.keywords:
                if keyword.arg in ("string", "help") and isinstance(
                    keyword.value, ast.Constant
                ):
                    terms.add(keyword.value.value)
    return {t for t in terms if isinstance(t, str)}


def _xml_terms() -> set[str]:
    """Translatable attributes of the views (icons' titles belong to their text)."""
    terms = set()
    for path in xml_files():
        for element in ET.parse(path).getroot().iter():
            if element.tag == "i":
                continue
            terms.update(
                element.get(attr) for attr in TRANSLATED_ATTRS if element.get(attr)
            )
    return terms


def test_every_term_of_the_sources_is_translated() -> None:
    po = {e.msgid for e in _po("pt_BR.po") if e.msgstr}
    missing = sorted((_python_terms() | _xml_terms()) - po)
    assert not missing, missing


# -- the Odoo tests, when an Odoo tree is given ----------------------------------


@pytest.mark.odoo
def test_odoo_addon_tests() -> None:
    odoo_path = os.environ.get("ODOO_PATH")
    if not odoo_path:
        pytest.skip("no Odoo 19 source tree given: set ODOO_PATH to run the Odoo tests")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "odoo-tests"), odoo_path],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
