"""A report's title is its headline, also when the headline ends in "?", "!" or "." (issue 12,
point 3): one short sentence standing alone at the top, with a blank line or a header line below
it. A lede, two sentences on the first line, or a one-line text are not headlines."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingestion import read_report, split_passages
from assistant.sentences import split_sentences

BODY = "The talks resumed on Monday in Port Elden.\nBoth sides sent three delegates.\n"


def read(tmp_path: Path, text: str, name: str = "talks-report.txt") -> tuple[str, list[str]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    report = read_report(path, name, 1_000_000)
    return report.title, [p.text for p in split_passages(report, 700)]


@pytest.mark.parametrize(
    "headline",
    [
        "Will the truce in Port Elden hold?",
        "Truce holds in Port Elden.",
        "U.S. envoy lands in Port Elden.",
        "Port Elden votes!",
        "‘Truce holds,’ says the mayor of Port Elden.",
    ],
)
def test_a_headline_ending_in_punctuation_is_the_title(tmp_path: Path, headline: str) -> None:
    title, passages = read(tmp_path, f"{headline}\n\n{BODY}")
    assert title == headline
    assert passages[0].startswith("The talks resumed"), "the headline is not a passage"


def test_a_punctuated_headline_above_header_lines_is_the_title(tmp_path: Path) -> None:
    text = f"Will the truce hold?\nPublished: 2024-03-02\nSource: Harbour Times\n\n{BODY}"
    title, passages = read(tmp_path, text)
    assert title == "Will the truce hold?"
    assert not any("Will the truce hold?" in p for p in passages)


@pytest.mark.parametrize(
    "first",
    [
        # a lede: long, one paragraph
        "The talks between the two delegations resumed on Monday morning in the old customs "
        "house of Port Elden after a break of three weeks.",
        # two sentences on one line
        "Talks resumed. Both sides came.",
    ],
)
def test_a_first_paragraph_that_is_body_text_is_not_the_title(tmp_path: Path, first: str) -> None:
    title, passages = read(tmp_path, f"{first}\n\n{BODY}")
    assert title == "Talks report", "no headline: the file name"
    assert passages[0].startswith(first.split()[0])


def test_a_sentence_going_on_in_the_next_line_is_not_a_headline() -> None:
    text = "Will the truce hold?\nThe talks resumed on Monday.\n"
    assert [s.kind for s in split_sentences(text)] == ["sentence", "sentence"]


def test_a_text_of_one_line_heads_nothing_and_stays_citable(tmp_path: Path) -> None:
    title, passages = read(tmp_path, "The ferry was late.\n")
    assert title == "Talks report"
    assert passages == ["The ferry was late."]


def test_date_and_source_under_a_punctuated_headline_are_read(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text(
        f"Will the truce hold?\n\nSource: Harbour Times\nPublished: 2024-03-02\n\n{BODY}", "utf-8"
    )
    report = read_report(path, "t.txt", 1_000_000)
    assert (report.source, str(report.published)) == ("Harbour Times", "2024-03-02")
