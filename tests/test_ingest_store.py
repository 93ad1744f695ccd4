"""Ingesting is incremental, idempotent and never loses or duplicates what is stored, in the embedded
store and against a real `chroma run` server alike (the `store_settings` fixture runs both)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant import Assistant, ConfigError, EmbeddingMismatch, Settings, UnknownReport

from .conftest import NAYRAB_REPORT, REPO, SDF_REPORT
from .test_ingestion import deny_listing


def passage_count(assistant: Assistant) -> int:
    return assistant.store.count()


def test_reingesting_an_unchanged_corpus_embeds_nothing(
    store_settings: Settings, make_assistant, corpus_copy: Path
) -> None:
    a = make_assistant(store_settings)
    first = a.ingest([corpus_copy])
    assert sorted(first.added) == [SDF_REPORT, NAYRAB_REPORT][::-1] or sorted(
        first.added
    ) == sorted([SDF_REPORT, NAYRAB_REPORT])
    stored = passage_count(a)
    again = a.ingest([corpus_copy])
    assert again.added == [] and again.updated == []
    assert sorted(again.unchanged) == sorted([SDF_REPORT, NAYRAB_REPORT])
    assert again.passages_embedded == 0
    assert passage_count(a) == stored == sum(r.passages for r in a.reports())


class CountingEmbedder:
    """The session's model, counting the passages it is asked to embed."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.model_name, self.dim, self.passages = inner, inner.model_name, inner.dim, 0

    def embed_passages(self, texts):  # type: ignore[no-untyped-def]
        self.passages += len(texts)
        return self.inner.embed_passages(texts)

    def embed_query(self, text):  # type: ignore[no-untyped-def]
        return self.inner.embed_query(text)


