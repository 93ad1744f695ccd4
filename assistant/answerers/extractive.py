"""The offline answerer: quotes the report sentences that answer the question, each cited.

Sentences of the retrieved passages are scored by how much of the question they cover (idf-weighted
stems, with a small table of general English near-synonyms from `lexicon_en`) blended with the dense
similarity of their passage. Words with which the question names its sources, their dates or how
they report ("the X article published on 3 May suggests") count when a sentence or its report's
metadata has them and are not owed otherwise (`framing`); function words weigh nothing. "When"
questions prefer a sentence that gives the whole date. A fitted sentence model orders the best
of them and a fitted gate decides whether any answers (`learned.py`; weights per embedder in
calibration.json); it abstains otherwise, and when the question names something none of the
passages mentions, saying which. A how-many / when / who / where answer opens with the clause
that gives the value (`short_answer.py`). When
the best sentences are claims by different parties and one contradicts another, it shows each
side with who said it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from .. import lexicon_en as en
from ..accounts import alternatives, attribute, is_claim, stance
from ..calibration import DEFAULT, Calibration, Logistic, embedder_key, load_calibration
from ..citations import cite, escape_markers
from ..config import Settings
from ..disagreements import differ
from ..errors import UnknownReport
from ..framing import day_terms, framing_terms
from ..lexical import terms
from ..memory import condense_offline
from ..recency import RECENCY_WEIGHT, freshness
from ..support import names_in
from ..types import Answer, Citation, ScoredPassage, Turn
from . import ABSTAIN_TEXT, AnswerRequest
from .learned import SCORED, asked_kind, gives_kind, novelty
from .short_answer import lead
from .unmentioned import missing_names, refusal

_QUESTION_WORDS = frozenset(terms(en.QUESTION_WORDS))
# Function words ("between", "after", "from") shape a question; they say nothing of its topic.
# Unweighted (measured with framing.py on): SQuAD 2.0 dev (400) answer contains 0.845 -> 0.850,
# false abstention 0.019 -> 0.014, abstention recall unchanged; MultiHop-RAG dev false abstention
# 0.201 -> 0.185 but fact recall 0.547 -> 0.528 (other greedy picks); RGB en_fact dev unchanged.
_UNWEIGHTED = _QUESTION_WORDS | frozenset(terms(" ".join(en.FUNCTION_WORDS)))
_SYNONYMS: dict[str, frozenset[str]] = {}
for _group in en.SYNONYM_GROUPS:
    _stems = frozenset(terms(_group))
    for _s in _stems:
        _SYNONYMS[_s] = _SYNONYMS.get(_s, frozenset()) | (_stems - {_s})


_NUMBER = re.compile(rf"\b(\d+|{alternatives(en.NUMBER_WORDS)})\b", re.I)
_DATE = re.compile(
    rf"\b({alternatives(en.MONTHS)}|\d{{4}}|{alternatives(en.WEEKDAYS)}|{alternatives(en.RELATIVE_DAYS)})\b",
    re.I,
)
# A whole date ("3 May 2024", "May 3, 2024", "2024-05-03"): the most specific answer to "when".
# Preferring it: RGB en_fact dev true value shown 0.642 -> 0.672; SQuAD and MultiHop unchanged.
_MONTH_NAME = alternatives((*en.MONTHS, *en.MONTH_ABBREVIATIONS))
_FULL_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH_NAME})\.?,?\s+\d{{4}}"
    rf"|(?:{_MONTH_NAME})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{4}}-\d\d-\d\d)\b",
    re.I,
)
MAX_SIDES = 4  # parties shown side by side
MAX_EVENTS = 3  # reports whose best sentence is tried as the event of a who-question
CLAIM_FLOOR = 0.2  # who-questions: claims down to this share of the best sentence's score
TWIN_FLOOR = 0.5  # a sentence giving another value for the answer's fact, down to this share
SIDE_SENTENCES = 2  # claims per party (a second only when it names the party again)
# Words a question capitalises without naming anything ("Who", "What").
_QUESTION_NAMES = frozenset(en.QUESTION_WORDS.split())
MANY_PARTS = 8  # questions with this many content stems are judged by what sentences cover together
_CONTINUES = re.compile(rf"\s*({alternatives(en.CONTINUATION_OPENERS)})\b", re.I)
_CONTRAST = re.compile(rf"\b({alternatives(en.CONTRAST_WORDS)})\b", re.I)
# Questions about responsibility or what each side claims call for every side's account.
_WHO_QUESTION = re.compile(
    rf"\b(who ({alternatives(en.RESPONSIBILITY_VERBS)})|{en.ACCOUNT_WORDS})\b",
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
    cover: float = 0.0  # the share of the question it earns, before the dense blend
    first: bool = False  # the first sentence of its passage

    @property
    def flat(self) -> str:
        return " ".join(self.text.split())

    @property
    def report_id(self) -> str:
        return self.source.passage.report_id


@dataclass
class Side:
    """One party's claims among the answer's sentences."""

    speaker: str  # as the first of its sentences in reading order names it
    said: list[Candidate]
    names: dict[tuple[str, int], str] = field(default_factory=dict)  # speaker per sentence

    def order(self) -> None:
        self.said.sort(key=lambda c: (c.report_id, c.start))
        self.speaker = self.names.get((self.said[0].report_id, self.said[0].start), self.speaker)

    def label(self) -> str:
        who = self.speaker[:1].upper() + self.speaker[1:]
        mood = next((stance(c.text) for c in self.said if stance(c.text)), "")
        return f"{who} ({mood})" if mood else who


class _Event:
    """Which sentences are about the event the best sentence tells of: those of its report, and
    those of another report that names what the question names (or, when the question names
    nothing, shares two names with the best passage beyond names every retrieved report uses).
    A clash elsewhere in another report is not a side of this dispute."""

    def __init__(self, best: Candidate, request: AnswerRequest):
        self.report = best.report_id
        self.asked = {n.lower() for n in names_in(request.question)} - _QUESTION_NAMES
        by_report: dict[str, set[str]] = {}
        for sp in request.passages:
            by_report.setdefault(sp.passage.report_id, set()).update(_names(sp.passage.text))
        common = set.intersection(*by_report.values()) if len(by_report) > 1 else set()
        self.anchor = _names(best.source.passage.text) - common

    def holds(self, c: Candidate) -> bool:
        if c.report_id == self.report:
            return True
        names = _names(c.source.passage.text)
        if self.asked:
            return bool(self.asked & names)
        return len(self.anchor & names) >= 2


def _twins(
    cited: Sequence[tuple[str, int, str]], pool: Sequence[Candidate], floor: float
) -> list[Candidate]:
    """Sentences of other reports that state a cited sentence's fact with another value (a
    toll, a date, a name): shown beside it, so a disagreement is never settled silently. `cited`
    is report id, start and text of each sentence said; `pool` is best first."""
    said = {(rid, start) for rid, start, _ in cited}
    out: list[Candidate] = []
    for report_id, _, text in cited:
        for d in pool:
            if d.score < floor:
                break
            if d.report_id == report_id or (d.report_id, d.start) in said or d in out:
                continue
            if differ(text, d.text):
                out.append(d)
                break
    return out


def _names(text: str) -> set[str]:
    return {n.lower() for n in names_in(text)}


class ExtractiveAnswerer:
    """Offline, deterministic, and every sentence it says is a verified quote."""

    name = "extractive"

    def __init__(
        self,
        threshold: float,
        max_sentences: int,
        calibration: Calibration = DEFAULT,
        learned: bool = True,
    ) -> None:
        self.threshold = threshold
        self.max_sentences = max_sentences
        self.calibration = calibration
        # the fitted models and thresholds, unless a threshold on the hand score was asked for
        self.model: Logistic | None = calibration.sentence_model if learned else None
        self.gate: Logistic | None = calibration.gate if learned else None
        many = calibration.many_threshold if learned else None
        self.many_threshold = threshold if many is None else many

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        return condense_offline(question, history)

    def score_sentences(
        self, request: AnswerRequest, passages: Sequence[ScoredPassage] | None = None
    ) -> list[Candidate]:
        """All sentences of the retrieved passages (or of `passages`), best first."""
        weights = _query_weights(request, request.question)
        framing = framing_terms(request.question) & weights.keys()
        asked = _asked_value(request.question)
        wants_number, wants_date = asked is _NUMBER, asked is _DATE
        out: list[Candidate] = []
        for sp in request.passages if passages is None else passages:
            text = request.report_text(sp.passage.report_id)
            dense = self._dense_norm(sp.dense)
            about = _report_terms(sp) & framing
            previous: frozenset[str] = frozenset()
            spans = sp.passage.sentences or ((sp.passage.start, sp.passage.end),)
            for i, (s, e) in enumerate(spans):
                sent = text[s:e]
                sterms = frozenset(terms(sent))
                # "He considered ..." continues the sentence before it: borrow its words (as a synonym counts).
                borrowed = previous if _CONTINUES.match(sent) else frozenset()
                previous = sterms
                if len(sterms) < 3:
                    continue
                credit: list[tuple[str, float]] = []
                for t, w in weights.items():
                    if t in sterms or t in about:
                        credit.append((t, w))
                    elif (
                        _SYNONYMS.get(t, frozenset()) & sterms
                        or t in borrowed
                        or any(alt <= sterms for alt in request.aliases.get(t, ()))
                    ):
                        credit.append((t, 0.7 * w))
                cover = _coverage(credit, weights, framing)
                if wants_number:  # "how many" is answered by a sentence with a number in it
                    cover = min(1.0, cover + 0.1) if _NUMBER.search(sent) else 0.5 * cover
                if wants_date and _DATE.search(sent):
                    cover = min(1.0, cover + 0.1)
                    if _full_date(sent):  # the day, month and year: said in full
                        cover += 0.1
                score = cover if dense is None else 0.6 * cover + 0.4 * dense
                out.append(
                    Candidate(
                        sp, s, e, sent, score, sterms, tuple(credit), dense or 0.0, cover, i == 0
                    )
                )
        out.sort(key=lambda c: (-c.score, c.source.passage.report_id, c.start))
        return out

    def sentence_features(
        self, request: AnswerRequest, candidates: Sequence[Candidate]
    ) -> list[dict[str, float]]:
        """What the sentence model weighs, for the hand score's top SCORED candidates."""
        rank = {id(sp): i for i, sp in enumerate(request.passages)}
        top_lexical = max((sp.lexical or 0.0 for sp in request.passages), default=0.0)
        kind = asked_kind(request.question)
        asked = terms(request.question)
        return [
            {
                "score": c.score,
                "cover": c.cover,
                "dense": c.dense,
                "rank": 1.0 / (1 + rank.get(id(c.source), len(rank))),
                "lexical": (c.source.lexical or 0.0) / top_lexical if top_lexical > 0 else 0.0,
                "kind": float(gives_kind(kind, c.text, request.question)),
                "first": float(c.first),
                "novel": novelty(c.terms, asked),
            }
            for c in candidates[:SCORED]
        ]

    def gate_features(
        self, request: AnswerRequest, candidates: Sequence[Candidate], best: Mapping[str, float]
    ) -> dict[str, float]:
        """What the gate weighs: the best sentence's features (`best`, with its model log-odds
        under "logit"), the top passage's similarity, and the heaviest question word that no
        candidate earns (synonyms and learned aliases count)."""
        weights = _query_weights(request, request.question)
        earned = {t for c in candidates for t, _ in c.credit}
        heaviest = max(weights.values(), default=0.0)
        missing = max((w for t, w in weights.items() if t not in earned), default=0.0)
        top = self._dense_norm(request.passages[0].dense) if request.passages else None
        return {
            "best": best.get("logit", 0.0),
            "score": best["score"],
            "dense_top": top or 0.0,
            "missing": missing / heaviest if heaviest > 0 else 0.0,
            "kind": best["kind"],
        }

    def ranked(
        self, request: AnswerRequest, candidates: list[Candidate]
    ) -> tuple[list[Candidate], bool]:
        """The candidates in the sentence model's order (the hand order without one), and
        whether the best clears the gate."""
        if not candidates:
            return candidates, False
        if self.model is None and self.gate is None:
            return candidates, candidates[0].score >= self.threshold
        features = self.sentence_features(request, candidates)
        for f in features:
            f["logit"] = self.model.logit(f) if self.model is not None else f["score"]
        order = sorted(range(len(features)), key=lambda i: -features[i]["logit"])
        ordered = [candidates[i] for i in order] + candidates[len(features) :]
        best = features[order[0]]
        if self.gate is None:
            return ordered, ordered[0].score >= self.threshold
        gate = self.gate.prob(self.gate_features(request, candidates, best))
        return ordered, gate >= self.calibration.gate_threshold

    def _dense_norm(self, cos: float | None) -> float | None:
        """Cosines of one embedder crowd into a narrow band (e5: 0.7-0.9); spread it onto 0-1."""
        if cos is None:
            return None
        cal = self.calibration
        return min(1.0, max(0.0, (cos - cal.dense_floor) / cal.dense_span))

    def select(
        self,
        candidates: list[Candidate],
        request: AnswerRequest,
        fresh: Mapping[str, float] | None = None,
        by_hand: list[Candidate] | None = None,
    ) -> tuple[list[Candidate], list[Side]]:
        """The sentences to say (reading order; newest report first when `fresh` says how new
        each report is) and, when they are claims of different parties, those parties' sides.
        Sides are read in the hand order (`by_hand`): the sentence model was fitted to put an
        answer first, not to pick each party's claims."""
        best = candidates[0]
        chosen = [best]
        floor = max(self.threshold, 0.8 * best.score)
        for c in candidates[1:]:
            if len(chosen) >= self.max_sentences:
                break
            # the model's order is not the hand score's: a sentence below the floor hides none after it
            if c.score >= floor and all(_overlap(c, o) < 0.5 for o in chosen):
                chosen.append(c)
        kind = _asked_value(request.question)
        if kind is not None and kind.search(best.text):
            # "How many ...?" / "When ...?": a sentence without a number / a date does not
            # answer it, so beside a best sentence that does, it is padding (SQuAD 2.0 dev 1,000:
            # answer contains gold unchanged at 0.879, citation precision 0.432 -> 0.439; the
            # sample suite 0.553 -> 0.560; MultiHop-RAG and RGB en_fact dev unchanged)
            chosen = [c for c in chosen if kind.search(c.text)]
        sides = self.sides(candidates if by_hand is None else by_hand, request)
        newness = fresh or {}
        if sides:
            return [c for side in sides for c in side.said], sides
        # Other values of the chosen facts are looked for below the top passages too: a source
        # that disagrees is shown even when it ranks lower (RGB en_fact dev, Settings.cross_check
        # 10 against none: true value shown 0.687 -> 0.731, disagreement flagged when a
        # counterfactual is cited 0.854 -> 0.920, silently false 0.045 -> 0; 15 or 20 add
        # nothing. SQuAD 2.0 dev 1,000, MultiHop-RAG dev and the sample suite unchanged.)
        deeper = self.score_sentences(request, _readable(request)) if request.further else []
        pool = sorted([*candidates, *deeper], key=lambda c: (-c.score, c.report_id, c.start))
        said = [(c.report_id, c.start, c.text) for c in chosen]
        chosen += _twins(said, pool, TWIN_FLOOR * best.score)
        chosen.sort(key=lambda c: (-newness.get(c.report_id, 0.0), c.report_id, c.start))
        return chosen, sides

    def sides(self, candidates: list[Candidate], request: AnswerRequest) -> list[Side]:
        """Claims by different named parties about one event: shown as accounts when the
        question asks who did it / what each says, or when one side disputes another. The event
        is the best sentence's; when it has fewer than two sides, the best sentence of each other
        report in turn (a who-question is asked of the event whose parties dispute it)."""
        asks_who = bool(_WHO_QUESTION.search(request.question))
        # Claims rarely share the question's words ("who started it?" against "X said Y shelled
        # Z"): who-questions take any claim of the event that is at all relevant.
        floor = (CLAIM_FLOOR if asks_who else 0.6) * candidates[0].score
        if not asks_who and not any(
            stance(c.text) or _CONTRAST.search(c.text) for c in candidates if c.score >= floor
        ):
            return []  # no who-question and no dispute among the strong sentences: no sides
        anchors: dict[str, Candidate] = {}
        for c in candidates:
            anchors.setdefault(c.report_id, c)
        for anchor in list(anchors.values())[:MAX_EVENTS]:
            found = self._sides_of(_Event(anchor, request), candidates, floor, request)
            disputed = any(
                stance(c.text) or _CONTRAST.search(c.text) for side in found for c in side.said
            )
            if len(found) >= 2 and (asks_who or disputed):
                for side in found:
                    side.order()
                found.sort(key=lambda side: (side.said[0].report_id, side.said[0].start))
                return found
        return []

    def _sides_of(
        self, event: _Event, candidates: list[Candidate], floor: float, request: AnswerRequest
    ) -> list[Side]:
        by_party: dict[str, Side] = {}
        for c in candidates:
            if c.score < floor or not event.holds(c):
                continue
            who = attribute(request.report_text(c.report_id), c.start, c.end, None)
            if who is None:
                continue
            key = request.party_of(who.speaker)
            side = by_party.get(key)
            if side is None:
                if not is_claim(c.text):  # a side opens with its version, not a figure
                    continue
                side = by_party[key] = Side(who.speaker, [])
            elif who.voice != "said" or not is_claim(c.text):
                continue  # more of a side: another claim it makes, not what follows the first
            if len(side.said) < SIDE_SENTENCES and all(_overlap(c, o) < 0.5 for o in side.said):
                side.said.append(c)
                side.names[(c.report_id, c.start)] = who.speaker
        return list(by_party.values())[:MAX_SIDES]

    def cover(
        self,
        candidates: list[Candidate],
        weights: dict[str, float],
        framing: frozenset[str] = frozenset(),
    ) -> tuple[list[Candidate], float]:
        """For questions with many parts (comparisons, multi-hop): greedily pick the sentences
        that together cover most of the question, and score them together (`framing`: the
        question's words about its sources and their dates, owed only when earned)."""
        total = sum(weights.values()) or 1.0
        got: dict[str, float] = {}
        chosen: list[Candidate] = []
        pool = candidates[: 8 * self.max_sentences]
        while len(chosen) < self.max_sentences:

            def gain(c: Candidate, facts_only: bool = False) -> float:
                return sum(
                    max(0.0, w - got.get(t, 0.0))
                    for t, w in c.credit
                    if not (facts_only and t in framing)
                )

            # framing alone (a source's name, a date) never picks a sentence: an answer sentence
            # carries some of the question's facts (MultiHop-RAG dev: citation precision 0.520
            # -> 0.548, median answer 84 -> 80 words, at false abstention 0.185 -> 0.201)
            fresh = [c for c in pool if c not in chosen and gain(c, facts_only=True) > 0]
            best = max(fresh, key=gain, default=None)
            if best is None or gain(best) < 0.05 * total:
                break
            chosen.append(best)
            for t, w in best.credit:
                got[t] = max(got.get(t, 0.0), w)
        if not chosen:
            return [], 0.0
        # The best dense match among them: a mean fell whenever the greedy pick added a distractor
        # of equal word gain (which the retrieval order decides), and the question abstained
        # (MultiHop-RAG dev: false abstention 0.217 -> 0.154, fact recall 0.491 -> 0.528, null
        # questions all still refused; SQuAD 2.0 dev 1,000, RGB and the sample suite unchanged).
        dense = max(c.dense for c in chosen)
        cover = _coverage(tuple(got.items()), weights, framing)
        score = cover if chosen[0].source.dense is None else 0.6 * cover + 0.4 * dense
        chosen.sort(key=lambda c: (c.source.passage.report_id, c.start))
        return chosen, score

    def unmentioned(self, request: AnswerRequest) -> list[str]:
        """Names the question asks about that no retrieved passage mentions (`unmentioned.py`);
        questions with many parts are left to what sentences cover together (a multi-hop
        question names more than its top passages hold)."""
        return [] if many_parts(request) else missing_names(request)

    def decide(self, request: AnswerRequest, candidates: list[Candidate]) -> Decision:
        """The gate and the choice: the sentences to say (none: abstain), the sides when they
        are different parties' claims, and the best of them in the sentence model's order.
        Questions with many parts are judged by what sentences cover together, others by their
        best sentence."""
        if not candidates or self.unmentioned(request):
            return Decision([], [])
        if many_parts(request):
            weights = _query_weights(request, request.question)
            framing = framing_terms(request.question) & weights.keys()
            chosen, score = self.cover(candidates, weights, framing)
            return Decision(chosen if score >= self.many_threshold else [], [])
        ordered, clears = self.ranked(request, candidates)
        if not clears:
            return Decision([], [])
        fresh = freshness(request.passages) if request.prefer_recent else {}
        if fresh:  # newer reports' sentences first, once the gate has read relevance alone
            bonused = sorted(
                (replace(c, score=c.score + RECENCY_WEIGHT * fresh[c.report_id]) for c in ordered),
                key=lambda c: (-c.score, c.report_id, c.start),
            )
            chosen, sides = self.select(bonused, request, fresh)
        else:
            chosen, sides = self.select(ordered, request, fresh, candidates)
        keys = {(c.report_id, c.start) for c in chosen}  # chosen may carry a recency bonus
        best = next((c for c in ordered if (c.report_id, c.start) in keys), None)
        return Decision(chosen, sides, best)

    def disagreeing(
        self, request: AnswerRequest, cited: Sequence[tuple[str, int, str]]
    ) -> list[Candidate]:
        """For an answer another backend wrote: sentences of other reports, down to the
        cross-check depth, that give another value of a fact a cited span states (one per span;
        `cited` is report id, start and quote of each citation)."""
        pool = self.score_sentences(request, [*request.passages, *_readable(request)])
        return _twins(cited, pool, TWIN_FLOOR * pool[0].score) if pool else []

    def refusal(self, request: AnswerRequest) -> str:
        """The abstention, saying why when it is that the passages never name what was asked
        about (a user's misspelt name shows up here too)."""
        return refusal(request.question, self.unmentioned(request) if request.passages else [])

    def clears_gate(self, request: AnswerRequest) -> bool:
        """Whether the retrieved text holds something worth answering from (other backends ask
        this before spending an LLM call)."""
        return bool(self.decide(request, self.score_sentences(request)).chosen)

    def answer(self, request: AnswerRequest) -> Iterator[str | Answer]:
        t0 = time.perf_counter()
        candidates = self.score_sentences(request)
        chosen, sides, best = self.decide(request, candidates)
        # Nothing to say (no candidates, or none that clears the gate): abstain, whatever the
        # threshold (0 included).
        if not chosen:
            refusal = self.refusal(request)
            yield refusal
            yield self._final(request, refusal, (), True, t0)
            return
        parts: list[str] = []
        citations: list[Citation] = []
        disagree = not sides and any(
            differ(a.text, b.text)
            for i, a in enumerate(chosen)
            for b in chosen[i + 1 :]
            if a.report_id != b.report_id
        )
        if sides:
            lines = [(f"- {side.label()}: ", side.said) for side in sides]
        elif disagree:
            lines = [("- ", [c]) for c in chosen]
        else:
            lines = [("", chosen)]
        if sides or disagree:
            head = "The reports give differing accounts:\n" if sides else "The reports disagree:\n"
            parts.append(head)
            yield head
        cited: dict[tuple[str, int], Citation] = {}

        def citation_of(c: Candidate) -> Citation | None:
            if (c.report_id, c.start) not in cited:
                citation = cite(
                    len(citations) + 1,
                    c.source,
                    c.start,
                    c.end,
                    request.report_text(c.report_id),
                    support="quoted",  # the answer sentence is the span itself
                )
                if citation is None:
                    return None
                citations.append(citation)
                cited[(c.report_id, c.start)] = citation
            return cited[(c.report_id, c.start)]

        # a how-many / when / who / where answer opens with the clause of its best sentence that
        # gives the value asked for (`short_answer.py`), then the sentences it comes from
        phrase = None if sides or disagree or best is None else lead(best.text, request.question)
        if best is not None and phrase is not None:
            citation = citation_of(best)
            if citation is not None:
                piece = f"{escape_markers(phrase)} [{citation.marker}]\n\n"
                parts.append(piece)
                yield piece
        for opener, said in lines:
            piece = opener
            for c in said:
                citation = citation_of(c)
                if citation is None:
                    continue
                # a "[7]" in the report is its text, not a marker
                piece += f"{escape_markers(c.flat)} [{citation.marker}] "
            if piece != opener:
                piece = piece.rstrip() + "\n" if opener else piece
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


