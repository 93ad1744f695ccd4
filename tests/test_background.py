"""An ingest in the background (the UI's first start): it returns at once, says how far it got,
commits as it goes (questions meanwhile see what is stored), stops at the next file when
cancelled, and leaves a `pending` file until it ends well, so the next start goes on with it."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.background import BackgroundIngest, IngestProgress
from assistant.errors import ConfigError, StoreBusy
from assistant.types import IngestSummary
from tests.test_seams import HashingEmbedder

REPORTS = 3


class GatedHashingEmbedder(HashingEmbedder):
    """Embeds a passage only with a permit the test hands out."""

    def __init__(self) -> None:
        self.permits = threading.Semaphore(0)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        for _ in texts:
            assert self.permits.acquire(timeout=60), "the test never let the ingest go on"
        return super().embed_passages(texts)


def write_reports(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for i in range(REPORTS):
        (folder / f"log-{i}.txt").write_text(
            f"Lighthouse log {i}\n\nThe keeper of beacon {i} logged {10 + i} ships at dawn.\n",
            encoding="utf-8",
        )
    return folder


def until(check: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def gated(tmp_path: Path) -> tuple[Assistant, GatedHashingEmbedder, Path]:
    embedder = GatedHashingEmbedder()
    settings = Settings(  # a background run commits every embedding batch: here each passage
        data_dir=tmp_path / "data", corpus_dir=write_reports(tmp_path / "logs"), embed_batch=1
    )
    return Assistant(settings, embedder=embedder), embedder, tmp_path / "data" / "pending"


def test_it_returns_at_once_reports_progress_and_commits_as_it_goes(
    gated: tuple[Assistant, GatedHashingEmbedder, Path],
) -> None:
    assistant, embedder, pending = gated
    ended: list[IngestProgress] = []
    run = assistant.ingest_in_background(on_done=ended.append, pending=pending)
    assert pending.exists() and run.running
    until(lambda: run.progress().total == REPORTS)
    assert run.progress().line() == f"ingesting 1 of {REPORTS} reports…"
    assert assistant.reports() == []
    with pytest.raises(StoreBusy, match="already running"):
        assistant.ingest_in_background()

    embedder.permits.release(1)  # the first report is stored; the second waits
    until(lambda: len(assistant.reports()) == 1)
    assert assistant.ingest_progress() == run.progress() and run.running
    assert assistant.retrieve("ships logged by the keeper of beacon 0")  # answerable meanwhile

    embedder.permits.release(100)
    done = run.wait(30)
    assert not done.running and done.error is None and done.summary is not None
    assert len(done.summary.added) == REPORTS
    assert done.line() == f"ingested: added {REPORTS}, updated 0, unchanged 0, removed 0, failed 0"
    assert ended == [done] and not pending.exists()
    assert len(assistant.reports()) == REPORTS


def test_a_cancelled_run_keeps_what_it_stored_and_the_next_one_goes_on(
    gated: tuple[Assistant, GatedHashingEmbedder, Path],
) -> None:
    assistant, embedder, pending = gated
    run = assistant.ingest_in_background(pending=pending)
    embedder.permits.release(1)
    until(lambda: len(assistant.reports()) == 1)
    threading.Timer(0.2, embedder.permits.release, (1,)).start()  # the report it is on ends
    stopped = run.cancel(30)
    assert not stopped.running and stopped.summary is None
    assert stopped.line() == "ingest stopped: cancelled (the reports stored so far stay)"
    assert pending.exists()  # cut short: the next start runs it again
    stored = len(assistant.reports())
    assert 1 <= stored < REPORTS

    embedder.permits.release(100)
    again = assistant.ingest_in_background(pending=pending).wait(30)
    assert again.summary is not None and len(again.summary.unchanged) == stored
    assert len(assistant.reports()) == REPORTS and not pending.exists()


def test_a_failure_in_the_thread_is_its_one_line_error(tmp_path: Path) -> None:
    def broken(step: object) -> IngestSummary:
        raise RuntimeError("disk on fire")

    pending = tmp_path / "pending"
    done = BackgroundIngest(broken, pending=pending).start().wait(10)
    assert done.error == "RuntimeError: disk on fire"
    assert done.line() == "ingest stopped: RuntimeError: disk on fire"
    assert pending.exists()
    nothing = Assistant(Settings(data_dir=tmp_path / "d", corpus_dir=None), embedder=None)
    with pytest.raises(ConfigError, match="no reports folder given"):
        nothing.ingest_in_background()  # said at once, not in the thread
    assert nothing.ingest_progress() is None


def test_the_ui_ingests_on_a_first_start_and_after_one_cut_short(tmp_path: Path) -> None:
    from assistant.ui.app import FIRST_INGEST, first_start_ingest

    logs = write_reports(tmp_path / "logs")
    assistant = Assistant(Settings(data_dir=tmp_path / "d", corpus_dir=logs), embedder=None)
    run = first_start_ingest(assistant)
    assert run is not None and run.wait(30).summary is not None
    assert len(assistant.reports()) == REPORTS
    assert first_start_ingest(assistant) is None  # reports stored, nothing left pending
    (tmp_path / "d" / FIRST_INGEST).touch()  # as a start stopped mid-ingest leaves it
    again = first_start_ingest(assistant)
    assert again is not None and again.wait(30).summary is not None
    assert not (tmp_path / "d" / FIRST_INGEST).exists()
    no_folder = Assistant(Settings(data_dir=tmp_path / "e", corpus_dir=None), embedder=None)
    assert first_start_ingest(no_folder) is None


def test_the_progress_line_over_the_chat() -> None:
    from assistant.ui.welcome import progress_html

    assert progress_html(None) == ""
    running = progress_html(IngestProgress(done=2, total=120, current="a.txt"))
    assert "ingesting 3 of 120 reports…" in running
    assert '<progress value="2" max="120" aria-label="reports ingested">' in running
    assert "looking for reports to ingest…" in progress_html(IngestProgress())
    summary = IngestSummary(added=["a.txt"], failed=[("<img src=x>.pdf", "not a PDF")])
    failed = progress_html(IngestProgress(running=False, summary=summary))
    assert (
        "ingested: added 1" in failed and "<code>&lt;img src=x&gt;.pdf</code>: not a PDF" in failed
    )
    assert progress_html(IngestProgress(running=False, summary=IngestSummary(added=["a"]))) == ""
    stopped = progress_html(IngestProgress(running=False, error="cancelled"))
    assert "ingest stopped: cancelled" in stopped
