"""The UI's first start, as a person sees it in headless Chromium: the page is usable while the
corpus is ingested in the background and says how far the ingest got; a question asked before
anything is stored is told to wait; then the empty chat offers questions drawn from the stored
reports, and a click on one asks it and answers with citations.

The ingest is held back by a gated embedder, put in through the `Assistant` constructor (the
seam every browser test uses to share the session's model): no sleeps in product code. It lets
the first report through, then holds the second, so a question is also answered mid-ingest from
the report stored so far.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from assistant import Assistant, Settings
from tests.conftest import CHROMIUM, CORPUS, free_port
from tests.test_ui_browser import (
    User,
    bots,
    expect,
    shoot,
    wait_for_ingest,
    watched,
)
from tests.test_ui_library import AXE, BLOCKING, axe_violations, describe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]


class GatedEmbedder:
    """The session's model, except that each passage it embeds takes a permit the test hands
    out: an ingest that goes on only as far as the test lets it (questions are embedded at once)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.dim = inner.dim
        self._permits = 0
        self._waiting = False
        self._changed = threading.Condition()

    def next_passage(self) -> None:
        """Wait until the ingest waits for a passage, then let one through."""
        with self._changed:
            assert self._changed.wait_for(lambda: self._waiting and not self._permits, 60)
            self._permits += 1
            self._changed.notify_all()

    def waits(self) -> None:
        """Until the ingest waits for a permit (and has none)."""
        with self._changed:
            assert self._changed.wait_for(lambda: self._waiting and not self._permits, 60)

    def open(self) -> None:
        with self._changed:
            self._permits += 100_000
            self._changed.notify_all()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._changed:
            self._waiting = True
            self._changed.notify_all()
            granted = self._changed.wait_for(lambda: self._permits >= len(texts), 120)
            assert granted, "the test never let the ingest go on"
            self._permits -= len(texts)
            self._waiting = False
        result: np.ndarray = self.inner.embed_passages(texts)
        return result

    def embed_query(self, text: str) -> np.ndarray:
        result: np.ndarray = self.inner.embed_query(text)
        return result


@dataclass
class Started:
    url: str
    assistant: Assistant
    gate: GatedEmbedder


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[Started]:
    """`assistant ui` on an empty store: the sample corpus is ingested in the background."""
    from assistant.ui import launch

    settings = Settings(
        data_dir=tmp_path_factory.mktemp("start") / "d",
        corpus_dir=CORPUS,
        ui_editors="*",
        embed_batch=1,  # one passage per embedding call; the background run commits each report
    )
    gate = GatedEmbedder(embedder)
    assistant = Assistant(settings, embedder=gate)
    port = free_port()
    app = launch(assistant, "127.0.0.1", port, block=False)
    try:
        yield Started(f"http://127.0.0.1:{port}/", assistant, gate)
    finally:
        gate.open()
        wait_for_ingest(assistant)
        app.close()


@pytest.fixture
def user(browser: Any, started: Started) -> Iterator[User]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    user = watched(context)
    yield user
    user.assert_inert()
    context.close()


def suggestions(page: Any) -> Any:
    return page.locator("#chatbot button.example")


def drawn_from(assistant: Assistant) -> list[str]:
    """What a suggestion may quote: the stored reports' titles and learned names."""
    records = assistant.store.records().values()
    return [r.title for r in records] + [n for r in records for n in r.names]


def answered_with_citations(page: Any, count: int) -> None:
    expect(bots(page)).to_have_count(count)
    expect(bots(page).last.locator(".cite").first).to_be_visible()
    expect(page.locator("#sources #src-1 mark.quote")).to_be_visible()
    expect(page.locator("#chatbot [data-testid='status-tracker']").first).to_have_class(
        re.compile(r"\bhide\b")
    )


