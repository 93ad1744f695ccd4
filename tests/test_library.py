"""The report library (`Assistant.library`): search titles and text, filter by publication date and
publisher, sort and page, on invented reports in a lexical-only store (no model is needed: the
library reads the registry and the BM25 index, never an embedding)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.library import SORTS, Library, LibraryPage, LibraryQuery
from assistant.store import ReportRecord

REPORTS = {
    "harbour-strike.txt": (
        "Dock workers strike at Port Elden\n\nSource: Harbour Times\nPublished: 2024-03-02\n\n"
        "Dock workers at Port Elden stopped work on Monday. The strike closed three berths.\n"
    ),
    "harbour-fire.txt": (
        "Warehouse fire on the Port Elden quay\n\nSource: Harbour Times\n"
        "Published: 2023-07-14\n\nA fire burned two warehouses on the quay overnight.\n"
        "Firefighters from Varrow helped to put it out.\n"
    ),
    "valley-flood.txt": (
        "Floods close the valley road\n\nSource: Valley Courier\nPublished: 2024-01-20\n\n"
        "The river rose over its banks and closed the valley road for four days.\n"
        "Farmers moved their herds to higher ground. Dock workers from the coast came to help.\n"
    ),
    "clinic.txt": (
        "A clinic opens in Kestrel Bay\n\nSource: Relief Bulletin\nPublished: 2022-11-05\n\n"
        "The clinic treated 140 patients in its first week.\n"
    ),
    "undated-note.txt": (
        "Field note from Saltmere\n\nThe ferry to Saltmere was late again; the strike on the "
        "docks delayed its fuel.\n"
    ),
    "long-survey.txt": (
        "Market survey of Marrowgate\n\nSource: Valley Courier\nPublished: 2021-06-30\n\n"
        + "\n\n".join(
            f"Stall {i} sold grain, salt and lamp oil to {i * 7} buyers in the survey week."
            for i in range(1, 40)
        )
        + "\n"
    ),
}


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    root = tmp_path_factory.mktemp("library")
    folder = root / "reports"
    folder.mkdir()
    old = dt.datetime(2001, 1, 1, tzinfo=dt.UTC).timestamp()
    for name, text in REPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
        os.utime(folder / name, (old, old))  # a report stating no date is the oldest (or undated)
    a = Assistant(Settings(data_dir=root / "data", chunk_chars=300), embedder=None)
    assert a.ingest([folder]).ok
    yield a


def ids(page: LibraryPage) -> list[str]:
    return [r.id for r in page.reports]


def test_every_report_is_listed_newest_first_with_date_publisher_and_passages(
    assistant: Assistant,
) -> None:
    page = assistant.library()
    assert ids(page) == [
        "harbour-strike.txt", "valley-flood.txt", "harbour-fire.txt", "clinic.txt",
        "long-survey.txt", "undated-note.txt",
    ]  # fmt: skip
    assert (page.total, page.stored, page.page, page.pages) == (6, 6, 1, 1)
    strike = page.reports[0]
    assert strike.title == "Dock workers strike at Port Elden"
    assert (strike.published, strike.source) == (dt.date(2024, 3, 2), "Harbour Times")
    assert strike.passages == 1
    assert {r.id: r.passages for r in page.reports}["long-survey.txt"] > 5
    assert page.publishers == ("Harbour Times", "Relief Bulletin", "Valley Courier")


def test_search_finds_part_of_a_title_a_file_name_or_a_publisher(assistant: Assistant) -> None:
    assert ids(assistant.library("port eld")) == ["harbour-strike.txt", "harbour-fire.txt"]
    assert ids(assistant.library("UNDATED-no")) == ["undated-note.txt"]
    assert set(ids(assistant.library("relief bull"))) == {"clinic.txt"}


def test_search_finds_words_of_the_text_stemmed_and_all_of_them(assistant: Assistant) -> None:
    # "firefighters" is only in the text of one report; "berths" only in another
    assert ids(assistant.library("firefighters")) == ["harbour-fire.txt"]
    assert ids(assistant.library("berth")) == ["harbour-strike.txt"]
    # every word must occur, in the title or the text: two reports mention dock workers,
    # only one of them the river
    assert set(ids(assistant.library("dock workers"))) == {
        "harbour-strike.txt", "valley-flood.txt",
    }  # fmt: skip
    assert ids(assistant.library("dock workers river")) == ["valley-flood.txt"]
    assert ids(assistant.library("lamp oil")) == ["long-survey.txt"]
    assert assistant.library("zeppelin").total == 0
    assert assistant.library("the of").total == 0, "stopwords alone find nothing"


def test_best_match_puts_a_title_match_first_then_the_text_by_bm25(assistant: Assistant) -> None:
    found = assistant.library("strike", sort="relevance")
    assert ids(found)[0] == "harbour-strike.txt", "the title says it"
    assert set(ids(found)) == {"harbour-strike.txt", "undated-note.txt"}
    assert ids(assistant.library(sort="relevance")) == ids(assistant.library()), (
        "with no search, best match is newest first"
    )


def test_filters_by_publication_date_range_and_publisher(assistant: Assistant) -> None:
    in_2024 = assistant.library(
        published_from=dt.date(2024, 1, 1), published_to=dt.date(2024, 12, 31)
    )
    assert ids(in_2024) == ["harbour-strike.txt", "valley-flood.txt"]
    since = assistant.library(published_from=dt.date(2023, 1, 1))
    assert "undated-note.txt" not in ids(since), "an undated report has no place in a range"
    in_2021 = assistant.library(
        published_from=dt.date(2021, 1, 1), published_to=dt.date(2021, 12, 31)
    )
    assert ids(in_2021) == ["long-survey.txt"]
    harbour = assistant.library(publisher="Harbour Times", sort="oldest")
    assert ids(harbour) == ["harbour-fire.txt", "harbour-strike.txt"]
    assert assistant.library(publisher="Nobody Weekly").total == 0
    both = assistant.library("dock", publisher="Valley Courier")
    assert ids(both) == ["valley-flood.txt"]


def test_sorts(assistant: Assistant) -> None:
    assert ids(assistant.library(sort="title"))[:3] == [
        "clinic.txt",
        "harbour-strike.txt",
        "undated-note.txt",
    ]  # fmt: skip  (A clinic…, Dock workers…, Field note…)
    dated = [r for r in ids(assistant.library(sort="oldest")) if r != "undated-note.txt"]
    assert dated == [
        "long-survey.txt", "clinic.txt", "harbour-fire.txt", "valley-flood.txt",
        "harbour-strike.txt",
    ]  # fmt: skip
    assert ids(assistant.library(sort="passages"))[0] == "long-survey.txt"
    assert set(SORTS) == {"newest", "oldest", "title", "passages", "relevance"}


def test_pages(assistant: Assistant) -> None:
    first = assistant.library(page_size=4)
    second = assistant.library(page_size=4, page=2)
    assert (first.pages, first.total, len(first.reports), first.first, first.last) == (
        2,
        6,
        4,
        1,
        4,
    )
    assert (second.page, len(second.reports), second.first, second.last) == (2, 2, 5, 6)
    assert ids(first) + ids(second) == ids(assistant.library())
    assert assistant.library(page_size=4, page=9).page == 2, "past the end: the last page"
    none = assistant.library("zeppelin", page=3)
    assert (none.page, none.pages, none.first, none.last, none.reports) == (1, 1, 0, 0, ())


def test_a_removed_or_added_report_is_seen_by_the_next_page(
    assistant: Assistant, tmp_path: Path
) -> None:
    extra = tmp_path / "bridge.txt"
    extra.write_text(
        "Bridge reopens at Quillon\n\nSource: Coastal Wire\nPublished: 2025-02-01\n\n"
        "The repaired bridge carried its first trucks.\n",
        encoding="utf-8",
    )
    assistant.ingest([extra])
    try:
        page = assistant.library("trucks")
        assert ids(page) == ["bridge.txt"]
        assert "Coastal Wire" in page.publishers
    finally:
        assistant.remove("bridge.txt")
    assert assistant.library("trucks").total == 0
    assert "Coastal Wire" not in assistant.library().publishers


@pytest.mark.parametrize(
    ("kwargs", "error", "says"),
    [
        ({"sort": "random"}, ValueError, "sort must be one of"),
        ({"page": 0}, ValueError, "page must be 1 or more"),
        ({"page": "2"}, TypeError, "page must be an int"),
        ({"page_size": True}, TypeError, "page_size must be an int"),
        ({"page_size": 10_000}, ValueError, "page_size must be between 1 and"),
        ({"published_from": dt.datetime(2024, 1, 1)}, TypeError, "use .date()"),
        (
            {"published_from": dt.date(2024, 2, 1), "published_to": dt.date(2024, 1, 1)},
            ValueError,
            "is after",
        ),
        ({"publisher": 3}, TypeError, "publisher must be a str or None"),
        ({"search": None}, TypeError, "search must be a str"),
    ],
)
def test_wrong_arguments_are_named(
    assistant: Assistant, kwargs: dict[str, object], error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says):
        assistant.library(**kwargs)  # type: ignore[arg-type]


def test_an_empty_store_has_one_empty_page(tmp_path: Path) -> None:
    page = Assistant(Settings(data_dir=tmp_path / "d"), embedder=None).library("anything")
    assert (page.total, page.stored, page.pages, page.reports, page.publishers) == (
        0, 0, 1, (), (),
    )  # fmt: skip


class Records:
    """A store as the library reads it: committed reports by id (one mapping per generation)."""

    def __init__(self, records: list[ReportRecord]) -> None:
        self.mapping = {r.id: r for r in records}

    def records(self) -> dict[str, ReportRecord]:
        return self.mapping


class NoText:
    """A lexical index that finds no word in any text (titles and publishers still match)."""

    def reports_with(self, words: list[str]) -> dict[str, set[str]]:
        return {w: set() for w in words}

    def best_scores(self, query: str, among: object) -> dict[str, float]:
        return {}


def test_reports_without_a_date_come_last_and_are_left_out_of_a_date_range() -> None:
    day = dt.date(2024, 5, 1)
    records = [
        ReportRecord("b.txt", "Bridge log", "h1", 2, day),
        ReportRecord("n.txt", "Note without a date", "h2", 1),
        ReportRecord("a.txt", "Archive", "h3", 3, dt.date(2020, 1, 1), "Coastal Wire"),
    ]
    library = Library(Records(records), NoText())  # type: ignore[arg-type]
    assert ids(library.page(LibraryQuery())) == ["b.txt", "a.txt", "n.txt"]
    assert ids(library.page(LibraryQuery(sort="oldest"))) == ["a.txt", "b.txt", "n.txt"]
    ranged = library.page(LibraryQuery(published_from=dt.date(2019, 1, 1)))
    assert ids(ranged) == ["b.txt", "a.txt"]
    assert ids(library.page(LibraryQuery("without"))) == ["n.txt"]
    assert ids(library.page(LibraryQuery("coastal"))) == ["a.txt"], "the publisher is searched"


def test_the_ui_shows_a_page_its_count_and_a_bad_date_as_a_notice(assistant: Assistant) -> None:
    from assistant.ui.handlers import Handlers

    handlers = Handlers(assistant)
    listing, count, page, prev, next_ = handlers.browse("", "", "", "", "newest", 1)
    assert "Dock workers strike at Port Elden" in listing
    assert "2024-03-02 · Harbour Times · 1 passage" in listing
    assert "1–6 of 6 reports · page 1 of 1" in count
    assert (page, prev["interactive"], next_["interactive"]) == (1, False, False)
    _, count, *_ = handlers.first_page("dock", "2024-01-01", "", "Valley Courier", "title", 4)
    assert "1–1 of 1 matching reports (6 stored) · page 1 of 1" in count
    listing, count, *_ = handlers.browse("", "1 March", "", "", "newest", 1)
    assert "date from must be written as YYYY-MM-DD" in count and listing is not None
    listing, count, *_ = handlers.browse("zeppelin", "", "", "", "newest", 1)
    assert "No report matches the search and filters" in listing
    assert "No report matches (6 stored)" in count
