"""The `assistant` command: a thin shell over the `Assistant` facade.

User mistakes become one line on stderr and a non-zero exit code, never a traceback. Everything
printed goes through `echo`, because reports (their text, titles, even file names) are untrusted:
no escape sequence or markup of theirs reaches the terminal.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import re
import socket
import sys
from collections.abc import Callable, Sequence
from datetime import UTC
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import validation
from .answerers import ANSWERERS
from .bundled import sample_corpus
from .citations import unescape_markers
from .config import Settings
from .errors import AssistantError, ConfigError, EmptyIndex
from .markdown import conversation_markdown
from .safe_text import UNSAFE_CHARS, terminal_safe
from .types import Answer
from .validation import MAX_TOP_K


def _top_k(value: str) -> int:
    """--top-k as argparse checks it: a usage error, not a traceback from the facade's check."""
    try:
        n = int(value)
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_TOP_K:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {MAX_TOP_K}")
    return n


def _report_id(value: str) -> str:
    """A report id as argparse checks it (non-empty, valid text): a usage error, not a traceback
    from the facade's check."""
    try:
        return validation.report_id(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("report_id ")) from exc


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="assistant", description="Answer questions about reports, with verified citations."
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    ing = sub.add_parser("ingest", help="add or update reports (default: the sample corpus)")
    ing.add_argument("paths", nargs="*", type=Path, help="files or folders of reports")
    ing.add_argument(
        "--prune",
        action="store_true",
        help="forget stored reports whose files are gone from the folders given (folders only)",
    )
    ing.add_argument("--rebuild", action="store_true", help="drop the collection and ingest again")
    ing.add_argument(
        "--sample", action="store_true", help="ingest the sample reports shipped with the assistant"
    )

    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question", help="the question, or - to read it from standard input")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument(
        "--top-k", type=_top_k, default=None, help=f"passages given to the answerer (1-{MAX_TOP_K})"
    )
    ask.add_argument(
        "--report",
        action="append",
        type=_report_id,
        default=None,
        help="only this report id (repeatable)",
    )
    ask.add_argument("--backend", choices=ANSWERERS.names(), default=None)

    chat = sub.add_parser(
        "chat", help="a conversation in the terminal (follow-ups use the history)"
    )
    chat.add_argument("--backend", choices=ANSWERERS.names(), default=None)
    chat.add_argument("--resume", metavar="ID", default=None, help="continue a saved conversation")

    hist = sub.add_parser("history", help="saved conversations, newest first")
    hist.add_argument("--search", default=None, help="only those whose text contains this")
    hist.add_argument("--json", action="store_true")

    exp = sub.add_parser("export", help="a saved conversation with its citations, to a file")
    exp.add_argument("conversation_id", metavar="ID")
    exp.add_argument("--format", choices=["md", "docx", "json"], default="md")
    exp.add_argument("-o", "--output", type=Path, default=None, help="file (default: stdout)")

    rep = sub.add_parser("reports", help="list stored reports")
    rep.add_argument("--json", action="store_true")

    al = sub.add_parser("aliases", help="names the reports define for the same things")
    al.add_argument("--json", action="store_true")

    rm = sub.add_parser("remove", help="delete a report and all its passages")
    rm.add_argument("report_id", type=_report_id)

    chk = sub.add_parser(
        "check", help="find reports with missing passages and leftovers (exit 1 when any)"
    )
    chk.add_argument(
        "--repair",
        action="store_true",
        help="rebuild incomplete reports from their stored text and sweep leftovers",
    )

    ev = sub.add_parser("eval", help="run eval suites and report metrics (exit 1 below thresholds)")
    ev.add_argument(
        "suites", nargs="+", help="suite files, or squad_v2_dev / multihop_rag / rgb_en_fact"
    )
    ev.add_argument("--out", type=Path, default=None, help="folder for result.json + report.html")
    ev.add_argument("--baseline", type=Path, default=None, help="an earlier result.json")
    ev.add_argument("--backend", choices=ANSWERERS.names(), default=None)
    ev.add_argument(
        "--limit", type=int, default=None, help="at most N questions per suite (default: all)"
    )
    ev.add_argument(
        "--split",
        default="dev",
        help="benchmark questions: dev (default), heldout, or a questions .jsonl file",
    )
    ev.add_argument("--data", type=Path, default=None, help="folder of benchmark data")

    ui = sub.add_parser(
        "ui", help="start the chat UI (ingests the sample corpus when the store is empty)"
    )
    ui.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    ui.add_argument("--port", type=int, default=7860, help="port to listen on")
    return p


def echo(text: str = "", *, err: bool = False) -> None:
    """Print text and a newline to stdout (or stderr): the one way this command prints, so report
    text reaches the terminal as text (escape sequences, control and bidi characters removed)."""
    print(terminal_safe(text), file=sys.stderr if err else sys.stdout)


