"""The optional LLM reranker (ASSISTANT_RERANK=llm): the configured chat model reorders the best
fused passages before they reach the answerer.

Only its mechanics are tested here (on a loopback server): whether it lifts first-hit recall
depends on the model, and no model can be run on this project's machines. Passages are declared
as data in the prompt (prompts/rerank.txt). A reply is read leniently: numbers it repeats or does
not know are skipped, and passages it leaves out keep their fused order behind the ones it chose,
so a reranker can reorder but never lose a passage. Errors are the backend's one-line error, as
for every other call to the server.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from string import Template
from typing import Any

from . import prompts
from .citations import as_data
from .config import Settings
from .openai_client import backend_error, completion_text, failures
from .types import ScoredPassage

PROMPT = "rerank"
_NUMBER = re.compile(r"\d+")


class LLMReranker:
    """Asks an OpenAI-compatible chat model to order the first `depth` passages."""

    def __init__(self, client: Any, settings: Settings, template: str) -> None:
        self.client = client
        self.settings = settings
        self.template = Template(template)

    @classmethod
    def from_settings(cls, settings: Settings, client: Any = None) -> LLMReranker | None:
        """The reranker when ASSISTANT_RERANK=llm and an LLM is configured, else None."""
        if settings.rerank != "llm" or not settings.openai_configured:
            return None
        if client is None:
            from .openai_client import openai_client

            client = openai_client(settings)
        return cls(client, settings, prompts.text(PROMPT))

    def prompt(self, question: str, passages: Sequence[ScoredPassage]) -> str:
        listed = "\n".join(
            f'<passage n="{n}">\n{as_data(p.passage.text)}\n</passage>'
            for n, p in enumerate(passages, 1)
        )
        return self.template.safe_substitute(question=as_data(question), passages=listed)

    def __call__(self, question: str, passages: Sequence[ScoredPassage]) -> list[ScoredPassage]:
        """`passages` reordered: the first `rerank_depth` as the model ranks them, the rest after."""
        head, tail = passages[: self.settings.rerank_depth], passages[self.settings.rerank_depth :]
        if len(head) < 2:
            return list(passages)
        try:
            reply = self.client.chat.completions.create(
                model=self.settings.llm_model,
                messages=[{"role": "user", "content": self.prompt(question, head)}],
                temperature=0,
            )
            text, _ = completion_text(reply)
        except failures() as exc:
            raise backend_error(exc, self.settings) from exc
        return [head[i] for i in order(text, len(head))] + list(tail)


def order(reply: str, n: int) -> list[int]:
    """Indices 0..n-1 in the order the reply names passages 1..n; unnamed ones follow in order."""
    chosen: list[int] = []
    for m in _NUMBER.finditer(reply):
        i = int(m.group()) - 1
        if 0 <= i < n and i not in chosen:
            chosen.append(i)
    return chosen + [i for i in range(n) if i not in chosen]