def test_first_start_shows_ingest_progress_then_suggested_questions_that_ask(
    user: User, started: Started
) -> None:
    page, assistant = user.page, started.assistant
    page.goto(started.url)
    # usable at once: the chat box works while the ingest is held at its first report
    line = page.locator("#ingest-status .prose")  # the line, not Gradio's (hidden) status tracker
    expect(line).to_contain_text("ingesting 1 of 2 reports…")
    expect(line.locator("progress")).to_have_attribute("max", "2")
    expect(page.locator("#ingest-status .prose[role='status'][aria-live='polite']")).to_have_count(
        1
    )
    expect(suggestions(page)).to_have_count(0)  # nothing is stored yet to draw them from
    box = page.locator("#msg textarea")
    box.fill("What happened?")
    box.press("Enter")
    expect(page.locator("#status")).to_contain_text("still being ingested (ingesting 1 of 2")
    expect(box).to_have_value("What happened?")
    expect(bots(page)).to_have_count(0)
    shoot(page, "start-ingesting")
    if AXE.exists():  # the progress line, read by a screen reader
        found = [v for v in axe_violations(page, ["#ingest-status"]) if v["impact"] in BLOCKING]
        assert not found, describe(found)

    # the first report is stored, the second held: the line moves on, suggestions come from
    # what is stored, and a question is answered from it, saying so
    started.gate.waits()
    while (progress := assistant.ingest_progress()) is not None and progress.done < 1:
        started.gate.next_passage()  # the second report is read only once the first is stored
        started.gate.waits()
    expect(line).to_contain_text("ingesting 2 of 2 reports…")
    expect(suggestions(page).first).to_be_visible()
    early = [" ".join(t.split()) for t in suggestions(page).all_inner_texts()]
    assert early == assistant.suggestions(4) and len(assistant.reports()) == 1
    assert all(any(part in q for part in drawn_from(assistant)) for q in early), early
    suggestions(page).first.click()
    expect(page.locator("#chatbot [data-testid='user']")).to_have_text(early[0])
    answered_with_citations(page, 1)
    expect(page.locator("#status")).to_contain_text(
        "Answered from the reports stored so far (ingesting 2 of 2 reports…)"
    )

    started.gate.open()
    expect(line).to_have_text("", timeout=60_000)  # done: back to the normal state
    expect(page.locator("#status .prose")).to_have_text("")  # the notes on the ingest are gone too
    assert {r.id for r in assistant.reports()} == {p.name for p in CORPUS.glob("*.txt")}

    # a new conversation offers questions drawn from every stored report: headlines and names
    page.locator("#new-chat").click()
    expect(bots(page)).to_have_count(0)
    expect(suggestions(page)).to_have_count(4)
    offered = [" ".join(t.split()) for t in suggestions(page).all_inner_texts()]
    assert offered == assistant.suggestions(4)
    assert all(any(part in q for part in drawn_from(assistant)) for q in offered), offered
    if AXE.exists():
        found = [v for v in axe_violations(page, ["#chatbot"]) if v["impact"] in BLOCKING]
        assert not found, describe(found)
    shoot(page, "start-suggestions")

    # a click asks it: the question in the chat, an answer with citations, the suggestions gone
    suggestions(page).nth(1).click()
    expect(page.locator("#chatbot [data-testid='user']")).to_have_text(offered[1])
    answered_with_citations(page, 1)
    expect(suggestions(page)).to_have_count(0)
    expect(page.locator("#status .prose")).to_have_text("")
    shoot(page, "start-suggestion-answered")
    page.locator("#new-chat").click()
    expect(suggestions(page)).to_have_count(4)


def test_a_later_page_shows_no_progress_line_and_the_same_suggestions(
    user: User, started: Started
) -> None:
    page = user.page
    page.goto(started.url)
    expect(suggestions(page)).to_have_count(4)
    expect(page.locator("#ingest-status .prose")).to_have_text("")
    expect(suggestions(page).first).to_have_text(started.assistant.suggestions(1)[0])
