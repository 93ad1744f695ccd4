"""Readers: one function per file format, each registered under its name with its suffixes.

A reader turns a file's bytes into the text every citation offset will index: for .txt/.md the
decoded file with newlines normalised and stray control characters removed (quotes stay verbatim
substrings of the file, but for those), for .html/.pdf/.docx the extracted text. The work is
bounded by what a file holds, not only by its size: zips are checked before they are unpacked,
and HTML is walked once, however deep its nesting. Adding a format is one function plus one
`register_reader`. Readers raise `UnreadableReport` with a short reason so a batch can name the
file and go on.
"""

from __future__ import annotations

import codecs
import io
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, UnreadableReport
from .headers import parse_date
from .registry import Registry
from .types import DateOrigin

if TYPE_CHECKING:
    from bs4.element import Tag

ENCODING_REASON = "not valid UTF-8 text, and no other encoding fits (tried UTF-16, cp1252, cp1256)"
BINARY_REASON = "binary file, not text"
LEGACY_ENCODINGS = ["cp1252", "cp1256"]
"""Code pages tried when a file is not UTF-8 and states no charset: Western and Arabic Windows.
More would make short texts ambiguous (cp1250 reads a cp1252 "naïve" as "naďve")."""
_BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b")
_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
)  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_STRAY = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0e-\x1f\x7f-\x9f]")
"""Control characters (C0 but tab and line breaks, DEL, C1) and whole terminal colour codes, removed
from every report text: no one quotes them, and printed raw they corrupt a terminal or a page."""
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
_ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u066e-\u06d3]")
_ARABIC_CORE = re.compile(r"[\u0621-\u064a]")
_DECLARED = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)""",
    re.IGNORECASE,
)
_HTML_DROP = ["script", "style", "nav", "noscript", "template", "svg", "iframe", "form", "aside"]
_HTML_BLOCKS = frozenset((
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dt", "dd", "blockquote",
    "pre", "section", "article", "header", "footer", "main", "figcaption", "caption", "table",
    "tr", "td", "th", "address", "hr",
))  # fmt: skip
# Zip-based formats (.docx) are checked before anything is unpacked: the file size limit bounds the
# zip, not the work (a 40 KB .docx can unpack to 5 GB). The declared sizes bound what zipfile
# unpacks, so checking them is enough.
HTML_MAX_TAGS = 250_000  # about 10 s of parsing here; a long news page has a few thousand
ZIP_MAX_PARTS = 2000  # a long report with many images has a few hundred parts
ZIP_MAX_RATIO = 100  # document XML deflates 5-30 times, images not at all; a bomb ~1000 times
ZIP_FREE_BYTES = 16 * 1024 * 1024  # unpacking less than this is cheap, whatever the ratio
ZIP_MAX_BYTES = 128 * 1024 * 1024  # python-docx holds every part, and the XML as trees, in memory


@dataclass(frozen=True)
class Extracted:
    """What a format reader found: the text plus any metadata the file states itself."""

    text: str
    title: str | None = None
    published: date | None = None
    source: str | None = None
    pages: tuple[tuple[int, int], ...] = ()  # (offset in text, page number) where pages start
    published_from: DateOrigin = "document"  # what `published` was read from ("html", "pdf")


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _tidy(text: str) -> str:
    """Extracted text: newlines normalised, no control characters, no trailing spaces, at most one
    blank line in a row."""
    text = _STRAY.sub("", _normalise_newlines(text)).replace("\f", "\n").replace("\v", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _decode(data: bytes, name: str, declared: str | None = None) -> str:
    """Bytes -> str, never binary junk: a byte-order mark wins, then the `declared` charset, then
    UTF-8, then what `charset-normalizer` detects (UTF-16 without a mark, `LEGACY_ENCODINGS`).

    Control characters are counted in the whole text, not only its head: many mean binary; a few
    stray ones are removed here, before the text is the one citation offsets index."""
    bom = next(((mark, enc) for mark, enc in _BOMS if data.startswith(mark)), None)
    if bom is None and data.startswith(_BINARY_MAGIC):
        raise UnreadableReport(name, BINARY_REASON)
    if bom is not None:
        encoding: str | None = bom[1]
        data = data[len(bom[0]) :]
    else:
        encoding = declared or _guess(data)
    text = _strict(data, encoding) if encoding else None
    if text is None and declared and not bom:
        raise UnreadableReport(name, f"declares charset {declared} but is not valid {declared}")
    if text is None:
        raise UnreadableReport(
            name, ENCODING_REASON if _looks_textual(data, bom) else BINARY_REASON
        )
    sample = text[:65536]
    if len(_CONTROL.findall(sample)) > _few(len(sample)):
        raise UnreadableReport(name, BINARY_REASON)
    if _STRAY.search(text) is not None:  # rare: most texts cost one scan here, not a copy
        if len(text) - len(_CONTROL.sub("", text)) > _few(len(text)):
            raise UnreadableReport(name, BINARY_REASON)
        text = _STRAY.sub("", text)
    guessed = bom is None and declared is None
    if guessed and not _plausible(sample, encoding or ""):
        raise UnreadableReport(name, ENCODING_REASON)
    return text.lstrip("\ufeff")


def _few(length: int) -> int:
    """Control characters a text of `length` may hold and still be text (0.5%, at least two)."""
    return max(2, length // 200)


def _guess(data: bytes) -> str | None:
    """UTF-8 if it is; with zero bytes, UTF-16 (each ASCII character has one) or nothing (binary);
    else the legacy code page that fits best; None when nothing fits."""
    if b"\x00" in data[:65536]:
        return _detect(data, ["utf_16_le", "utf_16_be"])
    if _strict(data, "utf-8") is not None:
        return "utf-8"
    return _detect(data, LEGACY_ENCODINGS)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(data: bytes, encodings: list[str]) -> str | None:
    """The encoding among `encodings` that `charset-normalizer` finds fits `data`, if any."""
    from charset_normalizer import from_bytes

    found = from_bytes(
        data, cp_isolation=encodings, preemptive_behaviour=False, enable_fallback=False
    ).best()
    return found.encoding if found is not None else None


def _looks_textual(data: bytes, bom: tuple[bytes, str] | None) -> bool:
    """Few control bytes (tested where bytes are characters: not behind a UTF-16/32 mark)."""
    if bom is not None and bom[1] != "utf-8":
        return True
    sample = data[:65536]
    controls = len(_CONTROL_BYTES.findall(sample))
    return b"\x00" not in sample and controls <= _few(len(sample))


def _plausible(sample: str, encoding: str) -> bool:
    """Reject what a code page decodes but no one wrote: mostly accented junk in cp1252, and in
    cp1256 "Arabic" made of the letters at 0x80-0x9F (Persian/Urdu), the stray bytes of a damaged
    Western file."""
    if encoding == "cp1252":
        return sum(ord(c) > 127 for c in sample) <= len(sample) * 0.3
    if encoding == "cp1256":
        arabic = len(_ARABIC_LETTER.findall(sample))
        return arabic == 0 or 2 * len(_ARABIC_CORE.findall(sample)) >= arabic
    return True


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares near its start (meta charset, http-equiv, XML
    declaration), read as browsers read it (ISO-8859-1 and ASCII mean cp1252; UTF-16 declared in
    a head readable as ASCII means nothing); None when none is declared or Python has no codec."""
    found = _DECLARED.search(data[:4096])
    if found is None:
        return None
    label = (found.group(1) or found.group(2)).decode("ascii", "replace").strip().lower()
    if label in ("iso-8859-1", "iso8859-1", "latin1", "latin-1", "ascii", "us-ascii"):
        return "cp1252"
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    return None if codec.startswith(("utf-16", "utf-32")) else label