class Decision(NamedTuple):
    """What `decide` chose: no `chosen` means abstain; `best` is the first of them in the
    sentence model's order (None for questions with many parts, judged together)."""

    chosen: list[Candidate]
    sides: list[Side]
    best: Candidate | None = None


def many_parts(request: AnswerRequest) -> bool:
    """Questions with this many content stems are judged by what sentences cover together."""
    return len(_query_weights(request, request.question)) >= MANY_PARTS


def _readable(request: AnswerRequest) -> list[ScoredPassage]:
    """The cross-check passages whose report can still be read: one removed since retrieval
    drops its other value, not the answer."""
    out = []
    for sp in request.further:
        try:
            request.report_text(sp.passage.report_id)
        except UnknownReport:
            continue
        out.append(sp)
    return out


def _query_weights(request: AnswerRequest, question: str) -> dict[str, float]:
    """idf weight per question stem; words borrowed from earlier turns weigh a little less."""
    weights: dict[str, float] = {}
    for t in terms(question):
        if t not in _UNWEIGHTED:
            weights[t] = request.idf(t)
    if request.query != request.question:
        for t in terms(request.query):
            if t not in _UNWEIGHTED and t not in weights:
                weights[t] = 0.8 * request.idf(t)
    return weights


def _coverage(
    credit: Sequence[tuple[str, float]], weights: Mapping[str, float], framing: frozenset[str]
) -> float:
    """The share of the question's weight a sentence (or sentences) earn; framing words
    (sources, report dates, reporting verbs) count when earned and are not owed otherwise."""
    earned = {t for t, _ in credit}
    owed = sum(w for t, w in weights.items() if t not in framing or t in earned)
    return sum(c for _, c in credit) / owed if owed > 0 else 0.0


