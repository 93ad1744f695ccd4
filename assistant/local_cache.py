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
from datetime import date
from pathlib import Path
from typing import Any

from .config import Settings
from .store import ReportRecord

log = logging.getLogger(__name__)

FORMAT = 1
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


def load_records(path: Path, generation: str) -> dict[str, ReportRecord] | None:
    """The cached registry if it was read at this generation, else None."""
    try:
        with open(path, "rb") as f:
            data = json.load(f)
        if data.get("format") != FORMAT or data.get("generation") != generation:
            return None
        return {row[0]: _record(row) for row in data["reports"]}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:  # damaged: read the store instead
        log.warning("the registry cache %s is unreadable (%s): reading the store", path, exc)
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def save_records(path: Path, generation: str, records: dict[str, ReportRecord]) -> None:
    """Write the registry as read at `generation` (atomically; a failure only costs speed)."""
    if not generation or len(records) < WORTH_CACHING:
        return
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    data = {"format": FORMAT, "generation": generation,
            "reports": [_row(r) for r in records.values()]}  # fmt: skip
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as f:  # dumps: json.dump encodes in Python
            f.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not save the registry cache %s: %s", path, exc)
        with contextlib.suppress(OSError):
            tmp.unlink()
