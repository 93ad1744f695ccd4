"""`assistant chat`: a conversation in the terminal, saved as it goes, with line editing and
slash commands that are done, never asked."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import re
import sys
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import AssistantError
from ..markdown import conversation_markdown
from .output import echo, format_answer, format_sources_of
from .runtime import ingest_default_corpus, open_assistant
from .timeline import window

CHAT_COMMAND = re.compile(r"/[A-Za-z]+")
"""What `chat` reads as a command (/new, /quit), not a question."""


CHAT_HELP = """commands (never sent as questions):
  /help            this list
  /new             start a new conversation (follow-ups forget the old one)
  /sources         the sources of the last answer again
  /export FILE     write the conversation, with its citations, to FILE as Markdown
  /quit            end (so do Ctrl-D and an empty line)"""


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    since, until = window(args)
    assistant = open_assistant(settings)
    options = {"backend": args.backend, "published_from": since, "published_to": until}
    if args.resume:
        chat = assistant.chat(resume=args.resume, **options)
        echo(f"(resuming conversation {args.resume}: {len(chat.turns)} earlier answer(s))")
    else:
        chat = assistant.chat(save=True, **options)
    _line_editing(settings)
    echo("Ask about the reports. /help lists the commands; an empty line or Ctrl-D quits.")
    try:
        _chat_loop(assistant, chat, settings)
    finally:
        if chat.id:
            echo(f"saved as conversation {chat.id} (assistant chat --resume {chat.id})", err=True)
    return 0


def _chat_loop(assistant: Any, chat: Any, settings: Settings) -> None:
    while True:
        try:
            line = input("> ").strip()
        except EOFError:
            echo()
            return
        if not line or line in ("/quit", "/exit", "/q"):
            return
        if line.startswith("/") and CHAT_COMMAND.match(line):
            _chat_command(line, chat)
            continue
        try:
            if not assistant.reports():
                ingest_default_corpus(assistant, settings)
            stream = chat.stream(line)
            for _ in stream:
                pass
            answer = stream.result()
            echo(format_answer(answer))
            if answer.incomplete:
                echo(f"error: incomplete answer: {answer.incomplete}", err=True)
        except AssistantError as exc:  # a bad question should not end the conversation
            echo(f"error: {exc}", err=True)


def _chat_command(line: str, chat: Any) -> None:
    """A slash command of `chat`: done here, never asked as a question."""
    name, _, arg = line.partition(" ")
    if name == "/help":
        echo(CHAT_HELP)
    elif name == "/new":
        chat.reset()
        echo("(new conversation)")
    elif name == "/sources":
        if not chat.turns:
            echo("no answer yet")
        else:
            echo(format_sources_of(chat.turns[-1].answer) or "the last answer has no sources")
    elif name == "/export":
        if not arg.strip():
            echo("usage: /export FILE", err=True)
        elif not chat.turns:
            echo("nothing to export yet", err=True)
        else:
            try:
                Path(arg.strip()).expanduser().write_text(
                    conversation_markdown(chat.turns), encoding="utf-8"
                )
                echo(f"wrote {len(chat.turns)} answer(s) to {arg.strip()}")
            except OSError as exc:
                echo(f"error: cannot write {arg.strip()}: {exc.strerror or exc}", err=True)
    else:
        echo(f"unknown command {name}: /help lists the commands", err=True)


def _line_editing(settings: Settings) -> None:
    """Arrow keys, history across sessions (in the data folder) when reading from a terminal."""
    if not sys.stdin.isatty():
        return
    try:
        import readline
    except ImportError:  # not on every platform: plain input() still works
        return
    history = settings.data_dir / "chat_history"
    with contextlib.suppress(OSError):
        readline.read_history_file(history)
    readline.set_history_length(1000)

    def save() -> None:
        with contextlib.suppress(OSError):
            history.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(history)

    atexit.register(save)
