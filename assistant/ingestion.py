"""Report files -> `Report` (normalised text + metadata) -> sentence-aligned `Passage`s.

Every offset downstream indexes `Report.text`, so each reader decides once what that text is: for
.txt/.md the decoded file with newlines normalised (quotes stay verbatim substrings of the file),
for .html/.pdf/.docx the extracted text. Unreadable files raise `UnreadableReport` with a short
reason so a batch can report them by name and go on.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from assistant.errors import UnreadableReport
from assistant.sentences import (
    Segment,
    header_metadata,
    leading_title,
    parse_date,
    split_sentences,
)
from assistant.types import Passage, Report

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Segment",
    "discover",
    "read_report",
    "split_passages",
    "split_sentences",
]

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm", ".pdf", ".docx"})
ENCODING_REASON = "not valid UTF-8 text (tried utf-8, utf-16 with BOM, cp1252)"
_BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_HTML_DROP = ["script", "style", "nav", "noscript", "template", "svg", "iframe", "form", "aside"]
_HTML_BLOCKS = frozenset((
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dt", "dd", "blockquote",
    "pre", "section", "article", "header", "footer", "main", "figcaption", "caption", "table",
    "tr", "td", "th", "address", "hr",
))  # fmt: skip


@dataclass(frozen=True)
class _Extracted:
    """What a format reader found: the text plus any metadata the file states itself."""

    text: str
    title: str | None = None
    published: date | None = None
    source: str | None = None


def discover(paths: Sequence[Path], default_root: Path) -> list[tuple[Path, str]]:
    """Expand files and folders into (file, report id) pairs, ids stable across machines.

    A folder inside `default_root` keeps ids relative to the root, so ingesting `corpus/` and
    later `corpus/sub/` names a report the same way; other folders give ids relative to
    themselves. A file argument with an unsupported suffix is kept so `read_report` explains why.
    """
    root = default_root.resolve()
    found: dict[Path, tuple[Path, str]] = {}  # by resolved path: a file named twice is read once
    for arg in paths:
        if not arg.exists():
            raise UnreadableReport(str(arg), "no such file or directory")
        if arg.is_dir():
            folder = arg.resolve()
            prefix = folder.relative_to(root) if folder.is_relative_to(root) else Path()
            for file in _walk(arg):
                rid = (prefix / file.relative_to(arg)).as_posix()
                found.setdefault(file.resolve(), (file, rid))
        else:
            real = arg.resolve()
            rid = real.relative_to(root).as_posix() if real.is_relative_to(root) else arg.name
            found.setdefault(real, (arg, rid))
    return list(found.values())


def _walk(folder: Path) -> Iterator[Path]:
    """Supported files under `folder`, sorted, skipping hidden files/folders and Word lock files."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            skip = name.startswith((".", "~$"))
            if not skip and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                yield Path(dirpath) / name


