"""What the lexical index reads: the words of a text (`terms`, and `Words`, the same as numbers
for a whole page of passages at a time), and pages of passages fetched ahead on a thread."""

from __future__ import annotations

import contextlib
import ctypes
import queue
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from .lexicon_en import EXTRA_STOPWORDS
from .store import LexicalRow
from .types import Passage

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_STEMMER = Stemmer.Stemmer("english")
STOPWORDS = frozenset(STOPWORDS_EN) | frozenset(EXTRA_STOPWORDS)


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed content words: the unit both BM25 and sentence scoring count."""
    return [_stem(w) for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS]


def lexical_text(p: Passage) -> str:
    """What BM25 reads of a passage: its section heading and its text."""
    return f"{p.section}\n{p.text}"


class Words(dict[str, int]):
    """Word -> number of its stem (-1 for a stopword), each word stemmed once per batch: what
    `terms` computes, as numbers, for counting with numpy."""

    def __init__(self) -> None:
        super().__init__()
        self.stems: list[str] = []
        self._stem_no: dict[str, int] = {}

    def __missing__(self, word: str) -> int:
        if word in STOPWORDS:
            self[word] = -1
            return -1
        stem = _stem(word)
        no = self._stem_no.get(stem)
        if no is None:
            no = self._stem_no[stem] = len(self.stems)
            self.stems.append(stem)
        self[word] = no
        return no

    def numbers(self, text: str) -> list[int]:
        return [n for n in map(self.__getitem__, _TOKEN.findall(text.lower())) if n >= 0]


def read_ahead(pages: Iterable[Sequence[LexicalRow]]) -> Iterator[Sequence[LexicalRow]]:
    """The same pages, the next one fetched on a thread while this one is tokenised (the
    store's reads wait on a server or on Chroma's engine, which lets go of the interpreter)."""
    box: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                box.put((True, page))
                if stop.is_set():
                    return
            box.put((True, None))
        except BaseException as exc:  # handed to the reading thread
            box.put((False, exc))

    threading.Thread(target=produce, name="lexical-fetch", daemon=True).start()
    try:
        while True:
            ok, item = box.get()
            if not ok:
                raise item  # type: ignore[misc]
            if item is None:
                return
            yield item  # type: ignore[misc]
    finally:  # the reader stopped early: let the producer finish its put and end
        stop.set()
        while not box.empty():
            box.get_nowait()


def release_free_memory() -> None:
    """Hand memory freed by a bulk read back to the system. glibc keeps it otherwise: after a
    first open read 100k passages a page at a time, 0.9 GB stayed resident, none of it in use."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(None).malloc_trim(0)
