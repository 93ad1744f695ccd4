"""The offline answerer: quotes the report sentences that answer the question, each cited.

Sentences of the retrieved passages are scored by how much of the question they cover (idf-weighted
stems, with a small table of general English near-synonyms from `lexicon_en`) blended with the dense
similarity of their passage. Below a calibrated score it abstains. When the best sentences are claims
by different parties and one contradicts another, it shows each side with who said it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .. import lexicon_en as en
from ..calibration import DEFAULT, Calibration, embedder_key, load_calibration
from ..citations import cite, escape_markers
from ..config import Settings
from ..lexical import terms
from ..memory import condense_offline
from ..types import Answer, Citation, ScoredPassage, Turn
from . import ABSTAIN_TEXT, AnswerRequest

_QUESTION_WORDS = frozenset(terms(en.QUESTION_WORDS))
_SYNONYMS: dict[str, frozenset[str]] = {}
for _group in en.SYNONYM_GROUPS:
    _stems = frozenset(terms(_group))
    for _s in _stems:
        _SYNONYMS[_s] = _SYNONYMS.get(_s, frozenset()) | (_stems - {_s})


def _words(words: Sequence[str]) -> str:
    return "|".join(w.replace(" ", r"\s+") for w in words)


_NUMBER = re.compile(rf"\b(\d+|{_words(en.NUMBER_WORDS)})\b", re.I)
_DATE = re.compile(
    rf"\b({_words(en.MONTHS)}|\d{{4}}|{_words(en.WEEKDAYS)}|{_words(en.RELATIVE_DAYS)})\b", re.I
)
_LEAD = rf"(?:(?:{_words(en.DISCOURSE_LEADS)})\s*,\s*)?"
_SPEAKER = re.compile(
    r"^" + _LEAD + r"(?P<speaker>(?:the\s+)?[A-Z][^,.;:“\"]{1,80}?)\s+"
    rf"(?:{_words(en.SPEECH_VERBS)})\b",
    re.I,
)
_ACCORDING = re.compile(r"\baccording to (?P<speaker>[^,.;]{2,80})", re.I)
MANY_PARTS = 8  # questions with this many content stems are judged by what sentences cover together
_CONTINUES = re.compile(rf"\s*({_words(en.CONTINUATION_OPENERS)})\b", re.I)
_CONTRAST = re.compile(rf"\b({_words(en.CONTRAST_WORDS)})\b", re.I)
# Questions about responsibility or what each side claims call for every side's account.
_WHO_QUESTION = re.compile(
    rf"\b(who ({_words(en.RESPONSIBILITY_VERBS)})|{en.ACCOUNT_WORDS})\b",
    re.I,
)


@dataclass(frozen=True)
class Candidate:
    """One report sentence, scored against the question."""

    source: ScoredPassage
    start: int
    end: int
    text: str
    score: float
    terms: frozenset[str]
    credit: tuple[tuple[str, float], ...] = ()  # question stems it matches, with their weight
    dense: float = 0.0

    @property
    def flat(self) -> str:
        return " ".join(self.text.split())


def speaker(sentence: str) -> str | None:
    """Who a sentence attributes its claim to ("the Norland Ministry of Defence"), if anyone."""
    flat = " ".join(sentence.split())
    m = _SPEAKER.match(flat) or _ACCORDING.search(flat)
    if not m:
        return None
    who = re.sub(r"^the\s+", "", m.group("speaker").strip(), flags=re.I)
    return None if who.lower() in en.PRONOUNS else who


class ExtractiveAnswerer:
    """Offline, deterministic, and every sentence it says is a verified quote."""

    name = "extractive"

    def __init__(
        self, threshold: float, max_sentences: int, calibration: Calibration = DEFAULT
    ) -> None:
        self.threshold = threshold
        self.max_sentences = max_sentences
        self.calibration = calibration

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        return condense_offline(question, history)

    def score_sentences(self, request: AnswerRequest) -> list[Candidate]:
        """All sentences of the retrieved passages, best first."""
        weights = _query_weights(request, request.question)
        total = sum(weights.values())
        wants_number = bool(re.match(r"\s*how (many|much)\b", request.question, re.I))
        wants_date = bool(
            re.match(r"\s*(when|on what date|what date|which day)\b", request.question, re.I)
        )
        out: list[Candidate] = []
        for sp in request.passages:
            text = request.report_text(sp.passage.report_id)
            dense = self._dense_norm(sp.dense)
            previous: frozenset[str] = frozenset()
            for s, e in sp.passage.sentences or ((sp.passage.start, sp.passage.end),):
                sent = text[s:e]
                sterms = frozenset(terms(sent))
                # "He considered ..." continues the sentence before it: borrow its words (as a synonym counts).
                borrowed = previous if _CONTINUES.match(sent) else frozenset()
                previous = sterms
                if len(sterms) < 3:
                    continue
                credit: list[tuple[str, float]] = []
                for t, w in weights.items():
                    if t in sterms:
                        credit.append((t, w))
                    elif (
                        _SYNONYMS.get(t, frozenset()) & sterms
                        or t in borrowed
                        or any(alt <= sterms for alt in request.aliases.get(t, ()))
                    ):
                        credit.append((t, 0.7 * w))
                cover = sum(c for _, c in credit) / total if total else 0.0
                if wants_number:  # "how many" is answered by a sentence with a number in it
                    cover = min(1.0, cover + 0.1) if _NUMBER.search(sent) else 0.5 * cover
                if wants_date and _DATE.search(sent):
                    cover = min(1.0, cover + 0.1)
                score = cover if dense is None else 0.6 * cover + 0.4 * dense
                out.append(Candidate(sp, s, e, sent, score, sterms, tuple(credit), dense or 0.0))
        out.sort(key=lambda c: (-c.score, c.source.passage.report_id, c.start))
        return out

    def _dense_norm(self, cos: float | None) -> float | None:
        """Cosines of one embedder crowd into a narrow band (e5: 0.7-0.9); spread it onto 0-1."""
        if cos is None:
            return None
        cal = self.calibration
        return min(1.0, max(0.0, (cos - cal.dense_floor) / cal.dense_span))

    def select(self, candidates: list[Candidate], question: str) -> tuple[list[Candidate], bool]:
        """The sentences to say (reading order) and whether they are conflicting accounts."""
        best = candidates[0]
        chosen = [best]
        floor = max(self.threshold, 0.8 * best.score)
        for c in candidates[1:]:
            if len(chosen) >= self.max_sentences or c.score < floor:
                break
            if all(_overlap(c, o) < 0.5 for o in chosen):
                chosen.append(c)
        # Conflicting accounts: claims by different parties among the strong candidates (a
        # question about responsibility looks further down, where the denials usually are).
        asks_who = bool(_WHO_QUESTION.search(question))
        floor = 0.7 * self.threshold

        def strong(c: Candidate) -> bool:
            if c.score >= max(floor, 0.6 * best.score):
                return True
            # further down only a claim that disputes another (a denial, "in contrast") qualifies
            return (
                asks_who
                and c.score >= max(floor, 0.45 * best.score)
                and bool(_CONTRAST.search(c.text))
            )

        by_speaker: dict[str, Candidate] = {}
        for c in filter(strong, candidates):
            who = speaker(c.text)
            if who and who.lower() not in by_speaker:
                by_speaker[who.lower()] = c
        sides = list(by_speaker.values())[:3]
        conflict = len(sides) >= 2 and (asks_who or any(_CONTRAST.search(c.text) for c in sides))
        if conflict:
            chosen = (
                sides
                + [c for c in chosen if c not in sides][: max(0, self.max_sentences - len(sides))]
            )
        chosen.sort(key=lambda c: (c.source.passage.report_id, c.start))
        return chosen, conflict

    def cover(
        self, candidates: list[Candidate], weights: dict[str, float]
    ) -> tuple[list[Candidate], float]:
        """For questions with many parts (comparisons, multi-hop): greedily pick the sentences
        that together cover most of the question, and score them together."""
        total = sum(weights.values()) or 1.0
        got: dict[str, float] = {}
        chosen: list[Candidate] = []
        pool = candidates[: 8 * self.max_sentences]
        while len(chosen) < self.max_sentences:

            def gain(c: Candidate) -> float:
                return sum(max(0.0, w - got.get(t, 0.0)) for t, w in c.credit)

            best = max((c for c in pool if c not in chosen), key=gain, default=None)
            if best is None or gain(best) < 0.05 * total:
                break
            chosen.append(best)
            for t, w in best.credit:
                got[t] = max(got.get(t, 0.0), w)
        if not chosen:
            return [], 0.0
        dense = sum(c.dense for c in chosen) / len(chosen)
        cover = sum(got.values()) / total
        score = cover if chosen[0].source.dense is None else 0.6 * cover + 0.4 * dense
        chosen.sort(key=lambda c: (c.source.passage.report_id, c.start))
        return chosen, score

    def decide(
        self, request: AnswerRequest, candidates: list[Candidate]
    ) -> tuple[list[Candidate], bool]:
        """The gate and the choice: the sentences to say (none: abstain) and whether they are
        conflicting accounts. Questions with many parts are judged by what sentences cover
        together, others by their best sentence."""
        weights = _query_weights(request, request.question)
        if not candidates:
            return [], False
        if len(weights) >= MANY_PARTS:
            chosen, score = self.cover(candidates, weights)
            return (chosen, False) if score >= self.threshold else ([], False)
        if candidates[0].score < self.threshold:
            return [], False
        return self.select(candidates, request.question)

    def clears_gate(self, request: AnswerRequest) -> bool:
        """Whether the retrieved text holds something worth answering from (other backends ask
        this before spending an LLM call)."""
        return bool(self.decide(request, self.score_sentences(request))[0])

    def answer(self, request: AnswerRequest) -> Iterator[str | Answer]:
        t0 = time.perf_counter()
        candidates = self.score_sentences(request)
        chosen, conflict = self.decide(request, candidates)
        # Nothing to say (no candidates, or none that clears the gate): abstain, whatever the
        # threshold (0 included).
        if not chosen:
            yield ABSTAIN_TEXT
            yield self._final(request, ABSTAIN_TEXT, (), True, t0)
            return
        parts: list[str] = []
        citations: list[Citation] = []
        if conflict:
            head = "The reports give differing accounts:\n"
            parts.append(head)
            yield head
        for c in chosen:
            citation = cite(
                len(citations) + 1,
                c.source,
                c.start,
                c.end,
                request.report_text(c.source.passage.report_id),
                support="quoted",  # the answer sentence is the span itself
            )
            if citation is None:
                continue
            citations.append(citation)
            said = escape_markers(c.flat)  # a "[7]" in the report is its text, not a marker
            piece = (
                f"- {said} [{citation.marker}]\n" if conflict else f"{said} [{citation.marker}] "
            )
            parts.append(piece)
            yield piece
        text = "".join(parts).strip()
        if not citations:
            yield self._final(request, ABSTAIN_TEXT, (), True, t0)
            return
        yield self._final(request, text, tuple(citations), False, t0)

    def _final(
        self,
        request: AnswerRequest,
        text: str,
        citations: tuple[Citation, ...],
        abstained: bool,
        t0: float,
    ) -> Answer:
        timings = dict(request.timings, answer=time.perf_counter() - t0)
        return Answer(
            question=request.question,
            text=text,
            citations=citations,
            abstained=abstained,
            backend=self.name,
            considered=tuple(request.passages),
            timings=timings,
            query=request.query,
        )


def _query_weights(request: AnswerRequest, question: str) -> dict[str, float]:
    """idf weight per question stem; words borrowed from earlier turns weigh a little less."""
    weights: dict[str, float] = {}
    for t in terms(question):
        if t not in _QUESTION_WORDS:
            weights[t] = request.idf(t)
    if request.query != request.question:
        for t in terms(request.query):
            if t not in _QUESTION_WORDS and t not in weights:
                weights[t] = 0.8 * request.idf(t)
    return weights


def _overlap(a: Candidate, b: Candidate) -> float:
    if a.source.passage.report_id == b.source.passage.report_id and a.start == b.start:
        return 1.0
    union = a.terms | b.terms
    return len(a.terms & b.terms) / len(union) if union else 0.0


def make(settings: Settings) -> ExtractiveAnswerer:
    """The registered factory: fitted constants come from the embedder's calibration entry."""
    calibration = load_calibration(embedder_key(settings))
    threshold = settings.abstain_threshold
    if threshold is None:
        threshold = calibration.abstain_threshold
    return ExtractiveAnswerer(threshold, settings.max_sentences, calibration)
