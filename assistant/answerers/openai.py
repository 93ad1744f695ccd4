"""The LLM answerer: any OpenAI-compatible chat endpoint through llama-index's `OpenAILike`.

Retries are left to the openai SDK client we hand in (it backs off on timeouts, 429 and 5xx and honours
Retry-After); llama-index's own tenacity retry is switched off so attempts do not multiply.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

import openai
from llama_index.core.llms import ChatMessage, MessageRole
from llama_index.llms.openai_like import OpenAILike

from .. import prompts
from ..citations import format_sources, resolve_markers
from ..claims import check_claims
from ..config import Settings
from ..errors import BackendUnavailable, ConfigError
from ..openai_client import openai_client
from ..support_llm import LLMSupportJudge
from ..types import Answer, Citation, Turn
from . import ABSTAIN_TEXT, AnswerRequest
from .extractive import make as make_extractive


def describe(exc: Exception, settings: Settings, attempts: int) -> str:
    """One line saying what failed, where, and after how many attempts."""
    where = settings.openai_base_url or "api.openai.com"
    if isinstance(exc, openai.APITimeoutError):
        what = f"timed out after {settings.request_timeout:g}s"
    elif isinstance(exc, openai.APIStatusError):
        what = f"answered HTTP {exc.status_code}"
    elif isinstance(exc, openai.APIConnectionError):
        what = "could not be reached"
    else:
        what = f"failed ({exc.__class__.__name__})"
    return f"the OpenAI-compatible server at {where} {what} ({attempts} attempts); try again later"


class OpenAIAnswerer:
    """Numbered sources in the prompt, streamed tokens out; afterwards markers are verified and
    every sentence is checked against the spans it cites (claims.py): cite or drop."""

    name = "openai"

    def __init__(self, settings: Settings, http_client: Any = None) -> None:
        if not settings.openai_configured:
            raise ConfigError("the openai backend needs OPENAI_API_KEY or OPENAI_BASE_URL")
        self.settings = settings
        client = openai_client(settings, http_client)
        self.llm = OpenAILike(
            model=settings.llm_model,
            api_key=settings.openai_api_key or "not-needed",
            api_base=settings.openai_base_url,
            is_chat_model=True,
            context_window=32000,
            temperature=0.0,
            max_retries=0,
            timeout=settings.request_timeout,
            openai_client=client,
        )
        self.system = prompts.load("answer_system").get_template()
        self.user = prompts.load("answer_user")
        self.condense_prompt = prompts.load("condense")
        self.judge = LLMSupportJudge.from_settings(settings, client)
        self.gate = make_extractive(settings)

    def _fail(self, exc: Exception) -> BackendUnavailable:
        return BackendUnavailable(describe(exc, self.settings, self.settings.max_retries + 1))

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        if not history:
            return question
        lines = []
        for t in history[-3:]:
            lines += [f"User: {t.question}", f"Assistant: {t.answer.text}"]
        prompt = self.condense_prompt.format(history="\n".join(lines), question=question)
        try:
            reply = self.llm.chat([ChatMessage(role=MessageRole.USER, content=prompt)])
        except openai.APIError as exc:
            raise self._fail(exc) from exc
        return (reply.message.content or "").strip() or question

    def answer(self, request: AnswerRequest) -> Iterator[str | Answer]:
        t0 = time.perf_counter()
        # The offline answerer's gate decides first: when nothing retrieved clears it, the reports
        # do not answer and the model is not called (no cost, no invented answer).
        if not request.passages or not self.gate.clears_gate(request):
            yield ABSTAIN_TEXT
            yield self._final(request, ABSTAIN_TEXT, [], True, 0, t0)
            return
        messages = [ChatMessage(role=MessageRole.SYSTEM, content=self.system)]
        for t in request.history[-3:]:
            messages.append(ChatMessage(role=MessageRole.USER, content=t.question))
            messages.append(ChatMessage(role=MessageRole.ASSISTANT, content=t.answer.text))
        user = self.user.format(sources=format_sources(request.passages), question=request.query)
        messages.append(ChatMessage(role=MessageRole.USER, content=user))
        parts: list[str] = []
        try:
            for chunk in self.llm.stream_chat(messages):
                if chunk.delta:
                    parts.append(chunk.delta)
                    yield chunk.delta
        except openai.APIError as exc:
            raise self._fail(exc) from exc
        raw = "".join(parts).strip()
        text, citations, dropped = resolve_markers(raw, request.passages, request.report_text)
        if raw.startswith(ABSTAIN_TEXT[:30]) or not citations:
            # An answer with no verifiable citation is not shown: the contract is cite or abstain.
            yield self._final(request, ABSTAIN_TEXT, [], True, dropped, t0)
            return
        try:
            checked = check_claims(text, citations, request.aliases, self.judge)
        except openai.APIError as exc:
            raise self._fail(exc) from exc
        if not checked.citations:  # no sentence its sources support: abstain
            yield self._final(request, ABSTAIN_TEXT, [], True, dropped, t0, checked.unsupported)
            return
        yield self._final(
            request, checked.text, checked.citations, False, dropped, t0, checked.unsupported
        )

    def _final(
        self,
        request: AnswerRequest,
        text: str,
        citations: Sequence[Citation],
        abstained: bool,
        dropped: int,
        t0: float,
        unsupported: int = 0,
    ) -> Answer:
        return Answer(
            question=request.question,
            text=text,
            citations=tuple(citations),
            abstained=abstained,
            backend=self.name,
            considered=tuple(request.passages),
            dropped_markers=dropped,
            timings=dict(request.timings, answer=time.perf_counter() - t0),
            query=request.query,
            unsupported=unsupported,
        )


def make(settings: Settings) -> OpenAIAnswerer:
    return OpenAIAnswerer(settings)
