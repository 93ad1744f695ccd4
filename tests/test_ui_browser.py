"""The chat UI as a person uses it: the real Gradio app, served in-process on 127.0.0.1, driven in
headless Chromium (Debian's /usr/bin/chromium through Playwright; never `playwright install`).

Every page records JavaScript dialogs and requests to any host but 127.0.0.1; each test ends by
checking there were none. Screenshots of the main states go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from assistant import Assistant, Settings
from assistant.answerers import ANSWERERS, AnswerRequest, make_answerer
from assistant.types import Answer, Turn
from tests.conftest import CHROMIUM, CORPUS, free_port

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
KILLED = "How many people were killed in the shelling?"
FRANCE = "What is the capital of France?"
SLOW_WORD = "slowly"  # a question containing it streams, then waits for the test's gate

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (python) not installed")
expect = sync_api.expect
expect.set_options(timeout=20_000)

HOSTILE_REPORT = """\
# Flour convoy <img src=x onerror="alert('title')"> report

The aid convoy reached Qabasin <script>alert('script')</script> on Friday morning.
Officials said the convoy <img src="http://evil.example/pixel.png" onerror="alert('img')"> \
carried 30 tons of flour.
Residents shared a [photo link](javascript:alert('link')) and \
![tracker](http://evil.example/tracker.png) of the flour delivery.
Drivers said <a href="javascript:alert('a')">the flour route</a> \
<iframe src="javascript:alert('iframe')"></iframe> was calm.
Template probes ${alert('tpl')} {{constructor.constructor('alert(1)')()}} followed the flour.
"""

GOOD_REPORT = """\
Aid trucks reach Kafr Zita

Kafr Zita, Syria – A convoy of 14 aid trucks reached the village of Kafr Zita on Tuesday.
The trucks carried blankets and medicine for about 900 displaced families.
"""


class GatedAnswerer:
    """The real extractive answerer, except that a question containing SLOW_WORD first streams a
    delta and then waits for the test to open the gate: a long answer, on demand."""

    name = "extractive"

    def __init__(self, inner: Any, gate: threading.Event) -> None:
        self.inner = inner
        self.gate = gate

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        return str(self.inner.condense(question, history))

    def answer(self, request: AnswerRequest) -> Iterator[str | Answer]:
        if SLOW_WORD in request.question.lower():
            yield "Thinking it over… "
            self.gate.wait(timeout=60)
        yield from self.inner.answer(request)


@dataclass
class Server:
    url: str
    assistant: Assistant
    gate: threading.Event


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[Server]:
    """The app as `assistant ui` starts it (empty store -> sample corpus ingested in the
    background on start; waited for here: tests/test_ui_start.py covers the pages meanwhile)."""
    from assistant.ui import launch

    settings = Settings(
        data_dir=tmp_path_factory.mktemp("ui") / "d", corpus_dir=CORPUS, ui_editors="*"
    )
    gate = threading.Event()
    answerer = GatedAnswerer(make_answerer("extractive", settings), gate)
    assistant = Assistant(settings, embedder=embedder, answerers={"extractive": answerer})
    port = free_port()
    app = launch(assistant, "127.0.0.1", port, block=False)
    wait_for_ingest(assistant)
    assert {r.id for r in assistant.reports()} == {
        "aleppo-clashes-army-sdf.txt",
        "aleppo-clashes-nayrab-camp.txt",
    }
    try:
        yield Server(f"http://127.0.0.1:{port}/", assistant, gate)
    finally:
        gate.set()
        app.close()


def wait_for_ingest(assistant: Assistant, timeout: float = 180) -> None:
    """Until the background ingest `launch` started on an empty store has ended."""
    deadline = time.monotonic() + timeout
    while (progress := assistant.ingest_progress()) is not None and progress.running:
        assert time.monotonic() < deadline, f"still ingesting after {timeout} s: {progress}"
        time.sleep(0.05)


@dataclass
class User:
    """One person: a browser context of their own, with what their page tried to do."""

    page: Any
    dialogs: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def assert_inert(self) -> None:
        assert self.dialogs == [], f"a dialog fired: {self.dialogs}"
        assert self.outside == [], f"requests left 127.0.0.1: {self.outside}"


def watched(context: Any) -> User:
    """A new page of `context` whose dialogs and requests off 127.0.0.1 are recorded."""
    user = User(context.new_page())
    user.page.on("dialog", lambda d: (user.dialogs.append(d.message), d.dismiss()))
    user.page.on("request", lambda r: _record_outside(user, r.url))
    return user


@pytest.fixture
def new_user(browser: Any, server: Server) -> Iterator[Any]:
    contexts: list[Any] = []
    users: list[User] = []

    def make() -> User:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
        contexts.append(context)
        user = watched(context)
        user.page.goto(server.url)
        expect(user.page.locator("#report-list")).to_contain_text("Clashes Erupt in Aleppo")
        users.append(user)
        return user

    yield make
    for user in users:
        user.assert_inert()
    for context in contexts:
        context.close()


@pytest.fixture
def user(new_user: Any) -> User:
    return new_user()  # type: ignore[no-any-return]


def _record_outside(user: User, url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return
    if parsed.hostname not in ("127.0.0.1", "localhost"):
        user.outside.append(url)


def bots(page: Any) -> Any:
    return page.locator("#chatbot [data-testid='bot']")


def ask(page: Any, question: str, count: int, contains: str | None = None) -> None:
    """Type a question, press Enter, wait until the `count`-th answer is complete."""
    box = page.locator("#msg textarea")
    box.fill(question)
    box.press("Enter")
    expect(bots(page)).to_have_count(count)
    if contains:
        expect(bots(page).last).to_contain_text(contains)
    expect(page.locator("#chatbot [data-testid='status-tracker']").first).to_have_class(
        re.compile(r"\bhide\b")
    )


def upload(page: Any, *files: Path) -> None:
    page.locator("#upload input[type='file']").set_input_files([str(f) for f in files])


def shoot(page: Any, name: str) -> None:
    """Save a full-page screenshot once no event is running any more."""
    expect(page.locator("[data-testid='status-tracker']:not(.hide)")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# tests ----------------------------------------------------------------------------------------


def test_answer_streams_with_citations_that_open_the_highlighted_quote(user: User) -> None:
    page = user.page
    ask(page, KILLED, 1, "two people were killed")
    marker = page.locator("#chatbot .cite").first
    expect(marker).to_have_text("[1]")
    expect(marker).to_have_attribute("title", re.compile("Aleppo Health Directorate"))

    source = page.locator("#sources #src-1")
    expect(source).to_contain_text("Aleppo clashes army sdf")
    expect(source.locator("mark.quote")).to_contain_text("two people were killed")
    expect(source.locator("blockquote")).to_contain_text("The clashes resulted in deaths")

    source.locator("button.open-report").click()
    quote = page.locator("#report-view #quote-mark")
    expect(quote).to_contain_text("Aleppo Health Directorate announced that two people were killed")
    expect(quote).to_be_in_viewport()
    expect(page.locator("#report-view")).to_contain_text("Syrian Foreign Minister Asaad")
    shoot(page, "answer-sources-report")

    # an abstention says so plainly and lists the passages it considered
    ask(page, FRANCE, 2, "No answer found in the reports")
    expect(page.locator("#sources")).to_contain_text("No answer in the reports")
    expect(page.locator("#sources .considered").first).to_be_visible()
    expect(page.locator("#sources mark.quote")).to_have_count(0)
    shoot(page, "abstention")

    # clicking the marker of the first answer brings its source back, and the copy button
    # puts that answer with its citations on the clipboard as Markdown
    page.locator("#chatbot .cite").first.click()
    expect(page.locator("#sources #src-1 mark.quote")).to_contain_text("two people were killed")
    expect(page.locator("#sources #src-1")).to_be_in_viewport()
    page.locator("#copy-md").click()
    page.wait_for_function("async () => (await navigator.clipboard.readText()).includes('[1]')")
    clip = page.evaluate("navigator.clipboard.readText()")
    assert "two people were killed" in clip
    assert "[1] Aleppo clashes army sdf (aleppo-clashes-army-sdf.txt" in clip
    page.locator("#answer-md-panel").get_by_text("Answer as Markdown").click()
    expect(page.locator("#answer-md textarea")).to_have_value(clip)


def test_follow_ups_use_the_conversation_until_a_new_one_starts(user: User) -> None:
    page = user.page
    ask(page, "Who fled to Russia?", 1, "Assad")
    ask(page, "Why did they go there?", 2, "humanitarian reasons")
    page.locator("#new-chat").click()
    expect(bots(page)).to_have_count(0)
    expect(page.locator("#sources")).to_contain_text("Ask a question")
    ask(page, "Why did they go there?", 1, "No answer found")

    # a question the core refuses is explained under the box and can be edited
    page.locator("#msg textarea").fill("why " * 600)
    page.locator("#send").click()
    expect(page.locator("#status")).to_contain_text("longer than 2000 characters")
    expect(page.locator("#msg textarea")).to_have_value(re.compile("^why why"))
    expect(bots(page)).to_have_count(1)


def test_settings_filter_answers_to_selected_reports(user: User) -> None:
    page = user.page
    page.locator("#settings").get_by_text("Settings").first.click()
    expect(page.locator("#backend")).to_contain_text("extractive")
    page.locator("#filter input").click()  # a list to choose from, however many reports
    page.get_by_role("option", name=re.compile("aleppo-clashes-nayrab-camp.txt")).click()
    page.keyboard.press("Escape")
    expect(page.locator("#filter")).to_contain_text("aleppo-clashes-nayrab-camp.txt")
    ask(page, KILLED, 1)
    expect(page.locator("#sources")).not_to_contain_text("aleppo-clashes-army-sdf.txt")
    page.locator("#filter .token-remove").first.click()
    expect(page.locator("#filter")).not_to_contain_text("aleppo-clashes-nayrab-camp.txt")
    ask(page, KILLED, 2, "two people were killed")


def test_backend_picker_offers_exactly_the_registered_answerers(user: User) -> None:
    page = user.page
    page.locator("#settings").get_by_text("Settings").first.click()
    radios = page.locator("#backend input[type='radio']")
    expect(radios).to_have_count(len(ANSWERERS.names()))
    assert radios.evaluate_all("els => els.map(e => e.value)") == ANSWERERS.names()
    expect(page.locator("#backend label")).to_have_text(ANSWERERS.names())
    expect(page.locator("#backend input[type='radio']:checked")).to_have_value("extractive")
    expect(page.locator("#backend")).to_contain_text("set OPENAI_API_KEY or OPENAI_BASE_URL")

    # a registered backend that is not configured is explained under the box, nothing is lost
    page.locator("#backend label", has_text="openai").click()
    page.locator("#msg textarea").fill(KILLED)
    page.locator("#send").click()
    expect(page.locator("#status")).to_contain_text("needs OPENAI_API_KEY or OPENAI_BASE_URL")
    expect(page.locator("#msg textarea")).to_have_value(KILLED)
    expect(bots(page)).to_have_count(0)
    page.locator("#backend label", has_text="extractive").click()
    ask(page, KILLED, 1, "two people were killed")
    expect(page.locator("#status")).to_have_text("")


def test_upload_ask_and_remove_a_report(user: User, tmp_path: Path) -> None:
    page = user.page
    good = tmp_path / "kafr-zita-aid.txt"
    good.write_text(GOOD_REPORT, encoding="utf-8")
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n this is not really a pdf \x00\x01\x02")
    upload(page, good, bad)
    status = page.locator("#upload-status")
    expect(status).to_contain_text("1 added")
    expect(status).to_contain_text("broken.pdf")
    expect(page.locator("#report-list")).to_contain_text("Aid trucks reach Kafr Zita")
    expect(page.locator("#report-list")).not_to_contain_text("broken")
    shoot(page, "upload")

    ask(page, "How many aid trucks reached Kafr Zita?", 1, "14 aid trucks")
    expect(page.locator("#sources #src-1")).to_contain_text("kafr-zita-aid.txt")

    page.locator("#remove-pick input").click()
    page.get_by_role("option", name=re.compile("kafr-zita-aid.txt")).click()
    page.locator("#remove").click()
    expect(page.locator("#upload-status")).to_contain_text("Removed kafr-zita-aid.txt")
    expect(page.locator("#report-list")).not_to_contain_text("Kafr Zita")
    ask(page, "How many aid trucks reached Kafr Zita?", 2)
    expect(bots(page).last).not_to_contain_text("14 aid trucks")


def test_two_sessions_keep_separate_histories_and_answer_concurrently(
    new_user: Any, server: Server
) -> None:
    alice, bob = new_user(), new_user()
    server.gate.clear()
    box = alice.page.locator("#msg textarea")
    box.fill(f"Tell me {SLOW_WORD}: {KILLED}")
    box.press("Enter")
    expect(bots(alice.page).last).to_contain_text("Thinking it over")

    # Alice's answer is still streaming; Bob is not kept waiting
    ask(bob.page, "What did the Syrian Ministry of Defense deny?", 1, "surprise attack")
    expect(bots(alice.page).last).not_to_contain_text("two people were killed")
    server.gate.set()
    expect(bots(alice.page).last).to_contain_text("two people were killed")

    for me, other in ((alice, "Ministry of Defense"), (bob, SLOW_WORD)):
        expect(me.page.locator("#chatbot [data-testid='user']")).to_have_count(1)
        expect(me.page.locator("#chatbot")).not_to_contain_text(other)
    alice.page.locator("#new-chat").click()
    expect(bots(alice.page)).to_have_count(0)
    expect(bots(bob.page)).to_have_count(1)


def test_hostile_report_content_stays_inert_text(
    user: User, server: Server, tmp_path: Path
) -> None:
    page = user.page
    hostile = tmp_path / "hostile-flour.md"
    hostile.write_text(HOSTILE_REPORT, encoding="utf-8")
    upload(page, hostile)
    expect(page.locator("#upload-status")).to_contain_text("1 added")
    expect(page.locator("#report-list")).to_contain_text("<img src=x onerror=")

    ask(page, "How many tons of flour did the convoy carry?", 1, "30 tons of flour")
    ask(page, "What did residents share of the flour delivery?", 2, "tracker")
    expect(bots(page).last).to_contain_text("![tracker](http://evil.example/tracker.png)")
    ask(page, "What template probes followed the flour?", 3, "${alert('tpl')}")
    page.locator("#sources button.open-report").first.click()
    view = page.locator("#report-view")
    expect(view).to_contain_text("<script>alert('script')</script>")
    expect(view).to_contain_text("[photo link](javascript:alert('link'))")
    expect(view).to_contain_text("{{constructor.constructor('alert(1)')()}}")
    page.locator("#report-list button.open-report", has_text="Flour convoy").click()
    expect(view.locator("h2")).to_contain_text("Flour convoy <img")
    shoot(page, "hostile-report")

    for region in ("#chatbot", "#sources", "#report-view", "#report-list", "#upload-status"):
        for selector in ("img", "script", "iframe", "a[href^='javascript']"):
            assert page.locator(f"{region} {selector}").count() == 0, (region, selector)
    page.wait_for_timeout(500)  # give a stray onerror/image load a moment to show itself
    user.assert_inert()
    server.assistant.remove("hostile-flour.md")  # leave the shared store as it was


def test_reports_changed_in_a_terminal_while_the_ui_runs_are_seen_and_no_request_fails(
    user: User, server: Server, tmp_path: Path
) -> None:
    page = user.page
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(server.assistant.settings.data_dir),
        "ASSISTANT_CORPUS_DIR": str(CORPUS),
    }
    terminal = [sys.executable, "-m", "assistant"]
    ask(page, KILLED, 1, "two people were killed")
    report = tmp_path / "terminal-kafr-zita.txt"
    report.write_text(GOOD_REPORT, encoding="utf-8")
    subprocess.run([*terminal, "ingest", str(report)], env=env, check=True, capture_output=True)
    expect(page.locator("#report-list")).to_contain_text("Aid trucks reach Kafr Zita")
    ask(page, "How many aid trucks reached Kafr Zita?", 2, "14 aid trucks")

    removed = subprocess.run(
        [*terminal, "remove", "terminal-kafr-zita.txt"], env=env, capture_output=True, text=True
    )
    assert removed.returncode == 0, removed.stderr
    expect(page.locator("#report-list")).not_to_contain_text("Kafr Zita")
    ask(page, "How many aid trucks reached Kafr Zita?", 3)
    expect(bots(page).last).not_to_contain_text("14 aid trucks")
    ask(page, KILLED, 4, "two people were killed")
    expect(page.locator("#status")).to_have_text("")


def log_in(page: Any, user: str, password: str) -> None:
    """Fill Gradio's login form and submit it."""
    page.get_by_label("username").fill(user)
    page.get_by_label("password").fill(password)
    page.get_by_role("button", name="Login").click()


def test_login_and_editor_rights_are_enforced(browser: Any, tmp_path: Path, embedder: Any) -> None:
    """With ASSISTANT_UI_AUTH only people with a password get in; only editors may change the
    library, and a reader who calls the upload endpoint anyway is refused by the server."""
    from assistant.ui import launch

    settings = Settings(
        data_dir=tmp_path / "d", corpus_dir=CORPUS, ui_auth="ed:pw-ed,reader:pw-r", ui_editors="ed"
    )
    port = free_port()
    app = launch(Assistant(settings, embedder=embedder), "127.0.0.1", port, block=False)
    url = f"http://127.0.0.1:{port}/"
    try:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        log_in(page, "reader", "wrong")
        expect(page.get_by_text("Incorrect Credentials")).to_be_visible()
        log_in(page, "reader", "pw-r")
        expect(page.locator("#report-list")).to_contain_text("Clashes Erupt in Aleppo")
        ask(page, KILLED, 1, "two people were killed")
        expect(page.locator("#upload")).to_be_hidden()
        expect(page.locator("#remove")).to_be_hidden()
        expect(page.locator("#upload-status")).to_contain_text("not enabled for you")
        shoot(page, "reader-view")
        context.close()

        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        log_in(page, "ed", "pw-ed")
        expect(page.locator("#upload")).to_be_visible()
        expect(page.locator("#remove")).to_be_visible()
        page.locator("#conv-pick input").click()  # the reader's conversation is theirs alone
        expect(page.get_by_role("option")).to_have_count(0)
        context.close()
    finally:
        app.close()


def test_conversations_are_saved_searched_reopened_renamed_and_deleted(
    user: User, tmp_path: Path
) -> None:
    page = user.page
    title = f"Shelling casualties {tmp_path.name}"  # other tests share this server's list
    search = page.locator("#conv-search textarea, #conv-search input").first
    ask(page, KILLED, 1, "two people were killed")
    ask(page, "And how many were injured?", 2, "eight others were injured")
    page.locator("#conv-title textarea, #conv-title input").first.fill(title)
    page.locator("#conv-rename").click()
    expect(page.locator("#conv-status")).to_contain_text("Renamed")
    page.locator("#new-chat").click()
    expect(bots(page)).to_have_count(0)
    ask(page, "Which road was closed?", 1, "Gaziantep-Aleppo road")

    search.fill(title)
    page.locator("#conv-pick input").click()
    options = page.get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text(f"{title} · 2 answers")
    options.first.click()
    expect(bots(page)).to_have_count(2)
    expect(bots(page).last).to_contain_text("eight others were injured")
    ask(page, "And the injured?", 3)  # the reopened conversation goes on
    page.locator("#conv-pick input").click()
    expect(page.get_by_role("option").first).to_contain_text(f"{title} · 3 answers")
    page.keyboard.press("Escape")
    page.locator("#export-format").get_by_text("docx").click()
    page.locator("#conv-export").click()
    expect(page.locator("#conv-status")).to_contain_text("Exported as conversation-")
    link = page.locator("#export-file a[download]").first
    expect(link).to_have_attribute("download", re.compile(r"^conversation-\w+\.docx$"))
    with page.expect_download() as got:
        link.click()
    saved = tmp_path / "export.docx"
    got.value.save_as(saved)
    with zipfile.ZipFile(saved) as z:
        assert z.read("word/footnotes.xml").count(b"<w:footnoteRef/>") >= 3
    shoot(page, "conversations")

    page.locator("#conv-delete").click()
    expect(page.locator("#conv-status")).to_contain_text("Deleted")
    expect(bots(page)).to_have_count(0)
    page.locator("#conv-pick input").click()
    expect(page.get_by_role("option")).to_have_count(0)
    page.keyboard.press("Escape")


def test_citation_markers_work_from_the_keyboard_and_answers_are_announced(user: User) -> None:
    page = user.page
    ask(page, KILLED, 1, "two people were killed")
    ask(page, "Which road was closed?", 2, "Gaziantep-Aleppo road")
    marker = bots(page).first.locator(".cite").first
    expect(marker).to_have_attribute("tabindex", "0")
    expect(marker).to_have_attribute("role", "button")
    expect(marker).to_have_attribute("title", re.compile(r"^\[1\] Aleppo clashes army sdf: "))
    marker.focus()
    expect(marker).to_be_focused()
    page.keyboard.press("Enter")  # the first answer's sources come back, by keyboard alone
    expect(page.locator("#sources #src-1 mark.quote")).to_contain_text("two people were killed")
    # new answers are announced: they stream into a polite live region (Gradio's chat log)
    log = page.locator("#chatbot [role='log'][aria-live='polite']")
    expect(log.locator("[data-testid='bot']")).to_have_count(2)


def test_accounts_show_side_by_side_and_the_timeline_tab_orders_the_dated_events(
    user: User,
) -> None:
    page = user.page
    ask(page, "Who started the fighting in Sheikh Maqsoud and Ashrafieh?", 1, "differing accounts")
    page.locator("#chatbot .cite").first.click()
    cards = page.locator("#sources .account-cards article.account")
    expect(cards.first).to_be_visible()
    assert cards.count() >= 2, "each party has its own card"
    expect(page.locator("#sources .account-cards")).to_contain_text("Ministry of Defense")
    expect(page.locator("#sources .account-cards")).to_contain_text("denies")
    shoot(page, "accounts")

    page.get_by_role("tab", name="Timeline").click()
    page.get_by_role("button", name="Show timeline").click()
    events = page.locator("#timeline")
    expect(events).to_contain_text("28 November")
    text = events.inner_text()
    assert text.index("28 November") < text.index("8 December"), "events come in date order"
    assert "1 April (year not stated)" in text, "a year the report does not state is not placed"
    shoot(page, "timeline")
