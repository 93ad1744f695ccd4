"""The import contract of DESIGN.md, as CI runs it (`lint-imports`, configured in pyproject.toml):
front ends sit above the core, ui and evals never import each other, the core has no cycles. Each
contract is shown to break when a probe adds the import it forbids, on a copy of the package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .conftest import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONTRACTS = {
    c["id"]: c["name"]
    for c in tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
}


def copy_of_the_package(tmp_path: Path) -> Path:
    """The package and its contract config, copied; `lint-imports` run there analyses the copy."""
    shutil.copytree(
        REPO / "assistant", tmp_path / "assistant", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def add_import(module: Path, line: str) -> None:
    module.write_text(module.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_the_package_as_it_is_keeps_every_contract(tmp_path: Path) -> None:
    result = lint_imports(copy_of_the_package(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    for name in CONTRACTS.values():
        assert f"{name} KEPT" in result.stdout


@pytest.mark.parametrize(
    ("module", "probe", "broken"),
    [
        pytest.param("types.py", "import assistant.ui", "core", id="core-imports-ui"),
        pytest.param("retrieval.py", "from assistant.evals import runner", "core", id="core-evals"),
        pytest.param("config.py", "from assistant import cli", "core", id="core-imports-cli"),
        pytest.param("evals/__init__.py", "import assistant.ui", "front-ends", id="evals-ui"),
        pytest.param("ui/__init__.py", "from assistant import evals", "front-ends", id="ui-evals"),
        pytest.param("ui/__init__.py", "import assistant.cli", "front-ends", id="ui-imports-cli"),
        pytest.param("errors.py", "from assistant import registry", "acyclic", id="core-cycle"),
    ],
)
def test_an_import_against_the_layers_breaks_its_contract(
    tmp_path: Path, module: str, probe: str, broken: str
) -> None:
    root = copy_of_the_package(tmp_path)
    add_import(root / "assistant" / module, probe)
    result = lint_imports(root)
    assert result.returncode != 0, result.stdout
    assert f"{CONTRACTS[broken]} BROKEN" in result.stdout, result.stdout
    assert "Broken contracts" in result.stdout
