"""The lexical index's snapshot file: named arrays in one flat file, memory-mapped when read.

A million passages make a few hundred MB of postings; reading them into memory (or unpickling
lists) took most of a cold start. Here a new process maps the file and touches only the pages of the
words it is asked about. Layout: `MAGIC`, the header's length (8 bytes, little-endian), a JSON
header (format version, each array's offset, dtype, length and CRC-32, and the caller's metadata),
then the arrays, each aligned to 64 bytes. The file is written beside its final name and renamed
over it, so a reader sees the old file or the new one, never half of one.

Damage is found in two steps: `read` checks the structure (magic, header, sizes: a truncated or
overwritten file fails here), and `verify` the checksums, which means reading every page; the index
runs it on a background thread so a question does not wait for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"BM25SNAP"
ALIGN = 64


class SnapshotDamaged(ValueError):
    """The file is not a whole snapshot (cut short, overwritten, or another format)."""


def _padded(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


def write(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any], version: int) -> None:
    """Write `arrays` and `meta` atomically (an OSError leaves no partial file behind)."""
    sections: dict[str, dict[str, Any]] = {}
    offset = 0
    for name, arr in arrays.items():
        arr = np.ascontiguousarray(arr)
        arrays[name] = arr
        sections[name] = {
            "offset": offset,
            "dtype": arr.dtype.str,
            "count": int(arr.size),
            "crc": zlib.crc32(_bytes(arr)),
        }
        offset = _padded(offset + arr.nbytes)
    header = json.dumps({"version": version, "sections": sections, "meta": meta}).encode()
    start = _padded(len(MAGIC) + 8 + len(header))
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(MAGIC + len(header).to_bytes(8, "little") + header)
            for name, arr in arrays.items():
                f.seek(start + sections[name]["offset"])
                f.write(_bytes(arr))
            f.truncate(start + offset)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@dataclass(frozen=True)
class Snapshot:
    """What `read` found: the format version, arrays (read-only views of one memory map), the
    caller's metadata and each array's checksum as written."""

    version: int
    arrays: dict[str, np.ndarray]
    meta: dict[str, Any]
    crcs: dict[str, int]


def read(path: Path) -> Snapshot:
    """The snapshot at `path`, mapped; raises `SnapshotDamaged` when its structure does not hold
    together (an OSError when it cannot be opened)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        if f.read(len(MAGIC)) != MAGIC:
            raise SnapshotDamaged("it does not start as a snapshot does")
        length = int.from_bytes(f.read(8), "little")
        if length > size:
            raise SnapshotDamaged("its header is cut short")
        try:
            header = json.loads(f.read(length))
            sections = {str(k): dict(v) for k, v in header["sections"].items()}
            start = _padded(len(MAGIC) + 8 + length)
            end = start + max(
                (_padded(s["offset"] + _nbytes(s)) for s in sections.values()), default=0
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SnapshotDamaged(f"its header is unreadable ({exc})") from None
    if end != size:
        raise SnapshotDamaged(f"it holds {size:,} bytes where its header says {end:,}")
    mapped = np.memmap(path, dtype=np.uint8, mode="r")
    arrays = {
        name: mapped[start + s["offset"] : start + s["offset"] + _nbytes(s)].view(s["dtype"])
        for name, s in sections.items()
    }
    crcs = {name: int(s["crc"]) for name, s in sections.items()}
    return Snapshot(int(header.get("version", 0)), arrays, dict(header.get("meta", {})), crcs)


def _nbytes(section: dict[str, Any]) -> int:
    return int(section["count"]) * int(np.dtype(section["dtype"]).itemsize)


def _bytes(arr: np.ndarray) -> memoryview:
    """An array's memory as bytes, without copying it (for writing and checksums)."""
    view: memoryview = np.ascontiguousarray(arr).reshape(-1).view(np.uint8).data
    return view


def verify(snapshot: Snapshot) -> str | None:
    """The name of the first array whose checksum differs from the one written, else None."""
    for name, arr in snapshot.arrays.items():
        if zlib.crc32(_bytes(arr)) != snapshot.crcs[name]:
            return name
    return None
