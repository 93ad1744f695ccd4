"""Who says what: cited sentences attributed to whoever makes their claim, grouped by party.

Reports on contested events are mostly claims. A sentence's speaker is read, in this order:
- from the sentence itself: "X said / announced / denied ...", "according to X", "..., X said";
- from an earlier sentence of the same report that it refers back to ("The agency added ...",
  "He considered ..."), or that it continues ("This was based on ...");
- else the report speaks in its own voice: its publisher, or its title when none is known.

Speakers that name one thing (by learned aliases: "the SDF" and "the qasad media centre" when
the reports define qasad as the SDF) are one party. Every word list is general English
(lexicon_en); nothing here knows a corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from . import lexicon_en as en
from .lexical import terms
from .quantities import TOKEN, read_quantities
from .sentences import split_sentences
from .types import Account, Citation, Stance


def alternatives(words: Iterable[str]) -> str:
    """A regex alternation of words and phrases (a phrase's spaces match any whitespace)."""
    return "|".join(w.replace(" ", r"\s+") for w in words)


_LEAD = rf"(?:(?:{alternatives(en.DISCOURSE_LEADS)})\s*,\s*)?"
_SPEECH = rf"(?:{alternatives((*en.SPEECH_VERBS, *en.DENIALS, *en.ACCUSATIONS))})"
# "The ministry said ...", "However, the agency denied ..." (a name, capitalised somewhere).
_OPENING = re.compile(
    r"^" + _LEAD + r"(?P<speaker>(?:the\s+)?[A-Z][^,.;:“\"]{1,80}?)\s+"
    r"(?:(?:also|later|further|again|then|previously)\s+)?" + _SPEECH + r"\b",
    re.I,
)
_ACCORDING = re.compile(r"\baccording to (?P<speaker>[^,.;]{2,80})", re.I)
# "..., with the trade envoy asserting that ...": a claim attributed inside the sentence.
_WITH = re.compile(
    r"\bwith\s+(?P<speaker>(?:the\s+)?[A-Z][^,.;:“\"]{1,80}?)\s+"
    rf"(?:{alternatives(en.ATTRIBUTION_VERBS)})\b"
)
# "reports from X", "a statement by X": the speaker is X.
_CARRIER = re.compile(
    r"^(?:(?:a|the)\s+)?(?:reports?|statements?|sources?)\s+(?:from|by|of|close to)\s+", re.I
)
# "..., the ministry said." at the end of a sentence.
_TRAILING = re.compile(
    r",\s*(?P<speaker>(?:the\s+)?[A-Za-z][^,.;:“\"]{1,80}?)\s+" + _SPEECH + r"\W*$", re.I
)
# "He considered ...", "The agency added ...": a pronoun or a common noun standing for a speaker.
_REFERS_BACK = re.compile(
    rf"^{_LEAD}(?:{alternatives(en.PRONOUNS)}|the\s+(?:{alternatives(en.SPEAKER_NOUNS)}))\s+"
    rf"(?:(?:also|later|further|again|then)\s+)?\w+",
    re.I,
)
_SPEAKING_NOUN = re.compile(
    rf"^{_LEAD}(?P<noun>the\s+(?:{alternatives(en.SPEAKER_NOUNS)}))\s+"
    rf"(?:(?:also|later|further|again|then)\s+)?{_SPEECH}\b",
    re.I,
)
_HELD_RESPONSIBLE = re.compile(r"\bheld\b[^.;]{1,80}\bresponsib", re.I)
_CONTRASTS = re.compile(rf"\b(?:{alternatives(en.CONTRAST_WORDS)})\b", re.I)
_REPORTED = re.compile(
    rf"\b(?:{alternatives((*en.SPEECH_VERBS, *en.ATTRIBUTION_VERBS))})\s+that\s+(?P<clause>.+)",
    re.I,
)
_ACCORDING_CLAUSE = re.compile(r"\baccording to [^,]{2,80},\s*(?P<clause>.+)", re.I)
_CONTINUES = re.compile(rf"^\s*(?:{alternatives(en.CONTINUATION_OPENERS)})\b", re.I)
_DENIES = re.compile(rf"\b(?:{alternatives(en.DENIALS)})\b", re.I)
_ACCUSES = re.compile(rf"\b(?:{alternatives(en.ACCUSATIONS)})\b", re.I)
LOOK_BACK = 4  # sentences an attribution carries over ("the agency added" names the last source)


@dataclass(frozen=True)
class Attribution:
    """Who makes the claim of one sentence, and how that was found (Account.voice)."""

    speaker: str
    voice: str  # "said", "earlier" or "report"


def named_speaker(sentence: str) -> str | None:
    """The party a sentence names as making its claim ("the Norland Ministry of Defence"), if any."""
    flat = " ".join(sentence.split())
    m = (
        _OPENING.match(flat)
        or _ACCORDING.search(flat)
        or _TRAILING.search(flat)
        or _WITH.search(flat)
    )
    if not m:
        return None
    who = _CARRIER.sub("", m.group("speaker").strip(" '\"“”‘’"))
    who = re.sub(r"^the\s+", "", who, flags=re.I)
    first = who.split()[0].lower() if who.split() else ""
    if not who or who.lower() in en.PRONOUNS or first in en.PRONOUNS:
        return None
    if who.lower() in en.SPEAKER_NOUNS:  # "the agency said": a reference, not a name
        return None
    return who


def attribute(text: str, start: int, end: int, publisher: str | None) -> Attribution | None:
    """Who makes the claim of `text[start:end]` (see the module docstring for the order)."""
    sentence = text[start:end]
    who = named_speaker(sentence)
    if who:
        return Attribution(who, "said")
    flat = " ".join(sentence.split())
    refers = _REFERS_BACK.match(flat)
    if refers or _CONTINUES.match(flat):
        window = text[max(0, start - 3000) : start]
        before = [window[g.start : g.end] for g in split_sentences(window) if g.kind == "sentence"]
        for i, earlier in enumerate(reversed(before[-LOOK_BACK:])):
            named = named_speaker(earlier)
            if named:
                return Attribution(named, "earlier")
            if i == 0 and not (_REFERS_BACK.match(earlier.strip()) or _CONTINUES.match(earlier)):
                break  # the sentence before says nothing of a speaker: no chain to follow
        noun = _SPEAKING_NOUN.match(flat)
        if noun:  # "The ministry said ..." with no ministry named before: it is the speaker
            return Attribution(noun.group("noun"), "said")
    return Attribution(publisher, "report") if publisher else None


def stance(sentence: str) -> Stance:
    """Whether a claim denies another one or blames someone."""
    if _DENIES.search(sentence):
        return "denies"
    if _ACCUSES.search(sentence) or _HELD_RESPONSIBLE.search(sentence):
        return "accuses"
    return ""


def is_claim(sentence: str) -> bool:
    """Whether a sentence reports a party's version of what happened: it denies or blames, or
    says what someone did ("X said that the rebels shelled ..."). A figure ("announced that two
    people were killed") or an observation ("reported a continued exodus") is not a version."""
    flat = " ".join(sentence.split())
    if stance(flat) or _CONTRASTS.search(flat):
        return True
    m = _REPORTED.search(flat) or _ACCORDING_CLAUSE.search(flat)
    if not m:
        return False
    clause = m.group("clause")
    return bool(clause) and not read_quantities(TOKEN.findall(clause)[:2])


PartyOf = Callable[[str], str]
"""A speaker's name -> the key of the party it belongs to (names of one thing share a key)."""


def plain_party(name: str) -> str:
    return " ".join(terms(name))


def accounts_of(
    citations: Sequence[Citation],
    text_of: Callable[[str], str],
    party_of: PartyOf = plain_party,
) -> tuple[Account, ...]:
    """The parties behind an answer's citations, in order of first citation; empty unless two or
    more parties make claims (one voice is not a disagreement of accounts)."""
    parties: dict[str, list[tuple[Attribution, Citation]]] = {}
    for c in citations:
        try:
            text = text_of(c.report_id)
        except Exception:  # the report went since: its citation cannot be attributed
            continue
        who = attribute(text, c.start, c.end, c.source or c.title)
        if who is None:
            continue
        parties.setdefault(party_of(who.speaker) or who.speaker.lower(), []).append((who, c))
    if len(parties) < 2 or all(w.voice == "report" for group in parties.values() for w, _ in group):
        return ()
    out: list[Account] = []
    for group in parties.values():
        named = [w for w, _ in group if w.voice != "report"]
        head = named[0] if named else group[0][0]
        names = tuple(dict.fromkeys(w.speaker for w in named if w.speaker != head.speaker))
        stances = [stance(c.quote) for _, c in group]
        out.append(
            Account(
                speaker=head.speaker,
                citations=tuple(c.marker for _, c in group),
                voice=head.voice,  # type: ignore[arg-type]
                stance=next((s for s in stances if s == "denies"), "")
                or next((s for s in stances if s), ""),
                names=names,
            )
        )
    return tuple(out)
