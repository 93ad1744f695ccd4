"""Several machines writing one Chroma server: every report ends with exactly one complete version.

Two writers ingest different versions of the same reports at the same moment, many times over. A
version is committed compare-and-set; the loser cleans up after itself; nobody deletes passages of
a version that might still become (or be) the current one.
"""

from __future__ import annotations

import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant import Assistant, IngestSummary, Settings

pytestmark = pytest.mark.server

REPORTS = [f"bulletin-{i}.txt" for i in range(4)]


def _write_version(folder: Path, writer: str, rnd: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in REPORTS:
        lines = [f"Bulletin {name} from desk {writer}, edition {rnd}.", ""]
        lines += [
            f"Paragraph {k} of edition {rnd}: the {writer} desk counted {k * 7 + rnd} crates of "
            f"grain at depot {k} and logged the convoy number {rnd * 100 + k} for the record."
            for k in range(12)
        ]
        (folder / name).write_text("\n\n".join(lines), encoding="utf-8")


def _complete(assistant: Assistant) -> dict[str, str]:
    """Per report: '' when its committed version has exactly its passages, else what is wrong."""
    store = assistant.store
    records = store.records()
    problems: dict[str, str] = {}
    for rid in REPORTS:
        rec = records.get(rid)
        if rec is None:
            problems[rid] = "not in the registry"
            continue
        have = [p for p, version in store.passages_of([rid]) if version == rec.version]
        if len(have) != rec.passages:
            problems[rid] = f"registry says {rec.passages} passages, {len(have)} exist"
    return problems


def _race(machines: dict[str, Assistant], folders: dict[str, Path], rnd: int) -> None:
    """Every machine ingests its own folder at the same moment; each report is committed by
    one of them (the other's version is superseded), none is refused."""
    start = threading.Barrier(len(machines))

    def run(w: str) -> IngestSummary:
        start.wait()
        return machines[w].ingest([folders[w]])

    with ThreadPoolExecutor(len(machines)) as pool:
        futures = [pool.submit(run, w) for w in machines]
        summaries = [f.result(timeout=120) for f in futures]
    committed = [rid for s in summaries for rid in s.added + s.updated]
    assert all(not s.failed for s in summaries), f"round {rnd}: {summaries}"
    assert sorted(set(committed)) == REPORTS, f"round {rnd}: every report committed by a writer"


def test_two_writers_racing_on_one_server_never_lose_a_report(
    chroma_server: str, make_assistant, tmp_path: Path
) -> None:
    shared = {"chroma_url": chroma_server, "collection": "race-two-writers", "chunk_chars": 300}
    machines = {
        w: make_assistant(Settings(data_dir=tmp_path / w / "data", **shared)) for w in ("a", "b")
    }
    for rnd in range(10):
        folders = {w: tmp_path / w / f"round-{rnd}" for w in machines}
        for w, folder in folders.items():
            _write_version(folder, w, rnd)
            if rnd:  # the machine's file was edited in place: its earlier version is gone
                shutil.rmtree(tmp_path / w / f"round-{rnd - 1}")
        _race(machines, folders, rnd)
        for w, assistant in machines.items():
            assert _complete(assistant) == {}, f"round {rnd}, seen from machine {w}"
    # What the losers left behind (if anything) is invisible, and `check` finds nothing missing.
    report = machines["a"].check()
    assert report.missing == []
    answer = machines["b"].ask("How many crates of grain did the desk count at depot 3?")
    assert not answer.abstained and answer.citations
