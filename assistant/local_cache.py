"""What one machine keeps about a store to start fast, never shared and never trusted blindly:
where the lexical index's snapshot lives, and the registry as last read, keyed by the store's
generation token.

The registry of a million passages lists some 300k reports, and reading them back from Chroma takes
longer than a cold `ask` may. Every commit and removal changes the generation token (before its
registry write as well as after it), so a cache whose token is still the store's lists exactly the
committed reports; any other token means it is read again (and rewritten) from the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import zlib
from collections.abc import Collection, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from .config import Settings
from .store import ReportRecord

log = logging.getLogger(__name__)

FORMAT = 3
WORTH_CACHING = 1000
"""Reports below which the registry is read from the store every time (it takes milliseconds)."""


def _folder_and_tag(settings: Settings) -> tuple[Path, str]:
    if not settings.chroma_url:
        return settings.data_dir / "chroma", settings.collection
    server = hashlib.sha256(settings.chroma_url.rstrip("/").encode()).hexdigest()[:12]
    return settings.data_dir / "lexical", f"{server}-{settings.collection}"


def lexical_snapshot_path(settings: Settings) -> Path:
    """Beside an embedded store; for a server, under the data folder and named after the
    server's URL and the collection, so each machine (and each server it uses) keeps its own."""
    folder, tag = _folder_and_tag(settings)
    return folder / f"lexical-{tag}.bm25"


def registry_cache_path(settings: Settings) -> Path:
    folder, tag = _folder_and_tag(settings)
    return folder / f"registry-{tag}.json"


def _row(r: ReportRecord) -> list[Any]:
    return [r.id, r.title, r.hash, r.passages, r.published.isoformat() if r.published else "",
            r.source, r.aliases, r.names, r.version, r.origin, r.published_from,
            r.ingest_version]  # fmt: skip


def _record(row: list[Any]) -> ReportRecord:
    rid, title, hash_, passages, published, source, aliases, names, version, origin, *rest = row
    published_from, ingest_version = rest
    return ReportRecord(
        rid, title, hash_, passages, date.fromisoformat(published) if published else None,
        source, tuple((a, b) for a, b in aliases), tuple(names), version, origin,
        published_from, ingest_version,
    )  # fmt: skip


class CachedRecords(Mapping[str, ReportRecord]):
    """The registry read from the cache file, each record parsed on first use.

    A question needs every id (is this hit still committed?), every version (is the lexical index
    current?) and the names reports define (aliases), but only a few whole records: the hits'.
    Parsing all 293k records of a 1M-passage store cost 2-3 s of every cold `ask`; ids, versions and
    names are kept apart instead (names only for reports that define any: a list per report cost
    0.3 s), and a record's row waits as bytes until asked for.
    """

    def __init__(
        self,
        ids: list[str],
        versions: list[str],
        origins: list[str],
        names: dict[str, Any],
        rows: list[bytes],
    ) -> None:
        self._index = dict(zip(ids, range(len(ids)), strict=True))
        self._ids, self._versions, self._origins = ids, versions, origins
        self._names, self._rows = names, rows
        self._parsed: dict[int, ReportRecord] = {}

    def __getitem__(self, report_id: str) -> ReportRecord:
        i = self._index[report_id]
        rec = self._parsed.get(i)
        if rec is None:
            rec = self._parsed[i] = _record(json.loads(self._rows[i]))
        return rec

    def __contains__(self, report_id: object) -> bool:
        return report_id in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def columns(self) -> tuple[list[str], list[str], list[str], dict[str, Any], list[bytes]]:
        """Ids, versions, origins, names and rows, as the cache file stores them."""
        return self._ids, self._versions, self._origins, self._names, self._rows

    def origins(self) -> dict[str, str]:
        return {origin: rid for rid, origin in zip(self._ids, self._origins, strict=True) if origin}

    def versions(self) -> dict[str, str]:
        return dict(zip(self._ids, self._versions, strict=True))

    def alias_sources(self) -> tuple[list[tuple[str, str]], list[str]]:
        defined = self._names.values()
        pairs = [(a, b) for rec_pairs, _ in defined for a, b in rec_pairs]
        return pairs, [name for _, rec_names in defined for name in rec_names]

    def changed(
        self, stored: Mapping[str, ReportRecord], removed: Collection[str]
    ) -> CachedRecords:
        """A new registry with these records stored (in place, or added at the end) and these
        removed, without parsing the others."""
        keep = [i for i, rid in enumerate(self._ids) if rid not in removed]
        ids = [self._ids[i] for i in keep]
        versions, rows = [self._versions[i] for i in keep], [self._rows[i] for i in keep]
        origins = [self._origins[i] for i in keep]
        names = {rid: v for rid, v in self._names.items() if rid not in removed}
        at = {rid: n for n, rid in enumerate(ids)}
        for rid, rec in stored.items():
            if rid in at:
                versions[at[rid]], rows[at[rid]] = rec.version, _line(rec)
                origins[at[rid]] = rec.origin
            else:
                ids.append(rid)
                versions.append(rec.version)
                origins.append(rec.origin)
                rows.append(_line(rec))
            names.pop(rid, None)
            if rec.aliases or rec.names:
                names[rid] = _names(rec)
        return CachedRecords(ids, versions, origins, names, rows)


