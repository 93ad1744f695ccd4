"""Saved conversations: kept between runs, listed, searched, resumed, exported with their
citations, and honest about reports that changed after they were answered."""

from __future__ import annotations

import html
import json
import re
import sqlite3
import zipfile
from pathlib import Path

import docx
import pytest

from assistant import Assistant, AssistantError, Settings
from assistant.errors import UnknownConversation

from .conftest import SDF_REPORT

KILLED = "How many people were killed in the shelling?"


@pytest.fixture
def desk(tmp_path: Path, make_assistant, corpus_copy: Path) -> Assistant:
    a = make_assistant(Settings(data_dir=tmp_path / "data", corpus_dir=corpus_copy))
    assert a.ingest([corpus_copy]).ok
    return a


def test_a_saved_chat_is_kept_listed_searched_and_reopened(desk: Assistant) -> None:
    chat = desk.chat(save=True)
    first = chat.ask(KILLED)
    chat.ask("And how many were injured?")
    [info] = desk.conversations()
    assert info.id == chat.id and info.title == KILLED and info.turns == 2
    again = Assistant(desk.settings, store=desk.store, embedder=desk.embedder)  # a later run
    saved = again.conversation(chat.id)
    assert [t.question for t in saved.turns] == [KILLED, "And how many were injured?"]
    assert saved.turns[0].answer.text == first.text
    assert saved.turns[0].answer.citations == first.citations
    assert saved.turns[1].answer.standalone_question != "And how many were injured?"
    assert all(not t.stale for t in saved.turns)
    assert [c.id for c in again.conversations(search="eight others")] == [chat.id]
    assert again.conversations(search="nothing like this") == []
    again.rename_conversation(chat.id, "Casualties")
    assert again.conversations()[0].title == "Casualties"
    resumed = again.chat(resume=chat.id)
    follow = resumed.ask("And the injured?")
    assert "injured" in follow.standalone_question and "killed" in follow.standalone_question
    assert again.conversation(chat.id).info.turns == 3
    again.delete_conversation(chat.id)
    assert again.conversations() == []
    with pytest.raises(UnknownConversation):
        again.conversation(chat.id)


def test_a_reopened_answer_says_when_its_report_changed_or_went(
    desk: Assistant, corpus_copy: Path
) -> None:
    chat = desk.chat(save=True)
    assert chat.ask(KILLED).citations
    path = corpus_copy / SDF_REPORT
    path.write_text(path.read_text("utf-8").replace("two people", "three people"), "utf-8")
    desk.ingest([corpus_copy])
    [turn] = desk.conversation(chat.id).turns
    assert turn.stale == {SDF_REPORT: "changed"}
    desk.remove(SDF_REPORT)
    assert desk.conversation(chat.id).turns[0].stale == {SDF_REPORT: "removed"}


def test_conversations_are_per_user(desk: Assistant) -> None:
    mine = desk.chat(save=True, owner="ana")
    mine.ask(KILLED)
    assert [c.id for c in desk.conversations(owner="ana")] == [mine.id]
    assert desk.conversations(owner="ben") == [] and desk.conversations() == []
    with pytest.raises(UnknownConversation):
        desk.conversation(mine.id, owner="ben")


def test_a_conversation_file_from_a_newer_version_is_refused_not_misread(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with sqlite3.connect(data / "conversations.sqlite") as db:
        db.execute("PRAGMA user_version = 99")
    a = Assistant(Settings(data_dir=data), embedder=None)
    with pytest.raises(AssistantError, match="schema version 99"):
        a.conversations()


def test_history_resume_and_export_from_the_command_line(cli, tmp_path: Path) -> None:
    assert cli("ingest").returncode == 0
    chatted = cli("chat", input=f"{KILLED}\nAnd how many were injured?\n\n")
    assert chatted.returncode == 0, chatted.stderr
    cid = re.search(r"saved as conversation (\w+)", chatted.stderr).group(1)  # type: ignore[union-attr]
    listed = json.loads(cli("history", "--json").stdout)
    assert [c["id"] for c in listed] == [cid] and listed[0]["turns"] == 2
    resumed = cli("chat", "--resume", cid, input="And the injured?\n\n")
    assert "2 earlier answer(s)" in resumed.stdout and "eight others were injured" in resumed.stdout

    md = tmp_path / "talk.md"
    assert cli("export", cid, "--format", "md", "-o", str(md)).returncode == 0
    exported = md.read_text(encoding="utf-8")
    assert exported.startswith(f"# {KILLED}\n")
    refs = re.findall(r"\[\^(\d+)\](?!:)", exported)
    notes = dict(re.findall(r"^\[\^(\d+)\]: “(.*?)” — ", exported, flags=re.M))
    assert refs and set(refs) == set(notes), "every reference has its footnote and back"
    report = (Path(__file__).resolve().parent.parent / "corpus" / SDF_REPORT).read_text("utf-8")
    flat = " ".join(report.split())
    for quote in notes.values():
        assert re.sub(r"\\(.)", r"\1", quote) in flat, "each footnote quotes the report"

    as_json = tmp_path / "talk.json"
    assert cli("export", cid, "--format", "json", "-o", str(as_json)).returncode == 0
    data = json.loads(as_json.read_text(encoding="utf-8"))
    assert data["turns"][0]["question"] == KILLED and len(data["turns"]) == 3
    for turn in data["turns"]:
        for c in turn["answer"]["citations"]:
            assert c["quote"] == report[c["start"] : c["end"]] or c["report"] != SDF_REPORT
    as_docx = tmp_path / "talk.docx"
    assert cli("export", cid, "--format", "docx", "-o", str(as_docx)).returncode == 0
    with zipfile.ZipFile(as_docx) as z:
        body, footnotes = (
            z.read("word/document.xml").decode(),
            z.read("word/footnotes.xml").decode(),
        )
        assert "footnotes.xml" in z.read("word/_rels/document.xml.rels").decode()
    refs = re.findall(r'<w:footnoteReference w:id="(\d+)"/>', body)
    texts = dict(
        re.findall(r'<w:footnote w:id="(\d+)">.*?<w:t xml:space="preserve"> (.*?)</w:t>', footnotes)
    )
    assert refs and set(refs) == set(texts), "every reference has its Word footnote"
    for text in texts.values():
        quote = html.unescape(text).split("”")[0].lstrip("“")
        assert quote in flat, "each footnote quotes the report"
    opened = docx.Document(str(as_docx))  # Word's own reader opens it
    assert opened.paragraphs[0].text == KILLED
    missing = cli("export", "nope")
    assert missing.returncode != 0 and "no conversation with id 'nope'" in missing.stderr
