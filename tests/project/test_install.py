"""The package declares what it imports, and its metadata builds without deprecation warnings."""

import re
from importlib.metadata import packages_distributions

import pytest

from bot.installcheck import imported_modules
from helpers.library import ROOT

tomllib = pytest.importorskip("tomllib")  # Python 3.11+


def _name(requirement: str) -> str:
    """'lxml_html_clean>=0.4' -> 'lxml-html-clean' (PEP 503 normalized)."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert name is not None, requirement
    return re.sub(r"[-_.]+", "-", name.group(0)).lower()


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_every_third_party_module_the_code_imports_is_declared(project):
    declared = {_name(r) for r in project["dependencies"]}
    providers = packages_distributions()
    missing = {}
    for module, files in imported_modules().items():
        dists = {_name(d) for d in providers.get(module, [])}
        if not dists & declared:
            missing[module] = (sorted(dists), files)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_jusTexts_html_cleaner_is_imported_by_name_so_the_check_above_covers_it():
    # pip 23.2 does not match jusText's lxml[html_clean] to lxml 6's html-clean extra
    assert "lxml_html_clean" in imported_modules()


def test_metadata_uses_no_deprecated_form(project):
    assert isinstance(project["license"], str)  # an SPDX expression; the table form is deprecated
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    assert any(re.fullmatch(r"setuptools>=(\d+)", r) and int(r.split(">=")[1]) >= 77 for r in requires)


def test_the_install_check_names_a_module_that_does_not_load(tmp_path, monkeypatch, capsys):
    import bot.installcheck as check

    package = tmp_path / "pkg"
    package.mkdir()
    (package / "m.py").write_text(
        "import os\nimport yaml\nfrom . import sibling\n\ndef f():\n    import no_such_module_here\n"
    )
    assert check.imported_modules(package) == {"no_such_module_here": ["pkg/m.py"], "yaml": ["pkg/m.py"]}
    monkeypatch.setattr(check, "imported_modules", lambda: {"no_such_module_here": ["pkg/m.py"], "yaml": ["pkg/m.py"]})
    assert check.main() == 1
    err = capsys.readouterr().err
    assert "error: no_such_module_here (imported by pkg/m.py) cannot be imported" in err and "yaml" not in err
