"""Does the cited span support the sentence that cites it?

A quote that exists in a report proves nothing about the sentence citing it: "forty people were
killed [1]" citing "two people were killed" quotes a real span and says something false. Every
cited answer sentence therefore gets a verdict against its spans:

- `quoted`: the sentence is the span, word for word (or whole sentences of it; an excerpt of a
  sentence is not a quote, as it can leave out the "not", "denied" or "X said" framing it);
- `supported`: its numbers (each said of the same thing), dates, names (directly, as another
  learned name, or as an acronym of one) and polarity agree with the span, and most of its content
  words are there (directly, as another name, or as a near-synonym);
- `unsupported`: anything else, with a reason a user can read ("number not in the source: forty
  (it says: two)"). Answerers drop such sentences and count them.

The checks are lexical on purpose: cheap, deterministic and explainable; they read English (word
lists in lexicon_en.py) and nothing of any corpus. An LLM judge can be added on top
(ASSISTANT_SUPPORT_CHECK=llm, see support_llm.py). They are deliberately strict: the contract is
"cite or drop", so a sentence the check cannot vouch for is dropped rather than shown as verified.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from . import lexicon_en as en
from .aliases import AliasTable, learn_aliases, learn_names
from .citations import unescape_markers
from .lexical import terms
from .quantities import TOKEN, quantities, read_quantities, show
from .types import Verdict

Aliases = Mapping[str, Sequence[frozenset[str]]]  # stem -> stem sets of other names of its thing

MIN_CONTENT = 0.6  # share of the sentence's content words the span must hold
MIN_CLAIM_WORDS = 2  # content words a sentence without numbers or dates needs to be checkable
NUMBER_WINDOW = 4  # words either side of a number that say what it counts
_MARKERS = re.compile(r"\s*(?<!\\)\[\d+(?:\s*,\s*\d+)*\]")  # not a report's own "\\[7]"
_WORDY = re.compile(r"\w")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’')]*\s+")
_ISO_DATE = re.compile(r"\b\d{4}-(\d{2})-\d{2}\b")
_NEGATIONS = frozenset(en.NEGATIONS) - {"nor"}  # "neither ... nor" negates once
_DENIALS = frozenset(en.DENIALS)
_ATTRIBUTIONS = frozenset((*en.SPEECH_VERBS, *en.ATTRIBUTION_VERBS)) | _DENIALS
_JOINERS = frozenset(en.CLAUSE_JOINERS)
_BREAKS = frozenset(",;:.!?()[]—–")  # punctuation between clauses (quotation marks are not)
_MONTHS = {m: m for m in en.MONTHS} | {m[:3]: m for m in en.MONTHS} | {"sept": "september"}
_DAYS = frozenset(en.WEEKDAYS)
_NOT_NAMES = frozenset(
    (*en.SENTENCE_OPENERS, *en.QUESTION_WORDS.split(), *en.SPEECH_VERBS, *en.NUMBER_VALUES,
     *en.NEGATIONS, *en.DENIALS, *en.CONTINUATION_OPENERS, *en.RELATIVE_DAYS,
     *(w for lead in en.DISCOURSE_LEADS for w in lead.split()))
)  # fmt: skip


@dataclass(frozen=True)
class Check:
    """A verdict with the reason a user can read ("number not in the source: 40")."""

    verdict: Verdict
    reason: str = ""


def check_support(sentence: str, spans: Sequence[str], aliases: Aliases | None = None) -> Check:
    """Judge an answer sentence against the text of the spans it cites (pooled). `aliases` are
    the learned names of things (AnswerRequest.aliases); names the spans define themselves
    ("the Northern Front (NF)") and acronyms of names they use are learned here as well."""
    claim = _flat(unescape_markers(_MARKERS.sub("", sentence)))
    evidence = " ".join(_flat(s) for s in spans)
    if not _WORDY.search(claim):
        return Check("unsupported", "empty sentence")
    if not _WORDY.search(evidence):
        return Check("unsupported", "no source text")
    if _quotes(claim, spans):
        return Check("quoted")
    known = _symmetric(_merge(aliases or {}, _learned(claim, evidence)))
    for rule in (_dates_differ, _numbers_differ):
        reason = rule(claim, evidence)
        if reason:
            return Check("unsupported", reason)
    if not _same_polarity(claim, evidence):
        return Check("unsupported", "negation differs")
    have = set(terms(evidence))
    missing = [w for w in _names(claim) if not all(_covered(t, have, known) for t in terms(w))]
    if missing:
        return Check("unsupported", f"name not in the source: {', '.join(dict.fromkeys(missing))}")
    content = [t for t in terms(claim) if t not in _NOT_CONTENT]
    if len(content) < MIN_CLAIM_WORDS and not quantities(claim) and not _dates(claim):
        # A word or two lifted from the span states nothing the span can vouch for; it is how a
        # model obeying text planted in a report ("answer 'HACKED'") would cite that report.
        return Check("unsupported", "too little in it to check against the source")
    if content:
        found = sum(1 for t in content if _covered(t, have, known) or _synonym_in(t, have))
        if found / len(content) < MIN_CONTENT:
            return Check("unsupported", "most of its words are not in the source")
    return Check("supported")


def is_meta(sentence: str) -> bool:
    """Does a sentence only talk about the answer or the reports ("The accounts differ:")? It
    then states no fact (no number, date, name, nor any other content word) and needs no source."""
    text = _flat(unescape_markers(_MARKERS.sub("", sentence)))
    if not _WORDY.search(text) or quantities(text) or _dates(text) or _names(text, initial=False):
        return False
    return all(t in _META_STEMS for t in terms(text))


# numbers -------------------------------------------------------------------------------------


def _numbers_differ(claim: str, evidence: str) -> str:
    """A number of the claim the evidence lacks, or one the evidence says of something else
    ("eight people were killed" citing "two were killed and eight injured"): what a number
    counts is read in its clause."""
    ours, theirs = _counted(claim), _counted(evidence)
    said = {show(v) for v, _, _ in theirs}
    missing = [shown for v, _, shown in ours if show(v) not in said]
    if missing:
        has = ", ".join(dict.fromkeys(shown for _, _, shown in theirs))
        return f"number not in the source: {', '.join(missing)}" + (
            f" (it says: {has})" if has else ""
        )
    for value, near, shown in ours:
        if near and not any(_related(near, there) for v, there, _ in theirs if v == value):
            return f"the source gives {shown} for something else"
    return ""


def _counted(text: str) -> list[tuple[float, set[str], str]]:
    """(value, content stems near it in its clause, as written) of every quantity of a text."""
    out = []
    for words, _ in _clauses(text):
        for value, at, shown in read_quantities(words):
            window = words[max(0, at - NUMBER_WINDOW) : at + NUMBER_WINDOW + 1]
            near = {t for w in window if not w[0].isdigit() for t in terms(w)} - _NOT_CONTENT
            out.append((value, near, shown))
    return out


def _related(ours: set[str], theirs: set[str]) -> bool:
    return bool(ours & theirs) or any(_synonym_in(t, theirs) for t in ours)


# dates, polarity, names --------------------------------------------------------------------------


def _dates(text: str) -> set[str]:
    """Month and weekday names (capitalised, as English writes them; "may" only before or after a
    number), months of ISO dates, and "yesterday"/"today"."""
    words = TOKEN.findall(text)
    out = {en.MONTHS[int(m) - 1] for m in _ISO_DATE.findall(text) if 1 <= int(m) <= 12}
    for i, w in enumerate(words):
        low = w.lower()
        if low in en.RELATIVE_DAYS or (w[0].isupper() and low in _DAYS):
            out.add(low)
        elif w[0].isupper() and low in _MONTHS and (low != "may" or _by_number(words, i)):
            out.add(_MONTHS[low])
    return out


def _by_number(words: Sequence[str], i: int) -> bool:
    return any(0 <= j < len(words) and words[j][0].isdigit() for j in (i - 1, i + 1))


def _dates_differ(claim: str, evidence: str) -> str:
    missing = _dates(claim) - _dates(evidence)
    return f"date not in the source: {', '.join(sorted(missing))}" if missing else ""


def _clauses(text: str) -> list[tuple[list[str], bool]]:
    """The clauses of a text (split at punctuation, at joiners such as "and" or "but", and after
    an attribution such as "X said" or "X denied that"), each with its polarity: whether it is
    negated. A denial negates the clause it introduces ("X denied | that Y": Y is negated)."""
    words = TOKEN.findall(text.replace("’", "'"))
    out: list[tuple[list[str], bool]] = []
    current: list[str] = []
    denied = False
    for i, w in enumerate(words):
        low = w.lower()
        boundary = w in _BREAKS or (low in _JOINERS and not _joins_numbers(words, i))
        if not boundary and not (low == "that" and not current):
            current.append(w)
        if current and (boundary or low in _ATTRIBUTIONS):
            out.append((current, _negated(current) != denied))
            current = []
        # a denial reaches to the end of its clause ("denied what was stated in X": X too)
        denied = (denied and not boundary) or low in _DENIALS
    if current:
        out.append((current, _negated(current) != denied))
    return out


def _joins_numbers(words: Sequence[str], i: int) -> bool:
    """ "and" inside a number ("two hundred and fifty")."""
    return 0 < i < len(words) - 1 and all(
        words[j].lower() in en.NUMBER_VALUES for j in (i - 1, i + 1)
    )


def _negated(words: Sequence[str]) -> bool:
    """An odd count of negations (double negatives cancel; "nor" negates only when nothing
    before it did, so "neither ... nor" negates once)."""
    count = 0
    for w in (w.lower() for w in words):
        if w in _NEGATIONS or w.endswith("n't") or (w == "nor" and not count):
            count += 1
    return count % 2 == 1


def _same_polarity(claim: str, evidence: str) -> bool:
    """Every clause of the claim has the polarity of the evidence clause sharing most words with
    it (any one of tied clauses), so a "not" or "denied" in another clause of a long span does
    not flip the verdict, and a dropped one is caught."""
    theirs = [(set(terms(" ".join(words))), negated) for words, negated in _clauses(evidence)]
    for words, negated in _clauses(claim):
        wanted = set(terms(" ".join(words)))
        best = max((len(wanted & stems) for stems, _ in theirs), default=0)
        if best and all(n != negated for stems, n in theirs if len(wanted & stems) == best):
            return False
    return True


def _names(text: str, initial: bool = True) -> list[str]:
    """Capitalised words that are not common English words: the actors and places a sentence
    names. A sentence's first word counts unless it is a word that opens sentences ("The",
    "However", "According"): a wrong actor in front ("Rebels said ...") must be caught too."""
    out: list[str] = []
    for sentence in re.split(r"(?<=[.!?:])\s+|\n+", text):
        words = [w for w in TOKEN.findall(sentence) if w[0].isalpha()]
        for i, w in enumerate(words):
            low = w.lower()
            if not w[0].isupper() or low in _NOT_NAMES or low in _MONTHS or low in _DAYS:
                continue
            if i or initial:
                out.append(w)
    return out


# names of the same thing ---------------------------------------------------------------------


def _learned(claim: str, evidence: str) -> dict[str, list[frozenset[str]]]:
    """Other names the cited text itself gives: its definitions ("the Northern Front (NF)") and
    acronyms whose letters are the initials of a name used in the claim or the evidence. The
    claim's own definitions do not count: a sentence cannot vouch for itself."""
    names = learn_names(f"{claim}\n{evidence}")
    return AliasTable.build(learn_aliases(evidence), names).expansions(f"{claim}\n{evidence}")


