"""`assistant check [--repair]`, batched pruning, and the store's own bookkeeping records."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant, Settings, UnknownReport
from assistant.chroma_store import STATE_ID, ChromaStore
from assistant.cli import main
from assistant.ingestion import split_passages
from assistant.store import Staged, new_version

from .conftest import SDF_REPORT


@pytest.fixture
def store_copy(tmp_path: Path, make_assistant, corpus_copy: Path) -> Assistant:
    a = make_assistant(Settings(data_dir=tmp_path / "data", corpus_dir=corpus_copy))
    assert a.ingest([corpus_copy]).ok
    return a


def _lose_passages(a: Assistant, report_id: str, keep: int) -> None:
    """What a lost race used to do: the registry names a version whose passages are gone."""
    rec = a.store.records()[report_id]
    have = [p.id for p, v in a.store.passages_of([report_id]) if v == rec.version]
    store = a.store
    assert isinstance(store, ChromaStore)
    col, _ = store._open()
    col.delete(ids=have[keep:])


def test_check_finds_a_report_whose_passages_went_missing_and_repair_rebuilds_it(
    store_copy: Assistant, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    a = store_copy
    before = a.ask("How many people were killed in the shelling?")
    _lose_passages(a, SDF_REPORT, keep=1)
    found = a.check()
    assert [rid for rid, _ in found.missing] == [SDF_REPORT] and not found.ok
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(a.settings.data_dir))
    assert main(["check"]) == 1
    assert f"incomplete: {SDF_REPORT}" in capsys.readouterr().out
    assert main(["check", "--repair"]) == 0
    out = capsys.readouterr().out
    assert f"repaired: {SDF_REPORT}" in out
    after = Assistant(a.settings, embedder=a.embedder)
    assert after.check().missing == [] and after.check().orphaned == 0
    assert after.ask("How many people were killed in the shelling?").text == before.text


def test_check_sweeps_passages_that_no_committed_version_owns(store_copy: Assistant) -> None:
    a = store_copy
    report = a.report(SDF_REPORT)
    version = new_version(report.hash)
    stray = split_passages(report, a.settings.chunk_chars, version)
    a.store.upsert_passages([(report, p) for p in stray], a.indexer._embed([p.text for p in stray]))
    found = a.check()
    assert found.orphaned == len(stray) and found.missing == [] and found.ok
    repaired = a.check(repair=True)
    assert repaired.swept == len(stray)
    assert a.check().orphaned == 0


def test_a_commit_that_lost_the_race_keeps_the_winner_and_cleans_up_after_itself(
    store_copy: Assistant,
) -> None:
    a = store_copy
    report = a.report(SDF_REPORT)
    current = a.store.records()[SDF_REPORT].version
    mine = new_version(report.hash)
    ps = split_passages(report, a.settings.chunk_chars, mine)
    a.store.upsert_passages([(report, p) for p in ps], a.indexer._embed([p.text for p in ps]))
    stale = Staged(report, len(ps), mine, replaces="an-older-version")
    outcome = a.store.commit_reports([stale])
    assert outcome.superseded == [SDF_REPORT] and outcome.committed == []
    assert a.store.records()[SDF_REPORT].version == current
    assert a.check().orphaned == 0 and a.check().missing == []


def test_pruning_many_reports_is_one_batch_not_one_request_per_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "wire"
    for i in range(300):
        path = folder / ("keep" if i < 100 else "gone") / f"item-{i:03d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Item {i}. The ferry left berth {i} at dawn.\n", encoding="utf-8")
    a = Assistant(Settings(data_dir=tmp_path / "data"), embedder=None)
    assert len(a.ingest([folder]).added) == 300
    for p in (folder / "gone").iterdir():
        p.unlink()
    bumps: list[int] = []
    real = ChromaStore._bump
    monkeypatch.setattr(ChromaStore, "_bump", lambda self: (bumps.append(1), real(self))[1])
    summary = a.ingest([folder], prune=True)
    assert len(summary.removed) == 200 and len(a.reports()) == 100
    assert len(bumps) == 2, (
        "one registry change for the whole prune (its token bumped before and after), not one per report"
    )
    assert a.check().missing == [] and a.store.count() == 100


def test_the_stores_generation_record_is_not_a_report(store_copy: Assistant) -> None:
    a = store_copy
    assert STATE_ID not in [r.id for r in a.reports()]
    with pytest.raises(UnknownReport):
        a.report(STATE_ID)
    with pytest.raises(UnknownReport):
        a.remove(STATE_ID)
    assert a.store.generation(), "the generation record survived"


def _cape(i: int) -> str:
    return "".join(chr(97 + (i * 7 + k * 3) % 26) for k in range(6)).capitalize()


def _many_reports(folder: Path, n: int) -> Path:
    """Logs that differ by an invented cape name (a word only one log has)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"log-{i:02d}.txt").write_text(
            f"Log {i}. The lighthouse keeper recorded {i + 3} ships passing Cape {_cape(i)}.\n",
            encoding="utf-8",
        )
    return folder


