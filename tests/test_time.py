"""Time: each report's publication date with where it came from, event dates of sentences read
against it, timelines of cited sentences in date order with conflicting dates flagged, answers
restricted to a publication window, and "latest" questions preferring newer reports.

Every report here is invented (places, rivers and councils that do not exist), so nothing can pass
by knowing a real corpus. Stores are lexical-only: no embedding model is needed for any of this.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from assistant import Assistant, Settings
from assistant.chroma_records import passage, passage_meta
from assistant.dating import sentence_dates
from assistant.ingestion import read_report, split_passages
from assistant.recency import wants_recent
from assistant.timeline import build_timeline
from assistant.types import Citation, EventDate, Report

# Thursday 14 March 2024
DAM = """Dam breach at Norvale

Source: Estry Courier
Published: 2024-03-14

The Norvale dam on the Ostra river collapsed on Tuesday, flooding the lower town of Estry.
Yesterday the regional council of Velmora opened two shelters for the families of Estry.
Repairs to the spillway began on 2 March, the council said.
Engineers had warned of cracks in the wall on 12 February 2023.
The council met on Thursday to count the damage.
Talks on compensation will resume on Monday.
"""
# a later report that dates the same collapse differently
DAM_LATER = """<html><head><title>Norvale one week on</title>
<meta property="article:published_time" content="2024-03-20T09:00:00Z">
<meta property="og:site_name" content="Velmora Daily"></head><body>
<p>The Norvale dam on the Ostra river collapsed on 11 March, flooding the lower town of Estry.</p>
<p>The latest count of the council is that 310 homes of Estry were flooded.</p>
</body></html>"""
UNDATED = """Ferry note