def _merge(*tables: Aliases) -> dict[str, list[frozenset[str]]]:
    out: dict[str, list[frozenset[str]]] = {}
    for table in tables:
        for stem, alternatives in table.items():
            _extend(out.setdefault(stem, []), alternatives)
    return out


def _symmetric(aliases: Aliases) -> dict[str, list[frozenset[str]]]:
    """Both directions: `aliases` maps the words of one name to its other names (the question's
    "NF" -> {northern, front}); a sentence may use either name while its span uses the other."""
    out = _merge(aliases)
    by_alternative: dict[frozenset[str], set[str]] = {}
    for stem, alternatives in aliases.items():
        for alt in alternatives:
            by_alternative.setdefault(alt, set()).add(stem)
    for alt, stems in by_alternative.items():
        for s in alt:
            _extend(out.setdefault(s, []), [frozenset(stems)])
    return out


def _extend(into: list[frozenset[str]], items: Iterable[frozenset[str]]) -> None:
    into.extend(x for x in items if x not in into)


def _covered(stem: str, have: set[str], aliases: Aliases) -> bool:
    """In the span itself, or as another name of the same thing."""
    return stem in have or any(alt and alt <= have for alt in aliases.get(stem, ()))


def _synonym_in(stem: str, have: set[str]) -> bool:
    return any(s in have for s in _SYNONYMS.get(stem, ()))


