"""Ingestion: files become reports whose text every citation offset indexes, split into passages.

Each test states a behaviour users rely on: quotes are verbatim, hard-wrapped sentences stay whole,
headings become sections, unreadable files are named with a reason, and offsets never drift.
"""

from __future__ import annotations

import errno
import io
import itertools
import os
import random
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from assistant.errors import UnreadableReport
from assistant.ingestion import (
    Segment,
    discover,
    read_report,
    split_passages,
    split_sentences,
)
from assistant.readers import supported_suffixes
from assistant.types import Passage, Report

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SDF = "aleppo-clashes-army-sdf.txt"
NAYRAB = "aleppo-clashes-nayrab-camp.txt"
MB20 = 20 * 1024 * 1024  # as the facade computes it from max_file_mb
HEALTH = (
    "The Aleppo Health Directorate announced that two people were killed\n"
    "and eight others were injured as a result of shelling that targeted residential "
    "neighborhoods in the city."
)
ARABIC = "أعلنت مديرية الصحة أن شخصين قتلا وأصيب ثمانية آخرون نتيجة القصف."
NOT_DECODED = "not valid UTF-8 text, and no other encoding fits (tried UTF-16, cp1252, cp1256)"
SDF_HEADINGS = [
    "mutual accusations",
    "qasad targeting army elements",
    "A violent attack with heavy weapons",
    "A serious crime and a flagrant violation",
]


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)
    return path


