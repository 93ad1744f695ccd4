"""Hostile inputs (issue 14): a file within the size limit must not buy unbounded work, a stray
control character must not reach the stored text, and a link loop must not stop an ingest.

Each test states what a user sees: the file refused with a one-line reason, or read correctly.
No test asserts a time: the work is bounded by construction, and pytest shows durations.
"""

from __future__ import annotations

import io
import logging
import struct
import zipfile
from pathlib import Path

import docx
import pytest

from assistant import Assistant, Settings
from assistant.errors import UnreadableReport
from assistant.ingestion import discover, read_report, split_passages, survey
from assistant.readers import BINARY_REASON, ZIP_FREE_BYTES, ZIP_MAX_PARTS
from assistant.types import Passage, Report

MB20 = 20 * 1024 * 1024  # the default max_file_mb, as the facade computes it


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def read(path: Path) -> Report:
    return read_report(path, path.name, MB20)


def reason(path: Path) -> str:
    with pytest.raises(UnreadableReport) as info:
        read(path)
    assert info.value.name == path.name and "\n" not in info.value.reason
    return info.value.reason


def exact(report: Report, chunk_chars: int = 700) -> list[Passage]:
    """The passages, checked against the citation contract: exact slices of the stored text."""
    passages = split_passages(report, chunk_chars)
    for p in passages:
        assert p.text == report.text[p.start : p.end] and p.text.strip() == p.text
    return passages


# --- zip bombs ----------------------------------------------------------------------------------


