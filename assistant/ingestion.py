"""Report files -> `Report` (normalised text + metadata) -> sentence-aligned `Passage`s.

Every offset downstream indexes `Report.text`, so each reader decides once what that text is: for
.txt/.md the decoded file with newlines normalised (quotes stay verbatim substrings of the file),
for .html/.pdf/.docx the extracted text. Unreadable files raise `UnreadableReport` with a short
reason so a batch can report them by name and go on.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .aliases import learn_aliases, learn_names
from .dating import date_passages
from .errors import UnreadableReport
from .headers import header_metadata, leading_title, publication_date
from .readers import reader_for, supported_suffixes
from .sentences import Segment, split_sentences
from .store import passage_id
from .types import Passage, Report

__all__ = [
    "Segment",
    "Survey",
    "discover",
    "read_report",
    "split_passages",
    "split_sentences",
    "survey",
]

log = logging.getLogger(__name__)


@dataclass
class Survey:
    """What the paths given hold: the files to read (with their report ids), which paths given
    were files, the folders given (with the id prefix of their reports: `prune` forgets reports
    only there), and what could not be listed, with the id prefixes where nothing may be pruned."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    file_args: list[Path] = field(default_factory=list)
    folders: list[tuple[Path, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    blocked_paths: list[Path] = field(default_factory=list)

    def gone(self, stored: Mapping[str, str]) -> list[str]:
        """Stored ids (-> origin path, "" if unknown) whose files are gone: from a folder given,
        not found there, not under a folder that could not be listed, and no file at their path
        (an unlisted file is kept). A report's recorded origin decides where it came from; ids
        are read as paths below the folders given only for reports stored without one."""
        found = {rid for _, rid in self.files}
        gone = []
        folders = [Path(os.path.abspath(folder)) for folder, _ in self.folders]
        for rid in sorted(set(stored) - found):
            if stored[rid]:
                origin = Path(stored[rid])
                if (
                    any(origin.is_relative_to(f) for f in folders)
                    and not any(origin.is_relative_to(b) for b in self.blocked_paths)
                    and not _present(origin)
                ):
                    gone.append(rid)
                continue
            covering = [(folder, prefix) for folder, prefix in self.folders if _under(rid, prefix)]
            if not covering or any(_under(rid, prefix) for prefix in self.blocked):
                continue
            if not any(_present(folder / _below(rid, prefix)) for folder, prefix in covering):
                gone.append(rid)
        return gone


def survey(
    paths: Sequence[Path], default_root: Path | None, known: Mapping[str, str] | None = None
) -> Survey:
    """Expand files and folders into (file, report id) pairs, ids stable across machines.

    A folder inside `default_root` keeps ids relative to the root, so ingesting `corpus/` and
    later `corpus/sub/` names a report the same way; other folders give ids relative to
    themselves. Two files of one run that would share an id get the name of the folder given
    (or of their own folder, for a file given) in front. A file `known` already (its resolved
    path -> the id it is stored under) keeps that id, however it is given. A file argument with
    an unsupported suffix is kept so `read_report` explains why. A missing path, or a folder that
    cannot be listed, is a failure named with its reason.
    """
    root = default_root.resolve() if default_root is not None else None
    # by resolved path (a file named twice is read once): (file, id, name of the root it came from)
    found: dict[Path, tuple[Path, str, str]] = {}
    result = Survey()
    for arg in paths:
        try:
            kind = "folder" if arg.is_dir() else "file" if arg.exists() else None
        except OSError as exc:  # a path inside a folder that cannot be searched
            result.failed.append((str(arg), (exc.strerror or "cannot be read").lower()))
            continue
        if kind is None:
            result.failed.append((str(arg), "no such file or directory"))
        elif kind == "folder":
            folder = arg.resolve()
            prefix = folder.relative_to(root) if root and folder.is_relative_to(root) else Path()
            result.folders.append((arg, _posix(prefix)))
            errors: list[OSError] = []
            outside = "" if root and folder.is_relative_to(root) else folder.name
            for file in _walk(arg, errors.append):
                rid = (prefix / file.relative_to(arg)).as_posix()
                found.setdefault(file.resolve(), (file, rid, outside))
            for error in errors:
                where = Path(os.fsdecode(error.filename or arg))
                reason = (error.strerror or "cannot be listed").lower()
                result.failed.append((os.path.join(where, ""), f"cannot read folder: {reason}"))
                result.blocked_paths.append(Path(os.path.abspath(where)))
                inside = where.is_relative_to(arg)  # else block the whole folder given
                result.blocked.append(_posix(prefix / where.relative_to(arg) if inside else prefix))
        else:
            result.file_args.append(arg)
            real = arg.resolve()
            inside = root is not None and real.is_relative_to(root)
            rid = real.relative_to(root).as_posix() if root and inside else arg.name
            found.setdefault(real, (arg, rid, "" if inside else real.parent.name))
    result.files = _unique_ids(found, known or {}, result.failed)
    return result


def _unique_ids(
    found: Mapping[Path, tuple[Path, str, str]],
    known: Mapping[str, str],
    failed: list[tuple[str, str]],
) -> list[tuple[Path, str]]:
    """One id per file: a stored file keeps its id; files of one run that would share an id get
    their root's name in front; a clash that remains is a named failure, never a silent drop."""
    ids = {real: known.get(str(real)) or rid for real, (_, rid, _) in found.items()}
    sharing = Counter(ids.values())
    for real, (_, rid, root_name) in found.items():
        if sharing[ids[real]] > 1 and root_name and str(real) not in known:
            ids[real] = f"{root_name}/{rid}"
    out: list[tuple[Path, str]] = []
    by_id: dict[str, Path] = {}
    for real, (file, _, _) in found.items():
        rid = ids[real]
        bad = _bad_name(rid)
        if bad:
            failed.append((os.fsencode(file).decode("utf-8", "backslashreplace"), bad))
        elif rid in by_id:
            failed.append((str(file), _same_id(rid, by_id[rid])))
        else:
            by_id[rid] = file
            out.append((file, rid))
    return out


_SURROGATE = re.compile("[\udc80-\udcff]")  # bytes a file name held that are not UTF-8
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _bad_name(report_id: str) -> str | None:
    """Why a file name cannot be a report id: ids are printed, typed back (`remove ID`) and
    stored as UTF-8, so they hold neither undecodable bytes nor invisible control characters."""
    if _SURROGATE.search(report_id):
        return "file name is not valid UTF-8: rename it"
    if _UNPRINTABLE.search(report_id):
        return (
            "file name holds control characters (a line break, escape or direction mark): rename it"
        )
    return None


def _same_id(report_id: str, first: Path) -> str:
    return (
        f"its report id '{report_id}' is taken in this run by {first}, also with its folder's name "
        "in front: ingest the two from a common parent folder (ids are paths below the folder given)"
    )


def discover(paths: Sequence[Path], default_root: Path | None) -> list[tuple[Path, str]]:
    """The files of `survey`; a path it could not list raises `UnreadableReport` naming it."""
    found = survey(paths, default_root)
    if found.failed:
        raise UnreadableReport(*found.failed[0])
    return found.files


def _walk(folder: Path, onerror: Callable[[OSError], None]) -> Iterator[Path]:
    """Supported files under `folder`, sorted, skipping hidden files/folders and Word lock files;
    a folder that cannot be listed goes to `onerror` (and the walk goes on elsewhere).

    Links are followed once, after the real tree, so a file reached both ways has the id of its
    real path. A folder already walked (a link back up, or a second way to one folder) is skipped
    and a link loop is named in a warning: the walk always ends, and no file is read twice.
    """
    suffixes = supported_suffixes()
    walked: set[tuple[int, int]] = set()  # (device, inode) of every folder walked
    links: list[Path] = []  # links met on the way, grows while they are followed
    yield from _walk_tree(folder, suffixes, walked, links, onerror)
    while links:
        link = links.pop(0)
        kind = _follow(link, walked)
        if kind == "folder":
            yield from _walk_tree(link, suffixes, walked, links, onerror)
        elif kind == "file" and link.suffix.lower() in suffixes:
            yield link


def _walk_tree(
    top: Path,
    suffixes: frozenset[str],
    walked: set[tuple[int, int]],
    links: list[Path],
    onerror: Callable[[OSError], None],
) -> Iterator[Path]:
    """The real files under `top`; links found are added to `links`, not entered."""
    for dirpath, dirnames, filenames in os.walk(top, onerror=onerror):
        here = Path(dirpath)
        try:
            info = os.stat(here)
        except OSError:
            pass  # gone since it was listed: nothing below it is walked twice
        else:
            if (info.st_dev, info.st_ino) in walked:  # a mount of a folder above it
                dirnames.clear()
                continue
            walked.add((info.st_dev, info.st_ino))
        dirs = sorted(d for d in dirnames if not d.startswith("."))
        files = sorted(f for f in filenames if not f.startswith((".", "~$")))
        linked = {n for n in (*dirs, *files) if os.path.islink(here / n)}
        links.extend(here / n for n in sorted({*dirs, *files}) if n in linked)
        dirnames[:] = [d for d in dirs if d not in linked]
        for name in files:
            if name not in linked and Path(name).suffix.lower() in suffixes:
                yield here / name


def _follow(link: Path, walked: set[tuple[int, int]]) -> str | None:
    """What `link` leads to: "folder" (walk it), "file" (read it; a dangling link too, reading
    names it) or None (skip it: a loop, or a folder walked already)."""
    try:
        info = os.stat(link)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            return "file"
        log.warning("skipped %s: the link loops", link)
        return None
    if not stat.S_ISDIR(info.st_mode):
        return "file"
    if (info.st_dev, info.st_ino) not in walked:
        return "folder"
    target = Path(os.path.realpath(link))
    if Path(os.path.realpath(link.parent)).is_relative_to(target):
        log.warning("skipped %s: a link to %s, which holds it (a loop)", link, target)
    else:
        log.info("skipped %s: a link to %s, read already", link, target)
    return None


def _posix(path: Path) -> str:
    """An id prefix: "" for the top of the id space, else "a/b"."""
    text = path.as_posix()
    return "" if text == "." else text


def _under(report_id: str, prefix: str) -> bool:
    """Whether the id lies in the folder the prefix names (a name it merely begins with does not)."""
    return prefix == "" or report_id.startswith(prefix + "/")


def _below(report_id: str, prefix: str) -> str:
    return report_id[len(prefix) + 1 :] if prefix else report_id


def _present(path: Path) -> bool:
    """False only when the OS says there is no such file; a path it cannot check is present."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except (OSError, ValueError):
        pass  # cannot tell: the report stays
    return True


MAX_TITLE = 300
"""Characters of a title kept: it heads every passage sent to the embedder, so an unbounded one
(an HTML <title> or PDF metadata of any length) would slow every passage of its report."""


def read_report(path: Path, report_id: str, max_bytes: int) -> Report:
    """Read one file into a `Report`; `max_bytes` is the size limit (shown in MB of 1024*1024)."""
    suffix = path.suffix.lower()
    reader = reader_for(suffix)
    if reader is None:
        raise UnreadableReport(report_id, f"unsupported format {suffix or '(no extension)'}")
    try:
        data, modified = _read_bounded(path, report_id, max_bytes)
    except FileNotFoundError as exc:
        raise UnreadableReport(report_id, "no such file or directory") from exc
    except PermissionError as exc:
        raise UnreadableReport(report_id, "permission denied") from exc
    except OSError as exc:
        raise UnreadableReport(report_id, (exc.strerror or "cannot be read").lower()) from exc
    if not data.strip():
        raise UnreadableReport(report_id, "empty file")
    try:
        found = reader.read(data, report_id)
    except RecursionError as exc:  # a parser that recurses on nesting: a reason, not a traceback
        raise UnreadableReport(report_id, "nested too deeply to read") from exc
    text = found.text
    if not text.strip():
        reason = "empty file" if suffix in (".txt", ".md") else "no text after extraction"
        raise UnreadableReport(report_id, reason)
    header = header_metadata(text)
    published, published_from = publication_date(
        header, found.published, found.published_from, modified
    )
    title = " ".join((found.title or leading_title(text) or _title_from_name(path)).split())
    return Report(
        id=report_id,
        title=title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1].rstrip() + "…",
        text=text,
        hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        published=published,
        source=found.source or header.source,
        aliases=tuple(learn_aliases(text)),
        names=tuple(learn_names(text)),
        pages=found.pages,
        published_from=published_from,
    )


def _read_bounded(path: Path, report_id: str, max_bytes: int) -> tuple[bytes, float]:
    """The file's bytes and modification time, from one open file that is checked to be a
    regular one (a FIFO would block for ever, a device never ends) and read no further than the
    size limit (a file that grows after it was listed is refused, not read past the limit)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            raise UnreadableReport(report_id, "is a directory")
        if not stat.S_ISREG(mode):
            raise UnreadableReport(report_id, "not a regular file (a pipe, socket or device)")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UnreadableReport(report_id, f"file is larger than {max_bytes / 1048576:.1f} MB")
    return data, info.st_mtime


def _title_from_name(path: Path) -> str:
    """A readable title when the file states none: `harbour-strike.txt` -> `Harbour strike`."""
    words = " ".join(re.split(r"[-_.\s]+", path.stem)).strip() or path.name
    return words[:1].upper() + words[1:]


def split_passages(report: Report, chunk_chars: int, version: str | None = None) -> list[Passage]:
    """Sentence-aligned chunks of about `chunk_chars`, each tagged with the heading above it and
    holding the event dates of its sentences (dating.py); ids name the `version` being written
    (the content hash by default).

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
    passages = [
        Passage(
            id=passage_id(report.id, version or report.hash[:12], i),
            report_id=report.id,
            start=spans[0][0],
            end=spans[-1][1],
            text=text[spans[0][0] : spans[-1][1]],
            section=sec,
            sentences=tuple(spans),
            pages=_pages_within(report.pages, spans[0][0], spans[-1][1]),
        )
        for i, (sec, spans) in enumerate(chunks)
    ]
    return date_passages(text, passages, report.published, report.published_from)


def _pages_within(
    pages: tuple[tuple[int, int], ...], start: int, end: int
) -> tuple[tuple[int, int], ...]:
    """The page `start` lies on and the pages that begin before `end`."""
    before = [p for p in pages if p[0] <= start][-1:]
    return tuple(before + [p for p in pages if start < p[0] < end])


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
