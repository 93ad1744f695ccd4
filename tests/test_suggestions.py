"""Suggested questions come from the stored reports (headlines, the names most reports mention),
set in English templates: invented reports in, questions naming them out; nothing for no reports."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.store import ReportRecord
from assistant.suggestions import headlines, suggest_questions, top_names

REPORTS = {
    "weir.txt": """\
Ridgeway weir gives way after a week of rain

Published: 2031-04-02

The Ridgeway Water Board said the old weir gave way on Tuesday night.
Engineers of the Ridgeway Water Board counted 40 flooded cellars by morning.
The Orlan Liberation Front (Tavrik) offered boats to the Ridgeway Water Board.
""",
    "ferry.txt": """\
Ferry crossings halted at Kessel Sound

Published: 2031-04-05

The Kessel Sound Ferry Company stopped its crossings on Friday.
The Ridgeway Water Board warned that the sound would rise for two more days.
Marta Velloso and Ivo Renk, both pilots, said the channel was blocked by debris.
""",
    "grain-note.txt": """\
grain note

Storekeepers in Pellan Vale said grain prices doubled in a week.
""",
}


@pytest.fixture
def invented(tmp_path: Path) -> Assistant:
    folder = tmp_path / "reports"
    folder.mkdir()
    for name, text in REPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    assistant = Assistant(Settings(data_dir=tmp_path / "data", corpus_dir=folder), embedder=None)
    assert assistant.ingest([folder]).ok
    return assistant


def test_questions_name_the_reports_headlines_and_most_mentioned_names(
    invented: Assistant,
) -> None:
    questions = invented.suggestions(4)
    assert len(questions) == 4
    assert all(q.endswith("?") for q in questions)
    text = " ".join(questions)
    # headlines, newest report first; a title made from the file name ("grain note") is no headline
    assert "Ferry crossings halted at Kessel Sound" in questions[0]
    assert "Ridgeway weir gives way after a week of rain" in text
    assert "grain note" not in text.lower()
    # the name two reports mention comes first among names
    assert "Ridgeway Water Board" in questions[1]
    # two names joined by "and" are not offered as one
    assert "Velloso and" not in text
    assert len(set(questions)) == 4


def test_more_or_fewer_questions_and_none_for_an_empty_store(
    invented: Assistant, tmp_path: Path
) -> None:
    assert len(invented.suggestions(5)) == 5
    assert invented.suggestions(2) == invented.suggestions(5)[:2]
    assert invented.suggestions(0) == []
    empty = Assistant(Settings(data_dir=tmp_path / "empty", corpus_dir=None), embedder=None)
    assert empty.suggestions() == []
    with pytest.raises(ValueError, match="between 0 and 10"):
        invented.suggestions(11)
    with pytest.raises(TypeError, match="must be an int"):
        invented.suggestions("4")  # type: ignore[arg-type]


def record(rid: str, title: str, names: tuple[str, ...] = (), published: date | None = None,
           aliases: tuple[tuple[str, str], ...] = ()) -> ReportRecord:  # fmt: skip
    return ReportRecord(
        rid, title, f"hash-{rid}", 3, published=published, names=names, aliases=aliases
    )


def test_the_same_reports_give_the_same_questions_in_any_order() -> None:
    records = [
        record("a.txt", "Harbour cranes stand idle in Port Elden", ("Port Elden Harbour Trust",)),
        record("b.txt", "Bridge at Varrow reopens to trucks", ("Varrow Bridge Office",),
               date(2030, 1, 2)),
        record("c.txt", "Clinic opens in Saltmere", ("Port Elden Harbour Trust", "Saltmere Clinic"),
               date(2030, 1, 1), aliases=(("Saltmere Clinic", "SC"),)),
    ]  # fmt: skip
    first = suggest_questions(records, 6)
    for seed in range(5):
        shuffled = records[:]
        random.Random(seed).shuffle(shuffled)
        assert suggest_questions(shuffled, 6) == first
    # dated headlines newest first, then undated ones
    assert headlines(records) == [
        "Bridge at Varrow reopens to trucks",
        "Clinic opens in Saltmere",
        "Harbour cranes stand idle in Port Elden",
    ]
    # named by two reports first; then a name a report defines an alias for
    assert top_names(records)[:2] == ["Port Elden Harbour Trust", "Saltmere Clinic"]


def test_headline_runs_and_overlapping_names_are_not_offered_twice() -> None:
    records = [
        record(
            "x.txt",
            "Storm Season Batters Northern Coast",
            ("Storm Season Batters Northern Coast", "Northern Coast", "Coast Guard Station Ilse",
             "Coast Guard Station", "Ilse Marren"),
        ),
    ]  # fmt: skip
    names = top_names(records)
    assert "Northern Coast" not in names  # a run of the title-case headline, not a name
    assert "Storm Season Batters Northern Coast" not in names
    assert names == ["Coast Guard Station Ilse", "Ilse Marren"]
    # a headline written as a sentence names things the way the text does: they stay names
    sentence = [record("y.txt", "Ferry service resumes at Kessel Sound", ("Kessel Sound",))]
    assert top_names(sentence) == ["Kessel Sound"]


def test_they_follow_the_store_as_reports_come_and_go(invented: Assistant, tmp_path: Path) -> None:
    before = invented.suggestions(4)
    late = tmp_path / "late" / "dam.txt"
    late.parent.mkdir()
    late.write_text(
        "Dam gates opened at Lake Orrin\n\nPublished: 2031-05-01\n\n"
        "The Orrin Dam Authority opened two gates on Monday.\n",
        encoding="utf-8",
    )
    invented.ingest([late])
    after = invented.suggestions(4)
    assert "Dam gates opened at Lake Orrin" in after[0]  # the newest headline leads
    invented.remove("dam.txt")
    assert invented.suggestions(4) == before