def docx_bytes(extra: dict[str, bytes] | None = None, how: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A real .docx with `extra` parts added to its zip, deflated or stored (as photos are)."""
    document = docx.Document()
    document.add_paragraph("The committee met on Monday. It approved the budget.")
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer, "a", how, compresslevel=9) as archive:
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def with_aliases(data: bytes, member: str, copies: int) -> bytes:
    """The zip `data` with `copies` more directory entries naming `member`'s compressed bytes:
    the overlapping-entries zip bomb, whose parts share one stream (tiny file, huge total)."""
    eocd = data.rindex(b"PK\x05\x06")
    fields = list(struct.unpack("<4s4H2LH", data[eocd : eocd + 22]))
    size, offset = fields[5], fields[6]
    directory, pos, record = data[offset : offset + size], 0, b""
    while pos < len(directory):
        name_len, extra_len, comment_len = struct.unpack("<3H", directory[pos + 28 : pos + 34])
        end = pos + 46 + name_len + extra_len + comment_len
        if directory[pos + 46 : pos + 46 + name_len] == member.encode():
            record = directory[pos:end]
        pos = end
    clones = b""
    for i in range(copies):
        name = f"{member}.{i}".encode()
        head = record[:28] + struct.pack("<H", len(name)) + record[30:46]
        clones += head + name + record[46 + len(member) :]
    fields[3] += copies
    fields[4] += copies
    fields[5] += len(clones)
    return data[:eocd] + clones + struct.pack("<4s4H2LH", *fields)


def test_a_docx_that_unpacks_to_far_more_than_its_size_is_refused(tmp_path: Path) -> None:
    bomb = docx_bytes({"word/media/padding.bin": bytes(24 * 1024 * 1024)})  # deflates 1000:1
    assert len(bomb) < 100_000
    found = reason(write(tmp_path, "bomb.docx", bomb))
    assert found == "unpacks to 24.8 MB from 0.1 MB: more than 16.0 MB"


def test_a_docx_whose_zip_parts_share_their_bytes_is_refused(tmp_path: Path) -> None:
    data = docx_bytes({"word/media/zeros.bin": bytes(4 * 1024 * 1024)})
    bomb = with_aliases(data, "word/media/zeros.bin", 1000)  # 4 GB declared
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:  # what the bomb claims, read as zipfile does
        assert sum(p.file_size for p in archive.infolist()) > 4 * 10**9
    assert reason(write(tmp_path, "overlap.docx", bomb)) == (
        "zip parts overlap, so it unpacks to far more than its size"
    )


def test_a_docx_with_too_many_parts_is_refused(tmp_path: Path) -> None:
    data = docx_bytes({f"word/parts/part{i}.xml": b"<a/>" for i in range(ZIP_MAX_PARTS)})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = len(archive.infolist())  # the document's own parts, and the ones added
    found = reason(write(tmp_path, "parts.docx", data))
    assert found == f"zip holds {parts:,} parts, more than {ZIP_MAX_PARTS:,}"


def test_a_large_docx_that_unpacks_to_about_its_size_is_read(tmp_path: Path) -> None:
    photos = {"word/media/image1.jpeg": bytes(ZIP_FREE_BYTES + 1)}  # more than is free, ratio 1
    report = read(write(tmp_path, "photos.docx", docx_bytes(photos, zipfile.ZIP_STORED)))
    assert report.text == "The committee met on Monday. It approved the budget."


def test_a_damaged_docx_is_still_named_damaged(tmp_path: Path) -> None:
    data = docx_bytes()
    assert reason(write(tmp_path, "cut.docx", data[: len(data) // 2])) == "damaged .docx"


# --- deep HTML ----------------------------------------------------------------------------------


def test_deeply_nested_inline_tags_are_read_whole(tmp_path: Path) -> None:
    depth = 100_000  # each string looked up all its ancestors: 10 minutes, now a few seconds
    html = "<html><body><p>" + "<b>word " * depth + "</b>" * depth + "</p></body></html>"
    report = read(write(tmp_path, "nested.html", html))
    assert report.text == " ".join(["word"] * depth)
    assert len(exact(report)) > 1


def test_deeply_nested_blocks_are_read_as_paragraphs(tmp_path: Path) -> None:
    depth = 20_000
    html = "<body>" + "<div>Row. " * depth + "</div>" * depth + "<p>The end.</p></body>"
    report = read(write(tmp_path, "divs.html", html))
    assert report.text.split("\n\n") == ["Row."] * depth + ["The end."]


# --- long lines ---------------------------------------------------------------------------------

HALF_MB = 512 * 1024


@pytest.mark.parametrize(
    "unit",
    [
        "river delta council report said the and ",  # words, no full stop
        "Dr. U.S. Gen. e.g. J. Inc. the No. 5 ",  # dots, all abbreviations
        "(a b (c) d (e. The f. ",  # parentheses, mostly left open
    ],
    ids=["words", "abbreviations", "parentheses"],
)
def test_a_512_kb_single_line_is_read_and_cut_into_passages(tmp_path: Path, unit: str) -> None:
    line = (unit * (HALF_MB // len(unit) + 1))[:HALF_MB].strip()
    report = read(write(tmp_path, "line.txt", line))
    assert report.text == line
    passages = exact(report)
    assert passages[0].start == 0 and passages[-1].end == len(line)
    assert max(p.end - p.start for p in passages) <= 4 * 700


def test_many_tiny_paragraphs_each_become_a_sentence(tmp_path: Path) -> None:
    text = "".join(f"Line {i} ends here.\n\n" for i in range(50_000))
    report = read(write(tmp_path, "tiny.md", text))
    spans = [s for p in exact(report) for s in p.sentences]
    assert len(spans) == 50_000 and report.text[slice(*spans[-1])] == "Line 49999 ends here."


# --- control characters -------------------------------------------------------------------------


def test_a_nul_byte_past_the_first_64_kb_never_reaches_the_report_text(tmp_path: Path) -> None:
    head = "The council met. " * 4_118  # 70,006 bytes: past what binary detection samples
    path = write(tmp_path, "nul.txt", head.encode() + b"Its vote\x00 was close.\n")
    report = read(path)
    assert "\x00" not in report.text
    assert report.text == head + "Its vote was close.\n"
    assert exact(report)[-1].text.endswith("The council met. Its vote was close.")


def test_stray_control_characters_are_removed_before_offsets_are_taken(tmp_path: Path) -> None:
    prose = "The council met on Monday and voted on the budget for the coming year. " * 20
    text = "Plain \x1b[31mred\x1b[0m text.\x07 Ok\u0085 then.\tTabs\fand breaks stay.\n"
    report = read(write(tmp_path, "ctl.txt", prose + text))
    assert report.text == prose + "Plain red text. Ok then.\tTabs\fand breaks stay.\n"
    html = f"<p>{prose}</p><p>Bell\x07 and \x7fdel.</p><p>Next\x1b.</p>"
    assert read(write(tmp_path, "ctl.html", html)).text.endswith("\n\nBell and del.\n\nNext.")


def test_a_text_file_full_of_nul_bytes_after_its_head_is_binary(tmp_path: Path) -> None:
    data = b"A readable head. " * 4_000 + bytes(range(32)) * 2_000
    assert reason(write(tmp_path, "tail.txt", data)) == BINARY_REASON


# --- links --------------------------------------------------------------------------------------


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """A folder with a link back up, links to themselves, a second way into a sibling folder and
    a link out to a folder holding a link back in."""
    root = tmp_path / "reports"
    write(root, "a.txt", "Alpha.")
    write(root, "real/r.txt", "Real.")
    write(root, "sub/s.md", "Sub.")
    write(tmp_path, "outside/o.txt", "Outside.")
    (root / "sub" / "up").symlink_to("..")
    (root / "self.txt").symlink_to("self.txt")
    (root / "selfdir").symlink_to("selfdir")
    (root / "alias").symlink_to("real")
    (root / "r-copy.txt").symlink_to("real/r.txt")
    (root / "ext").symlink_to(tmp_path / "outside")
    (root / "ext2").symlink_to(tmp_path / "outside")
    (tmp_path / "outside" / "back").symlink_to(root)
    return root


def test_links_are_followed_once_and_each_file_is_read_once(linked: Path) -> None:
    ids = [rid for _, rid in discover([linked], None)]
    assert ids == ["a.txt", "real/r.txt", "sub/s.md", "ext/o.txt"]


def test_a_link_loop_is_named_in_one_line_and_the_rest_is_read(
    linked: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.ingestion"):
        found = survey([linked], None)
    assert found.failed == [] and len(found.files) == 4
    warned = sorted(r.getMessage() for r in caplog.records)
    assert warned == [
        f"skipped {linked / 'self.txt'}: the link loops",
        f"skipped {linked / 'selfdir'}: the link loops",
        f"skipped {linked / 'sub' / 'up'}: a link to {linked}, which holds it (a loop)",
    ]


def test_an_ingest_through_a_link_loop_stores_every_other_report(linked: Path) -> None:
    settings = Settings(data_dir=linked.parent / "data", embedding="none")
    summary = Assistant.from_settings(settings).ingest([linked])
    assert sorted(summary.added) == ["a.txt", "ext/o.txt", "real/r.txt", "sub/s.md"]
    assert summary.failed == []


def test_html_with_more_tags_than_a_report_could_need_is_refused_before_parsing(
    tmp_path: Path,
) -> None:
    from assistant.readers import HTML_MAX_TAGS

    page = tmp_path / "tags.html"
    page.write_bytes(b"<html><body>" + b"<i></i>" * (HTML_MAX_TAGS // 2 + 1) + b"</body></html>")
    with pytest.raises(UnreadableReport, match="too costly to parse"):
        read_report(page, "tags.html", 50 * 1024 * 1024)