def _names(r: ReportRecord) -> list[Any]:
    return [[list(pair) for pair in r.aliases], list(r.names)]


def _line(r: ReportRecord) -> bytes:
    return json.dumps(_row(r), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def with_changes(
    records: Mapping[str, ReportRecord],
    stored: Mapping[str, ReportRecord],
    removed: Collection[str] = (),
) -> Mapping[str, ReportRecord]:
    """A new registry object (holders of the old one see that it changed) after a commit or a
    removal this process made itself."""
    if isinstance(records, CachedRecords):
        return records.changed(stored, removed)
    out = {rid: rec for rid, rec in records.items() if rid not in removed}
    out.update(stored)
    return out


def load_records(path: Path, generation: str) -> Mapping[str, ReportRecord] | None:
    """The cached registry if it was read at this generation, else None."""
    try:
        with open(path, "rb") as f:
            head = json.loads(f.readline())
            if head.get("format") != FORMAT or head.get("generation") != generation:
                return None
            body = f.read()
        if zlib.crc32(body) != head["crc32"]:
            raise ValueError("checksum mismatch")
        lines = body.split(b"\n")
        ids, versions, origins, names = (json.loads(line) for line in lines[:4])
        rows = lines[4:]
        if not len(ids) == len(versions) == len(origins) == len(rows) == head["reports"]:
            raise ValueError("the columns disagree on the number of reports")
        if not isinstance(names, dict):
            raise ValueError("the names are not a mapping")
        return CachedRecords(ids, versions, origins, names, rows)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:  # damaged: read the store instead
        log.warning("the registry cache %s is unreadable (%s): reading the store", path, exc)
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def save_records(path: Path, generation: str, records: Mapping[str, ReportRecord]) -> None:
    """Write the registry as read at `generation` (atomically; a failure only costs speed): a
    header line, then the ids, the versions, the files they were read from and the names reports
    define (by report id), one JSON line each, then one line per record (JSON escapes every newline inside a string)."""
    if not generation or len(records) < WORTH_CACHING:
        return
    if isinstance(records, CachedRecords):  # as read, plus this process's changes: no parsing
        ids, versions, origins, names, rows = records.columns()
    else:
        recs = list(records.values())
        ids, versions = [r.id for r in recs], [r.version for r in recs]
        origins = [r.origin for r in recs]
        names, rows = {r.id: _names(r) for r in recs if r.aliases or r.names}, [*map(_line, recs)]
    body = b"\n".join(
        [
            *(
                json.dumps(c, ensure_ascii=False).encode("utf-8")
                for c in (ids, versions, origins, names)
            ),
            *rows,
        ]
    )
    head = {"format": FORMAT, "generation": generation, "reports": len(ids),
            "crc32": zlib.crc32(body)}  # fmt: skip
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(json.dumps(head).encode() + b"\n" + body)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not save the registry cache %s: %s", path, exc)
        with contextlib.suppress(OSError):
            tmp.unlink()


def versions_of(records: Mapping[str, ReportRecord]) -> dict[str, str]:
    """Each committed report's version, without parsing every cached record."""
    if isinstance(records, CachedRecords):
        return records.versions()
    return {rid: r.version for rid, r in records.items()}


def origins_of(records: Mapping[str, ReportRecord]) -> dict[str, str]:
    """The report id of each file the registry knows by its path (what ingest needs of every
    report), without parsing every cached record."""
    if isinstance(records, CachedRecords):
        return records.origins()
    return {rec.origin: rid for rid, rec in records.items() if rec.origin}


def alias_sources(
    records: Mapping[str, ReportRecord],
) -> tuple[list[tuple[str, str]], list[str]]:
    """The alias pairs and names every report defines, in registry order (what `AliasTable`
    is built from), without parsing every cached record."""
    if isinstance(records, CachedRecords):
        return records.alias_sources()
    recs = records.values()
    return [pair for r in recs for pair in r.aliases], [name for r in recs for name in r.names]
