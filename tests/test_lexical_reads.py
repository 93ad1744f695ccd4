"""A process that finds a few reports added or changed by another reads just their passages, by
the ids the registry implies; when the store does not hold them where the registry says, it
reads them by report instead, and the answer is the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant, Settings, chroma_store


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture
def shared(tmp_path: Path) -> tuple[Settings, Path]:
    folder = tmp_path / "notices"
    for i in range(3):
        _write(folder, f"notice-{i}.txt", f"Notice {i}. The ferry Velmora{i} sails at {i + 5}.\n")
    settings = Settings(data_dir=tmp_path / "data")
    Assistant(settings, embedder=None).ingest([folder])
    return settings, folder


def _scans(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    seen: list[Any] = []
    real = chroma_store._pages

    def spy(col: Any, where: Any, include: list[str], page: int) -> Any:
        seen.append(where)
        return real(col, where, include, page)

    monkeypatch.setattr(chroma_store, "_pages", spy)
    return seen


def _reader_then_a_report_added_elsewhere(shared: tuple[Settings, Path]) -> Assistant:
    """A process that has answered once; then another process ingests one more report."""
    settings, folder = shared
    reader = Assistant(settings, embedder=None)
    assert reader.retrieve("Velmora1 ferry")
    _write(folder, "quay.txt", "The Oranmor quay closed on Monday after the storm.\n")
    Assistant(settings, embedder=None).ingest([folder])
    return reader


def test_a_report_added_elsewhere_is_read_by_id(
    shared: tuple[Settings, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = _reader_then_a_report_added_elsewhere(shared)
    scans = _scans(monkeypatch)
    hits = reader.retrieve("Oranmor quay storm")
    assert hits[0].passage.report_id == "quay.txt"
    assert scans == []  # no scan of the store's metadata for it


def test_passages_not_where_the_registry_says_are_read_by_report(
    shared: tuple[Settings, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = _reader_then_a_report_added_elsewhere(shared)
    monkeypatch.setattr(chroma_store, "passage_id", lambda rid, version, i: f"{rid}::moved::{i}")
    scans = _scans(monkeypatch)
    hits = reader.retrieve("Oranmor quay storm")
    assert hits[0].passage.report_id == "quay.txt"
    assert scans and "quay.txt" in str(scans[0])
