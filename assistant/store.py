"""The store seam: what ingestion and retrieval need from a vector store, and the registry of
implementations (Chroma, embedded or server, is the built-in one; another deployment or engine
plugs in here with one registration and `ASSISTANT_STORE=<name>`).

A store keeps two things in step: passages with their vectors, and a registry of committed reports
(text, hash, metadata). Every write of a report is a *version*: its passages are written under ids
of that version (content hash plus a random tag, so two writers never share ids), then the registry
entry flips to it compare-and-set, and only then is the version it replaced deleted. Retrieval only
trusts passages of the version the registry names, so an interrupted or lost write is invisible,
and nobody deletes passages of a version that is, or may still become, the current one.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import numpy as np

from .config import Settings
from .registry import Registry
from .types import DateOrigin, Passage, Report

INGEST_VERSION = 2
"""What an ingest computes from a report's text beyond its passages: 1 before publication-date
origins and event dates (dating.py), 2 since. Bump it when ingest learns to compute more: every
stored report is then read again once (its unchanged passages embed from the vector cache)."""


@dataclass(frozen=True)
class ReportRecord:
    """A committed report as the registry knows it (its text is fetched separately, on demand)."""

    id: str
    title: str
    hash: str
    passages: int
    published: date | None = None
    source: str | None = None
    aliases: tuple[tuple[str, str], ...] = ()
    names: tuple[str, ...] = ()
    version: str = ""
    """Which write of the report is current: its passages carry the same token. Stores written
    before versions existed use the content hash, which every check below treats alike."""
    origin: str = ""
    """The file it was read from (absolute path on the machine that ingested it; "" if unknown):
    a different file that still exists may not silently take over its id."""
    published_from: DateOrigin = ""
    """Where `published` came from (see `DateOrigin`)."""
    ingest_version: int = INGEST_VERSION
    """What ingest computed from its text (`INGEST_VERSION` then); a report stored by an older
    one is read again even when its text is unchanged. A store that does not keep it is taken
    to be current (nothing is recomputed)."""

    def __post_init__(self) -> None:
        if not self.version:
            object.__setattr__(self, "version", self.hash)


@dataclass(frozen=True)
class Staged:
    """A report version whose passages are written, waiting to become the current one."""

    report: Report
    passages: int
    version: str
    replaces: str | None
    """The version this writer saw current when it read the registry (None: a new report). The
    commit happens only if that is still the current one."""
    origin: str = ""


@dataclass
class CommitOutcome:
    """Which staged versions became current and which lost to another writer's commit."""

    committed: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)


def new_version(report_hash: str) -> str:
    """A version token: the content hash (for people) plus a random tag (unique per write)."""
    return f"{report_hash[:12]}.{secrets.token_hex(4)}"


def passage_id(report_id: str, version: str, index: int) -> str:
    """Passage ids carry their version, so writers of different versions never overwrite each
    other's passages; `version_of_id` reads it back (report ids may contain '::')."""
    return f"{report_id}::{version}::{index}"


def vector_key(embed_model: str, text: str) -> str:
    """What a vector is cached under: the model and the exact text it embedded."""
    return hashlib.sha256(f"{embed_model}\n{text}".encode()).hexdigest()[:40]


def version_of_id(pid: str) -> str:
    return pid.rsplit("::", 2)[-2] if pid.count("::") >= 2 else ""


LexicalRow = tuple[str, str, str, str]
"""A passage as the lexical index reads it: id, report id, version, and its section heading and
text joined by a newline (`lexical.lexical_text`)."""


IN_FLIGHT_GRACE = 3600.0
"""Seconds an uncommitted passage is left alone on a shared server, where another machine may be
between writing its passages and committing them (a batch commits within a minute or two)."""


