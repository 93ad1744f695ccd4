"""The LLM answerer: any OpenAI-compatible chat endpoint through llama-index's `OpenAILike`.

Retries are left to the openai SDK client we hand in (it backs off on timeouts, 429 and 5xx and honours
Retry-After); llama-index's own tenacity retry is switched off so attempts do not multiply.

What the server sends is not trusted to be well formed: a reply that is not an OpenAI one (an HTML
page, other JSON, no chunks, nothing said) is a one-line BackendUnavailable naming the server,
never an abstention, since the reports were not what failed. A stream that ends without a finish
reason, or at the token limit, gives an `incomplete` answer of whole, verified sentences only.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from typing import Any

from llama_index.core.llms import ChatMessage, MessageRole
from llama_index.llms.openai_like import OpenAILike

from .. import prompts
from ..citations import (
    MARKER,
    cite,
    escape_markers,
    format_sources,
    resolve_markers,
    split_claims,
)
from ..claims import check_claims
from ..config import Settings
from ..errors import BackendUnavailable, ConfigError
from ..memory import looks_like_follow_up
from ..openai_client import (
    MALFORMED,
    MalformedReply,
    backend_error,
    completion_text,
    describe,
    failures,
    openai_client,
    server,
)
from ..support_llm import LLMSupportJudge
from ..types import Answer, Citation, Turn
from . import ABSTAIN_TEXT, AnswerRequest
from .extractive import make as make_extractive

# Markers as models also write them: "[ 1 ]", "[source 2]", "[1; 3]", "[2-4]"; and marker-like
# tokens that cite nothing ("[abc]", "[1a]"), which are dropped like unknown numbers.
_LOOSE = re.compile(
    r"\[\s*(?:(?:sources?|src|doc|ref)\.?\s*)?(\d+)\s*(?:([-–])\s*(\d+)|((?:\s*[,;]\s*\d+)*))\s*\]",
    re.IGNORECASE,
)
_GARBAGE = re.compile(r"[ \t]*\[[^\[\]\s]{1,20}\]")
_MAX_RANGE = 10
# A whole sentence ends in terminal punctuation, maybe closing quotes, maybe its markers.
_WHOLE = re.compile(r"[.!?][\"”’')]*(?:\s*\[\d+(?:\s*,\s*\d+)*\])*\s*$")


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

    def _bad(self, what: str) -> BackendUnavailable:
        return backend_error(MalformedReply(what), self.settings)

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        if not history or not looks_like_follow_up(question):  # a question that stands alone
            return question
        lines = []
        for t in history[-3:]:
            lines += [f"User: {t.question}", f"Assistant: {t.answer.text}"]
        prompt = self.condense_prompt.format(history="\n".join(lines), question=question)
        try:
            reply = self.llm.chat([ChatMessage(role=MessageRole.USER, content=prompt)])
            text, finish = completion_text(reply.raw)
        except MALFORMED as exc:
            raise self._bad("sent a reply that is not a chat completion") from exc
        except failures() as exc:
            raise backend_error(exc, self.settings) from exc
        # An empty or cut rewrite is no standalone question: search with the question as asked.
        return text.strip() if text.strip() and finish != "length" else question

    def _stream(self, messages: Sequence[ChatMessage]) -> Iterator[tuple[str, str | None]]:
        """(text delta, finish reason) for each chunk the server streams."""
        try:
            for chunk in self.llm.stream_chat(messages):
                choices = getattr(chunk.raw, "choices", None)
                if not isinstance(choices, list):
                    raise MalformedReply("sent a stream chunk that is not a chat completion chunk")
                finish = getattr(choices[0], "finish_reason", None) if choices else None
                yield chunk.delta or "", finish
        except MALFORMED as exc:
            raise MalformedReply("sent a stream chunk that is not a chat completion chunk") from exc

    def answer(self, request: AnswerRequest) -> Iterator[str | Answer]:
        t0 = time.perf_counter()
        # The offline answerer's gate decides first: when nothing retrieved clears it, the reports
        # do not answer and the model is not called (no cost, no invented answer).
        if not request.passages or not self.gate.clears_gate(request):
            said = self.gate.refusal(request)
            yield said
            yield self._final(request, said, [], True, 0, t0)
            return
        messages = [ChatMessage(role=MessageRole.SYSTEM, content=self.system)]
        for t in request.history[-3:]:
            messages.append(ChatMessage(role=MessageRole.USER, content=t.question))
            messages.append(ChatMessage(role=MessageRole.ASSISTANT, content=t.answer.text))
        user = self.user.format(sources=format_sources(request.passages), question=request.query)
        messages.append(ChatMessage(role=MessageRole.USER, content=user))
        parts: list[str] = []
        chunks, finish, cut = 0, None, None
        try:
            for delta, reason in self._stream(messages):
                chunks, finish = chunks + 1, reason or finish
                if delta:
                    parts.append(delta)
                    yield delta
        except failures() as exc:
            if not "".join(parts).strip():  # nothing said yet: the call failed
                raise backend_error(exc, self.settings) from exc
            cut = exc
        raw = "".join(parts).strip()
        if not raw:
            raise self._empty(chunks, finish)
        incomplete = self._incomplete(finish, cut)
        if incomplete:
            raw = whole_sentences(raw)
        raw, garbled = tidy_markers(raw)
        text, citations, dropped = resolve_markers(raw, request.passages, request.report_text)
        dropped += garbled
        if raw.startswith(ABSTAIN_TEXT[:30]):
            yield self._final(request, ABSTAIN_TEXT, [], True, dropped, t0, incomplete=incomplete)
            return
        checked = None
        if citations:
            try:
                checked = check_claims(text, citations, request.aliases, self.judge)
            except failures() as exc:
                raise backend_error(exc, self.settings) from exc
        if checked is None or not checked.citations:
            # Nothing verifiable: the contract is cite or abstain. But when the reply was cut,
            # the reports are not to blame: say what happened to the reply instead.
            if incomplete:
                raise BackendUnavailable(f"{incomplete}; no verifiable sentence came before that")
            unsupported = checked.unsupported if checked else 0
            yield self._final(request, ABSTAIN_TEXT, [], True, dropped, t0, unsupported)
            return
        text, cited = checked.text, list(checked.citations)
        # A lower-ranked source giving another value of a cited fact is shown, as the offline
        # answerer shows it: quoted, so verified by construction (Settings.cross_check).
        others = self.gate.disagreeing(request, [(c.report_id, c.start, c.quote) for c in cited])
        lines = []
        for d in others:
            marker = max(c.marker for c in cited) + 1
            extra = cite(
                marker, d.source, d.start, d.end, request.report_text(d.report_id), support="quoted"
            )
            if extra is not None:
                cited.append(extra)
                lines.append(f"- {escape_markers(d.flat)} [{marker}]")
        if lines:
            head = "Other sources give" if len(lines) > 1 else "Another source gives"
            addition = f"\n\n{head} a different value:\n" + "\n".join(lines)
            text += addition
            yield addition
        yield self._final(request, text, cited, False, dropped, t0, checked.unsupported, incomplete)

    def _empty(self, chunks: int, finish: str | None) -> BackendUnavailable:
        """The error for a reply that said nothing: what the server sent instead."""
        if not chunks:  # an HTML page or other JSON has no `data:` lines to read
            return self._bad("sent no chat completion chunks")
        if finish is None:
            return BackendUnavailable(f"{server(self.settings)} ended its stream before answering")
        if finish == "length":
            return BackendUnavailable("the answer reached the model's token limit before any text")
        return BackendUnavailable(f"{server(self.settings)} sent an empty answer")

    def _incomplete(self, finish: str | None, cut: BaseException | None) -> str | None:
        """Why the streamed reply stops short of a whole answer, or None when it is whole."""
        if cut is not None:
            return describe(cut, self.settings)
        if finish is None:
            return f"{server(self.settings)} ended its stream before the answer was complete"
        if finish == "length":
            return "the answer reached the model's token limit"
        if finish == "content_filter":
            return f"{server(self.settings)} cut the answer (content filter)"
        return None

    def _final(
        self,
        request: AnswerRequest,
        text: str,
        citations: Sequence[Citation],
        abstained: bool,
        dropped: int,
        t0: float,
        unsupported: int = 0,
        incomplete: str | None = None,
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
            incomplete=incomplete,
        )


def tidy_markers(text: str) -> tuple[str, int]:
    """The model's markers spelled `[n]` / `[n, m]`, and how many marker-like tokens that cite
    no number were removed (resolve_markers then drops numbers no source has)."""

    def spell(m: re.Match[str]) -> str:
        first = int(m.group(1))
        if m.group(2):
            last = int(m.group(3))
            numbers = range(first, last + 1) if 0 <= last - first < _MAX_RANGE else [first, last]
        else:
            numbers = [first, *map(int, re.findall(r"\d+", m.group(4) or ""))]
        return "[" + ", ".join(map(str, numbers)) + "]"

    text = _LOOSE.sub(spell, text)
    garbled = 0

    def drop(m: re.Match[str]) -> str:
        nonlocal garbled
        if MARKER.fullmatch(m.group(0).strip()):
            return m.group(0)
        garbled += 1
        return ""

    return _GARBAGE.sub(drop, text), garbled


def whole_sentences(text: str) -> str:
    """A cut reply without its last, unfinished sentence (a fragment is no claim to check)."""
    pieces = split_claims(text)
    if pieces and not _WHOLE.search(text[pieces[-1][0] : pieces[-1][1]]):
        text = text[: pieces[-1][0]]
    return text.strip()


def make(settings: Settings) -> OpenAIAnswerer:
    return OpenAIAnswerer(settings)
