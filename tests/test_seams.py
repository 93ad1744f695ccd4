"""Every seam is one registry: a new reader, embedder, store or backend registers by name and is
used end to end; an unknown name is one line that lists the registered ones."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, ConfigError, Settings, UnknownReport
from assistant.answerers import ANSWERERS
from assistant.cli import main
from assistant.embeddings import EMBEDDERS
from assistant.lexical import lexical_text
from assistant.readers import READERS, Extracted, register_reader, supported_suffixes
from assistant.store import (
    STORES,
    Census,
    CommitOutcome,
    Filters,
    LexicalRow,
    ReportRecord,
    Staged,
    version_of_id,
)
from assistant.types import Passage, Report

NOTES = "Harbour log\n\nThe pilot boat Merrow towed the ferry Calloway into dock at dawn.\n"


class HashingEmbedder:
    """A deterministic bag-of-words embedder: enough to tell dense retrieval really ran."""

    model_name = "test/hashing-64"
    calls = 0

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(64, dtype=np.float32)
        for w in re.findall(r"\w+", text.lower()):
            v[int(hashlib.md5(w.encode()).hexdigest(), 16) % 64] += 1.0
        return v / max(float(np.linalg.norm(v)), 1e-9)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        HashingEmbedder.calls += 1
        return np.stack([self._vec(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec(text)


class MemoryStore:
    """The whole `VectorStore` protocol in dictionaries: what another engine must provide."""

    def __init__(self, settings: Settings, embed_model: str) -> None:
        self.name, self.embed_model, self.where = settings.collection, embed_model, "memory"
        self._gen = ""
        self._reports: dict[str, tuple[Report, int, str]] = {}
        self._passages: dict[str, tuple[Passage, str, np.ndarray]] = {}
        self._cache: dict[str, np.ndarray] = {}

    def drop(self) -> None:
        self._reports.clear()
        self._passages.clear()

    def generation(self) -> str:
        return self._gen

    def records(self) -> dict[str, ReportRecord]:
        return {
            rid: ReportRecord(rid, r.title, r.hash, n, r.published, r.source, r.aliases, r.names, v)
            for rid, (r, n, v) in self._reports.items()
        }

    def report(self, report_id: str) -> Report:
        if report_id not in self._reports:
            raise UnknownReport(f"no report with id '{report_id}'")
        return self._reports[report_id][0]

    def commit_reports(self, staged: Sequence[Staged]) -> CommitOutcome:
        outcome = CommitOutcome()
        for s in staged:  # one process: compare-and-set is a plain comparison
            current = self._reports.get(s.report.id)
            if (current[2] if current else None) == s.replaces:
                self._reports[s.report.id] = (s.report, s.passages, s.version)
                outcome.committed.append(s.report.id)
                if s.replaces:
                    self.delete_version(s.report.id, s.replaces)
            else:
                outcome.superseded.append(s.report.id)
                self.delete_version(s.report.id, s.version)
        self._gen = uuid.uuid4().hex
        return outcome

    def remove_reports(self, report_ids: Sequence[str]) -> list[str]:
        present = [r for r in report_ids if r in self._reports]
        for rid in present:
            del self._reports[rid]
            for i in [i for i, (p, _, _) in self._passages.items() if p.report_id == rid]:
                del self._passages[i]
        self._gen = uuid.uuid4().hex
        return present

    def upsert_passages(self, items: Sequence[tuple[Report, Passage]], vectors: np.ndarray) -> None:
        for (_, p), v in zip(items, vectors, strict=True):
            self._passages[p.id] = (p, version_of_id(p.id), v)

    def delete_version(self, report_id: str, version: str) -> int:
        gone = [
            i
            for i, (p, v, _) in self._passages.items()
            if p.report_id == report_id and v == version
        ]
        for i in gone:
            del self._passages[i]
        return len(gone)

    def census(self) -> Census:
        counts: dict[tuple[str, str], int] = {}
        for p, v, _ in self._passages.values():
            counts[(p.report_id, v)] = counts.get((p.report_id, v), 0) + 1
        return Census(counts, {})

    def sweep(self) -> int:
        current = {rid: v for rid, (_, _, v) in self._reports.items()}
        gone = [i for i, (p, v, _) in self._passages.items() if current.get(p.report_id) != v]
        for i in gone:
            del self._passages[i]
        return len(gone)

    def passages_of(self, report_ids: Sequence[str]) -> list[tuple[Passage, str]]:
        wanted = set(report_ids)
        return [(p, h) for p, h, _ in self._passages.values() if p.report_id in wanted]

    def lexical_rows(self, report_ids: Sequence[str]) -> list[list[LexicalRow]]:
        return [[(p.id, p.report_id, v, lexical_text(p)) for p, v in self.passages_of(report_ids)]]

    def get_passages(self, ids: Sequence[str]) -> dict[str, tuple[Passage, str]]:
        return {i: self._passages[i][:2] for i in ids if i in self._passages}

    def dense_query(
        self, vector: np.ndarray, n: int, filters: Filters | None = None
    ) -> list[tuple[Passage, str, float]]:
        records = self.records()
        hits = [
            (p, h, float(np.dot(v, vector)))
            for p, h, v in self._passages.values()
            if filters is None or (p.report_id in records and filters.allows(records[p.report_id]))
        ]
        return sorted(hits, key=lambda x: -x[2])[:n]

    def cached_vectors(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        return {k: self._cache[k] for k in keys if k in self._cache}

    def cache_vectors(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        self._cache.update(zip(keys, vectors, strict=True))

    def forget_vectors(self, keep: set[str]) -> int:
        gone = [k for k in self._cache if k not in keep]
        for k in gone:
            del self._cache[k]
        return len(gone)

    def count(self) -> int:
        return len(self._passages)

    def writing(self) -> AbstractContextManager[None]:
        return nullcontext()  # one process holds this store: nothing to coordinate


def read_notes(data: bytes, name: str) -> Extracted:
    return Extracted(data.decode("utf-8").replace("\r\n", "\n"), title="Harbour log")


@pytest.fixture
def fakes() -> Iterator[None]:
    register_reader("harbour-notes", (".notes",), read_notes)
    EMBEDDERS.register("hashing", lambda settings: HashingEmbedder())
    STORES.register("memory", MemoryStore)
    yield
    READERS.unregister("harbour-notes")
    EMBEDDERS.unregister("hashing")
    STORES.unregister("memory")


def test_a_registered_reader_embedder_and_store_answer_end_to_end(fakes, tmp_path: Path) -> None:
    (tmp_path / "log.notes").write_text(NOTES, encoding="utf-8")
    a = Assistant(Settings(data_dir=tmp_path / "d", store="memory", embedding="hashing"))
    assert ".notes" in supported_suffixes()
    summary = a.ingest([tmp_path])
    assert summary.added == ["log.notes"] and HashingEmbedder.calls > 0
    assert not (tmp_path / "d").exists(), "the memory store writes nothing to disk"
    hits = a.retrieve("Which boat towed the ferry?")
    assert hits and hits[0].dense is not None, "the registered embedder served dense retrieval"
    answer = a.ask("Which boat towed the ferry Calloway?")
    assert not answer.abstained
    c = answer.citations[0]
    assert "pilot boat Merrow" in c.quote and NOTES[c.start : c.end] == c.quote
    a.remove("log.notes")
    assert a.reports() == []


@pytest.mark.parametrize(
    ("field", "registry"),
    [("backend", ANSWERERS), ("embedding", EMBEDDERS), ("store", STORES)],
)
def test_an_unknown_name_lists_the_registered_ones(field: str, registry) -> None:
    with pytest.raises(ConfigError) as err:
        Settings(**{field: "carrier-pigeon"})
    message = str(err.value)
    assert "carrier-pigeon" in message and "\n" not in message
    assert all(name in message for name in registry.names())


def test_the_command_line_offers_exactly_the_registered_backends(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["ask", "--help"])
    assert "{" + ",".join(ANSWERERS.names()) + "}" in capsys.readouterr().out


def test_an_unknown_backend_in_the_environment_is_one_line(monkeypatch, capsys) -> None:
    monkeypatch.setenv("ASSISTANT_BACKEND", "carrier-pigeon")
    assert main(["reports"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown backend 'carrier-pigeon'") and "\n" not in err


def test_a_suffix_has_one_reader() -> None:
    with pytest.raises(ConfigError, match=r"\.txt already has a reader"):
        register_reader("plain-again", (".TXT",), read_notes)