def deny_listing(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make listing `folder` fail as `chmod 000` does for a normal user (tests run as root, who
    may list anything): the error `os.scandir` raises then, met by the real `os.walk`. A real
    `chmod 000` without root's rights is tested end to end in test_cli.py."""
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if not isinstance(path, int) and Path(os.fsdecode(path)) == folder:  # not a descriptor
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


def read(path: Path, max_bytes: int = MB20) -> Report:
    return read_report(path, path.name, max_bytes)


def segments(text: str) -> list[tuple[str, str]]:
    return [(s.kind, text[s.start : s.end]) for s in split_sentences(text)]


def sentences(text: str) -> list[str]:
    return [t for kind, t in segments(text) if kind == "sentence"]


def reason(path: Path, max_bytes: int = MB20) -> str:
    with pytest.raises(UnreadableReport) as info:
        read(path, max_bytes)
    assert info.value.name == path.name
    return info.value.reason


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """The two sample reports, copied so tests never touch the repository's corpus."""
    for name in (SDF, NAYRAB):
        shutil.copy(CORPUS / name, tmp_path / name)
    return tmp_path


def pdf_bytes(pages: list[list[str]], title: str | None = None) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    if title:
        pdf.setTitle(title)
    for lines in pages:
        for i, line in enumerate(lines):
            pdf.drawString(72, 770 - 16 * i, line)
        if not lines:
            pdf.rect(72, 600, 200, 100, fill=1)  # a "scan": marks on the page but no text
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def docx_bytes(title: str | None = None) -> bytes:
    document = docx.Document()
    if title:
        document.core_properties.title = title
    else:
        document.add_heading("Weekly Brief on Aleppo", level=0)
    document.add_heading("Displacement", level=1)
    document.add_paragraph("Thousands of families fled the city. Aid agencies responded.")
    document.add_heading("Casualties", level=1)
    document.add_paragraph("Two civilians were killed in the shelling.")
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([("City", "Killed"), ("Aleppo", "2")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- the sample reports ------------------------------------------------------------------------


def test_hard_wrapped_sentences_are_joined_into_one_segment(sample: Path) -> None:
    report = read(sample / SDF)
    found = sentences(report.text)
    assert HEALTH in found
    assert (
        "This has caused a new wave of displacement for dozens of families,\n"
        "amid an exchange of accusations between the two sides regarding responsibility for the "
        "escalation." in found
    )
    assert (
        "In addition, the Gaziantep-Aleppo road was closed from the direction of\nthe two "
        "roundabouts mentioned as a result of the bombing." in found
    )
    # No sentence ends mid-line: every wrap that continues lowercase was joined.
    assert not any(s.endswith(("killed", " of", " in", "families,")) for s in found)


def test_headings_without_full_stops_are_headings_and_become_sections(sample: Path) -> None:
    report = read(sample / SDF)
    assert [t for kind, t in segments(report.text) if kind != "sentence"] == SDF_HEADINGS
    passages = split_passages(report, 700)
    assert passages[0].section == ""
    assert passages[0].text.startswith("Damascus, Syria – The city of Aleppo")
    by_text = {p.section for p in passages if HEALTH in p.text}
    assert by_text == {"mutual accusations"}
    assert {p.section for p in passages} == {"", *SDF_HEADINGS}
    assert not any(h in p.text for p in passages for h in SDF_HEADINGS[1:])


def test_sentence_missing_its_full_stop_ends_before_the_capitalised_line(sample: Path) -> None:
    found = sentences(read(sample / SDF).text)
    lost = (
        "He considered targeting them a serious crime and a flagrant violation of international "
        "humanitarian law"
    )
    i = found.index(lost)
    assert found[i + 1].startswith("These developments come amid escalating political tensions,\n")


def test_a_dateline_is_where_it_was_filed_not_the_source(sample: Path) -> None:
    report = read(sample / SDF)
    assert report.source is None, "a place is not a publisher"
    assert report.title == "Aleppo clashes army sdf"
    assert report.published_from == "file", "a dateline without a day dates nothing"


def test_stated_title_repeated_twice_is_the_title_not_a_passage(sample: Path) -> None:
    report = read(sample / NAYRAB)
    title = "Clashes Erupt in Aleppo as Syria Nears Brink of Internal Conflict"
    assert report.title == title
    assert segments(report.text)[:2] == [("title", title), ("title", title)]
    passages = split_passages(report, 700)
    assert passages[0].text.startswith("In a volatile turn of events")
    assert not any(title in p.text for p in passages)
    assert len(sentences(report.text)) == 12


def test_txt_text_is_the_file_so_every_quote_is_verbatim(sample: Path) -> None:
    for name in (SDF, NAYRAB):
        report = read(sample / name)
        assert report.text == (sample / name).read_text(encoding="utf-8")
        assert report.id == name and len(report.hash) == 64
        for passage in split_passages(report, 300):
            assert passage.text in report.text
            for start, end in passage.sentences:
                assert report.text[start:end] in passage.text


# --- the sentence splitter -----------------------------------------------------------------------


def test_abbreviations_initials_and_decimals_do_not_end_sentences() -> None:
    text = (
        "Mr. Smith met Gen. Jones in the U.S. on Jan. 5. The talks lasted 3.5 hours. "
        "J. R. Tolkien wrote books, e.g. novels, etc. Dr. Ali arrived at 5 p.m. Nothing happened!"
    )
    assert sentences(text) == [
        "Mr. Smith met Gen. Jones in the U.S. on Jan. 5.",
        "The talks lasted 3.5 hours.",
        "J. R. Tolkien wrote books, e.g. novels, etc. Dr. Ali arrived at 5 p.m.",
        "Nothing happened!",
    ]


def spans(text: str) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in split_sentences(text) if s.kind == "sentence"]


def test_a_sentence_with_us_and_other_abbreviations_in_the_middle_is_one_sentence() -> None:
    for text in (
        "The U.S. Supreme Court decided Roe v. Wade in Jan. 1973.",
        "Mr. Smith and Dr. Jones met at No. 5 St. James Street with Acme Inc. lawyers.",
        "Sweden fought Russia (cf. Sweden vs. Russia), e.g. at Poltava, ca. 1709.",
        "Gen. Lee met Sen. Ross and Prof. Ito at the U.N. General Assembly.",
    ):
        assert sentences(text) == [text]


def test_initials_do_not_end_a_sentence() -> None:
    text = "J. R. R. Tolkien met John F. Kennedy. Then W. E. B. Du Bois and J. A. Hobson spoke."
    assert sentences(text) == [
        "J. R. R. Tolkien met John F. Kennedy.",
        "Then W. E. B. Du Bois and J. A. Hobson spoke.",
    ]


def test_a_sentence_ending_in_an_abbreviation_ends_before_a_capitalised_closed_class_word() -> None:
    # The rule: "U.S.", "Inc.", "etc.", "Jan." or an initial end a sentence only when the next
    # word is one written in lowercase mid-sentence (an article, pronoun, conjunction, ...).
    text = (
        "He moved to the U.S. The next day he left. She joined Acme Inc. He stayed. "
        "They sold food, tools, etc. As a result prices fell. Take vitamin C. It helps. "
        "Prices rose in Jan. However, they fell. It ran in the U.S. Open in Jan. Ten left."
    )
    assert sentences(text) == [
        "He moved to the U.S.",
        "The next day he left.",
        "She joined Acme Inc.",
        "He stayed.",
        "They sold food, tools, etc.",
        "As a result prices fell.",
        "Take vitamin C.",
        "It helps.",
        "Prices rose in Jan.",
        "However, they fell.",
        "It ran in the U.S. Open in Jan. Ten left.",  # a name or number word goes on
    ]


def test_number_abbreviations_hold_only_before_a_number() -> None:
    text = "Item No. 5 sold c. 1450 copies (see fig. 3). The answer was no. Nobody asked."
    assert sentences(text) == [
        "Item No. 5 sold c. 1450 copies (see fig. 3).",
        "The answer was no.",
        "Nobody asked.",
    ]


def test_no_sentence_ends_inside_parentheses_opened_mid_sentence() -> None:
    text = (
        'The Doctor of Pharmacy (Pharm. D.) degree is required. The state (lit. "Great State") '
        "grew. (It was sold. The house fell.) Next."
    )
    assert sentences(text) == [
        "The Doctor of Pharmacy (Pharm. D.) degree is required.",
        'The state (lit. "Great State") grew.',
        "(It was sold.",  # a parenthesis that opens the sentence holds whole sentences
        "The house fell.)",
        "Next.",
    ]


def test_sentence_offsets_index_the_report_text_around_abbreviations() -> None:
    text = (
        "Roe v. Wade  was decided in the U.S.\nThe next day, Dr. Ali left.\n\nJ. R. Tolkien wrote."
    )
    expected = [
        "Roe v. Wade  was decided in the U.S.",
        "The next day, Dr. Ali left.",
        "J. R. Tolkien wrote.",
    ]
    found = spans(text)
    assert [text[a:b] for a, b in found] == expected
    assert [a for a, _ in found] == [text.index(e) for e in expected]


def test_sentences_end_after_closing_quotes_and_questions() -> None:
    text = 'He said "we will go." Then he left. “Really?” she asked. ‘Yes.’ Why? 12 died.'
    assert sentences(text) == [
        'He said "we will go."',
        "Then he left.",
        "“Really?” she asked.",
        "‘Yes.’",
        "Why?",
        "12 died.",
    ]


def test_arabic_and_french_text() -> None:
    arabic = "قال المتحدث إن الوضع خطير. وأضاف أن القوات تقدمت؟ نعم."
    assert sentences(arabic) == ["قال المتحدث إن الوضع خطير.", "وأضاف أن القوات تقدمت؟", "نعم."]
    french = "M. Dupont est arrivé à Alep. Il a dit « Bonjour ». Est-ce vrai ? Oui, c'est vrai."
    assert sentences(french) == [
        "M. Dupont est arrivé à Alep.",
        "Il a dit « Bonjour ».",
        "Est-ce vrai ?",
        "Oui, c'est vrai.",
    ]


def test_line_joining_rules() -> None:
    text = (
        "Forces advanced on three fronts,\nsaid officials\nin the capital.\n"
        "The talks were held in\nGeneva on Monday.\n"
        "Casualties\n"
        "12 people were hurt.\n"
        "Witnesses in the eastern districts said that the number of people who died\n"
        "12 hours later had risen.\n"
    )
    assert segments(text) == [
        ("sentence", "Forces advanced on three fronts,\nsaid officials\nin the capital."),
        ("sentence", "The talks were held in\nGeneva on Monday."),
        ("heading", "Casualties"),
        ("sentence", "12 people were hurt."),
        (
            "sentence",
            "Witnesses in the eastern districts said that the number of people who died\n"
            "12 hours later had risen.",
        ),
    ]


def test_markdown_headings_lists_and_rules() -> None:
    text = (
        "# Weekly update\n\n## Displacement ##\nFamilies fled\nthe city. More arrived.\n\n"
        "- Item one is here.\n- Item two\n  wraps.\n\n---\nSetext heading\n==============\nBody."
    )
    assert segments(text) == [
        ("title", "Weekly update"),
        ("heading", "Displacement"),
        ("sentence", "Families fled\nthe city."),
        ("sentence", "More arrived."),
        ("sentence", "Item one is here."),
        ("sentence", "Item two\n  wraps."),
        ("heading", "Setext heading"),
        ("sentence", "Body."),
    ]


def test_a_5_mb_single_line_is_split_in_linear_time() -> None:
    text = "The army advanced. " * 260_000 + "Word " * 10_000
    started = time.perf_counter()
    found = split_sentences(text)
    report = Report("big.txt", "Big", text, "0" * 64)
    passages = split_passages(report, 700)
    assert time.perf_counter() - started < 30
    assert len(found) == 260_001
    assert max(p.end - p.start for p in passages) <= 4 * 700


# --- passages -----------------------------------------------------------------------------------


def check_invariants(report: Report, chunk_chars: int) -> list[Passage]:
    """The citation contract: passages are exact, ordered, disjoint slices made of sentences."""
    text = report.text
    segs: list[Segment] = split_sentences(text)
    last = 0
    for seg in segs:
        assert last <= seg.start < seg.end <= len(text)
        assert not text[seg.start].isspace() and not text[seg.end - 1].isspace()
        last = seg.end
    passages = split_passages(report, chunk_chars)
    last = 0
    spans: list[tuple[int, int]] = []
    for i, p in enumerate(passages):
        assert p.id == f"{report.id}::{report.hash[:12]}::{i}"
        assert p.report_id == report.id
        assert p.text == text[p.start : p.end] and p.text
        assert last <= p.start and p.sentences
        assert p.start == p.sentences[0][0] and p.end == p.sentences[-1][1]
        for start, end in p.sentences:
            assert p.start <= start < end <= p.end
        if len(p.sentences) > 1:
            assert p.end - p.start <= chunk_chars
        spans.extend(p.sentences)
        last = p.end
    sentence_spans = [(s.start, s.end) for s in segs if s.kind == "sentence"]
    if not sentence_spans:
        sentence_spans = [(s.start, s.end) for s in segs]
    covered = iter(spans)
    for start, end in sentence_spans:  # each sentence whole in one passage, or cut into pieces
        piece = next(covered)
        assert piece[0] == start
        while piece[1] != end:
            assert end - start > 4 * chunk_chars and piece[1] < end
            piece = next(covered)
    assert next(covered, None) is None
    return passages


WORDS = [
    "army", "The", "forces", "Aleppo", "of", "the", "said", "Dr.", "U.S.", "3.5", "killed",
    "“violent”", "'quoted.'", "and", "Gen.", "qasad", "قال", "؟", "été", "No.", "e.g.", "—", "-",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", " ", ". ", ", ", "\n", "\n\n", "\r\n", "? ", "!\n", ".\n", "\t", "  "]
PREFIXES = ["", "", "", "# ", "- ", "1. ", "---\n", "Published: 2024-12-01\n", "  "]


def random_text(rng: random.Random, words: list[str] = WORDS) -> str:
    parts = [rng.choice(PREFIXES)]
    for _ in range(rng.randint(0, 120)):
        parts.append(rng.choice(words))
        parts.append(rng.choice(SEPARATORS))
        if rng.random() < 0.05:
            parts.append(rng.choice(PREFIXES))
        if rng.random() < 0.01:
            parts.append("x" * rng.randint(100, 900))
    return "".join(parts)


def test_offsets_invariant_holds_for_many_generated_texts() -> None:
    rng = random.Random(20241201)
    for n in range(400):
        text = random_text(rng)
        report = Report(f"gen/{n}.txt", "Generated", text, f"{n:064x}")
        check_invariants(report, rng.choice([40, 100, 250, 700]))


ABBREVIATION_WORDS = [
    *WORDS, "v.", "J.", "A.", "Inc.", "etc.", "c.", "no.", "(", ")", "(lit.", "U.S.)", "The", "He",
    "However,", "I.", "e.g.", "Jan.", "St.", "5.",
]  # fmt: skip


def test_offsets_invariant_holds_for_generated_texts_full_of_abbreviations() -> None:
    rng = random.Random(20250109)
    for n in range(400):
        text = random_text(rng, ABBREVIATION_WORDS)
        report = Report(f"abbr/{n}.txt", "Generated", text, f"{n:064x}")
        check_invariants(report, rng.choice([40, 100, 250, 700]))


def test_unclosed_parentheses_never_swallow_the_rest_of_a_report() -> None:
    text = "(a. B. U.S. The Inc. He " * 100_000  # 2.4 MB, every "(" left open
    started = time.perf_counter()
    found = split_sentences(text)
    assert time.perf_counter() - started < 30
    assert all(a.end < b.start for a, b in itertools.pairwise(found))
    assert max(s.end - s.start for s in found) < 1000


def test_sentences_are_grouped_up_to_chunk_chars_and_long_ones_are_cut() -> None:
    text = "Short one. " * 30 + "\n\n" + "word " * 400 + "end.\n\nLast sentence here."
    report = Report("r.txt", "R", text, "a" * 64)
    passages = check_invariants(report, 100)
    assert all(p.end - p.start <= 100 for p in passages)
    assert passages[-1].text == "Last sentence here."
    assert len(passages[0].sentences) == 9  # 9 x "Short one." = 98 characters


def test_a_report_of_only_headings_still_has_a_passage(tmp_path: Path) -> None:
    report = read(write(tmp_path, "note.txt", "Ceasefire holds\n"))
    assert report.title == "Ceasefire holds"
    passages = split_passages(report, 700)
    assert [p.text for p in passages] == ["Ceasefire holds"]


# --- encodings and header lines -------------------------------------------------------------------


def test_crlf_and_lone_cr_become_newlines_and_nothing_else_changes(tmp_path: Path) -> None:
    raw = b"Aid update\r\n\r\nFirst sentence  here.\r\nSecond one\r\nwraps here.\rLast.\r\n"
    report = read(write(tmp_path, "crlf.txt", raw))
    assert report.text == raw.decode().replace("\r\n", "\n").replace("\r", "\n")
    assert sentences(report.text) == [
        "First sentence  here.",
        "Second one\nwraps here.",
        "Last.",
    ]
    assert report.title == "Aid update"


def test_byte_order_marks_are_stripped(tmp_path: Path) -> None:
    report = read(write(tmp_path, "bom.txt", b"\xef\xbb\xbfHello there. General Kenobi."))
    assert report.text == "Hello there. General Kenobi."
    utf16 = read(write(tmp_path, "utf16.md", "Ünïcode report. Second.".encode("utf-16")))
    assert utf16.text == "Ünïcode report. Second."


def test_windows_1252_files_are_decoded(tmp_path: Path) -> None:
    report = read(write(tmp_path, "legacy.txt", "Café “owner” said so.".encode("cp1252")))
    assert report.text == "Café “owner” said so."


def test_arabic_windows_1256_files_are_decoded_not_mojibake(tmp_path: Path) -> None:
    arabic = read(write(tmp_path, "arabic.txt", ARABIC.encode("cp1256")))
    assert arabic.text == ARABIC
    mostly_english = (
        "Aleppo update\n\nThe statement of the Health Directorate (مديرية الصحة) was read on "
        "Monday.\nTwo people were killed and eight others were injured in the shelling.\n"
    )
    mixed = read(write(tmp_path, "mixed.txt", mostly_english.encode("cp1256")))
    assert mixed.text == mostly_english
    assert "(مديرية الصحة)" in sentences(mixed.text)[0]


def test_western_windows_1252_text_still_decodes(tmp_path: Path) -> None:
    assert read(write(tmp_path, "short.txt", "café — naïve".encode("cp1252"))).text == (
        "café — naïve"
    )
    text = "Le café — naïve façade, déjà vu — a rouvert lundi. « Tout va bien », dit-il."
    assert read(write(tmp_path, "french.md", text.encode("cp1252"))).text == text


def test_utf16_without_a_byte_order_mark_is_recognised(tmp_path: Path) -> None:
    """Told apart by its zero bytes: every ASCII character (spaces too) has one beside it."""
    for codec in ("utf-16-le", "utf-16-be"):
        for i, text in enumerate(("Ünïcode report. Second.", ARABIC, f"Aleppo.\r\n{ARABIC}")):
            report = read(write(tmp_path, f"{codec}-{i}.txt", text.encode(codec)))
            assert report.text == text.replace("\r\n", "\n")


def test_what_cannot_be_decoded_is_refused_with_a_reason(tmp_path: Path) -> None:
    rng = random.Random(14)
    noise = rng.randbytes(4096)
    assert reason(write(tmp_path, "noise.txt", noise)) == "binary file, not text"
    no_zero = bytes(rng.randrange(1, 256) for _ in range(4096))
    assert reason(write(tmp_path, "no-zero.txt", no_zero)) == "binary file, not text"
    high = bytes(rng.randrange(128, 256) for _ in range(4096))
    assert reason(write(tmp_path, "high.txt", high)) == NOT_DECODED
    greek = "Η κυβέρνηση ανακοίνωσε σήμερα νέα μέτρα για την οικονομία.".encode("cp1253")
    assert reason(write(tmp_path, "greek.txt", greek)) == NOT_DECODED  # not a supported code page


def test_utf8_reports_read_exactly_as_before_without_guessing(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import charset_normalizer

    def no_guessing(*args: object, **kwargs: object) -> None:
        raise AssertionError("valid UTF-8 must never reach charset detection")

    monkeypatch.setattr(charset_normalizer, "from_bytes", no_guessing)
    for name in (SDF, NAYRAB):
        report = read(sample / name)
        assert report.text == (sample / name).read_bytes().decode("utf-8").replace("\r\n", "\n")


def test_html_uses_its_declared_charset_and_detects_one_when_none_is_declared(
    tmp_path: Path,
) -> None:
    page = f'<html><head><meta charset="windows-1256"><title>تقرير</title></head><p>{ARABIC}</p>'
    declared = read(write(tmp_path, "declared.html", page.encode("cp1256")))
    assert (declared.title, declared.text) == ("تقرير", ARABIC)
    undeclared = read(write(tmp_path, "plain.html", f"<p>{ARABIC}</p>".encode("cp1256")))
    assert undeclared.text == ARABIC
    russian = "Правительство объявило новые меры."  # cp1251 is only read when declared
    http_equiv = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
    page = f"{http_equiv}<p>{russian}</p>".encode("cp1251")
    assert read(write(tmp_path, "ru.html", page)).text == russian
    latin = '<meta charset="ISO-8859-1"><p>Le café — naïve.</p>'.encode("cp1252")
    assert read(write(tmp_path, "latin.html", latin)).text == "Le café — naïve."  # as browsers do
    lying = '<meta charset="utf-8"><p>Le caf\xe9 ferme.</p>'.encode("latin-1")
    assert reason(write(tmp_path, "lying.html", lying)) == (
        "declares charset utf-8 but is not valid utf-8"
    )


def test_header_lines_give_published_date_source_and_title(tmp_path: Path) -> None:
    text = "Published: 2024-12-01\nSource: OCHA\n\nAleppo update\n\nOn 5 January 2025 it was calm."
    report = read(write(tmp_path, "a.md", text))
    assert (report.published, report.source, report.title) == (
        date(2024, 12, 1),
        "OCHA",
        "Aleppo update",
    )
    report = read(
        write(tmp_path, "b.txt", "Aleppo update\nDate: 1 December 2024\nBy Jane Doe\n\nText.")
    )
    assert (report.published, report.source) == (date(2024, 12, 1), "Jane Doe")
    report = read(write(tmp_path, "c.txt", "December 1, 2024\nAleppo update\n\nText here."))
    assert (report.published, report.title) == (date(2024, 12, 1), "Aleppo update")


def test_dates_in_the_body_are_not_publication_dates(tmp_path: Path) -> None:
    text = "Aleppo update\n\nThe talks began.\nDecember 1, 2024\nPublished: 2024-12-01\n"
    # (with no date at its top, a report's date is its file's: see tests/test_time.py)
    assert read(write(tmp_path, "body.txt", text)).published_from == "file"
    assert read(write(tmp_path, "bad.txt", "Date: 31 February 2024\n\nText.")).published_from == (
        "file"
    )


# --- unreadable files ---------------------------------------------------------------------------


def test_each_unreadable_file_is_named_with_a_reason(tmp_path: Path) -> None:
    assert reason(write(tmp_path, "empty.txt", b"")) == "empty file"
    assert reason(write(tmp_path, "blank.md", b"  \n\n ")) == "empty file"
    assert reason(write(tmp_path, "bytes.txt", bytes(range(256)) * 8)) == "binary file, not text"
    png = b"\x89PNG\r\n\x1a\n" + b"IHDR" * 20
    assert reason(write(tmp_path, "image.md", png)) == "binary file, not text"
    assert reason(write(tmp_path, "latin.txt", b"caf\xe9 \x81\x8d ok")) == NOT_DECODED
    assert reason(write(tmp_path, "notes.xyz", "text")) == "unsupported format .xyz"
    assert (
        reason(write(tmp_path, "script.html", "<script>x()</script>")) == "no text after extraction"
    )
    assert reason(tmp_path / "gone.txt") == "no such file or directory"


def test_files_over_the_size_limit_are_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(MB20 + 1)  # sparse: costs no disk and is never read
    assert reason(path) == "file is larger than 20.0 MB"
    assert reason(write(tmp_path, "small.txt", "x" * 2000), max_bytes=1500) == (
        "file is larger than 0.0 MB"
    )


def test_truncated_scanned_and_damaged_documents(tmp_path: Path) -> None:
    data = pdf_bytes([["Some text on page one."], ["More text on page two."]])
    assert reason(write(tmp_path, "cut.pdf", data[: len(data) // 2])) == "truncated or damaged PDF"
    assert (
        reason(write(tmp_path, "fake.pdf", b"%PDF-1.4 garbage %%EOF")) == "truncated or damaged PDF"
    )
    scanned = pdf_bytes([[], []])
    assert reason(write(tmp_path, "scan.pdf", scanned)) == "PDF has no extractable text (scanned?)"
    docx_data = docx_bytes("Brief")
    assert reason(write(tmp_path, "cut.docx", docx_data[: len(docx_data) // 2])) == "damaged .docx"
    assert reason(write(tmp_path, "text.docx", "not a zip at all")) == "damaged .docx"


# --- other formats ------------------------------------------------------------------------------


def test_html_keeps_visible_paragraphs_and_reads_metadata(tmp_path: Path) -> None:
    html = """<html><head><title>Aid convoy reaches Aleppo</title>
    <meta property="article:published_time" content="2024-12-01T08:00:00Z">
    <meta property="og:site_name" content="Example News">
    <script>var secret = "script text";</script><style>p { color: red }</style></head>
    <body><nav>Home | World</nav><h1>Aid convoy reaches Aleppo</h1>
    <p>The convoy arrived on Sunday.<br>It carried food.</p><!-- a comment -->
    <h2>Reactions</h2><p>Officials welcomed   the
    delivery. <b>More</b> aid is expected.</p></body></html>"""
    report = read(write(tmp_path, "convoy.html", html))
    assert report.title == "Aid convoy reaches Aleppo"
    assert (report.published, report.source) == (date(2024, 12, 1), "Example News")
    assert report.text == (
        "Aid convoy reaches Aleppo\n\nThe convoy arrived on Sunday.\nIt carried food.\n\n"
        "Reactions\n\nOfficials welcomed the delivery. More aid is expected."
    )
    passages = split_passages(report, 700)
    assert [(p.section, p.text) for p in passages] == [
        ("", "The convoy arrived on Sunday.\nIt carried food."),
        ("Reactions", "Officials welcomed the delivery. More aid is expected."),
    ]


def test_html_title_from_h1_and_date_from_time_element(tmp_path: Path) -> None:
    html = '<h1>Floods in Idlib</h1><p><time datetime="2024-11-30">Saturday</time> Rain fell.</p>'
    report = read(write(tmp_path, "floods.htm", html))
    assert (report.title, report.published) == ("Floods in Idlib", date(2024, 11, 30))


def test_pdf_pages_are_joined_by_blank_lines_with_metadata_title(tmp_path: Path) -> None:
    data = pdf_bytes(
        [["Aleppo situation update", "Clashes resumed near the camp."], ["Aid reached Homs."]],
        title="Situation Report 12",
    )
    report = read(write(tmp_path, "sitrep.pdf", data))
    assert report.title == "Situation Report 12"
    assert "Clashes resumed near the camp.\n\nAid reached Homs." in report.text
    assert "Aid reached Homs." in sentences(report.text)


def test_docx_paragraphs_headings_tables_and_title(tmp_path: Path) -> None:
    report = read(write(tmp_path, "brief.docx", docx_bytes("Weekly Brief")))
    assert report.title == "Weekly Brief"
    assert report.text.endswith("City | Killed\nAleppo | 2")
    assert sentences(report.text)[-2:] == ["City | Killed", "Aleppo | 2"]
    sections = {p.section: p.text for p in split_passages(report, 700)}
    assert (
        sections["Displacement"] == "Thousands of families fled the city. Aid agencies responded."
    )
    assert sections["Casualties"].startswith("Two civilians were killed in the shelling.")
    styled = read(write(tmp_path, "styled.docx", docx_bytes()))
    assert styled.title == "Weekly Brief on Aleppo"


# --- discovering files --------------------------------------------------------------------------


def test_discover_expands_folders_and_gives_stable_ids(tmp_path: Path) -> None:
    root, other = tmp_path / "corpus", tmp_path / "elsewhere"
    for name in ("a.txt", "sub/b.md", "sub/deeper/c.PDF", ".hidden/x.txt", ".x.txt", "z.csv"):
        write(root, name, "Text.")
    write(other, "f.html", "<p>Text.</p>")
    write(other, "notes.xyz", "Text.")
    assert [rid for _, rid in discover([root], root)] == ["a.txt", "sub/b.md", "sub/deeper/c.PDF"]
    assert discover([root / "sub"], root) == [
        (root / "sub" / "b.md", "sub/b.md"),
        (root / "sub" / "deeper" / "c.PDF", "sub/deeper/c.PDF"),
    ]
    assert discover([other], root) == [(other / "f.html", "f.html")]
    assert discover([root / "sub" / "b.md", other / "f.html"], root) == [
        (root / "sub" / "b.md", "sub/b.md"),
        (other / "f.html", "f.html"),
    ]
    assert discover([root / "a.txt", root], root)[0] == (root / "a.txt", "a.txt")
    assert len(discover([root / "a.txt", root], root)) == 3  # no duplicates


def test_discover_keeps_unsupported_files_for_a_reason_and_refuses_missing_paths(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "notes.xyz", "Text.")
    assert discover([path], tmp_path / "corpus") == [(path, "notes.xyz")]
    with pytest.raises(UnreadableReport) as info:
        discover([tmp_path / "missing"], tmp_path)
    assert info.value.reason == "no such file or directory"
    assert sorted(supported_suffixes()) == [".docx", ".htm", ".html", ".md", ".pdf", ".txt"]


def test_discover_names_a_folder_it_cannot_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "corpus"
    for name in ("a.txt", "locked/b.txt", "locked/deeper/c.txt"):
        write(root, name, "Text.")
    deny_listing(monkeypatch, root / "locked")
    with pytest.raises(UnreadableReport) as info:
        discover([root], root)
    assert (info.value.name, info.value.reason) == (
        f"{root / 'locked'}/",
        "cannot read folder: permission denied",
    )


def test_a_pdf_quote_carries_its_page_and_section_in_every_front_end(
    tmp_path: Path, embedder
) -> None:
    from assistant import Assistant, Settings
    from assistant.cli import format_answer
    from assistant.markdown import answer_markdown
    from assistant.ui.render import sources_html

    pages = [
        ["Harbour annual review", "", "The pilot service ran all year without incident."],
        ["Dredging", "", "The dredger deepened the north channel to nine metres."],
        [],  # an empty page still counts
        ["Ferries", "", "The island ferry carried forty thousand passengers in the summer."],
    ]
    folder = tmp_path / "pdfs"
    folder.mkdir()
    (folder / "review.pdf").write_bytes(pdf_bytes(pages, title="Harbour annual review"))
    a = Assistant(Settings(data_dir=tmp_path / "data"), embedder=embedder)
    assert a.ingest([folder]).ok
    answer = a.ask("How many passengers did the island ferry carry?")
    [cite] = answer.citations
    assert "forty thousand passengers" in cite.quote
    assert cite.page == 4 and cite.section == "Ferries"
    assert a.ask("How deep is the north channel?").citations[0].page == 2
    assert answer.to_json()["citations"][0]["page"] == 4  # type: ignore[index]
    assert "p. 4" in format_answer(answer) and "p. 4" in answer_markdown(answer)
    assert "page 4" in sources_html(answer, a.report_text)


def test_a_dateline_of_an_invented_place_is_not_a_publisher_but_a_source_line_is(
    tmp_path: Path,
) -> None:
    filed = tmp_path / "filed.txt"
    filed.write_text("Port Elden, Norland – The harbour reopened on Monday.\n", encoding="utf-8")
    assert read(filed).source is None
    labelled = tmp_path / "labelled.txt"
    labelled.write_text(
        "Harbour reopens\nSource: Norland Wire\n\nPort Elden, Norland – The harbour reopened.\n",
        encoding="utf-8",
    )
    assert read(labelled).source == "Norland Wire"
