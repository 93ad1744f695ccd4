"""The optional LLM reading of support (ASSISTANT_SUPPORT_CHECK=llm).

A sentence the lexical check (`support.check_support`) found `supported` is shown to the model with
the spans it cites; a "no" removes it (see `claims.check_claims`). The sources and the sentence are
put in clear delimiters and declared as data in the prompt (prompts/support_check.txt, a file so
runs can record its version). Retries are the SDK client's (openai_client.py); errors, and a reply
that is not a chat completion (`MalformedReply`), propagate to the answerer, which turns them into
its one-line BackendUnavailable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from string import Template
from typing import Any

from . import prompts
from .citations import as_data
from .config import Settings
from .openai_client import completion_text

PROMPT = "support_check"
_ANSWER = re.compile(r"\W*(yes|no)\b", re.IGNORECASE)


class LLMSupportJudge:
    """Asks an OpenAI-compatible chat model whether cited spans support one sentence."""

    def __init__(self, client: Any, model: str, template: str) -> None:
        self.client = client
        self.model = model
        self.template = Template(template)

    @classmethod
    def from_settings(cls, settings: Settings, client: Any) -> LLMSupportJudge | None:
        """The judge when ASSISTANT_SUPPORT_CHECK=llm and an LLM is configured, else None."""
        if settings.support_check != "llm" or not settings.openai_configured:
            return None
        return cls(client, settings.llm_model, prompts.text(PROMPT))

    def prompt(self, sentence: str, spans: Sequence[str]) -> str:
        sources = "\n".join(
            f'<source n="{n}">\n{as_data(span)}\n</source>' for n, span in enumerate(spans, 1)
        )
        return self.template.safe_substitute(sources=sources, statement=as_data(sentence))

    def __call__(self, sentence: str, spans: Sequence[str]) -> bool | None:
        """True for "yes", False for "no", None for a reply that is neither."""
        reply = self.client.chat.completions.create(
            model=self.model,
            messages=[{"role": "user", "content": self.prompt(sentence, spans)}],
            temperature=0,
        )
        text, _ = completion_text(reply)  # MalformedReply for a page that is not a completion
        return parse_reply(text)


def parse_reply(text: str) -> bool | None:
    """The judge's yes/no (its first word), or None."""
    m = _ANSWER.match(text)
    return None if m is None else m.group(1).lower() == "yes"
