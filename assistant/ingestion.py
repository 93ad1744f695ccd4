"""Report files -> `Report` (normalised text + metadata) -> sentence-aligned `Passage`s.

Every offset downstream indexes `Report.text`, so each reader decides once what that text is: for
.txt/.md the decoded file with newlines normalised (quotes stay verbatim substrings of the file),
for .html/.pdf/.docx the extracted text. Unreadable files raise `UnreadableReport` with a short
reason so a batch can report them by name and go on.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from .aliases import learn_aliases, learn_names
from .errors import UnreadableReport
from .headers import header_metadata, leading_title
from .readers import reader_for, supported_suffixes
from .sentences import Segment, split_sentences
from .types import Passage, Report

__all__ = [
    "Segment",
    "discover",
    "read_report",
    "split_passages",
    "split_sentences",
]


def discover(paths: Sequence[Path], default_root: Path | None) -> list[tuple[Path, str]]:
    """Expand files and folders into (file, report id) pairs, ids stable across machines.

    A folder inside `default_root` keeps ids relative to the root, so ingesting `corpus/` and
    later `corpus/sub/` names a report the same way; other folders give ids relative to
    themselves. A file argument with an unsupported suffix is kept so `read_report` explains why.
    """
    root = default_root.resolve() if default_root is not None else None
    found: dict[Path, tuple[Path, str]] = {}  # by resolved path: a file named twice is read once
    for arg in paths:
        if not arg.exists():
            raise UnreadableReport(str(arg), "no such file or directory")
        if arg.is_dir():
            folder = arg.resolve()
            prefix = folder.relative_to(root) if root and folder.is_relative_to(root) else Path()
            for file in _walk(arg):
                rid = (prefix / file.relative_to(arg)).as_posix()
                found.setdefault(file.resolve(), (file, rid))
        else:
            real = arg.resolve()
            inside = root is not None and real.is_relative_to(root)
            rid = real.relative_to(root).as_posix() if root and inside else arg.name
            found.setdefault(real, (arg, rid))
    return list(found.values())


def _walk(folder: Path) -> Iterator[Path]:
    """Supported files under `folder`, sorted, skipping hidden files/folders and Word lock files."""
    suffixes = supported_suffixes()
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            skip = name.startswith((".", "~$"))
            if not skip and Path(name).suffix.lower() in suffixes:
                yield Path(dirpath) / name


def read_report(path: Path, report_id: str, max_bytes: int) -> Report:
    """Read one file into a `Report`; `max_bytes` is the size limit (shown in MB of 1024*1024)."""
    suffix = path.suffix.lower()
    reader = reader_for(suffix)
    if reader is None:
        raise UnreadableReport(report_id, f"unsupported format {suffix or '(no extension)'}")
    try:
        if path.is_dir():
            raise UnreadableReport(report_id, "is a directory")
        if path.stat().st_size > max_bytes:
            raise UnreadableReport(report_id, f"file is larger than {max_bytes / 1048576:.1f} MB")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise UnreadableReport(report_id, "no such file or directory") from exc
    except PermissionError as exc:
        raise UnreadableReport(report_id, "permission denied") from exc
    except OSError as exc:
        raise UnreadableReport(report_id, (exc.strerror or "cannot be read").lower()) from exc
    if not data.strip():
        raise UnreadableReport(report_id, "empty file")
    found = reader.read(data, report_id)
    text = found.text
    if not text.strip():
        reason = "empty file" if suffix in (".txt", ".md") else "no text after extraction"
        raise UnreadableReport(report_id, reason)
    published, source = header_metadata(text)
    return Report(
        id=report_id,
        title=found.title or leading_title(text) or _title_from_name(path),
        text=text,
        hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        published=found.published or published,
        source=found.source or source,
        aliases=tuple(learn_aliases(text)),
        names=tuple(learn_names(text)),
    )


def _title_from_name(path: Path) -> str:
    """A readable title when the file states none: `harbour-strike.txt` -> `Harbour strike`."""
    words = " ".join(re.split(r"[-_.\s]+", path.stem)).strip() or path.name
    return words[:1].upper() + words[1:]


def split_passages(report: Report, chunk_chars: int) -> list[Passage]:
    """Sentence-aligned chunks of about `chunk_chars`, each tagged with the heading above it.

    Headings and titles are not inside passages (headings go to `Passage.section`); a report with
    nothing but heading-like lines still yields passages, so it can be found and cited.
    """
    text = report.text
    segments = split_sentences(text)
    if not any(s.kind == "sentence" for s in segments):
        segments = [Segment(s.start, s.end, "sentence") for s in segments]
    chunks: list[tuple[str, list[tuple[int, int]]]] = []
    group: list[tuple[int, int]] = []
    section = ""

    def flush() -> None:
        if group:
            chunks.append((section, list(group)))
            group.clear()

    for seg in segments:
        if seg.kind != "sentence":
            flush()
            heading = " ".join(text[seg.start : seg.end].split())
            if seg.kind == "heading" or heading != report.title:
                section = (
                    heading  # a first line that is not the report's stated title heads a section
                )
        elif seg.end - seg.start > 4 * chunk_chars:
            flush()
            chunks.extend(
                (section, [piece]) for piece in _cut(text, seg.start, seg.end, chunk_chars)
            )
        else:
            if group and seg.end - group[0][0] > chunk_chars:
                flush()
            group.append((seg.start, seg.end))
    flush()
    prefix = f"{report.id}::{report.hash[:12]}"
    return [
        Passage(
            id=f"{prefix}::{i}",
            report_id=report.id,
            start=spans[0][0],
            end=spans[-1][1],
            text=text[spans[0][0] : spans[-1][1]],
            section=sec,
            sentences=tuple(spans),
        )
        for i, (sec, spans) in enumerate(chunks)
    ]


def _cut(text: str, start: int, end: int, size: int) -> Iterator[tuple[int, int]]:
    """Cut an overlong sentence at whitespace into pieces of at most `size` characters."""
    pos = start
    while pos < end:
        if end - pos <= size:
            yield pos, end
            return
        limit = pos + size
        cut = max(text.rfind(ws, pos + 1, limit + 1) for ws in (" ", "\n", "\t"))
        if cut <= pos:
            cut = limit  # no whitespace at all: cut mid-word rather than not at all
        piece_end = cut
        while piece_end > pos and text[piece_end - 1].isspace():
            piece_end -= 1
        yield pos, piece_end
        pos = cut
        while pos < end and text[pos].isspace():
            pos += 1
