"""The UI's pure rendering: hostile report text comes out as inert text, quotes are highlighted
at their verified offsets, markers become hoverable spans (no browser needed)."""

from __future__ import annotations

import html
from datetime import date
from html.parser import HTMLParser

from assistant.types import Answer, Citation, IngestSummary, Passage, ReportInfo, ScoredPassage
from assistant.ui.render import (
    answer_message,
    inert,
    ingest_html,
    markdown_copy,
    messages,
    pending,
    report_html,
    reports_html,
    sources_html,
)

HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)> [link](javascript:alert(3)) "
    "![t](http://evil.example/t.png) <a href='javascript:alert(4)'>a</a> https://evil.example/x "
    "${alert(5)} {{constructor}} *bold* `code` $x$"
)
SAFE_TAGS = {
    "span", "div", "mark", "blockquote", "button", "code", "h2", "p", "b", "ul", "li",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
SAFE_ATTRS = {
    "class", "id", "title", "data-report", "data-start", "data-end", "role", "tabindex",
    "aria-label",
}  # fmt: skip


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(markup: str) -> _Tags:
    p = _Tags()
    p.feed(markup)
    p.close()
    return p


def assert_only_our_markup(markup: str) -> str:
    """Every tag and attribute is one this module writes; returns the visible text."""
    p = parse(markup)
    for tag, attrs in p.tags:
        assert tag in SAFE_TAGS, (tag, markup)
        for name, _ in attrs:
            assert name in SAFE_ATTRS, (tag, name)
    return "".join(p.text)


def report_text() -> str:
    return f"Intro line.\nThe convoy {HOSTILE} carried flour.\nLast line."


def citation(text: str) -> Citation:
    start = text.index("The convoy")
    end = text.index("flour.") + len("flour.")
    return Citation(
        marker=1,
        report_id='r<"1">.md',
        title=f"Title {HOSTILE}",
        start=start,
        end=end,
        quote=text[start:end],
        published=date(2024, 5, 1),
        source="Agency <b>X</b>",
    )


def answer_for(text: str, abstained: bool = False) -> Answer:
    c = citation(text)
    passage = Passage("p1", c.report_id, 0, len(text), text)
    considered = (ScoredPassage(passage, 1.0, c.title, c.published, c.source),)
    if abstained:
        return Answer("q", "No answer.", (), True, "extractive", considered)
    return Answer("q", f"{c.quote} [1] and [7].", (c,), False, "extractive", considered)


def test_inert_text_has_no_markup_and_reads_the_same() -> None:
    out = inert(HOSTILE + "\n\nsecond paragraph\nsecond line")
    for ch in "<>[]()!:`*$&{}/_#=\"'":
        assert ch not in out.replace("&#", "").replace(";", ""), ch
    assert html.unescape(out) == HOSTILE + "\n\nsecond paragraph\nsecond line"


def test_answer_markers_become_hoverable_spans_and_the_rest_stays_text() -> None:
    text = report_text()
    out = answer_message(answer_for(text))
    assert out.count('<span class="cite"') == 1
    spans = [attrs for tag, attrs in parse(out).tags if tag == "span"]
    title = dict(spans[0])["title"] or ""
    assert title.startswith("[1] Title <script>") and "carried flour." in title
    visible = html.unescape(assert_only_our_markup(out))
    assert "[1]" in visible and "[7]" in visible  # an unknown marker is left as text
    assert "<img src=x onerror=alert(2)>" in visible


def test_abstention_says_so_and_lists_the_passages_considered() -> None:
    answer = answer_for(report_text(), abstained=True)
    said = answer_message(answer)
    assert "No answer found in the reports" in said and report_text()[:20] not in said
    from assistant.answerers import ABSTAIN_TEXT

    refused = Answer("q", ABSTAIN_TEXT, (), True, "extractive")
    assert ABSTAIN_TEXT not in answer_message(refused), "one 'no answer' message, not two"
    named = Answer(
        "q", f"{ABSTAIN_TEXT} None of the passages found mentions “Zembla”.", (), True, "x"
    )
    said = answer_message(named)
    assert "None of the passages found mentions “Zembla”" in said, "the reason is shown"
    assert ABSTAIN_TEXT not in said
    panel = sources_html(answer, lambda rid: report_text())
    visible = assert_only_our_markup(panel)
    assert "No answer in the reports" in visible
    assert "The convoy <script>" in visible


def test_sources_highlight_the_quote_inside_its_passage() -> None:
    text = report_text()
    answer = answer_for(text)
    panel = sources_html(answer, lambda rid: text)
    visible = assert_only_our_markup(panel)
    assert f"Title {HOSTILE}" in visible
    assert "2024-05-01 · Agency <b>X</b>" in visible
    marks = parse(panel)
    assert ("mark", [("class", "quote")]) in marks.tags
    assert 'data-report="r&lt;&quot;1&quot;&gt;.md"' in panel
    assert f'data-start="{answer.citations[0].start}"' in panel
    assert html.escape(answer.citations[0].quote) in panel
    assert "Intro line." in visible  # the surrounding passage is shown


def test_sources_fall_back_to_a_window_of_the_report() -> None:
    text = "word " * 200 + report_text() + " tail" * 200
    answer = answer_for(text)
    c = answer.citations[0]
    bare = Answer("q", "x [1]", (c,), False, "extractive")
    panel = sources_html(bare, lambda rid: text)
    visible = assert_only_our_markup(panel)
    assert visible.count("…") == 2 and "carried flour." in visible
    gone = sources_html(bare, lambda rid: (_ for _ in ()).throw(KeyError(rid)))
    assert "carried flour." in assert_only_our_markup(gone)


def test_report_view_marks_the_exact_span() -> None:
    text = report_text()
    c = citation(text)
    out = report_html(c.title, text, c.published, c.source, (c.start, c.end))
    visible = assert_only_our_markup(out)
    assert visible.endswith(text)
    start = out.index('<mark id="quote-mark" class="quote">') + len(
        '<mark id="quote-mark" class="quote">'
    )
    assert html.unescape(out[start : out.index("</mark>")]) == c.quote
    assert "<mark" not in report_html(c.title, text, span=(5, 10_000))


def test_report_list_and_upload_messages_are_escaped() -> None:
    infos = [ReportInfo('x"<img>.md', f"T {HOSTILE}", 3, "h", date(2024, 1, 2), None)]
    visible = assert_only_our_markup(reports_html(infos))
    assert f"T {HOSTILE}" in visible and "2024-01-02" in visible
    summary = IngestSummary(added=["a.txt"], failed=[("<img src=x onerror=alert(1)>.pdf", "bad")])
    visible = assert_only_our_markup(ingest_html(summary))
    assert "1 added, 1 failed" in visible and "<img src=x onerror=alert(1)>.pdf: bad" in visible


def test_chat_messages_pair_questions_with_answers() -> None:
    from assistant.types import Turn

    answer = answer_for(report_text())
    msgs = messages([Turn("<b>q</b>", answer)])
    assert [m["role"] for m in msgs] == ["user", "assistant"]
    assert "<b>" not in msgs[0]["content"]
    streaming = pending("q?", "")
    assert streaming[1]["content"].startswith("*Searching")
    assert "<" not in pending("q?", "partial <img>")[1]["content"]


def test_each_source_card_shows_its_support_verdict() -> None:
    """Quoted and supported spans are labelled so; an unchecked or unsupported citation (answerers
    remove them) is never shown as verified."""
    from dataclasses import replace

    text = report_text()
    c = citation(text)
    labels = {}
    for support, reason in (("quoted", ""), ("supported", ""), ("unsupported", f"why {HOSTILE}")):
        cited = replace(c, support=support, support_reason=reason)
        panel = sources_html(Answer("q", "x [1]", (cited,), False, "openai"), lambda rid: text)
        assert_only_our_markup(panel)
        tags = parse(panel).tags
        [label] = [
            dict(a) for t, a in tags if t == "span" and "src-support" in (dict(a)["class"] or "")
        ]
        labels[support] = label
        visible = html.unescape(assert_only_our_markup(panel))
        assert ("not supported" if support == "unsupported" else support) in visible
    assert labels["unsupported"]["title"] == f"why {HOSTILE}"
    assert "unsupported" in (labels["unsupported"]["class"] or "")
    unchecked = sources_html(Answer("q", "x [1]", (c,), False, "openai"), lambda rid: text)
    assert "not supported" in unchecked and ">quoted<" not in unchecked


def test_a_marker_quoted_from_a_report_is_text_not_a_citation() -> None:
    """Answer text escapes a "[1]" that a report itself writes (`\\[1]`); only the answerer's own
    markers become citation spans, and the quoted one reads "[1]" (no backslash)."""
    text = report_text()
    c = citation(text)
    said = "The deal holds, as stated in clause \\[1] of the agreement"
    answer = Answer("q", f"{said} [1].", (c,), False, "extractive")
    out = answer_message(answer)
    assert out.count('<span class="cite"') == 1
    visible = html.unescape(assert_only_our_markup(out))
    assert "as stated in clause [1] of the agreement [1]." in visible
    streamed = html.unescape(pending("q?", f"{said} [1]")[1]["content"])
    assert "clause [1] of the agreement" in streamed


def _rendered_markdown(markdown: str) -> str:
    """What a Markdown renderer (CommonMark, raw HTML allowed) makes of the copied text."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").render(markdown)


def test_copy_as_markdown_shows_report_markup_as_text() -> None:
    """Pasted anywhere that renders Markdown, the copied answer shows a report's tags, links and
    images as the characters they are: no tag, link or remote image comes from a report."""
    text = report_text()
    c = citation(text)
    said = "# Heading\n- <b>bold</b> ![t](http://evil.example/a.png) [x](javascript:alert(1))"
    answer = Answer("q", f"{said} [1]", (c,), False, "extractive")
    copied = markdown_copy(answer)
    rendered = _rendered_markdown(copied)
    p = parse(rendered)
    assert {tag for tag, _ in p.tags} <= {"p", "ul", "li"}, rendered
    assert not any(name in ("src", "href") for _, attrs in p.tags for name, _ in attrs)
    shown = "".join(p.text)
    for piece in ("# Heading", "<b>bold</b>", "![t](http://evil.example/a.png)", "<script>"):
        assert piece in shown, piece
    assert f"[1] Title {HOSTILE}" in " ".join(shown.split())
    assert '(r<"1">.md, chars' in shown and f'"{c.quote}"' in " ".join(shown.split())
    assert markdown_copy(None) == ""


def test_a_rewritten_follow_up_shows_what_was_searched() -> None:
    from assistant.types import Answer

    def answer(question: str, query: str) -> Answer:
        return Answer(question, "Nothing found.", (), True, "extractive", query=query)

    follow = answer("And the injured?", "How many were killed in the shelling? And the injured?")
    shown = answer_message(follow)  # punctuation is sent as entities: Markdown-inert
    assert '<span class="searched">searched for: How many were killed in the shelling' in shown
    assert "searched for" not in answer_message(answer("Who fled?", "Who fled?"))


def test_two_markers_citing_one_span_share_one_source_card() -> None:
    text = report_text()
    start = text.index("The convoy")
    end = text.index(".", start) + 1
    passage = Passage("p1", "r.txt", 0, len(text), text)
    considered = (ScoredPassage(passage, 1.0, "Convoy report"),)
    cites = tuple(
        Citation(m, "r.txt", "Convoy report", start, end, text[start:end], support="quoted")
        for m in (1, 2)
    )
    answer = Answer("q", "It came [1]. It carried flour [2].", cites, False, "openai", considered)
    panel = sources_html(answer, lambda rid: text)
    assert panel.count('class="src"') == 1 and "[1][2]" in panel
    assert 'id="src-1"' in panel and 'id="src-2"' in panel, "both markers still find the card"


def test_accounts_are_cards_side_by_side_and_disagreements_list_every_value() -> None:
    from assistant.types import Account, Disagreement

    quotes = [
        "The Norland Press Agency said the front attacked <b>two</b> checkpoints.",
        "The Interior Ministry denied the front's account.",
    ]
    citations = tuple(
        Citation(marker=i + 1, report_id="r.txt", title="R", start=0, end=len(q), quote=q)
        for i, q in enumerate(quotes)
    )
    answer = Answer(
        question="Who started it?",
        text="The reports give differing accounts: [1] [2]",
        citations=citations,
        abstained=False,
        backend="extractive",
        accounts=(
            Account("Norland Press Agency", (1,)),
            Account("Interior Ministry", (2,), stance="denies", names=("the ministry",)),
        ),
        disagreements=(Disagreement("the number in “...”", (("two", (1,)), ("forty", (2,)))),),
    )
    page = sources_html(answer, lambda rid: "")
    assert page.index('class="account-cards"') < page.index("<h2>Sources</h2>")
    assert page.count('<article class="account">') == 2
    assert "Interior Ministry <span" in page and ">denies<" in page and "also: the ministry" in page
    assert "&lt;b&gt;two&lt;/b&gt;" in page and "<b>two</b>" not in page, "quotes are escaped"
    assert "Sources disagree" in page and "<strong>two</strong>" in page
    assert "<strong>forty</strong>" in page
    plain = sources_html(Answer("q", "x [1]", citations[:1], False, "extractive"), lambda rid: "")
    assert "account-cards" not in plain and "Sources disagree" not in plain
