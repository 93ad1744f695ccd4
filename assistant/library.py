"""The report library: the stored reports searched, filtered, sorted and paged for a front end.

Nothing here reads a report's text. Titles, file names, dates, publishers and passage counts come
from the store's registry (one read per store generation); the words of each report come from the
lexical (BM25) index that retrieval already keeps in step with the store. A search over thousands
of reports is a few set lookups, never a scan of their texts.

A search matches a report when the whole search is in its title, file name or publisher (so a
part of a word finds it: "eld" finds "Port Elden"), or when every content word of the search
occurs in the report: in its title, file name or publisher, or in the text of any of its
passages, with words stemmed as retrieval stems them ("floods" finds "flood").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from . import validation
from .lexical import terms
from .retrieval import Retriever
from .store import ReportRecord, VectorStore
from .types import ReportInfo

Sort = Literal["newest", "oldest", "title", "passages", "relevance"]
SORTS: tuple[Sort, ...] = get_args(Sort)
SORT_LABELS: dict[Sort, str] = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "title": "Title A–Z",
    "passages": "Most passages",
    "relevance": "Best match",
}
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 500
MAX_SEARCH_CHARS = 500


@dataclass(frozen=True)
class LibraryQuery:
    """What to show: a search, filters (a publication-date range, a publisher), the order, the
    page (from 1) and its size. Reports without a date are left out once a date bound is set."""

    search: str = ""
    published_from: date | None = None
    published_to: date | None = None
    publisher: str | None = None
    sort: Sort = "newest"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    def __post_init__(self) -> None:
        """Checked where they come in, as every argument of the public API is."""
        if not isinstance(self.search, str):
            raise TypeError(f"search must be a str, not {type(self.search).__name__}")
        if len(self.search) > MAX_SEARCH_CHARS:
            raise ValueError(f"search is longer than {MAX_SEARCH_CHARS} characters")
        validation.published_range(self.published_from, self.published_to)
        if self.publisher is not None and not isinstance(self.publisher, str):
            raise TypeError(f"publisher must be a str or None, not {type(self.publisher).__name__}")
        if self.sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {self.sort!r}")
        for name, value, top in (
            ("page", self.page, None),
            ("page_size", self.page_size, MAX_PAGE_SIZE),
        ):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, not {type(value).__name__}")
            if value < 1 or (top is not None and value > top):
                bound = f"between 1 and {top}" if top else "1 or more"
                raise ValueError(f"{name} must be {bound}, not {value}")


@dataclass(frozen=True)
class LibraryPage:
    """One page of the library: its reports, where it is (page `page` of `pages`), how many
    reports match (`total`) out of how many are stored, and every publisher in the store (the
    choices of the publisher filter)."""

    reports: tuple[ReportInfo, ...]
    page: int
    pages: int
    page_size: int
    total: int
    stored: int
    publishers: tuple[str, ...]

    @property
    def first(self) -> int:
        """The position (from 1) of the first report shown among those matching; 0 if none."""
        return (self.page - 1) * self.page_size + 1 if self.reports else 0

    @property
    def last(self) -> int:
        """The position of the last report shown; 0 if none."""
        return self.first + len(self.reports) - 1 if self.reports else 0


@dataclass(frozen=True)
class _Labels:
    """Per report, its title, file name and publisher case-folded, and their content words."""

    text: dict[str, str]
    words: dict[str, frozenset[str]]
    publishers: tuple[str, ...]


class Library:
    """Pages of the stored reports; safe to share between threads (the UI's sessions do)."""

    def __init__(self, store: VectorStore, retriever: Retriever) -> None:
        self.store = store
        self.retriever = retriever
        self._labels: tuple[Mapping[str, ReportRecord], _Labels] | None = None

    def page(self, query: LibraryQuery) -> LibraryPage:
        records = self.store.records()
        labels = self._labels_of(records)
        scores = self._matches(records, labels, query) if query.search.strip() else None
        shown = [
            r for r in records.values() if (scores is None or r.id in scores) and _allowed(r, query)
        ]
        shown.sort(key=_sort_key(query.sort if scores is not None else _plain(query.sort), scores))
        pages = max(1, math.ceil(len(shown) / query.page_size))
        page = min(query.page, pages)
        start = (page - 1) * query.page_size
        return LibraryPage(
            reports=tuple(_info(r) for r in shown[start : start + query.page_size]),
            page=page,
            pages=pages,
            page_size=query.page_size,
            total=len(shown),
            stored=len(records),
            publishers=labels.publishers,
        )

    def _labels_of(self, records: Mapping[str, ReportRecord]) -> _Labels:
        """Labels of every report, rebuilt only when the store changed (the store hands out one
        records mapping per generation)."""
        cached = self._labels
        if cached is not None and cached[0] is records:
            return cached[1]
        text = {rid: _fold(f"{r.title}\n{r.id}\n{r.source or ''}") for rid, r in records.items()}
        labels = _Labels(
            text=text,
            words={rid: frozenset(terms(t)) for rid, t in text.items()},
            publishers=tuple(
                sorted({r.source for r in records.values() if r.source}, key=str.casefold)
            ),
        )
        self._labels = (records, labels)
        return labels

    def _matches(
        self, records: Mapping[str, ReportRecord], labels: _Labels, query: LibraryQuery
    ) -> dict[str, float]:
        """The reports the search finds, each with a relevance score (higher first): a search
        found whole in the title or file name ranks first, then the best passage's BM25 score."""
        needle = _fold(query.search)
        words = list(dict.fromkeys(terms(query.search)))
        holding = self.retriever.reports_with(words) if words else {}
        found: dict[str, float] = {}
        for rid in records:
            whole = needle in labels.text[rid]
            if whole or (words and all(w in labels.words[rid] or rid in holding[w] for w in words)):
                found[rid] = 1e9 if whole else 0.0
        if query.sort == "relevance" and words and found:
            for rid, score in self.retriever.best_scores(query.search, found).items():
                found[rid] += score
        return found


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _allowed(r: ReportRecord, query: LibraryQuery) -> bool:
    if query.publisher is not None and r.source != query.publisher:
        return False
    if query.published_from is None and query.published_to is None:
        return True
    if r.published is None:
        return False
    if query.published_from is not None and r.published < query.published_from:
        return False
    return query.published_to is None or r.published <= query.published_to


def _plain(sort: Sort) -> Sort:
    """Without a search there is nothing to match best: "relevance" lists newest first."""
    return "newest" if sort == "relevance" else sort


def _sort_key(
    sort: Sort, scores: Mapping[str, float] | None
) -> Callable[[ReportRecord], tuple[object, ...]]:
    def key(r: ReportRecord) -> tuple[object, ...]:
        title = (r.title.casefold(), r.id)
        day = r.published.toordinal() if r.published else 0
        if sort == "newest":
            return (r.published is None, -day, *title)
        if sort == "oldest":
            return (r.published is None, day, *title)
        if sort == "passages":
            return (-r.passages, *title)
        if sort == "relevance" and scores is not None:
            return (-scores.get(r.id, 0.0), *title)
        return title

    return key


def _info(r: ReportRecord) -> ReportInfo:
    return ReportInfo(r.id, r.title, r.passages, r.hash, r.published, r.source, r.published_from)


def sort_of(value: object) -> Sort:
    """A sort name checked (front ends pass strings)."""
    for sort in SORTS:
        if value == sort:
            return sort
    raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {value!r}")


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "SORTS",
    "SORT_LABELS",
    "Library",
    "LibraryPage",
    "LibraryQuery",
    "Sort",
    "sort_of",
]