@dataclass(frozen=True)
class Census:
    """What one scan of all passages found, per (report id, version): how many, and the newest
    write time (epoch seconds, 0 when unknown)."""

    counts: dict[tuple[str, str], int]
    written: dict[tuple[str, str], float]


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some reports and/or a publication-date range (reports without a
    date are excluded once a date bound is set)."""

    report_ids: Collection[str] | None = None
    published_from: date | None = None
    published_to: date | None = None

    def allows(self, rec: ReportRecord) -> bool:
        if self.report_ids is not None and rec.id not in self.report_ids:
            return False
        if self.published_from or self.published_to:
            if rec.published is None:
                return False
            if self.published_from and rec.published < self.published_from:
                return False
            if self.published_to and rec.published > self.published_to:
                return False
        return True

    @property
    def active(self) -> bool:
        return bool(self.report_ids is not None or self.published_from or self.published_to)


def date_ord(d: date | None) -> int:
    """A date as a sortable integer (yyyymmdd), 0 for none: what stores can range-filter on."""
    return d.year * 10000 + d.month * 100 + d.day if d else 0


class VectorStore(Protocol):
    """Passages with vectors plus the committed-report registry, as ingestion and retrieval use
    them. Implementations raise `StoreUnavailable` when unreachable, `StoreError` otherwise."""

    name: str
    embed_model: str
    where: str  # for messages: "Chroma store at .assistant/chroma"

    def drop(self) -> None:
        """Delete everything (rebuild with another embedding model)."""

    def generation(self) -> str:
        """A token that changes on every committed change, seen by every client of the store."""

    def records(self) -> Mapping[str, ReportRecord]:
        """Committed reports by id."""

    def report(self, report_id: str) -> Report:
        """A committed report with its full text; `UnknownReport` when absent."""

    def commit_reports(self, staged: Sequence[Staged]) -> CommitOutcome:
        """Make each staged version current if the version it replaces still is (compare-and-set),
        then delete the replaced version's passages; a version that lost deletes its own."""

    def remove_reports(self, report_ids: Sequence[str]) -> list[str]:
        """Forget reports and their current passages, in batches; returns those that existed."""

    def upsert_passages(self, items: Sequence[tuple[Report, Passage]], vectors: np.ndarray) -> None:
        """Write passages (ids from `passage_id`; invisible until their version is committed)."""

    def delete_version(self, report_id: str, version: str) -> int:
        """Delete the passages of one version of a report; returns how many went."""

    def census(self) -> Census:
        """Count passages per (report id, version) in one scan."""

    def sweep(self) -> int:
        """Delete passages no committed version owns (on a shared server only those older than
        `IN_FLIGHT_GRACE`); returns how many went."""

    def passages_of(self, report_ids: Sequence[str]) -> list[tuple[Passage, str]]:
        """All passages of these reports, each with the version it belongs to."""

    def lexical_rows(self, report_ids: Sequence[str]) -> Iterable[Sequence[LexicalRow]]:
        """What the lexical index reads of every passage of these reports, in pages: it builds
        a million passages from here, so no `Passage` (with its sentences and dates) is made."""

    def get_passages(self, ids: Sequence[str]) -> dict[str, tuple[Passage, str]]:
        """Passages by id, each with its version."""

    def dense_query(
        self, vector: np.ndarray, n: int, filters: Filters | None = None
    ) -> list[tuple[Passage, str, float]]:
        """Nearest passages as (passage, version, cosine similarity)."""

    def cached_vectors(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors embedded before, by `vector_key` (kept apart from the passages: a rebuild or
        another machine on the same server reuses them); the keys not cached are absent."""

    def cache_vectors(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Remember freshly embedded vectors under their `vector_key`."""

    def forget_vectors(self, keep: set[str]) -> int:
        """Drop cached vectors whose key is not in `keep`; returns how many went."""

    def count(self) -> int:
        """Number of stored passages (all versions)."""

    def writing(self) -> AbstractContextManager[None]:
        """Held around every change: one writer per store at a time (readers keep answering).
        Raises `StoreBusy` when another writer keeps it longer than the configured wait."""


StoreFactory = Callable[[Settings, str], VectorStore]
"""(settings, embedding model name) -> a store."""


def _builtins(registry: Registry[StoreFactory]) -> None:
    def chroma(settings: Settings, embed_model: str) -> VectorStore:
        from .chroma_store import make  # chromadb is imported only when a store is opened

        return make(settings, embed_model)

    registry.register("chroma", chroma)


STORES: Registry[StoreFactory] = Registry("store", _builtins)
"""The store seam: `settings.store` picks one; tests register fakes here."""


def make_store(settings: Settings, embed_model: str) -> VectorStore:
    """The configured store for collections built with `embed_model`."""
    return STORES.get(settings.store)(settings, embed_model)
