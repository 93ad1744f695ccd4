"""The wheel a user gets from `pip install report-assistant` runs outside the checkout: its prompts,
sample corpus and calibration are inside it, and it never reaches back into the repo.

One wheel is built from the repo and installed (without its dependencies) into one fresh venv; the
dependencies come from the test's own venv through a path entry, which leaves the editable install
of the checkout out (its finder is a .pth hook, and .pth files of a plain path entry are not run).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import REPO, SDF_REPORT
from .fake_openai import FakeOpenAI

pytestmark = pytest.mark.slow

QUESTION = "How many people were killed in the shelling?"
NOT_BUILD_INPUTS = {"build", "tests", "benchmarks", "docs", "evals", "scripts"}


@dataclass(frozen=True)
class Installed:
    venv: Path
    package: Path  # the installed `assistant/` folder
    workdir: Path  # a folder outside the repo, used as cwd

    def run(self, *args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
        """`assistant ARGS` as a user runs it: the venv's console script, no ASSISTANT_* vars."""
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ASSISTANT_", "OPENAI_", "PYTHON", "VIRTUAL_ENV"))
        }
        return subprocess.run(
            [str(self.venv / "bin" / "assistant"), *args],
            cwd=self.workdir,
            env={**clean, "ASSISTANT_DATA_DIR": str(data_dir), **env},
            capture_output=True,
            text=True,
            timeout=300,
        )


def _build_inputs(dest: Path) -> Path:
    """The repo as the build backend reads it, copied so that building writes nothing into it."""
    ignore = shutil.ignore_patterns("__pycache__")
    for entry in REPO.iterdir():
        if entry.name in NOT_BUILD_INPUTS or entry.name.startswith(".") or ".egg" in entry.name:
            continue
        if entry.is_dir():
            shutil.copytree(entry, dest / entry.name, ignore=ignore)
        else:
            shutil.copy2(entry, dest / entry.name)
    return dest


def _pip(*args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", *args, "--quiet"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = _build_inputs(tmp_path_factory.mktemp("src"))
    out = tmp_path_factory.mktemp("dist")
    _pip("wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(out), str(src))
    [built] = out.glob("report_assistant-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    _pip("--python", str(python), "install", "--no-deps", "--no-index", str(wheel))
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # After the venv's own site-packages: the installed wheel wins over anything found there.
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return Installed(venv, site / "assistant", tmp_path_factory.mktemp("elsewhere"))


@pytest.fixture(scope="module")
def sample_store(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the bundled sample reports, ingested by the installed copy."""
    data = tmp_path_factory.mktemp("data")
    result = installed.run("ingest", "--sample", data_dir=data)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("added 2,"), result.stdout
    return data


def test_the_wheel_ships_every_module_prompt_sample_report_and_the_calibration(
    wheel: Path,
) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    package = REPO / "assistant"
    modules = {
        p.relative_to(REPO).as_posix()
        for p in package.rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert modules - names == set(), "a package is missing from [tool.setuptools] packages"
    assert {"assistant/calibration.json", "assistant/fusion.json"} <= names, "fitted weights ship"
    for folder in ("prompts", "corpus"):
        shipped = {f"assistant/_data/{folder}/{p.name}" for p in (REPO / folder).iterdir()}
        assert shipped and shipped <= names
    assert not any(n.startswith(("prompts/", "corpus/", "tests/")) for n in names)


def test_the_installed_copy_is_imported_not_the_checkout(installed: Installed) -> None:
    probe = (
        "import json, sys, assistant, assistant.prompts, assistant.calibration as c;"
        "print(json.dumps([assistant.__file__, str(assistant.prompts.PROMPT_DIR),"
        " str(c.CALIBRATION_FILE), [str(f) for f in sys.meta_path]]))"
    )
    result = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", probe],
        cwd=installed.workdir,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")},
        capture_output=True,
        text=True,
        check=True,
    )
    module, prompts, calibration, finders = json.loads(result.stdout)
    assert Path(module) == installed.package / "__init__.py"
    assert Path(prompts) == installed.package / "_data" / "prompts"
    assert Path(calibration) == installed.package / "calibration.json"
    assert not any("editable" in f.lower() for f in finders), finders


def test_ingest_without_a_path_outside_a_checkout_asks_for_one(
    installed: Installed, tmp_path: Path
) -> None:
    result = installed.run("ingest", data_dir=tmp_path / "data")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "--sample" in lines[0]
    assert "added" not in result.stdout, "nothing was ingested"


def test_the_sample_answers_offline_with_quotes_from_the_bundled_reports(
    installed: Installed, sample_store: Path
) -> None:
    result = installed.run("ask", QUESTION, "--json", data_dir=sample_store)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["abstained"] is False and data["backend"] == "extractive"
    assert data["citations"]
    for cite in data["citations"]:
        text = (installed.package / "_data" / "corpus" / cite["report"]).read_text("utf-8")
        assert text[cite["start"] : cite["end"]] == cite["quote"]
    assert any("two people were killed" in c["quote"] for c in data["citations"])


def test_the_openai_backend_loads_its_prompts_from_the_installed_package(
    installed: Installed, sample_store: Path, fake: FakeOpenAI
) -> None:
    fake.script = [("text", "The Aleppo Health Directorate said two people were killed [1].")]
    result = installed.run(
        "ask",
        QUESTION,
        "--json",
        "--backend",
        "openai",
        data_dir=sample_store,
        OPENAI_BASE_URL=fake.url,
        OPENAI_API_KEY="test",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["backend"] == "openai" and data["abstained"] is False
    [cite] = data["citations"]
    assert cite["report"] == SDF_REPORT
    text = (installed.package / "_data" / "corpus" / SDF_REPORT).read_text("utf-8")
    assert text[cite["start"] : cite["end"]] == cite["quote"]
    system = (installed.package / "_data" / "prompts" / "answer_system.txt").read_text("utf-8")
    [request] = fake.requests
    assert request["messages"][0]["content"].strip() == system.strip()