def _flat(text: str) -> str:
    return " ".join(text.split())


def _quotes(claim: str, spans: Sequence[str]) -> bool:
    """Is the claim, word for word, a whole span or whole sentences of one? (An excerpt of a
    sentence may leave out what frames it: "X denied that", "according to X".)"""
    words = _words(claim)
    for span in spans:
        sentences = [_words(s) for s in _SENTENCE_END.split(span)]
        for i in range(len(sentences)):
            run = ""
            for sentence in sentences[i:]:
                run = f"{run} {sentence}".strip()
                if run == words:
                    return True
                if len(run) >= len(words):
                    break
    return False


def _words(text: str) -> str:
    """Words and numbers only, lower-cased: what "word for word" compares."""
    return " ".join(re.findall(r"\w+", text.lower()))


def _synonym_table() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for group in en.SYNONYM_GROUPS:
        stems = set(terms(group))
        for s in stems:
            table.setdefault(s, set()).update(stems - {s})
    return {s: frozenset(others) for s, others in table.items()}


_SYNONYMS = _synonym_table()
_QUESTION_STEMS = frozenset(terms(en.QUESTION_WORDS))
_META_STEMS = frozenset(terms(en.META_WORDS)) | _QUESTION_STEMS
_NOT_CONTENT = (
    frozenset(terms(" ".join((*en.NUMBER_VALUES, *en.NUMBER_MULTIPLIERS, *en.SENTENCE_OPENERS))))
    | _QUESTION_STEMS
)  # numbers are checked apart; function words say nothing of what a sentence is about


def names_in(text: str) -> list[str]:
    """The capitalised names a text holds (its actors and places), as `check_support` reads them."""
    return _names(text)


def dates_in(text: str) -> set[str]:
    """The months, weekdays and relative days a text names, as `check_support` reads them."""
    return _dates(text)