def echo_json(data: object) -> None:
    """Print JSON whose strings cannot drive a terminal: json escapes C0 controls itself, and
    DEL, C1 and bidi controls are written as `\\uXXXX` too (other text stays readable UTF-8)."""
    dumped = json.dumps(data, ensure_ascii=False, indent=2)
    echo(UNSAFE_CHARS.sub(lambda m: f"\\u{ord(m.group(0)):04x}", dumped))


CHAT_COMMAND = re.compile(r"/[A-Za-z]+")
"""What `chat` reads as a command (/new, /quit), not a question."""
SIGPIPE_EXIT = 141  # what a shell reports for a program ended by SIGPIPE (128 + 13)


def main(argv: Sequence[str] | None = None) -> int:
    """The entry point. Output piped into a reader that stops early (`| head`) ends the command
    quietly, as it would end a C program (exit 141, no traceback)."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # inside the try: a reader gone while the buffer is written is the same
    except BrokenPipeError:
        # Python would flush stdout again at exit and print the error: point it at nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return SIGPIPE_EXIT
    return code


def _main(argv: Sequence[str] | None) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    args = _parser().parse_args(argv)
    try:
        try:
            settings = Settings()
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(x) for x in err["loc"])
            raise ConfigError(f"bad setting ASSISTANT_{field.upper()}: {err['msg']}") from exc
        handler: Callable[[argparse.Namespace, Settings], int] = COMMANDS[args.command]
        return handler(args, settings)
    except AssistantError as exc:
        echo(f"error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        echo("interrupted", err=True)
        return 130


def _assistant(settings: Settings) -> Any:
    from .assistant import Assistant

    return Assistant(settings)


def ingest_progress(console: Any) -> Any:
    """The bar a long ingest shows on the terminal, with the file at hand: its name is shown as
    text, never read as rich markup (and `cmd_ingest` strips its control characters)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}", markup=False),
        transient=True,
        console=console,
    )


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _assistant(settings)
    with ingest_progress(_stderr_console()) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=terminal_safe(name))

        paths = [*args.paths, sample_corpus()] if args.sample else args.paths
        summary = assistant.ingest(
            paths or None, prune=args.prune, rebuild=args.rebuild, progress=progress
        )
    for name, reason in summary.failed:
        echo(f"failed: {name}: {reason}", err=True)
    for name in summary.superseded:
        echo(
            f"superseded: {name}: another writer stored a different version meanwhile "
            "(kept theirs; ingest again to store this one)",
            err=True,
        )
    echo(summary.line())
    return 0 if summary.ok else 1


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _ingest_default_corpus(assistant: Any, settings: Settings) -> None:
    """Fill an empty store with the default corpus, or say what to run when there is none."""
    corpus = settings.corpus_dir
    if corpus is None or not corpus.is_dir():
        where = f" and the corpus folder {corpus} does not exist" if corpus else ""
        raise EmptyIndex(
            f"no reports are ingested{where}: run `assistant ingest PATH` "
            "(or `assistant ingest --sample` for the bundled sample reports)"
        )
    echo(f"the store is empty: ingesting {corpus} first", err=True)
    echo(assistant.ingest([corpus]).line(), err=True)


def _ask_with_corpus(assistant: Any, settings: Settings, question: str, **kwargs: Any) -> Answer:
    """Ask; on an empty store, ingest the default corpus first (or say what to run)."""
    try:
        return assistant.ask(question, **kwargs)  # type: ignore[no-any-return]
    except EmptyIndex:
        _ingest_default_corpus(assistant, settings)
        return assistant.ask(question, **kwargs)  # type: ignore[no-any-return]


def format_answer(answer: Answer) -> str:
    """Answer text, then each citation with its support verdict, report and verbatim quote."""
    lines = [unescape_markers(answer.text)]
    if answer.standalone_question != answer.question:
        lines.append(f"(searched for: {answer.standalone_question})")
    if answer.unsupported:
        lines.append(f"({answer.unsupported} unsupported sentence(s) removed)")
    sources = format_sources_of(answer)
    return "\n".join(lines) + (f"\n\n{sources}" if sources else "")