def _read_text(data: bytes, name: str) -> Extracted:
    return Extracted(_normalise_newlines(_decode(data, name)))


def _read_html(data: bytes, name: str) -> Extracted:
    """Visible text as one block per paragraph/heading/list item, separated by blank lines."""
    from bs4 import BeautifulSoup
    from bs4.element import Tag

    tags = data.count(b"<")
    if tags > HTML_MAX_TAGS:  # parsing is linear, but BeautifulSoup takes ~40 s per million tags
        raise UnreadableReport(
            name, f"HTML with {tags:,} tags, more than {HTML_MAX_TAGS:,}: too costly to parse"
        )
    soup = BeautifulSoup(_decode(data, name, declared_charset(data)), "lxml")
    metas = [t for t in soup.find_all("meta") if isinstance(t, Tag)]  # one pass, not 15

    def meta(*keys: str) -> str | None:
        for key in keys:
            for attr in ("property", "name", "itemprop"):
                match = re.compile(f"^{re.escape(key)}$", re.I).search
                tag = next((t for t in metas if match(str(t.get(attr, "")))), None)
                if tag is not None and str(tag.get("content") or "").strip():
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
    published = parse_date(stamp) if stamp else None
    text = _html_text(soup.body or soup)
    return Extracted(
        _tidy(text), " ".join(title.split()) or None, published, meta("og:site_name"),
        published_from="html",
    )  # fmt: skip


def _html_text(root: Tag) -> str:
    """The text under `root`, a paragraph per block element (the nearest block around a string).

    One pass in document order, each tag's block found from its parent's: linear however deep
    the nesting (looking up each string's ancestors took minutes on 100,000 nested <b>).
    """
    from bs4.element import NavigableString, Tag

    outer = next((p for p in (root, *root.parents) if p.name in _HTML_BLOCKS), None)
    owners: dict[int, object] = {id(root): outer}  # id(tag) -> its nearest block, or None
    blocks: list[list[str]] = [[]]
    block_owner: object = None
    for node in root.descendants:
        parent_owner = owners[id(node.parent)]
        if isinstance(node, Tag):
            owners[id(node)] = node if node.name in _HTML_BLOCKS else parent_owner
            if node.name == "br":
                blocks[-1].append("\n")
            continue
        if type(node) is not NavigableString:  # comments, doctypes, CDATA are not text
            continue
        if parent_owner is not block_owner:
            blocks.append([])
            block_owner = parent_owner
        blocks[-1].append(re.sub(r"\s+", " ", str(node)))
    paragraphs = ("\n".join(s.strip() for s in "".join(b).split("\n")) for b in blocks)
    return "\n\n".join(p.strip() for p in paragraphs if p.strip())


