"""Names learned from the reports themselves: which words name the same thing.

Reports define their own names: "the Orlan Liberation Front (Tavrik)", "Ridgeway Water Board, also
known as the Board", "the NVWA" beside "Northern Valley Water Authority". Learning those at ingest,
instead of keeping word lists in code, is what lets the answerer match a question's wording to a
report's on corpora nobody here has read. Each report's learned pairs and multi-word names are
stored with its registry entry, so the table follows every add, update and remove.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .lexical import terms

Pair = tuple[str, str]  # (name, alias) as written in a report

MAX_NAMES = 100  # multi-word names kept per report, for reading unknown acronyms as initials
_CONNECTORS = frozenset(
    ("of", "for", "and", "the", "on", "de", "du", "des", "al", "el", "la", "le")
)
_WORD = r"[A-Z][\w’'\-]*"
_NAME = rf"{_WORD}(?:[ \t]+(?:(?:{'|'.join(sorted(_CONNECTORS))})[ \t]+)*{_WORD}){{1,7}}"
_ACRONYM = re.compile(r"\b[A-Z][A-Z&]{1,6}s?\b")
_NAMES = re.compile(_NAME)
# "Orlan Liberation Front (Tavrik)" and "the NVWA (Northern Valley Water Authority)"
_PAREN = re.compile(rf"(?P<name>{_NAME}|\b[A-Z][A-Z&]{{1,6}})[ \t]*\((?P<alias>[^()\n]{{2,60}})\)")
_KNOWN_AS = re.compile(
    rf"(?P<name>{_NAME}),?[ \t]+(?:\(|,[ \t]*)?(?:also|better|commonly|locally|widely|formerly)?"
    r"[ \t]*(?:known[ \t]+as|referred[ \t]+to[ \t]+as|dubbed|nicknamed|also[ \t]+called)[ \t]+"
    r"(?:the[ \t]+)?[“\"‘']?(?P<alias>[^,.;:”\"’()\n]{2,50}?)[”\"’']?(?=[,.;:)\n]|[ \t]+(?:and|or|in|which|who|that)\b|$)"
)


def learn_aliases(text: str) -> list[Pair]:
    """(name, alias) pairs a report defines: parenthetical definitions, "known as" phrases, and
    acronyms it uses whose letters are the initials of a name it uses."""
    pairs: dict[Pair, None] = {}
    for pattern in (_PAREN, _KNOWN_AS):
        for m in pattern.finditer(text):
            alias = _clean(m.group("alias"))
            if _plausible_alias(alias):
                pairs[(_trim(_clean(m.group("name")), alias), alias)] = None
    by_initials: dict[str, str] = {}
    for name in learn_names(text):
        by_initials.setdefault(initials(name), name)
    for acronym in dict.fromkeys(m.group(0) for m in _ACRONYM.finditer(text)):
        expanded = by_initials.get(acronym.rstrip("s"))
        if expanded is not None:
            pairs[(expanded, acronym)] = None
    return [p for p in pairs if p[0].lower() != p[1].lower()]


def learn_names(text: str) -> list[str]:
    """Multi-word capitalised names of a report (at most MAX_NAMES, most frequent first)."""
    counts: dict[str, int] = {}
    for m in _NAMES.finditer(text):
        name = _clean(m.group(0))
        if len([w for w in name.split() if w.lower() not in _CONNECTORS]) >= 2:
            counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda n: -counts[n])[:MAX_NAMES]


def initials(name: str) -> str:
    """ "Northern Valley Water Authority" -> "NVWA" (connectors such as "of" are skipped)."""
    return "".join(w[0] for w in name.split() if w.lower() not in _CONNECTORS).upper()


def _clean(phrase: str) -> str:
    words = " ".join(phrase.split()).strip(" ’'-").split(" ")
    while words and words[0].lower() in ("the", "a", "an"):
        words = words[1:]
    return " ".join(words)


def _trim(name: str, alias: str) -> str:
    """The name proper: an acronym picks the words whose initials it spells ("the Ministry of
    Foreign Affairs (MFA)"); otherwise a leading "Officials of the ..." is dropped."""
    words = name.split()
    if alias.isupper() and len(alias) >= 2:
        for i in range(len(words)):
            if initials(" ".join(words[i:])) == alias.rstrip("s"):
                return " ".join(words[i:])
    if len(words) > 2 and words[1].lower() in _CONNECTORS:
        rest = words[1:]
        while rest and rest[0].lower() in _CONNECTORS:
            rest = rest[1:]
        if len([w for w in rest if w.lower() not in _CONNECTORS]) >= 2:
            return " ".join(rest)
    return name


def _plausible_alias(alias: str) -> bool:
    """A name, not an aside: 1-5 words, some letters, not a year or a figure."""
    words = alias.split()
    return 1 <= len(words) <= 5 and any(c.isalpha() for c in alias) and not alias[0].isdigit()


@dataclass(frozen=True)
class AliasGroup:
    """Names of one thing, as written in the reports, the fullest first."""

    names: tuple[str, ...]


@dataclass
class AliasTable:
    """Every report's pairs joined into groups, plus an initials index for unknown acronyms."""

    groups: list[AliasGroup] = field(default_factory=list)
    _member: dict[tuple[str, ...], int] = field(default_factory=dict)  # stems of a name -> group
    _initials: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, pairs: Iterable[Pair], names: Iterable[str] = ()) -> AliasTable:
        parent: dict[str, str] = {}
        shown: dict[str, str] = {}

        def find(k: str) -> str:
            while parent.setdefault(k, k) != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        for a, b in pairs:
            ka, kb = _key(a), _key(b)
            if ka and kb:
                shown.setdefault(ka, a)
                shown.setdefault(kb, b)
                parent[find(ka)] = find(kb)
        members: dict[str, list[str]] = {}
        for k in parent:
            members.setdefault(find(k), []).append(shown[k])
        table = cls()
        for group_names in sorted(members.values(), key=lambda g: sorted(g)[0].lower()):
            index = len(table.groups)
            # the fullest name first: "Northern Valley Water Authority = NVWA"
            ordered = sorted(group_names, key=lambda n: (-len(n.split()), n.lower()))
            table.groups.append(AliasGroup(tuple(ordered)))
            for n in group_names:
                table._member[tuple(terms(n))] = index
        for n in [*names, *(n for g in table.groups for n in g.names)]:
            if len(n.split()) >= 2:
                table._initials.setdefault(initials(n), []).append(n)
        return table

    def expansions(self, question: str) -> dict[str, list[frozenset[str]]]:
        """For each question stem that is part of a known name, the stem sets of its other names
        (a sentence containing all stems of one of them names the same thing)."""
        qterms = terms(question)
        out: dict[str, list[frozenset[str]]] = {}
        for stems, index in self._member.items():
            if stems and _contains(qterms, stems):
                self._add(out, stems, self.groups[index].names)
        for acronym in _ACRONYM.findall(question):
            stems = tuple(terms(acronym))
            if not stems or stems in self._member:
                continue
            for name in self._initials.get(acronym.rstrip("s"), []):
                index_ = self._member.get(tuple(terms(name)))
                others = self.groups[index_].names if index_ is not None else (name,)
                self._add(out, stems, (*others, name))
        return out

    def party(self, name: str) -> str:
        """A key shared by names of one thing: the group of the longest known name inside
        `name` ("the qasad media centre" -> the group of qasad), else the name's own stems."""
        stems = terms(name)
        inside = [
            (len(member), index)
            for member, index in self._member.items()
            if member and _contains(stems, member)
        ]
        if inside:
            return f"group:{max(inside)[1]}"
        return " ".join(stems)

    def query_words(self, question: str) -> list[str]:
        """Other names of the things a question names, to widen a lexical search."""
        words: dict[str, None] = {}
        for alternatives in self.expansions(question).values():
            for alt in alternatives:
                words.update(dict.fromkeys(sorted(alt)))
        return list(words)

    @staticmethod
    def _add(
        out: dict[str, list[frozenset[str]]], stems: Sequence[str], names: Sequence[str]
    ) -> None:
        own = frozenset(stems)
        for name in names:
            alt = frozenset(terms(name))
            if alt and alt != own:
                for s in stems:
                    if alt not in out.setdefault(s, []):
                        out[s].append(alt)


def _key(name: str) -> str:
    return " ".join(terms(name))


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    n = len(needle)
    return any(tuple(haystack[i : i + n]) == tuple(needle) for i in range(len(haystack) - n + 1))
