"""`assistant timeline` and the date options of `ask` as a shell sees them: events grouped by day
with their certainty, the JSON keys, publication windows, one-line errors for bad dates; and the
sample corpus, whose dates state no year.

The invented reports are ingested into lexical-only stores (`ASSISTANT_EMBEDDING=none`)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from .conftest import CORPUS, NAYRAB_REPORT, CliRun
from .test_cli import assert_one_line_error

Cli = Callable[..., CliRun]
LEXICAL = {"ASSISTANT_EMBEDDING": "none"}

REPORTS = {
    "bridge.txt": (
        "Bridge at Velmora\nPublished: 2024-05-10\n\n"
        "The Kestrel bridge at Velmora was closed by the river police on Wednesday.\n"
        "Ferries of the Ostra line carried commuters across the river on 7 May.\n"
    ),
    "bridge-later.txt": (
        "Bridge reopens\nPublished: 2024-05-20\n\n"
        "The Kestrel bridge at Velmora was closed by the river police on 6 May.\n"
        "The bridge reopened to traffic yesterday after repairs.\n"
    ),
}


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    for name, text in REPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def ingest(cli: Cli, folder: Path) -> None:
    done = cli("ingest", str(folder), ASSISTANT_CORPUS_DIR=str(folder), **LEXICAL)
    assert done.returncode == 0, done.stderr


def test_timeline_prints_events_grouped_by_day_with_certainty_and_conflicts(
    cli: Cli, reports: Path
) -> None:
    ingest(cli, reports)
    shown = cli("timeline", ASSISTANT_CORPUS_DIR=str(reports), **LEXICAL)
    assert shown.returncode == 0, shown.stderr
    heads = [line for line in shown.stdout.splitlines() if line and not line.startswith(" ")]
    assert heads[:4] == [
        "6 May 2024 (year inferred from the report's date)",
        "7 May 2024 (year inferred from the report's date)",
        "8 May 2024 (counted from the report's date)",  # Wednesday before Friday 10 May
        "19 May 2024 (counted from the report's date)",  # yesterday, in a report of 20 May
    ]
    assert "“The bridge reopened to traffic yesterday after repairs.”" in shown.stdout
    assert "bridge-later.txt (chars " in shown.stdout
    assert "published 2024-05-20: stated in the report" in shown.stdout
    assert shown.stdout.count("! another report dates this differently") == 2


def test_timeline_json_keys_and_query(cli: Cli, reports: Path) -> None:
    ingest(cli, reports)
    shown = cli("timeline", "ferries", "--json", ASSISTANT_CORPUS_DIR=str(reports), **LEXICAL)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert sorted(data) == ["conflicts", "events", "query", "since", "until"]
    assert data["query"] == "ferries"
    (event,) = data["events"]
    assert (event["date"], event["certainty"], event["phrase"], event["report"]) == (
        "2024-05-07", "inferred_year", "7 May", "bridge.txt",
    )  # fmt: skip
    text = (reports / "bridge.txt").read_text(encoding="utf-8")
    assert event["quote"] == text[event["start"] : event["end"]]
    assert (event["published"], event["published_from"]) == ("2024-05-10", "metadata")


def test_since_and_until_restrict_timeline_and_ask(cli: Cli, reports: Path) -> None:
    ingest(cli, reports)
    env = {"ASSISTANT_CORPUS_DIR": str(reports), **LEXICAL}
    days = cli("timeline", "--since", "2024-05-07", "--until", "2024-05-08", "--json", **env)
    assert [e["date"] for e in json.loads(days.stdout)["events"]] == ["2024-05-07", "2024-05-08"]
    question = "Who closed the Kestrel bridge at Velmora?"
    later = cli("ask", question, "--since", "2024-05-15", "--json", **env)
    assert later.returncode == 0, later.stderr
    answer = json.loads(later.stdout)
    assert not answer["abstained"]
    assert {c["report"] for c in answer["citations"]} == {"bridge-later.txt"}
    earlier = cli("ask", question, "--until", "2024-05-15", "--json", **env)
    assert {c["report"] for c in json.loads(earlier.stdout)["citations"]} == {"bridge.txt"}
    listed = json.loads(cli("reports", "--json", **env).stdout)
    assert {r["id"]: r["published_from"] for r in listed} == {
        "bridge.txt": "metadata",
        "bridge-later.txt": "metadata",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["timeline", "--since", "someday"], "--since: not a date: 'someday'"),
        (["ask", "Who closed it?", "--until", "2024-13-40"], "--until: not a date"),
        (["timeline", "--since", "2024-05-09", "--until", "2024-05-01"], "is after --until"),
    ],
)
def test_a_bad_date_is_a_one_line_error(cli: Cli, args: list[str], message: str) -> None:
    refused = cli(*args, **LEXICAL)
    assert_one_line_error(refused)
    assert refused.returncode == 2 and message in refused.stderr


def test_the_sample_corpus_timeline_states_no_year_it_does_not_know(
    cli: Cli, tmp_path: Path
) -> None:
    # the sample reports state no publication date: their file's date is recorded as such, and
    # places no year ("April 1st", "November 28th" and "December 8th" are written without one)
    text = (CORPUS / NAYRAB_REPORT).read_text(encoding="utf-8")
    for said in ("since April 1st when", "on November 28th with", "hours of December 8th."):
        assert said in text
    copy = tmp_path / "sample"
    copy.mkdir()
    for path in CORPUS.glob("*.txt"):  # a copy with a known file date
        (copy / path.name).write_bytes(path.read_bytes())
        stamp = datetime(2025, 6, 1, 12, tzinfo=UTC).timestamp()
        os.utime(copy / path.name, (stamp, stamp))
    ingest(cli, copy)
    env = {"ASSISTANT_CORPUS_DIR": str(copy), **LEXICAL}
    data = json.loads(cli("timeline", "--json", **env).stdout)
    by_phrase = {e["phrase"]: e for e in data["events"]}
    order = [e["phrase"] for e in data["events"]]
    assert order.index("November 28th") < order.index("December 8th"), order
    april = by_phrase["April 1st"]
    assert (april["certainty"], april["year"], april["label"]) == (
        "no_year", None, "1 April (year not stated)",
    )  # fmt: skip
    assert (april["published"], april["published_from"]) == ("2025-06-01", "file")
    shown = cli("timeline", **env).stdout
    assert "1 April (year not stated)" in shown
    assert "published 2025-06-01: the file's date" in shown
    assert "2025" not in shown.replace("published 2025-06-01", ""), "no year placed silently"
