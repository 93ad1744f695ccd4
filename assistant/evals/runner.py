"""Running eval suites: the Python API (`run_suite`, `run_suites`).

A run asks every question of every suite, scores it (`scoring`, `metrics`) and checks the suites'
thresholds. The assistant is passed in (anything shaped like `EvalTarget`), so tests use fakes.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from rich.progress import Progress

from assistant.assistant import Assistant
from assistant.config import Settings
from assistant.errors import BadQuestion, UnknownReport
from assistant.types import Answer, IngestSummary, ReportInfo, Turn

from .judge import GroundednessJudge
from .machine import Stopwatch
from .results import QuestionRecord, RunResult, SuiteResult, ThresholdCheck
from .scoring import aggregate, groundedness_methods, resolve_evidence, score_question
from .suites import Question, Suite, load_suite

RECOVERABLE = (BadQuestion, UnknownReport)
"""Errors that fail one question; any other AssistantError (store, backend...) stops the run."""
SECRETS = ("openai_api_key", "chroma_token")


class EvalTarget(Protocol):
    """What the harness needs from the assistant facade (`assistant.Assistant` fits)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def embed_model_name(self) -> str: ...
    def ask(
        self, question: str, *, backend: str | None = None, history: Sequence[Turn] = ()
    ) -> Answer: ...
    def ingest(
        self,
        paths: Sequence[Path],
        *,
        prune: bool = False,
        progress: Callable[[int, int, str], None] | None = None,
    ) -> IngestSummary: ...
    def report_text(self, report_id: str) -> str: ...
    def reports(self) -> list[ReportInfo]: ...
    def prompt_hashes(self) -> dict[str, str]: ...


def ask_question(target: EvalTarget, q: Question, backend: str | None) -> tuple[Answer, float]:
    """Ask the earlier turns in order as history, then the judged question; time only the latter."""
    history: list[Turn] = []
    for turn in q.turns:
        history.append(Turn(turn, target.ask(turn, backend=backend, history=tuple(history))))
    start = time.perf_counter()
    answer = target.ask(q.question, backend=backend, history=tuple(history))
    return answer, time.perf_counter() - start


def open_target(suite: Suite, settings: Settings) -> EvalTarget:
    """The assistant for a suite: its own collection and corpus root when it names them, else the
    configured ones (report ids are paths relative to the suite's corpus folder)."""
    update: dict[str, Any] = {}
    if suite.collection:
        update["collection"] = suite.collection
    if suite.corpus is not None and suite.corpus.is_dir():
        update["corpus_dir"] = suite.corpus
    target: EvalTarget = Assistant.from_settings(settings.model_copy(update=update))
    return target


TargetFactory = Callable[[Suite, Settings], EvalTarget]
"""Opens the assistant a suite runs against (`open_target`; tests pass fakes)."""


def default_settings() -> Settings:
    """Settings from the environment (`ASSISTANT_*`), as the CLI builds them."""
    return Settings()  # type: ignore[call-arg]


class _ReportTexts:
    """Stored report texts, fetched once each; None for a report the store does not hold."""

    def __init__(self, target: EvalTarget) -> None:
        self.target = target
        self.texts: dict[str, str | None] = {}

    def __call__(self, report_id: str) -> str | None:
        if report_id not in self.texts:
            try:
                self.texts[report_id] = self.target.report_text(report_id)
            except UnknownReport:
                self.texts[report_id] = None
        return self.texts[report_id]


def run_suite(
    suite: Suite | str | Path,
    target: EvalTarget | None = None,
    *,
    settings: Settings | None = None,
    backend: str | None = None,
    judge: GroundednessJudge | None = None,
    progress: Progress | None = None,
    target_for: TargetFactory = open_target,
) -> SuiteResult:
    """Run one suite and score it: the Python API behind `assistant eval`.

    Without `target`, an assistant is opened by `target_for` (default: on the suite's own
    collection, from `settings`) and the suite's corpus folder is ingested into it (incremental;
    reports no longer there are pruned). A given `target` is used as it is: nothing is ingested
    into a caller's collection.
    """
    if not isinstance(suite, Suite):
        suite = load_suite(suite)
    watch = Stopwatch()
    ingest_line = None
    if target is None:
        target = target_for(suite, settings or default_settings())
        if suite.corpus is not None:
            ingest_line = _ingest(target, suite, progress)
    infos = target.reports()
    report_text = _ReportTexts(target)
    evidence = resolve_evidence(suite, [r.id for r in infos], report_text)
    k = target.settings.top_k
    _warm_up(target, suite, backend)
    task = progress.add_task(suite.name, total=len(suite.questions)) if progress else None
    records: list[QuestionRecord] = []
    for q in suite.questions:
        try:
            answer, latency = ask_question(target, q, backend)
            rec = score_question(
                q, answer, latency=latency, report_text=report_text, evidence=evidence[q.id],
                k=k, judge=judge,
            )  # fmt: skip
        except RECOVERABLE as exc:
            rec = QuestionRecord(q.id, q.question, list(q.turns), list(q.tags), q.unanswerable)
            rec.error = str(exc)
            rec.failures.append(f"error: {exc}")
        records.append(rec)
        if progress is not None and task is not None:
            progress.advance(task)
    return _suite_result(suite, target, records, infos, backend, judge, watch, ingest_line)