def _report_terms(sp: ScoredPassage) -> frozenset[str]:
    """Stems of what a passage's report is known by beside its text: its source and date."""
    return frozenset(terms(sp.source or "")) | day_terms(sp.published)


def _asked_value(question: str) -> re.Pattern[str] | None:
    """The kind of value a how-many / how-much or when question asks for, as a pattern."""
    if re.match(r"\s*how (many|much)\b", question, re.I):
        return _NUMBER
    if re.match(r"\s*(when|on what date|what date|which day)\b", question, re.I):
        return _DATE
    return None


def _full_date(sentence: str) -> bool:
    """Does the sentence give a day with its month and year, past its opening? A date that
    opens a sentence stamps it (a dateline, a listing's date) rather than telling when."""
    return any(m.start() > 0 for m in _FULL_DATE.finditer(sentence.strip()))


def _overlap(a: Candidate, b: Candidate) -> float:
    if a.source.passage.report_id == b.source.passage.report_id and a.start == b.start:
        return 1.0
    union = a.terms | b.terms
    return len(a.terms & b.terms) / len(union) if union else 0.0


def make(settings: Settings) -> ExtractiveAnswerer:
    """The registered factory: fitted constants come from the embedder's calibration entry."""
    calibration = load_calibration(embedder_key(settings))
    threshold = settings.abstain_threshold
    learned = threshold is None  # a threshold asked for is one on the hand score
    if threshold is None:
        threshold = calibration.abstain_threshold
    return ExtractiveAnswerer(threshold, settings.max_sentences, calibration, learned)
