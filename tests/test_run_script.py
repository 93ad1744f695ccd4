"""`scripts/run.sh` installs on its first run and again only when pyproject.toml or
package-lock.json changed: the real scripts, run in a copy of the repository whose `python3`,
pip, npm and `assistant` are stand-ins that only say they ran."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO

FAKE_PYTHON = """#!/usr/bin/env bash
# `python3 -m venv .venv`: a venv whose python records pip calls and whose install makes `assistant`
mkdir -p .venv/bin
cat > .venv/bin/python <<'EOF'
#!/usr/bin/env bash
echo "pip $*" >> calls.log
if [[ "$*" == *" -e "* ]]; then
  printf '#!/usr/bin/env bash\\necho "assistant $*" >> calls.log\\n' > .venv/bin/assistant
  chmod +x .venv/bin/assistant
fi
EOF
chmod +x .venv/bin/python
"""

pytestmark = pytest.mark.skipif(
    shutil.which("bash") is None or shutil.which("sha256sum") is None,
    reason="needs bash and sha256sum",
)


def run(root: Path, *args: str) -> list[str]:
    """`bash scripts/run.sh ARGS` in the copy; the calls it made, in order."""
    log = root / "calls.log"
    log.write_text("")
    env = {**os.environ, "PATH": f"{root / 'fakebin'}:{os.environ['PATH']}"}
    subprocess.run(["bash", "scripts/run.sh", *args], cwd=root, env=env, check=True)
    return log.read_text().splitlines()


def test_run_installs_once_and_again_only_when_the_dependencies_change(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    for name in ("scripts/run.sh", "scripts/setup.sh", "pyproject.toml", "package-lock.json"):
        shutil.copy(REPO / name, root / name)
    fakes = root / "fakebin"
    fakes.mkdir()
    (fakes / "python3").write_text(FAKE_PYTHON)
    (fakes / "npm").write_text('#!/usr/bin/env bash\necho "npm $*" >> calls.log\n')
    for fake in fakes.iterdir():
        fake.chmod(0o755)
    install = [
        "pip -m pip install --quiet --upgrade pip",
        "pip -m pip install --quiet -e .[dev]",
        "npm ci --silent --no-audit --no-fund",
    ]
    serve = "assistant ui --host 127.0.0.1 --port 7860"

    assert run(root) == [*install, serve]  # the first run sets everything up
    stamps = sorted(p.name for p in (root / ".venv").glob(".installed-*"))
    assert len(stamps) == 1
    assert run(root) == [serve]  # nothing changed: no install
    assert run(root, "ask", "Which road was closed?") == ["assistant ask Which road was closed?"]

    with (root / "pyproject.toml").open("a") as f:
        f.write("\n# a changed dependency\n")
    assert run(root) == [*install, serve]
    assert run(root) == [serve]
    with (root / "package-lock.json").open("a") as f:
        f.write("\n")
    assert run(root) == [*install, serve]
    assert len(list((root / ".venv").glob(".installed-*"))) == 1  # the old stamp is gone

    (root / ".venv" / "bin" / "assistant").unlink()  # a venv without the app: install again
    assert run(root) == [*install, serve]
