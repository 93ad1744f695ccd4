"""Hostile inputs through the real ingest path: each case must be refused with a reason or read,
in a few seconds, however little the file weighs against the work it asks for (issue 14).

    .venv/bin/python benchmarks/bench_hostile.py [--budget 10] [--out FILE]

Each case is written to a temporary folder and goes through `survey` (the folder walk),
`read_report` (the format readers, the size limit of 20 MB) and `split_passages` (the sentence
splitter and the passage cutter at 700 characters), as `assistant ingest` does before embedding.
Embedding is left out: it costs the same per passage for any text, hostile or not (a 512 KB
report is about 750 passages, minutes on a busy CPU). Cases:
- zip bombs: a .docx whose parts overlap (85 KB claiming 5.3 GB), one whose padding part
  deflates 1000:1, one with 5,000 parts;
- HTML nested 100,000 deep (inline and block tags) and 100,000 unclosed paragraphs;
- one 512 KB line of words without a full stop, of abbreviations, of parentheses; 2 MB of
  one word without spaces; 100,000 tiny paragraphs;
- a NUL byte past the first 64 KB, and a text whose tail is binary;
- a folder of link loops (a link to its parent, links to themselves, two ways into one folder).
The script exits with status 1 when a case takes longer than `--budget` seconds or fails
with anything but `UnreadableReport`. The rows are written as JSON to
`benchmarks/results/hostile.json` (or `--out`).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import logging.handlers
import struct
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.errors import UnreadableReport  # noqa: E402
from assistant.ingestion import read_report, split_passages, survey  # noqa: E402

MAX_BYTES = 20 * 1024 * 1024  # the default max_file_mb
CHUNK_CHARS = 700  # the default chunk_chars
HALF_MB = 512 * 1024


def docx_bytes(extra: dict[str, bytes] | None = None) -> bytes:
    """A real .docx made by python-docx, with `extra` parts deflated into its zip."""
    import docx

    document = docx.Document()
    document.add_paragraph("The committee met on Monday. It approved the budget.")
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def with_aliases(data: bytes, member: str, copies: int) -> bytes:
    """`data` with `copies` more central-directory entries for `member`, all naming its one
    compressed stream: the overlapping-entries zip bomb (a small file, gigabytes unpacked)."""
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
        clones += record[:28] + struct.pack("<H", len(name)) + record[30:46] + name
        clones += record[46 + len(member) :]
    fields[3] += copies
    fields[4] += copies
    fields[5] += len(clones)
    return data[:eocd] + clones + struct.pack("<4s4H2LH", *fields)


def overlapping_bomb() -> bytes:
    member = "word/media/image1.bin"
    zeros = docx_bytes({member: bytes(40 * 1024 * 1024)})  # 40 MB of zeros deflate to ~40 KB
    return with_aliases(zeros, member, 134)  # 135 parts x 40 MB = 5.3 GB declared


def line(unit: str, size: int = HALF_MB) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def nested(tag: str, inner: str, depth: int = 100_000) -> str:
    return f"<html><body>{f'<{tag}>{inner}' * depth}{f'</{tag}>' * depth}</body></html>"


def link_loops(folder: Path) -> Path:
    """A folder of reports with a link to its parent, self-links and two ways into one folder."""
    root = folder / "linked"
    for name, text in (("a.txt", "Alpha."), ("real/r.txt", "Real."), ("sub/s.md", "Sub.")):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "sub" / "up").symlink_to("..")
    (root / "self.txt").symlink_to("self.txt")
    (root / "selfdir").symlink_to("selfdir")
    (root / "alias").symlink_to("real")
    return root


CASES: list[tuple[str, str, Callable[[], bytes | str]]] = [
    ("docx: parts overlap", "bomb.docx", overlapping_bomb),
    (
        "docx: padding deflates 1000:1",
        "padded.docx",
        lambda: docx_bytes({"word/media/pad.bin": bytes(100 * 1024 * 1024)}),
    ),
    (
        "docx: 5,000 parts",
        "parts.docx",
        lambda: docx_bytes({f"word/parts/p{i}.xml": b"<a/>" for i in range(5000)}),
    ),
    ("html: 100,000 nested <b>", "b.html", lambda: nested("b", "word ")),
    ("html: 100,000 nested <div>", "div.html", lambda: nested("div", "Row. ")),
    ("html: 100,000 unclosed <p>", "p.html", lambda: "<body>" + "<p>Para. " * 100_000),
    ("512 KB line of words, no full stop", "words.txt", lambda: line("river delta said the ")),
    ("512 KB line of abbreviations", "dots.txt", lambda: line("Dr. U.S. Gen. e.g. J. No. 5 ")),
    ("512 KB line of parentheses", "parens.txt", lambda: line("(a b (c) d (e. The f. ")),
    ("512 KB line of open parentheses", "open.txt", lambda: line("(")),
    ("2 MB word without spaces", "nospace.txt", lambda: line("x", 2 * 1024 * 1024)),
    ("100,000 tiny paragraphs", "tiny.md", lambda: "".join(f"P {i}.\n\n" for i in range(100_000))),
    ("NUL byte past 64 KB", "nul.txt", lambda: b"The council met. " * 4_200 + b"Late\x00 NUL."),
    ("text head, binary tail", "tail.txt", lambda: b"Head. " * 12_000 + bytes(range(32)) * 4_000),
]


def run_case(path: Path) -> str:
    """Read and split one file as ingest does; the outcome in a few words."""
    try:
        report = read_report(path, path.name, MAX_BYTES)
    except UnreadableReport as exc:
        return f"refused: {exc.reason}"
    passages = split_passages(report, CHUNK_CHARS)
    nul = ", no NUL" if b"\x00" in path.read_bytes() and "\x00" not in report.text else ""
    return f"read: {len(report.text):,} chars, {len(passages):,} passages{nul}"


def run_walk(folder: Path) -> str:
    """Walk a folder of link loops and read what it finds; the warnings are counted, not shown."""
    log = logging.getLogger("assistant.ingestion")
    named = logging.handlers.BufferingHandler(capacity=1000)
    log.addHandler(named)
    log.propagate = False
    try:
        found = survey([link_loops(folder)], None)
    finally:
        log.removeHandler(named)
        log.propagate = True
    for path, rid in found.files:
        split_passages(read_report(path, rid, MAX_BYTES), CHUNK_CHARS)
    ids = ", ".join(rid for _, rid in found.files)
    loops = sum(r.levelno >= logging.WARNING for r in named.buffer)
    return f"read {len(found.files)} files ({ids}); {loops} links named as loops and skipped"


def unpacked(data: bytes) -> str:
    """What a zip says it unpacks to, as zipfile reads its directory."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        size = sum(p.file_size for p in archive.infolist())
    gb = size / 1024**3
    return f" ({gb:.1f} GB unpacked)" if gb >= 1 else f" ({size / 1024**2:,.1f} MB unpacked)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--budget", type=float, default=10.0, help="seconds a case may take at most")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "hostile.json")
    args = ap.parse_args()

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench_hostile_") as tmp:
        folder = Path(tmp)
        jobs: list[tuple[str, int, Callable[[], str]]] = []
        for label, name, make in CASES:
            content = make()
            data = content.encode("utf-8") if isinstance(content, str) else content
            (folder / name).write_bytes(data)
            label += unpacked(data) if name.endswith(".docx") else ""
            jobs.append((label, len(data), lambda path=folder / name: run_case(path)))
        jobs.append(("folder with link loops", 0, lambda: run_walk(folder)))
        print("| case | file size | seconds | outcome |")
        print("| --- | ---: | ---: | --- |")
        for label, size, job in jobs:
            started = time.perf_counter()
            try:
                outcome = job()
            except Exception as exc:  # a traceback is a finding: report it and go on
                outcome = f"FAILED: {type(exc).__name__}: {exc}"
            seconds = time.perf_counter() - started
            rows.append({"case": label, "bytes": size, "seconds": seconds, "outcome": outcome})
            shown = f"{size / 1024:,.0f} KB" if size else "-"
            print(f"| {label} | {shown} | {seconds:.2f} | {outcome} |", flush=True)
    slowest = max(rows, key=lambda r: r["seconds"])
    over = [r for r in rows if r["seconds"] > args.budget or r["outcome"].startswith("FAILED")]
    total = sum(r["seconds"] for r in rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    verdict = "all within" if not over else f"{len(over)} over or failed:"
    print(
        f"\n{len(rows)} cases in {total:.1f} s, slowest {slowest['seconds']:.2f} s "
        f"({slowest['case']}); {verdict} the budget of {args.budget:g} s"
        + "".join(f"\n  {r['case']}" for r in over)
    )
    sys.exit(1 if over else 0)


if __name__ == "__main__":
    main()