def read_report(path: Path, report_id: str, max_bytes: int) -> Report:
    """Read one file into a `Report`; `max_bytes` is the size limit (shown in MB of 1024*1024)."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
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
    found = _READERS[suffix](data, report_id)
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
    )


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _tidy(text: str) -> str:
    """Extracted text: newlines normalised, no trailing spaces, at most one blank line in a row."""
    text = _normalise_newlines(text).replace("\x00", "").replace("\f", "\n").replace("\v", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _decode(data: bytes, name: str) -> str:
    """Bytes -> str: UTF-8 (BOM stripped), UTF-16 with a BOM, else cp1252; never binary junk."""
    encodings: tuple[str, ...] = ("utf-8", "cp1252")
    if data.startswith(b"\xef\xbb\xbf"):
        data, encodings = data[3:], ("utf-8",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    elif data.startswith(_BINARY_MAGIC) or b"\x00" in data[:65536]:
        raise UnreadableReport(name, "binary file, not text")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:65536]
        if len(_CONTROL.findall(sample)) > max(2, len(sample) // 200):
            raise UnreadableReport(name, "binary file, not text")
        if encoding == "cp1252" and sum(ord(c) > 127 for c in sample) > len(sample) * 0.3:
            break  # decodes, but mostly accented junk: not a Western text file
        return text.lstrip("\ufeff")
    raise UnreadableReport(name, ENCODING_REASON)


def _title_from_name(path: Path) -> str:
    """A readable title when the file states none: `aleppo-clashes.txt` -> `Aleppo clashes`."""
    words = " ".join(re.split(r"[-_.\s]+", path.stem)).strip() or path.name
    return words[:1].upper() + words[1:]


def _read_text(data: bytes, name: str) -> _Extracted:
    return _Extracted(_normalise_newlines(_decode(data, name)))


def _read_html(data: bytes, name: str) -> _Extracted:
    """Visible text as one block per paragraph/heading/list item, separated by blank lines."""
    from bs4 import BeautifulSoup
    from bs4.element import NavigableString, Tag

    soup = BeautifulSoup(_decode(data, name), "lxml")

    def meta(*keys: str) -> str | None:
        for key in keys:
            for attr in ("property", "name", "itemprop"):
                tag = soup.find("meta", attrs={attr: re.compile(f"^{re.escape(key)}$", re.I)})
                if isinstance(tag, Tag) and str(tag.get("content") or "").strip():
                    return str(tag.get("content")).strip()
        return None

    h1 = soup.find("h1")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    title = title or (h1.get_text(" ", strip=True) if h1 else "")
    time = soup.find("time", attrs={"datetime": True})
    stamp = meta("article:published_time", "datePublished", "date", "pubdate", "dc.date")
    if stamp is None and isinstance(time, Tag):
        stamp = str(time.get("datetime"))
    for tag in soup(_HTML_DROP):
        tag.decompose()
    blocks: list[list[str]] = [[]]
    block_owner: object = None
    for node in (soup.body or soup).descendants:
        if isinstance(node, Tag) and node.name == "br":
            blocks[-1].append("\n")
        if type(node) is not NavigableString:  # comments, doctypes, CDATA are not text
            continue
        owner = next((p for p in node.parents if p.name in _HTML_BLOCKS), None)
        if owner is not block_owner:
            blocks.append([])
            block_owner = owner
        blocks[-1].append(re.sub(r"\s+", " ", str(node)))
    paragraphs = ("\n".join(s.strip() for s in "".join(b).split("\n")) for b in blocks)
    text = "\n\n".join(p.strip() for p in paragraphs if p.strip())
    published = parse_date(stamp) if stamp else None
    return _Extracted(_tidy(text), " ".join(title.split()) or None, published, meta("og:site_name"))


def _read_pdf(data: bytes, name: str) -> _Extracted:
    """Page texts joined by blank lines; a missing %%EOF means the download was cut short."""
    from pypdf import PdfReader

    if b"%PDF-" not in data[:1024] or b"%%EOF" not in data[-2048:]:
        raise UnreadableReport(name, "truncated or damaged PDF")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about every quirk of real-world files
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise UnreadableReport(name, "encrypted PDF")
            pages = [page.extract_text() or "" for page in reader.pages]
            title = reader.metadata.title if reader.metadata else None
    except UnreadableReport:
        raise
    except Exception as exc:  # any parser failure on a damaged file means the same to a user
        raise UnreadableReport(name, "truncated or damaged PDF") from exc
    text = _tidy("\n\n".join(p.strip() for p in pages))
    if not text:
        raise UnreadableReport(name, "PDF has no extractable text (scanned?)")
    title = str(title or "").removeprefix("Microsoft Word - ").strip()
    return _Extracted(text, title if title.lower() not in ("", "untitled") else None)


def _read_docx(data: bytes, name: str) -> _Extracted:
    """Paragraphs and tables (a row per line, cells joined by " | ") in document order.

    Paragraphs are separated by blank lines, not single newlines: a docx paragraph is a real
    paragraph, and the sentence splitter must never glue two together as it does hard wraps.
    """
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[str] = []
        styled_title: str | None = None
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                rows = (dict.fromkeys(c.text.strip() for c in row.cells) for row in item.rows)
                blocks.append("\n".join(" | ".join(c for c in cells if c) for cells in rows))
                continue
            blocks.append(item.text.strip())
            style = item.style.name if item.style is not None else ""
            if style == "Title" and styled_title is None and item.text.strip():
                styled_title = " ".join(item.text.split())
        title = (document.core_properties.title or "").strip() or styled_title
    except Exception as exc:  # zip, XML or package errors all mean the file is damaged
        raise UnreadableReport(name, "damaged .docx") from exc
    return _Extracted(_tidy("\n\n".join(b for b in blocks if b)), title or None)


_READERS: dict[str, Callable[[bytes, str], _Extracted]] = {
    ".txt": _read_text,
    ".md": _read_text,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}


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
