"""What a machine keeps locally to start fast (the registry as last read, beside the lexical
snapshot) is only ever used at the store's current generation: a change made by any other process
makes it read the store again."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant, Settings, local_cache


def _notices(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"notice-{i}.txt").write_text(
            f"Notice {i}. The ferry Velmora{i} sails at {i + 5} o'clock.\n", encoding="utf-8"
        )
    return folder


@pytest.fixture
def cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setattr(local_cache, "WORTH_CACHING", 2)  # as if the store were large
    settings = Settings(data_dir=tmp_path / "data")
    Assistant(settings, embedder=None).ingest([_notices(tmp_path / "notices", 3)])
    return settings


def test_the_registry_is_read_from_the_local_cache_at_the_same_generation(
    cached: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Assistant(cached, embedder=None)
    listed = [r.id for r in first.reports()]
    assert local_cache.registry_cache_path(cached).exists()
    later = Assistant(cached, embedder=None)
    monkeypatch.setattr(later.store, "_open", lambda: pytest.fail("the registry was read"))
    monkeypatch.setattr(later.store, "generation", lambda: first.store.generation())
    assert [r.id for r in later.reports()] == listed
    assert later.store.records() == first.store.records()


def test_a_change_by_another_process_makes_the_cache_stale(cached: Settings) -> None:
    reader = Assistant(cached, embedder=None)
    assert len(reader.reports()) == 3
    Assistant(cached, embedder=None).remove("notice-1.txt")  # another process
    assert [r.id for r in Assistant(cached, embedder=None).reports()] == [
        "notice-0.txt",
        "notice-2.txt",
    ]


def test_a_damaged_registry_cache_is_named_and_the_store_read_instead(
    cached: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    Assistant(cached, embedder=None).reports()
    path = local_cache.registry_cache_path(cached)
    path.write_text('{"format": 1, "generation": "', encoding="utf-8")
    assert len(Assistant(cached, embedder=None).reports()) == 3
    assert str(path) in caplog.text and "reading the store" in caplog.text


def test_a_damaged_byte_in_the_registry_cache_fails_its_checksum(
    cached: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    Assistant(cached, embedder=None).reports()
    path = local_cache.registry_cache_path(cached)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01  # inside the last record's row
    path.write_bytes(bytes(data))
    assert [r.id for r in Assistant(cached, embedder=None).reports()] == [
        "notice-0.txt",
        "notice-1.txt",
        "notice-2.txt",
    ]
    assert "checksum" in caplog.text


def test_names_reports_define_survive_the_cache_and_changes_made_through_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_cache, "WORTH_CACHING", 2)
    folder = _notices(tmp_path / "notices", 2)
    (folder / "authority.txt").write_text(
        "The Velmora Harbour Authority (VHA) closed the north quay on Monday.\n"
        "The VHA said the quay reopens next week.\n",
        encoding="utf-8",
    )
    settings = Settings(data_dir=tmp_path / "data")
    Assistant(settings, embedder=None).ingest([folder])
    fresh = Assistant(settings, embedder=None)
    from_store = dict(fresh.store.records())
    expected = fresh.aliases().expansions("What did the VHA close?")
    assert expected, "the acronym is learned from the report"

    later = Assistant(settings, embedder=None)  # starts from the cache file
    cached_records = later.store.records()
    assert isinstance(cached_records, local_cache.CachedRecords)
    assert dict(cached_records) == from_store
    assert later.aliases().expansions("What did the VHA close?") == expected

    (folder / "notice-0.txt").unlink()
    (folder / "notice-2.txt").write_text("Notice 2. The ferry Oranmor sails at noon.\n")
    later.ingest([folder], prune=True)  # commits and a removal through the cached registry
    assert sorted(later.store.records()) == ["authority.txt", "notice-1.txt", "notice-2.txt"]
    assert later.store.records()["notice-2.txt"].passages == 1
    assert later.aliases().expansions("What did the VHA close?") == expected
    assert dict(later.store.records()) == dict(Assistant(settings, embedder=None).store.records())


def test_a_writer_leaves_the_cache_of_its_own_changes_for_the_next_process(
    cached: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = Assistant(cached, embedder=None)
    assert len(writer.reports()) == 3  # holds the registry, read from its cache
    _notices(tmp_path / "notices", 4)  # one more notice
    writer.ingest([tmp_path / "notices"])
    writer.remove("notice-0.txt")
    later = Assistant(cached, embedder=None)
    monkeypatch.setattr(later.store, "_open", lambda: pytest.fail("the registry was read"))
    monkeypatch.setattr(later.store, "generation", lambda: writer.store.generation())
    assert [r.id for r in later.reports()] == ["notice-1.txt", "notice-2.txt", "notice-3.txt"]
    assert dict(later.store.records()) == dict(writer.store.records())


def test_after_its_own_change_a_process_reads_only_the_records_a_question_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a million passages parsing every cached record costs seconds: ingesting one more report
    and asking a question must touch only the records involved."""
    monkeypatch.setattr(local_cache, "WORTH_CACHING", 2)
    settings = Settings(data_dir=tmp_path / "data")
    Assistant(settings, embedder=None).ingest([_notices(tmp_path / "notices", 30)])
    Assistant(settings, embedder=None).reports()  # writes the cache
    writer = Assistant(settings, embedder=None)
    assert writer.retrieve("ferry Velmora7")
    assert isinstance(writer.store.records(), local_cache.CachedRecords)
    parsed: list[str] = []
    real = local_cache._record
    monkeypatch.setattr(local_cache, "_record", lambda row: parsed.append(row[0]) or real(row))
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "quay.txt").write_text("The Oranmor quay closed after the storm.\n")
    writer.ingest([extra])
    hits = writer.retrieve("Oranmor quay storm", top_k=3)
    assert hits[0].passage.report_id == "quay.txt"
    assert len(parsed) <= 4, parsed
