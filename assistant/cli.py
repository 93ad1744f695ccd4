"""The `assistant` command: a thin shell over the `Assistant` facade.

User mistakes become one line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .answerers import ANSWERERS
from .bundled import sample_corpus
from .config import Settings
from .errors import AssistantError, ConfigError, EmptyIndex
from .types import Answer


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="assistant", description="Answer questions about reports, with verified citations."
    )
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
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--top-k", type=int, default=None, help="passages given to the answerer")
    ask.add_argument(
        "--report", action="append", default=None, help="only this report id (repeatable)"
    )
    ask.add_argument("--backend", choices=ANSWERERS.names(), default=None)

    chat = sub.add_parser(
        "chat", help="a conversation in the terminal (follow-ups use the history)"
    )
    chat.add_argument("--backend", choices=ANSWERERS.names(), default=None)

    rep = sub.add_parser("reports", help="list stored reports")
    rep.add_argument("--json", action="store_true")

    al = sub.add_parser("aliases", help="names the reports define for the same things")
    al.add_argument("--json", action="store_true")

    rm = sub.add_parser("remove", help="delete a report and all its passages")
    rm.add_argument("report_id")

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


def main(argv: Sequence[str] | None = None) -> int:
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
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _assistant(settings: Settings) -> Any:
    from .assistant import Assistant

    return Assistant(settings)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    assistant = _assistant(settings)
    with Progress(
        TextColumn("ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        transient=True,
        console=_stderr_console(),
    ) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=name)

        paths = [*args.paths, sample_corpus()] if args.sample else args.paths
        summary = assistant.ingest(
            paths or None, prune=args.prune, rebuild=args.rebuild, progress=progress
        )
    for name, reason in summary.failed:
        print(f"failed: {name}: {reason}", file=sys.stderr)
    for name in summary.superseded:
        print(
            f"superseded: {name}: another writer stored a different version meanwhile "
            "(kept theirs; ingest again to store this one)",
            file=sys.stderr,
        )
    print(summary.line())
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
    print(f"the store is empty: ingesting {corpus} first", file=sys.stderr)
    print(assistant.ingest([corpus]).line(), file=sys.stderr)


def _ask_with_corpus(assistant: Any, settings: Settings, question: str, **kwargs: Any) -> Answer:
    """Ask; on an empty store, ingest the default corpus first (or say what to run)."""
    try:
        return assistant.ask(question, **kwargs)  # type: ignore[no-any-return]
    except EmptyIndex:
        _ingest_default_corpus(assistant, settings)
        return assistant.ask(question, **kwargs)  # type: ignore[no-any-return]


def format_answer(answer: Answer) -> str:
    """Answer text, then each citation with its support verdict, report and verbatim quote."""
    lines = [answer.text]
    if answer.unsupported:
        lines.append(f"({answer.unsupported} unsupported sentence(s) removed)")
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        for c in answer.citations:
            head = f"[{c.marker}] {c.support} · {c.title} — {c.report_id}"
            lines.append(f"{head} (chars {c.start}-{c.end})")
            lines.append(f"    “{' '.join(c.quote.split())}”")
    elif answer.abstained and answer.considered:
        lines.append("")
        lines.append("Closest passages considered:")
        for sp in answer.considered[:3]:
            lines.append(
                f"- {sp.title} — {sp.passage.report_id}: {' '.join(sp.passage.text.split())[:160]}"
            )
    return "\n".join(lines)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _assistant(settings)
    answer = _ask_with_corpus(
        assistant,
        settings,
        args.question,
        top_k=args.top_k,
        report_ids=args.report,
        backend=args.backend,
    )
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_answer(answer))
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _assistant(settings)
    chat = assistant.chat(backend=args.backend)
    print("Ask about the reports. Empty line or Ctrl-D to quit; /new starts a new conversation.")
    while True:
        try:
            question = input("> ").strip()
        except EOFError:
            print()
            return 0
        if not question:
            return 0
        if question == "/new":
            chat.reset()
            print("(new conversation)")
            continue
        try:
            if not assistant.reports():
                _ingest_default_corpus(assistant, settings)
            stream = chat.stream(question)
            for _ in stream:
                pass
            print(format_answer(stream.result()))
        except AssistantError as exc:  # a bad question should not end the conversation
            print(f"error: {exc}", file=sys.stderr)


def cmd_reports(args: argparse.Namespace, settings: Settings) -> int:
    infos = _assistant(settings).reports()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "title": r.title,
                        "passages": r.passages,
                        "published": r.published.isoformat() if r.published else None,
                        "source": r.source,
                    }
                    for r in infos
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
    elif not infos:
        print("no reports stored; run `assistant ingest`")
    else:
        for r in infos:
            date = r.published.isoformat() if r.published else "-"
            print(f"{r.id}\t{date}\t{r.passages} passages\t{r.title}")
    return 0


def cmd_aliases(args: argparse.Namespace, settings: Settings) -> int:
    groups = [list(g.names) for g in _assistant(settings).aliases().groups]
    if args.json:
        print(json.dumps(groups, ensure_ascii=False, indent=2))
    elif not groups:
        print("no aliases learned (reports define names with parentheses, 'known as', acronyms)")
    else:
        for names in groups:
            print(" = ".join(names))
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    _assistant(settings).remove(args.report_id)
    print(f"removed {args.report_id}")
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    report = _assistant(settings).check(repair=args.repair)
    for line in report.lines():
        print(line)
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
    "eval": cmd_eval,
    "ui": cmd_ui,
}