def _suite_result(
    suite: Suite,
    target: EvalTarget,
    records: list[QuestionRecord],
    infos: Sequence[ReportInfo],
    backend: str | None,
    judge: GroundednessJudge | None,
    watch: Stopwatch,
    ingest_line: str | None,
) -> SuiteResult:
    values = aggregate(records)
    tags = sorted({t for q in suite.questions for t in q.tags})
    checks = [
        ThresholdCheck(t.metric, t.op, t.limit, values[t.metric], t.holds(values[t.metric]))
        for t in suite.thresholds
    ]
    settings = target.settings
    chosen = backend or settings.chosen_backend
    backends = sorted({r.backend for r in records if r.backend})
    machine = watch.stop()
    return SuiteResult(
        name=suite.name,
        path=suite.path,
        collection=settings.collection,
        corpus_hash=corpus_hash(infos),
        k=settings.top_k,
        metrics=values,
        counts=_counts(records),
        per_tag={t: aggregate([r for r in records if t in r.tags]) for t in tags},
        checks=checks,
        records=records,
        groundedness_methods=groundedness_methods(backends or [chosen], judge),
        prompt_hashes=target.prompt_hashes(),
        models={
            "embedding": target.embed_model_name,
            "backend": ", ".join(backends) or chosen,
            "llm": settings.llm_model if "openai" in (*backends, chosen) else None,
            "judge": judge.model if judge else None,
        },
        machine=machine,
        split=suite.split,
        available=suite.total,
        duration=machine.wall_s,
        ingest=ingest_line,
    )


def _counts(records: Sequence[QuestionRecord]) -> dict[str, int]:
    return {
        "questions": len(records),
        "answerable": sum(not r.unanswerable for r in records),
        "unanswerable": sum(r.unanswerable for r in records),
        "passed": sum(r.passed for r in records),
        "abstained": sum(r.abstained for r in records),
        "citations": sum(len(r.citations) for r in records),
        "errors": sum(r.error is not None for r in records),
    }


def _warm_up(target: EvalTarget, suite: Suite, backend: str | None) -> None:
    """Ask one question untimed first: loading models on the first call is not per-question latency."""
    with contextlib.suppress(*RECOVERABLE):
        target.ask(suite.questions[0].question, backend=backend)


def _ingest(target: EvalTarget, suite: Suite, progress: Progress | None) -> str:
    """Sync the suite's corpus into its collection, showing a bar while files are read."""
    assert suite.corpus is not None
    if progress is None:
        return target.ingest([suite.corpus], prune=True).line()
    task = progress.add_task(f"{suite.name}: syncing corpus", total=None)

    def step(done: int, total: int, name: str) -> None:
        progress.update(task, completed=done, total=total)

    try:
        return target.ingest([suite.corpus], prune=True, progress=step).line()
    finally:
        progress.remove_task(task)


def corpus_hash(infos: Sequence[ReportInfo]) -> str:
    """sha256[:12] over the sorted (report id, content hash) pairs: which corpus a run measured."""
    lines = "".join(f"{r.id}\t{r.hash}\n" for r in sorted(infos, key=lambda r: r.id))
    return hashlib.sha256(lines.encode()).hexdigest()[:12]


def public_settings(settings: Settings) -> dict[str, Any]:
    """The settings as JSON, with secrets masked: results are shared and committed."""
    data = settings.model_dump(mode="json")
    for key in SECRETS:
        if data.get(key):
            data[key] = "***"
    return data


def run_suites(
    suites: Sequence[Suite | str | Path],
    settings: Settings,
    *,
    backend: str | None = None,
    judge: GroundednessJudge | None = None,
    progress: Progress | None = None,
    log: Callable[[str], None] | None = None,
    target_for: TargetFactory = open_target,
) -> RunResult:
    """Run several suites, each on its own collection, into one RunResult."""
    watch = Stopwatch()
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    results = []
    for s in suites:
        result = run_suite(
            s, settings=settings, backend=backend, judge=judge, progress=progress,
            target_for=target_for,
        )  # fmt: skip
        if log is not None and result.ingest:
            log(f"{result.name}: collection {result.collection!r}: {result.ingest}")
        results.append(result)
    machine = watch.stop()
    return RunResult(
        stamp, public_settings(settings), results, duration=machine.wall_s, machine=machine
    )
