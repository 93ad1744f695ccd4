"""The optional LLM judge of groundedness, used by the eval harness when an LLM is configured.

The offline lexical proxy (`metrics.groundedness_counts`) always runs; this judge adds a second,
semantic reading. Its prompt is a file in prompts/ so runs record which version judged them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from string import Template
from typing import Any

import openai

from assistant.config import Settings
from assistant.openai_client import openai_client
from assistant.prompts import PROMPT_DIR

PROMPT_FILE = PROMPT_DIR / "judge_groundedness.txt"


class GroundednessJudge:
    """Asks an OpenAI-compatible chat model which answer sentences their quotes support."""

    def __init__(self, client: Any, model: str, template: str) -> None:
        self.client = client
        self.model = model
        self.template = Template(template)
        self.prompt_hash = hashlib.sha256(template.encode()).hexdigest()[:12]

    @classmethod
    def from_settings(cls, settings: Settings, http_client: Any = None) -> GroundednessJudge | None:
        """The judge for the configured server, or None when no LLM is configured."""
        if not settings.openai_configured:
            return None
        client = openai_client(settings, http_client)
        return cls(client, settings.llm_model, PROMPT_FILE.read_text(encoding="utf-8"))

    @property
    def method(self) -> str:
        """How groundedness_llm was measured, for the report."""
        return f"LLM judge ({self.model}, prompt judge_groundedness.txt {self.prompt_hash})"

    def judge(self, claims: Sequence[tuple[str, Sequence[str]]]) -> list[bool] | None:
        """One verdict per (sentence, quotes) claim; None when the reply cannot be read."""
        if not claims:
            return []
        blocks = []
        for n, (sentence, quotes) in enumerate(claims, start=1):
            lines = [f"Statement {n}: {sentence}", "Quotes:"]
            lines += [f'- "{" ".join(q.split())}"' for q in quotes] or ["- (none)"]
            blocks.append("\n".join(lines))
        prompt = self.template.safe_substitute(claims="\n\n".join(blocks))
        try:
            reply = self.client.chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": prompt}],
                temperature=0,
            )
        except openai.OpenAIError:
            return None
        return parse_verdicts(reply.choices[0].message.content or "", len(claims))


def parse_verdicts(text: str, count: int) -> list[bool] | None:
    """Read the judge's JSON list; None unless it gives exactly one boolean per statement."""
    start, end = text.find("["), text.rfind("]")
    if start < 0 or end < start:
        return None
    try:
        items = json.loads(text[start : end + 1])
    except json.JSONDecodeError:
        return None
    if not isinstance(items, list) or len(items) != count:
        return None
    verdicts = [item.get("supported") if isinstance(item, dict) else None for item in items]
    if not all(isinstance(v, bool) for v in verdicts):
        return None
    return [bool(v) for v in verdicts]