def test_an_edit_or_a_rebuild_embeds_only_text_never_embedded_before(
    store_settings: Settings, embedder, tmp_path: Path
) -> None:
    """Vectors are cached in the store by model and text: an edited paragraph re-embeds its own
    passage, a rebuild of an unchanged corpus embeds nothing, and another machine on the same
    server reuses what the first embedded."""
    folder = tmp_path / "long"
    folder.mkdir()
    paragraphs = [
        f"Paragraph {i}: the harbour office logged {i * 3 + 1} arrivals at berth {i} and noted "
        f"the tide tables for quay {i}, which the pilots checked twice that week."
        for i in range(60)
    ]
    report = folder / "harbour-log.txt"
    report.write_text("Harbour log\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    counting = CountingEmbedder(embedder)
    a = Assistant(store_settings, embedder=counting)  # type: ignore[arg-type]
    first = a.ingest([folder])
    total = a.reports()[0].passages
    assert counting.passages == first.passages_embedded == total >= 10
    paragraphs[30] = paragraphs[30].replace("checked twice", "checked three times")
    report.write_text("Harbour log\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    edited = a.ingest([folder])
    assert edited.updated == ["harbour-log.txt"] and edited.passages_embedded == 1
    assert counting.passages == total + 1
    assert "checked three times" in a.ask("How many times did the pilots check quay 30?").text
    assert a.check(repair=True).uncached == 1, "the edited-away passage's vector is dropped"
    assert a.check(repair=True).uncached == 0
    rebuilt = a.ingest([folder], rebuild=True)
    assert rebuilt.added == ["harbour-log.txt"] and rebuilt.passages_embedded == 0
    assert a.store.count() == total
    if store_settings.chroma_url:  # another machine on the same server
        other = CountingEmbedder(embedder)
        elsewhere = store_settings.model_copy(update={"data_dir": tmp_path / "other"})
        b = Assistant(elsewhere, embedder=other)  # type: ignore[arg-type]
        b.ingest([folder], rebuild=True)
        assert other.passages == 0, "the same text, the same model: embedded once for everyone"


def test_a_changed_file_replaces_its_passages_without_duplicates(
    store_settings: Settings, make_assistant, corpus_copy: Path
) -> None:
    a = make_assistant(store_settings)
    a.ingest([corpus_copy])
    before = passage_count(a)
    path = corpus_copy / NAYRAB_REPORT
    path.write_text(
        path.read_text(encoding="utf-8") + "\n\nA ceasefire was announced on Friday in Nayrab.\n",
        encoding="utf-8",
    )
    summary = a.ingest([corpus_copy])
    assert summary.updated == [NAYRAB_REPORT]
    assert passage_count(a) == sum(r.passages for r in a.reports())
    assert passage_count(a) >= before
    answer = a.ask("When was a ceasefire announced in Nayrab?")
    assert "ceasefire was announced on Friday" in answer.text
    # the same text cut twice must not come back twice
    assert len({c.quote for c in answer.citations}) == len(answer.citations)


def test_remove_deletes_the_report_and_every_passage(
    store_settings: Settings, make_assistant, corpus_copy: Path
) -> None:
    a = make_assistant(store_settings)
    a.ingest([corpus_copy])
    nayrab = next(r for r in a.reports() if r.id == NAYRAB_REPORT)
    total = passage_count(a)
    a.remove(NAYRAB_REPORT)
    assert [r.id for r in a.reports()] == [SDF_REPORT]
    assert passage_count(a) == total - nayrab.passages
    answer = a.ask("Where did Assad and his family flee to?")
    assert all(c.report_id != NAYRAB_REPORT for c in answer.citations)
    with pytest.raises(UnknownReport):
        a.remove(NAYRAB_REPORT)


def test_prune_forgets_reports_whose_files_disappeared(
    store_settings: Settings, make_assistant, corpus_copy: Path
) -> None:
    a = make_assistant(store_settings)
    a.ingest([corpus_copy])
    (corpus_copy / NAYRAB_REPORT).unlink()
    kept = a.ingest([corpus_copy])
    assert kept.removed == [] and len(a.reports()) == 2, "without --prune nothing is forgotten"
    pruned = a.ingest([corpus_copy], prune=True)
    assert pruned.removed == [NAYRAB_REPORT]
    assert [r.id for r in a.reports()] == [SDF_REPORT]
    assert passage_count(a) == a.reports()[0].passages


def write_reports(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Report {name}. Shelling hit the district of {name} on Monday.\n")


def ids(assistant: Assistant) -> list[str]:
    return [r.id for r in assistant.reports()]


def test_prune_forgets_only_reports_inside_the_folders_given(
    store_settings: Settings, make_assistant, tmp_path: Path
) -> None:
    root = tmp_path / "reports"
    names = ["top.txt", "north/a.txt", "north/b.txt", "northeast/c.txt", "south/d.txt"]
    write_reports(root, *names)
    a = make_assistant(store_settings.model_copy(update={"corpus_dir": root}))
    assert sorted(a.ingest([root]).added) == sorted(names)
    for gone in ("top.txt", "north/b.txt", "northeast/c.txt", "south/d.txt"):
        (root / gone).unlink()
    north = a.ingest([root / "north"], prune=True)
    assert north.removed == ["north/b.txt"], "a folder's name shared by another is not its scope"
    assert ids(a) == ["north/a.txt", "northeast/c.txt", "south/d.txt", "top.txt"]
    two = a.ingest([root / "south", root / "northeast"], prune=True)
    assert two.removed == ["northeast/c.txt", "south/d.txt"]
    assert a.ingest([root], prune=True).removed == ["top.txt"]
    assert ids(a) == ["north/a.txt"]
    assert passage_count(a) == a.reports()[0].passages


def test_prune_with_a_file_argument_is_refused_and_changes_nothing(
    store_settings: Settings, make_assistant, tmp_path: Path
) -> None:
    root = tmp_path / "reports"
    write_reports(root, "top.txt", "north/a.txt", "north/b.txt")
    a = make_assistant(store_settings.model_copy(update={"corpus_dir": root}))
    a.ingest([root])
    (root / "north" / "b.txt").unlink()
    before, stored = a.reports(), passage_count(a)
    for rebuild in (False, True):
        with pytest.raises(ConfigError, match=r"north/a\.txt is a file.*nothing was changed"):
            a.ingest([root / "north", root / "north" / "a.txt"], prune=True, rebuild=rebuild)
    assert a.reports() == before and passage_count(a) == stored


def test_an_unreadable_folder_is_named_and_nothing_under_it_is_pruned(
    store_settings: Settings, make_assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "reports"
    write_reports(root, "top.txt", "north/a.txt", "north/deeper/b.txt", "south/c.txt")
    a = make_assistant(store_settings.model_copy(update={"corpus_dir": root}))
    a.ingest([root])
    (root / "south" / "c.txt").unlink()
    write_reports(root, "south/d.txt")
    deny_listing(monkeypatch, root / "north")
    summary = a.ingest([root], prune=True)
    assert summary.failed == [(f"{root / 'north'}/", "cannot read folder: permission denied")]
    assert not summary.ok
    assert (summary.added, summary.removed) == (
        ["south/d.txt"],
        ["south/c.txt"],
    )  # the rest goes on
    assert ids(a) == ["north/a.txt", "north/deeper/b.txt", "south/d.txt", "top.txt"]
    deny_listing(monkeypatch, root)  # the folder given itself: nothing at all is pruned
    (root / "top.txt").unlink()
    assert a.ingest([root], prune=True).removed == []
    assert "top.txt" in ids(a)


def test_bad_files_are_named_and_the_rest_of_the_batch_is_ingested(
    store_settings: Settings, make_assistant, corpus_copy: Path
) -> None:
    (corpus_copy / "empty.txt").write_bytes(b"")
    (corpus_copy / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (corpus_copy / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<")
    a = make_assistant(store_settings)
    summary = a.ingest([corpus_copy])
    failed = dict(summary.failed)
    assert set(failed) >= {"empty.txt", "binary.txt", "broken.pdf"}
    assert all(reason and "\n" not in reason for reason in failed.values())
    assert sorted(summary.added) == sorted([SDF_REPORT, NAYRAB_REPORT])
    assert not summary.ok


def test_a_run_killed_midway_loses_nothing_already_stored(
    tmp_path: Path, corpus_copy: Path
) -> None:
    """A second ingest is killed after it wrote new passages but before it committed them."""
    data = tmp_path / "data"
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data), "ASSISTANT_CORPUS_DIR": str(corpus_copy)}
    run = [sys.executable, "-m", "assistant"]
    subprocess.run([*run, "ingest"], env=env, check=True, capture_output=True)
    path = corpus_copy / SDF_REPORT
    path.write_text(
        path.read_text(encoding="utf-8").replace("two people", "three people"), encoding="utf-8"
    )
    killer = textwrap.dedent(
        """
        import os, sys
        from assistant import Assistant, Settings
        from assistant.chroma_store import ChromaStore as Store
        def die(self, reports):  # the process dies right before the commit
            os._exit(9)
        Store.commit_reports = die
        Assistant(Settings()).ingest()
        """
    )
    died = subprocess.run([sys.executable, "-c", killer], env=env, capture_output=True, cwd=REPO)
    assert died.returncode == 9
    ask = subprocess.run(
        [*run, "ask", "How many people were killed in the shelling?", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"two people were killed' in ask.stdout or "two people were killed" in ask.stdout
    assert "three people" not in ask.stdout
    again = subprocess.run([*run, "ingest"], env=env, capture_output=True, text=True, check=True)
    assert "updated 1" in again.stdout
    a = Assistant(Settings(data_dir=data, corpus_dir=corpus_copy))
    assert a.store.count() == sum(r.passages for r in a.reports())
    assert "three people were killed" in a.ask("How many people were killed in the shelling?").text


def test_mixing_embedding_models_is_refused_with_how_to_rebuild(
    tmp_path: Path, make_assistant, corpus_copy: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus_copy)
    make_assistant(settings).ingest([corpus_copy])
    lexical_only = Assistant(settings, embedder=None)
    with pytest.raises(EmbeddingMismatch, match="--rebuild"):
        lexical_only.reports()
    rebuilt = lexical_only.ingest([corpus_copy], rebuild=True)
    assert len(rebuilt.added) == 2
    assert (
        "two people were killed"
        in lexical_only.ask("How many people were killed in the shelling?").text
    )


def test_an_interrupted_large_ingest_resumes_where_it_stopped(tmp_path: Path) -> None:
    """Killed after two of five batches: the next run keeps those and ingests only the rest."""
    corpus = tmp_path / "many"
    corpus.mkdir()
    for i in range(20):
        (corpus / f"r{i:02d}.txt").write_text(
            f"Report {i}. Shelling hit district {i} on Monday.\nTwo shops were damaged in district {i}.\n",
            encoding="utf-8",
        )
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
        "ASSISTANT_CORPUS_DIR": str(corpus),
        "ASSISTANT_EMBED_BATCH": "1",  # a batch is then 4 passages: one report each here
    }
    killer = textwrap.dedent(
        """
        import os
        from assistant import Assistant, Settings
        from assistant.chroma_store import ChromaStore as Store
        real, calls = Store.commit_reports, []
        def commit_then_die(self, reports):
            calls.append(1)
            if len(calls) == 3:
                os._exit(9)
            return real(self, reports)
        Store.commit_reports = commit_then_die
        Assistant(Settings()).ingest()
        """
    )
    died = subprocess.run([sys.executable, "-c", killer], env=env, capture_output=True, cwd=REPO)
    assert died.returncode == 9, died.stderr
    again = subprocess.run(
        [sys.executable, "-m", "assistant", "ingest"], env=env, capture_output=True, text=True
    )
    added, unchanged = (
        int(again.stdout.split(key)[1].split(",")[0]) for key in ("added ", "unchanged ")
    )
    assert unchanged == 8 and added == 12, again.stdout
    a = Assistant(Settings(data_dir=tmp_path / "data", corpus_dir=corpus))
    assert len(a.reports()) == 20
    assert a.store.count() == sum(r.passages for r in a.reports())


def test_rebuild_with_a_mistyped_path_drops_nothing(
    store_settings: Settings, make_assistant, corpus_copy: Path
) -> None:
    a = make_assistant(store_settings)
    a.ingest([corpus_copy])
    before = passage_count(a)
    with pytest.raises(ConfigError) as err:
        a.ingest([corpus_copy.parent / "corpsu"], rebuild=True)
    assert "nothing was changed" in str(err.value) and "\n" not in str(err.value)
    assert len(a.reports()) == 2 and passage_count(a) == before


def test_a_second_writer_waits_for_the_first_then_gives_up_in_one_line(
    tmp_path: Path, make_assistant, corpus_copy: Path
) -> None:
    from filelock import FileLock

    from assistant import StoreBusy

    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus_copy, write_wait=0.3)
    a = make_assistant(settings)
    a.ingest([corpus_copy])
    other_writer = FileLock(str(tmp_path / "data" / "chroma" / "write.lock"))
    with other_writer:
        assert not a.ask("Which road was closed?").abstained, "readers are never blocked"
        with pytest.raises(StoreBusy) as err:
            a.remove(SDF_REPORT)
        assert "another process" in str(err.value) and "\n" not in str(err.value)
    assert len(a.reports()) == 2
    a.remove(SDF_REPORT)  # the other writer is done: this one goes through
    assert [r.id for r in a.reports()] == [NAYRAB_REPORT]


def test_two_ingest_processes_on_one_embedded_store_take_turns(tmp_path: Path) -> None:
    """Both finish; the store holds every report exactly once and answers (no HNSW damage)."""
    corpus = tmp_path / "reports"
    corpus.mkdir()
    places = (
        "Alder Birch Cedar Dogwood Elm Fir Gum Hazel Ilex Juniper Kapok Larch Maple Nutmeg Oak "
    )
    places += "Pine Quince Rowan Spruce Teak Ulmo Vine Willow Yew"
    for i, place in enumerate(places.split()):
        (corpus / f"r{i:02d}.txt").write_text(
            f"{place} depot report\n\nThe depot at {place} received {i + 3} trucks of grain on "
            f"Monday, the harbour office said. Loading resumed on Tuesday after the storm.\n",
            encoding="utf-8",
        )
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_EMBED_BATCH": "4"}
    cmd = [sys.executable, "-m", "assistant", "ingest", str(corpus)]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    added = sorted(int(out.split("added ")[1].split(",")[0]) for out, _ in outs)
    assert added == [0, 24], "one wrote everything, the other found it all unchanged"
    a = Assistant(Settings(data_dir=tmp_path / "data", corpus_dir=corpus))
    assert len(a.reports()) == 24
    assert a.store.count() == sum(r.passages for r in a.reports())
    assert "12 trucks" in a.ask("How many trucks of grain did the depot at Juniper receive?").text
