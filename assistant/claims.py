"""An answer's sentences checked against the spans they cite: cite or drop.

After `citations.resolve_markers` has turned a model's `[n]` markers into verified spans, every
sentence of the answer is judged by `support.check_support` against the spans it cites:

- a sentence with markers is kept when its spans support it (quoted or supported), else removed
  with its markers and counted;
- a sentence without markers is kept as it is only when it states no fact ("The accounts differ:",
  `support.is_meta`). Otherwise it is checked against each span the answer cites, in order; the
  first that supports it is cited for it (its marker is added), and with none it is removed and
  counted. So no fact is shown without a citation that supports it;
- with an LLM judge (ASSISTANT_SUPPORT_CHECK=llm), a sentence the lexical check found `supported`
  is also put to the judge; a "no" (or a reply that is neither yes nor no) removes it. Quoted
  sentences are the span itself and are not judged.

Citations no kept sentence cites are dropped and the rest renumbered 1..m in order of appearance;
each keeps the weakest verdict of the sentences citing it (`supported` over `quoted`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from .citations import MARKER, split_claims
from .support import Aliases, Check, check_support, is_meta
from .types import Citation, Verdict

Judge = Callable[[str, Sequence[str]], bool | None]
"""(sentence, texts of the spans it cites) -> does an LLM agree they support it (None: unclear)."""

log = logging.getLogger(__name__)
_TAIL = re.compile(r"[.!?:;]*\s*$")
_SPACED_MARKER = re.compile(r"\s*" + MARKER.pattern)


@dataclass(frozen=True)
class Checked:
    """The answer text and citations that survived, and the sentences removed, with reasons."""

    text: str
    citations: tuple[Citation, ...]
    removed: tuple[tuple[str, str], ...] = ()

    @property
    def unsupported(self) -> int:
        return len(self.removed)


def check_claims(
    text: str,
    citations: Sequence[Citation],
    aliases: Aliases | None = None,
    judge: Judge | None = None,
) -> Checked:
    """Keep the sentences of `text` that their cited spans support (see the module docstring)."""
    by_marker = {c.marker: c for c in citations}
    kept: list[tuple[str, Verdict | None]] = []  # sentence, verdict (None: states no fact)
    removed: list[tuple[str, str]] = []
    for start, end in split_claims(text):
        sentence = text[start:end]
        cited = [by_marker[n] for n in _markers(sentence) if n in by_marker]
        if not cited and is_meta(sentence):
            kept.append((sentence, None))
            continue
        if cited:
            check = check_support(sentence, [c.quote for c in cited], aliases)
        else:
            sentence, cited, check = _cite_unmarked(sentence, citations, aliases)
        if check.verdict == "supported" and judge is not None:
            check = _judged(judge, sentence, cited, check)
        if check.verdict == "unsupported":
            removed.append((_plain(sentence), check.reason))
            log.debug("removed unsupported sentence %r: %s", sentence, check.reason)
        else:
            kept.append((sentence, check.verdict))
    return _renumber(kept, by_marker, removed)


def _plain(sentence: str) -> str:
    """A sentence without its markers, on one line."""
    return " ".join(_SPACED_MARKER.sub("", sentence).split())


def _markers(sentence: str) -> list[int]:
    return [int(n) for m in MARKER.finditer(sentence) for n in m.group(1).split(",")]


def _cite_unmarked(
    sentence: str, citations: Sequence[Citation], aliases: Aliases | None
) -> tuple[str, list[Citation], Check]:
    """A sentence the model did not cite, cited with the first span that supports it."""
    reasons = []
    for c in citations:
        check = check_support(sentence, [c.quote], aliases)
        if check.verdict != "unsupported":
            tail = _TAIL.search(sentence)
            at = tail.start() if tail else len(sentence)
            return f"{sentence[:at]} [{c.marker}]{sentence[at:]}", [c], check
        reasons.append(check.reason)
    return (
        sentence,
        [],
        Check(
            "unsupported",
            f"cites nothing that supports it ({reasons[0]})" if reasons else "cites nothing",
        ),
    )


def _judged(judge: Judge, sentence: str, cited: Sequence[Citation], check: Check) -> Check:
    agrees = judge(_plain(sentence), [c.quote for c in cited])
    if agrees is None:
        return Check("unsupported", "llm judge gave no yes/no answer")
    return check if agrees else Check("unsupported", "llm judge")


def _renumber(
    kept: Sequence[tuple[str, Verdict | None]],
    by_marker: dict[int, Citation],
    removed: Sequence[tuple[str, str]],
) -> Checked:
    """Drop citations no kept sentence cites, number the rest 1..m, set their verdicts."""
    order: dict[int, int] = {}
    verdicts: dict[int, Verdict] = {}
    for sentence, verdict in kept:
        for n in _markers(sentence):
            if n in by_marker and verdict is not None:
                order.setdefault(n, len(order) + 1)
                if verdicts.get(n) != "supported":
                    verdicts[n] = verdict

    def renumber(m: re.Match[str]) -> str:
        return "".join(f"[{order[int(n)]}]" for n in m.group(1).split(",") if int(n) in order)

    text = MARKER.sub(renumber, "".join(s for s, _ in kept)).strip()
    citations = tuple(
        replace(by_marker[old], marker=new, support=verdicts[old], support_reason="")
        for old, new in order.items()
    )
    return Checked(text if citations else "", citations, tuple(removed))