def _read_pdf(data: bytes, name: str) -> Extracted:
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
            published = _pdf_date(reader)
    except UnreadableReport:
        raise
    except Exception as exc:  # any parser failure on a damaged file means the same to a user
        raise UnreadableReport(name, "truncated or damaged PDF") from exc
    parts: list[str] = []
    starts: list[tuple[int, int]] = []
    offset = 0
    for number, page in enumerate(pages, 1):  # each page tidied alone, so its offset is exact
        tidy = _tidy(page)
        if tidy:
            starts.append((offset, number))
            parts.append(tidy)
            offset += len(tidy) + 2
    text = "\n\n".join(parts)
    if not text:
        raise UnreadableReport(name, "PDF has no extractable text (scanned?)")
    title = str(title or "").removeprefix("Microsoft Word - ").strip()
    return Extracted(
        text,
        title if title.lower() not in ("", "untitled") else None,
        published,
        pages=tuple(starts),
        published_from="pdf",
    )


def _pdf_date(reader: Any) -> date | None:
    """The PDF's creation date from its document properties (a damaged one is no date)."""
    try:
        made = reader.metadata.creation_date if reader.metadata else None
    except Exception:  # pypdf raises on malformed date strings
        return None
    return made.date() if made is not None else None


def _read_docx(data: bytes, name: str) -> Extracted:
    """Paragraphs and tables (a row per line, cells joined by " | ") in document order.

    Paragraphs are separated by blank lines, not single newlines: a docx paragraph is a real
    paragraph, and the sentence splitter must never glue two together as it does hard wraps.
    """
    import docx
    from docx.table import Table

    _check_zip(data, name)
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
    return Extracted(_tidy("\n\n".join(b for b in blocks if b)), title or None)


def _check_zip(data: bytes, name: str) -> None:
    """Refuse a zip that would unpack to far more than its size (a zip bomb), before unpacking:
    too many parts, parts sharing their bytes, or more than `ZIP_FREE_BYTES` at more than
    `ZIP_MAX_RATIO` times the file's size (never more than `ZIP_MAX_BYTES`). A zip that cannot
    be opened passes: the format's reader says how it is damaged."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    if len(parts) > ZIP_MAX_PARTS:
        raise UnreadableReport(name, f"zip holds {len(parts):,} parts, more than {ZIP_MAX_PARTS:,}")
    if sum(p.compress_size for p in parts) > len(data):
        raise UnreadableReport(name, "zip parts overlap, so it unpacks to far more than its size")
    unpacked = sum(p.file_size for p in parts)
    allowed = min(ZIP_MAX_BYTES, max(ZIP_FREE_BYTES, ZIP_MAX_RATIO * len(data)))
    if unpacked > allowed:
        raise UnreadableReport(
            name, f"unpacks to {_mb(unpacked)} from {_mb(len(data))}: more than {_mb(allowed)}"
        )


def _mb(size: int) -> str:
    return f"{size / 1048576:,.1f} MB"


ReadFn = Callable[[bytes, str], Extracted]
"""(file bytes, report id for messages) -> extracted text and metadata."""


@dataclass(frozen=True)
class Reader:
    """A file format: the suffixes it claims and the function that reads it."""

    suffixes: tuple[str, ...]
    read: ReadFn


def _builtins(registry: Registry[Reader]) -> None:
    for name, suffixes, read in (
        ("text", (".txt",), _read_text),
        ("markdown", (".md",), _read_text),
        ("html", (".html", ".htm"), _read_html),
        ("pdf", (".pdf",), _read_pdf),
        ("docx", (".docx",), _read_docx),
    ):
        registry.register(name, Reader(suffixes, read))


READERS: Registry[Reader] = Registry("reader", _builtins)
"""The reader seam: ingestion, the UI's upload filter and the docs read it."""


def register_reader(name: str, suffixes: tuple[str, ...], read: ReadFn) -> None:
    """Teach ingestion a new format (suffixes are matched case-insensitively, with the dot)."""
    taken = {s for n in READERS for s in READERS.get(n).suffixes if n != name}
    clash = sorted(taken & {s.lower() for s in suffixes})
    if clash:
        raise ConfigError(f"suffix {', '.join(clash)} already has a reader")
    READERS.register(name, Reader(tuple(s.lower() for s in suffixes), read), replace=True)


def reader_for(suffix: str) -> Reader | None:
    """The reader claiming this suffix (".PDF" works too), or None."""
    suffix = suffix.lower()
    return next((r for n in READERS if suffix in (r := READERS.get(n)).suffixes), None)


def supported_suffixes() -> frozenset[str]:
    """Every suffix some reader claims."""
    return frozenset(s for n in READERS for s in READERS.get(n).suffixes)
