"""The `assistant` command: a thin shell over the `Assistant` facade.

User mistakes become one line on stderr and a non-zero exit code, never a traceback. Everything
printed goes through `echo`, because reports (their text, titles, even file names) are untrusted:
no escape sequence or markup of theirs reaches the terminal.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError

from .. import validation
from ..answerers import ANSWERERS
from ..bundled import sample_corpus
from ..config import Settings
from ..conversations import iso_time
from ..errors import AssistantError, ConfigError
from ..safe_text import terminal_safe
from ..validation import MAX_TOP_K
from .chat import cmd_chat
from .output import echo, echo_json, format_answer, ingest_progress, stderr_console
from .runtime import ask_with_corpus, open_assistant
from .timeline import add_window, cmd_timeline, window


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
    add_window(ask, "only reports published")

    chat = sub.add_parser(
        "chat", help="a conversation in the terminal (follow-ups use the history)"
    )
    chat.add_argument("--backend", choices=ANSWERERS.names(), default=None)
    chat.add_argument("--resume", metavar="ID", default=None, help="continue a saved conversation")
    add_window(chat, "only reports published")

    tl = sub.add_parser("timeline", help="dated events of the reports in order, each cited")
    tl.add_argument("query", nargs="?", default=None, help="only events relevant to this")
    tl.add_argument("--json", action="store_true")
    add_window(tl, "only events")

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
        "suites",
        nargs="+",
        help="suite files, or squad_v2_dev / multihop_rag / rgb_en_fact / ramdocs",
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


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    assistant = open_assistant(settings)
    with ingest_progress(stderr_console()) as bar:
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


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("report-assistant")
    except PackageNotFoundError:  # a checkout that was never installed
        return "unknown"


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    since, until = window(args)
    question = sys.stdin.read().strip() if args.question == "-" else args.question
    assistant = open_assistant(settings)
    answer = ask_with_corpus(
        assistant,
        settings,
        question,
        top_k=args.top_k,
        report_ids=args.report,
        backend=args.backend,
        published_from=since,
        published_to=until,
    )
    if args.json:
        echo_json(answer.to_json())
    else:
        echo(format_answer(answer))
    if answer.incomplete:
        echo(f"error: incomplete answer: {answer.incomplete}", err=True)
        return 1
    return 0


def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    found = open_assistant(settings).conversations(search=args.search)
    if args.json:
        echo_json([
            {"id": c.id, "title": c.title, "turns": c.turns, "created": iso_time(c.created),
             "updated": iso_time(c.updated)}
            for c in found
        ])  # fmt: skip
    elif not found:
        echo("no saved conversations" + (f" mention '{args.search}'" if args.search else ""))
    else:
        for c in found:
            echo(f"{c.id}\t{iso_time(c.updated)[:16]}\t{c.turns} answer(s)\t{c.title}")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    data = open_assistant(settings).export(args.conversation_id, args.format)
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


def cmd_reports(args: argparse.Namespace, settings: Settings) -> int:
    infos = open_assistant(settings).reports()
    if args.json:
        echo_json(
            [
                {
                    "id": r.id,
                    "title": r.title,
                    "passages": r.passages,
                    "published": r.published.isoformat() if r.published else None,
                    "published_from": r.published_from or None,
                    "source": r.source,
                }
                for r in infos
            ]
        )
    elif not infos:
        echo("no reports stored; run `assistant ingest`")
    else:
        for r in infos:
            date = f"{r.published.isoformat()} ({r.published_from})" if r.published else "-"
            echo(f"{r.id}\t{date}\t{r.passages} passages\t{r.title}")
    return 0


def cmd_aliases(args: argparse.Namespace, settings: Settings) -> int:
    groups = [list(g.names) for g in open_assistant(settings).aliases().groups]
    if args.json:
        echo_json(groups)
    elif not groups:
        echo("no aliases learned (reports define names with parentheses, 'known as', acronyms)")
    else:
        for names in groups:
            echo(" = ".join(names))
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    open_assistant(settings).remove(args.report_id)
    echo(f"removed {args.report_id}")
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    report = open_assistant(settings).check(repair=args.repair)
    for line in report.lines():
        echo(line)
    return 0 if report.ok else 1


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from ..evals import eval_main

    return eval_main(
        args.suites, settings, out=args.out, baseline=args.baseline, backend=args.backend,
        limit=args.limit, split=args.split, data_dir=args.data,
    )  # fmt: skip


def cmd_ui(args: argparse.Namespace, settings: Settings) -> int:
    from ..ui import launch

    try:  # check the address first: the web server would log its own traceback-like lines
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((args.host, args.port))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(f"cannot serve the UI on {args.host}:{args.port}: {reason}") from exc
    assistant = open_assistant(settings)
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
    "timeline": cmd_timeline,
    "export": cmd_export,
    "eval": cmd_eval,
    "ui": cmd_ui,
}

__all__ = ["COMMANDS", "echo", "echo_json", "format_answer", "ingest_progress", "main"]