def test_a_truncated_lexical_snapshot_is_rebuilt_from_the_store_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = Assistant(settings, embedder=None)
    first.ingest([_many_reports(tmp_path / "logs", 30)])
    assert first.ask(
        f"How many ships passed Cape {_cape(7)}?"
    ).citations  # 30 reports: snapshot saved
    snapshot = next((tmp_path / "data" / "chroma").glob("lexical-*.bm25"))
    data = snapshot.read_bytes()
    snapshot.write_bytes(data[: len(data) // 2])
    later = Assistant(settings, embedder=None)
    answer = later.ask(f"How many ships passed Cape {_cape(7)}?")
    assert "10 ships" in answer.text and answer.citations
    assert "snapshot" in caplog.text and "rebuilding it from the store" in caplog.text
    snapshot.write_bytes(b"BM25SNAP not a snapshot at all")
    assert (
        "10 ships"
        in Assistant(settings, embedder=None).ask(f"How many ships passed Cape {_cape(7)}?").text
    )


def test_a_full_disk_while_saving_the_lexical_snapshot_costs_a_warning_not_the_answer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os
    import types

    from assistant import lexical_snapshot

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    full_disk = types.SimpleNamespace(getpid=os.getpid, replace=no_space)
    monkeypatch.setattr(lexical_snapshot, "os", full_disk)
    a = Assistant(Settings(data_dir=tmp_path / "data"), embedder=None)
    a.ingest([_many_reports(tmp_path / "logs", 30)])
    answer = a.ask(f"How many ships passed Cape {_cape(7)}?")
    assert "10 ships" in answer.text
    assert "No space left on device" in caplog.text
    assert not list((tmp_path / "data" / "chroma").glob("lexical-*"))


def test_the_same_file_name_in_two_folders_of_one_run_gets_each_folders_name_in_front(
    tmp_path: Path,
) -> None:
    for desk, text in (("north", "The north desk filed at noon."), ("south", "South filed late.")):
        (tmp_path / desk).mkdir()
        (tmp_path / desk / "daily.txt").write_text(text + "\n", encoding="utf-8")
        (tmp_path / desk / f"{desk}-only.txt").write_text(f"Only {desk}.\n", encoding="utf-8")
    a = Assistant(Settings(data_dir=tmp_path / "data"), embedder=None)
    summary = a.ingest([tmp_path / "north", tmp_path / "south"])
    assert summary.ok
    assert sorted(summary.added) == [
        "north-only.txt", "north/daily.txt", "south-only.txt", "south/daily.txt"
    ]  # fmt: skip
    assert "north desk" in a.report("north/daily.txt").text
    # the ids follow the files: the folder alone, later, updates the same reports
    (tmp_path / "north" / "daily.txt").write_text("The north desk filed twice.\n", "utf-8")
    again = a.ingest([tmp_path / "north"])
    assert again.updated == ["north/daily.txt"] and len(a.reports()) == 4
    both = Assistant(Settings(data_dir=tmp_path / "data2"), embedder=None)
    assert sorted(both.ingest([tmp_path]).added)[:2] == ["north/daily.txt", "north/north-only.txt"]


def test_prune_forgets_only_reports_that_came_from_the_folder_given(tmp_path: Path) -> None:
    for desk in ("east", "west"):
        (tmp_path / desk).mkdir()
        for n in (1, 2):
            (tmp_path / desk / f"{desk}-{n}.txt").write_text(f"{desk} {n}.\n", encoding="utf-8")
    a = Assistant(Settings(data_dir=tmp_path / "data"), embedder=None)
    a.ingest([tmp_path / "east"])
    a.ingest([tmp_path / "west"])
    (tmp_path / "east" / "east-2.txt").unlink()
    summary = a.ingest([tmp_path / "east"], prune=True)
    assert summary.removed == ["east-2.txt"]
    assert [r.id for r in a.reports()] == ["east-1.txt", "west-1.txt", "west-2.txt"]


def test_a_different_file_with_a_stored_reports_id_does_not_replace_it_while_that_file_exists(
    tmp_path: Path,
) -> None:
    for desk, text in (("north", "The north desk filed at noon."), ("south", "South filed late.")):
        (tmp_path / desk).mkdir()
        (tmp_path / desk / "daily.txt").write_text(text + "\n", encoding="utf-8")
    a = Assistant(Settings(data_dir=tmp_path / "data"), embedder=None)
    assert a.ingest([tmp_path / "north"]).added == ["daily.txt"]
    later = a.ingest([tmp_path / "south"])
    assert later.updated == [] and not later.ok
    assert "belongs to" in later.failed[0][1] and str(tmp_path / "north") in later.failed[0][1]
    assert "north desk" in a.report("daily.txt").text
    # the same file edited is an update; a folder that moved (old path gone) updates too
    (tmp_path / "north" / "daily.txt").write_text("The north desk filed twice.\n", "utf-8")
    assert a.ingest([tmp_path / "north"]).updated == ["daily.txt"]
    (tmp_path / "north").rename(tmp_path / "north-2024")
    (tmp_path / "north-2024" / "daily.txt").write_text("Filed three times.\n", "utf-8")
    assert a.ingest([tmp_path / "north-2024"]).updated == ["daily.txt"]
