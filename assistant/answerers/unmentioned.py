"""Names a question asks about that none of the retrieved passages mentions: passages that never
name X cannot say what X did, so the answer is a refusal that says which name it missed.

Mentioned means: in a passage's text or section, its report's title or source, or through a name
the reports define for it (learned aliases), accents aside. SQuAD 2.0 dev (1,000): abstention
recall 0.073 -> 0.103, false abstention 0.015 -> 0.027 (misspelt or differently written names:
"Geegen", "WWII"), pass rate 0.476 -> 0.484; MultiHop-RAG and RGB en_fact dev unchanged (it never
fired); the tuning suite's "What did <a party no report names> say" questions are refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from ..lexical import terms
from ..support import names_in
from . import ABSTAIN_TEXT, AnswerRequest

_POSSESSIVE = re.compile(r"['’]s$")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def missing_names(request: AnswerRequest) -> list[str]:
    """The question's names (as `names_in` reads them) that no retrieved passage mentions."""
    opening = re.match(r"\W*([^\W\d_]+)", request.question)
    first = opening.group(1) if opening else ""  # "Besides ...", "Public ...": no name
    seen: set[str] = set()
    for sp in request.passages:
        seen.update(terms(_folded(f"{sp.passage.section}\n{sp.passage.text}")))
        seen.update(terms(_folded(f"{sp.title or ''} {sp.source or ''}")))
    own = set(terms(request.question))  # "CO2" is one word, not the name "CO"
    missing: list[str] = []
    for name in dict.fromkeys(names_in(request.question)):
        name = _POSSESSIVE.sub("", name)
        stems = frozenset(terms(name))
        if name == first or len(name) < 2 or not stems <= own:
            continue
        known = frozenset(terms(_folded(name))) <= seen or any(
            alt <= seen for s in stems for alt in request.aliases.get(s, ())
        )
        if not known:
            missing.append(name)
    return missing


def refusal(question: str, missing: Sequence[str]) -> str:
    """The abstention text, naming the whole names a missing word is part of ("Zembla Coast
    Guard", not "Zembla")."""
    if not missing:
        return ABSTAIN_TEXT
    named = {_POSSESSIVE.sub("", n) for n in names_in(question)}
    runs: list[list[str]] = [[]]
    for word in _WORD.findall(question):
        word = _POSSESSIVE.sub("", word)
        if word in named:
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    shown = [" ".join(run) for run in runs if set(run) & set(missing)]
    listed = ", ".join(f"“{n}”" for n in dict.fromkeys(shown))
    return f"{ABSTAIN_TEXT} None of the passages found mentions {listed}."


def _folded(text: str) -> str:
    """Without accents: a question typed as "Mongke" asks about the report's "Möngke"."""
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
