"""The store seam: what ingestion and retrieval need from a vector store, and the registry of
implementations (Chroma, embedded or server, is the built-in one; another deployment or engine
plugs in here with one registration and `ASSISTANT_STORE=<name>`).

A store keeps two things in step: passages with their vectors, and a registry of committed reports
(text, hash, metadata). The registry commit is the last step of every change, so an interrupted
ingest leaves the previous state visible; retrieval only trusts passages whose report hash matches
the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import numpy as np

from .config import Settings
from .registry import Registry
from .types import Passage, Report


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

    def records(self) -> dict[str, ReportRecord]:
        """Committed reports by id."""

    def report(self, report_id: str) -> Report:
        """A committed report with its full text; `UnknownReport` when absent."""

    def commit_reports(self, reports: Sequence[tuple[Report, int]]) -> None:
        """Make reports (with their passage counts) the visible versions."""

    def remove_report(self, report_id: str) -> None:
        """Forget a report and its passages; `UnknownReport` when absent."""

    def upsert_passages(self, items: Sequence[tuple[Report, Passage]], vectors: np.ndarray) -> None:
        """Write passages (invisible until their report version is committed)."""

    def prune_passages(self, report_id: str, keep: set[str]) -> int:
        """Delete a report's passages not in `keep`; returns how many went."""

    def sweep(self) -> int:
        """Delete passages no committed report version owns; returns how many went."""

    def passages_of(self, report_ids: Sequence[str]) -> list[tuple[Passage, str]]:
        """All passages of these reports, each with the report hash it was cut from."""

    def get_passages(self, ids: Sequence[str]) -> dict[str, tuple[Passage, str]]:
        """Passages by id, each with its report hash."""

    def dense_query(
        self, vector: np.ndarray, n: int, filters: Filters | None = None
    ) -> list[tuple[Passage, str, float]]:
        """Nearest passages as (passage, report hash, cosine similarity)."""

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