def format_sources_of(answer: Answer) -> str:
    """The citations of an answer (or, for an abstention, the passages it considered)."""
    lines: list[str] = []
    if answer.citations:
        lines.append("Sources:")
        for c in answer.citations:
            where = ", ".join(
                x
                for x in (
                    c.source,
                    c.published.isoformat() if c.published else None,
                    f"p. {c.page}" if c.page is not None else None,
                    f"in “{c.section}”" if c.section else None,
                )
                if x
            )
            head = f"[{c.marker}] {c.support} · {c.title}" + (f" ({where})" if where else "")
            lines.append(f"{head} — {c.report_id} (chars {c.start}-{c.end})")
            lines.append(f"    “{' '.join(c.quote.split())}”")
    elif answer.abstained and answer.considered:
        lines.append("Closest passages considered:")
        for sp in answer.considered[:3]:
            lines.append(
                f"- {sp.title} — {sp.passage.report_id}: {' '.join(sp.passage.text.split())[:160]}"
            )
    return "\n".join(lines)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("report-assistant")
    except PackageNotFoundError:  # a checkout that was never installed
        return "unknown"


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    question = sys.stdin.read().strip() if args.question == "-" else args.question
    assistant = _assistant(settings)
    answer = _ask_with_corpus(
        assistant,
        settings,
        question,
        top_k=args.top_k,
        report_ids=args.report,
        backend=args.backend,
    )
    if args.json:
        echo_json(answer.to_json())
    else:
        echo(format_answer(answer))
    if answer.incomplete:
        echo(f"error: incomplete answer: {answer.incomplete}", err=True)
        return 1
    return 0


CHAT_HELP = """commands (never sent as questions):
  /help            this list
  /new             start a new conversation (follow-ups forget the old one)
  /sources         the sources of the last answer again
  /export FILE     write the conversation, with its citations, to FILE as Markdown
  /quit            end (so do Ctrl-D and an empty line)"""


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _assistant(settings)
    if args.resume:
        chat = assistant.chat(backend=args.backend, resume=args.resume)
        echo(f"(resuming conversation {args.resume}: {len(chat.turns)} earlier answer(s))")
    else:
        chat = assistant.chat(backend=args.backend, save=True)
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
                _ingest_default_corpus(assistant, settings)
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


def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    found = _assistant(settings).conversations(search=args.search)
    if args.json:
        echo_json([
            {"id": c.id, "title": c.title, "turns": c.turns, "created": _iso(c.created),
             "updated": _iso(c.updated)}
            for c in found
        ])  # fmt: skip
    elif not found:
        echo("no saved conversations" + (f" mention '{args.search}'" if args.search else ""))
    else:
        for c in found:
            echo(f"{c.id}\t{_iso(c.updated)[:16]}\t{c.turns} answer(s)\t{c.title}")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    data = _assistant(settings).export(args.conversation_id, args.format)
    if args.output is None:
        if args.format == "docx":
            raise ConfigError("a .docx export needs a file: add -o FILE")
        echo(data.decode("utf-8"))
        return 0
    try:
        args.output.write_bytes(data)
    except OSError as exc:
        raise ConfigError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    echo(f"wrote {args.output}")
    return 0


def _iso(ts: float) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def cmd_reports(args: argparse.Namespace, settings: Settings) -> int:
    infos = _assistant(settings).reports()
    if args.json:
        echo_json(
            [
                {
                    "id": r.id,
                    "title": r.title,
                    "passages": r.passages,
                    "published": r.published.isoformat() if r.published else None,
                    "source": r.source,
                }
                for r in infos
            ]
        )
    elif not infos:
        echo("no reports stored; run `assistant ingest`")
    else:
        for r in infos:
            date = r.published.isoformat() if r.published else "-"
            echo(f"{r.id}\t{date}\t{r.passages} passages\t{r.title}")
    return 0


def cmd_aliases(args: argparse.Namespace, settings: Settings) -> int:
    groups = [list(g.names) for g in _assistant(settings).aliases().groups]
    if args.json:
        echo_json(groups)
    elif not groups:
        echo("no aliases learned (reports define names with parentheses, 'known as', acronyms)")
    else:
        for names in groups:
            echo(" = ".join(names))
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    _assistant(settings).remove(args.report_id)
    echo(f"removed {args.report_id}")
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    report = _assistant(settings).check(repair=args.repair)
    for line in report.lines():
        echo(line)
    return 0 if report.ok else 1


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from .evals import eval_main

    return eval_main(
        args.suites, settings, out=args.out, baseline=args.baseline, backend=args.backend,
        limit=args.limit, split=args.split, data_dir=args.data,
    )  # fmt: skip


def cmd_ui(args: argparse.Namespace, settings: Settings) -> int:
    from .ui import launch

    try:  # check the address first: the web server would log its own traceback-like lines
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((args.host, args.port))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(f"cannot serve the UI on {args.host}:{args.port}: {reason}") from exc
    assistant = _assistant(settings)
    try:
        launch(assistant, args.host, args.port)
    except OSError as exc:  # taken in the meantime
        raise ConfigError(f"cannot serve the UI on {args.host}:{args.port}: {exc}") from exc
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "ingest": cmd_ingest,
    "ask": cmd_ask,
    "chat": cmd_chat,
    "reports": cmd_reports,
    "aliases": cmd_aliases,
    "remove": cmd_remove,
    "check": cmd_check,
    "history": cmd_history,
    "export": cmd_export,
    "eval": cmd_eval,
    "ui": cmd_ui,
}