The ferry to Saltmere resumed on April 1st after the winter.
On Friday the harbour of Saltmere reopened to fishing boats.
"""
DATELINE = """PORT ELDEN, 3 June 2024 – Fishermen blocked the harbour of Port Elden on Sunday.
They left the quay two days ago, the harbour office said.
"""


def write(folder: Path, name: str, text: str | bytes, mtime: date | None = None) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    if mtime is not None:
        stamp = datetime(mtime.year, mtime.month, mtime.day, 12, tzinfo=UTC).timestamp()
        os.utime(path, (stamp, stamp))
    return path


def read(path: Path) -> Report:
    return read_report(path, path.name, 10 * 1024 * 1024)


def events(report: Report) -> list[tuple[str, str, str]]:
    """(day as ISO, certainty, the words that gave it) of every sentence of a report."""
    return [
        (d.iso(), d.certainty, report.text[d.phrase[0] : d.phrase[1]])
        for p in split_passages(report, 700)
        for d in p.dates
    ]


def pdf_with_creation_date(text: str, created: str) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.drawString(72, 770, text)
    pdf.showPage()
    pdf.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    writer.add_metadata({"/CreationDate": created, "/Title": "Harbour bulletin"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- publication dates and where they came from --------------------------------------------


def test_publication_date_comes_from_metadata_then_properties_then_dateline_then_file(
    tmp_path: Path,
) -> None:
    labelled = "Harbour news\nPublished: 2024-01-05\n\nPORT ELDEN, 9 January 2024 – Boats left.\n"
    report = read(write(tmp_path, "labelled.txt", labelled, mtime=date(2020, 1, 1)))
    assert (report.published, report.published_from) == (date(2024, 1, 5), "metadata")

    html = read(write(tmp_path, "later.html", DAM_LATER, mtime=date(2020, 1, 1)))
    assert (html.published, html.published_from) == (date(2024, 3, 20), "html")
    # a labelled line the page shows outranks its meta tags
    shown = DAM_LATER.replace("<p>The Norvale", "<p>Published: 2024-03-21</p><p>The Norvale", 1)
    assert read(write(tmp_path, "shown.html", shown)).published_from == "metadata"

    pdf = read(write(tmp_path, "b.pdf", pdf_with_creation_date("Boats left.", "D:20240305120000Z")))
    assert (pdf.published, pdf.published_from) == (date(2024, 3, 5), "pdf")

    filed = read(write(tmp_path, "filed.txt", DATELINE, mtime=date(2020, 1, 1)))
    assert (filed.published, filed.published_from) == (date(2024, 6, 3), "dateline")
    line = read(write(tmp_path, "line.txt", "Harbour news\n3 June 2024\n\nBoats left the quay.\n"))
    assert (line.published, line.published_from) == (date(2024, 6, 3), "dateline")

    undated = read(write(tmp_path, "undated.txt", UNDATED, mtime=date(2024, 5, 1)))
    assert (undated.published, undated.published_from) == (date(2024, 5, 1), "file")


def test_a_dateline_without_a_day_gives_no_date_and_no_source(tmp_path: Path) -> None:
    text = "Velmora, Norland – The council met. It closed the bridge.\n"
    report = read(write(tmp_path, "place.txt", text, mtime=date(2023, 8, 9)))
    assert (report.published, report.published_from, report.source) == (
        date(2023, 8, 9),
        "file",
        None,
    )


# --- event dates of sentences -----------------------------------------------------------------


def test_weekdays_and_yesterday_count_from_the_reports_date(tmp_path: Path) -> None:
    found = events(read(write(tmp_path, "dam.txt", DAM)))
    assert found == [
        ("2024-03-12", "relative", "on Tuesday"),  # the Tuesday before Thursday 14 March
        ("2024-03-13", "relative", "Yesterday"),
        ("2024-03-02", "inferred_year", "2 March"),
        ("2023-02-12", "stated", "12 February 2023"),
        ("2024-03-14", "relative", "on Thursday"),  # the report's own weekday: that day
        ("2024-03-18", "relative", "on Monday"),  # "will resume": the next Monday
    ]


def test_the_dateline_is_when_a_report_was_filed_not_an_event(tmp_path: Path) -> None:
    found = events(read(write(tmp_path, "filed.txt", DATELINE)))
    assert found == [
        ("2024-06-02", "relative", "on Sunday"),
        ("2024-06-01", "relative", "two days ago"),
    ]


def test_a_year_is_placed_by_the_report_date_and_marked_inferred() -> None:
    def resolve(sentence: str, published: date) -> list[str]:
        return [d.label() for d in sentence_dates(sentence, 0, len(sentence), published)]

    # 30 December read in a report of 3 January is last year's; 8 December in one of
    # 2 December is the coming one
    assert resolve("The road closed on 30 December.", date(2025, 1, 3)) == [
        "30 December 2024 (year inferred from the report's date)"
    ]
    assert resolve("The vote is on December 8th.", date(2024, 12, 2)) == [
        "8 December 2024 (year inferred from the report's date)"
    ]
    assert resolve("The road closed on 30 December.", date(2024, 12, 2)) == [
        "30 December 2023 (year inferred from the report's date)"
    ]
    assert resolve("Nothing happened on 31 February.", date(2024, 3, 1)) == []
    assert resolve("It rained last week, in March and two days earlier.", date(2024, 5, 1)) == []


def test_without_a_stated_report_date_a_year_less_date_stays_year_less(tmp_path: Path) -> None:
    report = read(write(tmp_path, "undated.txt", UNDATED, mtime=date(2024, 5, 1)))
    assert report.published_from == "file", "the file's date is kept as the publication date"
    (only,) = [d for p in split_passages(report, 700) for d in p.dates]
    # not placed by the file's date, and "On Friday" gives no day at all
    assert (only.iso(), only.certainty, only.year) == ("--04-01", "no_year", None)
    assert only.label() == "1 April (year not stated)"


def test_event_dates_survive_the_store_and_old_passages_have_none(tmp_path: Path) -> None:
    report = read(write(tmp_path, "dam.txt", DAM))
    (stored,) = [p for p in split_passages(report, 2000) if p.dates]
    meta = passage_meta(report, stored)
    back = passage(stored.id, stored.text, meta)
    assert back.dates == stored.dates and len(back.dates) == 6
    del meta["dates"]  # a passage written before event dates were read
    assert passage(stored.id, stored.text, meta).dates == ()


def test_a_store_written_before_event_dates_is_dated_on_the_next_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.chroma_records as records
    import assistant.ingestion as ingestion

    folder = tmp_path / "reports"
    write(folder, "dam.txt", DAM)
    a = Assistant(Settings(data_dir=tmp_path / "data"), embedder=None)
    with monkeypatch.context() as old:  # what an ingest before this version wrote
        old.setattr(ingestion, "date_passages", lambda text, passages, *_: passages)
        old.setattr(records, "INGEST_VERSION", 1)
        assert a.ingest([folder]).added == ["dam.txt"]
    assert a.timeline().events == ()
    again = a.ingest([folder], keep_existing=True)  # as an upload of the same file would
    assert (again.added, again.updated) == ([], ["dam.txt"]), "read again, not added as a copy"
    assert len(a.timeline().events) == 6
    assert a.ingest([folder]).unchanged == ["dam.txt"], "and only once"


# --- timelines ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dams(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    root = tmp_path_factory.mktemp("dams")
    folder = root / "reports"
    write(folder, "dam.txt", DAM)
    write(folder, "later.html", DAM_LATER)
    write(folder, "undated.txt", UNDATED, mtime=date(2024, 5, 1))
    write(folder, "filed.txt", DATELINE)
    a = Assistant(Settings(data_dir=root / "data"), embedder=None)
    assert a.ingest([folder]).ok
    yield a


def test_reports_list_their_date_and_where_it_came_from(dams: Assistant) -> None:
    listed = {r.id: (r.published, r.published_from) for r in dams.reports()}
    assert listed == {
        "dam.txt": (date(2024, 3, 14), "metadata"),
        "later.html": (date(2024, 3, 20), "html"),
        "undated.txt": (date(2024, 5, 1), "file"),
        "filed.txt": (date(2024, 6, 3), "dateline"),
    }


def test_timeline_orders_cited_events_and_keeps_year_less_ones_apart(dams: Assistant) -> None:
    timeline = dams.timeline()
    days = [e.date.iso() for e in timeline.events]
    assert days == [
        "2023-02-12", "2024-03-02", "2024-03-11", "2024-03-12", "2024-03-13", "2024-03-14",
        "2024-03-18", "2024-06-01", "2024-06-02", "--04-01",
    ]  # fmt: skip
    for e in timeline.events:  # each a verified sentence of its report, numbered in order
        text = dams.report_text(e.citation.report_id)
        assert e.citation.quote == text[e.citation.start : e.citation.end]
        assert e.phrase in e.citation.quote
        assert e.citation.marker == e.number
    last = timeline.events[-1]
    assert (last.date.label(), last.citation.report_id) == (
        "1 April (year not stated)",
        "undated.txt",
    )


def test_the_same_event_dated_differently_by_two_reports_is_flagged(dams: Assistant) -> None:
    timeline = dams.timeline()
    flagged = {
        (e.citation.report_id, e.date.iso()): e.conflicts for e in timeline.events if e.conflicts
    }
    by_number = {e.number: (e.citation.report_id, e.date.iso()) for e in timeline.events}
    assert set(flagged) == {("later.html", "2024-03-11"), ("dam.txt", "2024-03-12")}
    assert [by_number[n] for n in flagged[("later.html", "2024-03-11")]] == [
        ("dam.txt", "2024-03-12")
    ]
    assert timeline.conflicts == 2
    data = timeline.to_dict()
    assert data["conflicts"] == 2
    assert sorted(k for k in data["events"][0]) == sorted([
        "n", "date", "year", "month", "day", "certainty", "label", "phrase", "report", "title",
        "publisher", "published", "published_from", "start", "end", "quote", "page", "section",
        "conflicts_with",
    ])  # fmt: skip


def test_alike_sentences_of_other_places_or_far_apart_days_are_not_one_event() -> None:
    def said(report: str, sentence: str, day: tuple[int | None, int, int]) -> tuple:
        d = EventDate(0, len(sentence), day[1], day[2], day[0], "stated", (0, 1))
        c = Citation(0, report, report, 0, len(sentence), sentence)
        return (d, c, "", "metadata")

    crossing = "The ferry crossing at {} was shut by the harbour police on {}."
    found = [
        said("a", crossing.format("Saltmere", "4 May 2024"), (2024, 5, 4)),
        said("b", crossing.format("Saltmere", "6 May 2024"), (2024, 5, 6)),  # same event
        said("c", crossing.format("Kestrel Bay", "5 May 2024"), (2024, 5, 5)),  # another place
        said("d", crossing.format("Saltmere", "9 October 2024"), (2024, 10, 9)),  # months later
        said("e", crossing.format("Saltmere", "5 May"), (None, 5, 5)),  # no year: near a and b
    ]
    timeline = build_timeline(found, None, None, None)
    conflicts = {e.citation.report_id: e.conflicts for e in timeline.events}
    number = {e.citation.report_id: e.number for e in timeline.events}
    assert conflicts["a"] == tuple(sorted((number["b"], number["e"])))
    assert conflicts["c"] == () and conflicts["d"] == ()
    assert number["e"] == len(found), "the year-less day comes last"


def test_a_query_keeps_the_events_it_is_about(dams: Assistant) -> None:
    about = dams.timeline("Ostra dam collapse")
    assert {e.citation.report_id for e in about.events} == {"dam.txt", "later.html"}
    assert all("dam" in e.citation.quote for e in about.events)
    ferry = dams.timeline("ferry to Saltmere")
    assert [e.date.label() for e in ferry.events] == ["1 April (year not stated)"]


def test_since_and_until_bound_the_days_of_a_timeline(dams: Assistant) -> None:
    window = dams.timeline(since=date(2024, 3, 12), until=date(2024, 3, 14))
    assert [e.date.iso() for e in window.events] == ["2024-03-12", "2024-03-13", "2024-03-14"]
    with pytest.raises(ValueError, match=r"since \(2024-03-15\) is after until"):
        dams.timeline(since=date(2024, 3, 15), until=date(2024, 3, 14))


def test_timeline_checks_its_arguments_by_name(dams: Assistant) -> None:
    with pytest.raises(TypeError, match=r"since must be a datetime\.date or None, not str"):
        dams.timeline(since="2024-03-01")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"until must be .* \(use \.date\(\)\)"):
        dams.timeline(until=datetime(2024, 3, 1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="query must be a str, not int"):
        dams.timeline(7)  # type: ignore[arg-type]
    assert dams.timeline("zeppelin hangar").events == ()


def test_ask_restricted_to_a_publication_window(dams: Assistant) -> None:
    question = "Where did the Norvale dam collapse?"
    later = dams.ask(question, published_from=date(2024, 3, 15))
    assert not later.abstained
    assert {c.report_id for c in later.citations} == {"later.html"}
    earlier = dams.ask(question, published_to=date(2024, 3, 15))
    assert not earlier.abstained
    assert {c.report_id for c in earlier.citations} == {"dam.txt"}


# --- recency ------------------------------------------------------------------------------------


def test_questions_asking_for_the_latest_are_recognised() -> None:
    for q in ("What is the latest count?", "Most recent news on the dam?", "Is it still closed?"):
        assert wants_recent(q), q
    for q in ("Where did the dam collapse?", "Who opened the shelters?"):
        assert not wants_recent(q), q


def test_latest_questions_cite_the_newer_report(dams: Assistant) -> None:
    # both reports say it in the same words (but for the day): the newer one leads
    plain = dams.ask("How did the Norvale dam on the Ostra river collapse?")
    latest = dams.ask("What is the latest on how the Norvale dam on the Ostra river collapsed?")
    assert plain.citations[0].report_id == "dam.txt", "a tie goes by report id"
    assert latest.citations[0].report_id == "later.html", "the newer report, first"
    request = dams.request("The latest on the Norvale dam?", dams.answerer())
    assert request.prefer_recent
    assert request.passages[0].passage.report_id == "later.html", "newest report first"


def test_event_date_labels() -> None:
    day = EventDate(0, 1, 12, 8, 2024, "stated", (0, 1))
    assert (day.iso(), day.label(), day.when) == (
        "2024-12-08",
        "8 December 2024",
        date(2024, 12, 8),
    )
    assert EventDate(0, 1, 4, 1, None, "no_year", (0, 1)).label() == "1 April (year not stated)"
