"""One setting (ASSISTANT_CHROMA_URL) moves the store to a Chroma server that several machines share."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant, Settings, StoreUnavailable

from .conftest import CORPUS, NAYRAB_REPORT, free_port

pytestmark = pytest.mark.server


def test_two_machines_share_one_server(chroma_server: str, make_assistant, tmp_path: Path) -> None:
    """One instance ingests and removes; the other, with its own empty local folder, follows."""
    shared = {
        "chroma_url": chroma_server,
        "collection": "shared-two-machines",
        "corpus_dir": CORPUS,
    }
    writer = make_assistant(Settings(data_dir=tmp_path / "a", **shared))
    reader = make_assistant(Settings(data_dir=tmp_path / "b", **shared))
    writer.ingest([CORPUS])
    answer = reader.ask("Where did Assad and his family flee to?")
    assert any(c.report_id == NAYRAB_REPORT for c in answer.citations)
    assert [r.id for r in reader.reports()] == [r.id for r in writer.reports()]
    writer.remove(NAYRAB_REPORT)
    after = reader.ask("Where did Assad and his family flee to?")
    assert all(c.report_id != NAYRAB_REPORT for c in after.citations)
    assert NAYRAB_REPORT not in [r.id for r in reader.reports()]
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists(), (
        "two reports: no local snapshot is worth keeping"
    )


def _bulletins(folder: Path, n: int, changed: int | None = None) -> Path:
    """Invented harbour bulletins, one invented word each; `changed` gets a new text."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        text = f"Bulletin {i}. Pilot boat {i} escorted the tanker Quorvel{i} at dawn.\n"
        if i == changed:
            text = f"Bulletin {i}. Pilot boat {i} towed the barge Zentrik{i} at noon.\n"
        (folder / f"bulletin-{i:02d}.txt").write_text(text, encoding="utf-8")
    return folder


def test_each_machine_keeps_its_own_snapshot_and_another_machines_change_invalidates_it(
    chroma_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Server mode starts from a local snapshot too, checked against the server's versions: a
    report another machine changed is read again, and its old text is never found."""
    shared = {"chroma_url": chroma_server, "collection": "shared-snapshots"}
    writer = Assistant(Settings(data_dir=tmp_path / "writer", **shared), embedder=None)
    writer.ingest([_bulletins(tmp_path / "v1", 30)])
    reader_settings = Settings(data_dir=tmp_path / "reader", **shared)
    assert (
        "Quorvel7" in Assistant(reader_settings, embedder=None).ask("Who escorted Quorvel7?").text
    )
    snapshots = list((tmp_path / "reader" / "lexical").glob("lexical-*-shared-snapshots.bm25"))
    assert len(snapshots) == 1, "the reader keeps its snapshot under its own data folder"

    writer.ingest([_bulletins(tmp_path / "v1", 30, changed=7)])  # bulletin 7 rewritten
    later = Assistant(reader_settings, embedder=None)
    asked: list[list[str]] = []
    real = later.store.lexical_rows
    monkeypatch.setattr(later.store, "lexical_rows", lambda ids: (asked.append(ids), real(ids))[1])
    assert "Zentrik7" in later.ask("Which barge was towed at noon?").text
    assert asked == [["bulletin-07.txt"]], "only the report changed elsewhere is read again"
    assert later.ask("Who escorted Quorvel7?").abstained, "the old text is not served"


def _start(path: Path, port: int) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import socket

    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("chroma run did not start")


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[tuple[Path, int, list[subprocess.Popen[bytes]]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield tmp_path / "db", free_port(), procs
    for p in procs:
        p.terminate()
        p.wait(timeout=20)


def test_server_going_away_is_a_clear_error_and_the_assistant_recovers(
    own_server, make_assistant, tmp_path: Path
) -> None:
    path, port, procs = own_server
    procs.append(_start(path, port))
    url = f"http://127.0.0.1:{port}"
    a = make_assistant(Settings(data_dir=tmp_path / "x", chroma_url=url, corpus_dir=CORPUS))
    a.ingest([CORPUS])
    assert not a.ask("Which road was closed?").abstained
    procs[0].terminate()
    procs[0].wait(timeout=20)
    with pytest.raises(StoreUnavailable) as err:
        a.ask("Which road was closed?")
    assert url in str(err.value) and "\n" not in str(err.value)
    procs.append(_start(path, port))
    answer = a.ask("Which road was closed?")
    assert "Gaziantep-Aleppo road" in answer.text


def test_a_server_that_accepts_but_never_answers_is_a_one_line_error_within_the_timeout(
    own_server, make_assistant, tmp_path: Path
) -> None:
    """A hung server (paused: the kernel still accepts connections) must not hang the user."""
    path, port, procs = own_server
    procs.append(_start(path, port))
    url = f"http://127.0.0.1:{port}"
    settings = Settings(data_dir=tmp_path / "x", chroma_url=url, chroma_timeout=2)
    a = make_assistant(settings)
    a.ingest([CORPUS])
    procs[0].send_signal(signal.SIGSTOP)
    try:
        with pytest.raises(StoreUnavailable) as err:
            a.ask("Which road was closed?")  # connected: its reads time out
        assert url in str(err.value) and "\n" not in str(err.value)
        with pytest.raises(StoreUnavailable) as err:
            make_assistant(settings).reports()  # connecting: the client's own handshake hangs
        assert "did not answer within 2 s" in str(err.value)
    finally:
        procs[0].send_signal(signal.SIGCONT)
    assert "Gaziantep-Aleppo road" in a.ask("Which road was closed?").text


def test_chat_and_the_eval_harness_run_unchanged_against_the_server(
    chroma_server: str, tmp_path: Path, cli
) -> None:
    env = {"ASSISTANT_CHROMA_URL": chroma_server, "ASSISTANT_DATA_DIR": str(tmp_path / "d")}
    evaluated = cli(
        "eval", str(CORPUS.parent / "evals" / "sample.yaml"), "--out", str(tmp_path / "out"), **env
    )
    assert evaluated.returncode == 0, evaluated.stdout[-2000:] + evaluated.stderr[-2000:]
    assert (tmp_path / "out" / "result.json").exists()
    chat = cli(
        "chat",
        input="What did the Aleppo Health Directorate announce?\nAnd how many were injured?\n\n",
        ASSISTANT_COLLECTION="eval-sample",
        **env,
    )
    assert chat.returncode == 0, chat.stderr
    assert "eight others were injured" in chat.stdout, chat.stderr
    assert "ingesting" not in chat.stderr, "the chat used the collection the eval built"
    kept = {p.name for p in (tmp_path / "d").rglob("*")} if (tmp_path / "d").exists() else set()
    assert kept <= {"conversations.sqlite"}, (
        "of a store this small nothing is kept locally in server mode (no snapshot is worth it)"
    )
    assert not (tmp_path / "data").exists()
