"""Cited sentences that say the same thing with a different value: a toll, a date, a name.

Two sentences from different reports are about the same fact when, with their values (numbers,
dates, names) set aside, most of their words are shared ("Norland won the most medals at the
games" against "Sudria won the most medals at the games"). When such a pair gives different
values, the answer must show each value with its sources instead of picking one silently.
A pair that shares little (two tolls of two different attacks) is not a disagreement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType

from .lexical import terms
from .quantities import quantities, show
from .support import dates_in, names_in
from .types import Citation, Disagreement

SAME_FACT = 0.6  # share of the two sentences' other words in common (Jaccard) to be one fact
MIN_SHARED = 3  # ... and at least this many of them: short sentences share words by chance


def _values(text: str) -> dict[str, set[str]]:
    return {
        "number": {show(v) for v, _, _ in quantities(text)},
        "date": dates_in(text),
        "name": {n.lower() for n in names_in(text)},
    }


def _rest(text: str, values: dict[str, set[str]]) -> set[str]:
    """The sentence's words but its values (numbers also as written: "forty")."""
    slots = {t for vs in values.values() for v in vs for t in terms(v)}
    slots.update(t for _, _, written in quantities(text) for t in terms(written))
    return set(terms(text)) - slots


def _shown(text: str, kind: str, differing: frozenset[str]) -> str:
    """The differing value as the sentence writes it."""
    if kind == "number":
        said = [w for v, _, w in quantities(text) if show(v) in differing]
    elif kind == "name":
        said = [n for n in names_in(text) if n.lower() in differing]
    else:
        said = sorted(differing)
    return " ".join(dict.fromkeys(said)) or ", ".join(sorted(differing))


def _about(text: str, kind: str) -> str:
    flat = " ".join(text.split())
    return f"the {kind} in “{flat[:90]}{'…' if len(flat) > 90 else ''}”"


@lru_cache(maxsize=4096)
def _read(text: str) -> tuple[Mapping[str, frozenset[str]], frozenset[str]]:
    """A sentence's values and its other words, read once (an answer compares each sentence it
    says with every candidate); frozen, as the cache hands the same ones to every caller."""
    values = _values(text)
    frozen = MappingProxyType({kind: frozenset(v) for kind, v in values.items()})
    return frozen, frozenset(_rest(text, values))


def differ(a: str, b: str) -> list[tuple[str, frozenset[str], frozenset[str], str]]:
    """How two sentences about the same fact differ: (kind, values only in a, only in b, the
    words they share as a key); empty when they agree or are not about the same fact."""
    (va, ra), (vb, rb) = _read(a), _read(b)
    shared = ra & rb
    if len(shared) < MIN_SHARED or len(shared) / len(ra | rb) < SAME_FACT:
        return []
    out = []
    for kind in ("number", "date", "name"):
        only_a, only_b = va[kind] - vb[kind], vb[kind] - va[kind]
        if only_a and only_b:
            out.append((kind, only_a, only_b, " ".join(sorted(shared))))
    return out


def disagreements_of(citations: Sequence[Citation]) -> tuple[Disagreement, ...]:
    """Facts the cited sentences give different values for, each value with its citations."""
    seen: dict[tuple[str, str], dict[str, list[int]]] = {}
    about: dict[tuple[str, str], str] = {}
    for i, a in enumerate(citations):
        for b in citations[i + 1 :]:
            if a.report_id == b.report_id:
                continue  # one report's two sentences are its own story, not two sources
            for kind, only_a, only_b, shared in differ(a.quote, b.quote):
                key = (kind, shared)
                about.setdefault(key, _about(a.quote, kind))
                values = seen.setdefault(key, {})
                for c, only in ((a, only_a), (b, only_b)):
                    markers = values.setdefault(_shown(c.quote, kind, only), [])
                    if c.marker not in markers:
                        markers.append(c.marker)
    return tuple(
        Disagreement(about[key], tuple((v, tuple(m)) for v, m in values.items()))
        for key, values in seen.items()
        if len(values) >= 2
    )
