"""What a page shows before the first question: the first start's ingest progress and questions
to start with.

- While the corpus is ingested in the background (`Assistant.ingest_in_background`, started by
  `launch` on an empty store) a line over the chat says how far it got ("ingesting 3 of 120
  reports…"), polled every second; it goes when the ingest is done (or names what failed).
- An empty chat offers questions drawn from the stored reports (`Assistant.suggestions`: their
  headlines and most-named names) as the chat's examples: a click puts the question in the box
  and asks it. Gradio shows a chat's examples only while it has no message, so they go with the
  first turn and come back with a new conversation (drawn again from the reports then).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..assistant import Assistant
from ..background import IngestProgress
from . import render
from .styles import LIVE_JS

PROGRESS_SECONDS = 1.0  # how often a page asks how far the background ingest got
SUGGESTIONS = 4  # questions an empty chat offers


@dataclass(frozen=True)
class Welcome:
    """The progress line, the timer that updates it, and the store generation the chat's
    suggestions were drawn from."""

    line: gr.HTML
    timer: gr.Timer
    drawn: gr.State


def welcome_line() -> Welcome:
    """The progress line (empty unless an ingest runs) and its timer (started on page load
    only while an ingest runs); placed over the chat."""
    line = gr.HTML("", elem_id="ingest-status", js_on_load=LIVE_JS)
    timer = gr.Timer(PROGRESS_SECONDS, active=False)
    return Welcome(line, timer, gr.State(""))


class Starting:
    """The callbacks of the welcome state, on the app's `Assistant`."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def examples(self) -> Any:
        """The chat's suggested questions, drawn afresh from the stored reports."""
        questions = self.assistant.suggestions(SUGGESTIONS)
        return gr.update(examples=[{"text": q} for q in questions] or None)

    def state(self, drawn: str) -> tuple[Any, Any, Any, str]:
        """The progress line, the suggestions (again only when the store changed since they
        were drawn), the timer (running only while the ingest does) and the generation drawn."""
        return self.tick(drawn)[:4]

    def tick(self, drawn: str) -> tuple[Any, Any, Any, str, Any]:
        """`state`, and once the ingest is over, the status line under the box cleared (it may
        still tell the person to wait for the ingest, or that an answer used part of it)."""
        progress = self.assistant.ingest_progress()
        running = progress is not None and progress.running
        generation = self.assistant.generation()
        examples = gr.skip() if generation == drawn else self.examples()
        line = progress_html(progress)
        return line, examples, gr.Timer(active=running), generation, gr.skip() if running else ""

    @staticmethod
    def pick(evt: gr.SelectData) -> str:
        """A suggestion clicked: its question, for the message box (then asked)."""
        value = evt.value if isinstance(evt.value, dict) else {}
        return str(value.get("text") or "")


def progress_html(progress: IngestProgress | None) -> str:
    """The line over the chat: how far a running ingest got; once done, nothing (or what could
    not be read, or why it stopped)."""
    if progress is None:
        return ""
    if progress.running:
        bar = (
            f'<progress value="{progress.done}" max="{progress.total}" '
            f'aria-label="reports ingested"></progress> '
            if progress.total
            else ""
        )
        note = "Questions are answered from the reports stored so far."
        return (
            f'<div class="ingest-progress">{bar}<span>{render.escape(progress.line())}</span> '
            f'<span class="ingest-note">{note}</span></div>'
        )
    if progress.error is not None:
        return render.notice_html(f"⚠ {progress.line()}")
    failed = progress.summary.failed if progress.summary is not None else []
    if not failed:
        return ""
    items = "".join(
        f"<li><code>{render.escape(name)}</code>: {render.escape(reason)}</li>"
        for name, reason in failed
    )
    head = render.escape(f"{progress.line()}. Not ingested:")
    return f'<div class="upload-errors">{head}<ul>{items}</ul></div>'


def wire_welcome(
    app: gr.Blocks,
    starting: Starting,
    welcome: Welcome,
    chat: tuple[gr.Chatbot, gr.Textbox, gr.HTML],
) -> gr.events.Dependency:
    """Progress and suggestions on page load and while an ingest runs (the chat, its message
    box and status line); returns the event of a clicked suggestion (its question put in the
    box), for the caller to chain the asking to."""
    chatbot, msg, status = chat
    shown = [welcome.line, chatbot, welcome.timer, welcome.drawn]
    app.load(starting.state, [welcome.drawn], shown, show_progress="hidden")
    welcome.timer.tick(starting.tick, [welcome.drawn], [*shown, status], show_progress="hidden")
    return chatbot.example_select(starting.pick, None, [msg], show_progress="hidden")


__all__ = [
    "PROGRESS_SECONDS",
    "Starting",
    "Welcome",
    "progress_html",
    "welcome_line",
    "wire_welcome",
]
